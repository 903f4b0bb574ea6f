"""The back office's registration page: pause new sign-ups with a message (seed 003), resume
them (which invites the waiting list, once), and see who is waiting.

Every handler needs ``manage_registration``; the rules are the service's
(``services/staff/registration_pause.py``): one pause at a time, the invitations claimed
row by row, each action audited."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_time_words, utcnow
from portal_app.components import forms, tables
from portal_app.components.back_office import staff_page
from portal_app.services.audit import StaffActor
from portal_app.services.identity import registration_pause
from portal_app.services.validation import form_fields
from portal_app.state.access import current_staff, staff_only
from portal_app.state.database import in_transaction
from portal_app.state.staff import StaffState

PAUSE_FIELDS = [("message", "message")]
SUGGESTED_MESSAGE = (
    "We are having technical problems with the portal, so we are not taking new registrations at the moment. "
    "We expect to open registration again soon."
)

WAITING_COLUMNS = [
    tables.Column("Name", "name", row_header=True),
    tables.Column("Tenancy reference", "reference"),
    tables.Column("Email address", "email"),
    tables.Column("Joined", "joined"),
]


class RegistrationAdminState(StaffState):
    loaded: bool = False
    paused: bool = False
    pause_message: str = ""
    paused_since: str = ""
    paused_by: str = ""
    waiting: list[dict[str, str]] = []
    waiting_count: int = 0
    invited_count: int = 0
    errors: dict[str, str] = {}
    notice: str = ""

    def _actor(self) -> StaffActor:
        staff = current_staff()
        return StaffActor(staff_id=staff.staff_id, name=staff.name, client_ip=self._client_ip() or None)

    async def _refresh(self) -> None:
        found = await in_transaction(registration_pause.overview, self._actor(), now=utcnow())
        self.paused = found.pause is not None
        self.pause_message = found.pause.message if found.pause else ""
        self.paused_since = uk_time_words(found.pause.paused_at) if found.pause else ""
        self.paused_by = found.paused_by
        self.waiting = [
            {
                "name": entry.name,
                "reference": entry.tenancy_reference,
                "email": entry.email,
                "joined": uk_time_words(entry.created_at),
            }
            for entry in found.waiting
        ]
        self.waiting_count = found.waiting_count
        self.invited_count = found.invited_count
        self.loaded = True

    @staff_only("manage_registration")
    @rx.event
    async def load(self):
        self.errors = {}
        self.notice = ""
        await self._refresh()

    @staff_only("manage_registration")
    @rx.event
    async def pause(self, form_data: dict):
        message = form_fields(form_data).get("message", "")
        outcome = await in_transaction(registration_pause.pause, self._actor(), message, now=utcnow())
        self.errors = outcome.errors
        self.notice = (
            "New registrations are paused. The registration page now shows your message." if outcome.ok else ""
        )
        await self._refresh()
        if not outcome.ok:
            return forms.focus_error_summary()
        return None

    @staff_only("manage_registration")
    @rx.event
    async def resume(self):
        outcome = await in_transaction(registration_pause.resume, self._actor(), now=utcnow())
        self.errors = {}
        if outcome.resumed:
            people = "person" if outcome.invited == 1 else "people"
            self.notice = (
                f"Registration is open again. We are emailing {outcome.invited} {people} on the waiting list "
                "to tell them they can register."
            )
        else:
            self.notice = "Registration was already open: nothing was changed."
        await self._refresh()


def _paused_panel() -> rx.Component:
    S = RegistrationAdminState
    return rx.fragment(
        rx.el.div(
            rx.el.h2("New registrations are paused"),
            rx.el.p("Paused at ", S.paused_since, rx.cond(S.paused_by != "", rx.fragment(" by ", S.paused_by)), "."),
            rx.el.p("People opening the registration page see:"),
            rx.el.blockquote(S.pause_message),
            class_name="notice notice--warning",
        ),
        rx.el.p(
            "Residents who already have an account can sign in as usual. When you resume, everyone on the waiting "
            "list below is emailed once to say they can register."
        ),
        rx.el.button("Resume registrations", type="button", class_name="button", on_click=S.resume),
    )


def _open_panel() -> rx.Component:
    S = RegistrationAdminState
    return rx.fragment(
        rx.el.p("New registrations are open: anyone whose details match our records can register."),
        forms.error_summary(S.errors, PAUSE_FIELDS),
        rx.el.form(
            rx.el.h2("Pause new registrations"),
            rx.el.p(
                "While paused, the registration page shows your message and offers a waiting list. "
                "Nobody can register, even by calling the portal directly. Residents who already have an "
                "account can still sign in."
            ),
            forms.textarea_field(
                S.errors,
                "message",
                "Message for the registration page",
                hint="Say why, in plain words, and when you expect registration to open again if you know.",
                max_length=registration_pause.MESSAGE_MAX_LENGTH,
                default_value=SUGGESTED_MESSAGE,
            ),
            rx.el.button("Pause new registrations", type="submit", class_name="button button--warning"),
            on_submit=S.pause,
            no_validate=True,
            aria_label="Pause new registrations",
        ),
    )


@staff_page(
    routes.STAFF_REGISTRATION, "Registration", on_load=RegistrationAdminState.load, errors=RegistrationAdminState.errors
)
def staff_registration_page() -> rx.Component:
    S = RegistrationAdminState
    return rx.fragment(
        rx.el.h1("Registration"),
        rx.cond(S.notice != "", rx.el.p(S.notice, class_name="notice notice--success", role="status")),
        rx.cond(
            S.loaded,
            rx.fragment(
                rx.cond(S.paused, _paused_panel(), _open_panel()),
                rx.el.h2("Waiting list"),
                rx.el.p(
                    rx.cond(
                        S.waiting_count == 1,
                        "1 person is waiting to be invited.",
                        rx.fragment(S.waiting_count.to_string(), " people are waiting to be invited."),
                    ),
                    " ",
                    S.invited_count.to_string(),
                    " invited so far.",
                ),
                rx.cond(
                    S.waiting_count > 0,
                    tables.table(
                        "People waiting to register, newest first",
                        WAITING_COLUMNS,
                        S.waiting,
                        label="Waiting list",
                        stack=True,
                    ),
                ),
            ),
            rx.el.p("Loading…", role="status"),
        ),
    )
