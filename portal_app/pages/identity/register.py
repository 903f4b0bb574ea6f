"""Registration: match the resident against the landlord's records, then prove the email
(the code page is register_code.py; its handlers stay on RegisterState). The attempt's
token is not in state: it is handed to the browser as an HttpOnly cookie and read back
from there; the last step hands over the new session's cookie the same way."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.services import throttle
from portal_app.services.identity import auth, cookies, registration
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


class RegisterState(ShowPasswordMixin, SessionState):
    errors: dict[str, str] = {}
    busy: bool = False
    throttled_message: str = ""
    masked_email: str = ""
    code_errors: dict[str, str] = {}
    code_notice: str = ""
    attempt_open: bool = False
    paper_choice: str = ""

    @public
    @rx.event
    def choose_paper(self, value: str):
        self.paper_choice = value if value in ("yes", "no") else ""

    @public
    @rx.event
    def open_form(self):
        self.errors = {}
        self.busy = False
        self.throttled_message = ""

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
        outcome = await in_transaction(
            registration.start_registration, details, client_ip=self._client_ip(), now=utcnow()
        )
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
        result = await in_transaction(registration.confirm_code, attempt, code, now=utcnow())
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
        if result.status == "wrong":
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
        result = await in_transaction(registration.resend_code, attempt, now=utcnow())
        self.code_errors = {}
        if result.status == "sent":
            self.code_notice = f"We have sent a new code to {self.masked_email}. Earlier codes no longer work."
        elif result.status == "too_soon":
            self.code_notice = f"Wait {result.wait_seconds} seconds before asking for another code."
        else:
            self.attempt_open = False
            self.code_notice = ""
            self.code_errors = {"code": "This registration has ended. Start again"}


@page(routes.REGISTER, "Register for an account", on_load=RegisterState.open_form)
def register_page() -> rx.Component:
    s = get_settings()
    E = RegisterState.errors
    return rx.fragment(
        rx.el.h1("Register for an account"),
        rx.cond(
            RegisterState.throttled_message != "",
            rx.el.div(
                rx.el.h2("There is a problem", id="error-summary-title"),
                rx.el.p(RegisterState.throttled_message),
                class_name="error-summary",
                role="alert",
                tab_index=-1,
                id="error-summary",
            ),
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
