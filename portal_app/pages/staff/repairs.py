"""The repairs queue: every repair, the open ones by default, 25 a page, with filters by
status, priority, kind and "overdue only". Awaab's Law overdue repairs come first and say so
in words ("Awaab's Law overdue"), a repair the resident told us is not fixed says "Not
fixed: reopened", and a late target says "Late": never colour alone.

The filters live in the page's address (``routes.staff_repairs``), so a filtered queue can
be bookmarked or sent to a colleague; the form's handler only builds that address. The
rules (the order, what counts as overdue, and the listing's audit line) are
``services/repairs/office.py``'s."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import tables
from portal_app.components.back_office import staff_page
from portal_app.services.repairs import office
from portal_app.services.validation import form_fields
from portal_app.settings import get_settings
from portal_app.state.access import current_staff, staff_only
from portal_app.state.database import in_transaction
from portal_app.state.staff import StaffState

FILTERS = (
    ("status", "Status", "statuses"),
    ("priority", "Priority", "priorities"),
    ("kind", "Kind of repair", "kinds"),
    ("overdue", "Overdue", "overdue_choices"),
)


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def _choices(found: tuple[office.Choice, ...]) -> list[dict[str, str]]:
    return [{"value": c.value, "label": c.label} for c in found]


def _row(r: office.RepairRow) -> dict[str, str]:
    return {
        "reference": r.reference,
        "href": routes.staff_repair(r.reference),
        "what": r.what,
        "kind": r.kind_words,
        "address": r.address,
        "communal": _yes(r.communal),
        "priority": r.priority_words,
        "status": r.status,
        "status_words": r.status_words,
        "reopened": _yes(r.reopened),
        "reported": r.reported_words,
        "source": r.source_words,
        "target": r.target_words,
        "late": _yes(r.late),
        "deadline": r.deadline_words,
        "deadline_late": _yes(r.deadline_late),
        "awaab_late": _yes(r.awaab_late),
        "appointment": r.appointment_words or "None booked",
    }


class RepairsQueueState(StaffState):
    loaded: bool = False
    rows: list[dict[str, str]] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    shown_words: str = ""
    chosen: dict[str, str] = {}  # the filters in force, by name
    statuses: list[dict[str, str]] = []
    priorities: list[dict[str, str]] = []
    kinds: list[dict[str, str]] = []
    overdue_choices: list[dict[str, str]] = []
    previous_href: str = ""
    next_href: str = ""

    @staff_only("manage_repairs")
    @rx.event
    async def load(self):
        staff = current_staff()
        filters = office.parse_filters(dict(self.router.url.query_parameters))
        found = await in_transaction(
            office.queue,
            filters=filters,
            staff_id=staff.staff_id,
            now=utcnow(),
            settings=get_settings(),
            client_ip=self._client_ip(),
        )
        self.loaded = True
        if found is None:  # the role changed since the mark looked: show nothing
            self.rows, self.total, self.shown_words = [], 0, "No repairs to show."
            return
        query = found.filters.query()
        query.pop("page", None)
        self.rows = [_row(r) for r in found.rows]
        self.total, self.page, self.pages = found.total, found.page, found.pages
        if found.total == 0:
            self.shown_words = "No repairs match these filters."
        elif found.pages == 1:
            self.shown_words = f"{found.total} repair{'s' if found.total != 1 else ''}."
        else:
            self.shown_words = (
                f"Repairs {found.first_shown} to {found.last_shown} of {found.total} "
                f"(page {found.page} of {found.pages})."
            )
        self.chosen = {
            "status": found.filters.status,
            "priority": found.filters.priority,
            "kind": found.filters.kind,
            "overdue": office.YES if found.filters.overdue else "",
        }
        self.statuses, self.priorities = _choices(found.statuses), _choices(found.priorities)
        self.kinds, self.overdue_choices = _choices(found.kinds), _choices(found.overdue_choices)
        self.previous_href = routes.staff_repairs(**query, page=found.page - 1) if found.page > 1 else ""
        self.next_href = routes.staff_repairs(**query, page=found.page + 1) if found.page < found.pages else ""

    @staff_only("manage_repairs")
    @rx.event
    def apply_filters(self, form_data: dict):
        """The filter form: the queue's address with these filters (its loader does the rest)."""
        query = office.parse_filters(form_fields(form_data)).query()
        query.pop("page", None)
        return rx.redirect(routes.staff_repairs(**query))


S = RepairsQueueState


