"""Signing in with a password, forgotten and changed passwords, and the security page.

Sessions live in ``sessions.py``, failure counting and waits in ``lockout.py``,
the second factor in ``two_step.py``; this module puts them together.

Every function works on the caller's session and never commits: the caller's unit
of work commits the change and any mail queued with it, or rolls both back.
``now`` is always passed in (aware UTC, as ``clock.utcnow`` gives) so tests
freeze time. Nothing here adds or strips a time zone: ``now`` is compared with
and written to the timestamp columns as given.

The rules:

* one vague failure for every wrong sign-in (unknown email, wrong password, closed
  account); an unknown email is checked against a dummy argon2 hash so it takes as
  long as a wrong password, and is counted by the throttles exactly like a real one;
* nobody is ever locked out (``lockout.py``, ``docs/security-policy.md``): too many
  failures from one address at one account make that address wait ("wait"); many
  failures at the account from everywhere, or from the address at every account, ask
  for one more check after the right password: the second factor when two-step is on,
  otherwise the emailed link to choose a new password ("check_email");
* the right password starts a new session (``sessions.create_session``), or with
  two-step on hands out a two-step token (``two_step.complete_two_step`` finishes);
* a reset email is capped per account and client address, and per account, but a
  stranger cannot use the caps up against the owner: while the account holds no
  working link one is always sent, and a newer link never cancels an older one;
* choosing a new password, from a reset link or while signed in, forgets the
  account's sign-in failures and ends its other sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, update
from sqlmodel import Session, func, select

from portal_app import routes
from portal_app.models import PasswordReset, Person, PortalUser, RecoveryCode, Tenancy
from portal_app.services import audit, throttle, tokens
from portal_app.services.identity import history, lockout, passwords, resets, sessions, two_step
from portal_app.services.identity.notices import queue_account_mail
from portal_app.services.identity.sessions import SignInOutcome, create_session, end_sessions
from portal_app.settings import get_settings

# Longest password we spend argon2 time on; the password rules allow 128.
_VERIFY_MAX_CHARS = 1024


@dataclass(frozen=True)
class SecuritySummary:
    previous_sign_in_at: datetime | None
    last_sign_in_at: datetime | None
    two_step_enabled: bool
    recovery_codes_left: int


# ---------------------------------------------------------------------------
# Small data functions


def normalise_email(email: str | None) -> str:
    return lockout.normalise_email(email)


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
    session: Session,
    email: str,
    password: str,
    *,
    client: str,
    client_ip: str,
    now: datetime,
    idle_minutes: int | None = None,
) -> SignInOutcome:
    """Check an email and password.

    ``client`` describes the device for the sessions list; ``client_ip`` is the address the
    throttles count (the IP alone). Outcomes: "signed_in" (with the token), "two_step" (with
    the two-step token), "failed" (every failure looks the same), "wait" (this address must
    wait ``retry_after_seconds`` before its next try is checked) and "check_email" (the
    right password is not enough on its own just now: if it was right, a link to choose a
    new password has been emailed; the answer is the same when it was wrong).
    ``idle_minutes`` is the new session's idle limit (see ``create_session``)."""
    typed = normalise_email(email)
    address = throttle.client_address(client_ip)
    wait = lockout.wait_seconds(session, typed, address, now=now)
    if wait:
        # Refused before anything is checked, and not counted: no line either (the wait
        # began with a failure that has one), so trying inside a wait cannot fill the log.
        return SignInOutcome("wait", retry_after_seconds=wait)

    # Unknown email or closed account: spend the same time as a real check, and count it the
    # same way, so neither the time nor the throttles reveal which emails have accounts.
    user = active_user_by_email(session, typed)
    right = _check_password(user.password_hash if user else passwords.DUMMY_HASH, password) and user is not None
    extra_check = lockout.extra_check_needed(
        session,
        typed,
        address,
        stage="password",
        now=now,
        password_changed_at=user.password_changed_at if user else None,
    )
    seen = dict(now=now, client_ip=client_ip, user=user, client=client)
    if not right or user is None:
        waits = lockout.record_failure(session, typed, address, stage="password", now=now, user=user)
        history.record_failure(session, step=history.PASSWORD_STEP, waits=waits, **seen)
        return SignInOutcome("check_email" if extra_check else "failed")

    if user.totp_enabled:  # the second factor is the extra check
        return SignInOutcome("two_step", two_step_token=two_step.issue_two_step_token(user.id, now=now))
    if extra_check:
        resets.send_sign_in_check(session, user, address, now=now)
        history.record(
            session,
            audit.SIGN_IN_WAIT,
            proved=False,
            detail={"reason": history.EXTRA_CHECK, "step": history.PASSWORD_STEP},
            **seen,
        )
        return SignInOutcome("check_email")
    token = create_session(session, user.id, client=client, now=now, idle_minutes=idle_minutes)
    lockout.record_success(session, typed, address, now=now)
    history.record(session, audit.SIGNED_IN, detail={"step": history.PASSWORD_STEP}, **seen)
    return SignInOutcome("signed_in", token=token)


