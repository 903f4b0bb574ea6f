"""Direct Debit amounts and dates (services/payments/direct_debit_rules.py): each frequency's
amount from a weekly or monthly charge, the first collection at least 10 working days after
the instruction on the resident's day of the month, moved past weekends and bank holidays,
the dates after it, and the advance notice's facts.

Every expected date is worked by hand in the comment beside it, from the 2026-2027 calendar:
Christmas Day Friday 25 December 2026, Boxing Day Saturday 26 December so its substitute is
Monday 28 December, New Year's Day Friday 1 January 2027, Good Friday 26 March 2027 and
Easter Monday 29 March 2027."""

from __future__ import annotations

import dataclasses
from datetime import date
from fractions import Fraction

import pytest

from portal_app.services.payments import direct_debit_rules as dd
from portal_app.services.payments.direct_debit_rules import Collection
from portal_app.settings import get_settings

SETTINGS = dataclasses.replace(get_settings(), bank_holidays_extra=())
DAYS = (1, 8, 15, 22, 28)  # the landlord's collection days of the month (a setting)


# Amounts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "weekly, frequency, expected",
    [
        (10000, "weekly", 10000),
        (10000, "fortnightly", 20000),  # 2 x £100.00
        (10000, "four_weekly", 40000),  # 4 x £100.00
        (10000, "monthly", 43333),  # 10000 x 52 / 12 = 43333.33, down to £433.33
        (11369, "monthly", 49266),  # 11369 x 52 / 12 = 591188 / 12 = 49265.67, up to £492.66
        (9001, "monthly", 39004),  # 9001 x 52 / 12 = 468052 / 12 = 39004.33, down
        (0, "monthly", 0),
    ],
)
def test_a_weekly_charge_is_collected_as_two_or_four_weeks_or_52_twelfths_a_month(weekly, frequency, expected):
    assert dd.from_weekly(weekly, frequency) == expected
    assert dd.collection_amount(weekly, "weekly", frequency) == expected


@pytest.mark.parametrize(
    "monthly, frequency, expected",
    [
        (43333, "monthly", 43333),
        (43333, "weekly", 10000),  # 43333 x 12 / 52 = 519996 / 52 = 9999.92, up to £100.00
        (43333, "fortnightly", 20000),  # 519996 / 26 = 19999.85, up
        (43333, "four_weekly", 40000),  # 519996 / 13 = 39999.69, up
        (50000, "weekly", 11538),  # 600000 / 52 = 11538.46, down
        (50000, "fortnightly", 23077),  # 600000 / 26 = 23076.92, up
        (50000, "four_weekly", 46154),  # 600000 / 13 = 46153.85, up
        (13, "weekly", 3),  # 156 / 52 = 3 exactly
    ],
)
def test_a_monthly_charge_is_collected_as_its_twelve_months_spread_over_the_weeks(monthly, frequency, expected):
    assert dd.from_monthly(monthly, frequency) == expected


def test_every_amount_is_rounded_to_the_nearer_penny_and_none_ever_lands_on_a_half():
    # Between these frequencies the division is by 3 (x 52 / 12 = x 13 / 3) or by 13
    # (x 12 / 52 = x 3 / 13, x 6 / 13, x 12 / 13), both odd, so a half penny cannot happen:
    # "half up" never has to choose, and every amount is the nearer penny.
    for pence in range(0, 3000):
        for frequency in dd.FREQUENCIES:
            for charge_frequency, per_year in (("weekly", 52), ("monthly", 12)):
                to_year = {"weekly": 52, "fortnightly": 26, "four_weekly": 13, "monthly": 12}[frequency]
                exact = Fraction(pence * per_year, to_year)
                got = dd.collection_amount(pence, charge_frequency, frequency)
                assert abs(got - exact) < Fraction(1, 2), (pence, charge_frequency, frequency)
    assert dd.from_monthly(1, "four_weekly") == 1  # 12 / 13 = 0.92p: up to 1p
    assert dd.from_monthly(1, "weekly") == 0  # 12 / 52 = 0.23p: down to nothing


