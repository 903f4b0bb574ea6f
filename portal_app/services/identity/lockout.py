"""Brute-force protection for signing in, without a lock that a stranger can use against a resident.

The policy, and why a stranger cannot lock a resident out, is written down in
``docs/security-policy.md`` ("Sign-in, reset and registration throttles"; ASVS 5.0 6.1.1 and
6.3.1, and the NCSC's password guidance: throttle rather than lock). The rules:

* A failure is a wrong password, or a wrong second-factor code. Failures are counted over
  ``signin_window_minutes`` for the *pair* (this email address from this client address),
  for the *account* (the email address, from every address) and for the *address* (every
  email address tried from it). The client address is the IP alone
  (``throttle.client_address``): changing the User-Agent changes nothing.
* The pair: after ``signin_free_tries`` failures the pair must wait 1 second, then 2, 4, 8 ...
  up to ``signin_max_wait_seconds``, counted from its latest failure, before a password or
  code is even checked (``wait_seconds``). A try inside the wait is refused and not counted.
  Only that pair waits: the resident at another address is not slowed at all.
* The account, from all addresses (``signin_account_limit`` failures: someone guessing from
  many places), and the address, at all accounts (``signin_address_limit``: one password
  tried at many accounts) never make anyone wait. Over either, the right password is not
  enough on its own (``extra_check_needed``): with two-step on, the code from the app is the
  extra check, as it always is; without it, we email the account a link to choose a new
  password, and the page says so whether or not the password was right, so the answer
  never tells a guesser that a password was right.
* The extra check is waived at an address the account signed in from in the last
  ``signin_known_address_days`` days (90: ``record_success`` remembers it, as a keyed hash), and for a
  password chosen in the last window (the emailed link has just proved the mailbox).
* Wrong codes at one account from all addresses (``signin_code_account_limit``) mean
  someone has the password: then a right code, too, needs the emailed link.
* The owner is emailed, at most once a day, when their account passes either limit.
* An email address with no account is counted in exactly the same way, so neither the
  waits nor the extra check reveal which addresses have accounts.
* Choosing a new password (from the link, or signed in) forgets the account's failures.
* Wrong current passwords on the security page (changing the password, turning two-step
  off) are counted per account under ``reauth_key``: only a signed-in session can add to
  that count, so a stranger cannot use it either.

Nothing here commits; ``now`` is passed in (aware UTC).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from sqlmodel import Session

from portal_app import routes
from portal_app.models import PortalUser
from portal_app.services import throttle
from portal_app.services.identity.notices import queue_account_mail
from portal_app.settings import get_settings

Stage = Literal["password", "code"]

# How long an address an account signed in from counts as the resident's own, by default
# (``SIGNIN_KNOWN_ADDRESS_DAYS``; the purge forgets older ones: services/identity/retention.py).
KNOWN_ADDRESS_DAYS = 90
KNOWN_PREFIX = "signin:known:"
# The owner hears about an attack on their account at most this often.
WARN_EVERY = timedelta(days=1)


# ---------------------------------------------------------------------------
# Keys: only keyed hashes of email and client addresses are stored


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def _email_part(email: str) -> str:
    return throttle.digest(normalise_email(email), purpose="email")


def _address_part(address: str) -> str:
    return throttle.digest(address, purpose="address")


def pair_key(email: str, address: str) -> str:
    return f"signin:pair:{_email_part(email)}:{_address_part(address)}"


def account_key(email: str) -> str:
    return f"signin:account:{_email_part(email)}"


def code_key(email: str) -> str:
    return f"signin:codes:{_email_part(email)}"


def address_key(address: str) -> str:
    return f"signin:address:{_address_part(address)}"


def known_key(email: str, address: str) -> str:
    return f"{KNOWN_PREFIX}{_email_part(email)}:{_address_part(address)}"


def _warned_key(email: str, stage: Stage) -> str:
    return f"signin:warned:{stage}:{_email_part(email)}"


def reauth_key(user_id: int) -> str:
    """Wrong current passwords typed by a signed-in resident (security page)."""
    return f"signin:reauth:{int(user_id)}"


def window() -> timedelta:
    return timedelta(minutes=get_settings().signin_window_minutes)


# ---------------------------------------------------------------------------
# Before a password or code is checked


def _backoff(failures: int) -> int:
    settings = get_settings()
    return throttle.backoff_seconds(failures, free=settings.signin_free_tries, cap=settings.signin_max_wait_seconds)


def wait_seconds(session: Session, email: str, address: str, *, now: datetime) -> int:
    """Seconds this pair must still wait before its next try is checked; 0: check it now."""
    failures, latest = throttle.count_and_latest(session, pair_key(email, address), now, window())
    return throttle.seconds_left(latest, _backoff(failures), now)


def pair_waits(session: Session, email: str, *, now: datetime) -> list[int]:
    """Seconds each client address must still wait before its next try at this account,
    for the addresses that are waiting now (longest first). The addresses themselves are
    only keyed hashes: nobody, staff included, learns where the tries came from."""
    prefix = f"signin:pair:{_email_part(email)}:"
    waits = [
        throttle.seconds_left(latest, _backoff(failures), now)
        for _key, failures, latest in throttle.counts_under_prefix(session, prefix, now, window())
    ]
    return sorted((wait for wait in waits if wait > 0), reverse=True)


def is_known_address(session: Session, email: str, address: str, *, now: datetime) -> bool:
    """Whether this account signed in from this address in the last ``signin_known_address_days`` days."""
    days = get_settings().signin_known_address_days
    return throttle.hits_since(session, known_key(email, address), now, timedelta(days=days)) > 0


def extra_check_needed(
    session: Session,
    email: str,
    address: str,
    *,
    stage: Stage,
    now: datetime,
    password_changed_at: datetime | None = None,
) -> bool:
    """Whether the right password (``stage="password"``) or the right code (``"code"``) is not
    enough on its own, because of failures from elsewhere (see the module's rules)."""
    settings = get_settings()
    if password_changed_at is not None and password_changed_at > now - window():
        return False
    if stage == "code":
        over = throttle.hits_since(session, code_key(email), now, window()) >= settings.signin_code_account_limit
    else:
        over = (
            throttle.hits_since(session, account_key(email), now, window()) >= settings.signin_account_limit
            or throttle.hits_since(session, address_key(address), now, window()) >= settings.signin_address_limit
        )
    return over and not is_known_address(session, email, address, now=now)


# ---------------------------------------------------------------------------
# After a password or code was checked


def record_failure(
    session: Session, email: str, address: str, *, stage: Stage, now: datetime, user: PortalUser | None = None
) -> int:
    """Count one wrong password or code; returns the seconds the pair must now wait before its
    next try (0: none). ``user`` is the account when there is one (the owner is warned once a
    day when it passes a limit); an email without an account is counted all the same."""
    settings = get_settings()
    throttle.record_hit(session, pair_key(email, address), now)
    throttle.record_hit(session, address_key(address), now)
    if stage == "code":
        wide, limit = code_key(email), settings.signin_code_account_limit
    else:
        wide, limit = account_key(email), settings.signin_account_limit
    throttle.record_hit(session, wide, now)
    if user is not None and throttle.hits_since(session, wide, now, window()) >= limit:
        _warn_owner(session, user, stage=stage, now=now)
    return wait_seconds(session, email, address, now=now)


def record_success(session: Session, email: str, address: str, *, now: datetime) -> None:
    """A completed sign-in from this address: the pair's failures are forgotten and the address
    is remembered as the account's own (the failures at the account and the address stay)."""
    throttle.clear_hits(session, pair_key(email, address))
    known = known_key(email, address)
    throttle.clear_hits(session, known)
    throttle.record_hit(session, known, now)


def forget_failures(session: Session, email: str) -> None:
    """A new password was chosen: forget the account's failures, from every address."""
    part = _email_part(email)
    throttle.clear_prefix(session, f"signin:pair:{part}:")
    throttle.clear_hits(session, account_key(email))
    throttle.clear_hits(session, code_key(email))


def reauth_wait_seconds(session: Session, user_id: int, *, now: datetime) -> int:
    failures, latest = throttle.count_and_latest(session, reauth_key(user_id), now, window())
    return throttle.seconds_left(latest, _backoff(failures), now)


# ---------------------------------------------------------------------------
# Telling the owner


def _warn_owner(session: Session, user: PortalUser, *, stage: Stage, now: datetime) -> None:
    """At most once a day per kind: "someone is trying to sign in to your account"."""
    key = _warned_key(user.email, stage)
    if throttle.hits_since(session, key, now, WARN_EVERY) > 0:
        return
    throttle.record_hit(session, key, now)
    settings = get_settings()
    forgot = f"{settings.base_url}{routes.FORGOT_PASSWORD}"
    if stage == "code":
        subject = f"Someone may know your {settings.landlord_name} password"
        text = (
            "Someone entered the right password for your online account, then the wrong security code "
            "many times.\n\n"
            "If this was not you, someone knows your password. Choose a new one now, one that you do not "
            f"use anywhere else: go to {forgot} and enter this email address.\n\n"
            "Your account is not locked. Until you choose a new password, signing in may also need a link "
            "that we email to you."
        )
    else:
        subject = f"Someone is trying to sign in to your {settings.landlord_name} account"
        text = (
            "There have been many wrong tries to sign in to your online account in the last hour.\n\n"
            "Your account is not locked, and you do not need to do anything. For a while, if you sign in "
            "from somewhere new, we may email you a link to check it is you.\n\n"
            f"If you are worried, choose a new password at {forgot}, and turn on two-step sign-in "
            f"on your security page: {settings.base_url}{routes.SECURITY}"
        )
    queue_account_mail(session, user, subject=subject, text=text, kind="sign_in_attempts", now=now)


__all__ = [
    "KNOWN_ADDRESS_DAYS",
    "KNOWN_PREFIX",
    "account_key",
    "address_key",
    "code_key",
    "extra_check_needed",
    "forget_failures",
    "is_known_address",
    "known_key",
    "normalise_email",
    "pair_key",
    "pair_waits",
    "reauth_key",
    "reauth_wait_seconds",
    "record_failure",
    "record_success",
    "wait_seconds",
    "window",
]