def sign_in_after_registering(
    session: Session,
    user_id: int,
    *,
    client: str,
    client_ip: str | None,
    now: datetime,
    idle_minutes: int | None = None,
) -> str:
    """The session that finishing registration starts (the emailed code proved the address),
    with its line in the audit log like any other sign-in. Returns the session token."""
    token = create_session(session, user_id, client=client, now=now, idle_minutes=idle_minutes)
    history.record(
        session,
        audit.SIGNED_IN,
        user_id=user_id,
        now=now,
        client_ip=client_ip,
        client=client,
        detail={"step": history.REGISTERED_STEP},
    )
    return token


# ---------------------------------------------------------------------------
# Forgotten password


def not_me(session: Session, user_id: int, *, now: datetime, client_ip: str | None = None) -> int:
    """ "Not you?" on the home page: end every session of this account and email a reset
    link, in one unit of work (never signed out everywhere with no link on its way).
    Returns how many sessions ended. The resident is signed in, so no cap applies."""
    ended = sessions.sign_out_everywhere(session, user_id, now=now)
    user = session.get(PortalUser, user_id)
    if user is not None and user.status == "active":
        resets.queue_reset_link(session, user, reason="not_me", now=now)
        history.record(
            session,
            audit.SIGNED_OUT,
            user=user,
            now=now,
            client_ip=client_ip,
            detail={"everywhere": True, "not_me": True},
        )
    return ended


def sign_out_everywhere(session: Session, user_id: int, *, now: datetime, client_ip: str | None = None) -> int:
    """The resident's own "Sign out everywhere" (security page): every session ends, this
    one included, and the audit log says the resident did it. Returns how many were live.
    (Staff ending a resident's sessions use ``sessions.sign_out_everywhere`` and write their
    own line.)"""
    ended = sessions.sign_out_everywhere(session, user_id, now=now)
    history.record(
        session, audit.SIGNED_OUT, user_id=user_id, now=now, client_ip=client_ip, detail={"everywhere": True}
    )
    return ended


def request_password_reset(session: Session, email: str, *, client_ip: str, now: datetime) -> None:
    """Email a single-use link to choose a new password (the forgotten-password page).

    Behaves the same whether or not the email belongs to an account; for an unknown
    (or closed) account no mail is queued. ``client_ip`` is the asking address: see
    ``resets.send_within_caps`` for the caps, and why a stranger cannot use them up.
    """
    user = active_user_by_email(session, email)
    if user is None:
        return None
    resets.send_within_caps(session, user, throttle.client_address(client_ip), reason="forgotten", now=now)
    return None


def _open_reset(session: Session, token: str | None, *, now: datetime) -> tuple[PasswordReset, PortalUser] | None:
    if not token or len(token) > 200:
        return None
    token_hash = tokens.hash_token(token, purpose=resets.RESET_PURPOSE)
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


def _own_details(session: Session, user: PortalUser) -> passwords.OwnDetails:
    """What the account's new password must not be made of: its own record's name, date of
    birth, tenancy reference, email and mobile."""
    person = session.get(Person, user.person_id)
    tenancy = session.get(Tenancy, user.tenancy_id)
    return passwords.OwnDetails(
        names=(person.first_name, person.last_name) if person else (),
        date_of_birth=person.date_of_birth if person else None,
        tenancy_reference=tenancy.tenancy_ref if tenancy else "",
        email=user.email,
        mobile=user.mobile,
    )


def _set_password(session: Session, user: PortalUser, new_password: str, *, now: datetime) -> None:
    """The new password, and what it ends: every open reset link, the sign-in failures."""
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now
    session.add(user)
    resets.expire_open_resets(session, user.id, now=now)
    lockout.forget_failures(session, user.email)
    throttle.clear_hits(session, lockout.reauth_key(user.id))


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


