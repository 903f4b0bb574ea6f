"""One request: what the resident asked, and everything that has happened to it.

Bank details for a refund are shown only masked ("Pay it into", one of the request's
lines: the last two digits of the sort code and four of the account number); the whole
details are encrypted in the database and never reach this page or its state."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.requests import OFFLINE, status_tag
from portal_app.services.requests import resident as money_requests
from portal_app.services.tenancy import complaints
from portal_app.state.access import current_principal, resident_only
from portal_app.state.accounts import AccountChoiceState
from portal_app.state.database import in_transaction


class RequestDetailState(AccountChoiceState):
    loaded: bool = False
    detail: dict[str, str] = {}
    detail_lines: list[dict[str, str]] = []
    detail_updates: list[dict[str, str]] = []
    detail_found: bool = False
    complaint: dict[str, str] = {}  # a complaint's deadlines and stage 2 link ({} for other kinds)

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
        self.complaint = {}
        view = None
        if found is not None and found.kind in complaints.COMPLAINT_KINDS:
            view = await in_transaction(
                complaints.complaint_for,
                user_id=principal.user_id,
                person_id=principal.person_id,
                tenancy_id=principal.tenancy_id,
                reference=found.reference,
                now=utcnow(),
            )
        if view is not None:
            self.complaint = {
                "first": view.deadlines.words[0],
                "second": view.deadlines.words[1],
                "escalate_href": routes.escalate_complaint(view.reference) if view.can_escalate else "",
                "final": "yes" if view.ombudsman_now else "",
            }
        self.loaded = True


def _complaint() -> rx.Component:
    """A complaint's deadlines (the Complaint Handling Code), and the way to stage 2."""
    c = RequestDetailState.complaint
    return rx.cond(
        c.contains("first"),
        rx.el.section(
            rx.el.h2("Complaint deadlines"),
            rx.el.ul(rx.el.li(c["first"]), rx.el.li(c["second"]), class_name="list"),
            rx.cond(
                c["escalate_href"] != "",
                rx.el.p(rx.el.a("Not happy with our answer? Take your complaint to stage 2", href=c["escalate_href"])),
            ),
            rx.cond(
                c["final"] == "yes",
                rx.el.p("This was our final answer. If you are still unhappy you can go to the Housing Ombudsman."),
            ),
            rx.el.p(rx.el.a("Complaints, and the Housing Ombudsman's details", href=routes.COMPLAINTS)),
        ),
    )


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
                _complaint(),
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
