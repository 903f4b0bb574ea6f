"""Time, in one place. Timestamps are timezone-aware UTC (sqlmodel's UTCDateTime stores them so);
residents see UK dates and times."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """Now, as an aware UTC datetime (what the database stores)."""
    return datetime.now(UTC)


def uk_today(now: datetime | None = None) -> date:
    return to_uk(now or utcnow()).date()


def uk_day_in_utc(day: date) -> tuple[datetime, datetime]:
    """The UK day ``day`` as UTC instants [start, end): 23:00 the evening before to 23:00 in
    British Summer Time, midnight to midnight in winter (23 or 25 hours on the change days)."""
    start = datetime.combine(day, time.min, tzinfo=UK).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=UK).astimezone(UTC)
    return start, end


def to_uk(moment: datetime) -> datetime:
    """A UTC timestamp (aware, or naive meaning UTC) as UK local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UK)


def uk_time_words(moment: datetime) -> str:
    """'10:42 on 22 November 2026' in UK time."""
    local = to_uk(moment)
    return f"{local:%H:%M} on {local.day} {local:%B %Y}"


def uk_date_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"
