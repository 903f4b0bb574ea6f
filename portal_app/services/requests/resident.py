"""Requests residents make about their money: what a resident asks and follows.

As landlords' portals offer them: a resident can query their account (optionally
about one transaction), ask for standing order details by post, ask for a refund of
credit, ask for benefits advice, and ask for a paper statement. Each request gets a
reference (``RQ-`` and 6 characters), an acknowledgement on screen and by email, a status
the resident follows under "My requests", and lands in the queue of the officer named for
that tenancy (``office.py`` is what the officer does with it; this module never imports it).

The rules:

- Ownership first. Every function that acts for a resident takes the principal
  (``user_id``, ``person_id``, ``tenancy_id``, which must be one active portal user) and
  the ``account_id`` they send, and raises ``NotYours`` for an account that
  ``balances.visible_accounts`` does not give that principal today, for a transaction of
  another account, or for a principal that does not hang together. ``NotYours`` is
  raised before anything is validated or written; the page shows its usual "not found".
- Validation second. A submit function returns ``SubmitResult`` whose ``errors`` maps a
  field (the keyword argument's name) to a GOV.UK-style message. With errors, nothing is
  written: no request, no update, no email.
- Requests belong to the portal user who made them. Joint tenants each see their own
  requests only: one may ask for something the other should not read (benefits advice,
  another contact number). A refund asked for on a joint tenancy is marked
  ``needs_joint_consent`` and the officer asks the other tenant to agree.
- Routing (``routing.py``): the tenancy's ``income_officer_id``. For a lease (tenure
  ``leasehold`` or ``shared_ownership``) an officer named on the tenancy (income or
  housing) whose role is ``leasehold_officer`` comes first. When that officer has a staff
  account (``StaffMember.officer_id``) the request is assigned to them at once and they
  are emailed; otherwise it waits in the back office's queue, unassigned.
- The acknowledgement promises the landlord's response target for the kind, in working
  days (``targets.target_days``), the one the back office counts against.
- Refunds (the landlord's refund policy: "a refund cannot be made if your account is in arrears"): only from
  credit, leaving ``settings.refund_keep_back_weeks`` weeks of the account's regular
  charge in credit, and less whatever open refund requests on the account already ask
  for (so two requests, or two joint tenants, cannot claim the same credit). The account
  row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL) while a refund is checked and
  written. Bank details are stored encrypted (``tokens.encrypt``) and masked; never in
  ``details``, a summary or an email.
- A daily limit (the security hardening issue: one resident sent 81 requests in 33 seconds,
  each emailed and queued): an account may have ``settings.requests_per_kind_per_day``
  requests of one kind made in one UK day, by anyone (0: no limit). The next is refused
  after the ownership checks and before validation, with one error on the form's main field
  (``LIMIT_FIELDS``) saying so and giving the landlord's phone number; nothing is written.
  Another kind, another account, or the next UK day is not affected. The account row is
  locked while the requests are counted, so two at the same moment cannot both be the last.

- Data rights (``submit_data_request``): a resident may ask us to correct or delete what we
  hold about them (UK GDPR Articles 16 and 17). Such a request is about the resident, not one
  account: ``account_id`` is None, no income officer is named, and it waits for the data
  protection officer. Every function here that lists or shows requests copes with that.

The kinds, statuses, topics and labels come from ``common.py``; the ones a request form
offers are part of this module's interface too (see ``__all__``), so a page needs only
this module. Times: ``now`` is an aware UTC datetime from the caller (naive is read as
UTC); "today" is the UK date of ``now``. Money is integer pence. The caller commits. No
reflex import.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import InvalidOperation

from sqlalchemy import func
from sqlmodel import Session, select

from portal_app.clock import uk_date_words, uk_day_in_utc, uk_time_words, uk_today
from portal_app.models import (
    Account,
    Charge,
    MoneyRequest,
    Officer,
    PortalUser,
    Property,
    RequestUpdate,
    StaffMember,
    Tenancy,
    TenancyParty,
    Transaction,
)
from portal_app.services.accounts.balances import convert_charge, ledger_balance, visible_accounts
from portal_app.services.mail import templates as mail_templates
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.money import MoneyFormatError, format_pence, parse_pounds
from portal_app.services.requests.common import (
    BENEFIT_TOPICS,
    BENEFITS_ADVICE,
    BEST_TIMES,
    CONTACT_WAYS,
    DATA_CORRECTION,
    DATA_ERASURE,
    DATA_KINDS,
    JOINT_ROLES,
    KIND_LABELS,
    MAIL_RECEIVED,
    OPEN_STATUSES,
    PAPER_STATEMENT,
    PAYMENT_PLAN,
    QUERY,
    RECEIVED,
    REFUND,
    STANDING_ORDER,
    STATUS_LABELS,
    TENANCY_KINDS,
    DetailLine,
    NotYours,
    account_label,
    account_words,
    as_utc,
    detail_lines,
    kind_label,
    mask_bank_details,
    new_reference,
    normalise_request_reference,
    raised_by_words,
    settings_or_default,
    text_of,
    transaction_label,
)
from portal_app.services.requests.routing import LEASE_TENURES, assign_on_arrival, route_officer
from portal_app.services.requests.targets import due_date, target_days, target_words
from portal_app.services.tokens import encrypt
from portal_app.services.validation import is_uk_landline, normalise_email, normalise_uk_mobile, parse_date_parts
from portal_app.settings import Settings

# ---------------------------------------------------------------------------
# Limits
# ---------------------------------------------------------------------------

QUERY_MIN_LENGTH = 10
QUERY_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 1000
ADDRESS_MAX_LENGTH = 300
BANK_NAME_MAX_LENGTH = 70
RECENT_TRANSACTIONS = 100

_REFERENCE_TRIES = 20

# Where the daily limit's error goes: each form's first or main field, so the error summary
# links to something on the page (pages/requests/new.py, ERROR_ORDER).
LIMIT_FIELDS = {
    QUERY: "message",
    STANDING_ORDER: "post_to_address",
    REFUND: "amount",
    BENEFITS_ADVICE: "topic",
    PAPER_STATEMENT: "period_from",
}


# ---------------------------------------------------------------------------
# What goes back to the pages
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TransactionChoice:
    transaction_id: int
    posted_on: date
    description: str
    amount_pence: int  # as posted: positive = charge (DR), negative = paid in (CR)
    label: str  # "16 November 2026, Card payment, £100.00 CR"


@dataclass(frozen=True)
class RequestContext:
    """What a request form needs about one of the resident's accounts."""

    account_id: int
    account_ref: str
    account_label: str  # "Rent account"
    home_address: str  # the registration tenancy's address, one line
    is_joint: bool  # another tenant or leaseholder is named on the account's tenancy
    statement_earliest: date  # the account's tenancy start: a paper statement cannot start before it
    today: date
    recent_transactions: tuple[TransactionChoice, ...]  # newest first, at most RECENT_TRANSACTIONS


