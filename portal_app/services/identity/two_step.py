"""Two-step sign-in with an authenticator app (TOTP), and recovery codes.

* Setup shows a QR code and the typed key; it is switched on only after a valid
  current code. The key is stored encrypted (``PortalUser.totp_secret_enc``).
  While setup is under way the new key waits on the server, encrypted, for
  ``SETUP_VALID`` (``PortalUser.totp_pending_enc``: ``start_setup``,
  ``confirm_pending_setup``, ``abandon_setup``), so the page's state never holds it.
* A code is accepted once: the accepted 30-second step is kept in
  ``PortalUser.totp_last_step`` and a code for that step or an earlier one is
  refused (one conditional UPDATE, so two parallel requests cannot both use it).
* Ten recovery codes ("xxxx-xxxx"), stored as keyed hashes, each usable once.
* After the right password, ``auth.sign_in`` hands out a two-step token: a signed
  ``"{user_id}.{issued}.{nonce}.{mac}"`` string valid for five minutes, no row in
  the database. ``complete_two_step`` checks it and a code, and only then starts a
  (new) session. A completed token's nonce is recorded as a ``ThrottleHit`` under
  ``2step-used:{nonce}`` so the token cannot be used again. Wrong codes count the
  same way as wrong passwords (``lockout.py``): the same waits for the address at the
  account, and past ``signin_code_account_limit`` wrong codes at the account from all
  addresses a right code, too, needs the emailed link.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pyotp
import qrcode
import qrcode.constants
import qrcode.image.svg
from cryptography.fernet import InvalidToken
from sqlalchemy import delete, or_, update
from sqlmodel import Session, func, select

from portal_app import routes
from portal_app.models import PortalUser, RecoveryCode
from portal_app.services import audit, throttle, tokens
from portal_app.services.identity import history, lockout, passwords, resets, sessions
from portal_app.services.identity.notices import queue_account_mail
from portal_app.services.identity.sessions import SignInOutcome
from portal_app.settings import get_settings

log = logging.getLogger(__name__)

TWO_STEP_VALID = timedelta(minutes=5)
# How long a key shown for setup waits on the server for its first code.
SETUP_VALID = timedelta(minutes=15)
TOTP_INTERVAL = 30
TOTP_DIGITS = 6
VALID_WINDOW = 1  # the step before and the step after are accepted too (clock drift)
RECOVERY_CODE_COUNT = 10
# Lower-case letters and digits without look-alikes (0/o, 1/l/i).
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TWO_STEP_PURPOSE = "two-step"
RECOVERY_PURPOSE = "recovery"
_CLOCK_SKEW = timedelta(seconds=60)


@dataclass(frozen=True)
class TotpSetup:
    secret: str  # base32; ``start_setup`` keeps it encrypted on the server until confirmed
    grouped_secret: str  # "ABCD EFGH ..." for typing into the app
    otpauth_uri: str
    qr_svg: str


@dataclass(frozen=True)
class SetupResult:
    """What became of the first code typed for a setup under way.

    ``outcome``: "on" (two-step is on: show ``recovery_codes`` once), "wrong_code" (try
    again, the setup goes on), or "expired" (no setup under way, or it waited longer
    than ``SETUP_VALID``: start again)."""

    outcome: str
    recovery_codes: tuple[str, ...] = ()


# ---------------------------------------------------------------------------
# Setup


def begin_setup(user_email: str, *, issuer: str) -> TotpSetup:
    """A fresh key, its otpauth:// address and a QR code of it (SVG). Stores nothing."""
    secret = pyotp.random_base32()  # 32 characters, 160 bits
    uri = pyotp.TOTP(secret, interval=TOTP_INTERVAL, digits=TOTP_DIGITS).provisioning_uri(
        name=user_email, issuer_name=issuer
    )
    return TotpSetup(secret=secret, grouped_secret=group_secret(secret), otpauth_uri=uri, qr_svg=qr_svg(uri))


def start_setup(session: Session, user_id: int, *, issuer: str, now: datetime) -> TotpSetup | None:
    """Begin setting up two-step sign-in: a fresh key, kept encrypted on the server for
    ``SETUP_VALID`` (replacing any setup under way), and what the page shows of it once.
    None for an account that is not active, or that has two-step on already: replacing
    the key takes turning two-step off first, which asks for the password, so a session
    left open (or stolen) cannot move the second factor to another phone."""
    user = session.get(PortalUser, user_id)
    if user is None or user.status != "active" or user.totp_enabled:
        return None
    setup = begin_setup(user.email, issuer=issuer)
    user.totp_pending_enc = tokens.encrypt(setup.secret)
    user.totp_pending_expires_at = now + SETUP_VALID
    session.add(user)
    session.flush()
    return setup


