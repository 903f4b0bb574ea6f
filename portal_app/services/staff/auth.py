"""Staff sign-in with a password and an authenticator code, both required, every time.

* One vague refusal for any wrong part ("email, password or code is not right"), and an
  unknown email is checked against a dummy hash so it takes as long.
* A code works once: its time step is stored (``totp_last_step``) and an older or equal
  step is refused, so a code seen over a shoulder cannot be replayed.
* Failures from one address at one account make that pair wait, growing, as residents'
  do (``docs/security-policy.md``); nobody is ever locked out.
* Every try is audited (``staff_signed_in``, ``staff_sign_in_failed``), without the password or code.

No reflex import. Nothing here commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import InvalidToken
from sqlalchemy import or_, update
from sqlmodel import Session, select

from portal_app.models import StaffMember
from portal_app.services import audit, throttle, tokens
from portal_app.services.identity import passwords, two_step
from portal_app.services.staff import sessions
from portal_app.services.validation import normalise_email
from portal_app.settings import get_settings

log = logging.getLogger("doorstep.staff")

REFUSED = "The email address, password or code is not right"


@dataclass(frozen=True)
class StaffSignIn:
    status: str  # signed_in | failed | wait
    token: str | None = None
    retry_after_seconds: int = 0


def _pair_key(address: str, client_ip: str | None) -> str:
    return (
        f"staff-pair:{throttle.digest(address, purpose='staff-email')}:"
        f"{throttle.digest(throttle.client_address(client_ip), purpose='staff-ip')}"
    )


def accept_code(session: Session, member: StaffMember, code: str, now: datetime) -> bool:
    """Whether ``code`` is the member's current authenticator code, used for the first time."""
    if not member.totp_secret_enc:
        return False
    digits = "".join(ch for ch in (code or "") if ch.isdigit())[:6]
    if len(digits) != 6:
        return False
    try:
        secret = tokens.decrypt(member.totp_secret_enc)
    except InvalidToken:
        log.error("authenticator key for staff %s cannot be decrypted (encryption key changed?)", member.id)
        return False
    step = two_step.matched_step(secret, digits, now)
    if step is None:
        return False
    moved = session.exec(
        update(StaffMember)
        .where(
            StaffMember.id == member.id, or_(StaffMember.totp_last_step.is_(None), StaffMember.totp_last_step < step)
        )
        .values(totp_last_step=step)
    )
    return moved.rowcount == 1


def sign_in(
    session: Session, *, email: str, password: str, code: str, now: datetime, client_ip: str | None, client: str = ""
) -> StaffSignIn:
    """Check all three (email, password, code) and start a back-office session."""
    settings = get_settings()
    address = normalise_email(email or "") or (email or "").strip().lower()[:254]
    key = _pair_key(address, client_ip)
    window = timedelta(minutes=settings.signin_window_minutes)
    failures, latest = throttle.count_and_latest(session, key, now, window)
    wait = throttle.backoff_seconds(failures, free=settings.signin_free_tries, cap=settings.signin_max_wait_seconds)
    left = throttle.seconds_left(latest, wait, now)
    if left:
        return StaffSignIn("wait", retry_after_seconds=left)

    member = session.exec(select(StaffMember).where(StaffMember.email == address)).first() if address else None
    stored_hash = member.password_hash if member and member.password_hash else passwords.DUMMY_HASH
    right_password = passwords.verify_password(stored_hash, password or "") and stored_hash != passwords.DUMMY_HASH
    ok = bool(member and member.status == "active" and right_password and accept_code(session, member, code, now))
    if not ok:
        throttle.record_hit(session, key, now)
        audit.record(
            session,
            action=audit.STAFF_SIGN_IN_FAILED,
            actor_kind=audit.STAFF if member else audit.ANONYMOUS,
            actor_id=member.id if member else None,
            actor_label=address,
            client_ip=client_ip,
            now=now,
        )
        failures += 1
        wait = throttle.backoff_seconds(failures, free=settings.signin_free_tries, cap=settings.signin_max_wait_seconds)
        return StaffSignIn("failed", retry_after_seconds=wait)
    throttle.clear_hits(session, key)
    token = sessions.start(session, member.id, now=now, client=client, client_ip=client_ip, method="password")
    audit.record(
        session,
        action=audit.STAFF_SIGNED_IN,
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        detail={"method": "password and authenticator code"},
        client_ip=client_ip,
        now=now,
    )
    return StaffSignIn("signed_in", token=token)


__all__ = ["REFUSED", "StaffSignIn", "accept_code", "sign_in"]
