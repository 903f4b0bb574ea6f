"""The privacy notice: who we are, what the portal collects and why, on which lawful basis,
for how long, and the resident's rights (UK GDPR Articles 12 to 22). Everything that can
change comes from the settings (``services/rights/notices.py``): the landlord's details,
the data protection officer, the ICO registration number and every retention period."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components import tables
from portal_app.components.layout import page
from portal_app.services.rights import notices
from portal_app.settings import get_settings

HOLDING_COLUMNS = (
    tables.Column("What", row_header=True),
    tables.Column("Why we need it"),
    tables.Column("Lawful basis (UK GDPR)"),
    tables.Column("How long we keep it"),
)


def _holdings() -> rx.Component:
    return tables.table(
        "What the portal collects, why, and how long we keep it",
        HOLDING_COLUMNS,
        label="What the portal collects",
        body=[
            tables.row(HOLDING_COLUMNS, [h.what, h.why, h.basis, h.kept], stack=True)
            for h in notices.holdings(get_settings())
        ],
        stack=True,
    )


def _rights() -> rx.Component:
    return rx.el.ul(
        rx.el.li(
            rx.el.strong("To see what we hold about you"),
            " (the right of access). ",
            rx.el.a("Download your data", href=routes.MY_DATA),
            " from the portal at once, or ask our data protection officer for everything we hold, including "
            "outside the portal.",
        ),
        rx.el.li(
            rx.el.strong("To have wrong or incomplete information corrected"),
            " (rectification). ",
            rx.el.a("Ask us to correct your information", href=routes.DATA_REQUEST),
            ".",
        ),
        rx.el.li(
            rx.el.strong("To have information deleted"),
            " (erasure), where we no longer need it. ",
            rx.el.a("Ask us to delete your information", href=routes.DATA_REQUEST),
            ". Some records, such as the rent you have paid, we must keep by law.",
        ),
        rx.el.li(
            rx.el.strong("To ask us to stop using information for a while"),
            " (restriction), for example while we check whether it is right.",
        ),
        rx.el.li(rx.el.strong("To object"), " to how we use information on the basis of our legitimate interests."),
        rx.el.li(
            rx.el.strong("To have your data in a form a computer can read"),
            " (portability): the download is also a JSON file.",
        ),
        class_name="list list-spaced",
    )


@page(routes.PRIVACY, "Privacy notice")
def privacy_page() -> rx.Component:
    s = get_settings()
    return rx.fragment(
        rx.el.h1("Privacy notice"),
        rx.el.p(
            f"This notice explains what information this online portal collects about you, why, and what you can "
            f"do about it. It is about the portal; {s.landlord_name}'s own privacy policy covers everything else "
            "we do with your information."
        ),
        rx.el.h2("Who we are"),
        rx.el.dl(
            rx.el.div(rx.el.dt("The data controller"), rx.el.dd(s.landlord_name)),
            rx.el.div(rx.el.dt("Address"), rx.el.dd(s.landlord_address)),
            rx.el.div(rx.el.dt("Email"), rx.el.dd(s.landlord_email)),
            rx.el.div(rx.el.dt("Phone"), rx.el.dd(f"{s.landlord_phone} ({s.landlord_hours})")),
            rx.el.div(rx.el.dt("Our data protection officer"), rx.el.dd(s.data_protection_officer_email)),
            rx.el.div(rx.el.dt("Registered with the ICO as"), rx.el.dd(s.ico_registration_number)),
            class_name="summary-list",
        ),
        rx.el.h2("What we collect, why, and for how long"),
        rx.el.p(
            "We only collect what the portal needs to let you see your accounts and ask us for things. We do not "
            "sell your information, we do not use it for marketing, and the portal uses no advertising or "
            "tracking cookies."
        ),
        _holdings(),
        rx.el.h2("Who can see it"),
        rx.el.p(
            "Our officers who need it for their work: your income officer sees your accounts and requests, our "
            "data protection officer sees requests about your information. Every time a member of staff looks "
            "at your accounts or requests, it is recorded. Nobody can see your password."
        ),
        rx.el.h2("Your rights"),
        _rights(),
        rx.el.p(
            f"We answer within {notices.ANSWER_WITHIN} of receiving your request. If it is complex we may need up "
            "to two months more; if so, we will tell you within the first month, and why (UK GDPR Article 12(3)). "
            f"To use any of these rights you can also email {s.data_protection_officer_email} or phone "
            f"{s.landlord_phone}."
        ),
        rx.el.h2("If you are not happy"),
        rx.el.p(
            f"Tell our data protection officer first ({s.data_protection_officer_email}). You can also complain to "
            "the Information Commissioner's Office (ICO), the UK's regulator for personal information: ",
            rx.el.a("make a complaint on the ICO's website", href=notices.ICO_COMPLAINTS_URL),
            f", phone {notices.ICO_PHONE}, or write to {notices.ICO_ADDRESS}.",
        ),
        rx.el.h2("Cookies"),
        rx.el.p(
            "The portal uses only the cookies and browser storage it needs to work. ",
            rx.el.a("See every cookie and what it is for", href=routes.COOKIES),
            ".",
        ),
    )
