"""Sign in, and getting back in with a reset link. The second step's page is two_step.py;
its handler stays here, on SignInState. The waiting sign-in's token is not in state: the
password step hands it to the browser as an HttpOnly cookie (``_hand_over``), and the
second step reads it from there."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.components.session_timeout import idle_reason
from portal_app.services import throttle
from portal_app.services.identity import auth, cookies, two_step
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import public
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState, ShowPasswordMixin

SIGN_IN_FIELDS = [("email", "email"), ("password", "password")]
VAGUE = "Enter the email address and password you registered with. Check them and try again"


def too_many_tries(seconds: int) -> str:
    return f"Too many tries. Wait {throttle.wait_words(seconds)}, then try again"


class SignInState(ShowPasswordMixin, SessionState):
    errors: dict[str, str] = {}
    busy: bool = False
    # The right password is not enough on its own just now (services/identity/lockout.py).
    check_email: bool = False
    reset_sent: bool = False
    two_step_errors: dict[str, str] = {}
    two_step_open: bool = False
    again: bool = False
    # The session ended because nothing was done for the idle limit (``?why=idle``).
    signed_out_idle: bool = False
    _typed_email: str = ""
    _next: str = ""
    _keep_notice: bool = False  # the two-step page sent us back with something to say

    @public
    @rx.event
    async def open_form(self):
        if self._keep_notice:
            self._keep_notice = False
        else:
            self.errors = {}
            self.check_email = False
            self.reset_sent = False
        self.busy = False
        # Back from the handoff route with a code that no longer worked (a minute old, used).
        self.again = self.router.url.query_parameters.get("again") == "1"
        self.signed_out_idle = self.router.url.query_parameters.get("why") == routes.ENDED_IDLE
        self._next = routes.safe_next(self.router.url.query_parameters.get("next"))
        if await self._resolve_off_loop() is not None:
            return rx.redirect(self._next)

    @public
    @rx.event
    async def submit(self, form_data: dict):
        email = form_fields(form_data).get("email", "").strip()
        password = form_fields(form_data).get("password", "")
        self.check_email = False
        self.reset_sent = False
        errors: dict[str, str] = {}
        if not email:
            errors["email"] = "Enter your email address"
        if not password:
            errors["password"] = "Enter your password"
        self.errors = errors
        if errors:
            yield forms.focus_error_summary()
            return
        self.busy = True
        yield
        outcome = await in_transaction(
            auth.sign_in,
            email,
            password,
            client=self._client(),
            client_ip=self._client_ip(),
            now=utcnow(),
            idle_minutes=self._session_idle_minutes(),
        )
        self.busy = False
        self._typed_email = email
        self.again = False
        self.signed_out_idle = False
        if outcome.status == "signed_in" and outcome.token:
            yield await self._start_session(outcome.token, self._next or routes.HOME)
            return
        if outcome.status == "two_step" and outcome.two_step_token:
            self.two_step_open = True
            self.two_step_errors = {}
            waiting = cookies.SetCookie(cookies.TWO_STEP, outcome.two_step_token, cookies.TWO_STEP_SECONDS)
            yield await self._hand_over([waiting], routes.SIGN_IN_TWO_STEP)
            return
        if outcome.status == "check_email":
            self.check_email = True
            self.errors = {}
            yield rx.call_script("setTimeout(() => document.getElementById('check-email-title')?.focus(), 50)")
            return
        if outcome.status == "wait":
            self.errors = {"password": too_many_tries(outcome.retry_after_seconds)}
        else:
            self.errors = {"email": VAGUE}
        yield forms.focus_error_summary()

    @public
    @rx.event
    async def send_unlock_email(self):
        """ "Email me a link" on the check-your-email notice: the forgotten-password email for
        the address typed at sign-in, within the same caps."""
        if self._typed_email:
            await in_transaction(
                auth.request_password_reset, self._typed_email, client_ip=self._client_ip(), now=utcnow()
            )
        self.reset_sent = True

    @public
    @rx.event
    async def submit_two_step(self, form_data: dict):
        code = form_fields(form_data).get("code", "").strip().replace(" ", "")
        waiting = self._cookie(cookies.TWO_STEP)
        if not waiting:
            self.two_step_open = False
            return rx.redirect(routes.SIGN_IN)
        if not code:
            self.two_step_errors = {"code": "Enter the code from your authenticator app, or a recovery code"}
            return forms.focus_error_summary()
        outcome = await in_transaction(
            two_step.complete_two_step,
            waiting,
            code,
            client=self._client(),
            client_ip=self._client_ip(),
            now=utcnow(),
            idle_minutes=self._session_idle_minutes(),
        )
        if outcome.status == "signed_in" and outcome.token:
            self.two_step_open = False
            return await self._start_session(outcome.token, self._next or routes.HOME)
        if outcome.status in ("expired", "check_email"):
            self.two_step_open = False
            self.check_email = outcome.status == "check_email"
            self.reset_sent = False
            self.errors = {} if self.check_email else {"email": "Your sign-in took too long. Sign in again"}
            self._keep_notice = True
            return rx.redirect(routes.SIGN_IN)
        if outcome.status == "wait":
            self.two_step_errors = {"code": too_many_tries(outcome.retry_after_seconds)}
        else:
            self.two_step_errors = {"code": "The code is not right. Check your app and try again"}
        return forms.focus_error_summary()


@page(routes.SIGN_IN, "Sign in", on_load=SignInState.open_form, errors=SignInState.errors)
def sign_in_page() -> rx.Component:
    s = get_settings()
    return rx.fragment(
        rx.cond(
            SignInState.check_email,
            rx.el.div(
                rx.el.h2("Check your email", id="check-email-title", tab_index=-1),
                rx.el.p(
                    "There have been a lot of wrong tries to sign in to this account, or from your internet "
                    "connection, so we need to check it is you. If the email address and password you typed are "
                    "right, we have emailed you a link. Open it, choose a new password, then sign in with it."
                ),
                rx.cond(
                    SignInState.reset_sent,
                    rx.el.p(
                        "If that email address has an account, we have sent a link to it. The link works for 30 minutes.",
                        role="status",
                    ),
                    rx.el.p(
                        "No email after a few minutes? Check your spam folder, or ask for a link (you only need "
                        "your email address): ",
                        rx.el.button(
                            "Email me a link to choose a new password",
                            type="button",
                            class_name="button",
                            on_click=SignInState.send_unlock_email,
                        ),
                    ),
                ),
                rx.el.p(
                    "With two-step sign-in turned on, we ask for the code from your app instead of sending an email.",
                    class_name="caption",
                ),
                class_name="notice notice--warning",
                role="alert",
            ),
        ),
        rx.cond(
            SignInState.again,
            rx.el.p(
                "Your sign-in did not finish, so you are not signed in. Sign in again.",
                class_name="notice",
                role="status",
            ),
        ),
        rx.cond(
            SignInState.signed_out_idle,
            rx.el.p(idle_reason(s), " Sign in again to carry on where you were.", class_name="notice", role="status"),
        ),
        forms.error_summary(SignInState.errors, SIGN_IN_FIELDS),
        rx.el.h1("Sign in"),
        rx.el.form(
            forms.text_field(
                SignInState.errors,
                "email",
                "Email address",
                input_type="email",
                autocomplete="username",
                spellcheck=False,
            ),
            forms.password_field(
                SignInState.errors,
                "password",
                "Password",
                shown=SignInState.show_password,
                toggle=SignInState.toggle_password,
                autocomplete="current-password",
            ),
            forms.submit_button("Sign in", loading=SignInState.busy),
            on_submit=SignInState.submit,
            no_validate=True,
            aria_label="Sign in",
        ),
        rx.el.p(rx.el.a("I have forgotten my password", href=routes.FORGOT_PASSWORD)),
        rx.el.p("New here? ", rx.el.a("Register for an account", href=routes.REGISTER), "."),
        rx.el.p(
            "On a shared computer, do not let the browser remember your password, and sign out when you have finished.",
            class_name="caption",
        ),
        rx.el.p(f"Having trouble? Phone {s.landlord_phone} ({s.landlord_hours}).", class_name="caption"),
    )
