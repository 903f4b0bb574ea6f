"""Back-office sessions: separate from residents' (their own table, token purpose and
cookie), so a staff token never resolves as a resident and a resident's never as staff.

The rules: a random token stored only as a keyed hash, new at every sign-in; it ends
after ``STAFF_SESSION_IDLE_MINUTES`` without use (15 by default), ``STAFF_SESSION_HOURS``
after it began, when the member of staff signs out, or when their account is disabled
or their role changes. Nothing here commits; ``now`` is aware UTC. No reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from portal_app.models import StaffMember, StaffSession
from portal_app.services import tokens
from portal_app.services.roles import permissions_of, role_label
from portal_app.settings import get_settings

STAFF_SESSION_PURPOSE = "staff-session"  # never the residents' "session": the hashes cannot collide
TOUCH_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class StaffPrincipal:
    """The member of staff an event is for (what ``@staff_only`` checks)."""

    staff_id: int
    name: str
    permissions: frozenset[str]
    session_id: int = 0
    email: str = ""
    role: str = ""
    role_label: str = ""
    officer_id: int | None = None


def start(
    session: Session,
    staff_id: int,
    *,
    now: datetime,
    client: str = "",
    client_ip: str | None = None,
    method: str = "password",
) -> str:
    """A completed staff sign-in: a new session, its token returned once (stored hashed)."""
    member = session.get(StaffMember, staff_id)
    if member is None or member.status != "active":
        raise ValueError("no active staff member with that id")
    settings = get_settings()
    token = tokens.new_token()
    session.add(
        StaffSession(
            token_hash=tokens.hash_token(token, purpose=STAFF_SESSION_PURPOSE),
            staff_id=staff_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.staff_session_hours),
            method=method[:20],
            client_ip=(client_ip or None) and client_ip[:64],
            client=(client or None) and client[:200],
        )
    )
    member.last_sign_in_at = now
    session.add(member)
    session.flush()
    return token


def _stored(session: Session, token: str | None) -> StaffSession | None:
    if not token or len(token) > 200:
        return None
    token_hash = tokens.hash_token(token, purpose=STAFF_SESSION_PURPOSE)
    return session.exec(select(StaffSession).where(StaffSession.token_hash == token_hash)).first()


def _end_reason(stored: StaffSession, now: datetime) -> str | None:
    if stored.ended_at is not None:
        return stored.ended_reason or "ended"
    if now >= stored.expires_at:
        return "expired"
    if now - stored.last_seen_at >= timedelta(minutes=get_settings().staff_session_idle_minutes):
        return "idle"
    return None


def resolve(session: Session, token: str | None, *, now: datetime) -> StaffPrincipal | None:
    """The member of staff a back-office cookie belongs to, or None (missing, unknown,
    ended, idle, past its limit, or the account disabled). Use moves ``last_seen_at``."""
    stored = _stored(session, token)
    if stored is None:
        return None
    reason = _end_reason(stored, now)
    if reason is not None:
        if stored.ended_at is None:
            stored.ended_at, stored.ended_reason = now, reason
            session.add(stored)
            session.flush()
        return None
    member = session.get(StaffMember, stored.staff_id)
    if member is None or member.status != "active":
        return None
    if now - stored.last_seen_at > TOUCH_EVERY:
        stored.last_seen_at = now
        session.add(stored)
        session.flush()
    return StaffPrincipal(
        staff_id=member.id,
        name=member.name,
        permissions=permissions_of(member.role),
        session_id=stored.id,
        email=member.email,
        role=member.role,
        role_label=role_label(member.role),
        officer_id=member.officer_id,
    )


def sign_out(session: Session, token: str | None, *, now: datetime) -> int | None:
    """End this staff session; returns the staff id it belonged to (None: no live session)."""
    stored = _stored(session, token)
    if stored is None or stored.ended_at is not None:
        return None
    stored.ended_at, stored.ended_reason = now, "signed_out"
    session.add(stored)
    session.flush()
    return stored.staff_id


def end_all(session: Session, staff_id: int, *, reason: str, now: datetime) -> None:
    """End every session of a member of staff (disabled, role changed, password reset)."""
    session.exec(
        update(StaffSession)
        .where(StaffSession.staff_id == staff_id, StaffSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason=reason[:30])
    )
    session.flush()


__all__ = ["STAFF_SESSION_PURPOSE", "StaffPrincipal", "end_all", "resolve", "sign_out", "start"]
