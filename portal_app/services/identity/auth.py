"""Signing in with a password, forgotten and changed passwords, and the security page.

Sessions live in ``sessions.py``, failure counting and locking in ``lockout.py``,
the second factor in ``two_step.py``; this module puts them together.

Every function works on the caller's session and never commits: the caller's unit
of work commits the change and any mail queued with it, or rolls both back.
``now`` is always passed in (aware UTC, as ``clock.utcnow`` gives) so tests
freeze time. Nothing here adds or strips a time zone: ``now`` is compared with
and written to the timestamp columns as given.

The rules:

* one vague failure for every wrong sign-in (unknown email, wrong password, closed
  account); an unknown email is checked against a dummy argon2 hash so it takes as
  long as a wrong password;
* wrong passwords count towards the account's lockout (``lockout.py``); choosing a
  new password, from a reset link or while signed in, unlocks the account and ends
  its other sessions;
* the right password starts a new session (``sessions.create_session``), or with
  two-step on hands out a two-step token (``two_step.complete_two_step`` finishes).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, func, select

from portal_app import routes
from portal_app.models import PasswordReset, PortalUser, RecoveryCode
from portal_app.services import throttle, tokens
from portal_app.services.identity import lockout, passwords, sessions, two_step
from portal_app.services.identity.lockout import failure_key, lockout_window
from portal_app.services.identity.notices import queue_account_mail
from portal_app.services.identity.sessions import SignInOutcome, create_session, end_sessions
from portal_app.settings import get_settings

# How many reset emails one account can be sent in RESET_MAIL_WINDOW (mail bombing).
RESET_MAIL_LIMIT = 5
RESET_MAIL_WINDOW = timedelta(hours=1)
# Longest password we spend argon2 time on; the password rules allow 128.
_VERIFY_MAX_CHARS = 1024

RESET_PURPOSE = "reset"


@dataclass(frozen=True)
class SecuritySummary:
    previous_sign_in_at: datetime | None
    last_sign_in_at: datetime | None
    two_step_enabled: bool
    recovery_codes_left: int
    locked: bool


# ---------------------------------------------------------------------------
# Small data functions


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def active_user_by_email(session: Session, email: str) -> PortalUser | None:
    address = normalise_email(email)
    if not address:
        return None
    stmt = (
        select(PortalUser)
        .where(PortalUser.email == address, PortalUser.status == "active")
        .order_by(PortalUser.id.desc())
        .limit(1)
    )
    return session.exec(stmt).first()


def _check_password(password_hash: str, password: str) -> bool:
    if not password or len(password) > _VERIFY_MAX_CHARS:
        passwords.verify_password(passwords.DUMMY_HASH, "x")  # same time either way
        return False
    return passwords.verify_password(password_hash, password)


# ---------------------------------------------------------------------------
# Signing in


def sign_in(
    session: Session, email: str, password: str, *, client: str, now: datetime, idle_minutes: int | None = None
) -> SignInOutcome:
    """Check an email and password. Every failure looks the same: status "failed".

    ``idle_minutes`` is the new session's idle limit (see ``create_session``)."""
    settings = get_settings()
    window = lockout_window()
    client_key = lockout.client_key(client) if client else None
    if client_key and throttle.hits_since(session, client_key, now, window) >= lockout.CLIENT_FAILURE_LIMIT:
        return SignInOutcome("failed")

    user = active_user_by_email(session, email)
    if user is None:
        # Unknown email or closed account: spend the same time as a real check, and
        # "lock" the unknown email the same way, so lockout does not reveal accounts.
        _check_password(passwords.DUMMY_HASH, password)
        email_key = lockout.unknown_email_key(normalise_email(email))
        if throttle.hits_since(session, email_key, now, window) >= settings.lockout_failures:
            return SignInOutcome("locked")
        throttle.record_hit(session, email_key, now)
        if client_key:
            throttle.record_hit(session, client_key, now)
        if throttle.hits_since(session, email_key, now, window) >= settings.lockout_failures:
            return SignInOutcome("locked")
        return SignInOutcome("failed")

    right = _check_password(user.password_hash, password)
    if user.locked_at is not None:
        return SignInOutcome("locked")
    if not right:
        if client_key:
            throttle.record_hit(session, client_key, now)
        if lockout.record_failure(session, user, now=now):
            return SignInOutcome("locked")
        return SignInOutcome("failed")

    if user.totp_enabled:
        return SignInOutcome("two_step", two_step_token=two_step.issue_two_step_token(user.id, now=now))
    token = create_session(session, user.id, client=client, now=now, idle_minutes=idle_minutes)
    return SignInOutcome("signed_in", token=token)


