"""Handing a cookie from a websocket event to an HTTP response.

A sign-in step succeeds inside a websocket event, which cannot set an ``HttpOnly``
cookie. So the event leaves the cookies to set (and to clear) here, under a random
single-use code, and sends the browser to ``/api/handoff?code=...`` (``api/handoff.py``),
whose response sets them and sends the browser on to ``next_path``.

The rules:

* the code is 256 random bits, stored only as a keyed hash, and works once, within
  ``HANDOFF_SECONDS``, and only from the client address that earned it (when known);
* what it carries (a new session token, a waiting sign-in's token) is encrypted at
  rest and wiped the moment the code is used;
* a code that is unknown, used, late or from elsewhere gives nothing (the route sends
  the browser to sign in again).

Nothing here commits; ``now`` is passed in (aware UTC).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, select

from portal_app.models import CookieHandoff
from portal_app.services import tokens
from portal_app.services.identity.cookies import KINDS, SetCookie

HANDOFF_SECONDS = 60
HANDOFF_PURPOSE = "cookie-handoff"
KEEP_USED = timedelta(hours=1)  # used and late codes are purged after this (RETAIN_HANDOFF_MINUTES)


@dataclass(frozen=True)
class Handoff:
    """What one code hands over: cookies to set or clear, and where to go next."""

    cookies: tuple[SetCookie, ...]
    next_path: str


def issue(
    session: Session,
    cookies: list[SetCookie] | tuple[SetCookie, ...],
    *,
    next_path: str,
    client_ip: str | None,
    now: datetime,
) -> str:
    """Leave ``cookies`` to be set by the handoff route; returns the single-use code."""
    for cookie in cookies:
        if cookie.kind not in KINDS:
            raise ValueError(f"unknown cookie kind {cookie.kind!r}")
    code = tokens.new_token()
    payload = json.dumps([[c.kind, c.value, c.max_age] for c in cookies])
    session.add(
        CookieHandoff(
            code_hash=tokens.hash_token(code, purpose=HANDOFF_PURPOSE),
            cookies_enc=tokens.encrypt(payload),
            next_path=next_path[:500],
            client_ip=(client_ip or None) and client_ip[:64],
            created_at=now,
            expires_at=now + timedelta(seconds=HANDOFF_SECONDS),
        )
    )
    session.flush()
    return code


def redeem(session: Session, code: str | None, *, client_ip: str | None, now: datetime) -> Handoff | None:
    """Use a code once: what it hands over, or None (unknown, used, late, or another
    client address). One conditional UPDATE marks it used, so two requests racing with
    the same code cannot both get the cookies."""
    if not code or len(code) > 200:
        return None
    code_hash = tokens.hash_token(code, purpose=HANDOFF_PURPOSE)
    row = session.exec(select(CookieHandoff).where(CookieHandoff.code_hash == code_hash)).first()
    if row is None or row.used_at is not None or not row.cookies_enc:
        return None
    if now >= row.expires_at:
        return None
    if row.client_ip and client_ip and row.client_ip != client_ip[:64]:
        return None
    encrypted = row.cookies_enc
    won = session.exec(
        update(CookieHandoff)
        .where(CookieHandoff.id == row.id, CookieHandoff.used_at.is_(None))
        .values(used_at=now, cookies_enc="")
    )
    if won.rowcount != 1:
        return None
    try:
        items = json.loads(tokens.decrypt(encrypted))
    except Exception:  # noqa: BLE001 - a value we cannot read hands over nothing
        return None
    cookies = tuple(SetCookie(kind, value, max_age) for kind, value, max_age in items if kind in KINDS)
    return Handoff(cookies=cookies, next_path=row.next_path)


def purge(session: Session, *, now: datetime, keep: timedelta = KEEP_USED) -> int:
    """Delete codes used or late for more than ``keep``; returns how many went."""
    result = session.exec(delete(CookieHandoff).where(CookieHandoff.expires_at < now - keep))
    return result.rowcount or 0


__all__ = ["HANDOFF_SECONDS", "Handoff", "issue", "purge", "redeem"]
