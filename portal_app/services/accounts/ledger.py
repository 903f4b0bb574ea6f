"""An account's ledger as the account page shows it: what is charged, what was posted,
the balance over time, payments made in the portal that the ledger does not hold yet,
why benefit payers can show a balance owed, and a leaseholder's service charge year.

Plain typed functions over a session; results are small frozen dataclasses; money is
integer pence (positive = owed, DR; negative = credit, CR); days are UK dates that the
caller passes in (``clock.uk_today()``). No reflex import here. None of these functions
checks who is asking: the caller has already decided the account is one the resident
may see (``balances.visible_accounts``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import String, and_, bindparam, exists, func, or_, type_coerce, update
from sqlmodel import Session, select

from portal_app.clock import to_uk, uk_date_words
from portal_app.models import Account, Charge, PortalPayment, Tenancy, Transaction
from portal_app.services.accounts import owed
from portal_app.services.accounts.balances import convert_charge, ledger_balance
from portal_app.services.money import format_pence, round_half_up_div

# ---------------------------------------------------------------------------
# Transaction types, in plain words
# ---------------------------------------------------------------------------

TYPE_LABELS: dict[str, str] = {
    "rent_charge": "Rent",
    "service_charge": "Service charges",
    "other_charge": "Other charge",
    "housing_benefit": "Housing Benefit",
    "universal_credit": "Universal Credit",
    "payment": "Payment",
    "direct_debit": "Direct Debit",
    "payment_returned": "Payment returned",
    "refund": "Refund",
    "adjustment": "Adjustment",
    "write_off": "Written off",
    "court_costs": "Court costs",
    "recharge": "Repair recharge",
    "transfer": "Transfer",
}

# The filters the history page offers, as groups of transaction types.
TYPE_GROUPS: dict[str, tuple[str, ...]] = {
    "charges": ("rent_charge", "service_charge", "other_charge", "court_costs", "recharge"),
    "payments": ("payment", "direct_debit", "payment_returned", "refund"),
    "benefits": ("housing_benefit", "universal_credit"),
    "adjustments": ("adjustment", "write_off", "transfer"),
}
TYPE_GROUP_LABELS: dict[str, str] = {
    "charges": "Charges",
    "payments": "Payments and refunds",
    "benefits": "Housing Benefit and Universal Credit",
    "adjustments": "Adjustments, write-offs and transfers",
}

MAX_PAGE_SIZE = 200

HB_EXPLANATION = "Housing Benefit is paid in arrears, so your account can show a balance owed between payments."
UC_EXPLANATION = (
    "Universal Credit is paid monthly in arrears, so your account can show a balance owed until your payment arrives."
)
HB_RECENT_DAYS = 56  # 8 weeks
UC_RECENT_DAYS = 45  # a monthly payment and a fortnight's slack


def type_label(kind: str) -> str:
    return TYPE_LABELS.get(kind, kind.replace("_", " ").capitalize())


# ---------------------------------------------------------------------------
# What is charged
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChargeLine:
    charge_id: int
    code: str  # basic_rent, caretaking, water, estimated_service_charge, ...
    description: str  # the landlord's wording
    amount_pence: int  # per ``frequency``
    frequency: str  # weekly | monthly | yearly
    weekly_pence: int  # the amount as a weekly figure (52 weeks, 12 months a year)
    monthly_pence: int  # the amount as a monthly figure
    benefit_eligible: bool | None  # None: the landlord has not said
    effective_from: date
    effective_to: date | None


@dataclass(frozen=True)
class ChargeBreakdown:
    account_id: int
    as_at: date
    rent_frequency: str  # the tenancy's: weekly | fortnightly | four_weekly | monthly
    lines: tuple[ChargeLine, ...]
    total_weekly_pence: int
    eligible_weekly_pence: int  # benefit_eligible True
    not_eligible_weekly_pence: int  # benefit_eligible False
    not_stated_weekly_pence: int  # benefit_eligible None (total = eligible + not eligible + not stated)
    total_monthly_pence: int
    eligible_monthly_pence: int
    not_eligible_monthly_pence: int
    not_stated_monthly_pence: int


_CODE_ORDER = {"basic_rent": 0, "garage": 1, "estimated_service_charge": 2, "ground_rent": 3}


def charges_in_force(session: Session, account_id: int, day: date) -> list[Charge]:
    """The account's charges in force on ``day`` (effective_from <= day <= effective_to, or open),
    rent first, then the landlord's wording in alphabetical order."""
    rows = session.exec(
        select(Charge).where(
            Charge.account_id == account_id,
            Charge.effective_from <= day,
            (Charge.effective_to.is_(None)) | (Charge.effective_to >= day),
        )
    ).all()
    return sorted(rows, key=lambda c: (_CODE_ORDER.get(c.charge_code, 9), c.description.lower(), c.id))