# ---------------------------------------------------------------------------
# Forgotten password


def _expire_open_resets(session: Session, user_id: int, *, now: datetime) -> None:
    session.exec(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None), PasswordReset.expires_at > now)
        .values(expires_at=now)
    )


def not_me(session: Session, user_id: int, email: str, *, now: datetime) -> int:
    """ "Not you?" on the home page: end every session of this account and email a reset
    link, in one unit of work (never signed out everywhere with no link on its way).
    Returns how many sessions ended."""
    ended = sessions.sign_out_everywhere(session, user_id, now=now)
    request_password_reset(session, email, now=now)
    return ended


def reset_link(token: str) -> str:
    """The emailed link: to the route that keeps the token in a cookie, out of the page."""
    return f"{get_settings().base_url}{routes.reset_link(token)}"


def request_password_reset(session: Session, email: str, *, now: datetime) -> None:
    """Email a single-use link to set a new password.

    Behaves the same whether or not the email belongs to an account; for an unknown
    (or closed) account no mail is queued. A new request cancels older links.
    """
    settings = get_settings()
    user = active_user_by_email(session, email)
    if user is None:
        return None
    mail_key = f"reset:user:{user.id}"
    if throttle.hits_since(session, mail_key, now, RESET_MAIL_WINDOW) >= RESET_MAIL_LIMIT:
        return None
    throttle.record_hit(session, mail_key, now)
    _expire_open_resets(session, user.id, now=now)
    token = tokens.new_token()
    session.add(
        PasswordReset(
            token_hash=tokens.hash_token(token, purpose=RESET_PURPOSE),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.reset_valid_minutes),
        )
    )
    queue_account_mail(
        session,
        user,
        subject=f"Choose a new password for your {settings.landlord_name} online account",
        text=(
            f"Someone, probably you, asked to choose a new password for your online account. "
            f"To choose one, open this link:\n\n"
            f"{reset_link(token)}\n\n"
            f"The link works once, for {settings.reset_valid_minutes} minutes. "
            f"If your account is locked, choosing a new password unlocks it.\n\n"
            f"If you did not ask for this, you can ignore this email. Your password has not changed."
        ),
        kind="password_reset",
        now=now,
    )
    return None


def _open_reset(session: Session, token: str | None, *, now: datetime) -> tuple[PasswordReset, PortalUser] | None:
    if not token or len(token) > 200:
        return None
    token_hash = tokens.hash_token(token, purpose=RESET_PURPOSE)
    row = session.exec(
        select(PasswordReset, PortalUser)
        .join(PortalUser, PortalUser.id == PasswordReset.user_id)
        .where(PasswordReset.token_hash == token_hash)
    ).first()
    if row is None:
        return None
    reset, user = row
    if reset.used_at is not None or now >= reset.expires_at or user.status != "active":
        return None
    return reset, user


def reset_token_is_valid(session: Session, token: str, *, now: datetime) -> bool:
    return _open_reset(session, token, now=now) is not None


RESET_LINK_PROBLEM = "This link has expired or has already been used. Ask for a new link"


def _personal_details(user: PortalUser) -> list[str]:
    return [user.email, user.email.split("@", 1)[0], user.mobile]


def _set_password(session: Session, user: PortalUser, new_password: str, *, now: datetime) -> None:
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now
    session.add(user)
    _expire_open_resets(session, user.id, now=now)


