"""Emails about a resident's own account (locked, password changed, two-step on or off).

One shape for all of them, sent only to the account's own verified address, so
sign-in, lockout and two-step can each queue one without importing each other.
Nothing here commits: the mail is queued in the caller's unit of work and goes
only if that commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from portal_app.models import Person, PortalUser
from portal_app.services.mail import outbox
from portal_app.settings import get_settings


def _first_name(session: Session, user: PortalUser) -> str | None:
    person = session.get(Person, user.person_id)
    return person.first_name if person and person.first_name else None


def queue_account_mail(
    session: Session, user: PortalUser, *, subject: str, text: str, kind: str, now: datetime
) -> None:
    """Queue a plain-text email about the account to its own (verified) address."""
    settings = get_settings()
    name = _first_name(session, user)
    body = (
        f"{f'Dear {name}' if name else 'Hello'},\n"
        f"\n"
        f"{text}\n"
        f"\n"
        f"If you need help, contact us:\n"
        f"\n"
        f"Phone: {settings.landlord_phone} ({settings.landlord_hours})\n"
        f"Email: {settings.landlord_email}\n"
        f"\n"
        f"{settings.landlord_name}\n"
        f"\n"
        f"This email was sent automatically. Please do not reply to it.\n"
    )
    outbox.queue_mail(session, to=user.email, subject=subject, body=body, kind=kind, now=now)


__all__ = ["queue_account_mail"]
