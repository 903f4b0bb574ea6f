"""Registration: match the resident against the landlord's records, then prove the email
(the code page is register_code.py; its handlers stay on RegisterState). The attempt's
token is not in state: it is handed to the browser as an HttpOnly cookie and read back
from there; the last step hands over the new session's cookie the same way.

While an administrator has paused registration (seed 003), the page says so with their
message and offers the waiting list instead of the form. The pause is enforced by the
registration service itself: ``submit``, ``submit_code`` and ``resend`` called directly
are refused there, and this state only turns the refusal into the page's message."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.services import throttle
from portal_app.services.identity import auth, cookies, registration, registration_pause
from portal_app.services.identity.registration_pause import RegistrationPaused
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import public
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState, ShowPasswordMixin

REGISTER_FIELDS = [
    ("tenancy_reference", "tenancy-reference"),
    ("date_of_birth", "dob-day"),
    ("email", "email"),
    ("mobile", "mobile"),
    ("password", "password"),
    ("paper_correspondence", "paper-correspondence"),
]
WAITING_FIELDS = [("name", "waiting-name"), ("tenancy_reference", "waiting-reference"), ("email", "waiting-email")]
PAUSED_HEADING = "We are not taking new registrations at the moment"


class RegisterState(ShowPasswordMixin, SessionState):
    errors: dict[str, str] = {}
    busy: bool = False
    throttled_message: str = ""
    masked_email: str = ""
    code_errors: dict[str, str] = {}
    code_notice: str = ""
    attempt_open: bool = False
    paper_choice: str = ""
    # Registration paused (seed 003): the administrator's message (public, the same for
    # everyone), and the waiting-list form's errors and answer.
    paused: bool = False
    pause_message: str = ""
    waiting_errors: dict[str, str] = {}
    waiting_done: bool = False
    waiting_wait: str = ""

    def _show_pause(self, notice: registration_pause.PauseNotice | None) -> None:
        self.paused = notice is not None
        self.pause_message = notice.message if notice is not None else ""
        if notice is not None:
            self.busy = False
            self.attempt_open = False

    @public
    @rx.event
    def choose_paper(self, value: str):
        self.paper_choice = value if value in ("yes", "no") else ""

    @public
    @rx.event
    async def open_form(self):
        self.errors = {}
        self.busy = False
        self.throttled_message = ""
        self.waiting_errors = {}
        self.waiting_done = False
        self.waiting_wait = ""
        self._show_pause(await in_transaction(registration_pause.current_pause))

    @public
    @rx.event
    async def submit(self, form_data: dict):
        raw = form_fields(form_data)
        raw["paper_correspondence"] = self.paper_choice
        details, errors = registration.parse_registration(raw, today=uk_today())
        self.errors = errors
        self.throttled_message = ""
        if details is None:
            yield forms.focus_error_summary()
            return
        self.busy = True
        yield
        try:
            outcome = await in_transaction(
                registration.start_registration, details, client_ip=self._client_ip(), now=utcnow()
            )
        except RegistrationPaused as paused:
            self._show_pause(paused.notice)
            return
        self.busy = False
        if outcome.throttled:
            self.throttled_message = (
                "There have been too many tries to register from your internet connection or with this "
                f"tenancy reference. Wait {throttle.wait_words(outcome.retry_after_seconds)}, then try again. "
                "If you keep seeing this, contact us."
            )
            yield forms.focus_error_summary()
            return
        self.masked_email = outcome.masked_email
        self.attempt_open = True
        self.code_errors = {}
        self.code_notice = ""
        attempt = cookies.SetCookie(cookies.REGISTRATION, outcome.attempt_token or None, cookies.REGISTRATION_SECONDS)
        yield await self._hand_over([attempt], routes.REGISTER_CODE)

    @public
    @rx.event
    async def submit_code(self, form_data: dict):
        code = form_fields(form_data).get("code", "").strip().replace(" ", "")
        attempt = self._cookie(cookies.REGISTRATION)
        if not attempt:
            self.code_errors = {"code": "Your registration has ended. Start again"}
            self.attempt_open = False
            return
        if not code:
            self.code_errors = {"code": "Enter the 6-digit code from the email"}
            yield forms.focus_error_summary()
            return
        try:
            result = await in_transaction(registration.confirm_code, attempt, code, now=utcnow())
        except RegistrationPaused as paused:
            self._show_pause(paused.notice)
            self.code_errors = {"code": f"{PAUSED_HEADING}. {paused.notice.message}"}
            return
        if result.status == "registered" and result.user_id is not None:
            token = await in_transaction(
                auth.sign_in_after_registering,
                result.user_id,
                client=self._client(),
                client_ip=self._client_ip(),
                now=utcnow(),
                idle_minutes=self._session_idle_minutes(),
            )
            self.attempt_open = False
            self.code_errors = {}
            yield await self._start_session(token, routes.HOME)
            return
        self.code_notice = ""
        if result.status == "format":
            self.code_errors = {"code": "Enter the 6 numbers from the email, like 123456"}
        elif result.status == "wrong":
            self.code_errors = {
                "code": f"The code is not right. Check the email and try again ({result.tries_left} "
                f"{'try' if result.tries_left == 1 else 'tries'} left)"
            }
        elif result.status == "expired":
            self.code_errors = {"code": "The code has expired. Send a new code and use it within 10 minutes"}
        else:
            self.attempt_open = False
            self.code_errors = {"code": "This registration has ended after too many tries. Start again"}
        yield forms.focus_error_summary()

    @public
    @rx.event
    async def resend(self):
        attempt = self._cookie(cookies.REGISTRATION)
        if not attempt:
            self.code_notice = ""
            self.code_errors = {"code": "Your registration has ended. Start again"}
            return
        try:
            result = await in_transaction(registration.resend_code, attempt, now=utcnow())
        except RegistrationPaused as paused:
            self._show_pause(paused.notice)
            self.code_notice = ""
            self.code_errors = {"code": f"{PAUSED_HEADING}. {paused.notice.message}"}
            return
        self.code_errors = {}
        if result.status == "sent":
            self.code_notice = f"We have sent a new code to {self.masked_email}. Earlier codes no longer work."
        elif result.status == "too_soon":
            self.code_notice = f"Wait {result.wait_seconds} seconds before asking for another code."
        else:
            self.attempt_open = False
            self.code_notice = ""
            self.code_errors = {"code": "This registration has ended. Start again"}

    @public
    @rx.event
    async def join_waiting_list(self, form_data: dict):
        """Leave a name, tenancy reference and email while registration is paused."""
        details, errors = registration_pause.parse_waiting_list(form_fields(form_data))
        self.waiting_errors = errors
        self.waiting_wait = ""
        if details is None:
            return forms.focus_error_summary()
        outcome = await in_transaction(
            registration_pause.join_waiting_list, details, client_ip=self._client_ip(), now=utcnow()
        )
        if outcome.status == "not_paused":  # registration has just resumed: the form is back
            self._show_pause(None)
            return None
        if outcome.status == "wait":
            self.waiting_wait = (
                "There have been too many requests to join the waiting list from your internet connection. "
                f"Wait {throttle.wait_words(outcome.retry_after_seconds)}, then try again, or phone us."
            )
            return forms.focus_error_summary()
        self.waiting_done = True
        return None


def _waiting_list() -> rx.Component:
    s = get_settings()
    E = RegisterState.waiting_errors
    return rx.fragment(
        rx.el.h1(PAUSED_HEADING),
        rx.el.div(rx.el.p(RegisterState.pause_message), class_name="notice notice--warning", role="status"),
        rx.el.p(
            "If you already have an online account, you can still ",
            rx.el.a("sign in", href=routes.SIGN_IN),
            " as usual.",
        ),
        rx.cond(
            RegisterState.waiting_done,
            rx.el.div(
                rx.el.h2("You are on the waiting list", id="waiting-done", tab_index=-1),
                rx.el.p(
                    "We have sent a confirmation to the email address you gave, unless it was already on the list. "
                    "We will email you when you can register."
                ),
                class_name="notice notice--success",
                role="status",
            ),
            rx.fragment(
                rx.cond(
                    RegisterState.waiting_wait != "",
                    forms.message_summary(RegisterState.waiting_wait),
                    forms.error_summary(E, WAITING_FIELDS),
                ),
                rx.el.h2("Join the waiting list"),
                rx.el.p(
                    "Leave your details and we will email you when you can register. "
                    "We use them only to tell you that registration is open again."
                ),
                rx.el.form(
                    forms.text_field(E, "name", "Full name", input_id="waiting-name", autocomplete="name"),
                    forms.text_field(
                        E,
                        "tenancy_reference",
                        "Tenancy reference or service charge account number",
                        input_id="waiting-reference",
                        hint="It is on your rent statement, payment card or tenancy agreement, for example TEN100001",
                        autocomplete="off",
                        spellcheck=False,
                        extra_class="input--code",
                    ),
                    forms.text_field(
                        E,
                        "email",
                        "Email address",
                        input_id="waiting-email",
                        hint="We will email you here when you can register",
                        input_type="email",
                        autocomplete="email",
                        spellcheck=False,
                    ),
                    forms.submit_button("Join the waiting list"),
                    on_submit=RegisterState.join_waiting_list,
                    no_validate=True,
                    aria_label="Waiting list",
                ),
            ),
        ),
        rx.el.p(f"You can still contact us about your rent, service charges or home: phone {s.landlord_phone}."),
    )


@page(
    routes.REGISTER,
    "Register for an account",
    on_load=RegisterState.open_form,
    errors=[
        RegisterState.errors,
        RegisterState.throttled_message,
        RegisterState.waiting_errors,
        RegisterState.waiting_wait,
    ],
)
def register_page() -> rx.Component:
    return rx.cond(RegisterState.paused, _waiting_list(), _register_form())


def _register_form() -> rx.Component:
    s = get_settings()
    E = RegisterState.errors
    return rx.fragment(
        rx.el.h1("Register for an account"),
        rx.cond(
            RegisterState.throttled_message != "",
            forms.message_summary(RegisterState.throttled_message),
            forms.error_summary(E, REGISTER_FIELDS),
        ),
        rx.el.p(
            "We check what you type against our records. Use the details we hold for you: the same tenancy reference "
            "and date of birth as on your tenancy agreement."
        ),
        rx.el.form(
            forms.text_field(
                E,
                "tenancy_reference",
                "Tenancy reference or service charge account number",
                hint="It is on your rent statement, payment card or tenancy agreement, for example TEN100001",
                autocomplete="off",
                spellcheck=False,
                extra_class="input--code",
            ),
            forms.date_field(
                E,
                "date_of_birth",
                "Date of birth",
                hint="For example, 27 3 1980",
                prefix="dob",
                autocomplete_prefix="bday",
            ),
            forms.text_field(
                E,
                "email",
                "Email address",
                hint="We will send a code to this address to check it is yours",
                input_type="email",
                autocomplete="email",
                spellcheck=False,
            ),
            forms.text_field(
                E, "mobile", "UK mobile number", hint="For example, 07700 900 982", input_type="tel", autocomplete="tel"
            ),
            forms.password_field(
                E,
                "password",
                "Create a password",
                hint="Use 12 characters or more. Three random words together is a good way to make a strong password you can remember.",
                shown=RegisterState.show_password,
                toggle=RegisterState.toggle_password,
                autocomplete="new-password",
            ),
            forms.radios(
                E,
                "paper_correspondence",
                "Do you still want letters from us by post?",
                [
                    ("yes", "Yes, keep sending me letters by post"),
                    ("no", "No, I am happy to get them by email when we can"),
                ],
                hint=f"{s.landlord_name} will keep sending letters by post until we can send them electronically.",
                selected=RegisterState.paper_choice,
                on_select=RegisterState.choose_paper,
            ),
            forms.submit_button("Continue", loading=RegisterState.busy),
            on_submit=RegisterState.submit,
            no_validate=True,
            aria_label="Registration",
        ),
        rx.el.p("Already registered? ", rx.el.a("Sign in", href=routes.SIGN_IN), "."),
    )
