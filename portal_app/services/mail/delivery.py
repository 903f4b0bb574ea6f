"""The mail worker: delivers the outbox every few seconds until told to stop.

Run it beside the web app (``python -m portal_app worker``) or in a thread. Mail is
written to the outbox in the transaction of the action that caused it; this loop
sends what has been committed, and ``outbox.deliver_due`` retries failures with
backoff, so stopping or crashing the worker never loses a message.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal_app.clock import utcnow
from portal_app.integrations.mail import MailTransport
from portal_app.services.mail import outbox
from portal_app.services import throttle

# Throttle counters older than this count for nothing (the longest window is an hour).
KEEP_THROTTLE_HITS = timedelta(days=2)
# Housekeeping runs about this often (counted in rounds of the loop).
HOUSEKEEPING_EVERY = timedelta(minutes=10)

log = logging.getLogger(__name__)


def deliver_once(engine: Engine, transport: MailTransport, *, now: datetime | None = None) -> tuple[int, int]:
    """Deliver every message due at ``now``. Returns (delivered, failed)."""
    delivered, failed = outbox.deliver_due(engine, transport, now or utcnow())
    if delivered or failed:
        log.info("outbox: %d delivered, %d failed (%s)", delivered, failed, transport.name)
    return delivered, failed


def housekeeping(engine: Engine, *, now: datetime) -> int:
    """Delete throttle counters nothing reads any more, and mark portal payments that the
    landlord's feed has now posted. Returns how many throttle counters went."""
    from portal_app.services.accounts import ledger  # here: the worker must not need the page services to start

    with Session(engine) as s:
        removed = throttle.purge_older_than(s, now - KEEP_THROTTLE_HITS)
        posted = ledger.reconcile_portal_payments(s, now)
        s.commit()
    if removed or posted:
        log.info("housekeeping: %d old throttle counters removed, %d portal payments now posted", removed, posted)
    return removed


def run_forever(
    engine: Engine,
    transport: MailTransport,
    stop_event: threading.Event,
    interval: float = 2.0,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> int:
    """Call ``deliver_once`` every ``interval`` seconds until ``stop_event`` is set.

    An error (database or mail server down) is logged and the loop carries on.
    Returns how many rounds ran.
    """
    rounds = 0
    every = max(1, int(HOUSEKEEPING_EVERY.total_seconds() / max(interval, 0.01)))
    log.info("mail worker started (%s, every %.1f s)", transport.name, interval)
    while not stop_event.is_set():
        try:
            deliver_once(engine, transport, now=clock())
            if rounds % every == 0:
                housekeeping(engine, now=clock())
        except Exception:  # noqa: BLE001 - keep going; the outbox keeps the mail
            log.exception("mail worker round failed; trying again in %.1f s", interval)
        rounds += 1
        stop_event.wait(interval)
    log.info("mail worker stopped")
    return rounds