def test_a_year_of_collections_drifts_from_a_year_of_charge_by_a_few_pence_at_most():
    # £100.00 a week (10000, which leaves 1 divided by 3): £433.33 x 12 = £5,199.96, 4p short of 52 weeks.
    assert dd.drift_per_year(10000, "weekly", "monthly") == -4
    # 10001 leaves 2: 10001 x 52 / 12 = 43337.67, up to 43338; x 12 = 520056 against 520052: 4p over.
    assert dd.drift_per_year(10001, "weekly", "monthly") == 4
    assert dd.drift_per_year(10002, "weekly", "monthly") == 0  # divides by 3: exact
    # £500.00 a month weekly: 11538 x 52 = 599976 against 600000: 24p short, the most it can be.
    assert dd.drift_per_year(50000, "monthly", "weekly") == -24
    assert dd.drift_per_year(10000, "weekly", "fortnightly") == 0


def test_an_unknown_frequency_or_a_credit_is_not_a_direct_debit_amount():
    with pytest.raises(ValueError, match="quarterly"):
        dd.from_weekly(10000, "quarterly")
    with pytest.raises(ValueError, match="never a credit"):
        dd.from_weekly(-100, "weekly")


# The first collection ------------------------------------------------------------------


def test_the_first_collection_is_at_least_ten_working_days_after_the_instruction_counted_past_christmas():
    # Instruction Thursday 17 December 2026. Working days after it: Fri 18 (1), Mon 21 (2),
    # Tue 22 (3), Wed 23 (4), Thu 24 (5); not Fri 25 (Christmas), the weekend, Mon 28 (Boxing
    # Day's substitute); Tue 29 (6), Wed 30 (7), Thu 31 (8); not Fri 1 January (New Year's Day)
    # nor the weekend; Mon 4 January 2027 (9), Tue 5 January (10).
    assert dd.earliest_first_collection(date(2026, 12, 17), SETTINGS) == date(2027, 1, 5)
    # The 8th: Friday 8 January 2027 is after the 5th, a working day: that one.
    assert dd.first_collection(date(2026, 12, 17), 8, DAYS, SETTINGS) == Collection(date(2027, 1, 8), date(2027, 1, 8))


def test_a_first_collection_that_would_fall_on_new_years_day_and_then_be_too_soon_waits_a_month():
    # Instruction 17 December 2026, earliest 5 January 2027 (above). The 1st: 1 January 2027
    # is New Year's Day (a Friday), moved to Monday 4 January, still before the 5th; so the
    # next month's: Monday 1 February 2027. (Counting no holidays, the 10th working day would
    # be 31 December and 1 January would wrongly do.)
    assert dd.first_collection(date(2026, 12, 17), 1, DAYS, SETTINGS) == Collection(date(2027, 2, 1), date(2027, 2, 1))


def test_a_first_collection_that_would_fall_on_boxing_day_moves_to_the_next_working_day():
    # Instruction Friday 11 December 2026: Mon 14 (1) to Fri 18 (5), Mon 21 (6) to Thu 24 (9),
    # then not 25 (Christmas), 26-27 (weekend), 28 (Boxing Day's substitute Monday): Tue 29 (10).
    assert dd.earliest_first_collection(date(2026, 12, 11), SETTINGS) == date(2026, 12, 29)
    # The 28th: Monday 28 December 2026 is the Boxing Day bank holiday, so Tuesday 29
    # December, which is the earliest allowed: due the 28th, collected the 29th.
    first = dd.first_collection(date(2026, 12, 11), 28, DAYS, SETTINGS)
    assert first == Collection(date(2026, 12, 28), date(2026, 12, 29))


def test_a_first_collection_due_on_new_years_day_is_taken_on_the_next_working_day_after_the_weekend():
    # Instruction 11 December 2026, earliest Tuesday 29 December (above). The 1st: Friday
    # 1 January 2027 is New Year's Day, Saturday 2 and Sunday 3 the weekend: Monday 4 January.
    first = dd.first_collection(date(2026, 12, 11), 1, DAYS, SETTINGS)
    assert first == Collection(date(2027, 1, 1), date(2027, 1, 4))


