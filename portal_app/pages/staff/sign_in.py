"""The back office's sign-in: email, password and the authenticator app's code, all three
every time (or the landlord's single sign-on, when set up). Nothing typed is kept in
state; the new session reaches the browser as an HttpOnly cookie through the handoff route."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.back_office import staff_page
from portal_app.services import throttle
from portal_app.services.staff import auth as staff_auth
from portal_app.services.staff import sso
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import public
from portal_app.state.database import in_transaction
from portal_app.state.staff import StaffState, staff_next

FIELDS = [("email", "staff-email"), ("password", "staff-password"), ("code", "staff-code")]

NOTICES = {
    "signed_out": "You have signed out of the back office.",
    "again": "Your sign-in did not finish. Sign in again.",
    "set_up": "Your account is set up. Sign in with your new password and the code your app shows now.",
}


class StaffSignInState(StaffState):
    errors: dict[str, str] = {}
    busy: bool = False
    notice: str = ""
    # Single sign-on with the landlord's identity provider: the button's words and link
    # ("" when OIDC_ISSUER is not set), and why the last try did not sign in (?sso=).
    sso_label: str = ""
    sso_href: str = ""
    sso_refused: str = ""
    _next: str = ""

    @public
    @rx.event
    async def open_form(self):
        query = self.router.url.query_parameters
        self.errors = {}
        self.busy = False
        self.notice = next((words for key, words in NOTICES.items() if query.get(key) == "1"), "")
        self._next = staff_next(query.get("next"))
        settings = get_settings()
        self.sso_label = settings.oidc_provider_name if settings.oidc_issuer else ""
        self.sso_href = routes.staff_sso_start(self._next) if settings.oidc_issuer else ""
        self.sso_refused = sso.message_for(query.get("sso"))
        if await asyncio.to_thread(self._resolve_staff) is not None:
            return rx.redirect(self._next)
        return None

    @public
    @rx.event
    async def submit(self, form_data: dict):
        fields = form_fields(form_data)
        email = fields.get("email", "").strip()
        password = fields.get("password", "")
        code = fields.get("code", "").strip()
        errors: dict[str, str] = {}
        if not email:
            errors["email"] = "Enter your work email address"
        if not password:
            errors["password"] = "Enter your password"
        if not code:
            errors["code"] = "Enter the 6-digit code from your authenticator app"
        self.errors = errors
        self.notice = ""
        if errors:
            yield forms.focus_error_summary()
            return
        self.busy = True
        yield
        outcome = await in_transaction(
            staff_auth.sign_in,
            email=email,
            password=password,
            code=code,
            now=utcnow(),
            client_ip=self._client_ip(),
            client=self._client(),
        )
        self.busy = False
        if outcome.status == "signed_in" and outcome.token:
            yield await self._start_staff_session(outcome.token, self._next or routes.STAFF_HOME)
            return
        if outcome.status == "wait":
            self.errors = {
                "password": f"Too many tries. Wait {throttle.wait_words(outcome.retry_after_seconds)}, then try again"
            }
        else:
            self.errors = {"email": staff_auth.REFUSED}
        yield forms.focus_error_summary()


@staff_page(routes.STAFF_SIGN_IN, "Staff sign-in", on_load=StaffSignInState.open_form, errors=StaffSignInState.errors)
def staff_sign_in_page() -> rx.Component:
    return rx.fragment(
        rx.cond(StaffSignInState.notice != "", rx.el.p(StaffSignInState.notice, class_name="notice", role="status")),
        rx.cond(
            StaffSignInState.sso_refused != "",
            rx.el.p(StaffSignInState.sso_refused, class_name="notice notice--warning", role="alert", id="sso-refused"),
        ),
        forms.error_summary(StaffSignInState.errors, FIELDS),
        rx.el.h1("Sign in to the back office"),
        rx.cond(
            StaffSignInState.sso_label != "",
            rx.fragment(
                rx.el.p(rx.el.a(StaffSignInState.sso_label, href=StaffSignInState.sso_href, class_name="button")),
                rx.el.p("Or sign in with your email address, password and code:"),
            ),
        ),
        rx.el.form(
            forms.text_field(
                StaffSignInState.errors,
                "email",
                "Work email address",
                input_id="staff-email",
                input_type="email",
                autocomplete="username",
                spellcheck=False,
            ),
            forms.text_field(
                StaffSignInState.errors,
                "password",
                "Password",
                input_id="staff-password",
                input_type="password",
                autocomplete="current-password",
            ),
            forms.text_field(
                StaffSignInState.errors,
                "code",
                "Code from your authenticator app",
                input_id="staff-code",
                hint="The 6 digits your app shows now. Each code works once.",
                input_mode="numeric",
                autocomplete="one-time-code",
                extra_class="input--short",
            ),
            forms.submit_button("Sign in", loading=StaffSignInState.busy),
            on_submit=StaffSignInState.submit,
            no_validate=True,
            aria_label="Staff sign-in",
        ),
        rx.el.p(
            "Lost your authenticator app or forgotten your password? Ask an administrator to send you a new set-up link.",
            class_name="caption",
        ),
        rx.el.p(
            "Residents sign in ",
            rx.el.a("on the residents' sign-in page", href=routes.SIGN_IN),
            ".",
            class_name="caption",
        ),
    )
