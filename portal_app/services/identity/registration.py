"""Registering for online access: match a resident to their tenancy, email a code, make the account.

The rules (the landlords' published terms for online access, and the NCSC's and
OWASP's guidance on account enumeration and throttling):

- The resident types a tenancy reference (or service charge account number), their date
  of birth, email, mobile, a password and whether they want letters by post. A match is
  a party on that tenancy with that date of birth whom ``eligibility`` allows.
- Nobody can learn from the screen whether details matched. A match, a mismatch, an
  ineligible tenancy and an already-registered person all give the same ``StartOutcome``
  and the same next screen; only the email differs (see ``_send_for_attempt``), and a
  code that can finish registering is only ever sent for a match.
- Failed tries (anything but a match) are counted per client address and per tenancy
  reference, and make waits that grow, never a block (``docs/security-policy.md``). Each
  wait is decided before anything is matched, so it never says whether a date of birth was
  right, and a try inside it is not counted. One address that keeps failing, at any
  references, waits longer after each failure past ``register_free_tries_per_client``; once
  a reference has had ``register_free_tries_per_reference`` failures, an address that has
  itself failed at that reference waits longer after each further one. An address that
  has not failed at the reference is never held back by it, so the resident with the right
  reference and date of birth gets through from her own address whatever strangers have
  tried elsewhere.
- The code is 6 digits, hashed and bound to the attempt, valid for
  ``settings.code_valid_minutes``, single use; ``settings.code_max_attempts`` wrong tries
  end the attempt (counted across resent codes); at most ``MAX_CODES_PER_ATTEMPT`` codes,
  ``settings.code_resend_seconds`` apart, and a new code replaces the old one.
- While an administrator has paused registration (``services/staff/registration_pause.py``,
  seed 003), every step here refuses before it writes anything: ``start_registration``,
  ``confirm_code`` and ``resend_code`` raise ``RegistrationPaused``, whoever calls them.
- One email address serves one active account. A resident who has moved home may reuse
  the address of the account for the tenancy that ended; that account is closed when
  the new one is made. An account the back office has turned off (``disabled``) counts
  as held: registering again cannot get round it.

Functions take the caller's session and ``now`` (naive UTC); the caller commits. Every
write here is flushed in that one transaction, so a failure leaves nothing behind.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from sqlmodel import Session, func, select, update

from portal_app.clock import uk_today
from portal_app.models import AuthSession, Person, PortalUser, RegistrationAttempt, Tenancy, TenancyParty
from portal_app.services import throttle
from portal_app.services.identity.eligibility import registration_eligibility, tenancy_has_ended
from portal_app.services.identity.passwords import OwnDetails, hash_password, password_problem
from portal_app.services.identity.registration_pause import refuse_if_paused
from portal_app.services.mail import templates as mail_templates
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.tokens import hash_token, new_code, new_token, tokens_equal
from portal_app.services.validation import (
    EMAIL_MAX_LENGTH,
    REFERENCE_MAX_LENGTH,
    is_uk_landline,
    normalise_email,
    normalise_reference,
    normalise_uk_mobile,
    parse_date_parts,
)
from portal_app.settings import Settings, get_settings

MAX_CODES_PER_ATTEMPT = 5
CODE_DIGITS = 6
ATTEMPT_TOKEN_PURPOSE = "reg-attempt"
_MAX_TOKEN_LENGTH = 200

# RegistrationAttempt.outcome
MATCH = "match"
MISMATCH = "mismatch"
EXISTING = "existing"
INELIGIBLE = "ineligible"
EMAIL_IN_USE = "email_in_use"

# OutboxMessage.kind
KIND_CODE = "register_code"
KIND_SOMEONE_TRIED = "register_someone_tried"
KIND_EMAIL_IN_USE = "register_email_in_use"
KIND_NO_MATCH = "register_no_match"
KIND_NOT_AVAILABLE = "register_not_available"
KIND_READY = "register_account_ready"


def _columns_store_aware_times() -> bool:
    try:
        from sqlmodel.sql.sqltypes import UTCDateTime
    except ImportError:  # older sqlmodel: plain naive DateTime columns
        return False
    return isinstance(RegistrationAttempt.__table__.c.created_at.type, UTCDateTime)


_AWARE_COLUMNS = _columns_store_aware_times()


def _as_stored(now: datetime) -> datetime:
    """``now`` (naive UTC, or aware) in the form the datetime columns hold: sqlmodel
    0.0.50 maps ``datetime`` fields to UTCDateTime, which refuses naive values."""
    if _AWARE_COLUMNS:
        return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo is not None else now


# --- parsing the form --------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationDetails:
    tenancy_reference: str
    date_of_birth: date
    email: str
    mobile: str
    password: str
    paper_correspondence: bool

    def __repr__(self) -> str:  # never print the password into a log
        return (
            f"RegistrationDetails(tenancy_reference={self.tenancy_reference!r}, email={self.email!r}, "
            f"mobile={self.mobile!r}, paper_correspondence={self.paper_correspondence!r})"
        )


def own_details(
    *, tenancy_reference: str = "", date_of_birth: date | None = None, email: str = "", mobile: str = ""
) -> OwnDetails:
    """What a password must not be made of at registration: only what the resident typed on
    the form (the form asks no name), never the matched record's, so that a refused password
    says nothing about whether the details matched."""
    return OwnDetails(date_of_birth=date_of_birth, tenancy_reference=tenancy_reference, email=email, mobile=mobile)


def parse_registration(raw: Mapping[str, str], *, today: date) -> tuple[RegistrationDetails | None, dict[str, str]]:
    """Check the registration form. Returns (details, {}) or (None, {field: message}),
    fields in the order they appear on the page."""
    errors: dict[str, str] = {}

    def text(name: str) -> str:
        value = raw.get(name)
        return value if isinstance(value, str) else ""

    reference_raw = text("tenancy_reference")
    reference = normalise_reference(reference_raw)
    if not reference:
        errors["tenancy_reference"] = "Enter your tenancy reference or service charge account number"
    elif len(reference) > REFERENCE_MAX_LENGTH:
        errors["tenancy_reference"] = (
            f"Tenancy reference or service charge account number must be {REFERENCE_MAX_LENGTH} characters or fewer"
        )

    date_of_birth, dob_error = parse_date_parts(
        text("dob_day"), text("dob_month"), text("dob_year"), label="Date of birth", today=today
    )
    if dob_error:
        errors["date_of_birth"] = dob_error

    email_raw = text("email").strip()
    email = normalise_email(email_raw)
    if not email_raw:
        errors["email"] = "Enter your email address"
    elif len(email_raw) > EMAIL_MAX_LENGTH:
        errors["email"] = f"Email address must be {EMAIL_MAX_LENGTH} characters or fewer"
    elif email is None:
        errors["email"] = "Enter an email address in the correct format, like name@example.com"

    mobile_raw = text("mobile").strip()
    mobile = normalise_uk_mobile(mobile_raw)
    if not mobile_raw:
        errors["mobile"] = "Enter your mobile number"
    elif mobile is None and is_uk_landline(mobile_raw):
        errors["mobile"] = "Enter a mobile number, not a landline, like 07700 900 982"
    elif mobile is None:
        errors["mobile"] = "Enter a UK mobile number, like 07700 900 982"

    password = text("password")
    problem = password_problem(
        password,
        own=own_details(
            tenancy_reference=reference or reference_raw,
            date_of_birth=date_of_birth,
            email=email or email_raw.lower(),
            mobile=mobile or mobile_raw,
        ),
    )
    if problem:
        errors["password"] = problem

    paper = text("paper_correspondence").strip().lower()
    if paper not in ("yes", "no"):
        errors["paper_correspondence"] = "Select whether you want letters by post"

    if errors:
        return None, errors
    assert date_of_birth is not None and email is not None and mobile is not None
    return (
        RegistrationDetails(
            tenancy_reference=reference,
            date_of_birth=date_of_birth,
            email=email,
            mobile=mobile,
            password=password,
            paper_correspondence=paper == "yes",
        ),
        {},
    )


# --- outcomes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StartOutcome:
    attempt_token: str | None  # None only when throttled
    masked_email: str  # "j***@example.com"
    throttled: bool
    retry_after_seconds: int  # when throttled: how long until a try is taken again


@dataclass(frozen=True)
class CodeOutcome:
    status: Literal["registered", "wrong", "format", "expired", "ended"]
    tries_left: int
    user_id: int | None


@dataclass(frozen=True)
class ResendOutcome:
    sent: bool
    wait_seconds: int
    status: Literal["sent", "too_soon", "ended"]


def mask_email(email: str) -> str:
    """'jo@example.com' -> 'j***@example.com'."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


