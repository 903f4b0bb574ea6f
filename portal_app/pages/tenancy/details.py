"""Your tenancy (seed 000: "view tenancy details"; seed 001: "my housing officers"): the
tenure in plain words and when it ends or is reviewed, the start date, who is on it, the
home, the rent and charges now, what we must do as your landlord, and the named officers
with how to reach them (``services/tenancy/details.py``)."""

from __future__ import annotations

import dataclasses

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.pages.tenancy import OFFLINE
from portal_app.services.tenancy import details
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState


@dataclasses.dataclass
class PersonItem:
    name: str = ""
    role: str = ""


@dataclasses.dataclass
class ChargeItem:
    account: str = ""
    description: str = ""
    amount: str = ""


@dataclasses.dataclass
class OfficerItem:
    role: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""


class TenancyState(SessionState):
    loaded: bool = False
    found: bool = False
    view: dict[str, str] = {}
    people: list[PersonItem] = []
    charges: list[ChargeItem] = []
    officers: list[OfficerItem] = []
    transfer: dict[str, str] = {}  # the transfer application, when there is one

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        found = await in_transaction(details.my_tenancy, principal, today=uk_today(utcnow()), settings=get_settings())
        self.found = found is not None
        if found is not None:
            self.view = {
                "reference": found.reference,
                "tenure": found.tenure_words,
                "means": found.tenure_means,
                "started": found.started_words,
                "ends": found.ends_words,
                "review": found.review_words,
                "address": found.address,
                "property": found.property_words,
                "weekly": found.weekly_total_words,
                "agreement_href": found.agreement_href,
                "agreement_words": found.agreement_words,
            }
            t = found.transfer
            self.transfer = (
                {
                    "band": t.band,
                    "effective": t.effective_words,
                    "status": t.status_words,
                    "bedrooms": t.bedrooms_words,
                    "reference": t.reference,
                    "lettings": t.lettings_url,
                }
                if t is not None
                else {}
            )
            self.people = [PersonItem(p.name, p.role_words) for p in found.people]
            self.charges = [ChargeItem(c.account, c.description, c.amount_words) for c in found.charges]
            self.officers = [OfficerItem(o.role_words, o.name, o.email, o.phone) for o in found.officers]
        self.loaded = True


def _row(label: str, value) -> rx.Component:
    return rx.el.div(rx.el.dt(label), rx.el.dd(value))


def _officer(o) -> rx.Component:
    return rx.el.section(
        rx.el.h3(o.role),
        rx.el.p(rx.el.strong(o.name)),
        rx.el.p("Email: ", rx.el.a(o.email, href="mailto:" + o.email)),
        rx.cond(o.phone != "", rx.el.p("Phone: ", rx.el.a(o.phone, href="tel:" + o.phone))),
        class_name="card",
    )


def _transfer() -> rx.Component:
    t = TenancyState.transfer
    return rx.fragment(
        rx.el.h2("Your transfer application"),
        rx.el.dl(
            _row("Band", t["band"]),
            _row("Your band counts from", t["effective"]),
            _row("Status", t["status"]),
            rx.cond(t["bedrooms"] != "", _row("Homes with", t["bedrooms"])),
            _row("Application reference", t["reference"]),
            class_name="summary-list",
        ),
        rx.cond(
            t["lettings"] != "",
            rx.el.p(
                rx.el.a("See homes to bid for on our choice-based lettings site", href=t["lettings"]),
                " (another website).",
            ),
        ),
    )


