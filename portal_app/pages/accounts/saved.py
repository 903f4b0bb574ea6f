"""Saved on this device: the statements kept on this phone or computer, to open offline.

The list is the device's, not the server's: assets/pwa.js fills it from the browser's
cache, so it works with no connection. Nothing here is sent to the backend.
"""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components.layout import page


@page(routes.SAVED_STATEMENTS, "Statements saved on this device")
def saved_statements_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Statements saved on this device"),
        rx.el.div(
            rx.el.p(
                "Each statement you open while you are online is kept on this phone, tablet or computer, so you can "
                "open it again without a connection. Each one says when it was produced: payments and charges after "
                "that are not on it."
            ),
            rx.el.p("Saved statements are removed from this device when you sign out, or when you choose Remove."),
            rx.el.ul(id="saved-statements-list", class_name="saved-list"),
            rx.el.p("There are no statements saved on this device.", id="saved-statements-empty"),
            rx.el.button(
                "Remove saved statements",
                id="saved-statements-remove",
                type="button",
                class_name="button button--warning",
                hidden=True,
            ),
            rx.el.p(id="saved-statements-status", role="status", class_name="hint"),
            class_name="not-kiosk",
        ),
        rx.el.p("This is a shared computer: nothing is saved on it.", class_name="kiosk-only"),
        rx.el.p(rx.el.a("See your statements", href=routes.STATEMENT), " (you need to be online and signed in)."),
    )
