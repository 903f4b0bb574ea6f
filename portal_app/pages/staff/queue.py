"""The requests queue: every resident request, oldest first, 50 a page, with filters by
kind, status, who has it, patch and age. Each row says how long the request has waited
against the landlord's target in working days; an overdue one carries an "Overdue" tag
and says by how much, so it stands out without colour.

The filters live in the page's address (``routes.staff_queue``), so a filtered queue can
be bookmarked or sent to a colleague, and the back button goes back through them; the
form's handler only builds that address. The rules are ``services/requests/office.py``'s
(``request_queue``, which also writes the listing to the audit log)."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import tables
from portal_app.components.back_office import staff_page
from portal_app.services.requests import office
from portal_app.services.validation import form_fields
from portal_app.state.access import current_staff, staff_only
from portal_app.state.database import in_transaction
from portal_app.state.staff import StaffState

FILTERS = (
    ("kind", "Kind of request", "kinds"),
    ("status", "Status", "statuses"),
    ("assigned", "Assigned to", "assignees"),
    ("patch", "Patch", "patches"),
    ("age", "Age", "ages"),
)


def _choices(found: tuple[office.Choice, ...]) -> list[dict[str, str]]:
    return [{"value": c.value, "label": c.label} for c in found]


def _row(r: office.QueueRow) -> dict[str, str]:
    return {
        "reference": r.reference,
        "href": routes.staff_request(r.reference),
        "kind": r.kind_label,
        "summary": r.summary,
        "status": r.status,
        "status_label": r.status_label,
        "resident": r.resident_name,
        "where": " · ".join(part for part in (r.account_ref, r.tenancy_ref) if part),
        "patch": r.patch or "No officer in our records",
        "assigned": r.assigned_name or "Nobody yet",
        "arrived": r.arrived_words,
        "waited": r.waited_words,
        "due": r.due_words,
        "overdue": "yes" if r.overdue else "",
    }


class QueueState(StaffState):
    loaded: bool = False
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    shown_words: str = ""
    chosen: dict[str, str] = {}  # the filters in force, by name
    kinds: list[dict[str, str]] = []
    statuses: list[dict[str, str]] = []
    assignees: list[dict[str, str]] = []
    patches: list[dict[str, str]] = []
    ages: list[dict[str, str]] = []
    previous_href: str = ""
    next_href: str = ""

    @staff_only("manage_requests")
    @rx.event
    async def load(self):
        staff = current_staff()
        filters = office.parse_filters(dict(self.router.url.query_parameters))
        found = await in_transaction(
            office.request_queue, staff.staff_id, filters, now=utcnow(), client_ip=self._client_ip()
        )
        query = found.filters.query()
        query.pop("page", None)
        self.rows = [_row(r) for r in found.rows]
        self.total, self.page, self.pages = found.total, found.page, found.pages
        if found.total == 0:
            self.shown_words = "No requests match these filters."
        elif found.pages == 1:
            self.shown_words = f"{found.total} request{'s' if found.total != 1 else ''}, oldest first."
        else:
            self.shown_words = (
                f"Requests {found.first_shown} to {found.last_shown} of {found.total}, oldest first "
                f"(page {found.page} of {found.pages})."
            )
        self.chosen = {
            "kind": found.filters.kind,
            "status": found.filters.status,
            "assigned": found.filters.assigned,
            "patch": found.filters.patch,
            "age": found.filters.age,
        }
        self.kinds, self.statuses = _choices(found.kinds), _choices(found.statuses)
        self.assignees, self.patches, self.ages = (
            _choices(found.assignees),
            _choices(found.patches),
            _choices(found.ages),
        )
        self.previous_href = routes.staff_queue(**query, page=found.page - 1) if found.page > 1 else ""
        self.next_href = routes.staff_queue(**query, page=found.page + 1) if found.page < found.pages else ""
        self.loaded = True

    @staff_only("manage_requests")
    @rx.event
    def apply_filters(self, form_data: dict):
        """The filter form: the queue's address with these filters (its loader does the rest)."""
        query = office.parse_filters(form_fields(form_data)).query()
        query.pop("page", None)
        return rx.redirect(routes.staff_queue(**query))


