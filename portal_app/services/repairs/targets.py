"""When a repair must be done by: the landlord's targets for each priority, Awaab's Law's
deadlines, and the Right to Repair's periods and compensation.

**How days are counted** (as ``services/requests/targets.py`` counts a request's wait):
the day a repair is reported (its UK date) is day 0, whatever the hour; the target is the
end of the nth working day after it (a Monday to Friday that is not an England and Wales
bank holiday nor one of the landlord's closures, ``services/working_days.py``). So a
routine repair reported at 4pm on a Friday with a target of 20 working days is due by the
end of the 20th working day after that Friday. A deadline is stored as the UTC instant the
UK day after it begins (``due``'s ``at``), so "late" is simply "now is at or after it".
An emergency is counted in hours, not days: 24 hours from the report.

**The landlord's targets** (``REPAIR_TARGET_WORKING_DAYS``, by priority): emergency
24 hours, urgent 5, routine 20 and planned 60 working days by default (the landlord's
repairs policy sets them; these are common in England).

**Awaab's Law** (the Hazards in Social Housing (Prescribed Requirements) (England)
Regulations 2025, in force from 27 October 2025 for damp and mould, and for emergency
hazards of every kind): for damp and mould the landlord must

1. investigate within 10 working days of becoming aware of it (the day reported is day 0);
2. give the resident a written summary of the findings within 3 working days of the
   investigation concluding;
3. where the investigation finds a significant hazard, start the relevant safety work
   within 5 working days of the investigation concluding;

and for an emergency hazard investigate and make safe within 24 hours. The two later
deadlines exist only once the investigation is recorded (``awaab_after_investigation``).

**The Right to Repair** (the Secure Tenants of Local Housing Authorities (Right to Repair)
Regulations 1994, for secure tenants of a council, ``RIGHT_TO_REPAIR``): a qualifying
repair has a prescribed period of 1, 3 or 7 working days (the triage tree's leaf says which).
When the first contractor misses it the tenant may ask for a second, who has the same
period again, from the working day after the first was missed; when the second misses it
too the council pays compensation: £10 plus £2 for each day the repair stays undone after
that, up to £50 (``RIGHT_TO_REPAIR_COMPENSATION``: the three figures in pence, which the
Regulations set and Parliament may change). A day here is a calendar day.

No database, no reflex: plain functions over times and the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from portal_app.clock import to_uk, uk_date_words, uk_day_in_utc
from portal_app.services import working_days

EMERGENCY, URGENT, ROUTINE, PLANNED = "emergency", "urgent", "routine", "planned"
PRIORITIES = (EMERGENCY, URGENT, ROUTINE, PLANNED)
PRIORITY_WORDS = {EMERGENCY: "Emergency", URGENT: "Urgent", ROUTINE: "Routine", PLANNED: "Planned work"}
EMERGENCY_HOURS = 24

# Awaab's Law, in working days (the Regulations' own numbers: not settings).
AWAAB_INVESTIGATE_DAYS = 10
AWAAB_SUMMARY_DAYS = 3
AWAAB_SAFETY_DAYS = 5
RIGHT_TO_REPAIR_PERIODS = (1, 3, 7)


@dataclass(frozen=True)
class Due:
    """A deadline: ``at`` is the UTC instant it has passed (the start of the UK day after
    the last day allowed, or for an emergency the 24th hour); ``words`` say it to a resident."""

    at: datetime
    words: str  # "Friday 12 December 2026", or "10:42 on Friday 4 December 2026"
    last_day: date  # the UK day it falls on

    def late(self, now: datetime) -> bool:
        return _aware(now) >= self.at


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def day_words(day: date) -> str:
    """'Friday 12 December 2026'."""
    return f"{day:%A} {uk_date_words(day)}"


def _end_of(day: date) -> Due:
    return Due(at=uk_day_in_utc(day)[1], words=day_words(day), last_day=day)


def after_working_days(moment: datetime, n: int, settings) -> Due:
    """The end of the nth working day after ``moment``'s UK day (that day is day 0)."""
    start = to_uk(_aware(moment)).date()
    return _end_of(working_days.add_working_days(start, n, settings))


