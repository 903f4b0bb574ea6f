"""Text messages: written to the outbox like mail (``channel="sms"``), in the caller's
transaction, and sent by the same deliverer (services/mail/outbox.py) through GOV.UK
Notify when ``NOTIFY_API_KEY`` is set (integrations/notify.py), else kept in the local
outbox (the dev mailbox shows them).

``text_resident`` texts a resident only when they chose texts (``PortalUser.texts_wanted``,
"Your details and preferences") and have a UK mobile; the email that goes with it is
sent as before. Codes (registration, a new email address) stay by email: each proves the
address it is sent to, and there is no account with a choice of texts before registration.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlmodel import Session

from portal_app.models import OutboxMessage, PortalUser

# What the outbox keeps as a text's subject (not sent: the mailbox shows it as the heading).
TEXT_SUBJECT = "Text message"
# A UK mobile: +447 and nine digits (E.164), however it was typed.
_UK_MOBILE = re.compile(r"^\+447\d{9}$")
# Texts are kept short: Notify charges by the 160-character fragment, and 918 is its most.
MAX_TEXT = 612


def uk_mobile(number: object) -> str | None:
    """``number`` as E.164 (+447...) if it is a UK mobile number, else None."""
    if not isinstance(number, str):
        return None
    digits = re.sub(r"[\s()\-.]", "", number.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    elif digits.startswith("07"):
        digits = "+44" + digits[1:]
    elif digits.startswith("447"):
        digits = "+" + digits
    return digits if _UK_MOBILE.match(digits) else None


def queue_text(session: Session, *, to: str, body: str, kind: str, now: datetime) -> None:
    """Add a text to ``to`` (a UK mobile number, E.164) to the caller's transaction."""
    number = uk_mobile(to)
    if number is None:
        raise ValueError("a text needs a UK mobile number")
    session.add(
        OutboxMessage(
            to_address=number,
            subject=TEXT_SUBJECT,
            body_text=body[:MAX_TEXT],
            kind=kind,
            channel="sms",
            created_at=now,
            next_attempt_at=now,
        )
    )
    session.flush()


def wants_texts(user: PortalUser | None) -> str | None:
    """The resident's mobile if they chose texts and have a UK mobile, else None."""
    if user is None or not user.texts_wanted or user.status != "active":
        return None
    return uk_mobile(user.mobile)


def text_resident(session: Session, user: PortalUser | None, *, body: str, kind: str, now: datetime) -> bool:
    """Text ``user`` if they chose texts (and have a mobile); whether a text was queued."""
    number = wants_texts(user)
    if number is None:
        return False
    queue_text(session, to=number, body=body, kind=kind, now=now)
    return True


def repair_text(*, landlord: str, reference: str, headline: str, line: str = "") -> str:
    """A short text about a repair: "Northbrook Homes: Your repair appointment is booked.
    Appointment: Tuesday 15 December 2026, 8am to 12 noon. Repair R1234."."""
    detail = f" {line.rstrip('.')}." if line else ""
    return f"{landlord}: {headline}{detail} Repair {reference}."


__all__ = ["TEXT_SUBJECT", "queue_text", "repair_text", "text_resident", "uk_mobile", "wants_texts"]
