"""My repairs: every repair of the resident's home, open ones first: those reported online by
anyone of the household, those raised by phone (the landlord's feed) and the block's
communal ones; each with its status, the next appointment and the date we will fix it by,
"late" once that has passed (``services/repairs/following.py``)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.repairs import OFFLINE
from portal_app.services.repairs import following
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState


@dataclasses.dataclass
class RepairItem:
    reference: str = ""
    href: str = ""
    what: str = ""
    status: str = ""
    open: bool = False
    reported: str = ""
    target: str = ""
    late: bool = False
    appointment: str = ""
    by_phone: bool = False
    communal: bool = False
    awaab: bool = False


class MyRepairsState(SessionState):
    loaded: bool = False
    has_home: bool = False
    items: list[RepairItem] = []

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        found = await in_transaction(following.my_repairs, principal, now=utcnow(), settings=get_settings())
        self.has_home = found is not None
        self.items = [
            RepairItem(
                reference=r.reference,
                href=routes.repair_detail(r.reference),
                what=r.what,
                status=r.status_words,
                open=r.open,
                reported=r.reported_words,
                target=r.target_words,
                late=r.late,
                appointment=r.appointment_words,
                by_phone=r.by_phone,
                communal=r.communal,
                awaab=r.awaab,
            )
            for r in (found or [])
        ]
        self.loaded = True


def _item(r) -> rx.Component:
    return rx.el.section(
        rx.el.h2(rx.el.a(r.what, href=r.href), class_name="card__title"),
        rx.el.dl(
            rx.el.div(rx.el.dt("Reference"), rx.el.dd(r.reference)),
            rx.el.div(rx.el.dt("Status"), rx.el.dd(rx.el.strong(r.status))),
            rx.cond(
                r.open,
                rx.el.div(
                    rx.el.dt("We will fix it by"),
                    rx.el.dd(r.target, rx.cond(r.late, rx.el.strong(" (late)", class_name="tag tag--overdue"))),
                ),
            ),
            rx.cond(r.appointment != "", rx.el.div(rx.el.dt("Appointment"), rx.el.dd(r.appointment))),
            rx.el.div(rx.el.dt("Reported"), rx.el.dd(r.reported, rx.cond(r.by_phone, " (by phone)", ""))),
            class_name="summary-list",
        ),
        rx.cond(r.communal, rx.el.p("A repair to your block's shared areas.", class_name="hint")),
        rx.cond(
            r.awaab, rx.el.p("Damp and mould, or an emergency hazard: Awaab's Law deadlines apply.", class_name="hint")
        ),
        class_name="card",
    )


@page(routes.REPAIRS, "My repairs", on_load=MyRepairsState.load)
def my_repairs_page() -> rx.Component:
    S = MyRepairsState
    return rx.fragment(
        rx.el.h1("My repairs"),
        rx.el.p(rx.el.a("Report a repair", href=routes.NEW_REPAIR, class_name="button")),
        rx.cond(
            S.loaded,
            rx.cond(
                S.has_home,
                rx.cond(
                    S.items.length() > 0, rx.foreach(S.items, _item), rx.el.p("There are no repairs for your home yet.")
                ),
                rx.el.p("You can see repairs here for the home you rent from us."),
            ),
            loading_or_offline("Loading…", OFFLINE),
        ),
    )
