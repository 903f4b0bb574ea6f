"""The audit log for administrators and the data protection officer: search by words, who
acted, resident, action and UK dates; newest first, 50 to a page; and download the same
search as a CSV file through ``/api/staff/audit.csv`` (which checks the staff cookie and
``view_audit`` itself, and audits the export). Every handler needs ``view_audit``."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.components import forms, tables
from portal_app.components.back_office import staff_page
from portal_app.services.audit import StaffActor
from portal_app.services.staff import audit_search
from portal_app.services.validation import form_fields
from portal_app.state.access import current_staff, staff_only
from portal_app.state.database import in_transaction
from portal_app.state.staff import StaffState

SEARCH_FIELDS = [
    ("text", "audit-text"),
    ("actor", "audit-actor"),
    ("resident", "audit-resident"),
    ("action", "audit-action"),
    ("date_from", "from-day"),
    ("date_to", "to-day"),
]


def _resident_cell(row):
    return rx.cond(row["resident"] != "", rx.el.a(row["resident"], href=row["resident_href"]), "")


COLUMNS = [
    tables.Column("When (UK time)", "when", row_header=True),
    tables.Column(
        "Who", render=lambda row: rx.fragment(row["who"], rx.el.br(), rx.el.span(row["kind"], class_name="caption"))
    ),
    tables.Column("What", "action"),
    tables.Column("Resident", render=_resident_cell),
    tables.Column("Reference", "target"),
    tables.Column("From", "ip"),
    tables.Column("Detail", "detail"),
]


class AuditState(StaffState):
    loaded: bool = False
    rows: list[dict[str, str]] = []
    page: int = 1
    has_next: bool = False
    errors: dict[str, str] = {}
    csv_href: str = ""
    summary: str = ""
    actions: list[list[str]] = []
    _params: dict[str, str] = {}

    def _actor(self) -> StaffActor:
        staff = current_staff()
        return StaffActor(staff_id=staff.staff_id, name=staff.name, client_ip=self._client_ip() or None)

    async def _show(self, query: audit_search.AuditQuery, page: int) -> None:
        found = await in_transaction(audit_search.search_page, query, actor=self._actor(), now=utcnow(), page=page)
        self.errors = found.errors
        self.loaded = True
        if found.errors:
            self.rows, self.has_next, self.csv_href, self.summary = [], False, "", ""
            return
        self._params = found.query.params()
        self.page = found.page
        self.has_next = found.has_next
        self.csv_href = routes.staff_audit_csv(self._params)
        self.rows = [
            {
                "when": row.when,
                "who": row.who,
                "kind": row.who_kind,
                "action": row.action,
                "resident": str(row.resident_id) if row.resident_id is not None else "",
                "resident_href": routes.staff_resident(row.resident_id) if row.resident_id is not None else "",
                "target": row.target,
                "ip": row.client_ip,
                "detail": row.detail,
            }
            for row in found.rows
        ]
        first = (found.page - 1) * audit_search.PAGE_SIZE + 1
        if not found.rows:
            self.summary = "No lines of the audit log match this search."
        else:
            last = first + len(found.rows) - 1
            self.summary = f"Lines {first} to {last}, newest first."

    @staff_only("view_audit")
    @rx.event
    async def load(self):
        self.actions = [[key, label] for key, label in audit_search.action_choices()]
        self._params = {}
        await self._show(audit_search.AuditQuery(), 1)

    @staff_only("view_audit")
    @rx.event
    async def search(self, form_data: dict):
        query, errors = audit_search.parse_form(form_fields(form_data), today=uk_today())
        if query is None:
            self.errors = errors
            return forms.focus_error_summary()
        await self._show(query, 1)
        if self.errors:
            return forms.focus_error_summary()
        return None

    @staff_only("view_audit")
    @rx.event
    async def next_page(self):
        query = audit_search.from_params(self._params) or audit_search.AuditQuery()
        await self._show(query, self.page + 1)

    @staff_only("view_audit")
    @rx.event
    async def previous_page(self):
        query = audit_search.from_params(self._params) or audit_search.AuditQuery()
        await self._show(query, max(self.page - 1, 1))


def _action_select() -> rx.Component:
    has_error = AuditState.errors.contains("action")
    return rx.el.div(
        rx.el.label("What was done", html_for="audit-action", class_name="label"),
        forms.error_line(AuditState.errors, "action", "audit-action"),
        rx.el.select(
            rx.el.option("Any action", value=""),
            rx.foreach(AuditState.actions, lambda pair: rx.el.option(pair[1], value=pair[0])),
            id="audit-action",
            name="action",
            class_name="select",
            aria_invalid=rx.cond(has_error, "true", "false"),
        ),
        class_name=rx.cond(has_error, "field field--error", "field"),
    )


def _search_form() -> rx.Component:
    E = AuditState.errors
    return rx.el.form(
        rx.el.h2("Search"),
        forms.text_field(E, "text", "Words", input_id="audit-text", hint="In the name, the reference or the action"),
        forms.text_field(E, "actor", "Who did it", input_id="audit-actor", hint="A name or an email address"),
        forms.text_field(
            E,
            "resident",
            "Resident",
            input_id="audit-resident",
            hint="Their portal account number, or the email address they sign in with",
            spellcheck=False,
        ),
        _action_select(),
        forms.date_field(
            E,
            "date_from",
            "From (UK date)",
            hint="For example, 1 3 2026. Leave empty for no start",
            prefix="from",
            autocomplete_prefix=None,
        ),
        forms.date_field(
            E,
            "date_to",
            "To (UK date)",
            hint="Included. Leave empty for up to now",
            prefix="to",
            autocomplete_prefix=None,
        ),
        forms.submit_button("Search"),
        on_submit=AuditState.search,
        no_validate=True,
        aria_label="Search the audit log",
    )


@staff_page(routes.STAFF_AUDIT, "Audit log", on_load=AuditState.load, errors=AuditState.errors)
def staff_audit_page() -> rx.Component:
    S = AuditState
    return rx.fragment(
        forms.error_summary(S.errors, SEARCH_FIELDS),
        rx.el.h1("Audit log"),
        rx.el.p(
            "Every staff look at a resident's data, every staff action, and residents' own sign-ins and changes to "
            "their details. The log cannot be changed. Times are UK time; the download gives them in UTC."
        ),
        _search_form(),
        rx.cond(
            S.loaded & (S.errors.length() == 0),
            rx.fragment(
                rx.el.h2("Results"),
                rx.el.p(S.summary, role="status"),
                rx.cond(
                    S.csv_href != "",
                    rx.el.p(
                        rx.el.a("Download this search as a spreadsheet (CSV)", href=S.csv_href, download=True),
                        " (the download is recorded in the log too)",
                    ),
                ),
                rx.cond(
                    S.rows.length() > 0,
                    tables.table("Audit log lines, newest first", COLUMNS, S.rows, label="Audit log", stack=True),
                ),
                rx.el.div(
                    rx.cond(
                        S.page > 1,
                        rx.el.button(
                            "Previous page",
                            type="button",
                            class_name="button button--secondary",
                            on_click=S.previous_page,
                        ),
                    ),
                    rx.cond(
                        S.has_next,
                        rx.el.button(
                            "Next page", type="button", class_name="button button--secondary", on_click=S.next_page
                        ),
                    ),
                    class_name="actions",
                ),
            ),
        ),
    )
