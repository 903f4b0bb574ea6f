"""Requests residents make about their money, and the income officers' queue of them.

Seed 000 (sections 2 and 4) and seed 001: a resident can query their account (optionally
about one transaction), ask for standing order details by post, ask for a refund of
credit, ask for benefits advice, and ask for a paper statement. Each request gets a
reference (``RQ-`` and 6 characters), an acknowledgement on screen and by email, a status
the resident follows under "My requests", and lands in the queue of the officer named for
that tenancy.

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
- Routing: the tenancy's ``income_officer_id``. For a lease (tenure ``leasehold`` or
  ``shared_ownership``) an officer named on the tenancy (income or housing) whose role is
  ``leasehold_officer`` comes first. No officer: the request waits in the unassigned
  queue (``officer_queue(session, None)``).
- Refunds (seed 001: "a refund cannot be made if your account is in arrears"): only from
  credit, leaving ``settings.refund_keep_back_weeks`` weeks of the account's regular
  charge in credit, and less whatever open refund requests on the account already ask
  for (so two requests, or two joint tenants, cannot claim the same credit). The account
  row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL) while a refund is checked and
  written. Bank details are stored encrypted (``tokens.encrypt``) and masked; never in
  ``details``, a summary or an email; only ``reveal_bank_details`` by the assigned
  officer decrypts them.
- Status: received -> in_progress | waiting_for_you | done | declined; in_progress and
  waiting_for_you -> any of in_progress, waiting_for_you, done, declined (the same status
  again only with a note). done and declined are closed; an officer may reopen one only
  to in_progress and only with a note saying why (the resident sees it). Declining and
  waiting_for_you need a note too. Notes are shown to the resident; emails only say that
  there is one.

Times: ``now`` is an aware UTC datetime from the caller (naive is read as UTC); "today"
is the UK date of ``now``. Money is integer pence. The caller commits. No reflex import.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, update
from sqlmodel import Session, select

from portal_app.clock import uk_date_words, uk_time_words, uk_today
from portal_app.models import (
    Account,
    Charge,
    MoneyRequest,
    Officer,
    Person,
    PortalUser,
    Property,
    RequestUpdate,
    Tenancy,
    TenancyParty,
    Transaction,
)
from portal_app.services.mail import templates as mail_templates
from portal_app.services.accounts.balances import ACCOUNT_LABELS, convert_charge, ledger_balance, visible_accounts
from portal_app.services.money import MoneyFormatError, dr_cr, format_pence, parse_pounds
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.tokens import decrypt, encrypt
from portal_app.services.validation import is_uk_landline, normalise_email, normalise_uk_mobile, parse_date_parts
from portal_app.settings import Settings, get_settings

# ---------------------------------------------------------------------------
# Words and codes
# ---------------------------------------------------------------------------

QUERY = "query"
STANDING_ORDER = "standing_order"
REFUND = "refund"
BENEFITS_ADVICE = "benefits_advice"
PAPER_STATEMENT = "paper_statement"

KIND_LABELS = {
    QUERY: "Question about my account",
    STANDING_ORDER: "Standing order details by post",
    REFUND: "Refund",
    BENEFITS_ADVICE: "Benefits advice",
    PAPER_STATEMENT: "Paper statement",
}

RECEIVED = "received"
IN_PROGRESS = "in_progress"
WAITING_FOR_YOU = "waiting_for_you"
DONE = "done"
DECLINED = "declined"

STATUS_LABELS = {
    RECEIVED: "Received",
    IN_PROGRESS: "In progress",
    WAITING_FOR_YOU: "Waiting for your reply",
    DONE: "Completed",
    DECLINED: "Declined",
}
OPEN_STATUSES = (RECEIVED, IN_PROGRESS, WAITING_FOR_YOU)
CLOSED_STATUSES = (DONE, DECLINED)

# Which status may follow which. The same open status again is a note on its own.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    RECEIVED: (IN_PROGRESS, WAITING_FOR_YOU, DONE, DECLINED),
    IN_PROGRESS: (IN_PROGRESS, WAITING_FOR_YOU, DONE, DECLINED),
    WAITING_FOR_YOU: (IN_PROGRESS, WAITING_FOR_YOU, DONE, DECLINED),
    DONE: (IN_PROGRESS,),      # reopening: with a note only
    DECLINED: (IN_PROGRESS,),  # reopening: with a note only
}

# Radios on the benefits advice form: (value, label), in page order.
BENEFIT_TOPICS = (
    ("housing_benefit", "Housing Benefit"),
    ("universal_credit", "Universal Credit"),
    ("council_tax_support", "Council Tax Support"),
    ("discretionary_housing_payment", "Discretionary Housing Payment"),
    ("budgeting_debt", "Budgeting or debt"),
    ("other", "Something else"),
)
BEST_TIMES = (("morning", "Morning"), ("afternoon", "Afternoon"), ("any", "Any time"))
CONTACT_WAYS = (("phone", "Phone"), ("email", "Email"))

REPLY_WORKING_DAYS = 5
QUERY_MIN_LENGTH = 10
QUERY_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 1000
ADDRESS_MAX_LENGTH = 300
BANK_NAME_MAX_LENGTH = 70
OFFICER_NOTE_MAX_LENGTH = 2000
RECENT_TRANSACTIONS = 100

REFERENCE_PREFIX = "RQ-"
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
REFERENCE_LENGTH = 6
_REFERENCE_TRIES = 20

LEASE_TENURES = ("leasehold", "shared_ownership")
# Parties who make a tenancy "joint" for a refund: anyone else named on it as a tenant,
# leaseholder or licensee (not household members or occupants).
JOINT_ROLES = ("lead_tenant", "joint_tenant", "leaseholder", "joint_leaseholder", "licensee")

# OutboxMessage.kind
MAIL_RECEIVED = "request_received"
MAIL_UPDATED = "request_updated"


class NotYours(ValueError):
    """The principal may not act on this account, transaction or request."""


class RequestNotFound(LookupError):
    """No request has this reference (officer side)."""


# ---------------------------------------------------------------------------
# What goes back to the pages
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TransactionChoice:
    transaction_id: int
    posted_on: date
    description: str
    amount_pence: int        # as posted: positive = charge (DR), negative = paid in (CR)
    label: str               # "16 November 2026, Card payment, £100.00 CR"


@dataclass(frozen=True)
class RequestContext:
    """What a request form needs about one of the resident's accounts."""

    account_id: int
    account_ref: str
    account_label: str               # "Rent account"
    home_address: str                # the registration tenancy's address, one line
    is_joint: bool                   # another tenant or leaseholder is named on the account's tenancy
    statement_earliest: date         # the account's tenancy start: a paper statement cannot start before it
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
    balance_pence: int       # the ledger balance: negative = credit
    keep_back_pence: int     # refund_keep_back_weeks x the weekly charge in force today
    available_pence: int     # what may be asked for now; never negative
    reason: str              # arrears | clear | keep_back | already_requested | available
    message: str             # the reason in plain words, for the page
    weekly_charge_pence: int = 0
    already_requested_pence: int = 0  # open refund requests on this account


