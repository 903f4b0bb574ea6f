"""The accessibility statement."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components.layout import page
from portal_app.settings import get_settings


@page(routes.ACCESSIBILITY, "Accessibility statement")
def accessibility_page() -> rx.Component:
    s = get_settings()
    return rx.fragment(
        rx.el.h1("Accessibility statement"),
        rx.el.p(
            "This portal is built to meet the Web Content Accessibility Guidelines (WCAG) 2.2 at level AA. "
            "You can use it with a keyboard alone, with a screen reader, at 400% zoom and on screens 320 pixels wide."
        ),
        rx.el.p(
            "Every page is checked automatically with axe-core on each change. If you find something that is hard to use, "
            f"tell us: phone {s.landlord_phone} or email {s.landlord_email}."
        ),
    )
