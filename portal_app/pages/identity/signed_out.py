"""Where a resident lands after signing out (a kiosk goes to the start page instead), and
after "Not you?" on the home page: a page of its own that says what was done and what to
do next (issue 13 item 23), matching the email sent with it (``resets.queue_reset_link``,
reason "not_me")."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components.layout import page
from portal_app.settings import get_settings


@page(routes.SIGNED_OUT, "You have signed out")
def signed_out_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("You have signed out"),
        rx.el.p(
            "Your session has ended on our server. If you are on a shared computer, you can close the browser now."
        ),
        rx.el.a("Sign in again", href=routes.SIGN_IN, class_name="button"),
    )


NOT_ME_HEADING = "We have signed you out everywhere"


@page(routes.SIGNED_OUT_NOT_ME, NOT_ME_HEADING)
def signed_out_not_me_page() -> rx.Component:
    s = get_settings()
    return rx.fragment(
        rx.el.h1(NOT_ME_HEADING),
        rx.el.p("You told us a sign-in to your account was not you. We have:", class_name="lead"),
        rx.el.ul(
            rx.el.li("ended every session of your account, on every device, this one included"),
            rx.el.li("emailed you a link to choose a new password"),
        ),
        rx.el.h2("What to do next"),
        rx.el.ol(
            rx.el.li(
                "Open the email we have sent you and choose a new password with its link, one that you do not "
                f"use anywhere else. The link works once, for {s.reset_valid_minutes} minutes. Until you choose "
                "a new password, your current one still works."
            ),
            rx.el.li(
                "Sign in with your new password and look at your sign-in history for any other sign-ins that "
                "were not you."
            ),
            rx.el.li("Turn on two-step sign-in on the Sign-in and security page, so a password alone is not enough."),
            rx.el.li("If you use the same password anywhere else, your email especially, change it there too."),
        ),
        rx.el.p(
            "Not got the email? Check your spam or junk folder, or ",
            rx.el.a("ask for a new link", href=routes.FORGOT_PASSWORD),
            ".",
        ),
        rx.el.p(
            f"If you think someone has been using your account, contact us: phone {s.landlord_phone} "
            f"({s.landlord_hours}) or email {s.landlord_email}."
        ),
        rx.el.a("Choose a new password", href=routes.FORGOT_PASSWORD, class_name="button"),
    )
