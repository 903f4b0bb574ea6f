"""The back office's first page: what this member of staff's role lets them open, and for
those who deal with requests, how many are theirs, how many of those are overdue, and how
many nobody has yet (each a link to the queue filtered so). And the page a refused
handler sends them to."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.components.back_office import SECTIONS, staff_page
from portal_app.services.requests import office
from portal_app.state.access import current_staff, staff_only
from portal_app.state.database import in_transaction
from portal_app.state.staff import StaffState

WHAT_EACH_IS = {
    routes.STAFF_QUEUE: "Residents' requests: assign, answer, approve or decline, and close them.",
    routes.STAFF_REPAIRS: (
        "Repairs reported online and by phone: priorities, notes, appointments, completion, and Awaab's Law's "
        "deadlines, overdue ones first."
    ),
    routes.STAFF_RESIDENTS: "Find a resident, see their accounts and requests as they see them, and help with their sign-in.",
    routes.STAFF_REGISTRATION: "Pause and resume new sign-ups, and see who is waiting.",
    routes.STAFF_IMPORTS: "Upload the landlord's data feed and see what each import did.",
    routes.STAFF_AUDIT: "Who looked at or changed what, and when: search and export.",
    routes.STAFF_TEAM: "Staff accounts: create them, change roles, disable them.",
}


def _count_words(n: int, one: str, many: str) -> str:
    return one if n == 1 else many.format(n=n)


class StaffHomeState(StaffState):
    counts: list[dict[str, str]] = []

    @staff_only("manage_requests")
    @rx.event
    async def load_counts(self):
        """Drawn (and so called) only for a role that deals with requests: see the page."""
        found = await in_transaction(office.request_counts, current_staff().staff_id, now=utcnow())
        self.counts = [
            {
                "words": _count_words(
                    found.mine_open, "1 open request assigned to you", "{n} open requests assigned to you"
                ),
                "href": routes.staff_queue(assigned=office.ME),
            },
            {
                "words": _count_words(found.mine_overdue, "1 of them is overdue", "{n} of them are overdue"),
                "href": routes.staff_queue(assigned=office.ME, age=office.OVERDUE),
            },
            {
                "words": _count_words(found.unassigned, "1 request nobody has yet", "{n} requests nobody has yet"),
                "href": routes.staff_queue(assigned=office.UNASSIGNED),
            },
        ]


def _counts() -> rx.Component:
    # Only a role that deals with requests draws this, and its mount asks for the counts:
    # the page loads for every role, and the counts' handler needs manage_requests.
    return rx.cond(
        StaffState.staff_can.contains("manage_requests"),
        rx.el.section(
            rx.el.h2("Your requests"),
            rx.el.ul(
                rx.foreach(StaffHomeState.counts, lambda c: rx.el.li(rx.el.a(c["words"], href=c["href"]))),
                class_name="list",
            ),
            on_mount=StaffHomeState.load_counts,
            aria_label="Your requests",
        ),
    )


@staff_page(routes.STAFF_HOME, "Back office")
def staff_home_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Back office"),
        _counts(),
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
