"""Officers' single sign-on: what the portal keeps while the officer is at the landlord's
identity provider, and who the provider's answer signs in.

The provider side (the authorisation URL, the code exchange, the ID token's checks) is
``integrations/oidc.py``; the HTTP routes are ``api/staff_sso.py``. Here:

* ``remember_start`` keeps a sign-in's pending values (state, nonce, PKCE verifier) in a
  ``StaffSignInStart`` row: found by a keyed hash of the state, the nonce and verifier
  encrypted, bound to the browser by the hash of a random value the route sets in an
  HttpOnly cookie, ten minutes long. Nothing of it is in the page's state or scripts.
* ``redeem_start`` uses that row once, for the browser that began it: one conditional
  UPDATE (``used_at IS NULL``) marks it used and wipes its secrets, so a replayed or
  raced callback gets nothing.
* ``sign_in_verified`` matches the provider's identity to a staff member on
  ``(issuer, subject)``, the provider's immutable id, never on the email (an email is
  reassigned, renamed, or typed by whoever administers the provider); a subject linked
  to nobody, or to a disabled member, is refused. It starts the staff session
  (``services/staff/sessions.py``, method ``sso``) and writes the audit line.
* ``MESSAGES``: what the staff sign-in page says for each ``?sso=`` reason.

Every sign-in and refusal is audited (``staff_signed_in``, ``staff_sign_in_failed``
with ``method: sso`` and the reason code); never a code, token, state or nonce.
No reflex import. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import InvalidToken
from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from portal_app import routes
from portal_app.integrations.oidc import Pending, VerifiedIdentity
from portal_app.models import StaffMember, StaffSignInStart
from portal_app.services import audit, throttle, tokens
from portal_app.services.staff import sessions

STATE_PURPOSE = "staff-sso-state"
BROWSER_PURPOSE = "staff-sso-browser"
START_VALID = timedelta(minutes=10)
KEEP_USED = timedelta(days=1)  # used or late rows are deleted after this (``purge``)
# Sign-ins one client address may begin in START_WINDOW: each keeps a row for ten minutes.
STARTS_PER_ADDRESS = 30
START_WINDOW = timedelta(minutes=10)
METHOD = "sso"

# The staff sign-in page's words for ``?sso=<reason>`` (routes.staff_sign_in_sso_refused).
NOT_LINKED = "not_linked"
DISABLED = "disabled"
EXPIRED = "expired"
CANCELLED = "cancelled"
UNAVAILABLE = "unavailable"
REFUSED = "refused"
BUSY = "busy"
MESSAGES: dict[str, str] = {
    NOT_LINKED: "Your organisation account is not linked to a Doorstep staff account: ask an administrator.",
    DISABLED: "Your Doorstep staff account is switched off: ask an administrator.",
    EXPIRED: "That sign-in was not finished in time, or was already used. Try again.",
    CANCELLED: "You did not finish signing in with your organisation account. Try again when you are ready.",
    UNAVAILABLE: "Signing in with your organisation account is not working just now. "
    "Try again later, or sign in with your email address, password and code.",
    REFUSED: "Your organisation account's sign-in could not be checked, so you are not signed in. Try again.",
    BUSY: "Too many sign-ins were begun from here. Wait a few minutes and try again.",
}

# integrations/oidc.SignInRefused reasons -> the page's reason. What the provider or the
# network got wrong is "unavailable"; a token or callback that fails a check is "refused".
_PAGE_REASON = {
    "not_configured": UNAVAILABLE,
    "provider_unreachable": UNAVAILABLE,
    "provider_misconfigured": UNAVAILABLE,
    "cancelled": CANCELLED,
}


def message_for(reason: str | None) -> str:
    """The staff sign-in page's message for a ``?sso=`` value ("" for none or an unknown one)."""
    return MESSAGES.get(reason or "", "")


def page_reason(refusal_reason: str) -> str:
    """The ``?sso=`` reason for a refusal from ``integrations/oidc.py``."""
    return _PAGE_REASON.get(refusal_reason, REFUSED)


def staff_next(raw: str | None) -> str:
    """``next`` cut to a back-office page (not the sign-in page itself); else its home."""
    path = routes.safe_next(raw) if raw else routes.STAFF_HOME
    bare = path.split("?", 1)[0]
    inside = bare == routes.STAFF_HOME or bare.startswith(routes.STAFF_PREFIX + "/")
    return path if inside and bare != routes.STAFF_SIGN_IN else routes.STAFF_HOME


# --- the pending sign-in -------------------------------------------------------------


def may_start(session: Session, client_ip: str | None, *, now: datetime) -> bool:
    """Whether this address may begin another sign-in (and count it if so)."""
    key = f"staff-sso-start:{throttle.digest(throttle.client_address(client_ip), purpose='staff-sso-ip')}"
    if throttle.hits_since(session, key, now, START_WINDOW) >= STARTS_PER_ADDRESS:
        return False
    throttle.record_hit(session, key, now)
    return True


