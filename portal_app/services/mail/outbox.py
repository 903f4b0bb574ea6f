"""The mail outbox: written in the caller's transaction, delivered after commit.

``queue_mail`` adds a row to the caller's session, so the message exists exactly
when the action that caused it commits. ``deliver_due`` sends what is due, oldest
first, claiming each message (a lease on its row) before sending it, so any number of
deliverers on any number of machines send it once; failures are retried with
exponential backoff; a message is never dropped.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal_app.integrations.mail import (
    LocalTransport,
    Mail,
    MailServerUnavailable,
    MailTransport,
    Undeliverable,
    route,
)
from portal_app.models import OutboxMessage
from portal_app.settings import get_settings

MAX_BACKOFF = timedelta(minutes=30)

log = logging.getLogger(__name__)


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


def deliverer_name() -> str:
    """Who is delivering, as the outbox's ``claimed_by`` records it: machine, process, thread."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:120]


def message_id_for(message_id: int, created_at: datetime, mail_from: str) -> str:
    """The one Message-ID a message carries on every attempt, so a receiving system can
    throw away a second copy (the at-least-once window, below)."""
    domain = mail_from.rpartition("@")[2].strip(" >") or "doorstep.localhost"
    return f"<outbox-{message_id}.{int(created_at.timestamp())}@{domain}>"


def _free(now: datetime):
    """A message no deliverer holds at ``now``: never claimed, settled, or its lease run out."""
    return or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now)