def _queue_password_changed_mail(session: Session, user: PortalUser, *, everywhere: bool, now: datetime) -> None:
    settings = get_settings()
    where = "everywhere" if everywhere else "on your other devices"
    queue_account_mail(
        session,
        user,
        subject=f"Your {settings.landlord_name} password was changed",
        text=(
            f"The password for your online account was changed, and you have been signed out {where}.\n\n"
            "If you did this, you do not need to do anything.\n\n"
            f"If you did not, choose a new password now at {settings.base_url}{routes.FORGOT_PASSWORD} "
            f"and contact us."
        ),
        kind="password_changed",
        now=now,
    )


def reset_password(session: Session, token: str, new_password: str, *, now: datetime) -> str | None:
    """Set a new password from a reset link. Returns an error message, or None on success.

    On success the link is used up, the account is unlocked, every session of the
    account ends and a "your password was changed" email is queued.
    """
    found = _open_reset(session, token, now=now)
    if found is None:
        return RESET_LINK_PROBLEM
    reset, user = found
    problem = passwords.password_problem(new_password, personal=_personal_details(user))
    if problem:
        return problem
    used = session.exec(
        update(PasswordReset).where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None)).values(used_at=now)
    )
    if used.rowcount != 1:  # used by a parallel request a moment ago
        return RESET_LINK_PROBLEM
    _set_password(session, user, new_password, now=now)
    user.locked_at = None
    session.add(user)
    throttle.clear_hits(session, failure_key(user.id))
    end_sessions(session, user.id, reason="password_reset", now=now)
    _queue_password_changed_mail(session, user, everywhere=True, now=now)
    session.flush()
    return None


def change_password(
    session: Session, user_id: int, current_password: str, new_password: str, *, keep_token: str | None, now: datetime
) -> dict[str, str]:
    """Change the password of a signed-in resident. Returns field -> error; empty on success.

    Fields: "current_password", "new_password". On success every other session ends
    and a locked account is unlocked.
    Wrong current passwords count towards the account's failure limit; over it, the
    current password is not checked until the window has passed.
    """
    settings = get_settings()
    user = session.get(PortalUser, user_id)
    if user is None or user.status != "active":
        return {"current_password": "Your current password is not right"}
    key = failure_key(user.id)
    if throttle.hits_since(session, key, now, lockout_window()) >= settings.lockout_failures:
        return {
            "current_password": (
                f"You have entered the wrong password too many times. "
                f"Wait {settings.lockout_window_minutes} minutes and try again"
            )
        }
    if not current_password:
        return {"current_password": "Enter your current password"}
    if not _check_password(user.password_hash, current_password):
        throttle.record_hit(session, key, now)
        return {"current_password": "Your current password is not right"}
    if new_password == current_password:
        return {"new_password": "Your new password must be different from your current password"}
    problem = passwords.password_problem(new_password, personal=_personal_details(user))
    if problem:
        return {"new_password": problem}
    _set_password(session, user, new_password, now=now)
    user.locked_at = None  # knowing the password unlocks, as a reset does
    session.add(user)
    throttle.clear_hits(session, key)
    end_sessions(session, user.id, reason="password_changed", now=now, except_token=keep_token)
    _queue_password_changed_mail(session, user, everywhere=not keep_token, now=now)
    session.flush()
    return {}


# ---------------------------------------------------------------------------
# The security page


def security_summary(session: Session, user_id: int) -> SecuritySummary:
    user = session.get(PortalUser, user_id)
    if user is None:
        raise ValueError("no account with that id")
    left = session.exec(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    ).one()
    return SecuritySummary(
        previous_sign_in_at=user.previous_sign_in_at,
        last_sign_in_at=user.last_sign_in_at,
        two_step_enabled=user.totp_enabled,
        recovery_codes_left=int(left) if user.totp_enabled else 0,
        locked=user.locked_at is not None,
    )


__all__ = [
    "RESET_LINK_PROBLEM",
    "SecuritySummary",
    "active_user_by_email",
    "change_password",
    "normalise_email",
    "request_password_reset",
    "reset_password",
    "reset_token_is_valid",
    "security_summary",
    "sign_in",
]
