"""Delivery receipts from GOV.UK Notify: what became of each message sent through it.

Two ways in, one way to apply them (``apply_status``): the worker's ``mail.check_delivery``
reads back the status of every message Notify has not finished with
(``GET /v2/notifications/{id}``, at most once a minute a message, for Notify's seven days),
and Notify's delivery-status callbacks (``POST /api/notify/callback``,
portal_app/api/notify_callback.py) say the same sooner.

* ``delivered`` (or ``sent``, a text abroad: no more is known): recorded;
* ``temporary-failure`` (a phone off, an inbox full) or ``technical-failure`` (Notify's
  own): the message goes back into the outbox for another try, after the outbox's backoff,
  up to ``MAX_TRIES`` tries in all; after that it is ``failed``;
* ``permanent-failure`` (no such number or address): ``failed``, not tried again.

A status is applied only to the message still waiting for it (``status`` sent, the same
notification id), in one conditional ``UPDATE``, so a callback and a read-back that cross,
or a callback Notify repeats, change it once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal_app.integrations.mail import Channels, MailServerUnavailable, MailTransport
from portal_app.integrations.notify import FINAL_STATUSES, PENDING_STATUSES, RETRYABLE_STATUSES, NotifyError
from portal_app.models import OutboxMessage
from portal_app.services.mail.outbox import backoff

log = logging.getLogger(__name__)

MAX_TRIES = 3  # tries at one message, counting the first
CHECK_EVERY = timedelta(minutes=1)  # one message's status is read back at most this often
KEEP_CHECKING = timedelta(days=7)  # Notify keeps a notification this long
PER_RUN = 100
KNOWN_STATUSES = FINAL_STATUSES | PENDING_STATUSES


def notify_of(transport: MailTransport):
    """The transport that can read Notify's statuses back, if the portal sends through Notify."""
    for candidate in (transport.sms, transport.email) if isinstance(transport, Channels) else (transport,):
        if hasattr(candidate, "delivery_status"):
            return candidate
    return None


def apply_status(session: Session, *, notification_id: str, status: str, now: datetime) -> str:
    """Apply Notify's ``status`` to the message it sent as ``notification_id``; what was done:
    unknown (no such message waiting) | recorded | retry | failed. The caller commits."""
    if status not in KNOWN_STATUSES or not notification_id:
        return "unknown"
    message = session.exec(
        select(OutboxMessage).where(OutboxMessage.provider_ref == notification_id, OutboxMessage.status == "sent")
    ).first()
    if message is None:
        return "unknown"
    values: dict = {"delivery_status": status, "delivery_checked_at": now}
    outcome = "recorded"
    if status in RETRYABLE_STATUSES and message.attempts < MAX_TRIES:
        outcome = "retry"
        values.update(
            status="pending",
            next_attempt_at=now + backoff(message.attempts),
            claimed_by=None,
            lease_until=None,
            last_error=f"GOV.UK Notify: {status} (try {message.attempts} of {MAX_TRIES}); trying again",
        )
    elif status in RETRYABLE_STATUSES or status == "permanent-failure":
        outcome = "failed"
        why = (
            "not delivered" if status == "permanent-failure" else f"still not delivered after {message.attempts} tries"
        )
        values.update(status="failed", last_error=f"GOV.UK Notify: {status}: {why}")
    done = session.exec(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message.id,
            OutboxMessage.status == "sent",
            OutboxMessage.provider_ref == notification_id,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return "unknown"
    if outcome != "recorded":
        log.info("outbox message %s (%s): Notify says %s: %s", message.id, message.channel, status, outcome)
    return outcome


def check_delivery(engine: Engine, transport: MailTransport, *, now: datetime, limit: int = PER_RUN) -> int:
    """Read back the status of messages Notify has not finished with; how many changed."""
    notify = notify_of(transport)
    if notify is None:
        return 0
    with Session(engine) as session:
        waiting = session.exec(
            select(OutboxMessage.id, OutboxMessage.provider_ref)
            .where(
                OutboxMessage.status == "sent",
                OutboxMessage.provider_ref.is_not(None),
                OutboxMessage.delivery_status.in_(sorted(PENDING_STATUSES)),
                OutboxMessage.sent_at > now - KEEP_CHECKING,
                or_(
                    OutboxMessage.delivery_checked_at.is_(None), OutboxMessage.delivery_checked_at <= now - CHECK_EVERY
                ),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()
    changed = 0
    for message_id, ref in waiting:
        try:
            status = notify.delivery_status(ref)
        except MailServerUnavailable as exc:
            log.warning("could not read delivery statuses from GOV.UK Notify: %s", exc)
            break
        except NotifyError as exc:
            log.warning("outbox message %s: GOV.UK Notify has no status for it: %s", message_id, exc)
            status = ""
        with Session(engine) as session:
            if status in PENDING_STATUSES or status not in KNOWN_STATUSES:
                session.exec(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message_id)
                    .values(
                        delivery_checked_at=now, **({"delivery_status": status} if status in PENDING_STATUSES else {})
                    )
                    .execution_options(synchronize_session=False)
                )
            elif apply_status(session, notification_id=ref, status=status, now=now) != "unknown":
                changed += 1
            session.commit()
    return changed


__all__ = ["MAX_TRIES", "apply_status", "check_delivery", "notify_of"]
