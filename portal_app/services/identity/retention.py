"""How long the portal keeps what it no longer needs, and the deletions that end it.

The privacy notice (``pages/rights/privacy.py``) states each period; each is a setting
(README, "Configuration"), and the worker's jobs (``services/identity/jobs.py``,
``services/mail/jobs.py``) apply them:

* **Codes and links past their use** (``retain_expired_codes_hours``, 24): a registration
  attempt (the email, mobile, password hash and letters-by-post choice typed before the
  email was proved) and a password reset link's record. Each works for minutes at most;
  after the period it is deleted whether it was used or not. A registration attempt whose
  code is still in date is never deleted. The one-minute codes that hand a cookie to the
  browser go sooner (``retain_handoff_minutes``, 60: ``handoff.purge``).
* **Sessions that have ended** (``retain_ended_sessions_days``, 30): residents' and staff
  sessions, counted from when they ended (signed out, ended on the server) or reached
  their absolute limit, whichever came first. The sign-in history does not need them:
  each sign-in is a line of the audit log, with the device in words.
* **Failure counters** (``retain_throttle_hours``, 48): the keyed hashes that count wrong
  passwords, wrong codes, registration tries and reset emails. Never sooner than the
  longest window a rule looks back over (``throttle_floor``), so a purge cannot end a wait
  early. The addresses an account signed in from are kept for
  ``signin_known_address_days`` (90), the period the sign-in rule remembers them for
  (``lockout.is_known_address``).
* **Delivered mail's text** (``retain_mail_body_days``, 7): ``outbox.empty_delivered_bodies``.
* **The waiting list** (``retain_waiting_list_days``, 30): someone who left their name,
  tenancy reference and email while registration was paused is deleted that long after
  their invitation to register was sent; nobody is deleted before they are invited.

The audit log is not here: it is append-only (the database refuses deletes) and kept.

Every function works in the caller's session and returns how many rows it changed; the
caller commits. ``now`` is aware UTC. No reflex import.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlmodel import Session

from portal_app.models import AuthSession, PasswordReset, RegistrationAttempt, StaffSession, WaitingListEntry
from portal_app.services import throttle
from portal_app.services.identity import lockout
from portal_app.settings import Settings, get_settings

# The longest fixed window a throttle rule looks back over: the owner's "someone is trying
# to sign in" email, at most once a day (lockout.WARN_EVERY).
_LONGEST_FIXED_WINDOW = lockout.WARN_EVERY


def throttle_floor(settings: Settings) -> timedelta:
    """The shortest time a failure counter must be kept: the longest window any rule counts over."""
    return max(
        _LONGEST_FIXED_WINDOW,
        timedelta(minutes=settings.signin_window_minutes),
        timedelta(minutes=settings.register_limit_window_minutes),
    )


def throttle_keep(settings: Settings) -> timedelta:
    return max(timedelta(hours=settings.retain_throttle_hours), throttle_floor(settings))


def known_address_keep(settings: Settings) -> timedelta:
    return timedelta(days=settings.signin_known_address_days)


def purge_throttle_hits(session: Session, *, now: datetime, settings: Settings | None = None) -> int:
    """Delete failure counters older than ``throttle_keep`` and remembered sign-in addresses
    older than ``known_address_keep``."""
    settings = settings or get_settings()
    removed = throttle.purge_older_than(session, now - throttle_keep(settings), keep_prefixes=(lockout.KNOWN_PREFIX,))
    removed += throttle.purge_prefix_older_than(session, lockout.KNOWN_PREFIX, now - known_address_keep(settings))
    return removed


def codes_keep(settings: Settings) -> timedelta:
    return timedelta(hours=max(settings.retain_expired_codes_hours, 0))


def purge_expired_codes(session: Session, *, now: datetime, settings: Settings | None = None) -> int:
    """Delete registration attempts and reset link records older than ``codes_keep`` (a
    registration attempt only once its code, too, is past that)."""
    settings = settings or get_settings()
    cutoff = now - codes_keep(settings)
    removed = session.exec(
        delete(RegistrationAttempt).where(
            RegistrationAttempt.created_at < cutoff,
            or_(RegistrationAttempt.code_expires_at.is_(None), RegistrationAttempt.code_expires_at < cutoff),
        )
    ).rowcount
    removed += session.exec(delete(PasswordReset).where(PasswordReset.expires_at < cutoff)).rowcount
    return int(removed or 0)


def handoff_keep(settings: Settings) -> timedelta:
    return timedelta(minutes=max(settings.retain_handoff_minutes, 0))


def sessions_keep(settings: Settings) -> timedelta:
    return timedelta(days=max(settings.retain_ended_sessions_days, 0))


def purge_ended_sessions(session: Session, *, now: datetime, settings: Settings | None = None) -> int:
    """Delete residents' and staff sessions that ended, or reached their absolute limit,
    more than ``sessions_keep`` ago. A live session is never touched: its absolute limit
    is in the future."""
    settings = settings or get_settings()
    cutoff = now - sessions_keep(settings)
    removed = session.exec(
        delete(AuthSession).where(or_(AuthSession.ended_at < cutoff, AuthSession.expires_at < cutoff))
    ).rowcount
    removed += session.exec(
        delete(StaffSession).where(or_(StaffSession.ended_at < cutoff, StaffSession.expires_at < cutoff))
    ).rowcount
    return int(removed or 0)


def waiting_list_keep(settings: Settings) -> timedelta:
    return timedelta(days=max(settings.retain_waiting_list_days, 0))


def purge_invited_waiting_list(session: Session, *, now: datetime, settings: Settings | None = None) -> int:
    """Delete waiting-list entries invited more than ``waiting_list_keep`` ago."""
    settings = settings or get_settings()
    cutoff = now - waiting_list_keep(settings)
    result = session.exec(
        delete(WaitingListEntry).where(WaitingListEntry.invited_at.is_not(None), WaitingListEntry.invited_at < cutoff)
    )
    return int(result.rowcount or 0)


__all__ = [
    "codes_keep",
    "handoff_keep",
    "known_address_keep",
    "purge_ended_sessions",
    "purge_expired_codes",
    "purge_invited_waiting_list",
    "purge_throttle_hits",
    "sessions_keep",
    "throttle_floor",
    "throttle_keep",
    "waiting_list_keep",
]
