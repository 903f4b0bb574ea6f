"""Counting events under a key in a sliding window (failed sign-ins, registration tries,
reset emails), growing waits, and the client address the counts are kept for.

A wait is never served by sleeping: a try inside it is refused, and told how many seconds
are left (``seconds_left``). Keys that hold an email address or a client address hold only
a keyed hash of it (``digest``).
"""

from __future__ import annotations

import ipaddress
import math
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, func, select

from portal_app.models import ThrottleHit
from portal_app.services import tokens

# The longest exponent a wait is worked out with (2**30 seconds is decades: far past any cap).
_MAX_DOUBLINGS = 30


def record_hit(session: Session, key: str, now: datetime) -> None:
    session.add(ThrottleHit(key=key, at=now))
    session.flush()


def hits_since(session: Session, key: str, now: datetime, window: timedelta) -> int:
    stmt = select(func.count()).select_from(ThrottleHit).where(ThrottleHit.key == key, ThrottleHit.at > now - window)
    return int(session.exec(stmt).one())


def count_and_latest(session: Session, key: str, now: datetime, window: timedelta) -> tuple[int, datetime | None]:
    """How many hits ``key`` has inside the window, and when the latest of them was."""
    stmt = select(func.count(), func.max(ThrottleHit.at)).where(ThrottleHit.key == key, ThrottleHit.at > now - window)
    found, latest = session.exec(stmt).one()
    return int(found), latest


def counts_under_prefix(
    session: Session, prefix: str, now: datetime, window: timedelta
) -> list[tuple[str, int, datetime]]:
    """Every key starting with ``prefix`` that has hits inside the window: (key, how many,
    the latest), one row per key."""
    stmt = (
        select(ThrottleHit.key, func.count(), func.max(ThrottleHit.at))
        .where(col(ThrottleHit.key).startswith(prefix, autoescape=True), ThrottleHit.at > now - window)
        .group_by(ThrottleHit.key)
        .order_by(ThrottleHit.key)
    )
    return [(key, int(found), latest) for key, found, latest in session.exec(stmt).all()]


def clear_hits(session: Session, key: str) -> None:
    session.exec(delete(ThrottleHit).where(ThrottleHit.key == key))


def clear_prefix(session: Session, prefix: str) -> None:
    """Forget every key that starts with ``prefix`` (keys are made of letters, digits and ':')."""
    session.exec(delete(ThrottleHit).where(col(ThrottleHit.key).startswith(prefix, autoescape=True)))


def purge_older_than(session: Session, cutoff: datetime, *, keep_prefixes: tuple[str, ...] = ()) -> int:
    """Delete hits older than ``cutoff``, except under keys starting with ``keep_prefixes``."""
    stmt = delete(ThrottleHit).where(ThrottleHit.at < cutoff)
    for prefix in keep_prefixes:
        stmt = stmt.where(~col(ThrottleHit.key).startswith(prefix, autoescape=True))
    result = session.exec(stmt)
    return result.rowcount or 0


def purge_prefix_older_than(session: Session, prefix: str, cutoff: datetime) -> int:
    stmt = delete(ThrottleHit).where(col(ThrottleHit.key).startswith(prefix, autoescape=True), ThrottleHit.at < cutoff)
    return session.exec(stmt).rowcount or 0


# ---------------------------------------------------------------------------
# Growing waits


def backoff_seconds(failures: int, *, free: int, cap: int) -> int:
    """The wait after ``failures`` failures: none for the first ``free - 1``, then 1 second
    after the ``free``-th, doubling with each further failure, never more than ``cap``."""
    free = max(free, 1)
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, _MAX_DOUBLINGS))


def seconds_left(latest: datetime | None, wait_seconds: int, now: datetime) -> int:
    """Whole seconds (rounded up) until ``wait_seconds`` after ``latest`` has passed; 0 when it has."""
    if wait_seconds <= 0 or latest is None:
        return 0
    left = (latest + timedelta(seconds=wait_seconds) - now).total_seconds()
    return max(0, math.ceil(left))


def wait_words(seconds: int) -> str:
    """'1 second', '45 seconds', '2 minutes' (rounded up): how long a page says to wait."""
    seconds = max(1, int(seconds))
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minutes"


# ---------------------------------------------------------------------------
# Naming the client


def client_address(ip: str | None) -> str:
    """The address the throttles count a client by: the IP only (never the User-Agent, which
    the client chooses). An IPv6 address counts by its /64 network, since one home or phone
    is given a whole /64 and can change the rest at will; an IPv4-mapped IPv6 address counts
    as its IPv4 address. Anything unreadable counts as "unknown"."""
    text = (ip or "").strip()
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        return "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{parsed}/64", strict=False))
    return str(parsed)


def digest(value: str, *, purpose: str) -> str:
    """A short keyed hash for a throttle key, so no email or address is kept in the clear."""
    return tokens.hash_token(value, purpose=f"throttle-{purpose}")[:32]


__all__ = [
    "backoff_seconds",
    "clear_hits",
    "clear_prefix",
    "client_address",
    "count_and_latest",
    "counts_under_prefix",
    "digest",
    "hits_since",
    "purge_older_than",
    "purge_prefix_older_than",
    "record_hit",
    "seconds_left",
    "wait_words",
]