def charge_line(charge: Charge) -> ChargeLine:
    return ChargeLine(
        charge_id=charge.id,
        code=charge.charge_code,
        description=charge.description,
        amount_pence=charge.amount_pence,
        frequency=charge.frequency,
        weekly_pence=convert_charge(charge.amount_pence, charge.frequency, "weekly"),
        monthly_pence=convert_charge(charge.amount_pence, charge.frequency, "monthly"),
        benefit_eligible=charge.benefit_eligible,
        effective_from=charge.effective_from,
        effective_to=charge.effective_to,
    )


def charge_breakdown(session: Session, account_id: int, today: date) -> ChargeBreakdown:
    """The charges in force today, each as the landlord sets it and as weekly and monthly figures.

    The rule, kept simple: every charge is converted on its own with
    ``balances.convert_charge`` (52 weeks and 12 months to a year, rounded half up to the
    penny), and totals are sums of the converted lines, so a line and the total always
    agree on screen. The tenancy's ``rent_frequency`` is passed through for the page to
    choose which figure leads (a monthly shared ownership rent reads best monthly); a
    fortnightly or four-weekly tenancy is shown weekly (its bills are 2 or 4 times that)."""
    tenancy = session.exec(
        select(Tenancy).join(Account, Account.tenancy_id == Tenancy.id).where(Account.id == account_id)
    ).first()
    return breakdown_of(account_id, today, charges_in_force(session, account_id, today), tenancy)


def _in_force_sorted(charges: list[Charge], day: date) -> list[Charge]:
    """``charges_in_force`` of charges already read."""
    rows = [c for c in charges if c.effective_from <= day and (c.effective_to is None or c.effective_to >= day)]
    return sorted(rows, key=lambda c: (_CODE_ORDER.get(c.charge_code, 9), c.description.lower(), c.id))


def breakdown_of(account_id: int, today: date, charges: list[Charge], tenancy: Tenancy | None) -> ChargeBreakdown:
    """``charge_breakdown`` of the account's charges already read (all of them, or those in
    force today) and its tenancy."""
    lines = tuple(charge_line(c) for c in _in_force_sorted(charges, today))

    def total(attr: str, eligible: object = ...) -> int:
        return sum(getattr(line, attr) for line in lines if eligible is ... or line.benefit_eligible is eligible)

    return ChargeBreakdown(
        account_id=account_id,
        as_at=today,
        rent_frequency=(tenancy.rent_frequency if tenancy else None) or "weekly",
        lines=lines,
        total_weekly_pence=total("weekly_pence"),
        eligible_weekly_pence=total("weekly_pence", True),
        not_eligible_weekly_pence=total("weekly_pence", False),
        not_stated_weekly_pence=total("weekly_pence", None),
        total_monthly_pence=total("monthly_pence"),
        eligible_monthly_pence=total("monthly_pence", True),
        not_eligible_monthly_pence=total("monthly_pence", False),
        not_stated_monthly_pence=total("monthly_pence", None),
    )


# ---------------------------------------------------------------------------
# The history of postings
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    transaction_id: int
    transaction_ref: str
    posted_on: date
    week_commencing: date | None  # as the landlord sent it (None for most payments)
    type: str
    type_label: str  # plain words: "Housing Benefit", "Direct Debit", ...
    description: str
    amount_pence: int  # signed: positive a debit, negative a credit
    debit_pence: int | None  # the amount when it is a debit, else None
    credit_pence: int | None  # the amount (positive) when it is a credit, else None
    balance_after_pence: int  # the whole account's balance after this posting
    method: str | None


