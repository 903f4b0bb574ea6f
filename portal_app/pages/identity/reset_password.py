"""Choose a new password, from the single-use link in the reset email.

The link goes to ``/api/reset`` (api/handoff.py), which keeps the token in an HttpOnly
cookie and comes here without it: the token is never in this page's address, history
or state; the handlers read it from the cookie. A link in the older form
(``/reset-password?token=...``) is redirected there by ``api/http.old_reset_links``."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.services.identity import auth, cookies
from portal_app.services.validation import form_fields
from portal_app.state.access import public
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState, ShowPasswordMixin


class ResetPasswordState(ShowPasswordMixin, SessionState):
    errors: dict[str, str] = {}
    token_ok: bool = False
    checked: bool = False
    done: bool = False

    @public
    @rx.event
    async def open_reset(self):
        self.errors = {}
        self.done = False
        token = self._cookie(cookies.RESET)
        self.token_ok = bool(token) and await in_transaction(auth.reset_token_is_valid, token, now=utcnow())
        self.checked = True

    @public
    @rx.event
    async def choose_password(self, form_data: dict):
        password = form_fields(form_data).get("password", "")
        token = self._cookie(cookies.RESET)
        if not token:
            self.token_ok = False
            return
        error = await in_transaction(auth.reset_password, token, password, now=utcnow(), client_ip=self._client_ip())
        if error:
            self.errors = {"password": error}
            if not await in_transaction(auth.reset_token_is_valid, token, now=utcnow()):
                self.token_ok = False
            return forms.focus_error_summary()
        self.errors = {}
        # Every session has ended on the server, this browser's too.
        await self._forget_private()
        self.done = True


@page(
    routes.RESET_PASSWORD,
    "Choose a new password",
    on_load=ResetPasswordState.open_reset,
    errors=ResetPasswordState.errors,
)
def reset_page() -> rx.Component:
    return rx.cond(
        ResetPasswordState.done,
        rx.fragment(
            rx.el.h1("Your password has been changed"),
            rx.el.p("We have signed you out everywhere. Sign in with your new password."),
            rx.el.a("Sign in", href=routes.SIGN_IN, class_name="button"),
        ),
        rx.cond(
            ResetPasswordState.token_ok,
            rx.fragment(
                forms.error_summary(ResetPasswordState.errors, [("password", "password")]),
                rx.el.h1("Choose a new password"),
                rx.el.form(
                    forms.password_field(
                        ResetPasswordState.errors,
                        "password",
                        "New password",
                        hint="Use 12 characters or more. Three random words together is a good way to make a strong password.",
                        shown=ResetPasswordState.show_password,
                        toggle=ResetPasswordState.toggle_password,
                        autocomplete="new-password",
                    ),
                    forms.submit_button("Change password"),
                    on_submit=ResetPasswordState.choose_password,
                    no_validate=True,
                    aria_label="Choose a new password",
                ),
            ),
            rx.cond(
                ResetPasswordState.checked,
                rx.fragment(
                    rx.el.h1("This link has expired or has been used"),
                    rx.el.p("Links to reset your password work once, for 30 minutes."),
                    rx.el.a("Send me a new link", href=routes.FORGOT_PASSWORD, class_name="button"),
                ),
                rx.el.p("Checking your link…", class_name="loading", role="status"),
            ),
        ),
    )
