"""What an account owes, how much of it is overdue, and what falls due later.

Only overdue money is arrears (DESIGN.md, "Money and time"). The rule, from the ledger and
the account's charging pattern:

- Rent, garage and sundry charges are charged in advance (weekly rent on the Monday of its
  week) and fall due on the day they are charged: whatever is owed is overdue, except what
  benefit timing explains (below).
- Housing Benefit and Universal Credit housing costs are paid in arrears, so a benefit
  payer can owe up to one benefit payment between payments. On an account with such a
  credit in the last 8 weeks (Housing Benefit) or 45 days (Universal Credit), the latest
  payment of each is what the timing explains; only what is owed beyond it is overdue.
- A leaseholder's accounts (service charge, major works) are often paid by regular
  monthly instalments: a major works bill paid off by standing order, a service charge
  collected by monthly Direct Debit. When the ledger shows them (the latest two payments
  20 to 40 days apart), only missed instalments are overdue: one instalment of the
  latest amount falls due each month from the first payment of that amount, counted
  ``GRACE_DAYS`` after its day (payments can take up to 3 working days to show), and
  what was paid since is set against them. Without instalments, a bill is due when it is
  charged. A service charge billed in monthly instalments holds only the instalments
  already charged: the rest of the year's estimate falls due later, and is not owed yet.

No reflex import here; plain functions over a session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from portal_app.models import Transaction
from portal_app.services.money import balance_words, format_pence

GRACE_DAYS = 5  # an instalment's payment can take up to 3 working days to reach the ledger
INSTALMENT_ACCOUNT_TYPES = ("service_charge", "major_works")
INSTALMENT_TYPES = ("payment", "direct_debit")
PAID_TYPES = ("payment", "direct_debit", "payment_returned", "refund")
BENEFIT_TYPES = ("housing_benefit", "universal_credit")
HB_RECENT_DAYS = 56  # 8 weeks
UC_RECENT_DAYS = 45  # a monthly payment and a fortnight's slack
BENEFIT_NAMES = {"housing_benefit": "Housing Benefit", "universal_credit": "Universal Credit"}


@dataclass(frozen=True)
class Instalments:
    """Regular monthly payments found in the ledger."""

    amount_pence: int  # the latest payment, positive
    first_paid_on: date  # the first payment of this amount in the unbroken run up to the latest
    by_direct_debit: bool


@dataclass(frozen=True)
class BenefitTiming:
    """What benefits paid in arrears can explain of a balance owed."""

    kinds: tuple[str, ...]  # "housing_benefit", "universal_credit"
    explained_pence: int  # the latest payment of each, added together


@dataclass(frozen=True)
class Standing:
    balance_pence: int  # the ledger's balance: positive owed, negative credit
    owed_pence: int  # the balance when owed, else 0
    overdue_pence: int  # the part of what is owed that is overdue: arrears
    later_pence: int  # owed but not overdue (an instalment not yet due, benefit on its way)
    instalments: Instalments | None
    benefit: BenefitTiming | None
    words: str  # "You owe £10,348.00, paid in instalments of £150.00 a month; nothing is overdue"

    @property
    def arrears(self) -> bool:
        """Whether to show the balance as arrears (the red style): only overdue money is."""
        return self.overdue_pence > 0


def add_months(day: date, months: int, anchor_day: int) -> date:
    """``day`` moved on by ``months``, on ``anchor_day`` (or the month's last day)."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = (date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(anchor_day, last))


def find_instalments(payments: list[tuple[date, str, int]]) -> Instalments | None:
    """Regular monthly instalments among ``payments`` ((posted_on, type, pence), credits of
    ``INSTALMENT_TYPES``, oldest first): the latest two 20 to 40 days apart."""
    if len(payments) < 2:
        return None
    (before_day, _t, _p), (latest_day, latest_type, latest) = payments[-2], payments[-1]
    if not 20 <= (latest_day - before_day).days <= 40:
        return None
    first = latest_day
    for day, _kind, amount in reversed(payments):
        if amount != latest:
            break
        first = day
    return Instalments(-latest, first, latest_type == "direct_debit")


def instalments_overdue(
    plan: Instalments, paid_since: int, owed: int, today: date, *, grace_days: int = GRACE_DAYS
) -> int:
    """The missed instalments: one falls due each month from the first, counted once
    ``grace_days`` have passed; ``paid_since`` (positive) is what was paid from the first."""
    due = 0
    while add_months(plan.first_paid_on, due, plan.first_paid_on.day) + timedelta(days=grace_days) <= today:
        due += 1
    return max(0, min(owed, due * plan.amount_pence - paid_since))


def _credits(session: Session, account_id: int, types: tuple[str, ...], today: date, since: date | None = None):
    where = [Transaction.account_id == account_id, Transaction.type.in_(types), Transaction.posted_on <= today]
    if since is not None:
        where.append(Transaction.posted_on >= since)
    return session.exec(
        select(Transaction.posted_on, Transaction.type, Transaction.amount_pence)
        .where(*where)
        .order_by(Transaction.posted_on, Transaction.id)
    ).all()


def benefit_timing(session: Session, account_id: int, today: date) -> BenefitTiming | None:
    """The benefits paid to this account lately, and the latest payment of each."""
    since = today - timedelta(days=max(HB_RECENT_DAYS, UC_RECENT_DAYS))
    latest: dict[str, tuple[date, int]] = {}
    for day, kind, amount in _credits(session, account_id, BENEFIT_TYPES, today, since):
        if amount < 0:
            latest[kind] = (day, -amount)
    recent = {"housing_benefit": HB_RECENT_DAYS, "universal_credit": UC_RECENT_DAYS}
    kinds = tuple(k for k in BENEFIT_TYPES if k in latest and (today - latest[k][0]).days <= recent[k])
    if not kinds:
        return None
    return BenefitTiming(kinds, sum(latest[k][1] for k in kinds))


def _words(balance: int, overdue: int, plan: Instalments | None, benefit: BenefitTiming | None) -> str:
    if balance <= 0:
        return balance_words(balance)
    owed = format_pence(balance)
    if plan is not None:
        how = (
            f"paid by Direct Debit of {format_pence(plan.amount_pence)} a month"
            if plan.by_direct_debit
            else f"paid in instalments of {format_pence(plan.amount_pence)} a month"
        )
        tail = "nothing is overdue" if overdue == 0 else f"{format_pence(overdue)} of it is overdue (arrears)"
        return f"You owe {owed}, {how}; {tail}"
    if benefit is not None:
        if overdue == 0:
            return f"You owe {owed}; nothing is overdue"
        if overdue < balance:
            return f"You owe {owed}; {format_pence(overdue)} of it is overdue (arrears)"
    return balance_words(balance)


def standing(session: Session, account_id: int, account_type: str, balance: int, today: date) -> Standing:
    """What the account owes today, what of it is overdue, and what falls due later."""
    owed = max(0, balance)
    plan: Instalments | None = None
    benefit: BenefitTiming | None = None
    overdue = owed
    if owed and account_type in INSTALMENT_ACCOUNT_TYPES:
        payments = [p for p in _credits(session, account_id, INSTALMENT_TYPES, today) if p[2] < 0]
        plan = find_instalments(payments)
        if plan is not None:
            paid = -sum(a for _d, _k, a in _credits(session, account_id, PAID_TYPES, today, plan.first_paid_on))
            overdue = instalments_overdue(plan, paid, owed, today)
    if owed and plan is None:
        benefit = benefit_timing(session, account_id, today)
        if benefit is not None:
            overdue = max(0, owed - benefit.explained_pence)
    return Standing(
        balance_pence=balance,
        owed_pence=owed,
        overdue_pence=overdue,
        later_pence=owed - overdue,
        instalments=plan,
        benefit=benefit,
        words=_words(balance, overdue, plan, benefit),
    )


def benefit_words(timing: BenefitTiming, overdue_pence: int, *, phone: str) -> str:
    """Why a benefit payer can show a balance owed, and, when the timing does not explain
    all of it, that the rest is arrears and what help there is."""
    names = " and ".join(BENEFIT_NAMES[k] for k in timing.kinds)
    verb = "are" if len(timing.kinds) > 1 else "is"
    return (
        f"{names} {verb} paid in arrears, which explains up to {format_pence(timing.explained_pence)} of your "
        f"balance (one payment). The other {format_pence(overdue_pence)} is arrears: please pay it, or talk to "
        f"us. If you are finding it hard to pay, phone us on {phone} or ask us for benefits advice: we can check "
        f"what help you can get and agree a way to pay it off."
    )


def monthly_billing(session: Session, account_id: int, today: date) -> date | None:
    """The latest service charge posting when the ledger bills them monthly (the latest
    two 25 to 35 days apart, the latest within 45 days), else None."""
    rows = session.exec(
        select(Transaction.posted_on)
        .where(
            Transaction.account_id == account_id,
            Transaction.type == "service_charge",
            Transaction.amount_pence > 0,
            Transaction.posted_on <= today,
        )
        .order_by(Transaction.posted_on.desc(), Transaction.id.desc())
        .limit(2)
    ).all()
    if len(rows) < 2:
        return None
    latest, before = rows
    if 25 <= (latest - before).days <= 35 and (today - latest).days <= 45:
        return latest
    return None


__all__ = [
    "GRACE_DAYS",
    "BenefitTiming",
    "Instalments",
    "Standing",
    "add_months",
    "benefit_timing",
    "benefit_words",
    "find_instalments",
    "instalments_overdue",
    "monthly_billing",
    "standing",
]