def test_a_first_collection_due_on_a_saturday_is_taken_on_the_monday_after_not_the_friday_before():
    # Instruction Monday 20 July 2026: Tue 21 (1) to Fri 24 (4), Mon 27 (5) to Fri 31 (9),
    # Mon 3 August (10). The 15th: Saturday 15 August 2026, so Monday 17 August.
    assert dd.earliest_first_collection(date(2026, 7, 20), SETTINGS) == date(2026, 8, 3)
    first = dd.first_collection(date(2026, 7, 20), 15, DAYS, SETTINGS)
    assert first == Collection(date(2026, 8, 15), date(2026, 8, 17))


def test_when_this_months_chosen_day_is_too_soon_next_months_is_used():
    # Instruction Tuesday 21 July 2026: Wed 22 (1) to Fri 24 (3), Mon 27 (4) to Fri 31 (8),
    # Mon 3 August (9), Tue 4 August (10). The 1st: Saturday 1 August moves to Monday 3 August,
    # a day too soon; so Tuesday 1 September 2026.
    assert dd.earliest_first_collection(date(2026, 7, 21), SETTINGS) == date(2026, 8, 4)
    first = dd.first_collection(date(2026, 7, 21), 1, DAYS, SETTINGS)
    assert first == Collection(date(2026, 9, 1), date(2026, 9, 1))
    # The day before, 20 July, the same 1 August (moved to the 3rd) is exactly 10 working days on.
    assert dd.first_collection(date(2026, 7, 20), 1, DAYS, SETTINGS) == Collection(date(2026, 8, 1), date(2026, 8, 3))


def test_a_shorter_agreed_notice_period_and_the_landlords_own_closures_are_used():
    # With 3 working days' notice from Thursday 17 December 2026: Fri 18, Mon 21, Tue 22 (3);
    # the 22nd is allowed that same day.
    assert dd.first_collection(date(2026, 12, 17), 22, DAYS, SETTINGS, notice_working_days=3) == Collection(
        date(2026, 12, 22), date(2026, 12, 22)
    )
    # The office shut on Tuesday 22 December: the 22nd moves to Wednesday 23, and the 3rd
    # working day is now Wednesday 23 too.
    shut = dataclasses.replace(SETTINGS, bank_holidays_extra=(date(2026, 12, 22),))
    assert dd.first_collection(date(2026, 12, 17), 22, DAYS, shut, notice_working_days=3) == Collection(
        date(2026, 12, 22), date(2026, 12, 23)
    )


def test_a_collection_day_the_landlord_does_not_offer_is_refused():
    assert dd.collection_day_problem(8, DAYS) is None
    assert dd.collection_day_problem(9, DAYS) == "Select one of the days of the month shown"
    assert dd.collection_day_problem(None, DAYS) == "Select the day of the month for your payments"
    with pytest.raises(ValueError, match="collection day 9"):
        dd.first_collection(date(2026, 12, 17), 9, DAYS, SETTINGS)
    with pytest.raises(ValueError, match=r"1 to 28 \(every month has them\): \[29, 31\]"):
        dd.check_collection_days((1, 29, 31))
    assert dd.check_collection_days((28, 1, 15, 1)) == (1, 15, 28)


# The dates after the first ---------------------------------------------------------------


def test_monthly_collections_keep_the_chosen_day_and_each_is_moved_to_a_working_day_on_its_own():
    first = Collection(date(2026, 12, 28), date(2026, 12, 29))  # Boxing Day's substitute, above

    dates = dd.collections(first, "monthly", 5, SETTINGS)

    assert [(c.due_on, c.collected_on) for c in dates] == [
        (date(2026, 12, 28), date(2026, 12, 29)),  # the Boxing Day substitute Monday: Tuesday
        (date(2027, 1, 28), date(2027, 1, 28)),  # Thursday
        (date(2027, 2, 28), date(2027, 3, 1)),  # Sunday: Monday 1 March
        (date(2027, 3, 28), date(2027, 3, 30)),  # Easter Sunday; Monday 29 is Easter Monday: Tuesday
        (date(2027, 4, 28), date(2027, 4, 28)),  # Wednesday: back on the 28th, not the 30th
    ]