def after_hours(moment: datetime, hours: int) -> Due:
    at = _aware(moment).astimezone(UTC) + timedelta(hours=hours)
    local = to_uk(at)
    return Due(at=at, words=f"{local:%H:%M} on {day_words(local.date())}", last_day=local.date())


def priority_target(priority: str, reported_at: datetime, settings) -> Due:
    """When a repair of ``priority`` reported at ``reported_at`` should be fixed by."""
    if priority == EMERGENCY:
        return after_hours(reported_at, EMERGENCY_HOURS)
    days = dict(settings.repair_target_working_days).get(priority)
    if days is None:
        raise ValueError(f"no target for priority {priority!r}")
    return after_working_days(reported_at, days, settings)


@dataclass(frozen=True)
class AwaabDeadlines:
    investigate: Due
    summary: Due | None = None  # once investigated
    safety: Due | None = None  # once investigated (when a significant hazard was found)


def awaab_on_report(reported_at: datetime, settings, *, emergency: bool = False) -> AwaabDeadlines:
    """The first deadline: investigate (damp and mould: 10 working days; an emergency
    hazard: investigate and make safe within 24 hours)."""
    if emergency:
        return AwaabDeadlines(investigate=after_hours(reported_at, EMERGENCY_HOURS))
    return AwaabDeadlines(investigate=after_working_days(reported_at, AWAAB_INVESTIGATE_DAYS, settings))


def awaab_after_investigation(reported_at: datetime, investigated_at: datetime, settings) -> AwaabDeadlines:
    """All three, once the investigation has concluded at ``investigated_at``."""
    first = awaab_on_report(reported_at, settings)
    return AwaabDeadlines(
        investigate=first.investigate,
        summary=after_working_days(investigated_at, AWAAB_SUMMARY_DAYS, settings),
        safety=after_working_days(investigated_at, AWAAB_SAFETY_DAYS, settings),
    )


@dataclass(frozen=True)
class RightToRepair:
    period_days: int
    first: Due  # the first contractor's deadline
    second: Due  # the second contractor's, from the working day after the first was missed
    missed: int  # 0, 1 or 2 deadlines passed with the repair not done
    compensation_pence: int  # due once both are missed: base + per day, capped

    @property
    def due(self) -> Due:
        """The deadline that applies now: the second once the first is missed."""
        return self.second if self.missed >= 1 else self.first


def right_to_repair(
    period_days: int, reported_at: datetime, *, now: datetime, completed_at: datetime | None, settings
) -> RightToRepair:
    """Where a qualifying repair stands under the Right to Repair at ``now`` (or when it
    was completed, if it was)."""
    if period_days not in RIGHT_TO_REPAIR_PERIODS:
        raise ValueError(f"a Right to Repair period is 1, 3 or 7 working days, not {period_days!r}")
    first = after_working_days(reported_at, period_days, settings)
    # The second contractor's period starts on the first working day after the first deadline's day.
    second_start = working_days.next_working_day(first.last_day + timedelta(days=1), settings)
    second = _end_of(working_days.add_working_days(second_start, period_days - 1, settings))
    until = _aware(completed_at) if completed_at is not None else _aware(now)
    missed = (until >= first.at) + (until >= second.at)
    compensation = 0
    if missed == 2:
        base, per_day, cap = settings.right_to_repair_compensation
        days_late = (to_uk(until).date() - second.last_day).days
        compensation = min(base + per_day * max(days_late, 0), cap)
    return RightToRepair(period_days, first, second, missed, compensation)


__all__ = [
    "AWAAB_INVESTIGATE_DAYS",
    "AWAAB_SAFETY_DAYS",
    "AWAAB_SUMMARY_DAYS",
    "AwaabDeadlines",
    "Due",
    "EMERGENCY",
    "PLANNED",
    "PRIORITIES",
    "PRIORITY_WORDS",
    "RIGHT_TO_REPAIR_PERIODS",
    "ROUTINE",
    "RightToRepair",
    "URGENT",
    "after_hours",
    "after_working_days",
    "awaab_after_investigation",
    "awaab_on_report",
    "day_words",
    "priority_target",
    "right_to_repair",
]
