"""Sign-in and security: two-step sign-in, recovery codes, password, sign out everywhere.

No secret is ever in this page's state. Reflex writes every state var (the underscore
ones too) to its state folder or to Redis, and sends every other var to the browser in
each delta, so a secret in a var is on disk for as long as it stays there:

* The key of a two-step setup waits on the server, encrypted, for fifteen minutes
  (``two_step.start_setup``, then ``confirm_pending_setup`` or ``abandon_setup``).
* What the resident must see once, the QR code and the key to type during setup and the
  recovery codes when two-step goes on or new ones are made, is sent once, in the
  call_script the handler returns, to ``assets/show_once.js``. That writes it into
  elements React renders empty and never manages: ``#setup-qr`` and ``#setup-key`` in
  the setup steps, ``#recovery-codes`` above them. It is in no delta and no state file.
  It leaves the page with those elements: React removes the setup steps as soon as the
  setup is confirmed or cancelled (``setting_up``), the codes go when the resident
  chooses "I have saved these codes" or turns two-step off, and all of it on leaving the
  page (and opening the page again forgets a setup left half done).

  Chosen over a var cleared once setup ends: a var is written to disk after every event,
  and a resident may sit on the setup step for minutes, so the key would be on disk all
  that time; and "shown once" codes in a var would be in the state file and in every
  reconnect's full state until cleared. The cost: a reconnect that reloads the page loses
  what was shown, so the resident cancels and starts setup again (a new key) or makes
  new codes; nothing is lost that the server could show again.
"""

from __future__ import annotations

import json

import reflex as rx
from reflex_base.utils.imports import ImportVar

from portal_app import routes
from portal_app.clock import uk_time_words, utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.services.identity import auth, two_step
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState, ShowPasswordMixin, leave_for

PASSWORD_FIELDS = [("current_password", "current-password"), ("new_password", "new-password")]

# The helper that shows secrets once (assets/show_once.js), made once per page load.
SHOW_ONCE = "globalThis.doorstepShowOnce"
SHOW_ONCE_MODULE = rx.asset("show_once.js").importable_path
SETUP_QR_ID, SETUP_KEY_ID, RECOVERY_CODES_ID = "setup-qr", "setup-key", "recovery-codes"
TWO_STEP_HEADING_ID = "two-step-heading"
SETUP_EXPIRED = (
    "Setting up took longer than 15 minutes, so that key no longer works. Choose "
    "\u201cSet up two-step sign-in\u201d to start again with a new one."
)


def show_once(helper: str, payload: dict) -> rx.event.EventSpec:
    """Call ``doorstepShowOnce.<helper>(payload)`` in the page: the one way this page's
    secrets reach the browser (in this event's script, never in a var)."""
    return rx.call_script(f"{SHOW_ONCE}?.{helper}({json.dumps(payload)})")


def show_recovery_codes(codes) -> rx.event.EventSpec:
    return show_once(
        "recoveryCodes",
        {
            "codes": list(codes),
            "heading": "Your recovery codes",
            "intro": (
                "Keep these somewhere safe, away from your phone. Each code works once, if you cannot use your "
                "authenticator app. We will not show them again."
            ),
            "listLabel": "Recovery codes",
            "print": "Print",
            "saved": "I have saved these codes",
            "after": TWO_STEP_HEADING_ID,
        },
    )


