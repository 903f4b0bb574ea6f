"""The mail domain's background jobs: deliver the outbox every two seconds, and empty the
text of delivered mail after ``RETAIN_MAIL_BODY_DAYS``.

Mail is written to the outbox in the transaction of the action that caused it; the
delivery job sends what has been committed, and ``outbox.deliver_due`` retries failures
with backoff, so stopping or crashing the worker never loses a message.

A delivered message's text can hold a registration code or a link to choose a password:
once its reader has it, the portal keeps only the envelope (``outbox.empty_delivered_bodies``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal_app import worker
from portal_app.integrations.mail import MailTransport
from portal_app.services.mail import delivery, outbox, receipts
from portal_app.settings import get_settings

DELIVER_EVERY = timedelta(seconds=2)

log = logging.getLogger(__name__)

worker.job("mail.deliver", every=DELIVER_EVERY)(delivery.deliver_once)


@worker.job("mail.check_delivery", every=receipts.CHECK_EVERY)
def check_delivery(*, engine: Engine, transport: MailTransport, now: datetime) -> int:
    """Read back from GOV.UK Notify what became of the messages it has not finished with
    (services/mail/receipts.py): a temporary failure is tried again, a permanent one recorded."""
    return receipts.check_delivery(engine, transport, now=now)


@worker.job("mail.empty_delivered_bodies", every=timedelta(hours=1))
def empty_delivered_bodies(*, engine: Engine, now: datetime) -> int:
    """Empty the text of mail delivered more than ``RETAIN_MAIL_BODY_DAYS`` ago, keeping the envelope."""
    keep = timedelta(days=max(get_settings().retain_mail_body_days, 0))
    with Session(engine) as s:
        emptied = outbox.empty_delivered_bodies(s, before=now - keep)
        s.commit()
    if emptied:
        log.info("%d delivered emails emptied of their text", emptied)
    return emptied
