"""What a resident may see of their money, and what it says.

A portal user is bound to one person on one tenancy (their "registration tenancy").
``visible_accounts`` applies the rule for which accounts that person sees, and
``account_summaries`` reads each account's balance (the sum of its ledger), its last
payment and its next amount due, as small frozen dataclasses for the pages.

The rule:
- every account of the registration tenancy, while the person is a current party to it
  as lead or joint tenant or (joint) leaseholder and the tenancy is current (closed
  accounts included);
- when that tenancy has ended: nothing, unless former tenants are allowed, and then only
  its rent and garage accounts, and only if the person was still on it when it ended;
- plus the accounts of any current garage licence that the same person currently holds
  (as lead or joint tenant, or licensee): a flat and a garage in one place.
A household member, or anyone no longer on the tenancy, sees nothing.

No reflex import here; queries only, over a session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_
from sqlmodel import Session, select

from portal_app.models import Account, Charge, Property, Tenancy, TenancyParty, Transaction
from portal_app.services.accounts import owed as owed_rule
from portal_app.services.money import balance_display, dr_cr, round_half_up_div
from portal_app.settings import DEFAULT_ELIGIBLE_ROLES

ACCOUNT_LABELS = {
    "rent": "Rent account",
    "service_charge": "Service charge account",
    "garage": "Garage account",
    "major_works": "Major works account",
    "sundry": "Sundry account",
}
ACCOUNT_ORDER = {"rent": 0, "service_charge": 1, "major_works": 2, "garage": 3, "sundry": 4}
FORMER_VISIBLE_TYPES = ("rent", "garage")
GARAGE_ROLES = ("lead_tenant", "joint_tenant", "licensee")
PAYMENT_TYPES = ("payment", "direct_debit", "housing_benefit", "universal_credit")


@dataclass(frozen=True)
class AccountSummary:
    account_id: int
    account_ref: str
    account_type: str  # rent | service_charge | garage | major_works | sundry
    label: str  # "Rent account", "Garage account", ...
    address: str  # one line: "Flat 12, Elm Court, Station Road, Northbrook NB1 2AB"
    tenancy_ref: str
    tenure: str
    is_former: bool  # the tenancy has ended
    balance_pence: int  # sum of the ledger: positive = owed (DR), negative = credit (CR)
    balance_words: str  # what is owed and what of it is overdue, in words (services/accounts/owed.py)
    balance_display: str  # "£123.45 DR"
    dr_cr: str
    as_at: datetime  # naive UTC: when the balance was read
    last_payment_on: date | None
    last_payment_pence: int | None  # a positive number of pence paid
    last_payment_description: str | None
    next_due_on: date | None
    next_due_pence: int | None
    overdue_pence: int = 0  # the part of what is owed that is overdue (owed.py)
    arrears: bool = False  # shown as arrears (the red style): only when something is overdue


# ---------------------------------------------------------------------------
# Which accounts
# ---------------------------------------------------------------------------


def _has_ended(tenancy: Tenancy, today: date) -> bool:
    return tenancy.end_date is not None and tenancy.end_date < today


def _party_current(party: TenancyParty, today: date) -> bool:
    started = party.start_date is None or party.start_date <= today
    return started and (party.end_date is None or party.end_date >= today)


def _keep(session: Session, *rows: object) -> None:
    """Keep rows this unit of work has read for as long as its session lasts, so that a
    later ``session.get`` in the same unit of work finds them without asking the database
    again (SQLAlchemy's identity map holds a row only while something else does)."""
    session.info.setdefault("doorstep_kept_rows", []).extend(rows)


def _sorted(accounts: Iterable[Account]) -> list[Account]:
    return sorted(accounts, key=lambda a: (ACCOUNT_ORDER.get(a.account_type, 9), a.account_ref))


# Each statement an account event runs is built once, its values bound when it runs:
# building a statement and working out its cache key cost SQLAlchemy more than SQLite
# takes to run it (bench/statements.py).
_PLACES_AND_ACCOUNTS = (
    select(Tenancy, TenancyParty, Account)
    .join(TenancyParty, TenancyParty.tenancy_id == Tenancy.id)
    .outerjoin(Account, Account.tenancy_id == Tenancy.id)
    .where(
        TenancyParty.person_id == bindparam("person_id"),
        or_(
            Tenancy.id == bindparam("tenancy_id"),
            and_(Tenancy.tenure == "garage_licence", TenancyParty.role.in_(GARAGE_ROLES)),
        ),
    )
    .order_by(Tenancy.start_date, Tenancy.id)
)
_BALANCES = (
    select(Transaction.account_id, func.sum(Transaction.amount_pence))
    .where(Transaction.account_id.in_(bindparam("ids", expanding=True)))
    .group_by(Transaction.account_id)
)
_LAST_PAYMENT = (
    select(Transaction.posted_on, Transaction.amount_pence, Transaction.description)
    .where(
        Transaction.account_id == bindparam("account_id"),
        Transaction.type.in_(PAYMENT_TYPES),
        Transaction.amount_pence < 0,
    )
    .order_by(Transaction.posted_on.desc(), Transaction.id.desc())
    .limit(1)
)
_PROPERTY = select(Property).where(Property.id == bindparam("property_id"))
_PROPERTIES = select(Property).where(Property.id.in_(bindparam("ids", expanding=True)))
_CHARGES_OF = select(Charge).where(Charge.account_id.in_(bindparam("ids", expanding=True)))
_CHARGES = select(Charge).where(Charge.account_id == bindparam("account_id"))


def visible_accounts(
    session: Session,
    *,
    person_id: int,
    tenancy_id: int,
    today: date,
    allow_former: bool,
    roles: Iterable[str] = DEFAULT_ELIGIBLE_ROLES,
) -> list[Account]:
    """The accounts this person, registered on this tenancy, may see today: the
    registration tenancy's first (rent and service charge leading), then any garage's.

    ``roles`` are the roles that may see a registration tenancy's accounts (by default
    lead and joint tenants and leaseholders; pass ``settings.eligible_roles`` when the
    landlord has widened who may register)."""
    roles = tuple(roles)
    # One query on every account event: this person's place on the registration tenancy
    # and on any garage licence, each with its accounts (none: one row, account None).
    rows = session.exec(_PLACES_AND_ACCOUNTS, params={"person_id": person_id, "tenancy_id": tenancy_id}).all()
    registration = [(tenancy, party, account) for tenancy, party, account in rows if tenancy.id == tenancy_id]
    if not registration:
        return []
    tenancy, party, _ = registration[0]
    if party.role not in roles:
        return []
    if tenancy.start_date > today:
        return []
    own = [account for _t, _p, account in registration if account is not None]
    if _has_ended(tenancy, today):
        if not allow_former:
            return []
        if party.end_date is not None and party.end_date < tenancy.end_date:
            return []  # they had left before it ended
        own = [account for account in own if account.account_type in FORMER_VISIBLE_TYPES]
    elif not _party_current(party, today):
        return []

    # Current garage licences this person holds, besides the registration tenancy, oldest first.
    garages: dict[int, list[Account]] = {}
    for garage, garage_party, account in rows:
        if garage.id != tenancy_id and garage.is_current(today) and _party_current(garage_party, today):
            garages.setdefault(garage.id, []).extend([account] if account is not None else [])
    # The account pages go on to read these accounts' tenancies and the accounts themselves.
    _keep(session, *(row for found in rows for row in found if row is not None))
    return _sorted(own) + [account for accounts in garages.values() for account in _sorted(accounts)]


def find_visible_account(
    session: Session,
    *,
    person_id: int,
    tenancy_id: int,
    account_ref: str | int | None,
    today: date,
    allow_former: bool,
    roles: Iterable[str] = DEFAULT_ELIGIBLE_ROLES,
) -> Account | None:
    """The account with this reference (or id) if this resident may see it today; else None.

    Every handler and route that is given an account by the browser goes through here,
    so another resident's reference, an unknown one and a malformed one all come back as
    None in the same way. With no reference, the first visible account."""
    accounts = visible_accounts(
        session, person_id=person_id, tenancy_id=tenancy_id, today=today, allow_former=allow_former, roles=roles
    )
    if account_ref is None or account_ref == "":
        return accounts[0] if accounts else None
    wanted = str(account_ref).strip()
    for account in accounts:
        if account.account_ref == wanted or str(account.id) == wanted:
            return account
    return None


# ---------------------------------------------------------------------------
# What they say
# ---------------------------------------------------------------------------


def ledger_balance(session: Session, account_id: int) -> int:
    """The balance of one account: the sum of its postings, in pence (positive = owed)."""
    total = session.exec(
        select(func.coalesce(func.sum(Transaction.amount_pence), 0)).where(Transaction.account_id == account_id)
    ).one()
    return int(total)


def ledger_balances(session: Session, account_ids: Iterable[int]) -> dict[int, int]:
    """Balances of several accounts in one query; accounts with no postings are 0."""
    ids = list(account_ids)
    if not ids:
        return {}
    rows = session.exec(_BALANCES, params={"ids": ids}).all()
    found = {account_id: int(total or 0) for account_id, total in rows}
    return {account_id: found.get(account_id, 0) for account_id in ids}


def last_payment(session: Session, account_id: int):
    """The latest money paid in (by the resident or by benefits): a credit among payments,
    Direct Debits, Housing Benefit and Universal Credit, as its ``posted_on``,
    ``amount_pence`` and ``description`` (a row, not the whole posting), or None. Reads
    backwards along the (account_id, posted_on, id) index."""
    return session.exec(_LAST_PAYMENT, params={"account_id": account_id}).first()


# How many of each period make a year: 52 weeks, 26 fortnights, 13 four-week periods,
# 12 months. The one rule for turning money per one period into another (charges here,
# the budget planner's lines in services/budget.py).
PER_YEAR = {"weekly": 52, "fortnightly": 26, "four_weekly": 13, "monthly": 12, "yearly": 1}


def convert_charge(amount_pence: int, frequency: str, to: str) -> int:
    """An amount per ``frequency`` as the amount per ``to`` (see ``PER_YEAR``), rounded
    half away from zero to the penny."""
    if frequency == to:
        return amount_pence
    return round_half_up_div(amount_pence * PER_YEAR[frequency], PER_YEAR[to])


def _in_force(charge: Charge, day: date) -> bool:
    return charge.effective_from <= day and (charge.effective_to is None or charge.effective_to >= day)


def _rent_free(tenancy: Tenancy) -> set[date]:
    days: set[date] = set()
    for part in (tenancy.rent_free_weeks or "").split(";"):
        part = part.strip()
        if part:
            try:
                days.add(date.fromisoformat(part))
            except ValueError:
                continue
    return days


def _add_months(day: date, months: int, anchor_day: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(anchor_day, last))


def _next_period_start(anchor: date, today: date, months: int) -> date:
    """The first date after today on the schedule anchor, anchor + months, ..."""
    if anchor > today:
        return anchor
    elapsed = (today.year - anchor.year) * 12 + (today.month - anchor.month)
    steps = max(0, elapsed // months - 1)
    day = _add_months(anchor, steps * months, anchor.day)
    while day <= today:
        steps += 1
        day = _add_months(anchor, steps * months, anchor.day)
    return day


def _next_instalment(charges: list[Charge], last_billed: date, today: date) -> tuple[date | None, int | None]:
    """A yearly service charge billed in monthly instalments: the next instalment, a month
    after the last one billed, of every yearly charge in force then as a monthly figure
    (ground rent apart: it is due once a year, on its own date, and added when that is
    the same day)."""
    day = last_billed
    while day <= today:
        day = owed_rule.add_months(day, 1, last_billed.day)
    in_force = [c for c in charges if _in_force(c, day)]
    spread = [c for c in in_force if c.charge_code != "ground_rent"]
    if not spread:
        return None, None
    amount = sum(convert_charge(c.amount_pence, c.frequency, "monthly") for c in spread)
    for c in in_force:
        if c.charge_code == "ground_rent" and (day.month, day.day) == (c.effective_from.month, c.effective_from.day):
            amount += convert_charge(c.amount_pence, c.frequency, "yearly")
    return day, amount


def next_due(
    charges: list[Charge], tenancy: Tenancy, today: date, *, billed_monthly_on: date | None = None
) -> tuple[date | None, int | None]:
    """When the next regular charge falls due after today, and how much it is.

    Weekly charges: the next Monday, skipping the tenancy's rent-free weeks; the amount is
    every charge in force that Monday, as a weekly figure. With no weekly charges, the next
    monthly (or else yearly) period start, counted from the charge's effective date; the
    amount is every charge in force then, at that frequency. When the ledger shows yearly
    charges billed in monthly instalments (``billed_monthly_on``: the latest instalment,
    ``owed.monthly_billing``), the next instalment."""
    if not charges:
        return None, None
    frequencies = {c.frequency for c in charges}
    if billed_monthly_on is not None and frequencies == {"yearly"}:
        return _next_instalment(charges, billed_monthly_on, today)
    if "weekly" in frequencies:
        rent_free = _rent_free(tenancy)
        day = today + timedelta(days=7 - today.weekday())  # the next Monday after today
        for _ in range(60):
            if day not in rent_free:
                in_force = [c for c in charges if _in_force(c, day)]
                if not in_force:
                    return None, None
                return day, sum(convert_charge(c.amount_pence, c.frequency, "weekly") for c in in_force)
            day += timedelta(days=7)
        return None, None
    frequency = "monthly" if "monthly" in frequencies else "yearly"
    months = 1 if frequency == "monthly" else 12
    candidates = [c for c in charges if c.frequency == frequency and (c.effective_to is None or c.effective_to > today)]
    if not candidates:
        return None, None
    day = min(_next_period_start(c.effective_from, today, months) for c in candidates)
    in_force = [c for c in charges if _in_force(c, day)]
    if not in_force:
        return None, None
    return day, sum(convert_charge(c.amount_pence, c.frequency, frequency) for c in in_force)


def _address(prop: Property) -> str:
    lines = [part for part in (prop.address_line_1, prop.address_line_2, prop.address_line_3) if part]
    return f"{', '.join(lines)}, {prop.town} {prop.postcode}"


def account_summaries(
    session: Session,
    *,
    person_id: int,
    tenancy_id: int,
    today: date,
    now: datetime,
    allow_former: bool,
    roles: Iterable[str] = DEFAULT_ELIGIBLE_ROLES,
    days_to_pay: int | None = None,
) -> list[AccountSummary]:
    """The visible accounts with their balances, last payments and next amounts due.

    ``days_to_pay``: the days a leaseholder's bill gives (``LEASEHOLD_BILL_DAYS_TO_PAY``
    unless given). A bill still inside them is what is next due when it falls due before
    the next regular charge."""
    accounts = visible_accounts(
        session, person_id=person_id, tenancy_id=tenancy_id, today=today, allow_former=allow_former, roles=roles
    )
    if not accounts:
        return []
    ids = [a.id for a in accounts]
    balances = ledger_balances(session, ids)
    # visible_accounts has read every one of these tenancies in this session: no query.
    tenancies = {tid: session.get(Tenancy, tid) for tid in {a.tenancy_id for a in accounts}}
    property_ids = {t.property_id for t in tenancies.values()}
    properties = {p.id: p for p in session.exec(_PROPERTIES, params={"ids": list(property_ids)}).all()}
    charges: dict[int, list[Charge]] = {}
    for charge in session.exec(_CHARGES_OF, params={"ids": ids}).all():
        charges.setdefault(charge.account_id, []).append(charge)

    return [
        _summary(
            session,
            account,
            tenancies[account.tenancy_id],
            properties[tenancies[account.tenancy_id].property_id],
            balances.get(account.id, 0),
            charges.get(account.id, []),
            today=today,
            now=now,
            days_to_pay=days_to_pay,
        )[0]
        for account in accounts
    ]


def account_summary(
    session: Session, account_id: int, *, balance: int, today: date, now: datetime, days_to_pay: int | None = None
) -> tuple[AccountSummary, owed_rule.Standing, list[Charge], Tenancy]:
    """One account's summary, as ``account_summaries`` gives it, for an account the caller
    may see (``access.choose_account`` has read it, so it is not read again) whose ledger
    ``balance`` the caller has read; with what it was worked out from: the account's
    standing (``owed.standing``), its charges and its tenancy."""
    account = session.get(Account, account_id)
    tenancy = session.get(Tenancy, account.tenancy_id)
    prop = session.exec(_PROPERTY, params={"property_id": tenancy.property_id}).one()
    charges = list(session.exec(_CHARGES, params={"account_id": account_id}).all())
    found, standing = _summary(
        session, account, tenancy, prop, balance, charges, today=today, now=now, days_to_pay=days_to_pay
    )
    return found, standing, charges, tenancy


def _summary(
    session: Session,
    account: Account,
    tenancy: Tenancy,
    prop: Property,
    balance: int,
    charges: list[Charge],
    *,
    today: date,
    now: datetime,
    days_to_pay: int | None,
) -> tuple[AccountSummary, owed_rule.Standing]:
    former = _has_ended(tenancy, today)
    paid = last_payment(session, account.id)
    closed = account.closed_on is not None and account.closed_on < today
    billed_monthly = (
        owed_rule.monthly_billing(session, account.id, today) if account.account_type == "service_charge" else None
    )
    due_on, due_pence = (
        (None, None) if former or closed else next_due(charges, tenancy, today, billed_monthly_on=billed_monthly)
    )
    standing = owed_rule.standing(session, account.id, account.account_type, balance, today, days_to_pay=days_to_pay)
    if not (former or closed):
        # What the ledger says falls due next: with no regular charge (a major works
        # bill), the plan's next instalment; a bill still inside its days to pay, when
        # it falls due before the next regular charge.
        soonest = None
        if standing.instalments is not None and standing.owed_pence and due_on is None:
            soonest = owed_rule.next_instalment(
                standing.instalments, standing.instalments_paid_pence, standing.owed_pence, today
            )
        elif standing.falls_due:
            soonest = standing.falls_due[0]
        if soonest is not None and (due_on is None or soonest[0] < due_on):
            due_on, due_pence = soonest
    found = AccountSummary(
        account_id=account.id,
        account_ref=account.account_ref,
        account_type=account.account_type,
        label=ACCOUNT_LABELS.get(account.account_type, "Account"),
        address=_address(prop),
        tenancy_ref=tenancy.tenancy_ref,
        tenure=tenancy.tenure,
        is_former=former,
        balance_pence=balance,
        balance_words=standing.words,
        balance_display=balance_display(balance),
        dr_cr=dr_cr(balance),
        as_at=now,
        last_payment_on=paid.posted_on if paid else None,
        last_payment_pence=-paid.amount_pence if paid else None,
        last_payment_description=paid.description if paid else None,
        next_due_on=due_on,
        next_due_pence=due_pence,
        overdue_pence=standing.overdue_pence,
        arrears=standing.arrears,
    )
    return found, standing


__all__ = [
    "ACCOUNT_LABELS",
    "AccountSummary",
    "account_summaries",
    "account_summary",
    "convert_charge",
    "last_payment",
    "ledger_balance",
    "ledger_balances",
    "next_due",
    "visible_accounts",
]