class SecurityState(ShowPasswordMixin, SessionState):
    loaded: bool = False
    two_step_enabled: bool = False
    recovery_codes_left: int = 0
    last_sign_in: str = ""
    setting_up: bool = False
    setup_errors: dict[str, str] = {}
    setup_notice: str = ""
    password_errors: dict[str, str] = {}
    password_changed: bool = False
    disable_errors: dict[str, str] = {}

    async def _refresh(self, user_id: int) -> None:
        summary = await in_transaction(auth.security_summary, user_id)
        self.two_step_enabled = summary.two_step_enabled
        self.recovery_codes_left = summary.recovery_codes_left
        self.last_sign_in = uk_time_words(summary.previous_sign_in_at) if summary.previous_sign_in_at else ""
        self.loaded = True

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        if self.setting_up:  # the page was left (or reloaded) half way through a setup
            await in_transaction(two_step.abandon_setup, principal.user_id)
        self.loaded = False
        self.setting_up = False
        self.password_errors = {}
        self.password_changed = False
        self.setup_errors = {}
        self.setup_notice = ""
        self.disable_errors = {}
        await self._refresh(principal.user_id)

    @resident_only  # on this page only for a signed-in resident, unlike the mixin's public one
    @rx.event
    def toggle_password(self, checked: bool):
        self.show_password = bool(checked)

    @resident_only
    @rx.event
    async def start_setup(self):
        principal = current_principal()
        # The key is kept on the server; the QR code is drawn in the worker thread too.
        setup = await in_transaction(
            two_step.start_setup, principal.user_id, issuer=get_settings().landlord_name, now=utcnow()
        )
        if setup is None:
            return
        self.setup_errors = {}
        self.setup_notice = ""
        self.setting_up = True
        return show_once("setupKey", {"qr": setup.qr_svg, "key": setup.grouped_secret})

    @resident_only
    @rx.event
    async def cancel_setup(self):
        await in_transaction(two_step.abandon_setup, current_principal().user_id)
        self.setting_up = False
        self.setup_errors = {}

    @resident_only
    @rx.event
    async def confirm_setup(self, form_data: dict):
        principal = current_principal()
        code = form_fields(form_data).get("code", "").strip().replace(" ", "")
        if not self.setting_up:
            return
        result = await in_transaction(
            two_step.confirm_pending_setup, principal.user_id, code, now=utcnow(), client_ip=self._client_ip()
        )
        if result.outcome == "wrong_code":
            self.setup_errors = {"code": "The code is not right. Enter the 6-digit code your app shows now"}
            return forms.focus_error_summary()
        self.setting_up = False
        self.setup_errors = {}
        if result.outcome != "on":
            self.setup_notice = SETUP_EXPIRED
            return
        await self._refresh(principal.user_id)
        return show_recovery_codes(result.recovery_codes)

    @resident_only
    @rx.event
    async def new_codes(self):
        principal = current_principal()
        if not self.two_step_enabled:
            return
        codes = await in_transaction(
            two_step.regenerate_recovery_codes, principal.user_id, now=utcnow(), client_ip=self._client_ip()
        )
        await self._refresh(principal.user_id)
        if codes:
            return show_recovery_codes(codes)

    @resident_only
    @rx.event
    async def turn_off(self, form_data: dict):
        principal = current_principal()
        password = form_fields(form_data).get("password", "")
        ok = await in_transaction(
            two_step.disable, principal.user_id, password, now=utcnow(), client_ip=self._client_ip()
        )
        if not ok:
            self.disable_errors = {"password": "Enter your current password to turn off two-step sign-in"}
            return forms.focus_error_summary()
        self.disable_errors = {}
        await self._refresh(principal.user_id)
        return rx.call_script(f"{SHOW_ONCE}?.forget({json.dumps(RECOVERY_CODES_ID)})")

    @resident_only
    @rx.event
    async def change_password(self, form_data: dict):
        principal = current_principal()
        current = form_fields(form_data).get("current_password", "")
        new = form_fields(form_data).get("new_password", "")
        errors = await in_transaction(
            auth.change_password,
            principal.user_id,
            current,
            new,
            keep_token=self._token(),
            now=utcnow(),
            client_ip=self._client_ip(),
        )
        self.password_errors = errors
        self.password_changed = not errors
        if errors:
            return forms.focus_error_summary()

    @resident_only
    @rx.event
    async def everywhere(self):
        principal = current_principal()
        await in_transaction(auth.sign_out_everywhere, principal.user_id, now=utcnow(), client_ip=self._client_ip())
        await self._forget_private()
        return leave_for(routes.API_SIGNED_OUT)


class _SecurityPage(rx.Fragment):
    """The page's root: its hook makes the show-once helper in the page's own render."""

    def add_hooks(self) -> list[str]:
        return [f"{SHOW_ONCE} ??= makeShowOnce()"]

    def add_imports(self) -> dict:
        return {SHOW_ONCE_MODULE: [ImportVar(tag="makeShowOnce")]}


