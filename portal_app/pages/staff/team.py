"""Staff accounts: the list (name, email, role, how they sign in, last sign-in, status), a new
account, a role changed, an account disabled or re-enabled. Every handler needs
``administer``; the rules (nobody disables or demotes themself or the last administrator,
sessions end on a change) are the service's (``services/staff/team.py``), and each
staff id the browser sends is looked up there."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_time_words, utcnow
from portal_app.components import forms, tables
from portal_app.components.back_office import staff_page
from portal_app.services import roles
from portal_app.services.audit import StaffActor
from portal_app.services.staff import team
from portal_app.services.validation import form_fields
from portal_app.state.access import current_staff, staff_only
from portal_app.state.database import in_transaction
from portal_app.state.staff import StaffState

NEW_FIELDS = [
    ("name", "new-name"),
    ("email", "new-email"),
    ("role", "new-role"),
    ("officer_ref", "new-officer-ref"),
    ("method", "method"),
    ("sso_subject", "new-sso-subject"),
]
ROLE_CHOICES = [[key, role.label] for key, role in roles.ROLES.items()]


def _role_form(row) -> rx.Component:
    select_id = "role-" + row["id"]
    return rx.el.form(
        rx.el.input(type="hidden", name="staff_id", value=row["id"]),
        rx.el.label("Role for ", row["name"], html_for=select_id, class_name="visually-hidden"),
        rx.el.select(
            *[rx.el.option(label, value=key) for key, label in ROLE_CHOICES],
            id=select_id,
            name="role",
            default_value=row["role"],
            class_name="select",
        ),
        rx.el.button(
            "Change role",
            rx.el.span(" for ", row["name"], class_name="visually-hidden"),
            type="submit",
            class_name="button button--secondary",
        ),
        on_submit=TeamState.change_role,
        aria_label="Change role for " + row["name"],
        class_name="inline-form",
    )


def _status_cell(row) -> rx.Component:
    return rx.fragment(
        row["status_words"],
        rx.el.br(),
        rx.cond(
            row["status"] == "active",
            rx.fragment(
                rx.el.button(
                    "Disable",
                    rx.el.span(" ", row["name"], "'s account", class_name="visually-hidden"),
                    type="button",
                    class_name="button button--warning",
                    on_click=TeamState.disable(row["id"]),
                ),
                rx.cond(
                    row["method"] != "Single sign-on",
                    rx.el.button(
                        "Send a new set-up link",
                        rx.el.span(" to ", row["name"], class_name="visually-hidden"),
                        type="button",
                        class_name="button button--secondary",
                        on_click=TeamState.new_set_up_link(row["id"]),
                    ),
                ),
            ),
            rx.el.button(
                "Re-enable",
                rx.el.span(" ", row["name"], "'s account", class_name="visually-hidden"),
                type="button",
                class_name="button button--secondary",
                on_click=TeamState.enable(row["id"]),
            ),
        ),
    )


COLUMNS = [
    tables.Column("Name", render=lambda row: rx.fragment(row["name"], rx.el.br(), row["email"]), row_header=True),
    tables.Column("Role", render=lambda row: rx.fragment(row["role_label"], rx.el.br(), _role_form(row))),
    tables.Column("Signs in with", "method"),
    tables.Column("Last signed in", "last_sign_in"),
    tables.Column("Status", render=_status_cell),
]


class TeamState(StaffState):
    loaded: bool = False
    members: list[dict[str, str]] = []
    errors: dict[str, str] = {}
    notice: str = ""
    problem: str = ""
    method_choice: str = team.PASSWORD_AND_APP
    form_key: int = 0  # a new key empties the new-account form after a success

    def _actor(self) -> StaffActor:
        staff = current_staff()
        return StaffActor(staff_id=staff.staff_id, name=staff.name, client_ip=self._client_ip() or None)

    async def _refresh(self) -> None:
        rows = await in_transaction(team.team)
        self.members = [
            {
                "id": str(row.id),
                "name": row.name,
                "email": row.email,
                "role": row.role,
                "role_label": row.role_label,
                "method": row.method if row.set_up else f"{row.method} (set-up link not used yet)",
                "last_sign_in": uk_time_words(row.last_sign_in_at) if row.last_sign_in_at else "Never",
                "status": row.status,
                "status_words": "Active" if row.status == "active" else "Disabled",
            }
            for row in rows
        ]
        self.loaded = True

    def _said(self, outcome: team.Outcome) -> None:
        self.notice = outcome.message if outcome.ok else ""
        self.problem = "" if outcome.ok else outcome.message

    @staff_only("administer")
    @rx.event
    async def load(self):
        self.errors, self.notice, self.problem = {}, "", ""
        await self._refresh()

    @staff_only("administer")
    @rx.event
    def choose_method(self, value: str):
        self.method_choice = value if value in team.METHOD_LABELS else ""

    @staff_only("administer")
    @rx.event
    async def create(self, form_data: dict):
        raw = form_fields(form_data)
        raw["method"] = self.method_choice
        details, errors = team.parse_new_member(raw)
        self.notice, self.problem = "", ""
        if details is None:
            self.errors = errors
            return forms.focus_error_summary()
        outcome = await in_transaction(team.add_member, self._actor(), details, now=utcnow())
        self.errors = outcome.errors or {}
        if not outcome.ok:
            return forms.focus_error_summary()
        self.notice = outcome.message
        self.form_key += 1
        await self._refresh()
        return None

    @staff_only("administer")
    @rx.event
    async def change_role(self, form_data: dict):
        fields = form_fields(form_data)
        outcome = await in_transaction(
            team.change_role, self._actor(), fields.get("staff_id", ""), fields.get("role", ""), now=utcnow()
        )
        self._said(outcome)
        await self._refresh()

    @staff_only("administer")
    @rx.event
    async def disable(self, staff_id: str):
        outcome = await in_transaction(team.set_disabled, self._actor(), staff_id, True, now=utcnow())
        self._said(outcome)
        await self._refresh()

    @staff_only("administer")
    @rx.event
    async def new_set_up_link(self, staff_id: str):
        outcome = await in_transaction(team.send_new_set_up_link, self._actor(), staff_id, now=utcnow())
        self._said(outcome)
        await self._refresh()

    @staff_only("administer")
    @rx.event
    async def enable(self, staff_id: str):
        outcome = await in_transaction(team.set_disabled, self._actor(), staff_id, False, now=utcnow())
        self._said(outcome)
        await self._refresh()


def _role_select() -> rx.Component:
    E = TeamState.errors
    has_error = E.contains("role")
    return rx.el.div(
        rx.el.label("Role", html_for="new-role", class_name="label"),
        rx.el.p("What they can do in the back office.", class_name="hint", id="new-role-hint"),
        forms.error_line(E, "role", "new-role"),
        rx.el.select(
            rx.el.option("Choose a role", value=""),
            *[rx.el.option(label, value=key) for key, label in ROLE_CHOICES],
            id="new-role",
            name="role",
            class_name="select",
            aria_describedby="new-role-hint",
            aria_invalid=rx.cond(has_error, "true", "false"),
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def _new_member_form() -> rx.Component:
    E = TeamState.errors
    return rx.el.form(
        rx.el.h2("Add a member of staff"),
        forms.text_field(E, "name", "Full name", input_id="new-name", autocomplete="off"),
        forms.text_field(
            E,
            "email",
            "Work email address",
            input_id="new-email",
            input_type="email",
            autocomplete="off",
            spellcheck=False,
        ),
        _role_select(),
        forms.text_field(
            E,
            "officer_ref",
            "Officer reference (optional)",
            input_id="new-officer-ref",
            hint="Their officer_ref in the landlord's data, so their residents' requests come to them. For example, OFF001",
            spellcheck=False,
            extra_class="input--code",
        ),
        forms.radios(
            E,
            "method",
            "How will they sign in?",
            [
                (team.PASSWORD_AND_APP, "A password and an authenticator app (we email them a set-up link)"),
                (team.SINGLE_SIGN_ON, "Single sign-on with the organisation's account"),
            ],
            selected=TeamState.method_choice,
            on_select=TeamState.choose_method,
        ),
        rx.cond(
            TeamState.method_choice == team.SINGLE_SIGN_ON,
            forms.text_field(
                E,
                "sso_subject",
                "Subject id at the identity provider",
                input_id="new-sso-subject",
                hint="The provider's own id for them (its 'sub'), not their email address: it never changes.",
                spellcheck=False,
            ),
        ),
        forms.submit_button("Add the member of staff"),
        on_submit=TeamState.create,
        no_validate=True,
        aria_label="Add a member of staff",
        key=TeamState.form_key.to_string(),
    )


@staff_page(routes.STAFF_TEAM, "Staff accounts", on_load=TeamState.load, errors=TeamState.errors)
def staff_team_page() -> rx.Component:
    S = TeamState
    return rx.fragment(
        forms.error_summary(S.errors, NEW_FIELDS),
        rx.el.h1("Staff accounts"),
        rx.cond(S.notice != "", rx.el.p(S.notice, class_name="notice notice--success", role="status")),
        rx.cond(S.problem != "", rx.el.p(S.problem, class_name="notice notice--warning", role="alert")),
        rx.cond(
            S.loaded,
            tables.table("Staff accounts", COLUMNS, S.members, label="Staff accounts", stack=True),
            rx.el.p("Loading…", role="status"),
        ),
        rx.el.p(
            "Changing someone's role or disabling their account signs them out at once. You cannot disable or "
            "demote yourself, or the last administrator.",
            class_name="caption",
        ),
        _new_member_form(),
    )