def remember_start(session: Session, pending: Pending, *, next_path: str | None, now: datetime) -> str:
    """Keep a sign-in's pending values; returns the value for the browser's cookie."""
    browser = tokens.new_token()
    session.add(
        StaffSignInStart(
            state_hash=tokens.hash_token(pending.state, purpose=STATE_PURPOSE),
            nonce_enc=tokens.encrypt(pending.nonce),
            verifier_enc=tokens.encrypt(pending.code_verifier),
            browser_hash=tokens.hash_token(browser, purpose=BROWSER_PURPOSE),
            next_path=staff_next(next_path)[:500],
            created_at=now,
            expires_at=now + START_VALID,
        )
    )
    session.flush()
    return browser


@dataclass(frozen=True)
class Redeemed:
    pending: Pending
    next_path: str


def redeem_start(session: Session, state: str | None, browser: str | None, *, now: datetime) -> Redeemed | None:
    """The pending sign-in ``state`` names, used once, for the browser that began it; None
    when unknown, used, late, or asked for by another browser (which leaves it alone)."""
    if not state or not browser or len(state) > 200 or len(browser) > 200:
        return None
    row = session.exec(
        select(StaffSignInStart).where(StaffSignInStart.state_hash == tokens.hash_token(state, purpose=STATE_PURPOSE))
    ).first()
    if row is None or row.used_at is not None or not row.nonce_enc or now >= row.expires_at:
        return None
    if not tokens.tokens_equal(row.browser_hash, tokens.hash_token(browser, purpose=BROWSER_PURPOSE)):
        return None
    nonce_enc, verifier_enc = row.nonce_enc, row.verifier_enc
    won = session.exec(
        update(StaffSignInStart)
        .where(StaffSignInStart.id == row.id, StaffSignInStart.used_at.is_(None))
        .values(used_at=now, nonce_enc="", verifier_enc="")
    )
    if won.rowcount != 1:
        return None
    try:
        pending = Pending(state=state, nonce=tokens.decrypt(nonce_enc), code_verifier=tokens.decrypt(verifier_enc))
    except InvalidToken:  # the encryption key changed under it: begin again
        return None
    return Redeemed(pending=pending, next_path=row.next_path)


def purge(session: Session, *, now: datetime) -> int:
    """Delete pending sign-ins used or late for more than ``KEEP_USED``; returns how many went."""
    result = session.exec(delete(StaffSignInStart).where(StaffSignInStart.expires_at < now - KEEP_USED))
    return result.rowcount or 0


# --- who it signs in -------------------------------------------------------------------


@dataclass(frozen=True)
class SsoSignIn:
    status: str  # signed_in | not_linked | disabled
    token: str | None = None  # the new staff session's, once
    staff_id: int | None = None


def _linked_member(session: Session, issuer: str, subject: str) -> StaffMember | None:
    if not issuer or not subject:
        return None
    # The issuer as the provider's discovery document names it; an administrator may have
    # recorded it with or without its trailing slash (OIDC_ISSUER, create-staff).
    spellings = {issuer, issuer.rstrip("/"), issuer.rstrip("/") + "/"}
    return session.exec(
        select(StaffMember).where(col(StaffMember.oidc_issuer).in_(spellings), StaffMember.oidc_subject == subject)
    ).first()


def sign_in_verified(
    session: Session, identity: VerifiedIdentity, *, now: datetime, client: str = "", client_ip: str | None = None
) -> SsoSignIn:
    """Sign in the staff member the provider's (issuer, subject) is linked to."""
    member = _linked_member(session, identity.issuer, identity.subject)
    if member is None:
        # The subject is the provider's id, not a secret: an administrator links it from here.
        audit.record(
            session,
            action=audit.STAFF_SIGN_IN_FAILED,
            actor_kind=audit.ANONYMOUS,
            actor_label=(identity.name or "")[:254],
            now=now,
            detail={"method": METHOD, "reason": NOT_LINKED, "issuer": identity.issuer, "subject": identity.subject},
            client_ip=client_ip,
        )
        return SsoSignIn(NOT_LINKED)
    if member.status != "active":
        audit.record(
            session,
            action=audit.STAFF_SIGN_IN_FAILED,
            actor_kind=audit.STAFF,
            actor_id=member.id,
            actor_label=member.name,
            now=now,
            detail={"method": METHOD, "reason": DISABLED},
            client_ip=client_ip,
        )
        return SsoSignIn(DISABLED, staff_id=member.id)
    token = sessions.start(session, member.id, now=now, client=client, client_ip=client_ip, method=METHOD)
    audit.record(
        session,
        action=audit.STAFF_SIGNED_IN,
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        now=now,
        detail={"method": METHOD},
        client_ip=client_ip,
    )
    return SsoSignIn("signed_in", token=token, staff_id=member.id)


def record_refusal(session: Session, reason: str, *, now: datetime, client_ip: str | None = None) -> None:
    """An audit line for a single sign-on that stopped before anyone was known."""
    audit.record(
        session,
        action=audit.STAFF_SIGN_IN_FAILED,
        actor_kind=audit.ANONYMOUS,
        now=now,
        detail={"method": METHOD, "reason": reason[:40]},
        client_ip=client_ip,
    )


__all__ = [
    "MESSAGES",
    "Redeemed",
    "SsoSignIn",
    "may_start",
    "message_for",
    "page_reason",
    "purge",
    "redeem_start",
    "remember_start",
    "record_refusal",
    "sign_in_verified",
    "staff_next",
]
