"""Change your email address (issue 18 item 2): the new address, then the 6-digit code we
sent to it (``services/identity/email_change.py``). Once the code is right the address is
changed and the old one is told.

The code is typed into the form and goes straight to the service: it is never kept in
this page's state. A reload while a code is waiting comes back to the code step."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.services.identity import email_change
from portal_app.services.validation import form_fields
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState

ADDRESS, CODE, DONE = "address", "code", "done"
ADDRESS_FIELDS = [("new_email", "new-email")]
CODE_FIELDS = [("code", "code")]
OFFLINE = "You're offline. Connect to the internet to change your email address."
WRONG = {
    "wrong": "The code is not right. Check the email we sent and try again",
    "format": "Enter the 6-digit code from the email",
}
START_AGAIN = {
    "expired": "That code has stopped working. Enter your new email address again and we will send a new code.",
    "ended": "That code was typed wrongly too many times, so it no longer works. Enter your new email address again.",
    "none": "There is no change waiting for a code. Enter your new email address.",
}


class EmailChangeState(SessionState):
    loaded: bool = False
    step: str = ADDRESS
    new_email: str = ""  # where the code went: the resident's own new address
    address_errors: dict[str, str] = {}
    code_errors: dict[str, str] = {}
    notice: str = ""

    async def _resume(self, user_id: int) -> None:
        self.new_email = await in_transaction(email_change.pending_email, user_id, now=utcnow())
        self.step = CODE if self.new_email else ADDRESS

    @resident_only
    @rx.event
    async def load(self):
        self.loaded = False
        self.address_errors, self.code_errors, self.notice = {}, {}, ""
        await self._resume(current_principal().user_id)
        self.loaded = True

    @resident_only
    @rx.event
    async def send_code(self, form_data: dict):
        typed = form_fields(form_data).get("new_email", "")
        started = await in_transaction(
            email_change.start_email_change, current_principal().user_id, typed, now=utcnow()
        )
        self.address_errors = dict(started.errors)
        if started.errors:
            return forms.focus_error_summary()
        self.code_errors, self.notice = {}, ""
        self.new_email, self.step = started.new_email, CODE

    @resident_only
    @rx.event
    async def resend(self):
        if self.step != CODE or not self.new_email:
            return
        started = await in_transaction(
            email_change.start_email_change, current_principal().user_id, self.new_email, now=utcnow()
        )
        if started.errors:
            self.code_errors = {"code": started.errors.get("new_email", "We could not send a new code")}
            self.notice = ""
            return forms.focus_error_summary()
        self.code_errors = {}
        self.notice = f"We have sent a new code to {started.new_email}. The code in the earlier email no longer works."

    @resident_only
    @rx.event
    async def start_again(self):
        await in_transaction(email_change.cancel_email_change, current_principal().user_id, now=utcnow())
        self.step, self.new_email = ADDRESS, ""
        self.address_errors, self.code_errors, self.notice = {}, {}, ""

    @resident_only
    @rx.event
    async def confirm(self, form_data: dict):
        code = form_fields(form_data).get("code", "")  # straight to the service, never kept here
        done = await in_transaction(
            email_change.confirm_email_change,
            current_principal().user_id,
            code,
            now=utcnow(),
            client_ip=self._client_ip(),
        )
        self.notice = ""
        if done.outcome == "changed":
            self.code_errors = {}
            self.new_email, self.step = done.new_email, DONE
            return rx.call_script(
                "window.scrollTo(0, 0); setTimeout(() => document.getElementById('done-heading')?.focus(), 50)"
            )
        if done.outcome in WRONG:
            left = (
                f" You have {done.tries_left} more {'try' if done.tries_left == 1 else 'tries'}."
                if done.outcome == "wrong"
                else ""
            )
            self.code_errors = {"code": WRONG[done.outcome] + ("." + left if left else "")}
            return forms.focus_error_summary()
        self.code_errors = {}
        self.step, self.new_email = ADDRESS, ""
        self.notice = START_AGAIN.get(done.outcome, START_AGAIN["none"])


S = EmailChangeState


def _address_step() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Change your email address"),
        rx.cond(S.notice != "", rx.el.div(rx.el.p(S.notice), class_name="notice notice--warning", role="status")),
        forms.error_summary(S.address_errors, ADDRESS_FIELDS),
        rx.el.p(
            "We will send a code to your new address to check it is yours. Your email address changes only when "
            "you type that code here. We will also tell your current address that it has changed."
        ),
        rx.el.form(
            forms.text_field(
                S.address_errors,
                "new_email",
                "New email address",
                input_id="new-email",
                input_type="email",
                autocomplete="email",
                spellcheck=False,
            ),
            forms.submit_button("Send a code"),
            on_submit=S.send_code,
            aria_label="Your new email address",
            no_validate=True,
        ),
        rx.el.p(rx.el.a("Back to your details", href=routes.YOUR_DETAILS)),
    )


def _code_step() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Check your email"),
        forms.error_summary(S.code_errors, CODE_FIELDS),
        rx.el.p(
            "We have sent a 6-digit code to ",
            rx.el.strong(S.new_email),
            f". The code works for {email_change.VALID_MINUTES} minutes. If no code arrives, check the address: "
            "we cannot use an address that is already used for another online account.",
        ),
        rx.cond(S.notice != "", rx.el.div(rx.el.p(S.notice), class_name="notice", role="status")),
        rx.el.form(
            forms.text_field(
                S.code_errors,
                "code",
                "Enter the code",
                input_id="code",
                autocomplete="one-time-code",
                input_mode="numeric",
                extra_class="input--code",
            ),
            forms.submit_button("Change my email address"),
            on_submit=S.confirm,
            aria_label="Email code",
            no_validate=True,
        ),
        rx.el.p("Not there? Check your spam or junk folder, or:"),
        rx.el.div(
            rx.el.button("Send a new code", type="button", class_name="button button--secondary", on_click=S.resend),
            rx.el.button(
                "Use a different email address",
                type="button",
                class_name="button button--secondary",
                on_click=S.start_again,
            ),
            class_name="button-group",
        ),
    )


def _done_step() -> rx.Component:
    return rx.fragment(
        rx.el.div(
            rx.el.h1("Your email address has been changed", id="done-heading", tab_index=-1),
            rx.el.p("You now sign in with ", rx.el.strong(S.new_email), "."),
            class_name="panel panel--success",
        ),
        rx.el.p("We have emailed your old address to tell it the address has changed."),
        rx.el.p(rx.el.a("Back to your details", href=routes.YOUR_DETAILS)),
    )


@page(
    routes.YOUR_DETAILS_EMAIL,
    "Change your email address",
    on_load=EmailChangeState.load,
    by=EmailChangeState.step,
    states=[(CODE, "Check your new email address"), (DONE, "Your email address has been changed")],
    errors=[EmailChangeState.address_errors, EmailChangeState.code_errors],
)
def your_details_email_page() -> rx.Component:
    return rx.cond(
        S.loaded,
        rx.match(S.step, (CODE, _code_step()), (DONE, _done_step()), _address_step()),
        rx.fragment(rx.el.h1("Change your email address"), loading_or_offline("Loading…", OFFLINE)),
    )