def _filter(name: str, label: str, options_var: str) -> rx.Component:
    chosen = S.chosen.get(name, "")
    return rx.el.div(
        rx.el.label(label, html_for=f"repairs-filter-{name}", class_name="label"),
        rx.el.select(
            rx.foreach(getattr(S, options_var), lambda c: rx.el.option(c["label"], value=c["value"])),
            id=f"repairs-filter-{name}",
            name=name,
            class_name="select",
            default_value=chosen,
            key=chosen,
        ),
        class_name="field",
    )


def _filters() -> rx.Component:
    return rx.el.form(
        rx.el.h2("Filter the repairs"),
        rx.el.div(*[_filter(name, label, var) for name, label, var in FILTERS], class_name="filters"),
        rx.el.div(
            rx.el.button("Show repairs", type="submit", class_name="button", disabled=~rx.State.is_hydrated),
            rx.el.a("Clear filters", href=routes.STAFF_REPAIRS, class_name="button button--secondary"),
            class_name="button-group",
        ),
        on_submit=S.apply_filters,
        aria_label="Filter the repairs",
        no_validate=True,
    )


def _status_cell(r: rx.Var) -> rx.Component:
    return rx.cond(
        r["reopened"] == "yes",
        rx.el.strong("Not fixed: reopened", class_name="tag tag--overdue"),
        rx.el.strong(
            r["status_words"],
            class_name=rx.match(r["status"], ("completed", "tag tag--done"), ("cancelled", "tag tag--declined"), "tag"),
        ),
    )


def _target_cell(r: rx.Var) -> rx.Component:
    return rx.fragment(
        rx.cond(r["late"] == "yes", rx.fragment(rx.el.strong("Late", class_name="tag tag--overdue"), " ")), r["target"]
    )


def _deadline_cell(r: rx.Var) -> rx.Component:
    return rx.cond(
        r["deadline"] != "",
        rx.fragment(
            rx.cond(
                r["awaab_late"] == "yes",
                rx.el.strong("Awaab's Law overdue", class_name="tag tag--overdue"),
                rx.cond(r["deadline_late"] == "yes", rx.el.strong("Overdue", class_name="tag tag--overdue")),
            ),
            rx.el.span(" ", r["deadline"]),
        ),
        rx.el.span("None", class_name="caption"),
    )


COLUMNS = (
    tables.Column(
        "Repair",
        row_header=True,
        render=lambda r: rx.fragment(
            rx.el.a(rx.el.span(r["reference"], class_name="nowrap"), href=r["href"]),
            rx.el.span(r["kind"], class_name="caption"),
        ),
    ),
    tables.Column(
        "Home",
        render=lambda r: rx.fragment(
            r["address"], rx.cond(r["communal"] == "yes", rx.el.span("Communal repair", class_name="caption"))
        ),
    ),
    tables.Column("What", "what"),
    tables.Column("Priority", "priority"),
    tables.Column("Status", render=_status_cell),
    tables.Column("Target", render=_target_cell),
    tables.Column("Legal deadline", render=_deadline_cell),
    tables.Column("Appointment", "appointment"),
    tables.Column(
        "Reported", render=lambda r: rx.fragment(r["reported"], rx.el.span(r["source"], class_name="caption"))
    ),
)


def _pager() -> rx.Component:
    return rx.cond(
        S.pages > 1,
        rx.el.nav(
            rx.el.ul(
                rx.cond(S.previous_href != "", rx.el.li(rx.el.a("Previous page", href=S.previous_href, rel="prev"))),
                rx.el.li("Page ", S.page, " of ", S.pages),
                rx.cond(S.next_href != "", rx.el.li(rx.el.a("Next page", href=S.next_href, rel="next"))),
                class_name="pager",
            ),
            aria_label="Pages of repairs",
        ),
    )


@staff_page(routes.STAFF_REPAIRS, "Repairs", on_load=RepairsQueueState.load)
def repairs_queue_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Repairs"),
        rx.el.p(
            "Repairs with an Awaab's Law deadline passed come first, then open repairs by their target date.",
            class_name="hint",
        ),
        _filters(),
        rx.cond(
            S.loaded,
            rx.fragment(
                rx.el.p(S.shown_words, role="status"),
                rx.cond(
                    S.total > 0,
                    tables.table(
                        ("Repairs, Awaab's Law overdue first. ", S.shown_words),
                        COLUMNS,
                        S.rows,
                        label="Repairs",
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
