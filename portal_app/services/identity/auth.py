"""Signing in and out: passwords, server-side sessions, lockout and password resets.

Every function works on the caller's session and never commits: the caller's unit
of work commits the change and any mail queued with it, or rolls both back.
``now`` is always passed in (aware UTC, as ``clock.utcnow`` gives) so tests
freeze time. Nothing here adds or strips a time zone: ``now`` is compared with
and written to the timestamp columns as given.

The rules:

* one vague failure for every wrong sign-in (unknown email, wrong password, closed
  account); an unknown email is checked against a dummy argon2 hash so it takes as
  long as a wrong password;
* ``lockout_failures`` failures inside ``lockout_window_minutes`` lock the account
  until the resident resets the password from the email link (no phone call);
* a session is a random token stored only as a keyed hash, new at every sign-in,
  ending after ``session_idle_minutes`` without use, ``session_absolute_hours``
  after it began, or when ended on the server (sign-out, password change/reset).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import update
from sqlmodel import Session, func, select

from portal_app import routes
from portal_app.models import AuthSession, PasswordReset, Person, PortalUser, RecoveryCode
from portal_app.services.mail import outbox
from portal_app.services.identity import passwords
from portal_app.services import throttle, tokens
from portal_app.settings import get_settings

# Touch last_seen_at at most once a minute, so a busy page is not a write per event.
TOUCH_EVERY = timedelta(seconds=60)
# A loose limit per client (address or device key) across all accounts, to slow
# down spraying one password over many emails. Over it, every try is "failed".
CLIENT_FAILURE_LIMIT = 100
# How many reset emails one account can be sent in RESET_MAIL_WINDOW (mail bombing).
RESET_MAIL_LIMIT = 5
RESET_MAIL_WINDOW = timedelta(hours=1)
# Longest password we spend argon2 time on; the password rules allow 128.
_VERIFY_MAX_CHARS = 1024

SESSION_PURPOSE = "session"
RESET_PURPOSE = "reset"

Status = Literal["signed_in", "failed", "locked", "two_step", "expired"]


@dataclass(frozen=True)
class Principal:
    """Who is signed in on this session."""

    user_id: int
    session_id: int
    person_id: int
    tenancy_id: int
    first_name: str
    email: str


@dataclass(frozen=True)
class SignInOutcome:
    status: Status
    token: str | None = None  # the new session token when signed_in
    two_step_token: str | None = None


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


def failure_key(user_id: int) -> str:
    return f"signin:user:{user_id}"


def _unknown_email_key(email: str) -> str:
    return f"signin:email:{tokens.hash_token(normalise_email(email), purpose='signin-email')[:40]}"


def _client_key(client: str) -> str:
    return f"signin:client:{tokens.hash_token(client, purpose='client')[:40]}"


def _lockout_window() -> timedelta:
    return timedelta(minutes=get_settings().lockout_window_minutes)


def _check_password(password_hash: str, password: str) -> bool:
    if not password or len(password) > _VERIFY_MAX_CHARS:
        passwords.verify_password(passwords.DUMMY_HASH, "x")  # same time either way
        return False
    return passwords.verify_password(password_hash, password)


# ---------------------------------------------------------------------------
# Lockout


def record_failure(session: Session, user: PortalUser, *, now: datetime) -> bool:
    """Count one failed sign-in step (password or second factor) for the account.

    Returns True when the account is now locked (this failure locked it, or it
    already was). Locking is one conditional UPDATE, so exactly one request sends
    the "your account is locked" email.
    """
    settings = get_settings()
    key = failure_key(user.id)
    throttle.record_hit(session, key, now)
    if throttle.hits_since(session, key, now, _lockout_window()) < settings.lockout_failures:
        return user.locked_at is not None
    result = session.exec(
        update(PortalUser)
        .where(PortalUser.id == user.id, PortalUser.locked_at.is_(None))
        .values(locked_at=now)
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


# ---------------------------------------------------------------------------
# Account emails


def _first_name(session: Session, user: PortalUser) -> str | None:
    person = session.get(Person, user.person_id)
    return person.first_name if person and person.first_name else None


def queue_account_mail(session: Session, user: PortalUser, *, subject: str, text: str, kind: str, now: datetime) -> None:
    """Queue a plain-text email about the account to its own (verified) address."""
    settings = get_settings()
    name = _first_name(session, user)
    body = (
        f"{f'Dear {name}' if name else 'Hello'},\n"
        f"\n"
        f"{text}\n"
        f"\n"
        f"If you need help, contact us:\n"
        f"\n"
        f"Phone: {settings.landlord_phone} ({settings.landlord_hours})\n"
        f"Email: {settings.landlord_email}\n"
        f"\n"
        f"{settings.landlord_name}\n"
        f"\n"
        f"This email was sent automatically. Please do not reply to it.\n"
    )
    outbox.queue_mail(session, to=user.email, subject=subject, body=body, kind=kind, now=now)


# ---------------------------------------------------------------------------
# Signing in


def sign_in(
    session: Session, email: str, password: str, *, client: str, now: datetime, idle_minutes: int | None = None
) -> SignInOutcome:
    """Check an email and password. Every failure looks the same: status "failed".

    ``idle_minutes`` is the new session's idle limit (see ``create_session``)."""
    settings = get_settings()
    window = _lockout_window()
    client_key = _client_key(client) if client else None
    if client_key and throttle.hits_since(session, client_key, now, window) >= CLIENT_FAILURE_LIMIT:
        return SignInOutcome("failed")

    user = active_user_by_email(session, email)
    if user is None:
        # Unknown email or closed account: spend the same time as a real check, and
        # "lock" the unknown email the same way, so lockout does not reveal accounts.
        _check_password(passwords.DUMMY_HASH, password)
        email_key = _unknown_email_key(email)
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
        if record_failure(session, user, now=now):
            return SignInOutcome("locked")
        return SignInOutcome("failed")

    if user.totp_enabled:
        from portal_app.services.identity import two_step  # noqa: PLC0415 - two_step imports this module

        return SignInOutcome("two_step", two_step_token=two_step.issue_two_step_token(user.id, now=now))
    token = create_session(session, user.id, client=client, now=now, idle_minutes=idle_minutes)
    return SignInOutcome("signed_in", token=token)


