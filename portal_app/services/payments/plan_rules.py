"""The arithmetic of a payment plan (an arrangement to pay off arrears): what each payment
is, when the arrears would be cleared, whether the plan needs the income officer to agree
it, and, once it is running, whether it is being kept.

A resident in arrears proposes a plan: an amount on top of their regular charge, how often
they pay (weekly, fortnightly, four-weekly or monthly) and a start date. The rules:

- Each payment (instalment) is the regular charge for its period plus the extra amount
  towards the arrears. The last instalment's extra part is only what is left, so the
  extra parts add up to the arrears exactly. The arrears are cleared on the date of that
  last instalment.
- Dates: weekly, fortnightly and four-weekly instalments fall every 7, 14 and 28 days from
  the start date; monthly ones on the start date's day of the month, or the last day of a
  shorter month (31 January, 28 or 29 February, 31 March: ``owed.add_months``).
- An instalment's period runs from its date to the day before the next one. Rent is
  charged weekly on a Monday, so the rent weeks an instalment pays for are the Mondays in
  its period (always one for a weekly plan, two fortnightly, four four-weekly, four or
  five for a month).
- Rent-free weeks (the landlord's policy, in the feed as the tenancy's ``rent_free_weeks``:
  the Mondays of those weeks): no rent is charged, so "on rent-free weeks you pay only the
  amount towards your arrears". Each rent-free week in an instalment's period takes one
  week's regular charge off its regular part (the regular part as a weekly figure), down
  to nothing: a weekly plan's instalment in a rent-free week is the extra part alone. The
  extra part is paid every period, rent-free or not.
- The regular charge per period is the weekly charge x 2 fortnightly, x 4 four-weekly and
  x 52 / 12 monthly, rounded to the nearest penny, half up (``regular_per_period``; the
  portal's one conversion, ``balances.convert_charge``, the same x 52 / 12 Universal Credit
  uses for a weekly rent). A weekly charge x 52 / 12 is x 13 / 3, so it never falls on a
  half penny: the rounding is always to the nearer penny.
- Plans that clear within 52 weeks start at once; longer ones go to the income officer to
  approve. The rule counts weeks, not instalments: the start date's week is week 1 (weeks
  of 7 days from the start date), and a plan clears within 52 weeks when its last
  instalment falls in week 52 or earlier, that is before the start date + 364 days. In a
  year with 53 Mondays a weekly plan can have 53 instalments inside one calendar year:
  the 53rd falls in week 53, so that plan needs approval; a fortnightly plan of 26
  instalments (last in week 51) does not.
- What a resident may propose (``validate_terms``): an account in arrears; an extra amount
  more than nothing and at least the landlord's minimum (a weekly figure from settings,
  converted to the plan's frequency like the regular charge; an amount that clears the
  arrears in one payment is always enough); a start date from today to a few weeks ahead.
  Problems come back as messages keyed by field, in the GOV.UK style, never exceptions.
- Whether a plan is kept (``check``): the instalments due so far are those dated on or
  before today. Expected balance = the balance the plan started from - the instalments due
  so far + the charges posted since. The plan is kept when the real balance is at or below
  that, and behind by the difference when above it. The arrears are cleared when the
  account is no longer in arrears.

Landlords are expected to try to agree affordable sums towards arrears before taking any
action for possession (the Pre-Action Protocol for Possession Claims by Social
Landlords): these rules only do the sums, the income officer decides.

Plain frozen dataclasses and functions: integer pence, ``datetime.date``, no database, no
reflex.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from portal_app.clock import uk_date_words
from portal_app.models import Tenancy
from portal_app.services.accounts.balances import _rent_free, convert_charge
from portal_app.services.accounts.owed import add_months
from portal_app.services.money import format_pence

# How often a resident can pay: the feed's rent frequencies (import-format.md, tenancies.csv).
FREQUENCIES = ("weekly", "fortnightly", "four_weekly", "monthly")
_DAYS_APART = {"weekly": 7, "fortnightly": 14, "four_weekly": 28}
FREQUENCY_WORDS = {"weekly": "weekly", "fortnightly": "fortnightly", "four_weekly": "four-weekly", "monthly": "monthly"}
PER_PERIOD_WORDS = {
    "weekly": "a week",
    "fortnightly": "every 2 weeks",
    "four_weekly": "every 4 weeks",
    "monthly": "a month",
}

APPROVAL_WEEKS = 52  # plans that clear within 52 weeks start at once; longer ones need the income officer
LATEST_START_DAYS = 28  # how far ahead a plan may start (about 4 weeks)

# The fields ``validate_terms`` names: the form's boxes, and the account itself.
FIELD_ARREARS = "arrears"  # the account is not in arrears: a message for the top of the page
FIELD_FREQUENCY = "frequency"
FIELD_EXTRA = "extra"
FIELD_START_DATE = "start_date"


@dataclass(frozen=True)
class PlanTerms:
    """What a resident proposes, with the account's figures on the day.

    ``start_balance_pence`` is the balance the plan starts from (the ledger's balance when
    it was taken; the charges posted after it are ``check``'s ``charges_since_pence``);
    ``arrears_pence`` is what of it is overdue (``owed.standing().overdue_pence``): what
    the extra parts pay off. ``regular_pence`` is the regular charge per plan period
    (``regular_per_period``); ``extra_pence`` the amount on top, each period.
    ``rent_free_weeks`` holds the Mondays of the tenancy's rent-free weeks
    (``rent_free_weeks_of``)."""

    start_balance_pence: int
    arrears_pence: int
    regular_pence: int
    extra_pence: int
    frequency: str  # one of FREQUENCIES
    start_date: date
    rent_free_weeks: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Instalment:
    """One payment of a plan."""

    number: int  # 1 for the first
    due_on: date
    regular_pence: int  # the regular charge for its period (less a week's for each rent-free week in it)
    extra_pence: int  # towards the arrears: the plan's extra amount, or what is left for the last
    rent_free_weeks: int = 0  # rent-free weeks in its period

    @property
    def total_pence(self) -> int:
        return self.regular_pence + self.extra_pence


@dataclass(frozen=True)
class PlanSchedule:
    """A plan's instalments up to the one that clears the arrears."""

    terms: PlanTerms
    instalments: tuple[Instalment, ...]
    cleared_on: date  # the date of the last instalment
    weeks_to_clear: int  # the week the last instalment falls in, the start date's week being week 1
    starts_at_once: bool  # clears within ``approval_weeks``: no approval needed
    approval_weeks: int = APPROVAL_WEEKS

    @property
    def needs_approval(self) -> bool:
        """Longer plans go to the income officer to approve."""
        return not self.starts_at_once


@dataclass(frozen=True)
class PlanCheck:
    """How a running plan stands on ``today``."""

    today: date
    due: tuple[Instalment, ...]  # the instalments dated on or before today
    due_pence: int  # their totals, added up
    expected_balance_pence: int  # start balance - due_pence + charges since
    real_balance_pence: int
    kept: bool  # the real balance is at or below the expected balance
    behind_by_pence: int  # real - expected when above it, else 0
    next_instalment: Instalment | None  # the first dated after today; None once cleared or complete
    cleared: bool  # the account is no longer in arrears


def regular_per_period(amount_pence: int, frequency: str, *, charge_frequency: str = "weekly") -> int:
    """A regular charge (per ``charge_frequency``, weekly unless said) as the amount per
    plan period: weekly x 2 fortnightly, x 4 four-weekly, x 52 / 12 monthly, rounded to the
    nearest penny, half up (``balances.convert_charge``, the portal's one conversion)."""
    _check_frequency(frequency)
    return convert_charge(amount_pence, charge_frequency, frequency)


def rent_free_weeks_of(tenancy: Tenancy) -> frozenset[date]:
    """The Mondays of a tenancy's rent-free weeks, as the feed gives them
    (``2026-12-21;2026-12-28``), read by ``balances``' own reader."""
    return frozenset(_rent_free(tenancy))


def _check_frequency(frequency: str) -> None:
    if frequency not in FREQUENCIES:
        raise ValueError(f"{frequency!r} is not a plan frequency ({', '.join(FREQUENCIES)})")


def instalment_date(frequency: str, start_date: date, index: int) -> date:
    """The date of instalment ``index`` (0 for the first): every 7, 14 or 28 days, or
    monthly on the start date's day of the month (the last day of a shorter month)."""
    _check_frequency(frequency)
    if frequency == "monthly":
        return add_months(start_date, index, start_date.day)
    return start_date + timedelta(days=_DAYS_APART[frequency] * index)


def instalment_dates(frequency: str, start_date: date, until: date) -> list[date]:
    """Every instalment date from ``start_date`` up to and including ``until``."""
    dates: list[date] = []
    while (day := instalment_date(frequency, start_date, len(dates))) <= until:
        dates.append(day)
    return dates


def _instalment(terms: PlanTerms, index: int, extra_paid_before: int) -> Instalment:
    """Instalment ``index``, after ``extra_paid_before`` has gone towards the arrears."""
    due_on = instalment_date(terms.frequency, terms.start_date, index)
    next_on = instalment_date(terms.frequency, terms.start_date, index + 1)
    free = sum(1 for monday in terms.rent_free_weeks if due_on <= monday < next_on)
    regular = terms.regular_pence
    if free:
        # "On rent-free weeks you pay only the amount towards your arrears": a week's
        # regular charge off for each rent-free week in the period.
        week = convert_charge(terms.regular_pence, terms.frequency, "weekly")
        regular = max(0, regular - free * week)
    extra = min(terms.extra_pence, max(0, terms.arrears_pence - extra_paid_before))
    return Instalment(index + 1, due_on, regular, extra, free)


def schedule(terms: PlanTerms, *, approval_weeks: int = APPROVAL_WEEKS) -> PlanSchedule:
    """Every instalment up to the one that clears the arrears, the date that is, the week
    it falls in, and whether the plan starts at once (it clears within ``approval_weeks``)
    or needs the income officer's approval. Raises ValueError for terms that could never
    clear (no arrears, nothing extra, an unknown frequency): ``validate_terms`` first."""
    _check_frequency(terms.frequency)
    if terms.arrears_pence <= 0 or terms.extra_pence <= 0:
        raise ValueError("a plan needs arrears and an extra amount more than nothing (validate_terms)")
    count = -(-terms.arrears_pence // terms.extra_pence)  # rounded up: the last pays what is left
    instalments: list[Instalment] = []
    paid = 0
    for index in range(count):
        instalment = _instalment(terms, index, paid)
        paid += instalment.extra_pence
        instalments.append(instalment)
    cleared_on = instalments[-1].due_on
    weeks = (cleared_on - terms.start_date).days // 7 + 1
    return PlanSchedule(terms, tuple(instalments), cleared_on, weeks, weeks <= approval_weeks, approval_weeks)


def validate_terms(
    terms: PlanTerms, *, today: date, minimum_weekly_pence: int, latest_start_days: int = LATEST_START_DAYS
) -> dict[str, str]:
    """What is wrong with a proposed plan, as messages keyed by field (``FIELD_*``); empty
    when nothing is. ``minimum_weekly_pence`` is the landlord's minimum towards the
    arrears each week (from settings), converted to the plan's frequency; an amount that
    clears the arrears in one payment is always enough. The start date may be today or up
    to ``latest_start_days`` ahead."""
    errors: dict[str, str] = {}
    if terms.arrears_pence <= 0:
        errors[FIELD_ARREARS] = "Your account is not in arrears, so there is nothing for a payment plan to pay off"
    frequency_ok = terms.frequency in FREQUENCIES
    if not frequency_ok:
        errors[FIELD_FREQUENCY] = "Select how often you will pay"
    if terms.extra_pence <= 0:
        errors[FIELD_EXTRA] = "Enter an amount more than £0.00 to pay towards your arrears"
    elif frequency_ok:
        minimum = regular_per_period(minimum_weekly_pence, terms.frequency)
        if terms.extra_pence < minimum and terms.extra_pence < terms.arrears_pence:
            per = PER_PERIOD_WORDS[terms.frequency]
            weekly = "" if terms.frequency == "weekly" else f" ({format_pence(minimum_weekly_pence)} a week)"
            errors[FIELD_EXTRA] = (
                f"The amount towards your arrears must be at least {format_pence(minimum)} {per}{weekly}"
            )
    latest = today + timedelta(days=latest_start_days)
    if terms.start_date < today:
        errors[FIELD_START_DATE] = "The start date must be today or in the future"
    elif terms.start_date > latest:
        errors[FIELD_START_DATE] = f"The start date must be the same as or before {uk_date_words(latest)}"
    return errors


def check(
    terms: PlanTerms,
    *,
    today: date,
    charges_since_pence: int,
    real_balance_pence: int,
    overdue_pence: int | None = None,
    grace_days: int = 0,
) -> PlanCheck:
    """How the plan stands on ``today``. Instalments due so far: those dated on or before
    today (after the arrears would have cleared, the regular part alone: the plan is over,
    the rent goes on). Expected balance = the start balance - their totals + the charges
    posted since the start balance (``charges_since_pence``, rent-free weeks posting none).
    Kept when the real balance is at or below it; else behind by the difference.

    Cleared: the account is no longer in arrears. ``overdue_pence`` (``owed.standing``'s,
    the one rule for arrears) decides when given; otherwise the real balance is down to
    what was owed but not overdue when the plan began (nothing, for most accounts)."""
    _check_frequency(terms.frequency)
    due: list[Instalment] = []
    paid = 0
    # An instalment counts as due ``grace_days`` after its date: a payment made on the day
    # can take a few working days to reach the ledger (``owed.GRACE_DAYS``).
    counted_to = today - timedelta(days=grace_days)
    while instalment_date(terms.frequency, terms.start_date, len(due)) <= counted_to:
        instalment = _instalment(terms, len(due), paid)
        paid += instalment.extra_pence
        due.append(instalment)
    due_pence = sum(i.total_pence for i in due)
    expected = terms.start_balance_pence - due_pence + charges_since_pence
    behind = max(0, real_balance_pence - expected)
    if overdue_pence is not None:
        cleared = overdue_pence <= 0
    else:
        cleared = real_balance_pence <= terms.start_balance_pence - terms.arrears_pence
    upcoming = _instalment(terms, len(due), paid)
    next_instalment = upcoming if upcoming.extra_pence > 0 and not cleared else None
    return PlanCheck(
        today=today,
        due=tuple(due),
        due_pence=due_pence,
        expected_balance_pence=expected,
        real_balance_pence=real_balance_pence,
        kept=behind == 0,
        behind_by_pence=behind,
        next_instalment=next_instalment,
        cleared=cleared,
    )


def check_words(plan_check: PlanCheck) -> str:
    """ "You have cleared your arrears", "You are on track" or "You are behind by £12.50"."""
    if plan_check.cleared:
        return "You have cleared your arrears"
    if plan_check.kept:
        return "You are on track"
    return f"You are behind by {format_pence(plan_check.behind_by_pence)}"


def next_instalment_words(plan_check: PlanCheck) -> str:
    """ "Your next payment is £110.00 on 14 December 2026", or "" when there is none."""
    upcoming = plan_check.next_instalment
    if upcoming is None:
        return ""
    return f"Your next payment is {format_pence(upcoming.total_pence)} on {uk_date_words(upcoming.due_on)}"


def schedule_words(plan: PlanSchedule) -> str:
    """When the arrears would be cleared, and whether the plan starts at once: "Your
    arrears of £95.00 would be cleared on 8 February 2027, after 10 weekly payments, in
    10 weeks. The plan can start on 7 December 2026"."""
    terms = plan.terms
    count = len(plan.instalments)
    payments = f"{count} {FREQUENCY_WORDS[terms.frequency]} payment{'s' if count != 1 else ''}"
    weeks = f"{plan.weeks_to_clear} week{'s' if plan.weeks_to_clear != 1 else ''}"
    cleared = (
        f"Your arrears of {format_pence(terms.arrears_pence)} would be cleared on "
        f"{uk_date_words(plan.cleared_on)}, after {payments}, in {weeks}"
    )
    if plan.starts_at_once:
        return f"{cleared}. The plan can start on {uk_date_words(terms.start_date)}"
    return (
        f"{cleared}. Plans that take longer than {plan.approval_weeks} weeks need your income officer "
        f"to agree them, so we will send yours to them"
    )


__all__ = [
    "APPROVAL_WEEKS",
    "FREQUENCIES",
    "LATEST_START_DAYS",
    "Instalment",
    "PlanCheck",
    "PlanSchedule",
    "PlanTerms",
    "check",
    "check_words",
    "instalment_date",
    "instalment_dates",
    "next_instalment_words",
    "regular_per_period",
    "rent_free_weeks_of",
    "schedule",
    "schedule_words",
    "validate_terms",
]
