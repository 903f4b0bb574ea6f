"""Where a resident lands after signing out (a kiosk goes to the start page instead)."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components.layout import page


@page(routes.SIGNED_OUT, "You have signed out")
def signed_out_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("You have signed out"),
        rx.el.p(
            "Your session has ended on our server. If you are on a shared computer, you can close the browser now."
        ),
        rx.el.a("Sign in again", href=routes.SIGN_IN, class_name="button"),
    )