@dataclass(frozen=True)
class StandingOrderDetails:
    account_name: str
    sort_code: str
    account_number: str
    payment_reference: str  # the resident's account reference, to quote on every payment


@dataclass(frozen=True)
class RefundLimit:
    balance_pence: int  # the ledger balance: negative = credit
    keep_back_pence: int  # refund_keep_back_weeks x the weekly charge in force today
    available_pence: int  # what may be asked for now; never negative
    reason: str  # arrears | clear | keep_back | already_requested | available
    message: str  # the reason in plain words, for the page
    weekly_charge_pence: int = 0
    already_requested_pence: int = 0  # open refund requests on this account


@dataclass(frozen=True)
class Acknowledgement:
    """What the confirmation screen shows after a request is made."""

    reference: str
    kind: str
    kind_label: str
    summary: str
    what_you_asked: str
    next_steps: tuple[str, ...]
    email: str  # where the confirmation email went
    needs_joint_consent: bool


@dataclass(frozen=True)
class SubmitResult:
    acknowledgement: Acknowledgement | None
    errors: dict[str, str] = field(default_factory=dict)  # field -> message; empty when made

    @property
    def ok(self) -> bool:
        return self.acknowledgement is not None


@dataclass(frozen=True)
class UpdateItem:
    at: datetime
    at_words: str  # "10:42 on 22 November 2026" (UK time)
    status: str
    status_label: str
    note: str
    by: str = ""  # the officer who wrote it ("" for the resident's own step)


@dataclass(frozen=True)
class RequestSummary:
    reference: str
    kind: str
    kind_label: str
    summary: str
    status: str
    status_label: str
    is_open: bool
    account_label: str  # "" for a request about no account (DATA_KINDS)
    account_ref: str  # "" likewise
    created_at: datetime
    created_on: str  # "22 November 2026" (UK date)
    updated_at: datetime
    updated_on: str
    raised_by: str = ""  # "Raised for you by Rachel Adeyemi (by phone)"; "" when they made it


@dataclass(frozen=True)
class RequestDetail:
    reference: str
    kind: str
    kind_label: str
    summary: str
    status: str
    status_label: str
    is_open: bool
    account_label: str  # "" for a request about no account (DATA_KINDS)
    account_ref: str  # "" likewise
    created_at: datetime
    created_words: str
    updated_at: datetime
    updated_words: str
    lines: tuple[DetailLine, ...]  # what they told us, for a summary list
    bank_details_masked: str | None
    needs_joint_consent: bool
    officer_name: str | None
    updates: tuple[UpdateItem, ...]  # oldest first
    raised_by: str = ""  # "Raised for you by Rachel Adeyemi (by phone)"; "" when they made it


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _as_id(value: object) -> int:
    if isinstance(value, bool):
        raise NotYours("not an id")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise NotYours("not an id")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _address(prop: Property) -> str:
    lines = [part for part in (prop.address_line_1, prop.address_line_2, prop.address_line_3) if part]
    return f"{', '.join(lines)}, {prop.town} {prop.postcode}"


def _choice(t: Transaction) -> TransactionChoice:
    return TransactionChoice(t.id, t.posted_on, t.description, t.amount_pence, transaction_label(t))


def _unused_reference(session: Session) -> str:
    for _ in range(_REFERENCE_TRIES):
        reference = new_reference()
        taken = session.exec(select(MoneyRequest.id).where(MoneyRequest.reference == reference)).first()
        if taken is None:
            return reference
    raise RuntimeError("could not find an unused request reference")


# ---------------------------------------------------------------------------
# Ownership
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Owned:
    user: PortalUser
    account: Account
    tenancy: Tenancy
    today: date


def _owned_account(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    account_id: object,
    today: date,
    settings: Settings,
) -> _Owned:
    user = session.get(PortalUser, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if user is None or user.status != "active" or user.person_id != person_id or user.tenancy_id != tenancy_id:
        raise NotYours("the principal does not hang together")
    wanted = _as_id(account_id)
    accounts = visible_accounts(
        session,
        person_id=person_id,
        tenancy_id=tenancy_id,
        today=today,
        allow_former=settings.allow_former_tenants,
        roles=settings.eligible_roles,
    )
    account = next((a for a in accounts if a.id == wanted), None)
    if account is None:
        raise NotYours("the account is not one this resident sees")
    tenancy = session.get(Tenancy, account.tenancy_id)
    return _Owned(user=user, account=account, tenancy=tenancy, today=today)


def _owned_transaction(session: Session, account: Account, transaction_id: object) -> Transaction:
    wanted = _as_id(transaction_id)
    found = session.get(Transaction, wanted)
    if found is None or found.account_id != account.id:
        raise NotYours("the transaction is not on this account")
    return found


def _home_address(session: Session, tenancy_id: int) -> str:
    tenancy = session.get(Tenancy, tenancy_id)
    prop = session.get(Property, tenancy.property_id) if tenancy else None
    return _address(prop) if prop else ""


def _is_joint(session: Session, tenancy_id: int, person_id: int, today: date) -> bool:
    parties = session.exec(
        select(TenancyParty).where(
            TenancyParty.tenancy_id == tenancy_id,
            TenancyParty.person_id != person_id,
            TenancyParty.role.in_(JOINT_ROLES),
        )
    ).all()
    return any(p.is_current(today) for p in parties)


def request_context(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    account_id: int,
    now: datetime,
    settings: Settings | None = None,
) -> RequestContext:
    """What the request forms need about one of the resident's accounts. Raises NotYours."""
    settings = settings_or_default(settings)
    owned = _owned_account(
        session,
        user_id=user_id,
        person_id=person_id,
        tenancy_id=tenancy_id,
        account_id=account_id,
        today=uk_today(as_utc(now)),
        settings=settings,
    )
    recent = session.exec(
        select(Transaction)
        .where(Transaction.account_id == owned.account.id)
        .order_by(Transaction.posted_on.desc(), Transaction.id.desc())
        .limit(RECENT_TRANSACTIONS)
    ).all()
    return RequestContext(
        account_id=owned.account.id,
        account_ref=owned.account.account_ref,
        account_label=account_label(owned.account),
        home_address=_home_address(session, tenancy_id),
        is_joint=_is_joint(session, owned.account.tenancy_id, person_id, owned.today),
        statement_earliest=owned.tenancy.start_date,
        today=owned.today,
        recent_transactions=tuple(_choice(t) for t in recent),
    )


def transaction_choice(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    account_id: int,
    transaction_id: int,
    now: datetime,
    settings: Settings | None = None,
) -> TransactionChoice:
    """One transaction of the resident's account (say an older one picked from the full
    history), labelled as the query form lists them. Raises NotYours."""
    settings = settings_or_default(settings)
    owned = _owned_account(
        session,
        user_id=user_id,
        person_id=person_id,
        tenancy_id=tenancy_id,
        account_id=account_id,
        today=uk_today(as_utc(now)),
        settings=settings,
    )
    return _choice(_owned_transaction(session, owned.account, transaction_id))


# ---------------------------------------------------------------------------
# Standing orders and refund limits
# ---------------------------------------------------------------------------


LEASEHOLD_BANK_ACCOUNT_TYPES = ("service_charge", "major_works")


def standing_order_details(settings: Settings, account_ref: str, account_type: str = "rent") -> StandingOrderDetails:
    """The landlord's bank details for a standing order to this kind of account, and the
    reference to quote: a leaseholder's service charge and major works accounts are paid
    into the leasehold bank account, every other account into the rent account.
    ``account_ref`` must come from one of the resident's own accounts."""
    if account_type in LEASEHOLD_BANK_ACCOUNT_TYPES:
        return StandingOrderDetails(
            account_name=settings.landlord_leasehold_bank_name,
            sort_code=settings.landlord_leasehold_sort_code,
            account_number=settings.landlord_leasehold_account_number,
            payment_reference=account_ref,
        )
    return StandingOrderDetails(
        account_name=settings.landlord_bank_name,
        sort_code=settings.landlord_sort_code,
        account_number=settings.landlord_account_number,
        payment_reference=account_ref,
    )


def weekly_charge(session: Session, account_id: int, today: date) -> int:
    """Every charge on the account in force today, as a weekly amount in pence."""
    charges = session.exec(select(Charge).where(Charge.account_id == account_id)).all()
    return sum(
        convert_charge(c.amount_pence, c.frequency, "weekly")
        for c in charges
        if c.effective_from <= today and (c.effective_to is None or c.effective_to >= today)
    )


def _open_refunds(session: Session, account_id: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(MoneyRequest.amount_pence), 0)).where(
            MoneyRequest.account_id == account_id, MoneyRequest.kind == REFUND, MoneyRequest.status.in_(OPEN_STATUSES)
        )
    ).one()
    return int(total)


