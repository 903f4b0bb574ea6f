"""A new member of staff sets up their back-office account from the emailed link: choose a
password, add the back office to an authenticator app, confirm with a code.

The link's token reached this browser as an HttpOnly cookie (``/api/staff/set-up``); the
handlers here are public by design (nobody is signed in yet) and each reads that cookie
and has the service check it (``services/staff/team.py``). The app's key is shown the
way the security page shows a resident's (``assets/show_once.js``): in the event's
script only, never in a state var. When the set-up is done, the cookie is cleared
through the handoff route and the browser goes to the staff sign-in page."""

from __future__ import annotations

import reflex as rx
from reflex_base.utils.imports import ImportVar

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms
from portal_app.components.back_office import staff_page
from portal_app.pages.identity.security import SETUP_KEY_ID, SETUP_QR_ID, SHOW_ONCE, SHOW_ONCE_MODULE, show_once
from portal_app.services.identity import cookies, handoff
from portal_app.services.staff import team
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state import cookie_jar
from portal_app.state.access import public
from portal_app.state.database import in_transaction
from portal_app.state.session import leave_for
from portal_app.state.staff import StaffState

FIELDS = [("password", "setup-password"), ("code", "setup-code")]


class StaffSetUpState(StaffState):
    checked: bool = False
    valid: bool = False
    welcome_name: str = ""
    errors: dict[str, str] = {}
    problem: str = ""

    def _setup_token(self) -> str:
        sid = self.router.session.session_id if self.router else ""
        return cookie_jar.cookie_of(sid, cookies.STAFF_SETUP)

    @public
    @rx.event
    async def open_set_up(self):
        """Check this browser's own set-up cookie; if it is good, make and show the app's key."""
        self.errors, self.problem = {}, ""
        key = await in_transaction(
            team.begin_authenticator,
            self._setup_token(),
            now=utcnow(),
            issuer=f"{get_settings().landlord_name} back office",
        )
        self.checked = True
        self.valid = key is not None
        self.welcome_name = key.name if key else ""
        if key is None:
            return None
        return show_once("setupKey", {"qr": key.qr_svg, "key": key.grouped_secret})

    @public
    @rx.event
    async def finish(self, form_data: dict):
        """Choose the password and confirm the app, for this browser's own set-up cookie."""
        fields = form_fields(form_data)
        outcome = await in_transaction(
            team.finish_set_up,
            self._setup_token(),
            fields.get("password", ""),
            fields.get("code", ""),
            now=utcnow(),
            client_ip=self._client_ip() or None,
        )
        if not outcome.ok:
            if outcome.errors:
                self.errors = outcome.errors
                return forms.focus_error_summary()
            self.valid, self.problem = False, outcome.message
            return None
        self.errors, self.valid, self.welcome_name = {}, False, ""
        code = await in_transaction(
            handoff.issue,
            [cookies.SetCookie(cookies.STAFF_SETUP, None)],
            next_path=routes.with_query(routes.STAFF_SIGN_IN, set_up="1"),
            client_ip=self._client_ip(),
            now=utcnow(),
        )
        return leave_for(routes.handoff(code, staff=True), wipe=False)


class _SetUpPage(rx.Fragment):
    """The page's root: its hook makes the show-once helper in the page's own render."""

    def add_hooks(self) -> list[str]:
        return [f"{SHOW_ONCE} ??= makeShowOnce()"]

    def add_imports(self) -> dict:
        return {SHOW_ONCE_MODULE: [ImportVar(tag="makeShowOnce")]}


def _form() -> rx.Component:
    E = StaffSetUpState.errors
    return rx.fragment(
        forms.error_summary(E, FIELDS),
        rx.el.h1("Set up your back office account"),
        rx.el.p("Welcome, ", StaffSetUpState.welcome_name, "."),
        rx.el.form(
            rx.el.h2("1. Choose a password"),
            forms.text_field(
                E,
                "password",
                "Password",
                input_id="setup-password",
                input_type="password",
                autocomplete="new-password",
                hint="Use 12 characters or more. Three random words together is a good way to make a strong password.",
            ),
            rx.el.h2("2. Add the back office to an authenticator app"),
            rx.el.ol(
                rx.el.li("Open an authenticator app on your work phone (for example Microsoft Authenticator)."),
                rx.el.li(
                    "Scan this QR code, or type in the key below.",
                    # Both filled once by assets/show_once.js; React renders them empty.
                    rx.el.div(
                        id=SETUP_QR_ID, class_name="qr", role="img", aria_label="QR code for your authenticator app"
                    ),
                    rx.el.p("Key: ", rx.el.span(id=SETUP_KEY_ID, class_name="key")),
                ),
                rx.el.li("Enter the 6-digit code the app shows."),
            ),
            forms.text_field(
                E,
                "code",
                "Code from the app",
                input_id="setup-code",
                autocomplete="one-time-code",
                input_mode="numeric",
                extra_class="input--code",
            ),
            forms.submit_button("Finish setting up"),
            on_submit=StaffSetUpState.finish,
            no_validate=True,
            aria_label="Set up your account",
        ),
    )


@staff_page(
    routes.STAFF_SET_UP, "Set up your account", on_load=StaffSetUpState.open_set_up, errors=StaffSetUpState.errors
)
def staff_set_up_page() -> rx.Component:
    return _SetUpPage.create(
        rx.cond(
            StaffSetUpState.valid,
            _form(),
            rx.cond(
                StaffSetUpState.checked,
                rx.fragment(
                    rx.el.h1("This set-up link no longer works"),
                    rx.cond(StaffSetUpState.problem != "", rx.el.p(StaffSetUpState.problem)),
                    rx.el.p(
                        "A set-up link works once, for 72 hours, in the browser it was opened in. "
                        "Ask an administrator to send you a new one."
                    ),
                    rx.el.p(rx.el.a("Go to the staff sign-in page", href=routes.STAFF_SIGN_IN)),
                ),
                rx.el.p("Checking your link…", role="status"),
            ),
        )
    )
