"""My requests: every request the resident has sent, newest first, with where each one is;
and, above them, any refund from a joint account that the resident is asked to agree to
(services/requests/consent.py: only questions put to this signed-in resident)."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components import tables
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.requests import OFFLINE, status_tag
from portal_app.services.requests import consent
from portal_app.services.requests import resident as money_requests
from portal_app.services.requests.common import NotYours
from portal_app.state.access import current_principal, resident_only
from portal_app.state.accounts import AccountChoiceState
from portal_app.state.database import in_transaction

ANSWERED = {
    consent.AGREED: "Thank you. We have told your officer that you agree to the refund.",
    consent.REFUSED: "Thank you. We have told your officer that you do not agree: we will not pay the refund as it is.",
}


class MyRequestsState(AccountChoiceState):
    loaded: bool = False
    items: list[dict[str, str]] = []
    questions: list[dict[str, str]] = []  # refunds from a joint account waiting for this resident's answer
    answered: str = ""

    async def _load_questions(self, user_id: int) -> None:
        found = await in_transaction(consent.questions_for, user_id)
        self.questions = [
            {"id": str(q.consent_id), "question": q.question, "reference": q.reference, "asked": q.asked_words}
            for q in found
        ]

    @resident_only
    @rx.event
    async def answer_question(self, consent_id: str, answer: str):
        """Agree or not to a joint refund asked of this resident (the service checks it is theirs)."""
        principal = current_principal()
        try:
            recorded = await in_transaction(
                consent.answer_in_portal, user_id=principal.user_id, consent_id=consent_id, answer=answer, now=utcnow()
            )
        except (NotYours, ValueError):
            recorded = ""
        self.answered = ANSWERED.get(recorded, "That question has already been answered or is no longer open.")
        await self._load_questions(principal.user_id)

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        self.answered = ""
        await self._load_questions(principal.user_id)
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


def _question(q: rx.Var) -> rx.Component:
    return rx.el.section(
        rx.el.h2("Do you agree to this refund?", id="question-" + q["id"]),
        rx.el.p(q["question"], " Do you agree?"),
        rx.el.p(
            "The account is in joint names, so we need your agreement before we pay it. Request ",
            q["reference"],
            ", asked at ",
            q["asked"],
            ".",
            class_name="caption",
        ),
        rx.el.div(
            rx.el.button(
                "Agree", type="button", class_name="button", on_click=MyRequestsState.answer_question(q["id"], "agreed")
            ),
            rx.el.button(
                "Do not agree",
                type="button",
                class_name="button button--secondary",
                on_click=MyRequestsState.answer_question(q["id"], "refused"),
            ),
            class_name="button-group",
        ),
        class_name="card",
        aria_labelledby="question-" + q["id"],
    )


@page(routes.REQUESTS, "My requests", on_load=MyRequestsState.load)
def my_requests_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("My requests"),
        rx.cond(
            MyRequestsState.answered != "",
            rx.el.p(MyRequestsState.answered, class_name="notice notice--success", role="status"),
        ),
        rx.foreach(MyRequestsState.questions, _question),
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
