"""Forgotten password: an email with a single-use link (the link opens reset_password.py)."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.services.identity import auth
from portal_app.services.validation import form_fields
from portal_app.state.access import public
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState


class ForgotPasswordState(SessionState):
    errors: dict[str, str] = {}
    sent: bool = False

    @public
    @rx.event
    def open_request(self):
        self.errors = {}
        self.sent = False

    @public
    @rx.event
    async def request_link(self, form_data: dict):
        email = form_fields(form_data).get("email", "").strip()
        if not email or "@" not in email:
            self.errors = {"email": "Enter the email address you registered with, like name@example.com"}
            return forms.focus_error_summary()
        self.errors = {}
        await in_transaction(auth.request_password_reset, email, client_ip=self._client_ip(), now=utcnow())
        self.sent = True


@page(
    routes.FORGOT_PASSWORD,
    "Reset your password",
    on_load=ForgotPasswordState.open_request,
    errors=ForgotPasswordState.errors,
)
def forgot_page() -> rx.Component:
    return rx.cond(
        ForgotPasswordState.sent,
        rx.fragment(
            rx.el.h1("Check your email"),
            rx.el.p(
                "If that address has an account with us, we have sent it a link to choose a new password. "
                "The link works once, for 30 minutes. If we have sent you more than one, any of them works."
            ),
            rx.el.p("Check your spam or junk folder if it has not arrived in a few minutes."),
        ),
        rx.fragment(
            forms.error_summary(ForgotPasswordState.errors, [("email", "email")]),
            rx.el.h1("Reset your password"),
            rx.el.p("Enter the email address you registered with. We will send you a link to choose a new password."),
            rx.el.form(
                forms.text_field(
                    ForgotPasswordState.errors,
                    "email",
                    "Email address",
                    input_type="email",
                    autocomplete="email",
                    spellcheck=False,
                ),
                forms.submit_button("Send me a link"),
                on_submit=ForgotPasswordState.request_link,
                no_validate=True,
                aria_label="Reset your password",
            ),
        ),
    )
