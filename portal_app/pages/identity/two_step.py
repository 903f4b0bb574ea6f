"""The second step of signing in: the code from an authenticator app, or a recovery code.

The state is the sign-in page's (``SignInState``): the waiting sign-in's token, where to
go next and the check-your-email notice all belong to that one sign-in."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.pages.identity.sign_in import SignInState


@page(routes.SIGN_IN_TWO_STEP, "Enter your security code", errors=SignInState.two_step_errors)
def two_step_page() -> rx.Component:
    return rx.cond(
        SignInState.two_step_open,
        rx.fragment(
            forms.error_summary(SignInState.two_step_errors, [("code", "code")]),
            rx.el.h1("Enter your security code"),
            rx.el.p("Open your authenticator app and enter the 6-digit code it shows for this account."),
            rx.el.form(
                forms.text_field(
                    SignInState.two_step_errors,
                    "code",
                    "Security code",
                    hint="Lost your phone? Enter one of your recovery codes instead, like abcd-efgh.",
                    autocomplete="one-time-code",
                    spellcheck=False,
                    extra_class="input--code",
                ),
                forms.submit_button("Continue"),
                on_submit=SignInState.submit_two_step,
                no_validate=True,
                aria_label="Security code",
            ),
        ),
        rx.fragment(
            rx.el.h1("Sign in first"),
            rx.el.p("There is no sign-in waiting for a security code in this browser."),
            rx.el.a("Sign in", href=routes.SIGN_IN, class_name="button"),
        ),
    )
