"""The shared working-day calendar (services/working_days.py): England and Wales bank holidays
from GOV.UK's list bundled in govuk-bank-holidays, read with no network; weekends and the
landlord's closures; what it says about years the list does not cover yet."""

from __future__ import annotations

import dataclasses
import json
import logging
import subprocess
import sys
from datetime import date

from portal_app.services import working_days
from portal_app.settings import get_settings

SETTINGS = dataclasses.replace(get_settings(), bank_holidays_extra=())

# Run in a fresh interpreter, so nothing another test imported counts: every way out to the
# network is replaced by one that records the attempt and fails, then the calendar is loaded.
_NO_NETWORK = """
import json, socket, sys
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args[:2]))
    raise OSError("network blocked by the test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from portal_app.services import working_days
holidays = working_days.bank_holidays()
print(json.dumps({
    "attempts": attempts,
    "count_2026": len([d for d in holidays if d.year == 2026]),
    "years": working_days.known_years(),
    "http_modules": sorted(
        m for m in sys.modules
        if m.split(".")[0] in ("requests", "urllib3", "httpx", "httpcore")
        or m in ("http.client", "urllib.request", "govuk_bank_holidays.bank_holidays")
    ),
}))
"""


def test_the_bank_holidays_load_from_the_bundled_file_with_no_network_and_no_http_library():
    done = subprocess.run([sys.executable, "-c", _NO_NETWORK], capture_output=True, text=True, timeout=60, check=True)

    found = json.loads(done.stdout)

    assert found["attempts"] == []
    assert found["http_modules"] == []  # not even the package's downloader (BankHolidays) is imported
    assert found["count_2026"] == 8
    assert found["years"][0] <= 2025 and found["years"][1] >= 2028


def test_the_bundled_list_has_the_england_and_wales_days_the_portal_used_to_hard_code_for_2025_to_2028():
    # The table services/requests/targets.py held before (GOV.UK's 2025-2027 list, and 2028
    # worked out by the same rules: Easter 16 April 2028, New Year's Day a Saturday).
    hard_coded = {
        date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 5),
        date(2025, 5, 26), date(2025, 8, 25), date(2025, 12, 25), date(2025, 12, 26),
        date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
        date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
        date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3),
        date(2027, 5, 31), date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
        date(2028, 1, 3), date(2028, 4, 14), date(2028, 4, 17), date(2028, 5, 1),
        date(2028, 5, 29), date(2028, 8, 28), date(2028, 12, 25), date(2028, 12, 26),
    }  # fmt: skip

    assert {d for d in working_days.bank_holidays() if 2025 <= d.year <= 2028} == hard_coded
    # And the one-off days GOV.UK added: the Platinum Jubilee, the Queen's funeral, the coronation.
    assert {date(2022, 6, 3), date(2022, 9, 19), date(2023, 5, 8)} <= working_days.bank_holidays()


def test_a_weekend_a_bank_holiday_and_a_landlord_closure_are_not_working_days():
    closed_on_christmas_eve = dataclasses.replace(SETTINGS, bank_holidays_extra=(date(2026, 12, 24),))

    assert working_days.is_working_day(date(2026, 12, 24), SETTINGS) is True  # Thursday
    assert working_days.is_working_day(date(2026, 12, 24), closed_on_christmas_eve) is False
    assert working_days.is_working_day(date(2026, 12, 25), SETTINGS) is False  # Christmas Day
    assert working_days.is_working_day(date(2026, 12, 26), SETTINGS) is False  # Saturday (Boxing Day)
    assert working_days.is_working_day(date(2026, 12, 28), SETTINGS) is False  # Boxing Day's substitute Monday
    assert working_days.is_working_day(date(2026, 12, 29), SETTINGS) is True


def test_counting_working_days_skips_christmas_the_boxing_day_substitute_and_new_year():
    # From Thursday 24 December 2026: 29, 30, 31 December are working days 1-3; 1 January
    # (New Year's Day) and the weekend are not; Monday 4 January 2027 is the 4th.
    assert working_days.add_working_days(date(2026, 12, 24), 1, SETTINGS) == date(2026, 12, 29)
    assert working_days.add_working_days(date(2026, 12, 24), 4, SETTINGS) == date(2027, 1, 4)
    assert working_days.add_working_days(date(2026, 12, 24), 0, SETTINGS) == date(2026, 12, 24)
    assert working_days.working_days_between(date(2026, 12, 24), date(2027, 1, 4), SETTINGS) == 4
    assert working_days.working_days_between(date(2027, 1, 4), date(2026, 12, 24), SETTINGS) == 0


def test_the_next_working_day_is_the_day_itself_or_a_later_one_never_an_earlier_one():
    assert working_days.next_working_day(date(2026, 12, 29), SETTINGS) == date(2026, 12, 29)
    assert working_days.next_working_day(date(2026, 12, 25), SETTINGS) == date(2026, 12, 29)
    assert working_days.next_working_day(date(2026, 8, 29), SETTINGS) == date(2026, 9, 1)  # Sat, Sun, bank holiday


def test_a_year_past_the_bundled_list_is_reported_ahead_of_time_and_warned_about_once_when_counted(caplog):
    _first, last = working_days.known_years()

    assert working_days.coverage_problem(date(last - 1, 6, 1)) is None  # a year ahead is still covered
    problem = working_days.coverage_problem(date(last, 3, 1))
    assert problem is not None
    assert f"known only to the end of {last}" in problem and "upgrade govuk-bank-holidays" in problem

    uncovered_monday = next(date(last + 1, 5, d) for d in range(1, 8) if date(last + 1, 5, d).weekday() == 0)
    working_days._WARNED_YEARS.discard(last + 1)
    with caplog.at_level(logging.WARNING, logger="portal_app.services.working_days"):
        # The early May bank holiday of an uncovered year is not known: only weekends and closures are.
        assert working_days.is_working_day(uncovered_monday, SETTINGS) is True
        assert working_days.is_working_day(uncovered_monday, SETTINGS) is True
    warnings = [r.getMessage() for r in caplog.records if r.name == "portal_app.services.working_days"]
    assert len(warnings) == 1 and f"No England and Wales bank holidays are known for {last + 1}" in warnings[0]