def create_session(
    session: Session, user_id: int, *, client: str, now: datetime, idle_minutes: int | None = None
) -> str:
    """Start a new server-side session and return its token (shown once, stored hashed).

    This is a completed sign-in: the previous sign-in time moves to
    ``previous_sign_in_at`` and the account's failure count is cleared.
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
    throttle.clear_hits(session, failure_key(user_id))
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
    """Why this session is over at ``now``, or None while it is live."""
    if stored.ended_at is not None:
        return stored.ended_reason or "ended"
    if now >= stored.expires_at:
        return "expired"
    if now - stored.last_seen_at >= _idle_limit(stored):
        return "idle"
    return None


def resolve_session(session: Session, token: str | None, *, now: datetime) -> Principal | None:
    """The signed-in resident for a session token, or None.

    None when the token is missing or unknown, the session was ended, has been idle
    too long or is past its absolute expiry, or the account is no longer active.
    A session found expired is ended on the server. Use moves ``last_seen_at``
    (at most once a minute).
    """
    stored = _session_for_token(session, token)
    if stored is None:
        return None
    reason = _session_end_reason(stored, now)
    if reason is not None:
        if stored.ended_at is None:
            stored.ended_at = now
            stored.ended_reason = reason
            session.add(stored)
            session.flush()
        return None
    row = session.exec(
        select(PortalUser, Person).join(Person, Person.id == PortalUser.person_id).where(PortalUser.id == stored.user_id)
    ).first()
    if row is None:
        return None
    user, person = row
    if user.status != "active":
        return None
    if now - stored.last_seen_at > _touch_every(stored):
        stored.last_seen_at = now
        session.add(stored)
        session.flush()
    return Principal(
        user_id=user.id,
        session_id=stored.id,
        person_id=user.person_id,
        tenancy_id=user.tenancy_id,
        first_name=person.first_name,
        email=user.email,
    )


def principal_for_live_session(session: Session, session_id: int, user_id: int, *, now: datetime) -> Principal | None:
    """The resident of a server session found by id (a download ticket names it), while
    that session is live and belongs to that user; None otherwise. Does not move
    ``last_seen_at``: fetching a file is not activity on a page."""
    stored = session.get(AuthSession, session_id)
    if stored is None or stored.user_id != user_id or _session_end_reason(stored, now) is not None:
        return None
    row = session.exec(
        select(PortalUser, Person).join(Person, Person.id == PortalUser.person_id).where(PortalUser.id == user_id)
    ).first()
    if row is None or row[0].status != "active":
        return None
    user, person = row
    return Principal(user_id=user.id, session_id=stored.id, person_id=user.person_id, tenancy_id=user.tenancy_id,
                     first_name=person.first_name, email=user.email)


def sign_out(session: Session, token: str | None, *, now: datetime) -> None:
    """End this session on the server. Unknown or already ended tokens are ignored."""
    if not token or len(token) > 200:
        return
    token_hash = tokens.hash_token(token, purpose=SESSION_PURPOSE)
    session.exec(
        update(AuthSession)
        .where(AuthSession.token_hash == token_hash, AuthSession.ended_at.is_(None))
        .values(ended_at=now, ended_reason="signed_out")
    )
    session.flush()


def end_sessions(
    session: Session, user_id: int, *, reason: str, now: datetime, except_token: str | None = None
) -> int:
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


# ---------------------------------------------------------------------------
# Forgotten password


def _expire_open_resets(session: Session, user_id: int, *, now: datetime) -> None:
    session.exec(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None), PasswordReset.expires_at > now)
        .values(expires_at=now)
    )


def reset_link(token: str) -> str:
    return f"{get_settings().base_url}{routes.RESET_PASSWORD}?token={token}"


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
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
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
    session: Session,
    user_id: int,
    current_password: str,
    new_password: str,
    *,
    keep_token: str | None,
    now: datetime,
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
    if throttle.hits_since(session, key, now, _lockout_window()) >= settings.lockout_failures:
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
    "CLIENT_FAILURE_LIMIT",
    "Principal",
    "SecuritySummary",
    "SignInOutcome",
    "active_user_by_email",
    "change_password",
    "create_session",
    "end_sessions",
    "failure_key",
    "queue_account_mail",
    "record_failure",
    "request_password_reset",
    "reset_password",
    "reset_token_is_valid",
    "resolve_session",
    "security_summary",
    "sign_in",
    "sign_out",
    "sign_out_everywhere",
]