def _two_step_section() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Two-step sign-in", id=TWO_STEP_HEADING_ID, tab_index=-1),
        # Filled by assets/show_once.js when codes are made; React renders it empty.
        rx.el.div(id=RECOVERY_CODES_ID),
        rx.cond(
            SecurityState.two_step_enabled,
            rx.fragment(
                rx.el.p("Two-step sign-in is on. After your password we ask for a code from your authenticator app."),
                rx.el.p("Recovery codes left: ", SecurityState.recovery_codes_left),
                rx.el.button(
                    "Make new recovery codes",
                    type="button",
                    class_name="button button--secondary",
                    on_click=SecurityState.new_codes,
                ),
                forms.error_summary(SecurityState.disable_errors, [("password", "disable-password")]),
                rx.el.form(
                    rx.el.h3("Turn off two-step sign-in"),
                    forms.text_field(
                        SecurityState.disable_errors,
                        "password",
                        "Your password",
                        input_id="disable-password",
                        input_type="password",
                        autocomplete="current-password",
                    ),
                    rx.el.button("Turn off two-step sign-in", type="submit", class_name="button button--warning"),
                    on_submit=SecurityState.turn_off,
                    aria_label="Turn off two-step sign-in",
                    no_validate=True,
                ),
            ),
            rx.cond(
                SecurityState.setting_up,
                rx.fragment(
                    forms.error_summary(SecurityState.setup_errors, [("code", "setup-code")]),
                    rx.el.ol(
                        rx.el.li(
                            "Open an authenticator app on your phone (for example Google Authenticator or Microsoft Authenticator)."
                        ),
                        rx.el.li(
                            "Scan this QR code, or type in the key below.",
                            # Both filled once by assets/show_once.js; React renders them empty.
                            rx.el.div(
                                id=SETUP_QR_ID,
                                class_name="qr",
                                role="img",
                                aria_label="QR code for your authenticator app",
                            ),
                            rx.el.p("Key: ", rx.el.span(id=SETUP_KEY_ID, class_name="key")),
                        ),
                        rx.el.li("Enter the 6-digit code the app shows."),
                    ),
                    rx.el.form(
                        forms.text_field(
                            SecurityState.setup_errors,
                            "code",
                            "Code from the app",
                            input_id="setup-code",
                            autocomplete="one-time-code",
                            input_mode="numeric",
                            extra_class="input--code",
                        ),
                        forms.submit_button("Turn on two-step sign-in"),
                        rx.el.button(
                            "Cancel",
                            type="button",
                            class_name="button button--secondary",
                            on_click=SecurityState.cancel_setup,
                        ),
                        on_submit=SecurityState.confirm_setup,
                        aria_label="Confirm two-step sign-in",
                        no_validate=True,
                    ),
                ),
                rx.fragment(
                    rx.cond(
                        SecurityState.setup_notice != "",
                        rx.el.p(SecurityState.setup_notice, class_name="notice notice--warning", role="status"),
                    ),
                    rx.el.p(
                        "Add a code from an authenticator app on your phone to your password, so nobody else can sign in even if they learn your password."
                    ),
                    rx.el.button(
                        "Set up two-step sign-in",
                        type="button",
                        class_name="button",
                        on_click=SecurityState.start_setup,
                    ),
                ),
            ),
        ),
    )


def _contact_section() -> rx.Component:
    """Contact details and letters moved to Your details (issue 18): linked from here."""
    return rx.el.section(
        rx.el.h2("Your contact details"),
        rx.el.p(
            rx.el.a("Your details", href=routes.YOUR_DETAILS),
            ": your email address, phone numbers, how we contact you, which messages you want, and letters by "
            "post or online.",
        ),
    )


def _password_section() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Change your password"),
        rx.cond(
            SecurityState.password_changed,
            rx.el.div(
                rx.el.p("Your password has been changed. We have signed you out on every other device."),
                class_name="notice notice--success",
                role="status",
            ),
        ),
        forms.error_summary(SecurityState.password_errors, PASSWORD_FIELDS),
        rx.el.form(
            forms.password_field(
                SecurityState.password_errors,
                "current_password",
                "Current password",
                shown=SecurityState.show_password,
                toggle=SecurityState.toggle_password,
                autocomplete="current-password",
                input_id="current-password",
            ),
            forms.text_field(
                SecurityState.password_errors,
                "new_password",
                "New password",
                input_id="new-password",
                input_type=rx.cond(SecurityState.show_password, "text", "password"),
                autocomplete="new-password",
                hint="Use 12 characters or more. Three random words together is a good way to make a strong password.",
            ),
            forms.submit_button("Change password"),
            on_submit=SecurityState.change_password,
            aria_label="Change your password",
            no_validate=True,
        ),
    )


@page(
    routes.SECURITY,
    "Sign-in and security",
    on_load=SecurityState.load,
    errors=[SecurityState.setup_errors, SecurityState.password_errors, SecurityState.disable_errors],
)
def security_page() -> rx.Component:
    return _SecurityPage.create(
        rx.el.h1("Sign-in and security"),
        rx.cond(
            SecurityState.loaded,
            rx.fragment(
                rx.cond(
                    SecurityState.last_sign_in != "",
                    rx.el.p("Before this visit, you last signed in at ", SecurityState.last_sign_in, "."),
                ),
                rx.el.p(
                    rx.el.a("See your sign-in history", href=routes.SIGN_IN_HISTORY),
                    ": every sign-in, wrong try and change, with when and from where.",
                ),
                _two_step_section(),
                _password_section(),
                _contact_section(),
                rx.el.section(
                    rx.el.h2("Your data"),
                    rx.el.p(
                        rx.el.a("Download your data", href=routes.MY_DATA),
                        " (everything the portal holds about you), or ",
                        rx.el.a("ask us to correct or delete it", href=routes.DATA_REQUEST),
                        ".",
                    ),
                ),
                rx.el.section(
                    rx.el.h2("Sign out everywhere"),
                    rx.el.p("Ends every session on every device, this one included."),
                    rx.el.button(
                        "Sign out everywhere",
                        type="button",
                        class_name="button button--warning",
                        on_click=SecurityState.everywhere,
                    ),
                ),
            ),
            loading_or_offline("Loading…", "You're offline. Connect to the internet to change your sign-in settings."),
        ),
    )
