"""Your sign-in history: when, what and from where, for this resident's own account only.

The lines are the audit log's (``services/identity/history.py``): sign-ins, wrong tries,
waits and extra checks, sign-outs, password and two-step changes, downloads of their
data. Only lines about the signed-in resident's own account are read, by the account id
of their session, never by anything the browser sends."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.components import tables
from portal_app.components.layout import page
from portal_app.components.pwa import loading_or_offline
from portal_app.services.identity import history
from portal_app.state.access import current_principal, resident_only
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState


class SignInHistoryState(SessionState):
    loaded: bool = False
    lines: list[dict[str, str]] = []

    @resident_only
    @rx.event
    async def load(self):
        principal = current_principal()
        found = await in_transaction(history.sign_in_history, principal.user_id)
        self.lines = [
            {"when": line.when, "what": line.what, "where": line.where, "attention": "yes" if line.attention else ""}
            for line in found
        ]
        self.loaded = True


def _what(line: rx.Var) -> rx.Component:
    return rx.cond(line["attention"] != "", rx.el.strong(line["what"]), rx.el.span(line["what"]))


HISTORY_COLUMNS = (
    tables.Column("When", "when", row_header=True),
    tables.Column("What happened", render=_what),
    tables.Column("From where", "where"),
)


@page(routes.SIGN_IN_HISTORY, "Your sign-in history", on_load=SignInHistoryState.load)
def sign_in_history_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Your sign-in history"),
        rx.el.p(
            "Every time someone signs in to your account or tries to, and every change to how you sign in. "
            "Times are UK time. \u201cFrom where\u201d is the internet address and, for sign-ins, the browser."
        ),
        rx.el.p(
            "If you see something you did not do, change your password and turn on two-step sign-in on your ",
            rx.el.a("sign-in and security page", href=routes.SECURITY),
            ".",
            class_name="inset",
        ),
        rx.cond(
            SignInHistoryState.loaded,
            rx.cond(
                SignInHistoryState.lines.length() > 0,
                tables.table(
                    f"Your sign-in history, newest first (the latest {history.HISTORY_LIMIT} events)",
                    HISTORY_COLUMNS,
                    SignInHistoryState.lines,
                    label="Your sign-in history",
                    stack=True,
                ),
                rx.el.p("There is nothing in your sign-in history yet."),
            ),
            loading_or_offline("Loading…", "You're offline. Connect to the internet to see your sign-in history."),
        ),
        rx.el.p(rx.el.a("Back to sign-in and security", href=routes.SECURITY)),
    )
