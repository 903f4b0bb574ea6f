"""Emailing a link to choose a new password, and the caps on how often.

The link is the way back into an account for a resident who forgot the password, and the
extra check at sign-in when there have been many failures from elsewhere
(``lockout.extra_check_needed``), so the caps on it must never become a lockout that a
stranger can cause (ASVS 5.0 6.1.1; ``docs/security-policy.md``):

* ``settings.reset_mail_per_address`` emails an hour for one account asked from one client
  address, and ``settings.reset_mail_per_account`` an hour for the account from all
  addresses together; an address the account signed in from lately (the owner's own,
  ``lockout.is_known_address``) is not held back by the second cap;
* every email goes only to the account's own address, and a newer link never cancels an
  older one (using any link ends them all), so whatever a stranger asks for lands in the
  owner's inbox as working links;
* while the account has no working link, one is always sent, whatever the counts: past
  the caps that is at most one email per link lifetime (``reset_valid_minutes``).

Nothing here commits; ``now`` is passed in (aware UTC).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from portal_app import routes
from portal_app.models import PasswordReset, PortalUser
from portal_app.services import throttle, tokens
from portal_app.services.identity import lockout
from portal_app.services.identity.notices import queue_account_mail
from portal_app.settings import get_settings

RESET_PURPOSE = "reset"
# Reset emails are counted over this window (settings.reset_mail_per_address, _per_account).
RESET_MAIL_WINDOW = timedelta(hours=1)


def expire_open_resets(session: Session, user_id: int, *, now: datetime) -> None:
    session.exec(
        update(PasswordReset)
        .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None), PasswordReset.expires_at > now)
        .values(expires_at=now)
    )


def has_working_link(session: Session, user_id: int, *, now: datetime) -> bool:
    return (
        session.exec(
            select(PasswordReset.id)
            .where(PasswordReset.user_id == user_id, PasswordReset.used_at.is_(None), PasswordReset.expires_at > now)
            .limit(1)
        ).first()
        is not None
    )


def reset_link(token: str) -> str:
    """The emailed link: to the route that keeps the token in a cookie, out of the page."""
    return f"{get_settings().base_url}{routes.reset_link(token)}"


def reset_pair_key(email: str, address: str) -> str:
    return f"reset:pair:{throttle.digest(lockout.normalise_email(email), purpose='email')}:{throttle.digest(address, purpose='address')}"


def reset_account_key(email: str) -> str:
    return f"reset:account:{throttle.digest(lockout.normalise_email(email), purpose='email')}"


def send_sign_in_check(session: Session, user: PortalUser, address: str, *, now: datetime) -> None:
    """The extra check at sign-in (``lockout.extra_check_needed``): the right password was typed,
    so email the account a link to choose a new password, within the same caps as the page."""
    send_within_caps(session, user, address, reason="check", now=now)


def send_within_caps(session: Session, user: PortalUser, address: str, *, reason: str, now: datetime) -> bool:
    """Queue a reset link unless the caps say no; True when one was queued.

    The caps stop mail bombing: ``reset_mail_per_address`` emails an hour for one account
    asked from one client address, and ``reset_mail_per_account`` an hour for the account
    from all addresses together (not counted against an address the account signed in from
    lately: the owner's own). A stranger cannot turn them into a lockout of the owner:

    * every email goes only to the account's own address, and a newer link never cancels an
      older one, so whatever a stranger asks for lands in the owner's inbox as working links;
    * while the account has no working link, one is always sent, whatever the counts (so
      past the caps at most one email per link lifetime, ``reset_valid_minutes``).
    """
    settings = get_settings()
    pair, account = reset_pair_key(user.email, address), reset_account_key(user.email)
    from_here = throttle.hits_since(session, pair, now, RESET_MAIL_WINDOW)
    from_all = throttle.hits_since(session, account, now, RESET_MAIL_WINDOW)
    owners_address = lockout.is_known_address(session, user.email, address, now=now)
    within_caps = from_here < settings.reset_mail_per_address and (
        from_all < settings.reset_mail_per_account or owners_address
    )
    if not within_caps and has_working_link(session, user.id, now=now):
        return False
    throttle.record_hit(session, pair, now)
    throttle.record_hit(session, account, now)
    queue_reset_link(session, user, reason=reason, now=now)
    return True


def queue_reset_link(session: Session, user: PortalUser, *, reason: str, now: datetime) -> None:
    settings = get_settings()
    token = tokens.new_token()
    session.add(
        PasswordReset(
            token_hash=tokens.hash_token(token, purpose=RESET_PURPOSE),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.reset_valid_minutes),
        )
    )
    lasts = f"The link works once, for {settings.reset_valid_minutes} minutes."
    if reason == "check":
        subject = f"Check it is you: choose a new password for your {settings.landlord_name} online account"
        text = (
            "Someone tried to sign in to your online account with the right password. There have been many "
            "wrong tries to sign in to your account, or from the same internet connection, so before anyone "
            "can sign in we need to check it is you.\n\n"
            f"If it was you, choose a new password with this link, then sign in with it:\n\n"
            f"{reset_link(token)}\n\n"
            f"{lasts}\n\n"
            "If it was not you, someone knows your password. Choose a new one with the link now, one that "
            "you do not use anywhere else."
        )
    elif reason == "office":
        # Sent by an officer while helping the resident (services/staff/residents.py).
        subject = f"Choose a new password for your {settings.landlord_name} online account"
        text = (
            f"You asked us, by phone or in person, to send you a link to choose a new password for your "
            f"online account. To choose one, open this link:\n\n"
            f"{reset_link(token)}\n\n"
            f"{lasts} If we have sent you more than one link, any of them works until you have used one.\n\n"
            f"Nobody at {settings.landlord_name} can see your password or choose it for you. If you did not "
            f"ask us for this, you can ignore this email: your password has not changed."
        )
    elif reason == "not_me":
        # "Not you?" on the home page (auth.not_me): the resident said a sign-in was not theirs.
        subject = f"You told us a sign-in was not you: choose a new password - {settings.landlord_name}"
        text = (
            "You told us a sign-in to your online account was not you. We have signed your account out on "
            "every device, this one included.\n\n"
            "Choose a new password now with this link, one that you do not use anywhere else:\n\n"
            f"{reset_link(token)}\n\n"
            f"{lasts} Until you choose a new password, your current password still works, so anyone who "
            "knows it could sign in again.\n\n"
            "Then sign in and check:\n"
            f"- your sign-in history, for sign-ins that were not you: {settings.base_url}{routes.SIGN_IN_HISTORY}\n"
            f"- two-step sign-in, which asks for a code as well as your password: {settings.base_url}{routes.SECURITY}\n\n"
            "If you use the same password for your email, change that one too."
        )
    else:
        subject = f"Choose a new password for your {settings.landlord_name} online account"
        text = (
            f"Someone, probably you, asked to choose a new password for your online account. "
            f"To choose one, open this link:\n\n"
            f"{reset_link(token)}\n\n"
            f"{lasts} If we have sent you more than one link, any of them works until you have used one.\n\n"
            f"If you did not ask for this, you can ignore this email. Your password has not changed."
        )
    queue_account_mail(session, user, subject=subject, text=text, kind="password_reset", now=now)


__all__ = [
    "RESET_MAIL_WINDOW",
    "RESET_PURPOSE",
    "expire_open_resets",
    "has_working_link",
    "queue_reset_link",
    "reset_account_key",
    "reset_link",
    "reset_pair_key",
    "send_sign_in_check",
    "send_within_caps",
]
