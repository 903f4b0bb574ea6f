"""Changing the sign-in email address (issue 18 item 2): only with a code sent to the new one.

* ``start_email_change``: the new address is checked (shaped like an address, not the one
  in use now), and a 6-digit code goes to it (``mail_templates.email_change_code``). The
  code is kept only as a keyed hash bound to this change, this user and this address
  (``EmailChange``), valid for ``VALID_MINUTES``. A new request replaces the pending one
  (it is ``replaced``, its code no longer works). At most ``MAX_REQUESTS_PER_DAY`` a day,
  ``settings.code_resend_seconds`` apart.
* An address another active (or disabled) portal account uses is refused, without saying
  so on the page (which could otherwise find out whose address is registered): no code is
  sent, to it or anywhere, and the change it makes can never be confirmed. Nothing goes to
  that address either, so the page cannot be used to fill another resident's inbox.
* ``confirm_email_change``: the right code, in time, within ``MAX_WRONG_TRIES``, changes the
  email in one unit of work: the address, the change ``done``, an audit line
  (``contact_details_changed``, "email address", never the addresses) and an email to the
  OLD address that it changed, with our phone number if it was not them. A wrong or
  expired code changes nothing; the last wrong try ends the change (``failed``).

The code never leaves this module except in the email: it is in no return value. No
reflex import; nothing here commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from portal_app.models import EmailChange, PortalUser
from portal_app.services import audit
from portal_app.services.identity import history
from portal_app.services.mail import templates as mail_templates
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.requests.common import as_utc, text_of
from portal_app.services.tokens import hash_token, new_code, tokens_equal
from portal_app.services.validation import EMAIL_MAX_LENGTH, normalise_email
from portal_app.settings import Settings, get_settings

VALID_MINUTES = 30
MAX_WRONG_TRIES = 5
MAX_REQUESTS_PER_DAY = 5
CODE_DIGITS = 6
HELD_STATUSES = ("active", "disabled")  # as registration: a disabled account still holds its address
EMAIL_WORDS = "email address"
KIND_CODE = "email_change_code"
KIND_CHANGED = "email_changed"

PENDING, DONE, REPLACED, FAILED = "pending", "done", "replaced", "failed"


@dataclass(frozen=True)
class Started:
    errors: dict[str, str]  # field "new_email" -> message; empty when a code was sent
    new_email: str = ""  # where the code went


@dataclass(frozen=True)
class Confirmed:
    outcome: str  # changed | wrong | format | expired | ended | none
    tries_left: int = 0
    new_email: str = ""  # when changed


def _purpose(change: EmailChange) -> str:
    return f"email-change:{change.id}:{change.user_id}:{change.new_email}"


def _pending(session: Session, user_id: int) -> EmailChange | None:
    stmt = (
        select(EmailChange)
        .where(EmailChange.user_id == user_id, EmailChange.status == PENDING)
        .order_by(EmailChange.id.desc())
    )
    return session.exec(stmt).first()


def pending_email(session: Session, user_id: int, *, now: datetime) -> str:
    """The new address a code was sent to and is still waiting for, or ""."""
    change = _pending(session, user_id)
    if change is None or as_utc(change.expires_at) <= as_utc(now) or change.wrong_tries >= MAX_WRONG_TRIES:
        return ""
    return change.new_email


def _in_use(session: Session, email: str, user_id: int) -> bool:
    stmt = select(PortalUser.id).where(
        PortalUser.email == email, PortalUser.status.in_(HELD_STATUSES), PortalUser.id != user_id
    )
    return session.exec(stmt).first() is not None


def start_email_change(
    session: Session, user_id: int, new_email: object, *, now: datetime, settings: Settings | None = None
) -> Started:
    """Send a code to ``new_email`` for the signed-in resident ``user_id``. Field: "new_email"."""
    settings = settings or get_settings()
    now = as_utc(now)
    user = session.get(PortalUser, user_id)
    if user is None or user.status != "active":
        return Started({"new_email": "We could not change your email address. Sign in again"})
    raw = text_of(new_email).strip()
    if not raw:
        return Started({"new_email": "Enter your new email address"})
    if len(raw) > EMAIL_MAX_LENGTH:
        return Started({"new_email": f"Email address must be {EMAIL_MAX_LENGTH} characters or fewer"})
    email = normalise_email(raw)
    if email is None:
        return Started({"new_email": "Enter an email address in the correct format, like name@example.com"})
    if email == user.email:
        return Started({"new_email": "This is the email address you use now. Enter a different one"})
    day_ago = now - timedelta(days=1)
    recent = session.exec(
        select(EmailChange.created_at).where(EmailChange.user_id == user_id).order_by(EmailChange.id.desc())
    ).all()
    made_today = [at for at in recent if as_utc(at) > day_ago]
    if len(made_today) >= MAX_REQUESTS_PER_DAY:
        return Started({"new_email": "You have asked for too many codes today. Try again tomorrow, or phone us"})
    if made_today and (now - as_utc(made_today[0])).total_seconds() < settings.code_resend_seconds:
        wait = settings.code_resend_seconds - int((now - as_utc(made_today[0])).total_seconds())
        return Started({"new_email": f"Wait {max(wait, 1)} seconds before asking for another code"})

    old = _pending(session, user_id)
    while old is not None:  # a new request replaces the pending one (there is only ever one)
        old.status = REPLACED
        old.completed_at = now
        session.add(old)
        session.flush()
        old = _pending(session, user_id)

    change = EmailChange(
        user_id=user_id,
        new_email=email,
        code_hash="",
        expires_at=now + timedelta(minutes=VALID_MINUTES),
        created_at=now,
    )
    session.add(change)
    session.flush()  # the id binds the code's hash to this change
    if _in_use(session, email, user_id):
        # A code nobody is sent: this change can never be confirmed. Nothing is sent to the
        # other account's address either: the page could otherwise be used to fill its inbox.
        change.code_hash = hash_token(secrets.token_hex(16), purpose=_purpose(change))
    else:
        code = new_code(CODE_DIGITS)
        change.code_hash = hash_token(code, purpose=_purpose(change))
        mail = mail_templates.email_change_code(code, valid_minutes=VALID_MINUTES, settings=settings)
        queue_mail(session, to=email, subject=mail.subject, body=mail.body, kind=KIND_CODE, now=now)
    session.add(change)
    session.flush()
    return Started({}, email)


def cancel_email_change(session: Session, user_id: int, *, now: datetime) -> None:
    """Forget the pending change (the resident chose another address or gave up)."""
    change = _pending(session, user_id)
    if change is not None:
        change.status = REPLACED
        change.completed_at = as_utc(now)
        session.add(change)
        session.flush()


def confirm_email_change(
    session: Session,
    user_id: int,
    code: object,
    *,
    now: datetime,
    client_ip: str | None = None,
    settings: Settings | None = None,
) -> Confirmed:
    """Check the code sent to the new address and, when right, change the email."""
    settings = settings or get_settings()
    now = as_utc(now)
    user = session.get(PortalUser, user_id)
    change = _pending(session, user_id)
    if user is None or user.status != "active" or change is None:
        return Confirmed("none")
    if change.wrong_tries >= MAX_WRONG_TRIES:
        return Confirmed("ended")
    if as_utc(change.expires_at) <= now:
        return Confirmed("expired")
    typed = "".join(text_of(code).split()).replace("-", "")[:64]
    if len(typed) != CODE_DIGITS or not (typed.isascii() and typed.isdigit()):
        return Confirmed("format", MAX_WRONG_TRIES - change.wrong_tries)
    right = bool(change.code_hash) and tokens_equal(hash_token(typed, purpose=_purpose(change)), change.code_hash)
    if right and _in_use(session, change.new_email, user_id):
        right = False  # taken by another account since the code was sent
    if not right:
        change.wrong_tries += 1
        if change.wrong_tries >= MAX_WRONG_TRIES:
            change.status = FAILED
            change.completed_at = now
        session.add(change)
        session.flush()
        left = MAX_WRONG_TRIES - change.wrong_tries
        return Confirmed("wrong" if left > 0 else "ended", left)

    old_email = user.email
    user.email = change.new_email
    change.status = DONE
    change.completed_at = now
    change.code_hash = ""
    session.add(user)
    session.add(change)
    history.record(
        session,
        audit.CONTACT_DETAILS_CHANGED,
        user=user,
        now=now,
        client_ip=client_ip,
        detail={"changed": [EMAIL_WORDS]},
    )
    mail = mail_templates.email_changed(new_address=change.new_email, changed_at=now, settings=settings)
    queue_mail(session, to=old_email, subject=mail.subject, body=mail.body, kind=KIND_CHANGED, now=now)
    session.flush()
    return Confirmed("changed", new_email=change.new_email)


__all__ = ["Confirmed", "Started", "cancel_email_change", "confirm_email_change", "pending_email", "start_email_change"]
