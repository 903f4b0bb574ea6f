"""My payment plans (seed 000: "view payment arrangements"): each plan's status, whether it
is kept or behind ("behind by £x"), the next payment, and the history of the nightly checks."""

from __future__ import annotations

import dataclasses

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.payments import OFFLINE
from portal_app.services.payments import plans
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState


@dataclasses.dataclass
class CheckItem:
    on: str = ""
    words: str = ""


@dataclasses.dataclass
class PlanItem:
    reference: str = ""
    account: str = ""
    status: str = ""
    terms: str = ""
    standing: str = ""
    behind: bool = False
    next: str = ""
    clears: str = ""
    note: str = ""
    checks: list[CheckItem] = dataclasses.field(default_factory=list)


class MyPlansState(SessionState):
    loaded: bool = False
    items: list[PlanItem] = []

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        found = await in_transaction(plans.my_plans, principal, now=utcnow(), settings=get_settings())
        self.items = [
            PlanItem(
                reference=p.reference,
                account=p.account_ref,
                status=p.status_words,
                terms=p.terms_words,
                standing=p.standing_words,
                behind=p.behind,
                next=p.next_words,
                clears=p.clears_words,
                note=p.decision_note,
                checks=[CheckItem(c.on, c.words) for c in p.checks],
            )
            for p in found
        ]
        self.loaded = True


def _plan(p) -> rx.Component:
    return rx.el.section(
        rx.el.h2("Plan ", p.reference, " on account ", p.account),
        rx.el.dl(
            rx.el.div(rx.el.dt("Status"), rx.el.dd(p.status)),
            rx.el.div(rx.el.dt("The plan"), rx.el.dd(p.terms)),
            rx.cond(p.clears != "", rx.el.div(rx.el.dt("Clears"), rx.el.dd(p.clears))),
            rx.cond(p.next != "", rx.el.div(rx.el.dt("Next payment"), rx.el.dd(p.next))),
            rx.cond(p.note != "", rx.el.div(rx.el.dt("From your income officer"), rx.el.dd(p.note))),
            class_name="summary-list",
        ),
        rx.cond(
            p.standing != "",
            rx.el.p(
                rx.el.strong(p.standing),
                rx.cond(p.behind, rx.el.span(". If you are finding it hard to pay, contact us now: we can help.")),
                class_name=rx.cond(p.behind, "notice", "inset"),
            ),
        ),
        rx.cond(
            p.checks.length() > 0,
            rx.el.details(
                rx.el.summary("How the plan has gone, night by night"),
                rx.el.ul(rx.foreach(p.checks, lambda c: rx.el.li(c.on, ": ", c.words)), class_name="list"),
            ),
        ),
        class_name="card",
    )


@page(routes.PAYMENT_PLANS, "My payment plans", on_load=MyPlansState.load)
def my_plans_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("My payment plans"),
        rx.cond(
            MyPlansState.loaded,
            rx.cond(
                MyPlansState.items.length() > 0,
                rx.foreach(MyPlansState.items, _plan),
                rx.el.p("You have no payment plans."),
            ),
            loading_or_offline("Loading…", OFFLINE),
        ),
        rx.el.p(rx.el.a("Set up a payment plan", href=routes.NEW_PAYMENT_PLAN)),
    )
