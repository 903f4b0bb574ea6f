"""The start page: what the portal does, and the two ways in."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components.layout import page
from portal_app.components.pwa import install_offer
from portal_app.settings import get_settings


@page(routes.START, "Your rent and tenancy online")
def start_page() -> rx.Component:
    s = get_settings()
    return rx.fragment(
        rx.el.h1(f"Your {s.landlord_name} account online"),
        rx.el.p(
            "Check your rent or service charge balance as it is now, see every payment and charge, "
            "and ask us about your account, any time of day, without waiting on the phone.",
            class_name="lead",
        ),
        rx.el.a("Sign in", href=routes.SIGN_IN, class_name="button", role="button"),
        rx.el.a("Register for an account", href=routes.REGISTER, class_name="button button--secondary", role="button"),
        rx.el.div(
            rx.el.h2("Free budget planner", class_name="heading-s"),
            rx.el.p(
                "Work out what comes in and goes out each month. You do not need an account, "
                "and what you enter stays on your device."
            ),
            rx.el.a("Open the budget planner", href=routes.BUDGET),
            class_name="card",
        ),
        rx.el.h2("Before you register"),
        rx.el.p("You will need:"),
        rx.el.ul(
            rx.el.li(
                "your tenancy reference, or your service charge account number if you are a leaseholder (it is on your rent statement or payment card)"
            ),
            rx.el.li("your date of birth"),
            rx.el.li("an email address and a mobile number"),
        ),
        rx.el.p(
            "Current tenants (lead or joint) and leaseholders can register. Household members, people in temporary "
            "accommodation and former tenants cannot register yet: "
            f"phone {s.landlord_phone} or email {s.landlord_email} and we will help you."
        ),
        rx.el.h2("Using a shared computer?"),
        rx.el.p("If your browser offers to remember your password, choose no. Always sign out when you have finished."),
        install_offer(),
    )