def reset_password(
    session: Session, token: str, new_password: str, *, now: datetime, client_ip: str | None = None
) -> str | None:
    """Set a new password from a reset link. Returns an error message, or None on success.

    On success the link (and every other open link) is used up, the account's sign-in
    failures are forgotten, every session of the account ends and a "your password was
    changed" email is queued.
    """
    found = _open_reset(session, token, now=now)
    if found is None:
        return RESET_LINK_PROBLEM
    reset, user = found
    problem = passwords.password_problem(new_password, own=_own_details(session, user))
    if problem:
        return problem
    used = session.exec(
        update(PasswordReset).where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None)).values(used_at=now)
    )
    if used.rowcount != 1:  # used by a parallel request a moment ago
        return RESET_LINK_PROBLEM
    _set_password(session, user, new_password, now=now)
    end_sessions(session, user.id, reason="password_reset", now=now)
    _queue_password_changed_mail(session, user, everywhere=True, now=now)
    history.record(session, audit.PASSWORD_RESET, user=user, now=now, client_ip=client_ip)
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
    client_ip: str | None = None,
) -> dict[str, str]:
    """Change the password of a signed-in resident. Returns field -> error; empty on success.

    Fields: "current_password", "new_password". On success every other session ends.
    Wrong current passwords are counted for this account (``lockout.reauth_key``; only a
    signed-in session adds to it): past ``signin_free_tries`` the next try waits, growing,
    before the current password is checked.
    """
    user = session.get(PortalUser, user_id)
    if user is None or user.status != "active":
        return {"current_password": "Your current password is not right"}
    wait = lockout.reauth_wait_seconds(session, user.id, now=now)
    if wait:
        return {
            "current_password": (
                f"You have entered the wrong password too many times. Wait {throttle.wait_words(wait)}, then try again"
            )
        }
    if not current_password:
        return {"current_password": "Enter your current password"}
    if not _check_password(user.password_hash, current_password):
        throttle.record_hit(session, lockout.reauth_key(user.id), now)
        return {"current_password": "Your current password is not right"}
    if new_password == current_password:
        return {"new_password": "Your new password must be different from your current password"}
    problem = passwords.password_problem(new_password, own=_own_details(session, user))
    if problem:
        return {"new_password": problem}
    _set_password(session, user, new_password, now=now)
    end_sessions(session, user.id, reason="password_changed", now=now, except_token=keep_token)
    _queue_password_changed_mail(session, user, everywhere=not keep_token, now=now)
    history.record(session, audit.PASSWORD_CHANGED, user=user, now=now, client_ip=client_ip)
    session.flush()
    return {}


# ---------------------------------------------------------------------------
# The security page


# Built once (the home page's load asks on every visit), the user bound when it runs; the
# three columns it says, not the whole row (its password hash and two-step secret).
_SIGN_IN_TIMES = select(PortalUser.previous_sign_in_at, PortalUser.last_sign_in_at, PortalUser.totp_enabled).where(
    PortalUser.id == bindparam("user_id")
)
_CODES_LEFT = (
    select(func.count())
    .select_from(RecoveryCode)
    .where(RecoveryCode.user_id == bindparam("user_id"), RecoveryCode.used_at.is_(None))
)


def security_summary(session: Session, user_id: int) -> SecuritySummary:
    user = session.exec(_SIGN_IN_TIMES, params={"user_id": user_id}).first()
    if user is None:
        raise ValueError("no account with that id")
    left = session.exec(_CODES_LEFT, params={"user_id": user_id}).one() if user.totp_enabled else 0
    return SecuritySummary(
        previous_sign_in_at=user.previous_sign_in_at,
        last_sign_in_at=user.last_sign_in_at,
        two_step_enabled=bool(user.totp_enabled),
        recovery_codes_left=int(left),
    )


__all__ = [
    "RESET_LINK_PROBLEM",
    "SecuritySummary",
    "active_user_by_email",
    "change_password",
    "normalise_email",
    "not_me",
    "request_password_reset",
    "reset_password",
    "reset_token_is_valid",
    "security_summary",
    "sign_in",
    "sign_in_after_registering",
    "sign_out_everywhere",
]