def _claim_next(engine: Engine, *, now: datetime, claimer: str, lease: timedelta, after: int) -> OutboxMessage | None:
    """Take the oldest due message nobody holds (id above ``after``) and hold it until
    ``now + lease``, in a transaction of its own. PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so
    deliverers at the same moment take different messages without waiting for each other;
    SQLite (one writer at a time): an ``UPDATE`` that only changes a row still free, its
    row count saying whether this deliverer got it."""
    free = _free(now)
    with Session(engine, expire_on_commit=False) as session:
        while True:
            due = select(OutboxMessage.id).where(
                OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now, OutboxMessage.id > after, free
            )
            if engine.dialect.name == "postgresql":
                found = session.exec(due.order_by(OutboxMessage.id).limit(1).with_for_update(skip_locked=True)).first()
                candidates = [found] if found is not None else []
            else:
                candidates = list(session.exec(due.order_by(OutboxMessage.id).limit(20)).all())
            if not candidates:
                session.rollback()
                return None
            for message_id in candidates:
                taken = session.exec(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending", free)
                    .values(claimed_by=claimer, lease_until=now + lease, attempts=OutboxMessage.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount == 1:
                    session.commit()
                    return session.get(OutboxMessage, message_id)
            after = candidates[-1]  # every one was taken a moment ago by another deliverer: look further on


def _settle(engine: Engine, message_id: int, claimer: str, **values) -> bool:
    """Record how the send went, only if this deliverer still holds the message."""
    with Session(engine) as session:
        done = session.exec(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id, OutboxMessage.claimed_by == claimer, OutboxMessage.status == "pending"
            )
            .values(lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    return done.rowcount == 1


def _hold_back(engine: Engine, *, until: datetime, error: str, now: datetime, channels: tuple[str, ...]) -> None:
    """Move every pending message nobody holds that would be due before ``until`` to ``until``:
    the mail server is down, so they wait for the one next try the message that found it
    down was given, and are then sent oldest first. Their attempts stay as they were (none
    of them was tried); their last error says why they wait."""
    free = _free(now)
    with Session(engine) as session:
        session.exec(
            update(OutboxMessage)
            .where(
                OutboxMessage.status == "pending",
                OutboxMessage.next_attempt_at < until,
                OutboxMessage.channel.in_(channels),  # texts by Notify wait apart from mail by SMTP
                free,
            )
            .values(next_attempt_at=until, last_error=error)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def deliver_due(
    engine: Engine,
    transport: MailTransport,
    now: datetime,
    limit: int = 50,
    *,
    claimer: str | None = None,
    lease: timedelta | None = None,
) -> tuple[int, int]:
    """Send up to ``limit`` pending messages that are due, oldest first. Returns (delivered, failed).

    Each message is claimed before it is sent (``_claim_next``: a lease on its row, in a
    transaction of its own), sent outside any transaction, and then marked sent (or given
    its next try) by its claimer only. Several deliverers at once never send one message
    twice; one that dies holding a message leaves it to whoever comes after its lease.

    Exactly once ends at the mail server: a deliverer that dies after the server accepted
    a message and before it marked it sent (the two statements straight after the send)
    leaves it to be sent again after the lease, with the same Message-ID header. That is
    at-least-once, in a window of one short ``UPDATE``.

    A message the server refuses, or that fails once connected, waits on its own and the
    pass goes on. A server that cannot be reached ends the pass after one try: every waiting message
    is held to that message's next try (``_hold_back``), so an outage costs one connection
    a try, not one per message, and the backlog goes out oldest first when it is back.

    ``now`` is the time of this pass (``sent_at``, the next try); the leases move on from it
    with the wall clock while the pass runs, so a lease taken late in a long pass is as long
    as one taken at its start.
    """
    settings = get_settings()
    claimer = claimer or deliverer_name()
    lease = lease or timedelta(seconds=settings.mail_lease_seconds)
    started = time.monotonic()
    delivered = failed = 0
    after = 0  # a message that failed in this pass is not tried again in it
    for _ in range(limit):
        current = now + timedelta(seconds=time.monotonic() - started)
        message = _claim_next(engine, now=current, claimer=claimer, lease=lease, after=after)
        if message is None:
            break
        after = message.id
        mail = Mail(
            message.to_address,
            message.subject,
            message.body_text,
            settings.mail_from,
            message_id=message_id_for(message.id, message.created_at, settings.mail_from),
            channel=message.channel,
            kind=message.kind,
            reference=f"outbox-{message.id}",
        )
        sender = route(transport, message.channel)  # a text to a transport without texts stays local
        try:
            provider_ref = sender.send(mail)
        except Undeliverable as exc:  # the provider will never take it as it is: recorded, not tried again
            error = f"{type(exc).__name__}: {exc}"[:1000]
            _settle(engine, message.id, claimer, status="failed", sent_at=now, claimed_by=None, last_error=error)
            log.warning("outbox message %s (%s) was refused: %s", message.id, message.kind, error)
            failed += 1
            continue
        except Exception as exc:  # noqa: BLE001 - any failure is retried later
            down = isinstance(exc, MailServerUnavailable)
            reason = exc.__cause__ if down and exc.__cause__ is not None else exc
            error = f"{type(reason).__name__}: {reason}"[:1000]
            retry_at = now + backoff(message.attempts)
            _settle(engine, message.id, claimer, claimed_by=None, last_error=error, next_attempt_at=retry_at)
            failed += 1
            if down:  # nobody can be sent to: everything waiting waits with it, and goes in order after
                channels = tuple(c for c in ("email", "sms") if route(transport, c) is sender)
                _hold_back(engine, until=retry_at, error=error, now=current, channels=channels or (message.channel,))
                if {"email", "sms"} <= set(channels):
                    break
                # the other channel's transport may be up: the pass goes on with its messages
            continue
        status = "local" if isinstance(sender, LocalTransport) else "sent"
        receipt = {"provider_ref": provider_ref[:64], "delivery_status": "created"} if provider_ref else {}
        if _settle(engine, message.id, claimer, status=status, sent_at=now, last_error=None, **receipt):
            delivered += 1
        else:  # the lease ran out mid-send and another deliverer took it over
            log.warning(
                "outbox message %s was sent after its lease ended; another deliverer may send it too", message.id
            )
    return delivered, failed


# What a delivered message's text becomes once it has been kept for RETAIN_MAIL_BODY_DAYS.
EMPTIED_BODY = ""
# "failed": refused by the provider, or not delivered (services/mail/receipts.py): it has left
# the outbox too (``sent_at`` is when), and its text may hold a code as well.
DELIVERED_STATUSES = ("sent", "local", "failed")


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