def _weeks(n: int) -> str:
    return "1 week" if n == 1 else f"{n} weeks"


def refund_limit(session: Session, account_id: int, today: date, settings: Settings | None = None) -> RefundLimit:
    """How much of an account's credit may be refunded today (the landlord's refund
    policy: nothing while in arrears). The caller has already checked the account is the resident's."""
    settings = settings_or_default(settings)
    balance = ledger_balance(session, account_id)
    weekly = weekly_charge(session, account_id, today)
    weeks = max(settings.refund_keep_back_weeks, 0)
    keep_back = weeks * weekly
    if balance > 0:
        return RefundLimit(
            balance,
            keep_back,
            0,
            "arrears",
            f"You cannot ask for a refund while you owe money on this account. You owe {format_pence(balance)}.",
            weekly,
            0,
        )
    if balance == 0:
        return RefundLimit(balance, keep_back, 0, "clear", "There is no credit on this account to refund.", weekly, 0)
    credit = -balance
    requested = _open_refunds(session, account_id)
    after_keep_back = max(credit - keep_back, 0)
    available = max(after_keep_back - requested, 0)
    kept = (
        f"We keep {format_pence(keep_back)} ({_weeks(weeks)} of charges) in credit on the account." if keep_back else ""
    )
    if after_keep_back == 0:
        return RefundLimit(
            balance,
            keep_back,
            0,
            "keep_back",
            f"You are {format_pence(credit)} in credit. {kept} There is nothing to refund at the moment.",
            weekly,
            requested,
        )
    if available == 0:
        return RefundLimit(
            balance,
            keep_back,
            0,
            "already_requested",
            f"You have already asked for a refund of {format_pence(requested)} from this account. "
            f"We will tell you when we have dealt with it.",
            weekly,
            requested,
        )
    pending = f" You have already asked for {format_pence(requested)}." if requested else ""
    return RefundLimit(
        balance,
        keep_back,
        available,
        "available",
        f"You can ask for a refund of up to {format_pence(available)}. "
        f"You are {format_pence(credit)} in credit.{(' ' + kept) if kept else ''}{pending}",
        weekly,
        requested,
    )


# ---------------------------------------------------------------------------
# Parsing what residents type
# ---------------------------------------------------------------------------

_AMOUNT = re.compile(r"^\d{1,7}(?:\.\d{1,2})?$")


def parse_amount(raw: object) -> int | None:
    """'40', '£40.5', '1,040.50' -> pence; None when it is not an amount of money."""
    value = text_of(raw).strip().replace(",", "").replace(" ", "")
    if value.startswith("£"):
        value = value[1:]
    if not _AMOUNT.match(value):
        return None
    whole, _, pence = value.partition(".")
    try:
        return parse_pounds(f"{whole}.{(pence + '00')[:2]}")
    except (MoneyFormatError, InvalidOperation, ValueError):  # pragma: no cover - the regex guards this
        return None


def parse_sort_code(raw: object) -> str | None:
    """'12-34-56', '12 34 56', '123456' -> '123456'."""
    value = re.sub(r"[\s\-–]", "", text_of(raw))
    return value if re.fullmatch(r"\d{6}", value) else None


def parse_account_number(raw: object) -> str | None:
    """8 digits once spaces are removed."""
    value = re.sub(r"\s", "", text_of(raw))
    return value if re.fullmatch(r"\d{8}", value) else None


