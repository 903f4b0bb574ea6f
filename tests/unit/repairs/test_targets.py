"""Repairs' deadlines on hand-worked examples (services/repairs/targets.py): each priority's
target and each of Awaab's Law's steps, counted in working days across Christmas 2026's
bank holidays (Friday 25 and Monday 28 December, Boxing Day's substitute; Friday 1 January
2027) and weekends, an emergency's 24 hours across the clocks going forward, and the Right to
Repair's two periods and compensation. No database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from portal_app.services.repairs import targets
from portal_app.settings import load_settings

SETTINGS = load_settings({})
# Friday 18 December 2026, 4pm: the report.
FRIDAY_BEFORE_CHRISTMAS = datetime(2026, 12, 18, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("priority", "words"),
    [
        # 21, 22, 23, 24 December; 25 and 28 are bank holidays; the 5th is Tuesday 29.
        ("urgent", "Tuesday 29 December 2026"),
        # 21-24, 29-31 December (7), 1 January a holiday, 4-8 (12), 11-15 (17), 18-20 January (20).
        ("routine", "Wednesday 20 January 2027"),
        # 40 working days after 20 January, none of them a holiday: Wednesday 17 March.
        ("planned", "Wednesday 17 March 2027"),
    ],
)
def test_each_prioritys_target_is_counted_in_working_days_over_christmas(priority, words):
    due = targets.priority_target(priority, FRIDAY_BEFORE_CHRISTMAS, SETTINGS)
    assert due.words == words
    # Late from the first moment of the next UK day, not before.
    assert not due.late(datetime.combine(due.last_day, datetime.max.time(), tzinfo=UTC).replace(hour=23, minute=59))
    assert due.late(due.at)


def test_the_day_of_the_report_is_day_nought_whatever_the_hour():
    early = targets.priority_target("urgent", datetime(2026, 12, 18, 0, 5, tzinfo=UTC), SETTINGS)
    late = targets.priority_target("urgent", datetime(2026, 12, 18, 23, 55, tzinfo=UTC), SETTINGS)
    assert early.words == late.words == "Tuesday 29 December 2026"


def test_an_emergency_is_twenty_four_hours_even_over_a_weekend_and_when_the_clocks_go_forward():
    saturday_night = targets.priority_target("emergency", datetime(2026, 12, 26, 22, 30, tzinfo=UTC), SETTINGS)
    assert saturday_night.words == "22:30 on Sunday 27 December 2026"
    # Saturday 27 March 2027 at noon (GMT); the clocks go forward at 1am on Sunday 28 March.
    spring = targets.priority_target("emergency", datetime(2027, 3, 27, 12, 0, tzinfo=UTC), SETTINGS)
    assert spring.at == datetime(2027, 3, 28, 12, 0, tzinfo=UTC)
    assert spring.words == "13:00 on Sunday 28 March 2027"


def test_the_landlords_own_targets_come_from_the_settings():
    mine = load_settings({"REPAIR_TARGET_WORKING_DAYS": "urgent:3,routine:28,planned:90"})
    assert targets.priority_target("urgent", FRIDAY_BEFORE_CHRISTMAS, mine).words == "Wednesday 23 December 2026"
    for bad in ("urgent:3", "urgent:x,routine:20,planned:60", "soon:3,urgent:3,routine:20,planned:60"):
        with pytest.raises(ValueError, match="REPAIR_TARGET_WORKING_DAYS"):
            load_settings({"REPAIR_TARGET_WORKING_DAYS": bad})


def test_awaabs_law_investigate_within_ten_working_days_then_summary_in_three_and_safety_work_in_five():
    first = targets.awaab_on_report(FRIDAY_BEFORE_CHRISTMAS, SETTINGS)
    # 21-24 (4), 29-31 December (7), 4, 5, 6 January (10).
    assert first.investigate.words == "Wednesday 6 January 2027"
    assert first.summary is None and first.safety is None  # not until the investigation is done

    investigated = datetime(2027, 1, 5, 15, 0, tzinfo=UTC)
    after = targets.awaab_after_investigation(FRIDAY_BEFORE_CHRISTMAS, investigated, SETTINGS)
    assert after.investigate == first.investigate
    assert after.summary.words == "Friday 8 January 2027"  # 6, 7, 8 January
    assert after.safety.words == "Tuesday 12 January 2027"  # 6, 7, 8, 11, 12 January


def test_an_emergency_hazard_under_awaabs_law_is_investigated_and_made_safe_within_twenty_four_hours():
    due = targets.awaab_on_report(datetime(2026, 12, 24, 18, 0, tzinfo=UTC), SETTINGS, emergency=True)
    assert due.investigate.words == "18:00 on Friday 25 December 2026"


def test_the_right_to_repair_gives_a_second_period_then_ten_pounds_and_two_a_day_up_to_fifty():
    reported = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)  # Thursday 24 December, a 1-day repair

    def at(now, completed=None):
        return targets.right_to_repair(1, reported, now=now, completed_at=completed, settings=SETTINGS)

    on_time = at(datetime(2026, 12, 29, 17, 0, tzinfo=UTC))
    # The next working day is Tuesday 29 (25 and 28 are holidays); the second period is Wednesday 30.
    assert on_time.first.words == "Tuesday 29 December 2026" and on_time.second.words == "Wednesday 30 December 2026"
    assert (on_time.missed, on_time.compensation_pence, on_time.due) == (0, 0, on_time.first)

    once = at(datetime(2026, 12, 30, 9, 0, tzinfo=UTC))
    assert (once.missed, once.compensation_pence, once.due) == (1, 0, once.second)

    assert at(datetime(2026, 12, 31, 9, 0, tzinfo=UTC)).compensation_pence == 1200  # £10 + 1 day
    assert at(datetime(2027, 1, 2, 9, 0, tzinfo=UTC)).compensation_pence == 1600  # £10 + 3 days
    assert at(datetime(2027, 1, 30, 9, 0, tzinfo=UTC)).compensation_pence == 5000  # at most £50
    # Done on time: nothing due, however long ago.
    done = at(datetime(2027, 3, 1, tzinfo=UTC), completed=datetime(2026, 12, 29, 12, 0, tzinfo=UTC))
    assert (done.missed, done.compensation_pence) == (0, 0)


def test_a_seven_day_right_to_repair_period_counts_working_days_for_both_contractors():
    due = targets.right_to_repair(
        7,
        datetime(2026, 12, 14, 9, 0, tzinfo=UTC),
        now=datetime(2026, 12, 14, 9, 0, tzinfo=UTC),
        completed_at=None,
        settings=SETTINGS,
    )
    assert due.first.words == "Wednesday 23 December 2026"  # 15-18, 21-23
    assert due.second.words == "Wednesday 6 January 2027"  # from 24 December: 24, 29-31, 4-6 January
    with pytest.raises(ValueError):
        targets.right_to_repair(
            2,
            datetime(2026, 12, 14, tzinfo=UTC),
            now=datetime(2026, 12, 14, tzinfo=UTC),
            completed_at=None,
            settings=SETTINGS,
        )
