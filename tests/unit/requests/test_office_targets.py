"""Response targets in working days (services/requests/targets.py): weekends, England and
Wales bank holidays and the landlord's own closures are not working days; a kind may have
its own target; the settings that say so."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from portal_app.services.requests import targets
from portal_app.settings import load_settings
from tests.unit.requests.steps import SETTINGS

CHRISTMAS_EVE = datetime(2026, 12, 24, 16, 0, tzinfo=UTC)  # Thursday afternoon


def _wait(kind, created, now, settings=SETTINGS, is_open=True, closed_at=None):
    return targets.wait_of(kind, created, now=now, is_open=is_open, closed_at=closed_at, settings=settings)


def test_the_day_a_request_arrives_does_not_count_and_a_weekend_is_not_waited():
    friday = datetime(2026, 11, 20, 16, 0, tzinfo=UTC)

    assert _wait("query", friday, friday).words == "Waited 0 of 10 working days"
    assert _wait("query", friday, datetime(2026, 11, 22, 12, 0, tzinfo=UTC)).waited == 0  # Sunday
    assert _wait("query", friday, datetime(2026, 11, 23, 9, 0, tzinfo=UTC)).words == "Waited 1 of 10 working days"


def test_christmas_bank_holidays_are_not_working_days_and_a_local_closure_can_be_added():
    tuesday = datetime(2026, 12, 29, 10, 0, tzinfo=UTC)  # after Christmas Day (Fri) and Boxing Day's Monday

    wait = _wait("refund", CHRISTMAS_EVE, tuesday)

    assert (wait.waited, wait.words) == (1, "Waited 1 of 10 working days")
    # 29, 30, 31 December, then 4 to 8 and 11 and 12 January: New Year's Day is a bank holiday.
    assert wait.due_on == date(2027, 1, 12) and wait.due_words == "Due by 12 January 2027"
    closed_for_christmas = dataclasses.replace(SETTINGS, bank_holidays_extra=(date(2026, 12, 29),))
    assert _wait("refund", CHRISTMAS_EVE, tuesday, closed_for_christmas).waited == 0


def test_england_and_wales_bank_holidays_are_known_from_2025_to_2028_with_substitute_days():
    assert {d for d in targets.BANK_HOLIDAYS if d.year == 2026} == {
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 5, 4),
        date(2026, 5, 25),
        date(2026, 8, 31),
        date(2026, 12, 25),
        date(2026, 12, 28),
    }
    # and later years, as the package adds them
    assert {d.year for d in targets.BANK_HOLIDAYS} >= {2025, 2026, 2027, 2028}
    assert all(len([d for d in targets.BANK_HOLIDAYS if d.year == y]) == 8 for y in (2025, 2026, 2027, 2028))
    assert all(d.weekday() < 5 for d in targets.BANK_HOLIDAYS)  # a weekend holiday moves to a weekday
    assert date(2028, 1, 3) in targets.BANK_HOLIDAYS and date(2027, 12, 27) in targets.BANK_HOLIDAYS


def test_past_its_target_an_open_request_is_overdue_and_says_by_how_much():
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    on_time = _wait("query", monday, datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    late = _wait("query", monday, datetime(2026, 11, 18, 9, 0, tzinfo=UTC))

    assert (on_time.waited, on_time.overdue, on_time.words) == (10, False, "Waited 10 of 10 working days")
    assert (late.waited, late.overdue) == (12, True)
    assert late.words == "Waited 12 of 10 working days: 2 working days over"
    assert late.due_words == "Overdue: it was due by 16 November 2026"


def test_a_closed_request_stops_waiting_on_the_day_it_closed_and_is_never_overdue():
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    wait = _wait(
        "query",
        monday,
        datetime(2026, 12, 18, tzinfo=UTC),
        is_open=False,
        closed_at=datetime(2026, 11, 5, 15, 0, tzinfo=UTC),
    )

    assert (wait.waited, wait.overdue, wait.words) == (3, False, "Answered in 3 working days (target 10)")


def test_a_kind_can_have_its_own_target_and_every_other_kind_keeps_the_default():
    settings = dataclasses.replace(SETTINGS, request_target_days_by_kind=(("query", 5),))
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    now = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)  # 6 working days later

    assert (targets.target_days("query", settings), targets.target_days("refund", settings)) == (5, 10)
    assert _wait("query", monday, now, settings).overdue is True
    assert _wait("refund", monday, now, settings).overdue is False


def test_the_targets_and_closures_come_from_the_environment_and_a_mistake_stops_the_start(tmp_path):
    base = {"PORTAL_DATA_DIR": str(tmp_path), "SECRET_KEY": "k", "ENCRYPTION_KEY": "e"}

    defaults = load_settings(base)
    chosen = load_settings(
        {
            **base,
            "REQUEST_TARGET_WORKING_DAYS": "7",
            "REQUEST_TARGET_DAYS_BY_KIND": "refund=10, query=5",
            "BANK_HOLIDAYS_EXTRA": "2026-12-24,2026-12-31",
        }
    )

    assert (defaults.request_target_working_days, defaults.request_target_days_by_kind) == (10, ())
    assert defaults.bank_holidays_extra == ()
    assert chosen.request_target_working_days == 7
    assert chosen.request_target_days_by_kind == (("refund", 10), ("query", 5))
    assert chosen.bank_holidays_extra == (date(2026, 12, 24), date(2026, 12, 31))
    with pytest.raises(ValueError, match="REQUEST_TARGET_DAYS_BY_KIND"):
        load_settings({**base, "REQUEST_TARGET_DAYS_BY_KIND": "refund:10"})
    with pytest.raises(ValueError, match="BANK_HOLIDAYS_EXTRA"):
        load_settings({**base, "BANK_HOLIDAYS_EXTRA": "24/12/2026"})


def test_arrived_before_is_the_moment_that_splits_waited_more_than_n_from_the_rest():
    today = date(2026, 12, 29)
    for n in (0, 1, 5, 10):
        cut = targets.arrived_before(today, n, SETTINGS)
        for day in range(1, 29):
            created = datetime(2026, 12, day, 12, 0, tzinfo=UTC)
            waited = _wait("query", created, datetime(2026, 12, 29, 12, 0, tzinfo=UTC)).waited
            assert (created < cut) == (waited > n), (n, day, waited, cut)
