"""Server-side sessions: starting one at a completed sign-in, finding who is signed in,
and ending them.

The rules:

* a session is a random token stored only as a keyed hash, new at every sign-in;
* it ends after ``session_idle_minutes`` without use (or the session's own shorter
  ``idle_minutes``, as kiosks set), ``session_absolute_hours`` after it began, or
  when ended on the server (sign-out, sign-out everywhere, password change/reset).

Nothing here commits; ``now`` is passed in (aware UTC).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import bindparam, update
from sqlmodel import Session, select

from portal_app.models import AuthSession, Person, PortalUser
from portal_app.services import audit, tokens
from portal_app.services.identity import history
from portal_app.settings import get_settings

# Touch last_seen_at at most once a minute, so a busy page is not a write per event.
TOUCH_EVERY = timedelta(seconds=60)

SESSION_PURPOSE = "session"

# "wait": too many failures from this address at this account: try again after
# ``retry_after_seconds``. "check_email": the right password (or code) is not enough on its own
# just now; a link to choose a new password has been emailed if it was right
# (services/identity/lockout.py).
Status = Literal["signed_in", "failed", "wait", "check_email", "two_step", "expired"]


@dataclass(frozen=True)
class Principal:
    """Who is signed in on this session."""

    user_id: int
    session_id: int
    person_id: int
    tenancy_id: int
    first_name: str
    email: str
    # When this session ends if it is not used again, and its idle limit (the page warns
    # before then: components/session_timeout.py).
    idle_ends_at: datetime | None = None
    idle_limit_seconds: int = 0


@dataclass(frozen=True)
class SignInOutcome:
    """How a sign-in step ended; the token of the session it started, if any."""

    status: Status
    token: str | None = None  # the new session token when signed_in
    two_step_token: str | None = None
    retry_after_seconds: int = 0  # with "wait": how long until the next try is checked


def create_session(
    session: Session, user_id: int, *, client: str, now: datetime, idle_minutes: int | None = None
) -> str:
    """Start a new server-side session and return its token (shown once, stored hashed).

    This is a completed sign-in: the previous sign-in time moves to
    ``previous_sign_in_at``. (The sign-in steps forget their own failures: ``lockout.record_success``.)
    ``idle_minutes`` gives this session a shorter idle limit than
    ``session_idle_minutes`` (kiosk sessions); None keeps the setting.
    """
    user = session.get(PortalUser, user_id)
    if user is None or user.status != "active":
        raise ValueError("no active account with that id")
    settings = get_settings()
    token = tokens.new_token()
    session.add(
        AuthSession(
            token_hash=tokens.hash_token(token, purpose=SESSION_PURPOSE),
            user_id=user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_absolute_hours),
            client=(client or None) and client[:200],
            idle_minutes=idle_minutes,
        )
    )
    user.previous_sign_in_at = user.last_sign_in_at
    user.last_sign_in_at = now
    session.add(user)
    session.flush()
    return token


def _session_for_token(session: Session, token: str | None) -> AuthSession | None:
    if not token or len(token) > 200:
        return None
    token_hash = tokens.hash_token(token, purpose=SESSION_PURPOSE)
    return session.exec(select(AuthSession).where(AuthSession.token_hash == token_hash)).first()


def _idle_limit(stored: AuthSession) -> timedelta:
    return timedelta(minutes=stored.idle_minutes or get_settings().session_idle_minutes)


def _touch_every(stored: AuthSession) -> timedelta:
    """How often use moves ``last_seen_at``: once a minute, or more often for a short idle
    limit (a kiosk's few minutes), so the server never ends a session in use."""
    return min(TOUCH_EVERY, _idle_limit(stored) / 16)


def _session_end_reason(stored: AuthSession, now: datetime) -> str | None:
    """Why this session is over at ``now``, or None while it is live. ``stored`` is the
    session, or the row of its columns ``resolve_session`` reads (the same names)."""
    if stored.ended_at is not None:
        return stored.ended_reason or "ended"
    if now >= stored.expires_at:
        return "expired"
    if now - stored.last_seen_at >= _idle_limit(stored):
        return "idle"
    return None


# On every event: the columns it needs of the session, its account and its person, in
# one query, as plain values (three ORM objects cost as much again as the query). Built
# once, with the token's hash as a bound parameter: building a statement and working out
# its cache key cost about four times as much as running it on SQLite (bench/statements.py).
def _session_by_token():
    return (
        select(
            AuthSession.id,
            AuthSession.ended_at,
            AuthSession.ended_reason,
            AuthSession.expires_at,
            AuthSession.last_seen_at,
            AuthSession.idle_minutes,
            PortalUser.id.label("user_id"),
            PortalUser.status,
            PortalUser.person_id,
            PortalUser.tenancy_id,
            PortalUser.email,
            Person.first_name,
        )
        .join(PortalUser, PortalUser.id == AuthSession.user_id)
        .join(Person, Person.id == PortalUser.person_id)
        .where(AuthSession.token_hash == bindparam("token_hash"))
    )


_SESSION_BY_TOKEN = _session_by_token()


def resolve_session(session: Session, token: str | None, *, now: datetime, touch: bool = True) -> Principal | None:
    """The signed-in resident for a session token, or None.

    None when the token is missing or unknown, the session was ended, has been idle
    too long or is past its absolute expiry, or the account is no longer active.
    A session found expired is ended on the server. Use moves ``last_seen_at``
    (at most once a minute); ``touch=False`` only looks (the page asking whether the
    session is still live is not use of it).
    """
    if not token or len(token) > 200:
        return None
    # Through the unit of work's connection: columns need none of the ORM's work on the result.
    stored = (
        session.connection()
        .execute(_SESSION_BY_TOKEN, {"token_hash": tokens.hash_token(token, purpose=SESSION_PURPOSE)})
        .first()
    )
    if stored is None:
        return None
    reason = _session_end_reason(stored, now)
    if reason is not None:
        if stored.ended_at is None:
            _update_session(session, stored.id, ended_at=now, ended_reason=reason)
        return None
    if stored.status != "active":
        return None
    last_seen_at = stored.last_seen_at
    if touch and now - last_seen_at > _touch_every(stored):
        last_seen_at = now
        _update_session(session, stored.id, last_seen_at=now)
    limit = _idle_limit(stored)
    return Principal(
        user_id=stored.user_id,
        session_id=stored.id,
        person_id=stored.person_id,
        tenancy_id=stored.tenancy_id,
        first_name=stored.first_name,
        email=stored.email,
        idle_ends_at=last_seen_at + limit,
        idle_limit_seconds=int(limit.total_seconds()),
    )


def _update_session(session: Session, session_id: int, **values) -> None:
    """Change one stored session in this unit of work, and any copy of it the unit of work holds."""
    session.exec(update(AuthSession).where(AuthSession.id == session_id).values(**values))


def keep_alive(session: Session, token: str | None, *, now: datetime) -> Principal | None:
    """ "Stay signed in": this session's use is now (not rounded to the minute), so its idle
    end moves a whole idle limit on. None when it has already ended."""
    principal = resolve_session(session, token, now=now)
    stored = _session_for_token(session, token) if principal is not None else None
    if stored is None:
        return None
    stored.last_seen_at = now
    session.add(stored)
    session.flush()
    return resolve_session(session, token, now=now, touch=False)


def draft_owner(user_id: int) -> str:
    """A tag for the drafts a resident's forms keep in the browser (components/session_timeout.py):
    the same for the same account, meaningless to anyone without the server's key."""
    return tokens.hash_token(str(user_id), purpose="draft-owner")[:16]


def ended_reason(session: Session, token: str | None) -> str | None:
    """Why the session of ``token`` ended ("idle", "signed_out", "expired", ...), or None
    when there is no such session or it has not been ended."""
    stored = _session_for_token(session, token)
    return stored.ended_reason if stored is not None and stored.ended_at is not None else None


def sign_out(session: Session, token: str | None, *, now: datetime, client_ip: str | None = None) -> None:
    """End this session on the server. Unknown or already ended tokens are ignored.

    Ending a session that was still live writes the resident's "Signed out" line to the
    audit log (one line: the websocket's handler and the sign-out route both call this,
    and only the first finds the session open)."""
    if not token or len(token) > 200:
        return
    token_hash = tokens.hash_token(token, purpose=SESSION_PURPOSE)
    stored = session.exec(
        select(AuthSession).where(AuthSession.token_hash == token_hash, AuthSession.ended_at.is_(None))
    ).first()
    if stored is None:
        return
    was_live = _session_end_reason(stored, now) is None
    ended = session.exec(
        update(AuthSession)
        .where(AuthSession.id == stored.id, AuthSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason="signed_out")
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount == 1 and was_live:
        history.record(session, audit.SIGNED_OUT, user_id=stored.user_id, now=now, client_ip=client_ip)
    session.flush()


def end_sessions(session: Session, user_id: int, *, reason: str, now: datetime, except_token: str | None = None) -> int:
    """End every session of the account (but the one for ``except_token``).

    Returns how many of them were still live.
    """
    conditions = [AuthSession.user_id == user_id, AuthSession.ended_at.is_(None)]
    if except_token:
        conditions.append(AuthSession.token_hash != tokens.hash_token(except_token, purpose=SESSION_PURPOSE))
    open_sessions = session.exec(select(AuthSession).where(*conditions, AuthSession.expires_at > now)).all()
    live = sum(1 for stored in open_sessions if _session_end_reason(stored, now) is None)
    session.exec(update(AuthSession).where(*conditions).values(ended_at=now, ended_reason=reason[:30]))
    session.flush()
    return live


def sign_out_everywhere(session: Session, user_id: int, *, now: datetime) -> int:
    """End every session of the account, this one included. Returns how many were live."""
    return end_sessions(session, user_id, reason="signed_out_everywhere", now=now)


__all__ = [
    "Principal",
    "SignInOutcome",
    "create_session",
    "draft_owner",
    "end_sessions",
    "ended_reason",
    "keep_alive",
    "resolve_session",
    "sign_out",
    "sign_out_everywhere",
]
