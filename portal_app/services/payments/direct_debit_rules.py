"""The sums and dates of a resident's Direct Debit: how much each collection is, when the
first one can be taken, the dates after it, and what the advance notice must tell them.

The rules (Pay.UK's Bacs Direct Debit scheme, as landlords apply it):

- Amounts, integer pence. From a weekly charge w: weekly w, fortnightly 2w, four-weekly 4w,
  monthly w x 52 / 12. From a monthly charge m the other way: weekly m x 12 / 52, fortnightly
  m x 12 / 26, four-weekly m x 12 / 13. Rounded to the nearest penny, a half penny up (away
  from zero), through the portal's one conversion (``balances.convert_charge``, the same
  x 52 / 12 a payment plan and Universal Credit use). Between these frequencies the division is
  by 3 or by 13, so a half never happens: it is always the nearer penny.
  What the rounding costs in a year, in words (``drift_per_year``): monthly from weekly is
  w x 13 / 3, so a month is at most a third of a penny out and a year of monthly collections at
  most 4p away from 52 weeks' charge: exact when w divides by 3, 4p short when it leaves 1
  (£100.00 a week is £433.33 a month, £5,199.96 a year against £5,200.00), 4p over when it
  leaves 2. Weekly from monthly is m x 3 / 13, at most 6/13 of a penny a week out, so at most
  24p a year; fortnightly at most 12p a year; four-weekly at most 6p a year. The landlord
  recalculates the amount whenever the charge changes (each April) and for a 53-week rent year,
  so the drift does not build up past a year, and the rent account's balance shows the pennies.
  No quarterly option: social rent is charged weekly, and a quarter's rent in one collection is
  more than most residents can have in their account on one day; the payment plans and the rent
  feed offer the same four frequencies. (A leaseholder's service charge collected quarterly would
  need its own amount from the service charge year, not a conversion of a weekly charge.)
- The first collection: at least ``NOTICE_WORKING_DAYS`` (10) working days after the day the
  instruction is made. The Direct Debit Guarantee every payer is given says the organisation
  will notify them "10 working days in advance of your account being debited or as otherwise
  agreed", and landlords and councils allow those 10 working days between setting up the
  instruction and the first collection (which also covers lodging the instruction through Bacs's
  AUDDIS, three working days on the Bacs cycle). A shorter agreed period can be passed in.
- The collection day: one of the days of the month the landlord offers (a setting such as
  1, 8, 15, 22, 28; at most 28, so every month has it), chosen by the resident. The first
  collection is the chosen day in the first month where, once moved to a working day, it falls
  on or after the earliest date; when this month's is too soon, next month's is used.
- A collection due on a weekend or an England and Wales bank holiday is taken on the next
  working day, never the one before: Bacs does not process on those days (its "non-processing
  days") and Direct Debits due then are collected on the next processing day (for example, Bacs
  moved collections due on the 19 September 2022 bank holiday for the state funeral to the 20th).
  The working days are ``services/working_days.py``'s: the landlord's ``BANK_HOLIDAYS_EXTRA``
  count too, since that is where a newly announced bank holiday goes before the package lists
  it (an office closure there only moves a collection a day later, never earlier).
- The dates after the first: monthly on the chosen day of each month; weekly, fortnightly and
  four-weekly every 7, 14 or 28 days from the first *due* date. Each date is moved to a working
  day on its own, from the schedule, so one moved collection does not shift the rest.
- The advance notice (Bacs's scheme rules: before the first collection, and again whenever the
  amount, date or frequency changes) must give the amount, the due date and the frequency: an
  ``AdvanceNotice`` carries those for the email and the page.

Pure functions over dates, settings and integer pence: no database, no reflex.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from portal_app.clock import uk_date_words
from portal_app.services import working_days
from portal_app.services.accounts.balances import PER_YEAR, convert_charge
from portal_app.services.money import format_pence
from portal_app.services.working_days import HasClosures

# How often a Direct Debit can be collected: the rent feed's frequencies (and the payment plans').
FREQUENCIES = ("weekly", "fortnightly", "four_weekly", "monthly")
_DAYS_APART = {"weekly": 7, "fortnightly": 14, "four_weekly": 28}
FREQUENCY_WORDS = {
    "weekly": "every week",
    "fortnightly": "every 2 weeks",
    "four_weekly": "every 4 weeks",
    "monthly": "every month",
}

# The Direct Debit Guarantee's advance notice: 10 working days unless otherwise agreed.
NOTICE_WORKING_DAYS = 10
LATEST_COLLECTION_DAY = 28  # every month has a 28th


def _frequency(frequency: str) -> str:
    if frequency not in FREQUENCIES:
        raise ValueError(f"unknown Direct Debit frequency {frequency!r} (one of {', '.join(FREQUENCIES)})")
    return frequency


def collection_amount(charge_pence: int, charge_frequency: str, frequency: str) -> int:
    """Each collection, in pence, for a charge of ``charge_pence`` per ``charge_frequency``
    ("weekly" or "monthly", or any of ``FREQUENCIES``), collected ``frequency``. Rounded to the
    nearest penny, a half penny up (see the module's docstring for what that costs a year)."""
    if charge_pence < 0:
        raise ValueError("a Direct Debit collects a charge, never a credit")
    return convert_charge(charge_pence, _frequency(charge_frequency), _frequency(frequency))


def from_weekly(weekly_pence: int, frequency: str) -> int:
    """Weekly w: weekly w, fortnightly 2w, four-weekly 4w, monthly w x 52 / 12."""
    return collection_amount(weekly_pence, "weekly", frequency)


def from_monthly(monthly_pence: int, frequency: str) -> int:
    """Monthly m: monthly m, weekly m x 12 / 52, fortnightly m x 12 / 26, four-weekly m x 12 / 13."""
    return collection_amount(monthly_pence, "monthly", frequency)


def drift_per_year(charge_pence: int, charge_frequency: str, frequency: str) -> int:
    """How many pence a year of collections comes to over (+) or under (-) a year of the
    charge: the rounding's cost (52 weeks, 26 fortnights, 13 four-weeks, 12 months a year)."""
    year = PER_YEAR[_frequency(frequency)] * collection_amount(charge_pence, charge_frequency, frequency)
    return year - PER_YEAR[_frequency(charge_frequency)] * charge_pence


def check_collection_days(days: Iterable[int]) -> tuple[int, ...]:
    """The landlord's collection days of the month, sorted, each 1 to 28 (a setting: a
    mistake stops the start, as ValueError)."""
    found = tuple(sorted(set(days)))
    if not found:
        raise ValueError("at least one Direct Debit collection day of the month is needed")
    wrong = [d for d in found if not 1 <= d <= LATEST_COLLECTION_DAY]
    if wrong:
        raise ValueError(
            f"Direct Debit collection days must be 1 to {LATEST_COLLECTION_DAY} (every month has them): {wrong}"
        )
    return found


def collection_day_problem(day: int | None, allowed_days: Iterable[int]) -> str | None:
    """A message for the resident when their choice is not one of the landlord's days."""
    allowed = check_collection_days(allowed_days)
    if day is None:
        return "Select the day of the month for your payments"
    if day not in allowed:
        return "Select one of the days of the month shown"
    return None


@dataclass(frozen=True)
class Collection:
    due_on: date  # the date on the schedule (the chosen day of the month, or every 7/14/28 days)
    collected_on: date  # the working day the money is taken: due_on, or the next working day


def earliest_first_collection(
    made_on: date, settings: HasClosures, *, notice_working_days: int = NOTICE_WORKING_DAYS
) -> date:
    """The first day a first collection may be taken: the ``notice_working_days``th working
    day after the day the instruction was made (that day itself does not count)."""
    return working_days.add_working_days(made_on, notice_working_days, settings)


def _month_day(year: int, month: int, day: int) -> date:
    index = year * 12 + (month - 1)
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, day)