def _yes_no(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = text_of(value).strip().lower()
    if text in ("yes", "true", "y", "1", "on"):
        return True
    if text in ("no", "false", "n", "0", "off"):
        return False
    return None


def _postal_address(
    post_to_address: object, other_address: object, errors: dict[str, str], home: str
) -> tuple[str, str]:
    """('home' | 'other', the address) from the "post it to <address>?" question."""
    choice = _yes_no(post_to_address)
    if choice is None:
        errors["post_to_address"] = "Select whether we should post it to your address"
        return "", ""
    if choice:
        return "home", home
    lines = [_one_line(line) for line in text_of(other_address).splitlines()]
    address = ", ".join(line for line in lines if line)
    if not address:
        errors["other_address"] = "Enter the address we should post it to"
    elif len(address) > ADDRESS_MAX_LENGTH:
        errors["other_address"] = f"Address must be {ADDRESS_MAX_LENGTH} characters or fewer"
    return "other", address


def _date_from_parts(
    day: object, month: object, year: object, *, label: str, today: date, errors: dict[str, str], key: str
) -> date | None:
    value, error = parse_date_parts(text_of(day), text_of(month), text_of(year), label=label, today=date.max)
    if error:
        errors[key] = error
        return None
    if value > today:
        errors[key] = f"{label} must be today or in the past"
        return None
    return value


# ---------------------------------------------------------------------------
# Writing a request
# ---------------------------------------------------------------------------


def _next_steps(
    kind: str, *, needs_joint_consent: bool, settings: Settings, post_to: str = "", lease: bool = False
) -> tuple[str, ...]:
    # The landlord's response target for this kind (targets.py), the same one the back office counts against.
    days = target_days(kind, settings)
    reply = f"We aim to reply within {days} working days."
    where = "to your address" if post_to == "home" else "to the address you gave us"
    if kind == QUERY:
        return ("Your income officer will check our records and reply to you.", reply)
    if kind == STANDING_ORDER:
        return (
            f"We will post our standing order details {where}. We aim to post them within {days} working days.",
            "You do not need to wait: you can set up the standing order now with the details shown on screen.",
        )
    if kind == REFUND:
        steps = ["Your income officer will check your account before any refund is paid."]
        if needs_joint_consent:
            steps.append(
                "This is a joint lease, so we will ask the other leaseholder to agree to the refund first."
                if lease
                else "This is a joint tenancy, so we will ask the other tenant to agree to the refund first."
            )
        steps += ["We will pay the refund into the bank account you gave us.", reply]
        return tuple(steps)
    if kind == BENEFITS_ADVICE:
        return ("An adviser will contact you the way you asked, at the time you chose if they can.", reply)
    if kind == PAPER_STATEMENT:
        return (f"We will post the statement {where}. We aim to post it within {days} working days.",)
    if kind == PAYMENT_PLAN:
        return (
            "Your plan takes longer than a year to clear your arrears, so your income officer will look at it.",
            f"We aim to tell you within {days} working days whether it is agreed. Until then, keep paying "
            "your regular charge and what you can towards your arrears.",
        )
    return (reply,)  # pragma: no cover - every kind is listed above


def _create(
    session: Session,
    owned: _Owned,
    *,
    kind: str,
    person_id: int,
    summary: str,
    what_you_asked: str,
    details: dict,
    now: datetime,
    settings: Settings,
    transaction_id: int | None = None,
    amount_pence: int | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    bank_details_enc: str | None = None,
    bank_details_masked: str | None = None,
    needs_joint_consent: bool = False,
    post_to: str = "",
) -> SubmitResult:
    now = as_utc(now)
    reference = _unused_reference(session)
    request = MoneyRequest(
        reference=reference,
        kind=kind,
        status=RECEIVED,
        user_id=owned.user.id,
        person_id=person_id,
        account_id=owned.account.id,
        officer_id=route_officer(session, owned.tenancy, kind),
        transaction_id=transaction_id,
        amount_pence=amount_pence,
        period_from=period_from,
        period_to=period_to,
        summary=_clip(summary, 200),
        details=json.dumps(details, sort_keys=True),
        bank_details_enc=bank_details_enc,
        bank_details_masked=bank_details_masked,
        needs_joint_consent=needs_joint_consent,
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    session.flush()
    session.add(RequestUpdate(request_id=request.id, at=now, status=RECEIVED, note="", officer_id=None))
    # The officer named for the tenancy, when they have a staff account, has it at once (and is emailed).
    assign_on_arrival(session, request, now=now, settings=settings)
    steps = _next_steps(
        kind,
        needs_joint_consent=needs_joint_consent,
        settings=settings,
        post_to=post_to,
        lease=owned.tenancy.tenure in LEASE_TENURES,
    )
    mail = mail_templates.request_received(
        reference=reference,
        kind_label=KIND_LABELS[kind],
        what_you_asked=what_you_asked,
        next_steps=steps,
        settings=settings,
    )
    queue_mail(session, to=owned.user.email, subject=mail.subject, body=mail.body, kind=MAIL_RECEIVED, now=now)
    session.flush()
    return SubmitResult(
        Acknowledgement(
            reference=reference,
            kind=kind,
            kind_label=KIND_LABELS[kind],
            summary=request.summary,
            what_you_asked=what_you_asked,
            next_steps=steps,
            email=owned.user.email,
            needs_joint_consent=needs_joint_consent,
        )
    )


def submit_payment_plan(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    account_id: int,
    summary: str,
    what_you_asked: str,
    details: dict,
    now: datetime,
    settings: Settings,
) -> Acknowledgement:
    """A payment plan waiting for the income officer's decision, as a request in the one
    queue (``services/payments/plans.py`` makes it; ownership was checked there)."""
    owned = _own(session, user_id, person_id, tenancy_id, account_id, now, settings)
    result = _create(
        session,
        owned,
        kind=PAYMENT_PLAN,
        person_id=person_id,
        summary=summary,
        what_you_asked=what_you_asked,
        details=details,
        now=now,
        settings=settings,
    )
    return result.acknowledgement


def _own(session, user_id, person_id, tenancy_id, account_id, now, settings) -> _Owned:
    return _owned_account(
        session,
        user_id=user_id,
        person_id=person_id,
        tenancy_id=tenancy_id,
        account_id=account_id,
        today=uk_today(as_utc(now)),
        settings=settings,
    )


def _over_daily_limit(
    session: Session, owned: _Owned, kind: str, now: datetime, settings: Settings
) -> SubmitResult | None:
    """The refusal when the account already has the day's limit of requests of ``kind``
    (made today, UK time, by anyone on the account), else None. Writes nothing."""
    limit = settings.requests_per_kind_per_day
    if limit <= 0:
        return None
    # Count under the account's row lock (PostgreSQL; SQLite has one writer anyway), so two
    # requests at the same moment cannot both be the last one allowed.
    session.exec(select(Account.id).where(Account.id == owned.account.id).with_for_update()).first()
    start, end = uk_day_in_utc(uk_today(as_utc(now)))
    made = session.exec(
        select(func.count(MoneyRequest.id)).where(
            MoneyRequest.account_id == owned.account.id,
            MoneyRequest.kind == kind,
            MoneyRequest.created_at >= start,
            MoneyRequest.created_at < end,
        )
    ).one()
    if made < limit:
        return None
    these = "one of these" if made == 1 else f"{made} of these"
    them = "it" if made == 1 else "them"
    message = (
        f"You have sent us {these} today. We will deal with {them}: you can send another tomorrow, "
        f"or phone us on {settings.landlord_phone} ({settings.landlord_hours})."
    )
    return SubmitResult(None, {LIMIT_FIELDS[kind]: message})


def submit_query(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    account_id: int,
    message: str,
    transaction_id: int | None = None,
    now: datetime,
    settings: Settings | None = None,
) -> SubmitResult:
    """ "Query my account": a question in the resident's words, optionally about one
    transaction of that account. Errors: ``message``. Raises NotYours."""
    settings = settings_or_default(settings)
    owned = _own(session, user_id, person_id, tenancy_id, account_id, now, settings)
    transaction = None
    if transaction_id not in (None, ""):
        transaction = _owned_transaction(session, owned.account, transaction_id)
    if (refused := _over_daily_limit(session, owned, QUERY, now, settings)) is not None:
        return refused

    errors: dict[str, str] = {}
    text = text_of(message).strip()
    if not text:
        errors["message"] = "Enter your question"
    elif len(text) < QUERY_MIN_LENGTH:
        errors["message"] = f"Question must be {QUERY_MIN_LENGTH} characters or more"
    elif len(text) > QUERY_MAX_LENGTH:
        errors["message"] = f"Question must be {QUERY_MAX_LENGTH} characters or fewer"
    if errors:
        return SubmitResult(None, errors)

    label = f"{account_label(owned.account)} {owned.account.account_ref}"
    if transaction is not None:
        summary = f"Question about {transaction_label(transaction)} ({label})"
        asked = f"A question about {account_words(owned.account)}, about the transaction of {transaction_label(transaction)}."
    else:
        summary = f"Question about {label}"
        asked = f"A question about {account_words(owned.account)}."
    return _create(
        session,
        owned,
        kind=QUERY,
        person_id=person_id,
        summary=summary,
        what_you_asked=asked,
        details={"message": text},
        now=now,
        settings=settings,
        transaction_id=transaction.id if transaction else None,
    )


def submit_standing_order(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    account_id: int,
    post_to_address: str | bool | None,
    other_address: str = "",
    now: datetime,
    settings: Settings | None = None,
) -> SubmitResult:
    """Standing order details by post. ``post_to_address`` answers "Should we post it to
    <home address>?" ("yes"/"no" or a bool); "no" needs ``other_address``.
    Errors: ``post_to_address``, ``other_address``. Raises NotYours."""
    settings = settings_or_default(settings)
    owned = _own(session, user_id, person_id, tenancy_id, account_id, now, settings)
    if (refused := _over_daily_limit(session, owned, STANDING_ORDER, now, settings)) is not None:
        return refused
    errors: dict[str, str] = {}
    post_to, address = _postal_address(post_to_address, other_address, errors, _home_address(session, tenancy_id))
    if errors:
        return SubmitResult(None, errors)
    where = "to your address" if post_to == "home" else "to the address you gave us"
    return _create(
        session,
        owned,
        kind=STANDING_ORDER,
        person_id=person_id,
        summary=f"Standing order details by post for {account_label(owned.account)} {owned.account.account_ref}",
        what_you_asked=f"Our standing order details for {account_words(owned.account)}, posted {where}.",
        details={"post_to": post_to, "address": address},
        now=now,
        settings=settings,
        post_to=post_to,
    )


def submit_refund(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    account_id: int,
    amount: str,
    bank_account_name: str,
    sort_code: str,
    bank_account_number: str,
    now: datetime,
    settings: Settings | None = None,
) -> SubmitResult:
    """A refund of credit into the resident's bank account, up to ``refund_limit``.
    Errors: ``amount``, ``bank_account_name``, ``sort_code``, ``bank_account_number``.
    Raises NotYours."""
    settings = settings_or_default(settings)
    owned = _own(session, user_id, person_id, tenancy_id, account_id, now, settings)
    if (refused := _over_daily_limit(session, owned, REFUND, now, settings)) is not None:
        return refused
    # One refund check at a time per account (PostgreSQL; SQLite has one writer anyway).
    session.exec(select(Account.id).where(Account.id == owned.account.id).with_for_update()).first()
    limit = refund_limit(session, owned.account.id, owned.today, settings)

    errors: dict[str, str] = {}
    amount_text = text_of(amount).strip()
    pence = parse_amount(amount_text)
    if limit.available_pence <= 0:
        errors["amount"] = limit.message
    elif not amount_text:
        errors["amount"] = "Enter the amount you want refunded"
    elif pence is None:
        errors["amount"] = "Amount must be in pounds and pence, like 40.00"
    elif pence <= 0:
        errors["amount"] = "Amount must be more than £0.00"
    elif pence > limit.available_pence:
        errors["amount"] = f"Amount must be {format_pence(limit.available_pence)} or less"

    name = _one_line(text_of(bank_account_name))
    if not name:
        errors["bank_account_name"] = "Enter the name on the bank account"
    elif len(name) > BANK_NAME_MAX_LENGTH:
        errors["bank_account_name"] = f"Name on the account must be {BANK_NAME_MAX_LENGTH} characters or fewer"

    sort = parse_sort_code(sort_code)
    if not text_of(sort_code).strip():
        errors["sort_code"] = "Enter a sort code"
    elif sort is None:
        errors["sort_code"] = "Enter a valid sort code like 309430"

    number = parse_account_number(bank_account_number)
    if not text_of(bank_account_number).strip():
        errors["bank_account_number"] = "Enter an account number"
    elif number is None:
        errors["bank_account_number"] = "Enter a valid account number like 00733445: it must be 8 digits"
    if errors:
        return SubmitResult(None, errors)

    joint = _is_joint(session, owned.account.tenancy_id, person_id, owned.today)
    sort_display = f"{sort[:2]}-{sort[2:4]}-{sort[4:]}"
    enc = encrypt(json.dumps({"account_name": name, "sort_code": sort, "account_number": number}, sort_keys=True))
    return _create(
        session,
        owned,
        kind=REFUND,
        person_id=person_id,
        summary=f"Refund of {format_pence(pence)} from {account_label(owned.account)} {owned.account.account_ref}",
        what_you_asked=(
            f"A refund of {format_pence(pence)} from {account_words(owned.account)}, paid into the bank account "
            f"you gave us. For your security we do not repeat bank details in emails."
        ),
        details={
            "balance_pence": limit.balance_pence,
            "keep_back_pence": limit.keep_back_pence,
            "available_pence": limit.available_pence,
        },
        now=now,
        settings=settings,
        amount_pence=pence,
        bank_details_enc=enc,
        bank_details_masked=mask_bank_details(name, sort_display, number),
        needs_joint_consent=joint,
    )


def submit_benefits_advice(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    account_id: int,
    topic: str,
    best_time: str,
    contact_by: str,
    phone: str = "",
    email: str = "",
    note: str = "",
    now: datetime,
    settings: Settings | None = None,
) -> SubmitResult:
    """Benefits advice. ``topic`` from BENEFIT_TOPICS, ``best_time`` from BEST_TIMES,
    ``contact_by`` from CONTACT_WAYS with ``phone`` or ``email``; ``note`` optional (needed
    for topic "other"). Errors: ``topic``, ``best_time``, ``contact_by``, ``phone``,
    ``email``, ``note``. Raises NotYours."""
    settings = settings_or_default(settings)
    owned = _own(session, user_id, person_id, tenancy_id, account_id, now, settings)
    if (refused := _over_daily_limit(session, owned, BENEFITS_ADVICE, now, settings)) is not None:
        return refused
    errors: dict[str, str] = {}
    topics = dict(BENEFIT_TOPICS)
    times = dict(BEST_TIMES)
    topic_value = text_of(topic)
    if topic_value not in topics:
        errors["topic"] = "Select what you would like advice about"
    time_value = text_of(best_time)
    if time_value not in times:
        errors["best_time"] = "Select the best time to contact you"
    way = text_of(contact_by)
    contact: dict[str, str] = {}
    if way == "phone":
        raw = _one_line(text_of(phone))
        if not raw:
            errors["phone"] = "Enter a phone number"
        elif normalise_uk_mobile(raw) is None and not is_uk_landline(raw):
            errors["phone"] = "Enter a UK phone number, like 01632 960 001 or 07700 900 982"
        else:
            contact = {"phone": raw}
    elif way == "email":
        raw = text_of(email).strip()
        value = normalise_email(raw)
        if not raw:
            errors["email"] = "Enter an email address"
        elif value is None:
            errors["email"] = "Enter an email address in the correct format, like name@example.com"
        else:
            contact = {"email": value}
    else:
        errors["contact_by"] = "Select how we should contact you"
    note_text = text_of(note).strip()
    if len(note_text) > NOTE_MAX_LENGTH:
        errors["note"] = f"Note must be {NOTE_MAX_LENGTH} characters or fewer"
    elif topic_value == "other" and not note_text:
        errors["note"] = "Tell us what you would like advice about"
    if errors:
        return SubmitResult(None, errors)

    how = "by phone" if way == "phone" else "by email"
    return _create(
        session,
        owned,
        kind=BENEFITS_ADVICE,
        person_id=person_id,
        summary=f"Benefits advice: {topics[topic_value]}",
        what_you_asked=f"Advice about {topics[topic_value]}, {how} ({times[time_value].lower()}).",
        details={"topic": topic_value, "best_time": time_value, "contact_by": way, **contact, "note": note_text},
        now=now,
        settings=settings,
    )


def submit_paper_statement(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    account_id: int,
    from_day: str,
    from_month: str,
    from_year: str,
    to_day: str,
    to_month: str,
    to_year: str,
    post_to_address: str | bool | None,
    other_address: str = "",
    now: datetime,
    settings: Settings | None = None,
) -> SubmitResult:
    """A paper statement for a period (GOV.UK date inputs), posted. The period starts no
    earlier than the tenancy and ends no later than today. Errors: ``period_from``,
    ``period_to``, ``post_to_address``, ``other_address``. Raises NotYours."""
    settings = settings_or_default(settings)
    owned = _own(session, user_id, person_id, tenancy_id, account_id, now, settings)
    if (refused := _over_daily_limit(session, owned, PAPER_STATEMENT, now, settings)) is not None:
        return refused
    errors: dict[str, str] = {}
    start = _date_from_parts(
        from_day, from_month, from_year, label="Start date", today=owned.today, errors=errors, key="period_from"
    )
    end = _date_from_parts(
        to_day, to_month, to_year, label="End date", today=owned.today, errors=errors, key="period_to"
    )
    began = owned.tenancy.start_date
    if start is not None and start < began:
        errors["period_from"] = (
            f"Start date must be the same as or after {uk_date_words(began)}, when the tenancy started"
        )
    if start is not None and end is not None and "period_from" not in errors and end < start:
        errors["period_to"] = "End date must be the same as or after the start date"
    post_to, address = _postal_address(post_to_address, other_address, errors, _home_address(session, tenancy_id))
    if errors:
        return SubmitResult(None, errors)

    period = f"{uk_date_words(start)} to {uk_date_words(end)}"
    where = "to your address" if post_to == "home" else "to the address you gave us"
    return _create(
        session,
        owned,
        kind=PAPER_STATEMENT,
        person_id=person_id,
        summary=f"Paper statement of {account_label(owned.account)} {owned.account.account_ref}, {period}",
        what_you_asked=f"A paper statement of {account_words(owned.account)} from {period}, posted {where}.",
        details={"post_to": post_to, "address": address},
        now=now,
        settings=settings,
        period_from=start,
        period_to=end,
        post_to=post_to,
    )


# ---------------------------------------------------------------------------
# Data rights: correct or delete what we hold about the resident
# ---------------------------------------------------------------------------

# The landlord answers a data rights request "without undue delay and in any event within
# one month of receipt", which it may extend by two further months for a complex one,
# telling the resident within the first month (UK GDPR Article 12(3)).
DATA_REPLY_WITHIN = "one month"
DATA_FIELDS = ("about", "correction", "why")  # the form's fields, in page order


def _owned_user(session: Session, *, user_id: int, person_id: int, tenancy_id: int) -> PortalUser:
    user = session.get(PortalUser, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if user is None or user.status != "active" or user.person_id != person_id or user.tenancy_id != tenancy_id:
        raise NotYours("the principal does not hang together")
    return user


def _data_next_steps(kind: str) -> tuple[str, ...]:
    steps = [
        "Our data protection officer will look at your request.",
        f"We will reply within {DATA_REPLY_WITHIN} of receiving it. If your request is complex we may need up "
        "to two more months: if so, we will tell you within the first month, and why.",
    ]
    if kind == DATA_ERASURE:
        steps.append(
            "We may have to keep some information, for example a record of the rent you have paid, because the "
            "law or our records retention schedule requires it. If so, we will tell you what we are keeping and why."
        )
    else:
        steps.append("If we agree the information is wrong, we will correct it and tell you when we have.")
    return tuple(steps)


def _over_daily_limit_for_user(
    session: Session, user: PortalUser, kind: str, now: datetime, settings: Settings, field: str
) -> SubmitResult | None:
    """The daily limit of ``_over_daily_limit``, for requests about no account: per portal user."""
    limit = settings.requests_per_kind_per_day
    if limit <= 0:
        return None
    session.exec(select(PortalUser.id).where(PortalUser.id == user.id).with_for_update()).first()
    start, end = uk_day_in_utc(uk_today(as_utc(now)))
    made = session.exec(
        select(func.count(MoneyRequest.id)).where(
            MoneyRequest.user_id == user.id,
            MoneyRequest.kind == kind,
            MoneyRequest.created_at >= start,
            MoneyRequest.created_at < end,
        )
    ).one()
    if made < limit:
        return None
    return SubmitResult(
        None,
        {
            field: (
                f"You have sent us {made} of these today. We will deal with them: you can send another tomorrow, "
                f"or phone us on {settings.landlord_phone} ({settings.landlord_hours})."
            )
        },
    )


def submit_data_request(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    kind: str,
    about: str,
    correction: str = "",
    why: str = "",
    now: datetime,
    settings: Settings | None = None,
) -> SubmitResult:
    """Ask the landlord to correct (``DATA_CORRECTION``, UK GDPR Article 16) or delete
    (``DATA_ERASURE``, Article 17) information it holds about the resident. ``about`` says
    which information; a correction needs ``correction`` (what it should say); ``why`` is
    optional for an erasure. It lands in the data protection officer's queue (no account,
    no income officer). Errors: ``kind``, ``about``, ``correction``, ``why``. Raises
    NotYours for a principal that does not hang together; nothing is written with errors."""
    settings = settings_or_default(settings)
    user = _owned_user(session, user_id=user_id, person_id=person_id, tenancy_id=tenancy_id)
    errors: dict[str, str] = {}
    chosen = text_of(kind)
    if chosen not in DATA_KINDS:
        return SubmitResult(None, {"kind": "Select whether you want us to correct or delete information"})
    if (refused := _over_daily_limit_for_user(session, user, chosen, now, settings, "kind")) is not None:
        return refused
    what = text_of(about).strip()
    if not what:
        errors["about"] = "Tell us which information it is"
    elif len(what) < QUERY_MIN_LENGTH:
        errors["about"] = f"Which information must be {QUERY_MIN_LENGTH} characters or more"
    elif len(what) > QUERY_MAX_LENGTH:
        errors["about"] = f"Which information must be {QUERY_MAX_LENGTH} characters or fewer"
    details: dict[str, str] = {"about": what}
    if chosen == DATA_CORRECTION:
        fixed = text_of(correction).strip()
        if not fixed:
            errors["correction"] = "Tell us what the information should say"
        elif len(fixed) > QUERY_MAX_LENGTH:
            errors["correction"] = f"What it should say must be {QUERY_MAX_LENGTH} characters or fewer"
        details["correction"] = fixed
    else:
        reason = text_of(why).strip()
        if len(reason) > QUERY_MAX_LENGTH:
            errors["why"] = f"Why must be {QUERY_MAX_LENGTH} characters or fewer"
        details["why"] = reason
    if errors:
        return SubmitResult(None, errors)

    now = as_utc(now)
    if chosen == DATA_CORRECTION:
        summary = "Correct information we hold about me"
        asked = "To correct information we hold about you that you told us is wrong or incomplete."
    else:
        summary = "Delete information we hold about me"
        asked = "To delete information we hold about you."
    reference = _unused_reference(session)
    request = MoneyRequest(
        reference=reference,
        kind=chosen,
        status=RECEIVED,
        user_id=user.id,
        person_id=person_id,
        account_id=None,
        officer_id=None,  # the data protection officer's queue, not an income officer's
        summary=summary,
        details=json.dumps(details, sort_keys=True),
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    session.flush()
    session.add(RequestUpdate(request_id=request.id, at=now, status=RECEIVED, note="", officer_id=None))
    steps = _data_next_steps(chosen)
    mail = mail_templates.request_received(
        reference=reference, kind_label=KIND_LABELS[chosen], what_you_asked=asked, next_steps=steps, settings=settings
    )
    queue_mail(session, to=user.email, subject=mail.subject, body=mail.body, kind=MAIL_RECEIVED, now=now)
    session.flush()
    return SubmitResult(
        Acknowledgement(
            reference=reference,
            kind=chosen,
            kind_label=KIND_LABELS[chosen],
            summary=summary,
            what_you_asked=asked,
            next_steps=steps,
            email=user.email,
            needs_joint_consent=False,
        )
    )


# ---------------------------------------------------------------------------
# Requests about the home and tenancy (services/tenancy/ makes them)
# ---------------------------------------------------------------------------


def reply_promise(kind: str, now: datetime, settings: Settings | None = None) -> str:
    """'We aim to reply within 10 working days, by 18 December 2026.': the kind's target,
    the one the back office counts against, with its date for a request made ``now``."""
    settings = settings_or_default(settings)
    due = due_date(kind, uk_today(as_utc(now)), settings)
    return f"We aim to reply within {target_words(kind, settings)}, by {uk_date_words(due)}."


def submit_tenancy_request(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    kind: str,
    summary: str,
    what_you_asked: str,
    lines: list[tuple[str, str]] | tuple[tuple[str, str], ...],
    next_steps: tuple[str, ...] | list[str],
    now: datetime,
    settings: Settings | None = None,
    details: dict | None = None,
    account_id: int | None = None,
    parent_request_id: int | None = None,
    limit_field: str = "",
    staff_lines: list[tuple[str, str]] | None = None,
) -> SubmitResult:
    """Make a request about the resident's home or tenancy (``TENANCY_KINDS``), already
    validated by the tenancy service that asks: a household change, a permission, a
    complaint, notice, a mutual exchange. The principal must hang together and its tenancy
    be current (``NotYours`` otherwise, nothing written). ``lines`` are what the resident
    told us, (label, value) in their words, shown back to them and to the officer
    (``staff_lines``, when given, to the officer instead); ``details`` is anything else the
    service keeps (it must not hold a secret). ``account_id``, when given, must be one of the
    principal's accounts. It is routed to the housing officer (``routing.route_officer``),
    and acknowledged by email with ``next_steps``. The daily limit per kind and portal user
    applies: refused with one error on ``limit_field``, nothing written."""
    settings = settings_or_default(settings)
    if kind not in TENANCY_KINDS:
        raise ValueError(f"not a tenancy request kind: {kind!r}")
    user = _owned_user(session, user_id=user_id, person_id=person_id, tenancy_id=tenancy_id)
    now = as_utc(now)
    tenancy = session.get(Tenancy, tenancy_id)
    if tenancy is None or not tenancy.is_current(uk_today(now)):
        raise NotYours("the tenancy is not current")
    if account_id is not None:
        owned = _own(session, user_id, person_id, tenancy_id, account_id, now, settings)
        account_id = owned.account.id
    if parent_request_id is not None:
        parent = session.get(MoneyRequest, parent_request_id)
        if parent is None or parent.user_id != user.id:
            raise NotYours("the request this follows is not theirs")
    if (refused := _over_daily_limit_for_user(session, user, kind, now, settings, limit_field or "kind")) is not None:
        return refused
    kept = dict(details or {})
    kept["lines"] = [[str(label), str(value)] for label, value in lines]
    if staff_lines:
        kept["staff_lines"] = [[str(label), str(value)] for label, value in staff_lines]
    reference = _unused_reference(session)
    request = MoneyRequest(
        reference=reference,
        kind=kind,
        status=RECEIVED,
        user_id=user.id,
        person_id=person_id,
        account_id=account_id,
        officer_id=route_officer(session, tenancy, kind),
        parent_request_id=parent_request_id,
        summary=_clip(_one_line(summary), 200),
        details=json.dumps(kept, sort_keys=True),
        created_at=now,
        updated_at=now,
    )
    session.add(request)
    session.flush()
    session.add(RequestUpdate(request_id=request.id, at=now, status=RECEIVED, note="", officer_id=None))
    assign_on_arrival(session, request, now=now, settings=settings)
    steps = tuple(next_steps)
    mail = mail_templates.request_received(
        reference=reference,
        kind_label=KIND_LABELS[kind],
        what_you_asked=what_you_asked,
        next_steps=steps,
        settings=settings,
    )
    queue_mail(session, to=user.email, subject=mail.subject, body=mail.body, kind=MAIL_RECEIVED, now=now)
    session.flush()
    return SubmitResult(
        Acknowledgement(
            reference=reference,
            kind=kind,
            kind_label=KIND_LABELS[kind],
            summary=request.summary,
            what_you_asked=what_you_asked,
            next_steps=steps,
            email=user.email,
            needs_joint_consent=False,
        )
    )


# ---------------------------------------------------------------------------
# Reading requests: the resident's side
# ---------------------------------------------------------------------------


def my_requests(session: Session, user_id: int) -> list[RequestSummary]:
    """The requests this portal user made, newest first (a request about the resident
    rather than one account, such as a data-rights request, has no account)."""
    rows = session.exec(
        select(MoneyRequest, Account, StaffMember.name)
        .outerjoin(Account, Account.id == MoneyRequest.account_id)  # a data rights request has none
        .outerjoin(StaffMember, StaffMember.id == MoneyRequest.raised_by_staff_id)
        .where(MoneyRequest.user_id == user_id)
        .order_by(MoneyRequest.created_at.desc(), MoneyRequest.id.desc())
    ).all()
    return [
        RequestSummary(
            reference=r.reference,
            kind=r.kind,
            kind_label=kind_label(r.kind),
            summary=r.summary,
            status=r.status,
            status_label=STATUS_LABELS.get(r.status, r.status),
            is_open=r.status in OPEN_STATUSES,
            account_label=account_label(a),
            account_ref=a.account_ref if a is not None else "",
            created_at=r.created_at,
            created_on=uk_date_words(uk_today(r.created_at)),
            updated_at=r.updated_at,
            updated_on=uk_date_words(uk_today(r.updated_at)),
            raised_by=raised_by_words(r, raised_by),
        )
        for r, a, raised_by in rows
    ]


def _who_wrote(session: Session, update: RequestUpdate) -> str:
    """The name of the officer behind a step: the member of staff who wrote it in the back
    office, or (older steps) the landlord's officer; "" for the resident's own."""
    if update.staff_id is not None:
        member = session.get(StaffMember, update.staff_id)
        if member is not None:
            return member.name
    if update.officer_id is not None:
        officer = session.get(Officer, update.officer_id)
        if officer is not None:
            return officer.name
    return ""


def request_detail(session: Session, user_id: int, reference: str) -> RequestDetail | None:
    """One of this user's requests with its history; None for an unknown reference or
    someone else's (the same answer, so references cannot be probed). The officer named is
    the member of staff it is assigned to, else the landlord's officer for the tenancy."""
    request = session.exec(
        select(MoneyRequest).where(
            MoneyRequest.reference == normalise_request_reference(reference), MoneyRequest.user_id == user_id
        )
    ).first()
    if request is None:
        return None
    account = session.get(Account, request.account_id) if request.account_id is not None else None
    assignee = session.get(StaffMember, request.assigned_staff_id) if request.assigned_staff_id else None
    officer = session.get(Officer, request.officer_id) if request.officer_id else None
    raised_by = session.get(StaffMember, request.raised_by_staff_id) if request.raised_by_staff_id else None
    updates = session.exec(
        select(RequestUpdate).where(RequestUpdate.request_id == request.id).order_by(RequestUpdate.at, RequestUpdate.id)
    ).all()
    return RequestDetail(
        reference=request.reference,
        kind=request.kind,
        kind_label=kind_label(request.kind),
        summary=request.summary,
        status=request.status,
        status_label=STATUS_LABELS.get(request.status, request.status),
        is_open=request.status in OPEN_STATUSES,
        account_label=account_label(account),
        account_ref=account.account_ref if account is not None else "",
        created_at=request.created_at,
        created_words=uk_time_words(request.created_at),
        updated_at=request.updated_at,
        updated_words=uk_time_words(request.updated_at),
        lines=detail_lines(session, request),
        bank_details_masked=request.bank_details_masked,
        needs_joint_consent=request.needs_joint_consent,
        officer_name=assignee.name if assignee is not None else (officer.name if officer else None),
        updates=tuple(
            UpdateItem(
                u.at,
                uk_time_words(u.at),
                u.status,
                STATUS_LABELS.get(u.status, u.status),
                u.note,
                _who_wrote(session, u),
            )
            for u in updates
        ),
        raised_by=raised_by_words(request, raised_by.name if raised_by else None),
    )


__all__ = [
    # the words a request form offers (from common.py)
    "BENEFITS_ADVICE",
    "BENEFIT_TOPICS",
    "BEST_TIMES",
    "CONTACT_WAYS",
    "DATA_CORRECTION",
    "DATA_ERASURE",
    "DATA_KINDS",
    "KIND_LABELS",
    "NotYours",
    "PAPER_STATEMENT",
    "QUERY",
    "REFUND",
    "STANDING_ORDER",
    "STATUS_LABELS",
    # this module
    "ADDRESS_MAX_LENGTH",
    "Acknowledgement",
    "DATA_FIELDS",
    "DATA_REPLY_WITHIN",
    "LIMIT_FIELDS",
    "NOTE_MAX_LENGTH",
    "QUERY_MAX_LENGTH",
    "QUERY_MIN_LENGTH",
    "RefundLimit",
    "RequestContext",
    "RequestDetail",
    "RequestSummary",
    "StandingOrderDetails",
    "SubmitResult",
    "TransactionChoice",
    "UpdateItem",
    "my_requests",
    "parse_account_number",
    "parse_amount",
    "parse_sort_code",
    "refund_limit",
    "request_context",
    "request_detail",
    "route_officer",
    "standing_order_details",
    "submit_benefits_advice",
    "submit_data_request",
    "submit_paper_statement",
    "submit_query",
    "submit_refund",
    "submit_standing_order",
    "submit_tenancy_request",
    "reply_promise",
    "transaction_choice",
    "weekly_charge",
]
