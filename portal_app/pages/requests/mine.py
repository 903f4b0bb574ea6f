"""My requests: every request the resident has sent, newest first, with where each one is."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components import tables
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.requests import OFFLINE, status_tag
from portal_app.services.requests import resident as money_requests
from portal_app.state.access import current_principal, resident_only
from portal_app.state.accounts import AccountChoiceState
from portal_app.state.database import in_transaction


class MyRequestsState(AccountChoiceState):
    loaded: bool = False
    items: list[dict[str, str]] = []

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        found = await in_transaction(money_requests.my_requests, principal.user_id)
        self.items = [
            {
                "reference": r.reference,
                "kind": r.kind_label,
                "summary": r.summary,
                "status": r.status,
                "status_label": r.status_label,
                "account": f"{r.account_label} {r.account_ref}".strip(),  # "" for a data rights request
                "created": r.created_on,
                "updated": r.updated_on,
                "href": routes.request_detail(r.reference),
                "raised_by": r.raised_by,
            }
            for r in found
        ]
        self.loaded = True


REQUEST_COLUMNS = (
    tables.Column(
        "Request",
        row_header=True,
        render=lambda r: rx.el.a(r["kind"], ": ", rx.el.span(r["reference"], class_name="nowrap"), href=r["href"]),
    ),
    tables.Column(
        "What you asked",
        render=lambda r: (
            r["summary"],
            rx.cond(r["raised_by"] != "", rx.fragment(rx.el.br(), rx.el.span(r["raised_by"], class_name="caption"))),
        ),
    ),
    tables.Column("Status", render=lambda r: status_tag(r["status"], r["status_label"])),
    tables.Column("Sent", "created"),
    tables.Column("Last change", "updated"),
)


@page(routes.REQUESTS, "My requests", on_load=MyRequestsState.load)
def my_requests_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("My requests"),
        rx.el.p(rx.el.a("Ask us something new", href=routes.NEW_REQUEST)),
        rx.cond(
            MyRequestsState.loaded,
            rx.cond(
                MyRequestsState.items.length() > 0,
                tables.table(
                    "Your requests, newest first",
                    REQUEST_COLUMNS,
                    MyRequestsState.items,
                    label="Your requests",
                    caption_hidden=True,
                    stack=True,
                    class_name="table--requests",
                ),
                rx.el.p("You have not sent us any requests yet."),
            ),
            loading_or_offline("Loading…", OFFLINE),
        ),
    )
