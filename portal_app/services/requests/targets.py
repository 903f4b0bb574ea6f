"""Response targets for residents' requests, counted in working days.

The landlord aims to answer a request within ``REQUEST_TARGET_WORKING_DAYS`` working days
(seed 000: residents otherwise "wait 5-10 working days for a response"), or a kind's own
target from ``REQUEST_TARGET_DAYS_BY_KIND``. A working day is a Monday to Friday that is
not an England and Wales bank holiday nor one of the landlord's own closures
(``BANK_HOLIDAYS_EXTRA``): the shared calendar in ``services/working_days.py``, whose bank
holidays are GOV.UK's list as bundled in the pinned ``govuk-bank-holidays`` package.

How a wait is counted: the day a request arrives (its UK date) is day 0, whatever the
hour; each working day after it, up to and including today, adds one. So a request sent
at 4pm on a Friday has waited 1 working day on Monday, and with a target of 10 it is due
on the 10th working day after it arrived; it is *overdue* from the day after that while it
is still open. A closed request's wait stops on the day it was closed.

Two kinds have targets set in law, not by the landlord, and settings cannot lengthen them:

- complaints (the Housing Ombudsman's statutory Complaint Handling Code, 2024): a stage 1
  complaint is answered within 10 working days and a stage 2 within 20
  (``STATUTORY_TARGETS``); each is acknowledged within 5 working days
  (``COMPLAINT_ACK_WORKING_DAYS``). A landlord may set a shorter target, never a longer one.
- a mutual exchange: the landlord decides within 42 days (calendar days, Housing Act 1985
  Schedule 3 and 14A): ``CALENDAR_TARGETS``, counted in days, not working days.

No database, no reflex: plain functions over dates and the settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from portal_app.clock import uk_date_words, uk_day_in_utc, uk_today
from portal_app.services import working_days
from portal_app.settings import Settings

# England and Wales bank holidays from 2025 on, the years this module's own table used to
# list (its tests still read them here). They now come from GOV.UK's list as bundled in the
# pinned govuk-bank-holidays package, read by services/working_days.py, which also counts the
# earlier years and says what happens past the last year the list has (and how to update it).
# A one-off closure or a new holiday can go in BANK_HOLIDAYS_EXTRA at once.
BANK_HOLIDAYS: frozenset[date] = frozenset(day for day in working_days.bank_holidays() if day.year >= 2025)

# A wait is never counted further back than this (a request forgotten for years still
# shows a number, it just stops growing past it; keeps the loops short).
LONGEST_COUNT_DAYS = 3660

# Targets set in law (see the module's docstring): the kinds' codes as in common.py.
STATUTORY_TARGETS: dict[str, int] = {"complaint": 10, "complaint_stage_2": 20}
COMPLAINT_ACK_WORKING_DAYS = 5
CALENDAR_TARGETS: dict[str, int] = {"mutual_exchange": 42}


def closed_days(settings: Settings) -> frozenset[date]:
    """Every day that is not a working day apart from weekends (services/working_days.py)."""
    return working_days.closed_days(settings)


def is_working_day(day: date, closed: Iterable[date] | frozenset[date]) -> bool:
    return working_days.calendar_of(closed).is_working_day(day)


def working_days_between(start: date, end: date, closed: frozenset[date]) -> int:
    """Working days d with ``start < d <= end`` (0 when ``end`` is not after ``start``)."""
    if end <= start:
        return 0
    start = max(start, end - timedelta(days=LONGEST_COUNT_DAYS))
    return working_days.calendar_of(closed).between(start, end)


def add_working_days(start: date, n: int, closed: frozenset[date]) -> date:
    """The ``n``th working day after ``start`` (``start`` itself for n <= 0)."""
    return working_days.calendar_of(closed).add(start, n)


def target_days(kind: str, settings: Settings) -> int:
    """The response target for a kind of request, in working days (never less than 1); for
    a kind in ``CALENDAR_TARGETS``, in days. A target set in law is never lengthened."""
    own = dict(settings.request_target_days_by_kind)
    if kind in CALENDAR_TARGETS:
        return max(min(own.get(kind, CALENDAR_TARGETS[kind]), CALENDAR_TARGETS[kind]), 1)
    if kind in STATUTORY_TARGETS:
        return max(min(own.get(kind, STATUTORY_TARGETS[kind]), STATUTORY_TARGETS[kind]), 1)
    return max(own.get(kind, settings.request_target_working_days), 1)


def in_calendar_days(kind: str) -> bool:
    """Whether a kind's target counts days rather than working days."""
    return kind in CALENDAR_TARGETS