def _filter(name: str, label: str, options_var: str) -> rx.Component:
    chosen = QueueState.chosen.get(name, "")
    return rx.el.div(
        rx.el.label(label, html_for=f"filter-{name}", class_name="label"),
        rx.el.select(
            rx.foreach(getattr(QueueState, options_var), lambda c: rx.el.option(c["label"], value=c["value"])),
            id=f"filter-{name}",
            name=name,
            class_name="select",
            default_value=chosen,
            key=chosen,
        ),
        class_name="field",
    )


def _filters() -> rx.Component:
    return rx.el.form(
        rx.el.h2("Filter the requests"),
        rx.el.div(*[_filter(name, label, var) for name, label, var in FILTERS], class_name="filters"),
        rx.el.div(
            rx.el.button("Show requests", type="submit", class_name="button", disabled=~rx.State.is_hydrated),
            rx.el.a("Clear filters", href=routes.STAFF_QUEUE, class_name="button button--secondary"),
            class_name="button-group",
        ),
        on_submit=QueueState.apply_filters,
        aria_label="Filter the requests",
        no_validate=True,
    )


def _wait_cell(r: rx.Var) -> rx.Component:
    return rx.fragment(
        rx.cond(r["overdue"] == "yes", rx.el.strong("Overdue", class_name="tag tag--overdue")),
        rx.el.span(" ", r["waited"]),
        rx.cond(r["due"] != "", rx.el.span(r["due"], class_name="caption")),
    )


COLUMNS = (
    tables.Column(
        "Request",
        row_header=True,
        render=lambda r: rx.fragment(
            rx.el.a(rx.el.span(r["reference"], class_name="nowrap"), href=r["href"]),
            rx.el.span(r["kind"], class_name="caption"),
        ),
    ),
    tables.Column(
        "Resident", render=lambda r: rx.fragment(r["resident"], rx.el.span(r["where"], class_name="caption"))
    ),
    tables.Column("What they asked", "summary"),
    tables.Column(
        "Status",
        render=lambda r: rx.el.strong(
            r["status_label"],
            class_name=rx.match(r["status"], ("done", "tag tag--done"), ("declined", "tag tag--declined"), "tag"),
        ),
    ),
    tables.Column("Arrived", "arrived"),
    tables.Column("Waited", render=_wait_cell),
    tables.Column("Assigned to", "assigned"),
    tables.Column("Patch", "patch"),
)


def _pager() -> rx.Component:
    return rx.cond(
        QueueState.pages > 1,
        rx.el.nav(
            rx.el.ul(
                rx.cond(
                    QueueState.previous_href != "",
                    rx.el.li(rx.el.a("Previous page", href=QueueState.previous_href, rel="prev")),
                ),
                rx.el.li("Page ", QueueState.page, " of ", QueueState.pages),
                rx.cond(
                    QueueState.next_href != "", rx.el.li(rx.el.a("Next page", href=QueueState.next_href, rel="next"))
                ),
                class_name="pager",
            ),
            aria_label="Pages of requests",
        ),
    )


@staff_page(routes.STAFF_QUEUE, "Requests", on_load=QueueState.load)
def queue_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Residents' requests"),
        _filters(),
        rx.cond(
            QueueState.loaded,
            rx.fragment(
                rx.el.p(QueueState.shown_words, role="status"),
                rx.cond(
                    QueueState.total > 0,
                    tables.table(
                        ("Requests, oldest first. ", QueueState.shown_words),
                        COLUMNS,
                        QueueState.rows,
                        label="Requests",
                        caption_hidden=True,
                        stack=True,
                        class_name="table--queue",
                    ),
                ),
                _pager(),
            ),
            rx.el.p("Loading…"),
        ),
    )
