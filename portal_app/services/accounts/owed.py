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
  what was paid since is set against them. Without instalments, a bill (a service charge,
  a major works share, a year-end balancing charge) gives the days to pay that the lease
  does (``LEASEHOLD_BILL_DAYS_TO_PAY``, commonly 30): it is owed from the day it is charged
  and falls due that many days later; payments go to the oldest bill first, so what is
  owed beyond the bills still inside their days to pay is overdue. A service charge
  billed in monthly instalments holds only the instalments already charged: the rest of
  the year's estimate falls due later, and is not owed yet.

Every rule reads the ledger up to the day it is asked about (``as_at``): today for the
pages, the last day of a statement's period for the statement, so a statement says what
was owed, and what of it was overdue, on the day it ends.

No reflex import here; plain functions over a session.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlalchemy import bindparam
from sqlmodel import Session, select

from portal_app.clock import uk_date_words
from portal_app.models import Transaction
from portal_app.services.money import balance_words, format_pence
from portal_app.settings import get_settings

GRACE_DAYS = 5  # an instalment's payment can take up to 3 working days to reach the ledger
INSTALMENT_ACCOUNT_TYPES = ("service_charge", "major_works")
INSTALMENT_TYPES = ("payment", "direct_debit")
PAID_TYPES = ("payment", "direct_debit", "payment_returned", "refund")
BENEFIT_TYPES = ("housing_benefit", "universal_credit")
HB_RECENT_DAYS = 56  # 8 weeks
UC_RECENT_DAYS = 45  # a monthly payment and a fortnight's slack
BENEFIT_NAMES = {"housing_benefit": "Housing Benefit", "universal_credit": "Universal Credit"}
# A leaseholder's bills: what a lease gives days to pay (a returned payment or court costs do not).
BILL_TYPES = ("service_charge", "other_charge", "recharge", "adjustment")


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
    # A leaseholder's bills still inside their days to pay: (the day each falls due, pence), soonest first.
    falls_due: tuple[tuple[date, int], ...] = ()
    instalments_paid_pence: int = 0  # paid since the instalments began (positive), when there are some

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


# How many of the latest payments are looked at for the instalment amount.
_RECENT_PAYMENTS = 6


def find_instalments(payments: list[tuple[date, str, int]]) -> Instalments | None:
    """Regular monthly instalments among ``payments`` ((posted_on, type, pence), credits of
    ``INSTALMENT_TYPES``, oldest first).

    When the latest two payments are 20 to 40 days apart, the latest is the instalment
    (one that was raised counts from its first payment). When they are closer, one of them
    is a payment between the instalments (a little extra one month), which must not hide
    the plan: the instalment is then the most recently paid amount paid at least twice,
    its latest two 20 to 40 days apart and the latest of them no more than 40 days before
    the latest payment; the plan began at the first of its unbroken monthly run. Every
    payment since counts towards the plan as what was paid."""
    if len(payments) < 2:
        return None
    (before_day, _t, _p), (latest_day, latest_type, latest) = payments[-2], payments[-1]
    if 20 <= (latest_day - before_day).days <= 40:
        first = latest_day
        for day, _kind, amount in reversed(payments):
            if amount != latest:
                break
            first = day
        return Instalments(-latest, first, latest_type == "direct_debit")
    recent = payments[-_RECENT_PAYMENTS:]
    amounts = sorted({p[2] for p in recent}, key=lambda a: max(i for i, p in enumerate(recent) if p[2] == a))
    for amount in reversed(amounts):  # the most recently paid amount first
        same = [p for p in payments if p[2] == amount]
        if len(same) < 2 or (latest_day - same[-1][0]).days > 40:
            continue
        if not 20 <= (same[-1][0] - same[-2][0]).days <= 40:
            continue
        first = same[-1][0]
        for before, after in zip(reversed(same[:-1]), reversed(same[1:]), strict=True):
            if (after[0] - before[0]).days > 40:
                break
            first = before[0]
        return Instalments(-amount, first, same[-1][1] == "direct_debit")
    return None