def due_date(kind: str, arrived: date, settings: Settings) -> date:
    """The last day within a kind's target for a request that arrived on ``arrived`` (UK date)."""
    if in_calendar_days(kind):
        return arrived + timedelta(days=target_days(kind, settings))
    return add_working_days(arrived, target_days(kind, settings), closed_days(settings))


def target_words(kind: str, settings: Settings) -> str:
    """'10 working days'; '42 days' for a kind counted in days."""
    n = target_days(kind, settings)
    if in_calendar_days(kind):
        return "1 day" if n == 1 else f"{n} days"
    return _days(n)


def kinds_with_own_target(settings: Settings) -> dict[str, int]:
    """Kinds counted in working days against a target of their own (set in settings, or in
    law), with it; the kinds counted in days are ``CALENDAR_TARGETS``'s, never here."""
    kinds = {kind for kind, _days in settings.request_target_days_by_kind} | set(STATUTORY_TARGETS)
    return {kind: target_days(kind, settings) for kind in sorted(kinds) if kind not in CALENDAR_TARGETS}


def arrived_before_calendar(today: date, waited_more_than: int) -> datetime:
    """The moment (UTC) before which a request counted in days must have arrived to have
    waited more than ``waited_more_than`` days by ``today``."""
    start, _end = uk_day_in_utc(today - timedelta(days=max(waited_more_than, 0)))
    return start.astimezone(UTC)


@dataclass(frozen=True)
class Wait:
    waited: int  # working days since the request arrived (to today, or to the day it closed)
    target: int  # working days
    due_on: date  # the last working day within the target
    overdue: bool  # still open after its due day
    words: str  # "Waited 3 of 10 working days"
    due_words: str  # "Due by 4 December 2026" / "Overdue since 4 December 2026"


def _days(n: int) -> str:
    return "1 working day" if n == 1 else f"{n} working days"


def wait_of(
    kind: str, created_at: datetime, *, now: datetime, is_open: bool, closed_at: datetime | None, settings: Settings
) -> Wait:
    """How long a request has waited against its target, in words an officer reads at a glance."""
    closed = closed_days(settings)
    target = target_days(kind, settings)
    arrived = uk_today(created_at)
    until = uk_today(now) if is_open or closed_at is None else uk_today(closed_at)
    calendar = in_calendar_days(kind)
    if calendar:
        waited = max((until - arrived).days, 0)
        due = arrived + timedelta(days=target)
        unit = lambda n: "1 day" if n == 1 else f"{n} days"  # noqa: E731
    else:
        waited = working_days_between(arrived, until, closed)
        due = add_working_days(arrived, target, closed)
        unit = _days
    overdue = is_open and waited > target
    if not is_open:
        words = f"Answered in {unit(waited)} (target {target})"
        due_words = ""
    elif overdue:
        late = waited - target
        words = f"Waited {waited} of {unit(target)}: {unit(late)} over"
        due_words = f"Overdue: it was due by {uk_date_words(due)}"
    else:
        words = f"Waited {waited} of {unit(target)}"
        due_words = f"Due by {uk_date_words(due)}"
    return Wait(waited, target, due, overdue, words, due_words)


def arrived_before(today: date, waited_more_than: int, settings: Settings) -> datetime:
    """The moment (UTC) before which a request must have arrived to have waited more than
    ``waited_more_than`` working days by ``today``: the start of the UK day that is the
    (n+1)th working day counting back from today (today included, when it is one).

    A request that arrived on day A has waited more than n days exactly when
    n+1 working days lie in (A, today], that is when A is before that (n+1)th day back."""
    closed_set = closed_days(settings)
    need = max(waited_more_than, 0) + 1
    day = today
    floor = today - timedelta(days=LONGEST_COUNT_DAYS)
    while True:
        if is_working_day(day, closed_set):
            need -= 1
            if need == 0:
                break
        if day <= floor:
            break
        day -= timedelta(days=1)
    start, _end = uk_day_in_utc(day)
    return start.astimezone(UTC)


__all__ = [
    "BANK_HOLIDAYS",
    "CALENDAR_TARGETS",
    "COMPLAINT_ACK_WORKING_DAYS",
    "STATUTORY_TARGETS",
    "due_date",
    "in_calendar_days",
    "target_words",
    "Wait",
    "add_working_days",
    "arrived_before",
    "arrived_before_calendar",
    "closed_days",
    "is_working_day",
    "kinds_with_own_target",
    "target_days",
    "wait_of",
    "working_days_between",
]
