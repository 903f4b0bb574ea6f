"""The identity domain's background jobs: delete what the portal no longer needs, after
the periods the privacy notice states (``services/identity/retention.py``, each a setting).

* Failure counters (``ThrottleHit``: failed sign-ins, registration tries, reset emails)
  after ``RETAIN_THROTTLE_HOURS`` (never sooner than the longest window a rule counts
  over), and the addresses an account signed in from (``lockout.KNOWN_PREFIX``) after
  ``SIGNIN_KNOWN_ADDRESS_DAYS``.
* Cookie handoff codes used or late for ``RETAIN_HANDOFF_MINUTES``.
* Registration attempts and reset links ``RETAIN_EXPIRED_CODES_HOURS`` after they stopped working.
* Residents' and staff sessions ``RETAIN_ENDED_SESSIONS_DAYS`` after they ended.
* Waiting-list entries ``RETAIN_WAITING_LIST_DAYS`` after their invitation was sent.
* A two-step setup's key waits on the server, encrypted, for fifteen minutes
  (``two_step.SETUP_VALID``); one left past that is forgotten.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal_app import worker
from portal_app.services.identity import handoff, retention, two_step
from portal_app.settings import get_settings

log = logging.getLogger(__name__)


def _purge(engine: Engine, work, what: str, **kwargs) -> int:
    """Run one purge in its own unit of work; log how many ``what`` went, if any."""
    with Session(engine) as s:
        removed = work(s, **kwargs)
        s.commit()
    if removed:
        log.info("%d %s", removed, what)
    return removed


@worker.job("identity.purge_old_throttle_hits", every=timedelta(minutes=10))
def purge_old_throttle_hits(*, engine: Engine, now: datetime) -> int:
    """Delete failure counters past ``retention.throttle_keep`` (known addresses: past
    ``retention.known_address_keep``); returns how many went."""
    return _purge(
        engine, retention.purge_throttle_hits, "old throttle counters removed", now=now, settings=get_settings()
    )


@worker.job("identity.purge_cookie_handoffs", every=timedelta(minutes=10))
def purge_cookie_handoffs(*, engine: Engine, now: datetime) -> int:
    """Delete cookie handoff codes used or late for ``RETAIN_HANDOFF_MINUTES`` (``handoff.purge``)."""
    return _purge(
        engine,
        handoff.purge,
        "used or late cookie handoff codes removed",
        now=now,
        keep=retention.handoff_keep(get_settings()),
    )


@worker.job("identity.purge_expired_codes", every=timedelta(minutes=10))
def purge_expired_codes(*, engine: Engine, now: datetime) -> int:
    """Delete registration attempts and reset links past ``RETAIN_EXPIRED_CODES_HOURS``."""
    return _purge(
        engine,
        retention.purge_expired_codes,
        "expired registration attempts and reset links removed",
        now=now,
        settings=get_settings(),
    )


@worker.job("identity.purge_ended_sessions", every=timedelta(hours=1))
def purge_ended_sessions(*, engine: Engine, now: datetime) -> int:
    """Delete residents' and staff sessions that ended more than ``RETAIN_ENDED_SESSIONS_DAYS`` ago."""
    return _purge(engine, retention.purge_ended_sessions, "ended sessions removed", now=now, settings=get_settings())


@worker.job("identity.purge_invited_waiting_list", every=timedelta(hours=1))
def purge_invited_waiting_list(*, engine: Engine, now: datetime) -> int:
    """Delete waiting-list entries invited more than ``RETAIN_WAITING_LIST_DAYS`` ago."""
    return _purge(
        engine,
        retention.purge_invited_waiting_list,
        "invited waiting-list entries removed",
        now=now,
        settings=get_settings(),
    )


@worker.job("identity.forget_abandoned_two_step_setups", every=timedelta(minutes=10))
def forget_abandoned_two_step_setups(*, engine: Engine, now: datetime) -> int:
    """Forget the keys of two-step setups left unfinished past ``two_step.SETUP_VALID``."""
    return _purge(engine, two_step.forget_expired_setups, "abandoned two-step setups forgotten", now=now)
