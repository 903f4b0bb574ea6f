"""One request: what the resident asked, and everything that has happened to it.

Bank details for a refund are shown only masked ("Pay it into", one of the request's
lines: the last two digits of the sort code and four of the account number); the whole
details are encrypted in the database and never reach this page or its state."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.requests import OFFLINE, status_tag
from portal_app.services.requests import resident as money_requests
from portal_app.state.access import current_principal, resident_only
from portal_app.state.accounts import AccountChoiceState
from portal_app.state.database import in_transaction


class RequestDetailState(AccountChoiceState):
    loaded: bool = False
    detail: dict[str, str] = {}
    detail_lines: list[dict[str, str]] = []
    detail_updates: list[dict[str, str]] = []
    detail_found: bool = False

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        reference = self._query("ref")[:32]
        found = await in_transaction(money_requests.request_detail, principal.user_id, reference)
        self.detail_found = found is not None
        if found is None:
            self.detail, self.detail_lines, self.detail_updates = {}, [], []
        else:
            self.detail = {
                "reference": found.reference,
                "kind": found.kind_label,
                "summary": found.summary,
                "status": found.status,
                "status_label": found.status_label,
                "account": f"{found.account_label} {found.account_ref}".strip(),  # "": about no account
                "created": found.created_words,
                "updated": found.updated_words,
                "joint": "yes" if found.needs_joint_consent else "",
                "officer": found.officer_name or "",
                "raised_by": found.raised_by,
            }
            self.detail_lines = [{"label": ln.label, "value": ln.value} for ln in found.lines]
            self.detail_updates = [
                {"at": u.at_words, "status": u.status_label, "note": u.note, "by": u.by} for u in found.updates
            ]
        self.loaded = True


@page(
    routes.REQUEST_DETAIL,
    "Your request",
    on_load=RequestDetailState.load,
    # "Request Q-2026-000123": each request its own title, as its heading says
    named=rx.cond(RequestDetailState.detail_found, "Request " + RequestDetailState.detail["reference"], ""),
)
def request_detail_page() -> rx.Component:
    d = RequestDetailState.detail
    return rx.cond(
        RequestDetailState.loaded,
        rx.cond(
            RequestDetailState.detail_found,
            rx.fragment(
                rx.el.span(d["kind"], class_name="caption-l"),
                rx.el.h1("Request ", d["reference"]),
                rx.el.p(status_tag(d["status"], d["status_label"])),
                rx.cond(d["raised_by"] != "", rx.el.p(d["raised_by"], class_name="inset")),
                rx.el.dl(
                    rx.cond(d["account"] != "", rx.el.div(rx.el.dt("Account"), rx.el.dd(d["account"]))),
                    rx.el.div(rx.el.dt("Sent"), rx.el.dd(d["created"])),
                    rx.cond(d["officer"] != "", rx.el.div(rx.el.dt("Your officer"), rx.el.dd(d["officer"]))),
                    rx.foreach(
                        RequestDetailState.detail_lines,
                        lambda ln: rx.el.div(rx.el.dt(ln["label"]), rx.el.dd(ln["value"])),
                    ),
                    class_name="summary-list",
                ),
                rx.el.h2("What has happened"),
                rx.el.ol(
                    rx.foreach(
                        RequestDetailState.detail_updates,
                        lambda u: rx.el.li(
                            rx.el.strong(u["status"]),
                            " at ",
                            u["at"],
                            rx.cond(u["by"] != "", rx.fragment(", by ", u["by"])),
                            rx.cond(u["note"] != "", rx.el.p(u["note"], class_name="pre-line")),
                        ),
                    )
                ),
                rx.el.p(rx.el.a("Back to my requests", href=routes.REQUESTS)),
            ),
            rx.fragment(
                rx.el.h1("We cannot find that request"),
                rx.el.p("Check the reference, or see ", rx.el.a("all your requests", href=routes.REQUESTS), "."),
            ),
        ),
        rx.fragment(rx.el.h1("Your request"), loading_or_offline("Loading…", OFFLINE)),
    )
