"""The back office's first page: what this member of staff's role lets them open.
And the page a refused handler sends them to."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components.back_office import SECTIONS, staff_page
from portal_app.state.staff import StaffState

WHAT_EACH_IS = {
    routes.STAFF_QUEUE: "Residents' requests: assign, answer, approve or decline, and close them.",
    routes.STAFF_RESIDENTS: "Find a resident, see their accounts and requests as they see them, and help with their sign-in.",
    routes.STAFF_REGISTRATION: "Pause and resume new sign-ups, and see who is waiting.",
    routes.STAFF_IMPORTS: "Upload the landlord's data feed and see what each import did.",
    routes.STAFF_AUDIT: "Who looked at or changed what, and when: search and export.",
    routes.STAFF_TEAM: "Staff accounts: create them, change roles, disable them.",
}


@staff_page(routes.STAFF_HOME, "Back office")
def staff_home_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Back office"),
        rx.el.ul(
            *[
                rx.cond(
                    StaffState.staff_can.contains(permission),
                    rx.el.li(rx.el.a(text, href=path, class_name="link-strong"), rx.el.p(WHAT_EACH_IS[path])),
                )
                for path, text, permission in SECTIONS
            ],
            class_name="list-spaced",
        ),
    )


@staff_page(routes.STAFF_NOT_ALLOWED, "Not allowed")
def staff_not_allowed_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("You cannot do that with your role"),
        rx.el.p(
            "Nothing was changed. If you need to do this as part of your work, ask an administrator to change your role."
        ),
        rx.el.p(rx.el.a("Go to the back office's first page", href=routes.STAFF_HOME)),
    )