def first_collection(
    made_on: date,
    collection_day: int,
    allowed_days: Iterable[int],
    settings: HasClosures,
    *,
    notice_working_days: int = NOTICE_WORKING_DAYS,
) -> Collection:
    """The first collection for an instruction made on ``made_on`` (its UK date) with the
    resident's ``collection_day`` of the month: this month's, or the next month whose, once
    moved to a working day, is at least the notice period away."""
    problem = collection_day_problem(collection_day, allowed_days)
    if problem:
        raise ValueError(f"collection day {collection_day!r}: {problem}")
    earliest = earliest_first_collection(made_on, settings, notice_working_days=notice_working_days)
    calendar = working_days.calendar(settings)
    for months_on in range(0, 14):  # the notice period is days, so a month or two at most
        due = _month_day(made_on.year, made_on.month + months_on, collection_day)
        collected = calendar.on_or_after(due)
        if collected >= earliest:
            return Collection(due, collected)
    raise AssertionError("unreachable: a month ahead is always far enough")  # pragma: no cover


def collections(first: Collection, frequency: str, count: int, settings: HasClosures) -> list[Collection]:
    """The first ``count`` collections from ``first`` on (``first`` included), each moved to
    a working day from its own due date."""
    calendar = working_days.calendar(settings)
    found: list[Collection] = []
    for n in range(max(count, 0)):
        if _frequency(frequency) == "monthly":
            due = _month_day(first.due_on.year, first.due_on.month + n, first.due_on.day)
        else:
            due = first.due_on + timedelta(days=_DAYS_APART[frequency] * n)
        found.append(Collection(due, calendar.on_or_after(due)))
    return found


@dataclass(frozen=True)
class AdvanceNotice:
    """What the advance notice tells the payer (Bacs scheme rules: the amount, the due date,
    the frequency), for the email and the page to word."""

    amount_pence: int
    frequency: str  # one of FREQUENCIES
    first_collection: Collection
    later_collections: tuple[Collection, ...]  # the next few, to show the pattern
    notice_working_days: int

    @property
    def amount_words(self) -> str:  # "£433.33"
        return format_pence(self.amount_pence)

    @property
    def frequency_words(self) -> str:  # "every month"
        return FREQUENCY_WORDS[self.frequency]

    @property
    def first_date_words(self) -> str:  # "28 January 2027"
        return uk_date_words(self.first_collection.collected_on)

    @property
    def summary(self) -> str:  # "£433.33 every month, first on 28 January 2027"
        return f"{self.amount_words} {self.frequency_words}, first on {self.first_date_words}"


def advance_notice(
    amount_pence: int,
    frequency: str,
    first: Collection,
    settings: HasClosures,
    *,
    later: int = 2,
    notice_working_days: int = NOTICE_WORKING_DAYS,
) -> AdvanceNotice:
    following = collections(first, frequency, later + 1, settings)[1:]
    return AdvanceNotice(amount_pence, _frequency(frequency), first, tuple(following), notice_working_days)


__all__ = [
    "FREQUENCIES",
    "FREQUENCY_WORDS",
    "NOTICE_WORKING_DAYS",
    "AdvanceNotice",
    "Collection",
    "advance_notice",
    "check_collection_days",
    "collection_amount",
    "collection_day_problem",
    "collections",
    "drift_per_year",
    "earliest_first_collection",
    "first_collection",
    "from_monthly",
    "from_weekly",
]