@dataclass(frozen=True)
class BankDetails:
    account_name: str
    sort_code: str       # "12-34-56"
    account_number: str  # 8 digits

    def __repr__(self) -> str:  # never print bank details into a log
        return f"BankDetails({mask_bank_details(self.account_name, self.sort_code, self.account_number)})"


@dataclass(frozen=True)
class Acknowledgement:
    """What the confirmation screen shows after a request is made."""

    reference: str
    kind: str
    kind_label: str
    summary: str
    what_you_asked: str
    next_steps: tuple[str, ...]
    email: str                 # where the confirmation email went
    needs_joint_consent: bool


@dataclass(frozen=True)
class SubmitResult:
    acknowledgement: Acknowledgement | None
    errors: dict[str, str] = field(default_factory=dict)  # field -> message; empty when made

    @property
    def ok(self) -> bool:
        return self.acknowledgement is not None


@dataclass(frozen=True)
class DetailLine:
    label: str
    value: str


@dataclass(frozen=True)
class UpdateItem:
    at: datetime
    at_words: str      # "10:42 on 22 November 2026" (UK time)
    status: str
    status_label: str
    note: str


@dataclass(frozen=True)
class RequestSummary:
    reference: str
    kind: str
    kind_label: str
    summary: str
    status: str
    status_label: str
    is_open: bool
    account_label: str
    account_ref: str
    created_at: datetime
    created_on: str    # "22 November 2026" (UK date)
    updated_at: datetime
    updated_on: str


@dataclass(frozen=True)
class RequestDetail:
    reference: str
    kind: str
    kind_label: str
    summary: str
    status: str
    status_label: str
    is_open: bool
    account_label: str
    account_ref: str
    created_at: datetime
    created_words: str
    updated_at: datetime
    updated_words: str
    lines: tuple[DetailLine, ...]        # what they told us, for a summary list
    bank_details_masked: str | None
    needs_joint_consent: bool
    officer_name: str | None
    updates: tuple[UpdateItem, ...]      # oldest first