# --- queries -----------------------------------------------------------------------------


def _tenancy_by_reference(session: Session, reference: str) -> Tenancy | None:
    tenancy = session.exec(select(Tenancy).where(Tenancy.tenancy_ref == reference)).first()
    if tenancy is None:
        # The feed may hold references with lower case or spaces; compare them normalised.
        squashed = func.upper(func.replace(Tenancy.tenancy_ref, " ", ""))
        tenancy = session.exec(select(Tenancy).where(squashed == reference).order_by(Tenancy.id)).first()
    return tenancy


def _parties_born_on(session: Session, tenancy_id: int, date_of_birth: date) -> list[TenancyParty]:
    stmt = (
        select(TenancyParty)
        .join(Person, Person.id == TenancyParty.person_id)
        .where(TenancyParty.tenancy_id == tenancy_id, Person.date_of_birth == date_of_birth)
        .order_by(TenancyParty.id)
    )
    return list(session.exec(stmt).all())


def _party_on_tenancy(session: Session, tenancy_id: int, person_id: int) -> TenancyParty | None:
    stmt = select(TenancyParty).where(TenancyParty.tenancy_id == tenancy_id, TenancyParty.person_id == person_id)
    return session.exec(stmt).first()


# An account the back office has turned off still holds its person and its email address:
# registering again must not get round it (services/staff/residents.py).
HELD_STATUSES = ("active", "disabled")


