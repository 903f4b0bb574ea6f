"""The page every unknown address shows, in the portal's own frame (issue 13 item 24), in
place of Reflex's bare "404: Page not found". The words follow the GOV.UK Design System's
"Page not found" pattern; the way back is the start page, the resident's accounts when
signed in, and how to contact us."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components.layout import page, session_switch
from portal_app.settings import get_settings


def _ways_back(signed_in: bool, hint: str) -> rx.Component:
    links = [rx.el.li(rx.el.a("Go to the start page", href=routes.START))]
    if signed_in:
        links.insert(0, rx.el.li(rx.el.a("Go to your accounts", href=routes.HOME)))
    else:
        links.append(rx.el.li(rx.el.a("Sign in", href=routes.SIGN_IN)))
    return rx.el.ul(*links, class_name=hint or None)


@page(routes.NOT_FOUND, "Page not found")
def not_found_page() -> rx.Component:
    s = get_settings()
    return rx.fragment(
        rx.el.h1("Page not found"),
        rx.el.p("If you typed the web address, check it is correct."),
        rx.el.p("If you pasted the web address, check you copied the entire address."),
        rx.el.p(
            "If the web address is correct or you selected a link or button, contact us: phone "
            f"{s.landlord_phone} ({s.landlord_hours}) or email {s.landlord_email}."
        ),
        rx.el.h2("Where to go instead"),
        session_switch(lambda hint: _ways_back(True, hint), lambda hint: _ways_back(False, hint)),
    )
