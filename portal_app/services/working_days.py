"""Working days in England and Wales: the shared calendar that response targets
(``services/requests/targets.py``) and Direct Debit dates (``services/payments/``) count in.

A working day is a Monday to Friday that is not an England and Wales bank holiday nor one of
the landlord's own closures (``settings.bank_holidays_extra``, from ``BANK_HOLIDAYS_EXTRA``).
That is also Bacs's calendar: Bacs does not process on weekends or England and Wales bank
holidays (its "non-processing days", which it publishes in its processing calendar).

Where the bank holidays come from: GOV.UK's list (https://www.gov.uk/bank-holidays, the
"england-and-wales" division of its bank-holidays.json) as bundled in the pinned
``govuk-bank-holidays`` package (Ministry of Justice, MIT licence). The portal reads only that
bundled file, through ``importlib.resources``, and never imports the package's
``BankHolidays`` class, whose constructor downloads the live list unless told not to: so nothing
here can reach the network, at start or later (tests/unit/kernel/test_working_days.py runs it with
sockets blocked and checks that no HTTP library is imported). Substitute days (a holiday that falls
on a weekend moves to a weekday) and one-off holidays (a coronation, a state funeral) are in GOV.UK's
list as the days to observe.

A year the bundled list does not cover yet: GOV.UK publishes a year or two ahead, and version 0.19
of the package lists 2012 to 2028. For a day outside ``known_years()`` only weekends and the
landlord's closures are closed, and the first such day asked about logs a warning once per year;
``coverage_problem(today)`` says so in advance (a start-up or health check can refuse to run, or
warn, when it returns a sentence). To bring in a new year, upgrade the pinned
``govuk-bank-holidays`` in requirements.txt to a release whose bundled list has it (its history
says "Updated cached bank holidays file"); until then the landlord can put the new year's holidays
in ``BANK_HOLIDAYS_EXTRA`` straight away, as for any one-off closure.

No database, no reflex: plain functions over dates and the settings.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from importlib import resources
from typing import Protocol

log = logging.getLogger(__name__)

# The package, the file it bundles (the one its BankHolidays.load_backup_data() reads), and
# GOV.UK's name for the division whose holidays Bacs keeps.
HOLIDAYS_PACKAGE = "govuk_bank_holidays"
HOLIDAYS_FILE = "bank-holidays.json"
DIVISION = "england-and-wales"

# How far ahead coverage_problem() wants the list to reach by default: a Direct Debit
# schedule or a response target set today should not run past it.
COVERAGE_AHEAD_DAYS = 366


class HasClosures(Protocol):
    """What the calendar needs from the settings: the landlord's own closed days."""

    bank_holidays_extra: tuple[date, ...]


@dataclass(frozen=True)
class BankHolidayList:
    """England and Wales bank holidays as bundled, and the years the list covers."""

    days: frozenset[date]
    first_year: int
    last_year: int


@cache
def bundled_list() -> BankHolidayList:
    """Read the bundled GOV.UK list once (a file in the installed package, no network)."""
    text = resources.files(HOLIDAYS_PACKAGE).joinpath(HOLIDAYS_FILE).read_text(encoding="utf-8")
    events = json.loads(text)[DIVISION]["events"]
    days = frozenset(date.fromisoformat(event["date"]) for event in events)
    if not days:  # pragma: no cover - a broken package: stop rather than count every day as open
        raise RuntimeError(f"{HOLIDAYS_PACKAGE}'s {HOLIDAYS_FILE} lists no {DIVISION} bank holidays")
    years = {day.year for day in days}
    return BankHolidayList(days=days, first_year=min(years), last_year=max(years))


def bank_holidays() -> frozenset[date]:
    """Every England and Wales bank holiday the bundled list has (substitute days included)."""
    return bundled_list().days


def known_years() -> tuple[int, int]:
    """The first and last years the bundled list covers, e.g. (2012, 2028)."""
    found = bundled_list()
    return found.first_year, found.last_year