def instalments_overdue(
    plan: Instalments, paid_since: int, owed: int, today: date, *, grace_days: int = GRACE_DAYS
) -> int:
    """The missed instalments: one falls due each month from the first, counted once
    ``grace_days`` have passed; ``paid_since`` (positive) is what was paid from the first."""
    due = 0
    while add_months(plan.first_paid_on, due, plan.first_paid_on.day) + timedelta(days=grace_days) <= today:
        due += 1
    return max(0, min(owed, due * plan.amount_pence - paid_since))


@functools.cache
def _credits_statement(types: tuple[str, ...], since: bool):
    """The statement ``_credits`` runs, built once for each tuple of types (and with or
    without a first day), its account and days bound when it runs (bench/statements.py)."""
    T = Transaction
    where = [T.account_id == bindparam("account_id"), T.type.in_(types), T.posted_on <= bindparam("today")]
    if since:
        where.append(T.posted_on >= bindparam("since"))
    return select(T.posted_on, T.type, T.amount_pence).where(*where).order_by(T.posted_on, T.id)


def _credits(session: Session, account_id: int, types: tuple[str, ...], today: date, since: date | None = None):
    params = {"account_id": account_id, "today": today}
    if since is not None:
        params["since"] = since
    return session.exec(_credits_statement(tuple(types), since is not None), params=params).all()


def instalment_plan(session: Session, account_id: int, as_at: date) -> Instalments | None:
    """The regular monthly instalments the ledger shows up to ``as_at``, if any: the one
    instalment rule, used for what is overdue and for how long a balance takes to clear."""
    payments = [p for p in _credits(session, account_id, INSTALMENT_TYPES, as_at) if p[2] < 0]
    return find_instalments(payments)


def next_instalment(plan: Instalments, paid_since: int, owed: int, as_at: date) -> tuple[date, int]:
    """When the next instalment not yet paid falls due, on or after ``as_at`` (monthly, on
    the day of the month the instalments began; ``paid_since`` is what was paid from the
    first), and how much it is: the instalment, or what is left if less. On an
    instalment's own day, before its payment shows, that instalment is the next one."""
    months = max(0, paid_since) // plan.amount_pence
    while add_months(plan.first_paid_on, months, plan.first_paid_on.day) < as_at:
        months += 1
    return add_months(plan.first_paid_on, months, plan.first_paid_on.day), min(plan.amount_pence, owed)


def bills_falling_due(
    session: Session, account_id: int, owed: int, as_at: date, days_to_pay: int
) -> tuple[tuple[date, int], ...]:
    """The part of ``owed`` that is bills still inside their days to pay on ``as_at``, as
    (the day each falls due, pence), soonest first. Payments go to the oldest bill first,
    so the newest bills are the ones still unpaid."""
    if owed <= 0 or days_to_pay <= 0:
        return ()
    rows = session.exec(
        select(Transaction.posted_on, Transaction.amount_pence)
        .where(
            Transaction.account_id == account_id,
            Transaction.type.in_(BILL_TYPES),
            Transaction.amount_pence > 0,
            Transaction.posted_on <= as_at,
            Transaction.posted_on >= as_at - timedelta(days=days_to_pay),
        )
        .order_by(Transaction.posted_on.desc(), Transaction.id.desc())
    ).all()
    left = owed
    due: dict[date, int] = {}
    for day, amount in rows:
        if left <= 0:
            break
        part = min(int(amount), left)
        when = day + timedelta(days=days_to_pay)
        due[when] = due.get(when, 0) + part
        left -= part
    return tuple(sorted(due.items()))


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