@dataclass(frozen=True)
class QueueItem:
    reference: str
    kind: str
    kind_label: str
    summary: str
    status: str
    status_label: str
    officer_id: int | None
    officer_name: str | None
    account_id: int
    account_ref: str
    tenancy_ref: str
    resident_name: str
    resident_email: str
    amount_pence: int | None
    needs_joint_consent: bool
    has_bank_details: bool
    lines: tuple[DetailLine, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class UpdateResult:
    item: QueueItem | None
    errors: dict[str, str] = field(default_factory=dict)  # "status" | "note"

    @property
    def ok(self) -> bool:
        return self.item is not None


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _aware(now: datetime) -> datetime:
    return now.replace(tzinfo=timezone.utc) if now.tzinfo is None else now.astimezone(timezone.utc)


def _text(value: object) -> str:
    """What the browser sent, as text: anything that is not a string counts as empty."""
    return value if isinstance(value, str) else ""


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


def _settings(settings: Settings | None) -> Settings:
    return settings or get_settings()


def _address(prop: Property) -> str:
    lines = [part for part in (prop.address_line_1, prop.address_line_2, prop.address_line_3) if part]
    return f"{', '.join(lines)}, {prop.town} {prop.postcode}"


def _account_label(account: Account) -> str:
    return ACCOUNT_LABELS.get(account.account_type, "Account")


def _account_words(account: Account) -> str:
    """How an email names an account: its kind and only the last 4 characters of its number."""
    kind = _account_label(account).lower()
    if len(account.account_ref) > 4:
        return f"your {kind} ending {account.account_ref[-4:]}"
    return f"your {kind}"


def _transaction_label(t: Transaction) -> str:
    amount = f"{format_pence(t.amount_pence)} {dr_cr(t.amount_pence)}".strip()
    return f"{uk_date_words(t.posted_on)}, {t.description}, {amount}"


def _choice(t: Transaction) -> TransactionChoice:
    return TransactionChoice(t.id, t.posted_on, t.description, t.amount_pence, _transaction_label(t))


def normalise_request_reference(raw: object) -> str:
    """'rq-abc234', 'RQ ABC234' and 'abc234' all mean 'RQ-ABC234'."""
    value = re.sub(r"[\s-]", "", _text(raw)).upper()
    if value.startswith("RQ"):
        value = value[2:]
    return REFERENCE_PREFIX + value


def new_reference() -> str:
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


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
        session, person_id=person_id, tenancy_id=tenancy_id, today=today,
        allow_former=settings.allow_former_tenants, roles=settings.eligible_roles,
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
    settings = _settings(settings)
    owned = _owned_account(
        session, user_id=user_id, person_id=person_id, tenancy_id=tenancy_id, account_id=account_id,
        today=uk_today(_aware(now)), settings=settings,
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
        account_label=_account_label(owned.account),
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
    settings = _settings(settings)
    owned = _owned_account(
        session, user_id=user_id, person_id=person_id, tenancy_id=tenancy_id, account_id=account_id,
        today=uk_today(_aware(now)), settings=settings,
    )
    return _choice(_owned_transaction(session, owned.account, transaction_id))


# ---------------------------------------------------------------------------
# Standing orders and refund limits
# ---------------------------------------------------------------------------


def standing_order_details(settings: Settings, account_ref: str) -> StandingOrderDetails:
    """The landlord's bank details for a standing order, and the reference to quote.
    ``account_ref`` must come from one of the resident's own accounts."""
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
            MoneyRequest.account_id == account_id,
            MoneyRequest.kind == REFUND,
            MoneyRequest.status.in_(OPEN_STATUSES),
        )
    ).one()
    return int(total)


def _weeks(n: int) -> str:
    return "1 week" if n == 1 else f"{n} weeks"


def refund_limit(session: Session, account_id: int, today: date, settings: Settings | None = None) -> RefundLimit:
    """How much of an account's credit may be refunded today (seed 001: nothing while in
    arrears). The caller has already checked the account is the resident's."""
    settings = _settings(settings)
    balance = ledger_balance(session, account_id)
    weekly = weekly_charge(session, account_id, today)
    weeks = max(settings.refund_keep_back_weeks, 0)
    keep_back = weeks * weekly
    if balance > 0:
        return RefundLimit(
            balance, keep_back, 0, "arrears",
            f"You cannot ask for a refund while you owe money on this account. You owe {format_pence(balance)}.",
            weekly, 0,
        )
    if balance == 0:
        return RefundLimit(balance, keep_back, 0, "clear", "There is no credit on this account to refund.", weekly, 0)
    credit = -balance
    requested = _open_refunds(session, account_id)
    after_keep_back = max(credit - keep_back, 0)
    available = max(after_keep_back - requested, 0)
    kept = (
        f"We keep {format_pence(keep_back)} ({_weeks(weeks)} of charges) in credit on the account."
        if keep_back else ""
    )
    if after_keep_back == 0:
        return RefundLimit(
            balance, keep_back, 0, "keep_back",
            f"You are {format_pence(credit)} in credit. {kept} There is nothing to refund at the moment.",
            weekly, requested,
        )
    if available == 0:
        return RefundLimit(
            balance, keep_back, 0, "already_requested",
            f"You have already asked for a refund of {format_pence(requested)} from this account. "
            f"We will tell you when we have dealt with it.",
            weekly, requested,
        )
    pending = f" You have already asked for {format_pence(requested)}." if requested else ""
    return RefundLimit(
        balance, keep_back, available, "available",
        f"You can ask for a refund of up to {format_pence(available)}. "
        f"You are {format_pence(credit)} in credit.{(' ' + kept) if kept else ''}{pending}",
        weekly, requested,
    )


# ---------------------------------------------------------------------------
# Parsing what residents type
# ---------------------------------------------------------------------------

_AMOUNT = re.compile(r"^\d{1,7}(?:\.\d{1,2})?$")


def parse_amount(raw: object) -> int | None:
    """'40', '£40.5', '1,040.50' -> pence; None when it is not an amount of money."""
    value = _text(raw).strip().replace(",", "").replace(" ", "")
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
    value = re.sub(r"[\s\-–]", "", _text(raw))
    return value if re.fullmatch(r"\d{6}", value) else None


def parse_account_number(raw: object) -> str | None:
    """8 digits once spaces are removed."""
    value = re.sub(r"\s", "", _text(raw))
    return value if re.fullmatch(r"\d{8}", value) else None