def _found() -> rx.Component:
    S = TenancyState
    v = S.view
    settings = get_settings()
    return rx.fragment(
        rx.el.dl(
            _row("Your home", v["address"]),
            _row("Type", v["property"]),
            _row("Tenancy", rx.el.strong(v["tenure"])),
            _row("Started", v["started"]),
            rx.cond(v["ends"] != "", _row("Ends", v["ends"])),
            _row("Tenancy reference", v["reference"]),
            class_name="summary-list",
        ),
        rx.el.p(v["means"], " ", v["review"], class_name="inset"),
        rx.el.h2("Who is on the tenancy"),
        rx.el.ul(rx.foreach(S.people, lambda p: rx.el.li(p.name, ": ", p.role)), class_name="list"),
        rx.el.p(
            "Someone moved in or out? ", rx.el.a("Tell us about a change to your household", href=routes.HOUSEHOLD), "."
        ),
        rx.el.h2("Rent and charges now"),
        rx.cond(
            S.charges.length() > 0,
            rx.fragment(
                rx.el.table(
                    rx.el.caption("The charges on your accounts today"),
                    rx.el.thead(
                        rx.el.tr(
                            rx.el.th("Account", scope="col"),
                            rx.el.th("Charge", scope="col"),
                            rx.el.th("Amount", scope="col", class_name="numeric"),
                        )
                    ),
                    rx.el.tbody(
                        rx.foreach(
                            S.charges,
                            lambda c: rx.el.tr(
                                rx.el.td(c.account), rx.el.td(c.description), rx.el.td(c.amount, class_name="numeric")
                            ),
                        )
                    ),
                    class_name="table",
                ),
                rx.el.p("In all: ", rx.el.strong(v["weekly"]), "."),
            ),
            rx.el.p("There are no charges on your accounts today."),
        ),
        rx.el.h2("What we must do as your landlord"),
        rx.el.ul(*[rx.el.li(line) for line in details.OBLIGATIONS], class_name="list"),
        rx.cond(
            v["agreement_href"] != "",
            rx.fragment(
                rx.el.p(
                    "Your tenancy agreement says what we and you each agree to: ",
                    rx.el.a(
                        "Download your tenancy agreement (",
                        v["agreement_words"],
                        ")",
                        href=v["agreement_href"],
                        download=True,
                        reload_document=True,
                    ),
                    ".",
                    class_name="not-kiosk",
                ),
                # A shared screen in our offices downloads nothing (as for statements).
                rx.el.p(
                    "Your tenancy agreement says what we and you each agree to. You can download it when you "
                    "sign in on your own phone or computer.",
                    class_name="kiosk-only",
                ),
            ),
            rx.el.p(
                "Your tenancy agreement says what we and you each agree to. For a copy, ",
                rx.el.a("ask us", href=routes.NEW_REQUEST),
                ".",
            ),
        ),
        rx.el.h2("Your officers"),
        rx.cond(
            S.officers.length() > 0,
            rx.el.div(rx.foreach(S.officers, _officer), class_name="cards"),
            rx.el.p(f"Phone {settings.landlord_phone} ({settings.landlord_hours}) and we will put you through."),
        ),
        rx.cond(S.transfer.length() > 0, _transfer()),
        rx.el.h2("Repairs"),
        rx.el.p(
            rx.el.a("Report a repair", href=routes.NEW_REPAIR),
            " or ",
            rx.el.a("see your repairs", href=routes.REPAIRS),
            ".",
        ),
        rx.el.h2("What you can tell us or ask us"),
        rx.el.ul(*[rx.el.li(rx.el.a(label, href=href), ": ", what) for label, href, what in ASK_US], class_name="list"),
    )


# The tenancy's own pages (issue 18), in the order a resident is likely to look for them.
ASK_US = (
    (
        "Your household",
        routes.HOUSEHOLD,
        "who lives with you, and telling us someone moved in or out, a birth or a death",
    ),
    (
        "Ask for permission",
        routes.PERMISSIONS,
        "to keep a pet, make an alteration, run a business, take a lodger or park a vehicle",
    ),
    ("Complaints, compliments and comments", routes.COMPLAINTS, "tell us what went wrong, or what went well"),
    ("Letters and documents", routes.LETTERS, "the letters we sent you, and your tenancy agreement"),
    ("Your details and preferences", routes.YOUR_DETAILS, "your email, phone numbers, and how we contact you"),
    ("Swap your home (mutual exchange)", routes.MUTUAL_EXCHANGE, "how to find a swap, and asking us"),
    ("Give notice to end your tenancy", routes.END_TENANCY, "the dates worked out for you"),
)


@page(routes.TENANCY, "Your tenancy", on_load=TenancyState.load)
def tenancy_page() -> rx.Component:
    S = TenancyState
    return rx.fragment(
        rx.el.h1("Your tenancy"),
        rx.cond(
            S.loaded,
            rx.cond(
                S.found,
                _found(),
                rx.el.p(
                    f"We cannot show a tenancy for you. Phone {get_settings().landlord_phone} and we will look into it."
                ),
            ),
            loading_or_offline("Loading…", OFFLINE),
        ),
    )