def _falls_due_words(falls_due: tuple[tuple[date, int], ...], *, past: bool) -> str:
    """ "£3,000.00 falls due on 10 December 2026 and £450.00 on 2 January 2027" (or, for a
    day already past, "£3,000.00 was not due until 10 December 2026")."""
    verb, then = ("was not due until", "until") if past else ("falls due on", "on")
    return " and ".join(
        f"{format_pence(pence)} {verb if i == 0 else then} {uk_date_words(day)}"
        for i, (day, pence) in enumerate(falls_due)
    )


def words(standing: Standing, *, on: date | None = None) -> str:
    """What ``standing`` means in words: in the present tense, or, ``on`` a day already
    past (a statement that ended before today), in the past tense with that day."""
    balance, overdue = standing.balance_pence, standing.overdue_pence
    plan, falls_due = standing.instalments, standing.falls_due
    past = on is not None
    if balance <= 0:
        if not past:
            return balance_words(balance)
        if balance < 0:
            return f"On {uk_date_words(on)} you were {format_pence(balance)} in credit"
        return f"On {uk_date_words(on)} your account was clear: you owed nothing"
    owed = format_pence(balance)
    start = f"On {uk_date_words(on)} you owed {owed}" if past else f"You owe {owed}"
    nothing = "nothing was overdue" if past else "nothing is overdue"
    part = f"{format_pence(overdue)} of it {'was' if past else 'is'} overdue (arrears)"
    if plan is not None:
        how = (
            f"paid by Direct Debit of {format_pence(plan.amount_pence)} a month"
            if plan.by_direct_debit
            else f"paid in instalments of {format_pence(plan.amount_pence)} a month"
        )
        return f"{start}, {how}; {nothing if overdue == 0 else part}"
    later = _falls_due_words(falls_due, past=past) if falls_due else ""
    if overdue == 0:
        return f"{start}; {nothing}: {later}" if later else f"{start}; {nothing}"
    if overdue < balance:
        return f"{start}; {part} and {later}" if later else f"{start}; {part}"
    return f"{start}, all of it overdue (arrears)" if past else f"{start} (arrears)"


def standing(
    session: Session, account_id: int, account_type: str, balance: int, today: date, *, days_to_pay: int | None = None
) -> Standing:
    """What the account owed on ``today`` (the as-at day: today for the pages, a
    statement's last day for a statement), with ``balance`` the ledger's balance up to
    that day: what of it was overdue, and what fell due later. ``days_to_pay`` is the
    days a leaseholder's bill gives (``LEASEHOLD_BILL_DAYS_TO_PAY`` unless given)."""
    if days_to_pay is None:
        days_to_pay = get_settings().leasehold_bill_days_to_pay
    owed = max(0, balance)
    plan: Instalments | None = None
    benefit: BenefitTiming | None = None
    falls_due: tuple[tuple[date, int], ...] = ()
    paid = 0
    overdue = owed
    if owed and account_type in INSTALMENT_ACCOUNT_TYPES:
        plan = instalment_plan(session, account_id, today)
        if plan is not None:
            paid = -sum(a for _d, _k, a in _credits(session, account_id, PAID_TYPES, today, plan.first_paid_on))
            overdue = instalments_overdue(plan, paid, owed, today)
        else:
            falls_due = bills_falling_due(session, account_id, owed, today, days_to_pay)
            overdue = owed - sum(p for _d, p in falls_due)
    if overdue and plan is None:
        benefit = benefit_timing(session, account_id, today)
        if benefit is not None:
            overdue = max(0, overdue - benefit.explained_pence)
    found = Standing(
        balance_pence=balance,
        owed_pence=owed,
        overdue_pence=overdue,
        later_pence=owed - overdue,
        instalments=plan,
        benefit=benefit,
        words="",
        falls_due=falls_due,
        instalments_paid_pence=paid,
    )
    return replace(found, words=words(found))


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
    "bills_falling_due",
    "find_instalments",
    "instalment_plan",
    "instalments_overdue",
    "monthly_billing",
    "next_instalment",
    "standing",
    "words",
]
