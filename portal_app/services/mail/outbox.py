"""The mail outbox: written in the caller's transaction, delivered after commit.

``queue_mail`` adds a row to the caller's session, so the message exists exactly
when the action that caused it commits. ``deliver_due`` sends what is due, one
message per short transaction, retrying failures with exponential backoff; a
message is never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal_app.integrations.mail import LocalTransport, Mail, MailTransport
from portal_app.models import OutboxMessage
from portal_app.settings import get_settings

MAX_BACKOFF = timedelta(minutes=30)


@dataclass(frozen=True)
class OutboxItem:
    id: int
    to_address: str
    subject: str
    body_text: str
    kind: str
    created_at: datetime
    status: str
    attempts: int


def queue_mail(session: Session, *, to: str, subject: str, body: str, kind: str, now: datetime) -> None:
    session.add(
        OutboxMessage(to_address=to, subject=subject, body_text=body, kind=kind, created_at=now, next_attempt_at=now)
    )
    session.flush()


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... capped at 30 minutes."""
    return min(timedelta(seconds=5 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver_due(engine: Engine, transport: MailTransport, now: datetime, limit: int = 50) -> tuple[int, int]:
    """Send every pending message that is due. Returns (delivered, failed)."""
    settings = get_settings()
    with Session(engine) as session:
        due = session.exec(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()
    delivered = failed = 0
    for message_id in due:
        with Session(engine) as session:
            message = session.get(OutboxMessage, message_id)
            if message is None or message.status != "pending":
                continue
            mail = Mail(message.to_address, message.subject, message.body_text, settings.mail_from)
            message.attempts += 1
            try:
                transport.send(mail)
            except Exception as exc:  # noqa: BLE001 - any failure is retried later
                message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                message.next_attempt_at = now + backoff(message.attempts)
                failed += 1
            else:
                message.status = "local" if isinstance(transport, LocalTransport) else "sent"
                message.sent_at = now
                message.last_error = None
                delivered += 1
            session.add(message)
            session.commit()
    return delivered, failed


# What a delivered message's text becomes once it has been kept for RETAIN_MAIL_BODY_DAYS.
EMPTIED_BODY = ""
DELIVERED_STATUSES = ("sent", "local")


def empty_delivered_bodies(session: Session, *, before: datetime) -> int:
    """Empty the text of every message delivered before ``before``: it may hold a code or a
    link, and its reader has it in their inbox. The envelope (to, subject, kind, dates,
    status, attempts) stays, so what was sent to whom and when can still be shown. A message
    not yet delivered keeps its text until it is. Returns how many were emptied; the caller
    commits."""
    result = session.exec(
        update(OutboxMessage)
        .where(
            OutboxMessage.status.in_(DELIVERED_STATUSES),
            OutboxMessage.sent_at < before,
            OutboxMessage.body_text != EMPTIED_BODY,
        )
        .values(body_text=EMPTIED_BODY)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)


def recent_messages(session: Session, *, to: str | None = None, limit: int = 50) -> list[OutboxItem]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if to:
        stmt = stmt.where(OutboxMessage.to_address == to.strip().lower())
    return [
        OutboxItem(m.id, m.to_address, m.subject, m.body_text, m.kind, m.created_at, m.status, m.attempts)
        for m in session.exec(stmt).all()
    ]
