"""The identity domain's background jobs: forget throttle counters, cookie handoffs and
two-step setups nothing reads any more.

Failed sign-ins, registration tries and reset emails are counted as ``ThrottleHit`` rows
(``services/throttle.py``); the longest window any of those rules looks back over is a
day, so rows older than two days can go. The one exception is the addresses an account
signed in from (``lockout.KNOWN_PREFIX``), remembered for ``lockout.KNOWN_ADDRESS_DAYS``.
A two-step setup's key waits on the server, encrypted, for fifteen minutes
(``two_step.SETUP_VALID``); one left past that is forgotten.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal_app import worker
from portal_app.services import throttle
from portal_app.services.identity import handoff, lockout, two_step

# Throttle counters older than this count for nothing (the longest window is a day).
KEEP_THROTTLE_HITS = timedelta(days=2)
KEEP_KNOWN_ADDRESSES = timedelta(days=lockout.KNOWN_ADDRESS_DAYS)

log = logging.getLogger(__name__)


@worker.job("identity.purge_old_throttle_hits", every=timedelta(minutes=10))
def purge_old_throttle_hits(*, engine: Engine, now: datetime) -> int:
    """Delete throttle counters older than ``KEEP_THROTTLE_HITS`` (known addresses: older than
    ``KEEP_KNOWN_ADDRESSES``); returns how many went."""
    with Session(engine) as s:
        removed = throttle.purge_older_than(s, now - KEEP_THROTTLE_HITS, keep_prefixes=(lockout.KNOWN_PREFIX,))
        removed += throttle.purge_prefix_older_than(s, lockout.KNOWN_PREFIX, now - KEEP_KNOWN_ADDRESSES)
        s.commit()
    if removed:
        log.info("%d old throttle counters removed", removed)
    return removed


@worker.job("identity.purge_cookie_handoffs", every=timedelta(minutes=10))
def purge_cookie_handoffs(*, engine: Engine, now: datetime) -> int:
    """Delete cookie handoff codes used or late for an hour (``handoff.purge``)."""
    with Session(engine) as s:
        removed = handoff.purge(s, now=now)
        s.commit()
    return removed


@worker.job("identity.forget_abandoned_two_step_setups", every=timedelta(minutes=10))
def forget_abandoned_two_step_setups(*, engine: Engine, now: datetime) -> int:
    """Forget the keys of two-step setups left unfinished past ``two_step.SETUP_VALID``."""
    with Session(engine) as s:
        removed = two_step.forget_expired_setups(s, now=now)
        s.commit()
    if removed:
        log.info("%d abandoned two-step setups forgotten", removed)
    return removed