def mask_bank_details(account_name: str, sort_code: str, account_number: str) -> str:
    """'Sort code **-**-56, account ****5678, name J Smith'."""
    digits = re.sub(r"\D", "", sort_code)
    words = account_name.split()
    if len(words) > 1:
        name = f"{words[0][0]} {words[-1]}"
    else:
        name = words[0] if words else ""
    return f"Sort code **-**-{digits[-2:]}, account ****{account_number[-4:]}, name {name}"[:100]


def _yes_no(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = _text(value).strip().lower()
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
    lines = [_one_line(line) for line in _text(other_address).splitlines()]
    address = ", ".join(line for line in lines if line)
    if not address:
        errors["other_address"] = "Enter the address we should post it to"
    elif len(address) > ADDRESS_MAX_LENGTH:
        errors["other_address"] = f"Address must be {ADDRESS_MAX_LENGTH} characters or fewer"
    return "other", address


def _date_from_parts(day: object, month: object, year: object, *, label: str, today: date, errors: dict[str, str],
                     key: str) -> date | None:
    value, error = parse_date_parts(_text(day), _text(month), _text(year), label=label, today=date.max)
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


def route_officer(session: Session, tenancy: Tenancy) -> int | None:
    """The officer whose queue a request on this tenancy lands in (None: unassigned)."""
    if tenancy.tenure in LEASE_TENURES:
        for officer_id in (tenancy.income_officer_id, tenancy.housing_officer_id):
            officer = session.get(Officer, officer_id) if officer_id else None
            if officer is not None and officer.role == "leasehold_officer":
                return officer.id
    return tenancy.income_officer_id


def _next_steps(kind: str, *, needs_joint_consent: bool, post_to: str = "", lease: bool = False) -> tuple[str, ...]:
    reply = f"We aim to reply within {REPLY_WORKING_DAYS} working days."
    where = "to your address" if post_to == "home" else "to the address you gave us"
    if kind == QUERY:
        return ("Your income officer will check our records and reply to you.", reply)
    if kind == STANDING_ORDER:
        return (
            f"We will post our standing order details {where}. We aim to post them within "
            f"{REPLY_WORKING_DAYS} working days.",
            "You do not need to wait: you can set up the standing order now with the details shown on screen.",
        )
    if kind == REFUND:
        steps = ["Your income officer will check your account before any refund is paid."]
        if needs_joint_consent:
            steps.append(
                "This is a joint lease, so we will ask the other leaseholder to agree to the refund first."
                if lease else
                "This is a joint tenancy, so we will ask the other tenant to agree to the refund first."
            )
        steps += [
            "We will pay the refund into the bank account you gave us.",
            reply,
        ]
        return tuple(steps)
    if kind == BENEFITS_ADVICE:
        return ("An adviser will contact you the way you asked, at the time you chose if they can.", reply)
    if kind == PAPER_STATEMENT:
        return (
            f"We will post the statement {where}. We aim to post it within {REPLY_WORKING_DAYS} working days.",
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
    now = _aware(now)
    reference = _unused_reference(session)
    request = MoneyRequest(
        reference=reference, kind=kind, status=RECEIVED, user_id=owned.user.id, person_id=person_id,
        account_id=owned.account.id, officer_id=route_officer(session, owned.tenancy), transaction_id=transaction_id,
        amount_pence=amount_pence, period_from=period_from, period_to=period_to, summary=_clip(summary, 200),
        details=json.dumps(details, sort_keys=True), bank_details_enc=bank_details_enc,
        bank_details_masked=bank_details_masked, needs_joint_consent=needs_joint_consent, created_at=now,
        updated_at=now,
    )
    session.add(request)
    session.flush()
    session.add(RequestUpdate(request_id=request.id, at=now, status=RECEIVED, note="", officer_id=None))
    steps = _next_steps(
        kind, needs_joint_consent=needs_joint_consent, post_to=post_to, lease=owned.tenancy.tenure in LEASE_TENURES
    )
    mail = mail_templates.request_received(
        reference=reference, kind_label=KIND_LABELS[kind], what_you_asked=what_you_asked, next_steps=steps,
        settings=settings,
    )
    queue_mail(session, to=owned.user.email, subject=mail.subject, body=mail.body, kind=MAIL_RECEIVED, now=now)
    session.flush()
    return SubmitResult(
        Acknowledgement(
            reference=reference, kind=kind, kind_label=KIND_LABELS[kind], summary=request.summary,
            what_you_asked=what_you_asked, next_steps=steps, email=owned.user.email,
            needs_joint_consent=needs_joint_consent,
        )
    )


def _own(session, user_id, person_id, tenancy_id, account_id, now, settings) -> _Owned:
    return _owned_account(
        session, user_id=user_id, person_id=person_id, tenancy_id=tenancy_id, account_id=account_id,
        today=uk_today(_aware(now)), settings=settings,
    )


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
    """"Query my account": a question in the resident's words, optionally about one
    transaction of that account. Errors: ``message``. Raises NotYours."""
    settings = _settings(settings)
    owned = _own(session, user_id, person_id, tenancy_id, account_id, now, settings)
    transaction = None
    if transaction_id not in (None, ""):
        transaction = _owned_transaction(session, owned.account, transaction_id)

    errors: dict[str, str] = {}
    text = _text(message).strip()
    if not text:
        errors["message"] = "Enter your question"
    elif len(text) < QUERY_MIN_LENGTH:
        errors["message"] = f"Question must be {QUERY_MIN_LENGTH} characters or more"
    elif len(text) > QUERY_MAX_LENGTH:
        errors["message"] = f"Question must be {QUERY_MAX_LENGTH} characters or fewer"
    if errors:
        return SubmitResult(None, errors)

    label = f"{_account_label(owned.account)} {owned.account.account_ref}"
    if transaction is not None:
        summary = f"Question about {_transaction_label(transaction)} ({label})"
        asked = f"A question about {_account_words(owned.account)}, about the transaction of {_transaction_label(transaction)}."
    else:
        summary = f"Question about {label}"
        asked = f"A question about {_account_words(owned.account)}."
    return _create(
        session, owned, kind=QUERY, person_id=person_id, summary=summary, what_you_asked=asked,
        details={"message": text}, now=now, settings=settings,
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
    settings = _settings(settings)
    owned = _own(session, user_id, person_id, tenancy_id, account_id, now, settings)
    errors: dict[str, str] = {}
    post_to, address = _postal_address(post_to_address, other_address, errors, _home_address(session, tenancy_id))
    if errors:
        return SubmitResult(None, errors)
    where = "to your address" if post_to == "home" else "to the address you gave us"
    return _create(
        session, owned, kind=STANDING_ORDER, person_id=person_id,
        summary=f"Standing order details by post for {_account_label(owned.account)} {owned.account.account_ref}",
        what_you_asked=f"Our standing order details for {_account_words(owned.account)}, posted {where}.",
        details={"post_to": post_to, "address": address}, now=now, settings=settings, post_to=post_to,
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
    settings = _settings(settings)
    owned = _own(session, user_id, person_id, tenancy_id, account_id, now, settings)
    # One refund check at a time per account (PostgreSQL; SQLite has one writer anyway).
    session.exec(select(Account.id).where(Account.id == owned.account.id).with_for_update()).first()
    limit = refund_limit(session, owned.account.id, owned.today, settings)

    errors: dict[str, str] = {}
    amount_text = _text(amount).strip()
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

    name = _one_line(_text(bank_account_name))
    if not name:
        errors["bank_account_name"] = "Enter the name on the bank account"
    elif len(name) > BANK_NAME_MAX_LENGTH:
        errors["bank_account_name"] = f"Name on the account must be {BANK_NAME_MAX_LENGTH} characters or fewer"

    sort = parse_sort_code(sort_code)
    if not _text(sort_code).strip():
        errors["sort_code"] = "Enter a sort code"
    elif sort is None:
        errors["sort_code"] = "Enter a valid sort code like 309430"

    number = parse_account_number(bank_account_number)
    if not _text(bank_account_number).strip():
        errors["bank_account_number"] = "Enter an account number"
    elif number is None:
        errors["bank_account_number"] = "Enter a valid account number like 00733445: it must be 8 digits"
    if errors:
        return SubmitResult(None, errors)

    joint = _is_joint(session, owned.account.tenancy_id, person_id, owned.today)
    sort_display = f"{sort[:2]}-{sort[2:4]}-{sort[4:]}"
    enc = encrypt(json.dumps({"account_name": name, "sort_code": sort, "account_number": number}, sort_keys=True))
    return _create(
        session, owned, kind=REFUND, person_id=person_id,
        summary=f"Refund of {format_pence(pence)} from {_account_label(owned.account)} {owned.account.account_ref}",
        what_you_asked=(
            f"A refund of {format_pence(pence)} from {_account_words(owned.account)}, paid into the bank account "
            f"you gave us. For your security we do not repeat bank details in emails."
        ),
        details={
            "balance_pence": limit.balance_pence, "keep_back_pence": limit.keep_back_pence,
            "available_pence": limit.available_pence,
        },
        now=now, settings=settings, amount_pence=pence, bank_details_enc=enc,
        bank_details_masked=mask_bank_details(name, sort_display, number), needs_joint_consent=joint,
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
    settings = _settings(settings)
    owned = _own(session, user_id, person_id, tenancy_id, account_id, now, settings)
    errors: dict[str, str] = {}
    topics = dict(BENEFIT_TOPICS)
    times = dict(BEST_TIMES)
    topic_value = _text(topic)
    if topic_value not in topics:
        errors["topic"] = "Select what you would like advice about"
    time_value = _text(best_time)
    if time_value not in times:
        errors["best_time"] = "Select the best time to contact you"
    way = _text(contact_by)
    contact: dict[str, str] = {}
    if way == "phone":
        raw = _one_line(_text(phone))
        if not raw:
            errors["phone"] = "Enter a phone number"
        elif normalise_uk_mobile(raw) is None and not is_uk_landline(raw):
            errors["phone"] = "Enter a UK phone number, like 01632 960 001 or 07700 900 982"
        else:
            contact = {"phone": raw}
    elif way == "email":
        raw = _text(email).strip()
        value = normalise_email(raw)
        if not raw:
            errors["email"] = "Enter an email address"
        elif value is None:
            errors["email"] = "Enter an email address in the correct format, like name@example.com"
        else:
            contact = {"email": value}
    else:
        errors["contact_by"] = "Select how we should contact you"
    note_text = _text(note).strip()
    if len(note_text) > NOTE_MAX_LENGTH:
        errors["note"] = f"Note must be {NOTE_MAX_LENGTH} characters or fewer"
    elif topic_value == "other" and not note_text:
        errors["note"] = "Tell us what you would like advice about"
    if errors:
        return SubmitResult(None, errors)

    how = "by phone" if way == "phone" else "by email"
    return _create(
        session, owned, kind=BENEFITS_ADVICE, person_id=person_id,
        summary=f"Benefits advice: {topics[topic_value]}",
        what_you_asked=f"Advice about {topics[topic_value]}, {how} ({times[time_value].lower()}).",
        details={"topic": topic_value, "best_time": time_value, "contact_by": way, **contact, "note": note_text},
        now=now, settings=settings,
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
    settings = _settings(settings)
    owned = _own(session, user_id, person_id, tenancy_id, account_id, now, settings)
    errors: dict[str, str] = {}
    start = _date_from_parts(from_day, from_month, from_year, label="Start date", today=owned.today, errors=errors,
                             key="period_from")
    end = _date_from_parts(to_day, to_month, to_year, label="End date", today=owned.today, errors=errors,
                           key="period_to")
    began = owned.tenancy.start_date
    if start is not None and start < began:
        errors["period_from"] = f"Start date must be the same as or after {uk_date_words(began)}, when the tenancy started"
    if start is not None and end is not None and "period_from" not in errors and end < start:
        errors["period_to"] = "End date must be the same as or after the start date"
    post_to, address = _postal_address(post_to_address, other_address, errors, _home_address(session, tenancy_id))
    if errors:
        return SubmitResult(None, errors)

    period = f"{uk_date_words(start)} to {uk_date_words(end)}"
    where = "to your address" if post_to == "home" else "to the address you gave us"
    return _create(
        session, owned, kind=PAPER_STATEMENT, person_id=person_id,
        summary=f"Paper statement of {_account_label(owned.account)} {owned.account.account_ref}, {period}",
        what_you_asked=f"A paper statement of {_account_words(owned.account)} from {period}, posted {where}.",
        details={"post_to": post_to, "address": address}, now=now, settings=settings,
        period_from=start, period_to=end, post_to=post_to,
    )


# ---------------------------------------------------------------------------
# Reading requests: the resident's side
# ---------------------------------------------------------------------------


def _lines(session: Session, request: MoneyRequest) -> tuple[DetailLine, ...]:
    try:
        details = json.loads(request.details or "{}")
    except ValueError:
        details = {}
    lines: list[DetailLine] = []
    if request.kind == QUERY:
        lines.append(DetailLine("Your question", details.get("message", "")))
        if request.transaction_id is not None:
            t = session.get(Transaction, request.transaction_id)
            if t is not None:
                lines.append(DetailLine("Transaction", _transaction_label(t)))
    elif request.kind in (STANDING_ORDER, PAPER_STATEMENT):
        if request.kind == PAPER_STATEMENT and request.period_from and request.period_to:
            lines.append(DetailLine(
                "Period", f"{uk_date_words(request.period_from)} to {uk_date_words(request.period_to)}"
            ))
        lines.append(DetailLine("Post it to", details.get("address", "")))
    elif request.kind == REFUND:
        lines.append(DetailLine("Amount", format_pence(request.amount_pence or 0)))
        if request.bank_details_masked:
            lines.append(DetailLine("Pay it into", request.bank_details_masked))
        if request.needs_joint_consent:
            lines.append(DetailLine("Joint tenancy", "We will ask the other tenant or leaseholder to agree to the refund"))
    elif request.kind == BENEFITS_ADVICE:
        lines.append(DetailLine("Advice about", dict(BENEFIT_TOPICS).get(details.get("topic", ""), "")))
        lines.append(DetailLine("Best time", dict(BEST_TIMES).get(details.get("best_time", ""), "")))
        if details.get("contact_by") == "phone":
            lines.append(DetailLine("Phone", details.get("phone", "")))
        else:
            lines.append(DetailLine("Email", details.get("email", "")))
        if details.get("note"):
            lines.append(DetailLine("Note", details["note"]))
    return tuple(lines)


def my_requests(session: Session, user_id: int) -> list[RequestSummary]:
    """The requests this portal user made, newest first."""
    rows = session.exec(
        select(MoneyRequest, Account)
        .join(Account, Account.id == MoneyRequest.account_id)
        .where(MoneyRequest.user_id == user_id)
        .order_by(MoneyRequest.created_at.desc(), MoneyRequest.id.desc())
    ).all()
    return [
        RequestSummary(
            reference=r.reference, kind=r.kind, kind_label=KIND_LABELS.get(r.kind, r.kind), summary=r.summary,
            status=r.status, status_label=STATUS_LABELS.get(r.status, r.status), is_open=r.status in OPEN_STATUSES,
            account_label=_account_label(a), account_ref=a.account_ref,
            created_at=r.created_at, created_on=uk_date_words(uk_today(r.created_at)),
            updated_at=r.updated_at, updated_on=uk_date_words(uk_today(r.updated_at)),
        )
        for r, a in rows
    ]


def request_detail(session: Session, user_id: int, reference: str) -> RequestDetail | None:
    """One of this user's requests with its history; None for an unknown reference or
    someone else's (the same answer, so references cannot be probed)."""
    request = session.exec(
        select(MoneyRequest).where(
            MoneyRequest.reference == normalise_request_reference(reference), MoneyRequest.user_id == user_id
        )
    ).first()
    if request is None:
        return None
    account = session.get(Account, request.account_id)
    officer = session.get(Officer, request.officer_id) if request.officer_id else None
    updates = session.exec(
        select(RequestUpdate).where(RequestUpdate.request_id == request.id).order_by(RequestUpdate.at, RequestUpdate.id)
    ).all()
    return RequestDetail(
        reference=request.reference, kind=request.kind, kind_label=KIND_LABELS.get(request.kind, request.kind),
        summary=request.summary, status=request.status, status_label=STATUS_LABELS.get(request.status, request.status),
        is_open=request.status in OPEN_STATUSES, account_label=_account_label(account), account_ref=account.account_ref,
        created_at=request.created_at, created_words=uk_time_words(request.created_at),
        updated_at=request.updated_at, updated_words=uk_time_words(request.updated_at),
        lines=_lines(session, request), bank_details_masked=request.bank_details_masked,
        needs_joint_consent=request.needs_joint_consent, officer_name=officer.name if officer else None,
        updates=tuple(
            UpdateItem(u.at, uk_time_words(u.at), u.status, STATUS_LABELS.get(u.status, u.status), u.note)
            for u in updates
        ),
    )


# ---------------------------------------------------------------------------
# The officers' queue (the back office comes later)
# ---------------------------------------------------------------------------


def _queue_item(session: Session, request: MoneyRequest) -> QueueItem:
    account = session.get(Account, request.account_id)
    tenancy = session.get(Tenancy, account.tenancy_id)
    person = session.get(Person, request.person_id)
    user = session.get(PortalUser, request.user_id)
    officer = session.get(Officer, request.officer_id) if request.officer_id else None
    return QueueItem(
        reference=request.reference, kind=request.kind, kind_label=KIND_LABELS.get(request.kind, request.kind),
        summary=request.summary, status=request.status, status_label=STATUS_LABELS.get(request.status, request.status),
        officer_id=request.officer_id, officer_name=officer.name if officer else None, account_id=account.id,
        account_ref=account.account_ref, tenancy_ref=tenancy.tenancy_ref,
        resident_name=f"{person.first_name} {person.last_name}", resident_email=user.email,
        amount_pence=request.amount_pence, needs_joint_consent=request.needs_joint_consent,
        has_bank_details=request.bank_details_enc is not None, lines=_lines(session, request),
        created_at=request.created_at, updated_at=request.updated_at,
    )


def officer_queue(
    session: Session, officer_id: int | None, statuses: Iterable[str] | None = None
) -> list[QueueItem]:
    """An officer's requests (``officer_id=None``: the unassigned ones), oldest first.
    ``statuses`` defaults to the open ones; unknown statuses raise ValueError."""
    wanted = tuple(OPEN_STATUSES if statuses is None else statuses)
    unknown = [s for s in wanted if s not in STATUS_LABELS]
    if unknown:
        raise ValueError(f"unknown statuses: {unknown}")
    stmt = select(MoneyRequest).where(MoneyRequest.status.in_(wanted))
    stmt = stmt.where(MoneyRequest.officer_id.is_(None) if officer_id is None else MoneyRequest.officer_id == officer_id)
    rows = session.exec(stmt.order_by(MoneyRequest.created_at, MoneyRequest.id)).all()
    return [_queue_item(session, r) for r in rows]


_WHAT_IT_MEANS = {
    IN_PROGRESS: "We are working on your request.",
    WAITING_FOR_YOU: "We need something from you before we can carry on.",  # always with a note
    DONE: "We have finished dealing with your request.",
    DECLINED: "We could not do what you asked.",  # always with a note saying why
}


def _what_you_asked_for_mail(session: Session, request: MoneyRequest) -> str:
    account = session.get(Account, request.account_id)
    words = _account_words(account)
    if request.kind == QUERY:
        return f"a question about {words}."
    if request.kind == STANDING_ORDER:
        return f"our standing order details for {words}, by post."
    if request.kind == REFUND:
        return f"a refund of {format_pence(request.amount_pence or 0)} from {words}."
    if request.kind == BENEFITS_ADVICE:
        try:
            topic = json.loads(request.details or "{}").get("topic", "")
        except ValueError:
            topic = ""
        return f"advice about {dict(BENEFIT_TOPICS).get(topic, 'benefits')}."
    if request.kind == PAPER_STATEMENT and request.period_from and request.period_to:
        return (
            f"a paper statement of {words} from {uk_date_words(request.period_from)} "
            f"to {uk_date_words(request.period_to)}, by post."
        )
    return f"{KIND_LABELS.get(request.kind, 'a request').lower()}."


def update_request(
    session: Session,
    reference: str,
    *,
    status: str,
    note: str,
    officer_id: int,
    now: datetime,
    settings: Settings | None = None,
) -> UpdateResult:
    """An officer moves a request on (see TRANSITIONS) and the resident is emailed.

    ``note`` is shown to the resident; it is required to decline, to ask the resident for
    something, to reopen a closed request, and to repeat the current status. An
    unassigned request is assigned to the officer who updates it. Raises RequestNotFound
    for an unknown reference and NotYours for an unknown officer. Errors: ``status``,
    ``note``; with errors nothing is written."""
    settings = _settings(settings)
    officer = session.get(Officer, officer_id) if isinstance(officer_id, int) and not isinstance(officer_id, bool) else None
    if officer is None:
        raise NotYours("no such officer")
    request = session.exec(
        select(MoneyRequest).where(MoneyRequest.reference == normalise_request_reference(reference))
    ).first()
    if request is None:
        raise RequestNotFound(reference)

    errors: dict[str, str] = {}
    old = request.status
    new = _text(status)
    text = _text(note).strip()
    if new not in STATUS_LABELS:
        errors["status"] = "Select a status"
    elif new not in TRANSITIONS.get(old, ()):
        if old in CLOSED_STATUSES:
            errors["status"] = (
                f"This request is {STATUS_LABELS[old].lower()}. To reopen it, choose "
                f"{STATUS_LABELS[IN_PROGRESS]} and say why"
            )
        else:
            errors["status"] = f"A request cannot go from {STATUS_LABELS[old]} to {STATUS_LABELS[new]}"
    if len(text) > OFFICER_NOTE_MAX_LENGTH:
        errors["note"] = f"Note must be {OFFICER_NOTE_MAX_LENGTH} characters or fewer"
    elif not text and "status" not in errors:
        if old in CLOSED_STATUSES:
            errors["note"] = "Say why you are reopening this request"
        elif new == DECLINED:
            errors["note"] = "Say why you are declining this request"
        elif new == WAITING_FOR_YOU:
            errors["note"] = "Say what you need from the resident"
        elif new == old:
            errors["note"] = "Add a note, or choose a different status"
    if errors:
        return UpdateResult(None, errors)

    now = _aware(now)
    # Only from the status we checked: two officers at once cannot both move it.
    values = {"status": new, "updated_at": now}
    if request.officer_id is None:
        values["officer_id"] = officer.id
    moved = session.execute(
        update(MoneyRequest)
        .where(MoneyRequest.id == request.id, MoneyRequest.status == old)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return UpdateResult(None, {"status": "Someone else has just changed this request. Reload it and try again."})
    session.refresh(request)
    session.add(RequestUpdate(request_id=request.id, at=now, status=new, note=text, officer_id=officer.id))
    user = session.get(PortalUser, request.user_id)
    meaning = (
        "We have reopened your request and are working on it again."
        if old in CLOSED_STATUSES else _WHAT_IT_MEANS[new]
    )
    mail = mail_templates.request_updated(
        reference=request.reference, kind_label=KIND_LABELS.get(request.kind, request.kind),
        what_you_asked=_what_you_asked_for_mail(session, request), status_label=STATUS_LABELS[new],
        what_it_means=meaning, has_message=bool(text), settings=settings,
    )
    queue_mail(session, to=user.email, subject=mail.subject, body=mail.body, kind=MAIL_UPDATED, now=now)
    session.flush()
    return UpdateResult(_queue_item(session, request))


def reveal_bank_details(session: Session, reference: str, officer_id: int) -> BankDetails:
    """The refund's bank details, decrypted, for the officer the request is assigned to.
    Raises RequestNotFound (unknown reference, or no bank details on it) or NotYours
    (any other officer, or an unassigned request)."""
    request = session.exec(
        select(MoneyRequest).where(MoneyRequest.reference == normalise_request_reference(reference))
    ).first()
    if request is None or request.bank_details_enc is None:
        raise RequestNotFound(reference)
    if request.officer_id is None or request.officer_id != officer_id or isinstance(officer_id, bool):
        raise NotYours("only the assigned officer may see these bank details")
    data = json.loads(decrypt(request.bank_details_enc))
    sort = data["sort_code"]
    return BankDetails(data["account_name"], f"{sort[:2]}-{sort[2:4]}-{sort[4:]}", data["account_number"])


__all__ = [
    "Acknowledgement", "BENEFIT_TOPICS", "BEST_TIMES", "BankDetails", "CONTACT_WAYS", "DetailLine", "KIND_LABELS",
    "NotYours", "QueueItem", "RefundLimit", "RequestContext", "RequestDetail", "RequestNotFound", "RequestSummary",
    "STATUS_LABELS", "StandingOrderDetails", "SubmitResult", "TRANSITIONS", "TransactionChoice", "UpdateItem",
    "UpdateResult", "mask_bank_details", "my_requests", "new_reference", "normalise_request_reference",
    "officer_queue", "parse_account_number", "parse_amount", "parse_sort_code", "refund_limit", "request_context",
    "request_detail", "reveal_bank_details", "route_officer", "standing_order_details", "submit_benefits_advice",
    "submit_paper_statement", "submit_query", "submit_refund", "submit_standing_order", "transaction_choice",
    "update_request", "weekly_charge",
]
