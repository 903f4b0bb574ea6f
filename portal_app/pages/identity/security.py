"""Sign-in and security: two-step sign-in, recovery codes, password, sign out everywhere."""

from __future__ import annotations

import asyncio

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_time_words, utcnow
from portal_app.components import forms
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.services.identity import auth, sessions, two_step
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState, ShowPasswordMixin, leave_for

PASSWORD_FIELDS = [("current_password", "current-password"), ("new_password", "new-password")]


class SecurityState(ShowPasswordMixin, SessionState):
    loaded: bool = False
    two_step_enabled: bool = False
    recovery_codes_left: int = 0
    last_sign_in: str = ""
    setting_up: bool = False
    setup_qr_svg: str = ""
    setup_key: str = ""
    setup_errors: dict[str, str] = {}
    new_recovery_codes: list[str] = []
    password_errors: dict[str, str] = {}
    password_changed: bool = False
    disable_errors: dict[str, str] = {}
    _setup_secret: str = ""

    def _clear_setup(self) -> None:
        """Back to the page as it opens: no setup under way, no codes on screen."""
        self.loaded = False
        self.setting_up = False
        self.setup_qr_svg = ""
        self.setup_key = ""
        self.new_recovery_codes = []
        self._setup_secret = ""

    async def _refresh(self, user_id: int) -> None:
        summary = await in_transaction(auth.security_summary, user_id)
        self.two_step_enabled = summary.two_step_enabled
        self.recovery_codes_left = summary.recovery_codes_left
        self.last_sign_in = uk_time_words(summary.previous_sign_in_at) if summary.previous_sign_in_at else ""
        self.loaded = True

    @resident_only
    @rx.event
    async def load(self):
        self._clear_setup()
        self.password_errors = {}
        self.password_changed = False
        self.setup_errors = {}
        self.disable_errors = {}
        await self._refresh(current_principal().user_id)

    @resident_only  # on this page only for a signed-in resident, unlike the mixin's public one
    @rx.event
    def toggle_password(self, checked: bool):
        self.show_password = bool(checked)

    @resident_only
    @rx.event
    async def start_setup(self):
        principal = current_principal()
        # Drawing the QR code is pure-Python work: off the event loop.
        setup = await asyncio.to_thread(two_step.begin_setup, principal.email, issuer=get_settings().landlord_name)
        self._setup_secret = setup.secret
        self.setup_qr_svg = setup.qr_svg
        self.setup_key = setup.grouped_secret
        self.setup_errors = {}
        self.setting_up = True

    @resident_only
    @rx.event
    def cancel_setup(self):
        self._clear_setup()
        self.loaded = True

    @resident_only
    @rx.event
    async def confirm_setup(self, form_data: dict):
        principal = current_principal()
        code = form_fields(form_data).get("code", "").strip().replace(" ", "")
        if not self._setup_secret:
            self.setting_up = False
            return
        codes = await in_transaction(two_step.confirm_setup, principal.user_id, self._setup_secret, code, now=utcnow())
        if codes is None:
            self.setup_errors = {"code": "The code is not right. Enter the 6-digit code your app shows now"}
            return forms.focus_error_summary()
        self._setup_secret = ""
        self.setup_qr_svg = ""
        self.setup_key = ""
        self.setting_up = False
        self.new_recovery_codes = codes
        await self._refresh(principal.user_id)

    @resident_only
    @rx.event
    async def new_codes(self):
        principal = current_principal()
        if not self.two_step_enabled:
            return
        self.new_recovery_codes = await in_transaction(
            two_step.regenerate_recovery_codes, principal.user_id, now=utcnow()
        )
        await self._refresh(principal.user_id)

    @resident_only
    @rx.event
    def hide_codes(self):
        self.new_recovery_codes = []

    @resident_only
    @rx.event
    async def turn_off(self, form_data: dict):
        principal = current_principal()
        password = form_fields(form_data).get("password", "")
        ok = await in_transaction(two_step.disable, principal.user_id, password, now=utcnow())
        if not ok:
            self.disable_errors = {"password": "Enter your current password to turn off two-step sign-in"}
            return forms.focus_error_summary()
        self.disable_errors = {}
        self.new_recovery_codes = []
        await self._refresh(principal.user_id)

    @resident_only
    @rx.event
    async def change_password(self, form_data: dict):
        principal = current_principal()
        current = form_fields(form_data).get("current_password", "")
        new = form_fields(form_data).get("new_password", "")
        errors = await in_transaction(
            auth.change_password, principal.user_id, current, new, keep_token=self._token(), now=utcnow()
        )
        self.password_errors = errors
        self.password_changed = not errors
        if errors:
            return forms.focus_error_summary()

    @resident_only
    @rx.event
    async def everywhere(self):
        principal = current_principal()
        await in_transaction(sessions.sign_out_everywhere, principal.user_id, now=utcnow())
        await self._forget_private()
        return leave_for(routes.API_SIGNED_OUT)


def _two_step_section() -> rx.Component:
    return rx.el.section(
        rx.el.h2("Two-step sign-in"),
        rx.cond(
            SecurityState.new_recovery_codes.length() > 0,
            rx.el.div(
                rx.el.h3("Your recovery codes"),
                rx.el.p(
                    "Keep these somewhere safe, away from your phone. Each code works once, if you cannot use your "
                    "authenticator app. We will not show them again."
                ),
                rx.el.ol(
                    rx.foreach(SecurityState.new_recovery_codes, lambda c: rx.el.li(c)),
                    class_name="code-list",
                    aria_label="Recovery codes",
                ),
                rx.el.button(
                    "Print",
                    type="button",
                    class_name="button button--secondary",
                    on_click=rx.call_script("window.print()"),
                ),
                rx.el.button(
                    "I have saved them", type="button", class_name="button", on_click=SecurityState.hide_codes
                ),
                class_name="notice notice--success",
            ),
        ),
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
                            rx.el.div(
                                rx.html(SecurityState.setup_qr_svg),
                                class_name="qr",
                                role="img",
                                aria_label="QR code for your authenticator app",
                            ),
                            rx.el.p("Key: ", rx.el.span(SecurityState.setup_key, class_name="key")),
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


@page(routes.SECURITY, "Sign-in and security", on_load=SecurityState.load)
def security_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Sign-in and security"),
        rx.cond(
            SecurityState.loaded,
            rx.fragment(
                rx.cond(
                    SecurityState.last_sign_in != "",
                    rx.el.p("Before this visit, you last signed in at ", SecurityState.last_sign_in, "."),
                ),
                _two_step_section(),
                _password_section(),
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
