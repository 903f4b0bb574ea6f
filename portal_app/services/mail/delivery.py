"""Delivering the outbox: one pass over the mail that is due.

The worker (``portal_app/worker.py``) runs ``deliver_once`` every two seconds as the
job ``mail.deliver`` (registered in ``services/mail/jobs.py``); ``python -m portal_app
send-mail`` runs it once. Mail is written to the outbox in the transaction of the action
that caused it; this sends what has been committed, claiming each message before sending
it, and ``outbox.deliver_due`` retries failures with backoff, so stopping or crashing the
worker never loses a message, and several workers never send one twice.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.engine import Engine

from portal_app.clock import utcnow
from portal_app.integrations.mail import MailTransport
from portal_app.services.mail import outbox

log = logging.getLogger(__name__)


# The most one run sends: a backlog is worked through in a few runs, each short enough
# that the worker stops soon when told to.
PER_RUN = 100


def deliver_once(engine: Engine, transport: MailTransport, *, now: datetime | None = None) -> tuple[int, int]:
    """Deliver the messages due at ``now``, oldest first, up to ``PER_RUN``. Returns (delivered, failed)."""
    delivered, failed = outbox.deliver_due(engine, transport, now or utcnow(), limit=PER_RUN)
    if delivered or failed:
        log.info("outbox: %d delivered, %d failed (%s)", delivered, failed, transport.name)
    return delivered, failed