@dataclass(frozen=True)
class HistoryPage:
    account_id: int
    lines: tuple[HistoryLine, ...]  # newest first
    page: int  # the page returned (asked-for page, kept within 1..page_count)
    page_size: int
    page_count: int  # at least 1, even with no lines
    total_lines: int  # lines matching the filter
    has_prev: bool
    has_next: bool
    date_from: date | None
    date_to: date | None
    types: tuple[str, ...] | None  # None: every type


def _check_types(types: tuple[str, ...] | list[str] | None) -> tuple[str, ...] | None:
    if types is None:
        return None
    wanted = tuple(dict.fromkeys(types))
    unknown = [t for t in wanted if t not in TYPE_LABELS]
    if unknown:
        raise ValueError(f"unknown transaction type: {', '.join(map(str, unknown))}")
    return wanted or None


# The history's statements, built once, their values bound when they run: building a
# statement and working out its cache key cost SQLAlchemy more than SQLite takes to run
# it (bench/statements.py).
_T = Transaction
# The balance after one posting: every posting at or before it in posting order (posted_on, id).
_BALANCE_AFTER = select(func.coalesce(func.sum(_T.amount_pence), 0)).where(
    _T.account_id == bindparam("account_id"),
    or_(
        _T.posted_on < bindparam("posted_on"),
        and_(_T.posted_on == bindparam("posted_on"), _T.id <= bindparam("transaction_id")),
    ),
)
_POSTINGS_BETWEEN = (
    select(_T.id, _T.posted_on, _T.amount_pence)
    .where(
        _T.account_id == bindparam("account_id"), _T.posted_on >= bindparam("first"), _T.posted_on <= bindparam("last")
    )
    .order_by(_T.posted_on.desc(), _T.id.desc())
)


