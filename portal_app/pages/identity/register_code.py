"""Registration, second screen: the 6-digit code sent to the email address.

The state is the registration's (``RegisterState``): the attempt token, the masked
address and the code's errors belong to that one registration attempt."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.pages.identity.register import RegisterState
from portal_app.settings import get_settings

CODE_FIELDS = [("code", "code")]


@page(routes.REGISTER_CODE, "Check your email")
def register_code_page() -> rx.Component:
    s = get_settings()
    return rx.fragment(
        rx.cond(
            RegisterState.attempt_open,
            rx.fragment(
                forms.error_summary(RegisterState.code_errors, CODE_FIELDS),
                rx.el.h1("Check your email"),
                rx.el.p(
                    "If the details you gave match our records, we have sent a 6-digit code to ",
                    rx.el.strong(RegisterState.masked_email),
                    ". The code works for 10 minutes. If we could not match your details, the email tells you what to do next.",
                ),
                # Issue 13 item 21: couples often share an address. Said to everyone, so it
                # never tells whether this address is in use.
                rx.el.p(
                    "Each person needs their own email address. If you share an email address with someone "
                    "in your home who already has an account, register with a different email address."
                ),
                rx.cond(
                    RegisterState.code_notice != "",
                    rx.el.div(rx.el.p(RegisterState.code_notice), class_name="notice", role="status"),
                ),
                rx.el.form(
                    forms.text_field(
                        RegisterState.code_errors,
                        "code",
                        "Enter the code",
                        hint="For example, 123456",
                        autocomplete="one-time-code",
                        input_mode="numeric",
                        extra_class="input--code",
                        spellcheck=False,
                    ),
                    forms.submit_button("Create my account"),
                    on_submit=RegisterState.submit_code,
                    no_validate=True,
                    aria_label="Email code",
                ),
                rx.el.h2("Not got the email?"),
                rx.el.p("Emails can take a few minutes. Check your spam or junk folder."),
                rx.el.button(
                    "Send a new code",
                    type="button",
                    class_name="button button--secondary",
                    on_click=RegisterState.resend,
                ),
                rx.el.p(
                    "Still nothing? ",
                    rx.el.a("Check your details and start again", href=routes.REGISTER),
                    f", or phone us on {s.landlord_phone}.",
                ),
            ),
            rx.fragment(
                rx.el.h1("Start your registration"),
                rx.cond(
                    RegisterState.code_errors.contains("code"),
                    rx.el.div(
                        rx.el.p(RegisterState.code_errors["code"]), class_name="notice notice--warning", role="alert"
                    ),
                ),
                rx.el.p("There is no registration in progress in this browser."),
                rx.el.a("Register for an account", href=routes.REGISTER, class_name="button"),
            ),
        )
    )