def confirm_pending_setup(
    session: Session, user_id: int, code: str, *, now: datetime, client_ip: str | None = None
) -> SetupResult:
    """Switch two-step on with the key ``start_setup`` kept, when ``code`` is valid for it now."""
    user = session.get(PortalUser, user_id)
    if user is None or not user.totp_pending_enc:
        return SetupResult("expired")
    expires = user.totp_pending_expires_at
    try:
        secret = tokens.decrypt(user.totp_pending_enc)
    except InvalidToken:
        secret = None
    if secret is None or expires is None or now >= expires:
        _forget_pending(user)
        session.add(user)
        session.flush()
        return SetupResult("expired")
    codes = confirm_setup(session, user_id, secret, code, now=now, client_ip=client_ip)
    if codes is None:
        return SetupResult("wrong_code")
    return SetupResult("on", tuple(codes))


def abandon_setup(session: Session, user_id: int) -> None:
    """Forget the key of a setup under way (cancelled, or the page opened afresh)."""
    user = session.get(PortalUser, user_id)
    if user is not None and user.totp_pending_enc is not None:
        _forget_pending(user)
        session.add(user)
        session.flush()


def forget_expired_setups(session: Session, *, now: datetime) -> int:
    """Forget every setup key that waited longer than ``SETUP_VALID``; how many went."""
    result = session.exec(
        update(PortalUser)
        .where(PortalUser.totp_pending_enc.is_not(None), PortalUser.totp_pending_expires_at <= now)
        .values(totp_pending_enc=None, totp_pending_expires_at=None)
    )
    return int(result.rowcount or 0)


def _forget_pending(user: PortalUser) -> None:
    user.totp_pending_enc = None
    user.totp_pending_expires_at = None


def group_secret(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(data: str) -> str:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    svg = code.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1)


def _valid_secret(secret: str | None) -> bool:
    if not secret or not re.fullmatch(r"[A-Z2-7]{16,64}", secret):
        return False
    try:
        base64.b32decode(secret + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError):
        return False
    return True


def confirm_setup(
    session: Session, user_id: int, secret: str, code: str, *, now: datetime, client_ip: str | None = None
) -> list[str] | None:
    """Switch two-step on when ``code`` is valid for ``secret`` now.

    Returns the ten new recovery codes (show them once), or None when the code is
    wrong. Setting up again replaces the key and the recovery codes.
    """
    user = session.get(PortalUser, user_id)
    if user is None or user.status != "active" or not _valid_secret(secret):
        return None
    digits = _normalise(code)
    step = matched_step(secret, digits, now) if re.fullmatch(r"\d{6}", digits) else None
    if step is None:
        return None
    user.totp_secret_enc = tokens.encrypt(secret)
    user.totp_enabled = True
    user.totp_last_step = step  # the code just typed cannot also sign in
    _forget_pending(user)
    session.add(user)
    codes = _replace_recovery_codes(session, user.id)
    _queue_notice(
        session,
        user,
        subject="Two-step sign-in is on",
        lines=(
            "Two-step sign-in is now on for your account. When you sign in, we will ask for a "
            "code from your authenticator app after your password.\n\n"
            "Keep your recovery codes somewhere safe. Each one works once if you cannot use your app."
        ),
        kind="two_step_on",
        now=now,
    )
    history.record(session, audit.TWO_STEP_ON, user=user, now=now, client_ip=client_ip)
    session.flush()
    return codes


def disable(session: Session, user_id: int, password: str, *, now: datetime, client_ip: str | None = None) -> bool:
    """Switch two-step off after checking the password. False when the password is wrong, or
    after too many wrong ones until the wait has passed (``lockout.reauth_wait_seconds``)."""
    user = session.get(PortalUser, user_id)
    if user is None or user.status != "active":
        return False
    if lockout.reauth_wait_seconds(session, user.id, now=now):
        return False
    if not password or not passwords.verify_password(user.password_hash, password):
        throttle.record_hit(session, lockout.reauth_key(user.id), now)
        return False
    was_on = user.totp_enabled
    _forget_pending(user)
    user.totp_secret_enc = None
    user.totp_enabled = False
    user.totp_last_step = None
    session.add(user)
    session.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if was_on:
        _queue_notice(
            session,
            user,
            subject="Two-step sign-in is off",
            lines=(
                "Two-step sign-in has been turned off for your account. You will sign in with "
                "your email and password only.\n\n"
                "If you did not do this, choose a new password now and contact us."
            ),
            kind="two_step_off",
            now=now,
        )
        history.record(session, audit.TWO_STEP_OFF, user=user, now=now, client_ip=client_ip)
    session.flush()
    return True