def coverage_problem(today: date, *, ahead_days: int = COVERAGE_AHEAD_DAYS) -> str | None:
    """A sentence for the landlord when the bundled list stops before ``today + ahead_days``
    (None while it reaches that far): the check to run at start-up or in a health check."""
    _first, last = known_years()
    needed = today + timedelta(days=max(ahead_days, 0))
    if needed.year <= last:
        return None
    return (
        f"England and Wales bank holidays are known only to the end of {last}, and dates up to "
        f"{needed.isoformat()} are being worked out: upgrade govuk-bank-holidays in requirements.txt "
        f"to a release that lists {last + 1}, or add that year's bank holidays to BANK_HOLIDAYS_EXTRA."
    )


_WARNED_YEARS: set[int] = set()


def _warn_unknown(year: int) -> None:
    if year in _WARNED_YEARS:
        return
    _WARNED_YEARS.add(year)
    first, last = known_years()
    log.warning(
        "No England and Wales bank holidays are known for %s (the bundled GOV.UK list covers %s to %s): "
        "only weekends and BANK_HOLIDAYS_EXTRA are closed that year. Upgrade govuk-bank-holidays.",
        year,
        first,
        last,
    )


@dataclass(frozen=True)
class Calendar:
    """Working days given a set of closed days (bank holidays and closures; weekends are
    always closed). Build one with ``calendar(settings)``; the methods loop over days."""

    closed: frozenset[date]
    first_year: int = field(default_factory=lambda: bundled_list().first_year)  # the bundled list's years
    last_year: int = field(default_factory=lambda: bundled_list().last_year)

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5:
            return False
        if not self.first_year <= day.year <= self.last_year:
            _warn_unknown(day.year)
        return day not in self.closed

    def add(self, day: date, n: int) -> date:
        """The ``n``th working day after ``day`` (``day`` itself for n <= 0)."""
        left = max(n, 0)
        while left:
            day += timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def between(self, start: date, end: date) -> int:
        """Working days d with ``start < d <= end`` (0 when ``end`` is not after ``start``)."""
        count, day = 0, start + timedelta(days=1)
        while day <= end:
            if self.is_working_day(day):
                count += 1
            day += timedelta(days=1)
        return count

    def on_or_after(self, day: date) -> date:
        """``day`` when it is a working day, else the next working day after it."""
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


def closed_days(settings: HasClosures) -> frozenset[date]:
    """Every day that is not a working day apart from weekends: the bank holidays and the
    landlord's own closures."""
    return _closed(tuple(settings.bank_holidays_extra))


@lru_cache(maxsize=32)
def _closed(extra: tuple[date, ...]) -> frozenset[date]:
    return bank_holidays() | frozenset(extra)


def calendar(settings: HasClosures) -> Calendar:
    return Calendar(closed_days(settings))


def calendar_of(closed: Iterable[date]) -> Calendar:
    """A calendar from closed days already worked out (``closed_days(settings)``)."""
    return Calendar(closed if isinstance(closed, frozenset) else frozenset(closed))


def is_working_day(day: date, settings: HasClosures) -> bool:
    return calendar(settings).is_working_day(day)


def add_working_days(day: date, n: int, settings: HasClosures) -> date:
    """The ``n``th working day after ``day`` (``day`` itself for n <= 0)."""
    return calendar(settings).add(day, n)


def working_days_between(start: date, end: date, settings: HasClosures) -> int:
    """Working days d with ``start < d <= end`` (0 when ``end`` is not after ``start``)."""
    return calendar(settings).between(start, end)


def next_working_day(day: date, settings: HasClosures) -> date:
    """``day`` when it is a working day, else the next one (Bacs moves a collection due on a
    non-processing day to the next processing day, never to the one before)."""
    return calendar(settings).on_or_after(day)


__all__ = [
    "BankHolidayList",
    "Calendar",
    "add_working_days",
    "bank_holidays",
    "bundled_list",
    "calendar",
    "calendar_of",
    "closed_days",
    "coverage_problem",
    "is_working_day",
    "known_years",
    "next_working_day",
    "working_days_between",
]
