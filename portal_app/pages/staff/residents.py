"""Find a resident (the back office): by name, tenancy or account reference, email address or
postcode. People on tenancies are found whether or not they have a portal account; each
search is recorded in the audit log (``services/staff/residents.search``).

What was typed is not put in the page's address (it would stay in the browser's history
and the server's logs): the search is an event, and the results live only in this tab's
state, emptied when the staff session ends."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import forms, tables
from portal_app.components.back_office import staff_page
from portal_app.services.staff import residents
from portal_app.services.validation import form_fields
from portal_app.state.access import current_staff, staff_only
from portal_app.state.database import in_transaction
from portal_app.state.staff import StaffState

FIELDS = [("query", "query"), ("search_by", "search-by")]


class ResidentSearchState(StaffState):
    query: str = ""
    search_by: str = residents.ANY
    errors: dict[str, str] = {}
    searched: bool = False
    more: bool = False
    results: list[dict[str, str]] = []

    @staff_only("view_resident")
    @rx.event
    def open_search(self):
        """The page loads empty: results of an earlier search are not shown again."""
        self.query, self.search_by, self.errors = "", residents.ANY, {}
        self.searched, self.more, self.results = False, False, []

    @staff_only("view_resident")
    @rx.event
    async def search(self, form_data: dict):
        form = form_fields(form_data)
        found = await in_transaction(
            residents.search,
            current_staff(),
            form.get("query", ""),
            form.get("search_by", residents.ANY),
            now=utcnow(),
            client_ip=self._client_ip(),
        )
        self.query, self.search_by = found.query, found.search_by
        if found.error:
            self.errors = {found.error_field: found.error}
            self.searched, self.more, self.results = False, False, []
            return forms.focus_error_summary()
        self.errors = {}
        self.searched, self.more = True, found.more
        self.results = [
            {
                "name": m.name,
                "href": routes.staff_resident(m.user_id) if m.user_id else "",
                "tenancy": m.tenancy_ref,
                "address": m.address,
                "role": m.role_label or "Not on the tenancy now",
                "tenancy_words": m.tenancy_words,
                "portal": m.portal_words,
                "has_portal": "yes" if m.user_id else "",
            }
            for m in found.matches
        ]
        return rx.call_script("setTimeout(() => document.getElementById('results-heading')?.focus(), 50)")


def _name_cell(row: rx.Var) -> rx.Component:
    return rx.cond(row["has_portal"] == "yes", rx.el.a(row["name"], href=row["href"]), rx.el.span(row["name"]))


RESULT_COLUMNS = (
    tables.Column("Name", row_header=True, render=_name_cell),
    tables.Column(
        "Tenancy",
        render=lambda r: (
            rx.el.span(r["tenancy"], class_name="nowrap"),
            rx.el.br(),
            rx.el.span(r["tenancy_words"], class_name="caption"),
        ),
    ),
    tables.Column("Address", "address"),
    tables.Column("On the tenancy as", "role"),
    tables.Column("Portal account", "portal"),
)


@staff_page(
    routes.STAFF_RESIDENTS,
    "Find a resident",
    on_load=ResidentSearchState.open_search,
    errors=ResidentSearchState.errors,
)
def staff_residents_page() -> rx.Component:
    s = ResidentSearchState
    return rx.fragment(
        forms.error_summary(s.errors, FIELDS),
        rx.el.h1("Find a resident"),
        rx.el.p(
            "Search by name, tenancy reference, account reference, email address or postcode. "
            "Capitals and spaces do not matter. Every search is recorded in the audit log with your name."
        ),
        rx.el.form(
            rx.el.div(
                rx.el.label("Search by", html_for="search-by", class_name="label"),
                forms.error_line(s.errors, "search_by", "search-by"),
                rx.el.select(
                    *[rx.el.option(text, value=key) for key, text in residents.SEARCH_BY.items()],
                    id="search-by",
                    name="search_by",
                    class_name="select",
                    default_value=residents.ANY,
                ),
                class_name="field",
            ),
            forms.text_field(
                s.errors,
                "query",
                "Name, reference, email address or postcode",
                hint=f"At least {residents.MIN_CHARS} characters ({residents.MIN_NAME_CHARS} for a name)",
                autocomplete="off",
                spellcheck=False,
            ),
            forms.submit_button("Search"),
            on_submit=s.search,
            no_validate=True,
            aria_label="Find a resident",
        ),
        rx.cond(
            s.searched,
            rx.el.section(
                rx.el.h2("Results", id="results-heading", tab_index=-1),
                rx.el.p(
                    rx.cond(
                        s.results.length() == 0,
                        rx.fragment(
                            "Nobody matches ", rx.el.q(s.query), ". Check the spelling, or search by something else."
                        ),
                        rx.fragment(
                            s.results.length(),
                            rx.cond(s.results.length() == 1, " match for ", " matches for "),
                            rx.el.q(s.query),
                            ".",
                        ),
                    ),
                    role="status",
                ),
                rx.cond(
                    s.more,
                    rx.el.p(
                        f"There are more than {residents.MAX_RESULTS} matches and only the first "
                        f"{residents.MAX_RESULTS} are shown. Refine your search: add a first name, "
                        "or search by a reference or postcode.",
                        class_name="notice notice--warning",
                    ),
                ),
                rx.cond(
                    s.results.length() > 0,
                    rx.fragment(
                        tables.table(
                            "People matching your search", RESULT_COLUMNS, s.results, label="Search results", stack=True
                        ),
                        rx.el.p(
                            "People with no portal account cannot be opened here: help them by phone, "
                            "or tell them how to register online.",
                            class_name="caption",
                        ),
                    ),
                ),
                aria_labelledby="results-heading",
            ),
        ),
    )