def regenerate_recovery_codes(
    session: Session, user_id: int, *, now: datetime, client_ip: str | None = None
) -> list[str]:
    """Ten new recovery codes; the old ones stop working. Empty when two-step is off."""
    user = session.get(PortalUser, user_id)
    if user is None or user.status != "active" or not user.totp_enabled:
        return []
    codes = _replace_recovery_codes(session, user.id)
    _queue_notice(
        session,
        user,
        subject="You have new recovery codes",
        lines="New recovery codes were made for your account. Your old recovery codes no longer work.",
        kind="recovery_codes_new",
        now=now,
    )
    history.record(session, audit.RECOVERY_CODES_NEW, user=user, now=now, client_ip=client_ip)
    session.flush()
    return codes


# ---------------------------------------------------------------------------
# Codes


def _normalise(code: str | None) -> str:
    return re.sub(r"[\s\-]", "", (code or "")).lower()[:64]


def _unix(moment: datetime) -> int:
    """Seconds since the epoch for a naive UTC (or aware) datetime."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return calendar.timegm(moment.timetuple())


def matched_step(secret: str, code: str, now: datetime) -> int | None:
    """The 30-second step (within one step either side of ``now``) that ``code`` is for."""
    totp = pyotp.TOTP(secret, interval=TOTP_INTERVAL, digits=TOTP_DIGITS)
    moment = now.replace(tzinfo=UTC) if now.tzinfo is None else now
    for offset in range(VALID_WINDOW, -VALID_WINDOW - 1, -1):  # newest first
        when = moment + timedelta(seconds=offset * TOTP_INTERVAL)
        if totp.verify(code, for_time=when):
            return totp.timecode(when)
    return None


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _recovery_hash(code: str) -> str:
    return tokens.hash_token(_normalise(code), purpose=RECOVERY_PURPOSE)


def _replace_recovery_codes(session: Session, user_id: int) -> list[str]:
    session.exec(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = new_recovery_code()
        if code not in codes:
            codes.append(code)
    for code in codes:
        session.add(RecoveryCode(user_id=user_id, code_hash=_recovery_hash(code)))
    session.flush()
    return codes


def recovery_codes_left(session: Session, user_id: int) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(RecoveryCode)
            .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
        ).one()
    )


def _accept_totp(session: Session, user: PortalUser, digits: str, now: datetime) -> bool:
    if not user.totp_secret_enc:
        return False
    try:
        secret = tokens.decrypt(user.totp_secret_enc)
    except InvalidToken:
        log.error("two-step key for account %s cannot be decrypted (encryption key changed?)", user.id)
        return False
    step = matched_step(secret, digits, now)
    if step is None:
        return False
    result = session.exec(
        update(PortalUser)
        .where(PortalUser.id == user.id, or_(PortalUser.totp_last_step.is_(None), PortalUser.totp_last_step < step))
        .values(totp_last_step=step)
    )
    return result.rowcount == 1


def _use_recovery_code(session: Session, user: PortalUser, code: str, now: datetime) -> bool:
    result = session.exec(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    if result.rowcount != 1:
        return False
    left = recovery_codes_left(session, user.id)
    _queue_notice(
        session,
        user,
        subject="A recovery code was used to sign in",
        lines=(
            f"A recovery code was used to sign in to your account. You have {left} recovery "
            f"code{'s' if left != 1 else ''} left. You can make new ones at "
            f"{get_settings().base_url}{routes.SECURITY}\n\n"
            "If this was not you, choose a new password now and contact us."
        ),
        kind="recovery_code_used",
        now=now,
    )
    return True


# ---------------------------------------------------------------------------
# The second step of signing in


def _mac(payload: str) -> str:
    return tokens.hash_token(payload, purpose=TWO_STEP_PURPOSE)


def issue_two_step_token(user_id: int, *, now: datetime) -> str:
    """A signed, short-lived ticket saying "this account gave the right password"."""
    payload = f"{int(user_id)}.{_unix(now)}.{secrets.token_urlsafe(16)}"
    return f"{payload}.{_mac(payload)}"


def _read_two_step_token(token: str | None, *, now: datetime) -> tuple[int, datetime, str] | None:
    """(user id, issued at, nonce) for a genuine token still in date, else None."""
    if not token or len(token) > 300:
        return None
    parts = token.split(".")
    if len(parts) != 4:
        return None
    user_part, issued_part, nonce, mac = parts
    if not tokens.tokens_equal(_mac(f"{user_part}.{issued_part}.{nonce}"), mac):
        return None
    if not (user_part.isdigit() and issued_part.isdigit() and len(issued_part) <= 12 and nonce):
        return None
    issued = datetime.fromtimestamp(int(issued_part), tz=UTC)
    if now.tzinfo is None:
        issued = issued.replace(tzinfo=None)  # naive UTC, like ``now``
    if now - issued > TWO_STEP_VALID or issued - now > _CLOCK_SKEW:
        return None
    return int(user_part), issued, nonce


def _used_key(nonce: str) -> str:
    return f"2step-used:{nonce}"


def complete_two_step(
    session: Session,
    two_step_token: str,
    code: str,
    *,
    client: str,
    client_ip: str,
    now: datetime,
    idle_minutes: int | None = None,
) -> SignInOutcome:
    """Check the second factor (app code or recovery code) and start a new session.

    "expired": the token is missing, forged, out of date, already used, or the
    account changed (password changed, two-step off, closed) since it was issued;
    start again from the password. "failed": wrong code, try again. "wait": too many
    wrong codes or passwords from this address (``client_ip``) at this account; the token
    still works once ``retry_after_seconds`` have passed. "check_email": the code was
    right but is not enough on its own just now (many wrong codes at this account from
    elsewhere): a link to choose a new password has been emailed.
    """
    parsed = _read_two_step_token(two_step_token, now=now)
    if parsed is None:
        return SignInOutcome("expired")
    user_id, issued, nonce = parsed
    used_key = _used_key(nonce)
    if throttle.hits_since(session, used_key, now, TWO_STEP_VALID + _CLOCK_SKEW * 2) > 0:
        return SignInOutcome("expired")
    user = session.get(PortalUser, user_id)
    if user is None or user.status != "active" or not user.totp_enabled:
        return SignInOutcome("expired")
    if user.password_changed_at is not None and user.password_changed_at > issued:
        return SignInOutcome("expired")
    address = throttle.client_address(client_ip)
    wait = lockout.wait_seconds(session, user.email, address, now=now)
    if wait:
        return SignInOutcome("wait", retry_after_seconds=wait)

    extra_check = lockout.extra_check_needed(
        session, user.email, address, stage="code", now=now, password_changed_at=user.password_changed_at
    )
    normalised = _normalise(code)
    accepted = False
    step = history.CODE_STEP
    if re.fullmatch(r"\d{6}", normalised):
        accepted = _accept_totp(session, user, normalised, now)
    elif len(normalised) == 8 and all(ch in RECOVERY_ALPHABET for ch in normalised):
        step = history.RECOVERY_STEP
        accepted = _use_recovery_code(session, user, normalised, now)
    seen = dict(now=now, client_ip=client_ip, user=user, client=client)
    if not accepted:
        waits = lockout.record_failure(session, user.email, address, stage="code", now=now, user=user)
        history.record_failure(session, step=step, waits=waits, **seen)
        return SignInOutcome("failed")

    throttle.record_hit(session, used_key, now)
    if extra_check:
        resets.send_sign_in_check(session, user, address, now=now)
        history.record(
            session, audit.SIGN_IN_WAIT, proved=False, detail={"reason": history.EXTRA_CHECK, "step": step}, **seen
        )
        return SignInOutcome("check_email")
    token = sessions.create_session(session, user.id, client=client, now=now, idle_minutes=idle_minutes)
    lockout.record_success(session, user.email, address, now=now)
    history.record(session, audit.SIGNED_IN, detail={"step": step}, **seen)
    return SignInOutcome("signed_in", token=token)


# ---------------------------------------------------------------------------
# Mail


def _queue_notice(session: Session, user: PortalUser, *, subject: str, lines: str, kind: str, now: datetime) -> None:
    name = get_settings().landlord_name
    queue_account_mail(session, user, subject=f"{subject} - {name}", text=lines, kind=kind, now=now)


__all__ = [
    "RECOVERY_CODE_COUNT",
    "SETUP_VALID",
    "TWO_STEP_VALID",
    "SetupResult",
    "TotpSetup",
    "abandon_setup",
    "begin_setup",
    "complete_two_step",
    "confirm_pending_setup",
    "confirm_setup",
    "disable",
    "forget_expired_setups",
    "issue_two_step_token",
    "matched_step",
    "regenerate_recovery_codes",
]
