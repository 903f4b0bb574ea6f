"""Counting events under a key in a sliding window (failed sign-ins, registration tries)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, delete, func, select

from portal_app.models import ThrottleHit


def record_hit(session: Session, key: str, now: datetime) -> None:
    session.add(ThrottleHit(key=key, at=now))
    session.flush()


def hits_since(session: Session, key: str, now: datetime, window: timedelta) -> int:
    stmt = select(func.count()).select_from(ThrottleHit).where(ThrottleHit.key == key, ThrottleHit.at > now - window)
    return int(session.exec(stmt).one())


def clear_hits(session: Session, key: str) -> None:
    session.exec(delete(ThrottleHit).where(ThrottleHit.key == key))


def purge_older_than(session: Session, cutoff: datetime) -> int:
    result = session.exec(delete(ThrottleHit).where(ThrottleHit.at < cutoff))
    return result.rowcount or 0