def _active_account_for(session: Session, person_id: int, tenancy_id: int) -> PortalUser | None:
    stmt = select(PortalUser).where(
        PortalUser.person_id == person_id, PortalUser.tenancy_id == tenancy_id, PortalUser.status.in_(HELD_STATUSES)
    )
    return session.exec(stmt.order_by(PortalUser.id)).first()


def _active_accounts_with_email(session: Session, email: str) -> list[tuple[PortalUser, Tenancy]]:
    stmt = (
        select(PortalUser, Tenancy)
        .join(Tenancy, Tenancy.id == PortalUser.tenancy_id)
        .where(PortalUser.email == email, PortalUser.status.in_(HELD_STATUSES))
        .order_by(PortalUser.id)
    )
    return [(user, tenancy) for user, tenancy in session.exec(stmt).all()]


def _attempt_by_token(session: Session, token: str) -> RegistrationAttempt | None:
    """The attempt for a token, locked for the rest of the transaction (PostgreSQL), so
    two submissions of one attempt are handled one after the other."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        return None
    stmt = (
        select(RegistrationAttempt)
        .where(RegistrationAttempt.token_hash == hash_token(token, purpose=ATTEMPT_TOKEN_PURPOSE))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.exec(stmt).first()


def _lock_person(session: Session, person_id: int) -> None:
    """Serialise account creation for one person (two attempts finishing at once)."""
    session.exec(select(Person.id).where(Person.id == person_id).with_for_update()).first()


# --- throttling --------------------------------------------------------------------------


def reference_throttle_key(reference: str) -> str:
    """Failed tries at a tenancy reference, from every address."""
    return f"register:ref:{throttle.digest(normalise_reference(reference), purpose='reference')}"


def client_throttle_key(address: str) -> str:
    """Failed tries from one client address (``throttle.client_address``), at every reference."""
    return f"register:client:{throttle.digest(address, purpose='address')}"


def pair_throttle_key(reference: str, address: str) -> str:
    """Failed tries at one reference from one address."""
    ref = throttle.digest(normalise_reference(reference), purpose="reference")
    return f"register:pair:{ref}:{throttle.digest(address, purpose='address')}"


def seconds_until_allowed(
    session: Session, reference: str, address: str, *, now: datetime, settings: Settings | None = None
) -> int:
    """0 when a registration try from ``address`` at ``reference`` is taken now; otherwise the
    seconds until it is. Decided from earlier failures only, before anything is matched."""
    settings = settings or get_settings()
    now = _as_stored(now)
    window = timedelta(minutes=settings.register_limit_window_minutes)
    cap = settings.register_max_wait_seconds
    from_here, last_from_here = throttle.count_and_latest(session, client_throttle_key(address), now, window)
    wait = throttle.seconds_left(
        last_from_here, throttle.backoff_seconds(from_here, free=settings.register_free_tries_per_client, cap=cap), now
    )
    here_at_reference, last_here_at_reference = throttle.count_and_latest(
        session, pair_throttle_key(reference, address), now, window
    )
    if here_at_reference:
        at_reference = throttle.hits_since(session, reference_throttle_key(reference), now, window)
        backoff = throttle.backoff_seconds(at_reference, free=settings.register_free_tries_per_reference, cap=cap)
        wait = max(wait, throttle.seconds_left(last_here_at_reference, backoff, now))
    return wait


def _record_failure(session: Session, reference: str, address: str, *, now: datetime) -> None:
    for key in (client_throttle_key(address), reference_throttle_key(reference), pair_throttle_key(reference, address)):
        throttle.record_hit(session, key, now)


# --- deciding what an attempt is ---------------------------------------------------------


@dataclass(frozen=True)
class _Decision:
    outcome: str
    person_id: int | None = None
    tenancy_id: int | None = None


def _email_conflicts(
    session: Session, email: str, new_tenancy: Tenancy, today: date
) -> tuple[list[PortalUser], list[PortalUser]]:
    """Active accounts already using ``email``: (those that block this registration,
    those to close when it completes because their tenancy has ended: moving home)."""
    blocking: list[PortalUser] = []
    to_close: list[PortalUser] = []
    for user, tenancy in _active_accounts_with_email(session, email):
        moved_home = (
            tenancy_has_ended(tenancy, today)
            and tenancy.id != new_tenancy.id
            and not tenancy_has_ended(new_tenancy, today)
        )
        (to_close if moved_home else blocking).append(user)
    return blocking, to_close


def _decide(
    session: Session, reference: str, date_of_birth: date, email: str, *, today: date, settings: Settings
) -> _Decision:
    tenancy = _tenancy_by_reference(session, reference)
    if tenancy is None:
        return _Decision(MISMATCH)
    parties = _parties_born_on(session, tenancy.id, date_of_birth)
    judged = [(party, registration_eligibility(tenancy, party, today=today, settings=settings)) for party in parties]
    allowed = [party for party, verdict in judged if verdict.allowed]
    if not allowed:
        # Someone who has left the tenancy is treated as no match at all.
        refused = [party for party, verdict in judged if verdict.reason != "party_left"]
        if not refused:
            return _Decision(MISMATCH, tenancy_id=tenancy.id)
        return _Decision(INELIGIBLE, person_id=refused[0].person_id, tenancy_id=tenancy.id)

    # Two parties may share a date of birth: take the first without an account.
    for party in allowed:
        if _active_account_for(session, party.person_id, tenancy.id) is None:
            break
    else:
        return _Decision(EXISTING, person_id=allowed[0].person_id, tenancy_id=tenancy.id)

    blocking, _ = _email_conflicts(session, email, tenancy, today)
    if blocking:
        return _Decision(EMAIL_IN_USE, person_id=party.person_id, tenancy_id=tenancy.id)
    return _Decision(MATCH, person_id=party.person_id, tenancy_id=tenancy.id)


def _ineligible_reason(session: Session, attempt: RegistrationAttempt, *, today: date, settings: Settings) -> str:
    if attempt.tenancy_id is None or attempt.person_id is None:
        return "tenure_not_eligible"
    tenancy = session.get(Tenancy, attempt.tenancy_id)
    party = _party_on_tenancy(session, attempt.tenancy_id, attempt.person_id)
    if tenancy is None or party is None:
        return "tenure_not_eligible"
    verdict = registration_eligibility(tenancy, party, today=today, settings=settings)
    return "tenure_not_eligible" if verdict.allowed else verdict.reason


def _send_for_attempt(session: Session, attempt: RegistrationAttempt, *, now: datetime, settings: Settings) -> None:
    """Start a new code period and send this attempt's one email:

    - match: the code, to the typed address (a new code replaces the old one);
    - existing: "someone tried to register with your details", to the existing account;
    - email_in_use: "someone tried to register with this email address; it is already used
      by an account; each person needs their own", to the typed address (that account's
      address: couples often share one);
    - mismatch: "we could not match your details", to the typed address;
    - ineligible: "online access is not available for your tenancy", to the typed address.

    A mismatch or an ineligible tenancy at an address an account already uses says so
    too: the email reaches only that address, so it tells nobody else anything.
    """
    attempt.code_sent_at = now
    attempt.code_expires_at = now + timedelta(minutes=settings.code_valid_minutes)
    attempt.codes_sent += 1
    to: str | None = attempt.email
    if attempt.outcome == MATCH:
        code = new_code(CODE_DIGITS)
        attempt.code_hash = hash_token(code, purpose=f"reg:{attempt.id}")
        mail = mail_templates.registration_code(code, valid_minutes=settings.code_valid_minutes, settings=settings)
        kind = KIND_CODE
    elif attempt.outcome == EXISTING:
        account = (
            _active_account_for(session, attempt.person_id, attempt.tenancy_id)
            if attempt.person_id is not None and attempt.tenancy_id is not None
            else None
        )
        to = account.email if account else None  # the account has closed since: nobody to tell
        mail = mail_templates.someone_tried_to_register(attempted_at=now, settings=settings)
        kind = KIND_SOMEONE_TRIED
    elif attempt.outcome == EMAIL_IN_USE:
        mail = mail_templates.email_already_used(attempted_at=now, settings=settings)
        kind = KIND_EMAIL_IN_USE
    elif attempt.outcome == INELIGIBLE:
        reason = _ineligible_reason(session, attempt, today=uk_today(now), settings=settings)
        in_use = bool(_active_accounts_with_email(session, attempt.email))
        mail = mail_templates.not_available_for_tenancy(reason=reason, settings=settings, address_in_use=in_use)
        kind = KIND_NOT_AVAILABLE
    else:
        in_use = bool(_active_accounts_with_email(session, attempt.email))
        mail = mail_templates.could_not_match(settings=settings, address_in_use=in_use)
        kind = KIND_NO_MATCH
    session.add(attempt)
    session.flush()
    if to:
        queue_mail(session, to=to, subject=mail.subject, body=mail.body, kind=kind, now=now)


# --- the three steps ---------------------------------------------------------------------


def start_registration(
    session: Session, details: RegistrationDetails, *, client_ip: str, now: datetime, settings: Settings | None = None
) -> StartOutcome:
    """Unless this address must wait (``seconds_until_allowed``), match the details, record the
    attempt, count it when it is not a match, and send its email.

    ``client_ip`` is the address the throttles count (the IP alone). Every outcome except
    a wait looks the same to the caller. Raises ``RegistrationPaused`` while registration
    is paused (nothing written, no email)."""
    settings = settings or get_settings()
    refuse_if_paused(session)
    now = _as_stored(now)
    reference = normalise_reference(details.tenancy_reference)
    email = normalise_email(details.email)
    mobile = normalise_uk_mobile(details.mobile)
    if not reference or email is None or mobile is None:
        raise ValueError("start_registration needs details from parse_registration")
    masked = mask_email(email)

    address = throttle.client_address(client_ip)
    wait = seconds_until_allowed(session, reference, address, now=now, settings=settings)
    if wait:
        return StartOutcome(attempt_token=None, masked_email=masked, throttled=True, retry_after_seconds=wait)

    password_hash = hash_password(details.password)  # every outcome pays the same cost
    decision = _decide(session, reference, details.date_of_birth, email, today=uk_today(now), settings=settings)
    if decision.outcome != MATCH:
        _record_failure(session, reference, address, now=now)
    token = new_token()
    attempt = RegistrationAttempt(
        token_hash=hash_token(token, purpose=ATTEMPT_TOKEN_PURPOSE),
        tenancy_reference=reference,
        email=email,
        mobile=mobile,
        password_hash=password_hash,
        paper_correspondence=details.paper_correspondence,
        outcome=decision.outcome,
        person_id=decision.person_id,
        tenancy_id=decision.tenancy_id,
        status="pending",
        created_at=now,
    )
    session.add(attempt)
    session.flush()  # the id binds the code hash to this attempt
    _send_for_attempt(session, attempt, now=now, settings=settings)
    return StartOutcome(attempt_token=token, masked_email=masked, throttled=False, retry_after_seconds=0)


def _end_attempt(session: Session, attempt: RegistrationAttempt, *, status: str, now: datetime) -> None:
    attempt.status = status
    attempt.code_hash = None
    attempt.password_hash = ""  # no longer needed here: the account (if any) holds it
    if status == "completed":
        attempt.completed_at = now
    session.add(attempt)
    session.flush()


def confirm_code(
    session: Session, attempt_token: str, code: str, *, now: datetime, settings: Settings | None = None
) -> CodeOutcome:
    """Check the emailed code and, for a match, make the account.

    Only a match can ever complete; every other attempt says "wrong" to any code and
    uses up tries in exactly the same way. Raises ``RegistrationPaused`` while
    registration is paused: no account is made, and the try is not counted."""
    settings = settings or get_settings()
    refuse_if_paused(session)
    now = _as_stored(now)
    max_tries = settings.code_max_attempts
    attempt = _attempt_by_token(session, attempt_token)
    if attempt is None or attempt.status != "pending" or attempt.wrong_tries >= max_tries:
        return CodeOutcome("ended", 0, None)
    if attempt.code_expires_at is None or now >= attempt.code_expires_at:
        return CodeOutcome("expired", max_tries - attempt.wrong_tries, None)

    typed = "".join((code or "").split()).replace("-", "")[:64]
    if len(typed) != CODE_DIGITS or not (typed.isascii() and typed.isdigit()):
        # "12ab", five digits: a slip of the keyboard, not a guess. Said as such, and no
        # try is used (the same for every attempt, match or not, so it says nothing).
        return CodeOutcome("format", max_tries - attempt.wrong_tries, None)
    candidate = hash_token(typed, purpose=f"reg:{attempt.id}")
    right = (
        attempt.outcome == MATCH
        and attempt.code_hash is not None
        and len(typed) == CODE_DIGITS
        and typed.isascii()
        and typed.isdigit()
        and tokens_equal(candidate, attempt.code_hash)
    )
    if not right:
        attempt.wrong_tries += 1
        if attempt.wrong_tries >= max_tries:
            _end_attempt(session, attempt, status="failed", now=now)
            return CodeOutcome("ended", 0, None)
        session.add(attempt)
        session.flush()
        return CodeOutcome("wrong", max_tries - attempt.wrong_tries, None)

    # The right code. Check again that the account may still be made.
    assert attempt.person_id is not None and attempt.tenancy_id is not None
    today = uk_today(now)
    _lock_person(session, attempt.person_id)
    tenancy = session.get(Tenancy, attempt.tenancy_id)
    party = _party_on_tenancy(session, attempt.tenancy_id, attempt.person_id)
    still_allowed = (
        tenancy is not None
        and party is not None
        and registration_eligibility(tenancy, party, today=today, settings=settings).allowed
        and _active_account_for(session, attempt.person_id, attempt.tenancy_id) is None
    )
    to_close: list[PortalUser] = []
    if still_allowed:
        blocking, to_close = _email_conflicts(session, attempt.email, tenancy, today)
        still_allowed = not blocking
    if not still_allowed:
        _end_attempt(session, attempt, status="failed", now=now)
        return CodeOutcome("ended", 0, None)

    # Claim the attempt: only one submission can move it from pending to completed.
    claimed = session.exec(
        update(RegistrationAttempt)
        .where(RegistrationAttempt.id == attempt.id, RegistrationAttempt.status == "pending")
        .values(status="completed", completed_at=now, code_hash=None)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return CodeOutcome("ended", 0, None)

    user = PortalUser(
        email=attempt.email,
        mobile=attempt.mobile,
        password_hash=attempt.password_hash,
        person_id=attempt.person_id,
        tenancy_id=attempt.tenancy_id,
        status="active",
        paper_correspondence=attempt.paper_correspondence,
        created_at=now,
    )
    session.add(user)
    for old in to_close:
        old.status = "closed"
        session.add(old)
    session.flush()
    if to_close:
        session.exec(
            update(AuthSession)
            .where(AuthSession.user_id.in_([old.id for old in to_close]), AuthSession.ended_at.is_(None))
            .values(ended_at=now, ended_reason="account_closed")
            .execution_options(synchronize_session=False)
        )
    _end_attempt(session, attempt, status="completed", now=now)

    mail = mail_templates.account_ready(settings=settings, closed_previous=bool(to_close))
    queue_mail(session, to=user.email, subject=mail.subject, body=mail.body, kind=KIND_READY, now=now)
    return CodeOutcome("registered", max_tries - attempt.wrong_tries, user.id)


def resend_code(
    session: Session, attempt_token: str, *, now: datetime, settings: Settings | None = None
) -> ResendOutcome:
    """Send a new code (or, for an attempt that is not a match, the same email again).

    At most ``MAX_CODES_PER_ATTEMPT`` sends, ``settings.code_resend_seconds`` apart.
    Wrong tries are not reset: they count across every code of the attempt. Raises
    ``RegistrationPaused`` while registration is paused (no code is sent)."""
    settings = settings or get_settings()
    refuse_if_paused(session)
    now = _as_stored(now)
    attempt = _attempt_by_token(session, attempt_token)
    if (
        attempt is None
        or attempt.status != "pending"
        or attempt.wrong_tries >= settings.code_max_attempts
        or attempt.codes_sent >= MAX_CODES_PER_ATTEMPT
    ):
        return ResendOutcome(sent=False, wait_seconds=0, status="ended")
    if attempt.code_sent_at is not None:
        allowed_at = attempt.code_sent_at + timedelta(seconds=settings.code_resend_seconds)
        if now < allowed_at:
            wait = math.ceil((allowed_at - now).total_seconds())
            return ResendOutcome(sent=False, wait_seconds=wait, status="too_soon")
    _send_for_attempt(session, attempt, now=now, settings=settings)
    return ResendOutcome(sent=True, wait_seconds=settings.code_resend_seconds, status="sent")
