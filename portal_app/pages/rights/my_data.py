"""Your data: download everything the portal holds about you, at once, as a page to read or
print and as JSON; and where to go to have something corrected or deleted.

The links carry short-lived tickets (``services/identity/tickets.py``) naming this
browser's own session and no account: the download route (``api/downloads.py``) builds the
file only for the resident of the session that the request's own cookie names, and records
the download in the audit log. A kiosk offers no downloads (nothing is left on a shared
screen)."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.services.identity import tickets
from portal_app.settings import get_settings
from portal_app.state.access import current_principal, resident_only
from portal_app.state.session import SessionState


class MyDataState(SessionState):
    loaded: bool = False
    html_href: str = ""
    json_href: str = ""

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        now = utcnow()

        def link(path: str, kind: str) -> str:
            ticket = tickets.issue(
                session_id=principal.session_id,
                user_id=principal.user_id,
                account_id=None,
                kind=kind,
                date_from=None,
                date_to=None,
                now=now,
            )
            return routes.download(path, ticket)

        self.html_href = link(routes.API_MY_DATA_HTML, "my_data_html")
        self.json_href = link(routes.API_MY_DATA_JSON, "my_data_json")
        self.loaded = True


@page(routes.MY_DATA, "Your data", on_load=MyDataState.load)
def my_data_page() -> rx.Component:
    s = get_settings()
    return rx.fragment(
        rx.el.h1("Your data"),
        rx.el.p("You can download everything this online portal holds about you, now. It includes:"),
        rx.el.ul(
            rx.el.li("your online account: email, mobile, when you signed in, whether two-step sign-in is on"),
            rx.el.li("your details in our records, your tenancies and who is named on them"),
            rx.el.li("your accounts, their balances and every payment and charge"),
            rx.el.li("your requests and our replies"),
            rx.el.li(
                "the payments, payment plans and Direct Debits you made in the portal (bank account numbers "
                "shown only by their last digits)"
            ),
            rx.el.li("the repairs you reported and what you told us about them"),
            rx.el.li("your sign-in history, your choices, and the emails we sent you"),
            class_name="list",
        ),
        rx.el.p(
            "It does not include your password or the codes that protect your account: nobody can see those.",
            class_name="caption",
        ),
        rx.cond(
            MyDataState.loaded,
            rx.fragment(
                rx.el.ul(
                    rx.el.li(
                        rx.el.a(
                            "Download your data as a page to read or print",
                            href=MyDataState.html_href,
                            download=True,
                            reload_document=True,
                        )
                    ),
                    rx.el.li(
                        rx.el.a(
                            "Download your data for a computer (JSON)",
                            href=MyDataState.json_href,
                            download=True,
                            reload_document=True,
                        )
                    ),
                    class_name="list not-kiosk",
                ),
                rx.el.p(
                    "Download links work for 15 minutes. If one stops working, open this page again.",
                    class_name="caption not-kiosk",
                ),
                rx.el.p(
                    "Downloads are switched off on this shared screen, so nothing is left on it. Sign in on your "
                    "own phone or computer to download your data.",
                    class_name="notice kiosk-only",
                ),
            ),
            loading_or_offline("Loading…", "You're offline. Connect to the internet to download your data."),
        ),
        rx.el.h2("Is something wrong, or do you want something deleted?"),
        rx.el.p(
            rx.el.a("Ask us to correct or delete information about you", href=routes.DATA_REQUEST),
            ". We answer within one month.",
        ),
        rx.el.h2("What we hold outside the portal"),
        rx.el.p(
            f"{s.landlord_name} also keeps records outside the portal, for example letters and notes of calls. "
            f"To ask for a copy of everything we hold about you, email our data protection officer at "
            f"{s.data_protection_officer_email}."
        ),
        rx.el.p(rx.el.a("Read our privacy notice", href=routes.PRIVACY), "."),
    )