@pytest.mark.parametrize(
    "frequency, expected",
    [
        # From Tuesday 22 December 2026, every 7 days: 29 December (Tue), 5 January (Tue).
        (
            "weekly",
            [
                (date(2026, 12, 22), date(2026, 12, 22)),
                (date(2026, 12, 29), date(2026, 12, 29)),
                (date(2027, 1, 5), date(2027, 1, 5)),
            ],
        ),
        # Every 14 days: 5 January, 19 January 2027 (Tuesdays).
        (
            "fortnightly",
            [
                (date(2026, 12, 22), date(2026, 12, 22)),
                (date(2027, 1, 5), date(2027, 1, 5)),
                (date(2027, 1, 19), date(2027, 1, 19)),
            ],
        ),
        # Every 28 days: 19 January, 16 February 2027 (Tuesdays).
        (
            "four_weekly",
            [
                (date(2026, 12, 22), date(2026, 12, 22)),
                (date(2027, 1, 19), date(2027, 1, 19)),
                (date(2027, 2, 16), date(2027, 2, 16)),
            ],
        ),
    ],
)
def test_weekly_fortnightly_and_four_weekly_collections_fall_every_7_14_or_28_days(frequency, expected):
    first = Collection(date(2026, 12, 22), date(2026, 12, 22))

    assert [(c.due_on, c.collected_on) for c in dd.collections(first, frequency, 3, SETTINGS)] == expected


def test_a_weekly_schedule_due_on_fridays_steps_round_christmas_and_new_year_without_shifting():
    # Due Fridays from 18 December 2026: 25 December (Christmas Day) is taken Tuesday 29
    # (28 is Boxing Day's substitute); 1 January 2027 (New Year's Day) Monday 4 January; 8 January is a Friday again.
    first = Collection(date(2026, 12, 18), date(2026, 12, 18))

    dates = dd.collections(first, "weekly", 4, SETTINGS)

    assert [c.collected_on for c in dates] == [
        date(2026, 12, 18),
        date(2026, 12, 29),
        date(2027, 1, 4),
        date(2027, 1, 8),
    ]
    assert [c.due_on for c in dates] == [date(2026, 12, 18), date(2026, 12, 25), date(2027, 1, 1), date(2027, 1, 8)]


# The advance notice ----------------------------------------------------------------------


def test_the_advance_notice_carries_the_amount_the_first_date_and_the_frequency():
    # Instruction 11 December 2026, the 28th: due Monday 28 December (Boxing Day's substitute),
    # taken Tuesday 29 December (above); the notice gives the day the money is taken.
    first = dd.first_collection(date(2026, 12, 11), 28, DAYS, SETTINGS)

    notice = dd.advance_notice(dd.from_weekly(10000, "monthly"), "monthly", first, SETTINGS)

    assert notice.amount_pence == 43333
    assert notice.first_collection == Collection(date(2026, 12, 28), date(2026, 12, 29))
    assert (notice.amount_words, notice.frequency_words, notice.first_date_words) == (
        "£433.33",
        "every month",
        "29 December 2026",
    )
    assert notice.summary == "£433.33 every month, first on 29 December 2026"
    # The next two: Thursday 28 January 2027; 28 February 2027 is a Sunday, so Monday 1 March.
    assert [c.collected_on for c in notice.later_collections] == [date(2027, 1, 28), date(2027, 3, 1)]
    assert notice.notice_working_days == 10
    shorter = dd.advance_notice(43333, "monthly", first, SETTINGS, later=1, notice_working_days=5)
    assert (shorter.notice_working_days, len(shorter.later_collections)) == (5, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        notice.amount_pence = 1  # type: ignore[misc]
