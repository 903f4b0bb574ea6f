"""The accessibility statement, in the order of GOV.UK's model statement: what the Public
Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018
ask it to say. The words that change (the known problems, the dates, how soon we answer)
live in ``services/rights/accessibility.py``; the contact details come from the settings."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components.layout import page
from portal_app.services.rights import accessibility as a11y
from portal_app.settings import get_settings


def _list(items) -> rx.Component:
    return rx.el.ul(*[rx.el.li(item) for item in items])


def _link(text: str, href: str) -> rx.Component:
    return rx.el.a(text, href=href)


def _known_issue(issue: a11y.KnownIssue) -> rx.Component:
    names = list(issue.criteria)
    which = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return rx.el.li(issue.problem, f" This fails WCAG 2.2 success criteri{'on' if len(names) == 1 else 'a'} {which}.")


@page(routes.ACCESSIBILITY, "Accessibility statement")
def accessibility_page() -> rx.Component:
    s = get_settings()
    site = f"the {s.landlord_name} resident portal"
    issues = a11y.KNOWN_ISSUES

    def contact() -> rx.Component:
        return _list(
            [
                rx.fragment("email ", _link(s.landlord_email, f"mailto:{s.landlord_email}")),
                rx.fragment("call ", s.landlord_phone, f" ({s.landlord_hours})"),
            ]
        )

    return rx.fragment(
        rx.el.h1(f"Accessibility statement for {site}"),
        rx.el.p(
            f"This accessibility statement applies to {site} at {s.base_url}, where tenants and leaseholders "
            f"of {s.landlord_name} see their accounts and statements and ask us for things."
        ),
        rx.el.p(
            f"This portal is run by {s.landlord_name}. We want as many people as possible to be able to use it. "
            "For example, that means you should be able to:"
        ),
        _list(
            [
                "change colours, contrast levels and fonts using your browser or device settings",
                "zoom in up to 400% without the text spilling off the screen",
                "use it on a screen 320 pixels wide without scrolling sideways",
                "get around it using just a keyboard",
                "listen to it using a screen reader",
            ]
        ),
        rx.el.p("We've also made the text as simple as possible to understand."),
        rx.el.h2("How accessible this website is"),
        rx.fragment(
            rx.el.p("We know some parts of this website are not fully accessible:"),
            _list([issue.problem for issue in issues]),
        )
        if issues
        else rx.el.p("We do not know of any part of this website that is not accessible."),
        rx.el.p(
            "Account statements can be downloaded as a PDF. The PDF is tagged (headings, a table with column "
            "headers, and its language), and the same statement is always on screen as a web page and as a CSV "
            "file for a spreadsheet, which you may find easier to use. You can also ",
            _link("ask for a statement by post", routes.new_request(kind="paper_statement")),
            ".",
        ),
        rx.el.h2("Feedback and contact information"),
        rx.el.p(
            "If you need information on this website in a different format, like large print, easy read, "
            "audio recording or braille, or a statement on paper:"
        ),
        contact(),
        rx.el.p(f"We'll consider your request and get back to you within {a11y.REPLY_WITHIN}."),
        rx.el.h2("Reporting accessibility problems with this website"),
        rx.el.p(
            "We're always looking to improve the accessibility of this website. If you find any problems not "
            "listed on this page or think we're not meeting accessibility requirements, contact us:"
        ),
        contact(),
        rx.el.p(f"We'll get back to you within {a11y.REPLY_WITHIN}."),
        rx.el.h2("Enforcement procedure"),
        rx.el.p(
            "In England, Scotland and Wales, the ",
            _link("Equality and Human Rights Commission (EHRC)", a11y.EHRC_URL),
            " is responsible for enforcing the Public Sector Bodies (Websites and Mobile Applications) (No. 2) "
            "Accessibility Regulations 2018 (the 'accessibility regulations'). If you're not happy with how we "
            "respond to your complaint, contact the ",
            _link("Equality Advisory and Support Service (EASS)", a11y.EASS_URL),
            ".",
        ),
        rx.el.p(
            "If you live in Northern Ireland and are not happy with how we respond to your complaint, contact the ",
            _link("Equality Commission for Northern Ireland (ECNI)", a11y.ECNI_URL),
            ".",
        ),
        rx.el.h2("Technical information about this website's accessibility"),
        rx.el.p(
            f"{s.landlord_name} is committed to making its website accessible, in accordance with the Public "
            "Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018."
        ),
        rx.el.h3("Compliance status"),
        rx.el.p(a11y.compliance_status(), id="compliance-status"),
        rx.el.h2("Non-accessible content"),
        rx.fragment(
            rx.el.p("The content listed below is non-accessible for the following reasons."),
            rx.el.h3("Non-compliance with the accessibility regulations"),
            rx.el.ul(*[_known_issue(issue) for issue in issues]),
        )
        if issues
        else rx.el.p("We do not know of any content that is not accessible."),
        rx.el.h3("Disproportionate burden"),
        rx.el.p("We do not claim that fixing any of these problems would be a disproportionate burden."),
        rx.el.h2("What we're doing to improve accessibility"),
        _list([issue.plan for issue in issues])
        if issues
        else rx.el.p("We check every change to the portal for accessibility before it is released."),
        rx.el.h2("Preparation of this accessibility statement"),
        rx.el.p(
            f"This statement was prepared on {a11y.prepared_text()}. It was last reviewed on {a11y.reviewed_text()}."
        ),
        rx.el.p(
            f"This website was last tested on {a11y.tested_text()}, by the team that builds it. We tested it this way:"
        ),
        _list(a11y.HOW_TESTED),
    )
