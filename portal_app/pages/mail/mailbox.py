"""The local outbox, shown only when the portal runs in development mode (PORTAL_ENV=dev)."""

from __future__ import annotations

import reflex as rx

from portal_app import routes
from portal_app.clock import uk_time_words
from portal_app.components.layout import page
from portal_app.services.mail import outbox
from portal_app.settings import get_settings
from portal_app.state.access import public
from portal_app.state.database import in_transaction
from portal_app.state.session import SessionState


class MailboxState(SessionState):
    messages: list[dict[str, str]] = []

    @public
    @rx.event
    async def load(self):
        """Public by design, and only in development mode: in production it shows nothing."""
        if not get_settings().is_dev:
            self.messages = []
            return rx.redirect(routes.START)
        items = await in_transaction(outbox.recent_messages, limit=50)
        self.messages = [
            {
                "to": m.to_address,
                "subject": m.subject,
                "body": m.body_text,
                "when": uk_time_words(m.created_at),
                "status": m.status,
            }
            for m in items
        ]


@page(routes.DEV_MAILBOX, "Local mailbox (development)", on_load=MailboxState.load)
def mailbox_page() -> rx.Component:
    return rx.fragment(
        rx.el.h1("Local mailbox"),
        rx.el.p("Development mode only: the newest 50 messages the portal has written to its outbox."),
        rx.el.button("Refresh", type="button", class_name="button button--secondary", on_click=MailboxState.load),
        rx.foreach(
            MailboxState.messages,
            lambda m: rx.el.article(
                rx.el.h2(m["subject"]),
                rx.el.p("To ", m["to"], ", ", m["when"], " (", m["status"], ")", class_name="caption"),
                rx.el.pre(m["body"]),
                class_name="mail",
            ),
        ),
    )
