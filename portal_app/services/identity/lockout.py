"""Counting failed sign-in steps and locking an account.

The rules:

* every wrong password or second-factor code counts against the account
  (``failure_key``); ``lockout_failures`` of them inside ``lockout_window_minutes``
  lock the account until the resident resets the password from the email link (no
  phone call), and the resident is emailed once when it locks;
* an unknown email is "locked" the same way (``unknown_email_key``), so lockout
  does not reveal which emails have accounts;
* a loose limit per client (address or device key) across all accounts slows down
  spraying one password over many emails (``client_key``, ``CLIENT_FAILURE_LIMIT``).

Nothing here commits; ``now`` is passed in (aware UTC).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session

from portal_app import routes
from portal_app.models import PortalUser
from portal_app.services import throttle, tokens
from portal_app.services.identity.notices import queue_account_mail
from portal_app.settings import get_settings

# Failures per client (across all accounts) in one lockout window; over it, every
# try is "failed".
CLIENT_FAILURE_LIMIT = 100


def failure_key(user_id: int) -> str:
    """The throttle key counting this account's failed sign-in steps."""
    return f"signin:user:{user_id}"


def unknown_email_key(address: str) -> str:
    """The throttle key for sign-in tries at an email with no active account.

    ``address`` is already normalised (trimmed, lower case); only a hash of it is kept."""
    return f"signin:email:{tokens.hash_token(address, purpose='signin-email')[:40]}"


def client_key(client: str) -> str:
    """The throttle key for one client's failed sign-ins; only a hash of it is kept."""
    return f"signin:client:{tokens.hash_token(client, purpose='client')[:40]}"


def lockout_window() -> timedelta:
    return timedelta(minutes=get_settings().lockout_window_minutes)


def record_failure(session: Session, user: PortalUser, *, now: datetime) -> bool:
    """Count one failed sign-in step (password or second factor) for the account.

    Returns True when the account is now locked (this failure locked it, or it
    already was). Locking is one conditional UPDATE, so exactly one request sends
    the "your account is locked" email.
    """
    settings = get_settings()
    key = failure_key(user.id)
    throttle.record_hit(session, key, now)
    if throttle.hits_since(session, key, now, lockout_window()) < settings.lockout_failures:
        return user.locked_at is not None
    result = session.exec(
        update(PortalUser).where(PortalUser.id == user.id, PortalUser.locked_at.is_(None)).values(locked_at=now)
    )
    if result.rowcount == 1:
        _queue_locked_mail(session, user, now=now)
    session.refresh(user)
    return True


def _queue_locked_mail(session: Session, user: PortalUser, *, now: datetime) -> None:
    settings = get_settings()
    queue_account_mail(
        session,
        user,
        subject=f"Your {settings.landlord_name} online account is locked",
        text=(
            f"Your online account is locked because the wrong password or code was entered "
            f"{settings.lockout_failures} times.\n\n"
            f"To unlock it, choose a new password. Go to {settings.base_url}{routes.FORGOT_PASSWORD} "
            f"and enter this email address. We will email you a link to choose a new password. "
            f"Your account unlocks as soon as you have chosen it. You do not need to phone us.\n\n"
            f"If this was not you, someone may be trying to guess your password. Choose a new one "
            f"that you do not use anywhere else."
        ),
        kind="account_locked",
        now=now,
    )


__all__ = ["CLIENT_FAILURE_LIMIT", "client_key", "failure_key", "lockout_window", "record_failure", "unknown_email_key"]