@functools.lru_cache(maxsize=64)
def _history_statements(date_from: bool, date_to: bool, types: tuple[str, ...] | None):
    """The count and the page of a history with these filters (a first day, a last day,
    these types), built once for each: the account, the days and the page bound when
    they run."""
    where = [_T.account_id == bindparam("account_id")]
    if date_from:
        where.append(_T.posted_on >= bindparam("date_from"))
    if date_to:
        where.append(_T.posted_on <= bindparam("date_to"))
    if types is not None:
        where.append(_T.type.in_(types))
    count = select(func.count()).select_from(_T).where(*where)
    page = (
        select(
            _T.id,
            _T.transaction_ref,
            _T.posted_on,
            _T.week_commencing,
            _T.type,
            _T.description,
            _T.amount_pence,
            _T.method,
        )
        .where(*where)
        .order_by(_T.posted_on.desc(), _T.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    return count, page


def _balances_after(session: Session, account_id: int, rows, *, filtered: bool) -> dict[int, int]:
    """The whole account's balance after each of ``rows`` (a page, newest first: id,
    ..., posted_on third, amount seventh), by transaction id.

    One sum gives the balance after the page's newest line (every posting up to it in
    posting order); the lines below it follow by taking each posting's amount off in turn.
    A filtered page skips postings, so their amounts are read too, only between the page's
    newest and oldest lines."""
    if not rows:
        return {}
    newest, oldest = rows[0], rows[-1]
    read = session.connection().execute  # columns: none of the ORM's work on the result
    balance = int(
        read(
            _BALANCE_AFTER, {"account_id": account_id, "posted_on": newest[2], "transaction_id": newest[0]}
        ).scalar_one()
    )
    if filtered:
        # Every posting between the page's oldest and newest lines, on the index's date range.
        span = [
            (transaction_id, amount)
            for transaction_id, day, amount in read(
                _POSTINGS_BETWEEN, {"account_id": account_id, "first": oldest[2], "last": newest[2]}
            ).all()
            if (oldest[2], oldest[0]) <= (day, transaction_id) <= (newest[2], newest[0])
        ]
    else:
        span = [(row[0], row[6]) for row in rows]
    after: dict[int, int] = {}
    for transaction_id, amount in span:
        after[transaction_id] = balance
        balance -= int(amount)
    return after


def history_page(
    session: Session,
    account_id: int,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    types: tuple[str, ...] | None = None,
    page: int = 1,
    page_size: int = 50,
) -> HistoryPage:
    """One page of the account's postings, newest first (posted_on desc, id desc).

    Each line carries the balance after it, over the whole ledger in posting order
    (posted_on, id), whatever the date and type filters: a filtered line shows the
    account's real balance at that moment (``_balances_after``: one sum, not a running
    total over every posting).
    ``types=None`` or an empty tuple means every type; an unknown type, a ``date_from``
    after ``date_to`` or a page size outside 1..200 raise ValueError. A page beyond the
    last returns the last page; a page below 1 returns the first."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    if date_from is not None and date_to is not None and date_from > date_to:
        raise ValueError("date_from is after date_to")
    wanted = _check_types(types)

    filtered = date_from is not None or date_to is not None or wanted is not None
    count_of, page_of = _history_statements(date_from is not None, date_to is not None, wanted)
    params = {"account_id": account_id, "date_from": date_from, "date_to": date_to}
    read = session.connection().execute  # columns: none of the ORM's work on the result
    total = int(read(count_of, params).scalar_one())
    page_count = max(1, -(-total // page_size))
    page = min(max(1, int(page)), page_count)

    # The page itself, straight from the (account_id, posted_on, id) index: LIMIT and
    # OFFSET in SQL, never the whole ledger read to show fifty lines.
    rows = read(page_of, {**params, "limit": page_size, "offset": (page - 1) * page_size}).all() if total else []
    after = _balances_after(session, account_id, rows, filtered=filtered)
    lines = tuple(
        HistoryLine(
            transaction_id=row[0],
            transaction_ref=row[1],
            posted_on=row[2],
            week_commencing=row[3],
            type=row[4],
            type_label=type_label(row[4]),
            description=row[5],
            amount_pence=row[6],
            debit_pence=row[6] if row[6] > 0 else None,
            credit_pence=-row[6] if row[6] < 0 else None,
            balance_after_pence=after[row[0]],
            method=row[7],
        )
        for row in rows
    )
    return HistoryPage(
        account_id=account_id,
        lines=lines,
        page=page,
        page_size=page_size,
        page_count=page_count,
        total_lines=total,
        has_prev=page > 1,
        has_next=page < page_count,
        date_from=date_from,
        date_to=date_to,
        types=wanted,
    )


# The balance chart's most points: enough for its shape on a phone's width, few enough
# that the figure stays a few kilobytes in the page's state (issue 15).
CHART_POINTS = 120


@dataclass(frozen=True)
class BalanceOverTime:
    """An account's whole ledger read once, in posting order (posted_on, id): its balance
    now, the first and last days, the most owed and the most in credit (each the first
    posting after which the balance was that: what the history shows), and the balance
    after each posting, kept to at most ``CHART_POINTS`` for the chart (always with the
    most owed and the most in credit: the chart draws what its words say)."""

    balance_pence: int
    first_on: date | None
    last_on: date | None
    most_owed: tuple[date, int] | None
    least_owed: tuple[date, int] | None
    chart: tuple[tuple[date, int], ...]


def chart_points(points: list[tuple[date, int]], max_points: int = CHART_POINTS) -> list[tuple[date, int]]:
    """The balance after each posting, oldest first (a day with two postings has two
    points, drawn as a step up and down on that day), cut to at most ``max_points`` (and
    the last) keeping their shape: with more, they are cut into equal runs and each run
    keeps its lowest and its highest, in order, so the most owed and the most in credit
    the chart's words and the history name are always drawn; the last, the balance now,
    is always kept."""
    if max_points < 2:
        raise ValueError("max_points must be at least 2")
    if len(points) <= max_points:
        return list(points)
    size = -(-len(points) // (max_points // 2))
    kept: list[tuple[date, int]] = []
    for start in range(0, len(points), size):
        run = points[start : start + size]
        low = min(range(len(run)), key=lambda i: (run[i][1], i))
        high = max(range(len(run)), key=lambda i: (run[i][1], -i))
        kept += [run[i] for i in sorted({low, high})]
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return kept


_DAYS_AND_AMOUNTS = (
    select(type_coerce(Transaction.posted_on, String), Transaction.amount_pence)
    .where(Transaction.account_id == bindparam("account_id"))
    .order_by(Transaction.posted_on, Transaction.id)
)


def balance_over_time(session: Session, account_id: int, *, max_points: int = CHART_POINTS) -> BalanceOverTime:
    """The account's balance now, its extremes and its chart, from one read of its ledger
    (the account page's: not one pass for the balance, one for the chart and one for the
    chart's words)."""
    # Every posting's day and amount, and nothing more: the day as the driver gives it (an
    # ISO string on SQLite, a date on PostgreSQL), made a date only for what is kept.
    rows = session.connection().execute(_DAYS_AND_AMOUNTS, {"account_id": account_id}).all()
    if not rows:
        return BalanceOverTime(0, None, None, None, None, ())
    balance = 0
    high = low = None
    points: list[tuple] = []
    for day, amount in rows:
        balance += amount
        if high is None or balance > high[1]:
            high = (day, balance)
        if low is None or balance < low[1]:
            low = (day, balance)
        points.append((day, balance))
    return BalanceOverTime(
        balance_pence=int(balance),
        first_on=_as_date(rows[0][0]),
        last_on=_as_date(rows[-1][0]),
        most_owed=(_as_date(high[0]), int(high[1])),
        least_owed=(_as_date(low[0]), int(low[1])),
        chart=tuple((_as_date(day), int(after)) for day, after in chart_points(points, max_points)),
    )


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def balance_after_each(session: Session, account_id: int) -> list[tuple[date, int]]:
    """The balance after every posting, in posting order (posted_on, id), as the history
    shows it: what the chart's summary in words reads its most owed and most in credit
    from, and the chart draws (long histories sampled, ``chart_points``)."""
    rows = session.exec(
        select(Transaction.posted_on, Transaction.amount_pence)
        .where(Transaction.account_id == account_id)
        .order_by(Transaction.posted_on, Transaction.id)
    ).all()
    out: list[tuple[date, int]] = []
    balance = 0
    for day, amount in rows:
        balance += int(amount)
        out.append((day, balance))
    return out


# ---------------------------------------------------------------------------
# Payments made in the portal that the ledger does not hold yet
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PendingPayment:
    payment_id: int
    reference: str  # the portal's reference; the feed posts it as transaction_ref
    account_id: int
    amount_pence: int  # positive: what the resident paid
    created_at: datetime  # as stored (UTC)
    paid_on: date  # the UK date it was paid


def _posted_in_ledger():
    """True for a PortalPayment whose reference the ledger holds on the same account."""
    return exists().where(
        Transaction.transaction_ref == PortalPayment.reference, Transaction.account_id == PortalPayment.account_id
    )


_PENDING = (
    select(
        PortalPayment.id,
        PortalPayment.reference,
        PortalPayment.account_id,
        PortalPayment.amount_pence,
        PortalPayment.created_at,
    )
    .where(PortalPayment.account_id == bindparam("account_id"), PortalPayment.status == "pending", ~_posted_in_ledger())
    .order_by(PortalPayment.created_at, PortalPayment.id)
)


def pending_payments(session: Session, account_id: int) -> list[PendingPayment]:
    """Portal payments still pending on this account, oldest first.

    A payment is pending while its status is ``pending`` and no ledger transaction on the
    same account has ``transaction_ref == reference``. The ledger is checked here too, so a
    payment the feed has posted is never counted twice, even before
    ``reconcile_portal_payments`` has marked it."""
    rows = session.exec(_PENDING, params={"account_id": account_id}).all()
    return [
        PendingPayment(
            payment_id=p.id,
            reference=p.reference,
            account_id=p.account_id,
            amount_pence=p.amount_pence,
            created_at=p.created_at,
            paid_on=to_uk(p.created_at).date(),
        )
        for p in rows
    ]


_PENDING_TOTALS = (
    select(PortalPayment.account_id, func.sum(PortalPayment.amount_pence))
    .where(
        PortalPayment.account_id.in_(bindparam("account_ids", expanding=True)),
        PortalPayment.status == "pending",
        ~_posted_in_ledger(),
    )
    .group_by(PortalPayment.account_id)
)


def pending_totals(session: Session, account_ids: list[int]) -> dict[int, int]:
    """For each of these accounts with portal payments still pending (as ``pending_payments``
    decides), their total in pence: the home page's "paid online, not added yet"."""
    if not account_ids:
        return {}
    rows = session.exec(_PENDING_TOTALS, params={"account_ids": list(account_ids)}).all()
    return {account_id: int(total) for account_id, total in rows}


def reconcile_portal_payments(session: Session, now: datetime) -> int:
    """Mark every pending portal payment that the ledger now holds as posted (one UPDATE,
    so two workers cannot both claim a payment) and return how many changed. The caller
    commits. ``now`` is accepted for the audit trail, but PortalPayment has no column for
    when it was posted, so it is not stored."""
    del now  # PortalPayment has no posted_at column to keep it in
    result = session.exec(
        update(PortalPayment)
        .where(PortalPayment.status == "pending", _posted_in_ledger())
        .values(status="posted", posted_transaction_ref=PortalPayment.reference)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return int(result.rowcount or 0)


def balance_with_pending(
    session: Session, account_id: int, *, balance: int | None = None, pending: list[PendingPayment] | None = None
) -> tuple[int, int, int]:
    """(ledger balance, pending portal payments, balance once they are posted), in pence.
    ``balance`` and ``pending``, when the caller has read them already, are not read again."""
    ledger = ledger_balance(session, account_id) if balance is None else balance
    waiting = sum(p.amount_pence for p in (pending_payments(session, account_id) if pending is None else pending))
    return ledger, waiting, ledger - waiting


# ---------------------------------------------------------------------------
# Why a benefit payer can show a balance owed
# ---------------------------------------------------------------------------


def _has_recent(session: Session, account_id: int, kind: str, since: date, today: date) -> bool:
    return (
        session.exec(
            select(Transaction.id)
            .where(
                Transaction.account_id == account_id,
                Transaction.type == kind,
                Transaction.posted_on >= since,
                Transaction.posted_on <= today,
            )
            .limit(1)
        ).first()
        is not None
    )


def benefit_explanations(session: Session, account_id: int, today: date) -> list[str]:
    """Plain words on how benefits are paid, only where the account shows it is true:
    Housing Benefit when it has a housing_benefit posting in the last 8 weeks (56 days up
    to and including today); Universal Credit when it has a universal_credit posting in
    the last 45 days. Nothing otherwise."""
    out: list[str] = []
    if _has_recent(session, account_id, "housing_benefit", today - timedelta(days=HB_RECENT_DAYS), today):
        out.append(HB_EXPLANATION)
    if _has_recent(session, account_id, "universal_credit", today - timedelta(days=UC_RECENT_DAYS), today):
        out.append(UC_EXPLANATION)
    return out


# ---------------------------------------------------------------------------
# A leaseholder's service charge year and major works
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class YearEndAdjustment:
    """The latest year-end reconciliation of actual costs against the estimate."""

    year_label: str  # "2024/25": the service-charge year it settles
    posted_on: date
    difference_pence: int  # positive: a balancing charge; negative: a credit
    estimate_pence: int | None  # what was billed as the estimate for that year, from the ledger
    actual_pence: int | None  # estimate + difference
    description: str  # the landlord's wording of the posting
    words: str


@dataclass(frozen=True)
class MajorWorksSummary:
    account_id: int
    account_ref: str
    balance_pence: int
    basis: str  # "instalments" | "twelve_months" | "clear" | "credit"
    instalment_pence: int | None  # the regular monthly payment found in the ledger
    per_month_pence: int | None  # what the balance means a month (None when nothing is owed)
    months_remaining: int | None
    last_instalment_pence: int | None  # the smaller final payment, when there is one
    words: str


@dataclass(frozen=True)
class LeaseholderSummary:
    tenancy_id: int
    tenancy_ref: str
    service_charge_account_id: int | None
    service_charge_account_ref: str | None
    service_charge_balance_pence: int | None
    year_label: str  # "2026/27"
    year_start: date  # 1 April
    year_end: date  # 31 March
    estimate_yearly_pence: int | None
    estimate_monthly_pence: int | None
    ground_rent_yearly_pence: int | None
    last_year_end: YearEndAdjustment | None
    major_works: tuple[MajorWorksSummary, ...]
    explanation: tuple[str, ...]  # plain words, one paragraph each


_ACTUAL = re.compile(r"actual costs\s+(\d{4})/(\d{2})", re.IGNORECASE)


def service_charge_year(today: date) -> tuple[date, date, str]:
    """The UK financial year holding ``today``: (1 April, 31 March, "2026/27")."""
    year = today.year if today >= date(today.year, 4, 1) else today.year - 1
    return date(year, 4, 1), date(year + 1, 3, 31), f"{year}/{str(year + 1)[-2:]}"


def _last_year_end(session: Session, account_id: int, today: date) -> YearEndAdjustment | None:
    """The latest posting that settles a year's actual costs, found by its wording.

    The demo landlord (and the HMS it imitates) posts these as ``adjustment`` rows worded
    "Service charge actual costs 2024/25: balancing charge" (or ": credit"), the amount
    being actual minus estimate. The estimate for that year is what the ledger billed as
    service charges worded with the same year ("Service charge 2024/25: instalment 1 of
    12", "Service charge estimate 2024/25: first half-year")."""
    rows = session.exec(
        select(Transaction)
        .where(
            Transaction.account_id == account_id,
            Transaction.posted_on <= today,
            func.lower(Transaction.description).like("%actual costs%"),
        )
        .order_by(Transaction.posted_on.desc(), Transaction.id.desc())
    ).all()
    for row in rows:
        match = _ACTUAL.search(row.description)
        if not match:
            continue
        label = f"{match.group(1)}/{match.group(2)}"
        billed = session.exec(
            select(Transaction.description, Transaction.amount_pence).where(
                Transaction.account_id == account_id,
                Transaction.type == "service_charge",
                Transaction.description.like(f"%{label}%"),
            )
        ).all()
        estimate = (
            sum(amount for description, amount in billed if "actual" not in description.lower()) if billed else None
        )
        actual = estimate + row.amount_pence if estimate is not None else None
        diff = row.amount_pence
        when = uk_date_words(row.posted_on)
        if diff == 0:
            outcome = "so nothing more was charged or credited"
        elif diff > 0:
            outcome = f"so we added a balancing charge of {format_pence(diff)} to your account on {when}"
        else:
            outcome = f"so we credited {format_pence(diff)} to your account on {when}"
        if estimate is not None:
            words = (
                f"For {label}, the actual costs were {format_pence(actual)} against an estimate of "
                f"{format_pence(estimate)}, {outcome}."
            )
        else:
            words = (
                f"For {label}, the actual costs came to {'more' if diff > 0 else 'less'} than the estimate, {outcome}."
            )
        return YearEndAdjustment(
            year_label=label,
            posted_on=row.posted_on,
            difference_pence=diff,
            estimate_pence=estimate,
            actual_pence=actual,
            description=row.description,
            words=words,
        )
    return None


def _major_works(session: Session, account: Account, today: date) -> MajorWorksSummary:
    """What a major works balance means a month.

    The rule: when the ledger shows regular monthly instalments (``owed.instalment_plan``,
    the same rule that decides what of the balance is overdue, so the two never disagree),
    the balance is cleared in ceil(balance / instalment) more months, the last one
    smaller when it does not divide exactly, and any missed instalments are said to be
    overdue. Otherwise the balance is spread over 12 months, each month rounded up to the
    penny so that 12 payments clear it."""
    balance = ledger_balance(session, account.id)
    plan = owed.instalment_plan(session, account.id, today)
    instalment = plan.amount_pence if plan is not None else None
    if balance == 0:
        return MajorWorksSummary(
            account.id,
            account.account_ref,
            0,
            "clear",
            instalment,
            None,
            None,
            None,
            "Your major works account is paid off: you owe nothing for major works.",
        )
    if balance < 0:
        return MajorWorksSummary(
            account.id,
            account.account_ref,
            balance,
            "credit",
            instalment,
            None,
            None,
            None,
            f"Your major works account is {format_pence(balance)} in credit.",
        )
    owes = f"You owe {format_pence(balance)} for major works."
    if instalment:
        overdue = owed.standing(session, account.id, account.account_type, balance, today).overdue_pence
        if overdue:
            owes = f"You owe {format_pence(balance)} for major works, {format_pence(overdue)} of it overdue (missed instalments)."
        months = -(-balance // instalment)
        last = balance - (months - 1) * instalment
        per_month = min(instalment, balance)
        if months == 1:
            words = f"{owes} Your next instalment of {format_pence(balance)} will clear it."
        elif last == instalment:
            words = f"{owes} At {format_pence(instalment)} a month, your instalments will clear it in {months} months."
        else:
            words = (
                f"{owes} At {format_pence(instalment)} a month, your instalments will clear it in "
                f"{months} months (the last one {format_pence(last)})."
            )
        return MajorWorksSummary(
            account.id,
            account.account_ref,
            balance,
            "instalments",
            instalment,
            per_month,
            months,
            last if last != instalment else None,
            words,
        )
    per_month = -(-balance // 12)
    last = balance - 11 * per_month
    words = f"{owes} Spread over 12 months, that is {format_pence(per_month)} a month."
    return MajorWorksSummary(
        account.id,
        account.account_ref,
        balance,
        "twelve_months",
        None,
        per_month,
        12,
        last if last != per_month else None,
        words,
    )


def leaseholder_summary(session: Session, tenancy_id: int, today: date) -> LeaseholderSummary | None:
    """A leaseholder's service charge year, last year-end reconciliation and major works.

    None unless the tenancy's tenure is ``leasehold`` (shared owners' monthly service
    charge sits on their rent account and shows in ``charge_breakdown``). The
    service-charge year is the UK financial year (1 April to 31 March). The estimate is
    the ``estimated_service_charge`` charge in force today on the service charge account,
    as a yearly figure and a monthly one (yearly / 12, rounded half up); ground rent, if
    charged, is shown beside it."""
    tenancy = session.get(Tenancy, tenancy_id)
    if tenancy is None or tenancy.tenure != "leasehold":
        return None
    accounts = session.exec(
        select(Account).where(Account.tenancy_id == tenancy_id).order_by(Account.opened_on, Account.id)
    ).all()
    service = next((a for a in accounts if a.account_type == "service_charge"), None)
    start, end, label = service_charge_year(today)

    estimate_yearly = estimate_monthly = ground_rent = None
    balance = None
    last_year = None
    if service is not None:
        balance = ledger_balance(session, service.id)
        for charge in charges_in_force(session, service.id, today):
            if charge.charge_code == "estimated_service_charge" and estimate_yearly is None:
                estimate_yearly = convert_charge(charge.amount_pence, charge.frequency, "yearly")
                estimate_monthly = round_half_up_div(estimate_yearly, 12)
            elif charge.charge_code == "ground_rent" and ground_rent is None:
                ground_rent = convert_charge(charge.amount_pence, charge.frequency, "yearly")
        last_year = _last_year_end(session, service.id, today)
    works = tuple(_major_works(session, a, today) for a in accounts if a.account_type == "major_works")

    words: list[str] = []
    period = f"{uk_date_words(start)} to {uk_date_words(end)}"
    if estimate_yearly is not None:
        words.append(
            f"Your estimated service charge for {label} ({period}) is {format_pence(estimate_yearly)}, "
            f"which is {format_pence(estimate_monthly)} a month. It is an estimate: once the year's actual "
            f"costs are known, we charge or credit the difference."
        )
    if ground_rent is not None:
        words.append(f"Your ground rent is {format_pence(ground_rent)} a year.")
    if last_year is not None:
        words.append(last_year.words)
    words += [w.words for w in works]
    return LeaseholderSummary(
        tenancy_id=tenancy.id,
        tenancy_ref=tenancy.tenancy_ref,
        service_charge_account_id=service.id if service else None,
        service_charge_account_ref=service.account_ref if service else None,
        service_charge_balance_pence=balance,
        year_label=label,
        year_start=start,
        year_end=end,
        estimate_yearly_pence=estimate_yearly,
        estimate_monthly_pence=estimate_monthly,
        ground_rent_yearly_pence=ground_rent,
        last_year_end=last_year,
        major_works=works,
        explanation=tuple(words),
    )


__all__ = [
    "HB_EXPLANATION",
    "TYPE_GROUPS",
    "TYPE_GROUP_LABELS",
    "TYPE_LABELS",
    "UC_EXPLANATION",
    "ChargeBreakdown",
    "ChargeLine",
    "HistoryLine",
    "HistoryPage",
    "LeaseholderSummary",
    "MajorWorksSummary",
    "PendingPayment",
    "YearEndAdjustment",
    "BalanceOverTime",
    "balance_after_each",
    "balance_over_time",
    "breakdown_of",
    "chart_points",
    "balance_with_pending",
    "benefit_explanations",
    "charge_breakdown",
    "charge_line",
    "charges_in_force",
    "history_page",
    "leaseholder_summary",
    "pending_payments",
    "reconcile_portal_payments",
    "service_charge_year",
    "type_label",
]
