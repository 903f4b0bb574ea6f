"""The arithmetic of payment plans (services/payments/plan_rules.py), on examples worked by
hand: what each payment is, when the arrears are cleared, when the income officer must
agree a plan, and whether a running plan is kept or behind. Every date is fixed: the
rules take ``today`` as an argument, so nothing here reads the clock."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal_app.models import Tenancy
from portal_app.services.payments import plan_rules
from portal_app.services.payments.plan_rules import PlanTerms

RENT = 10_000  # £100.00 a week
EXTRA = 1_000  # £10.00 a week towards the arrears
ARREARS = 9_500  # £95.00
MONDAY = date(2026, 12, 7)  # a Monday
# The feed's rent-free weeks for Christmas 2026 (import-format.md, tenancies.csv): the
# Mondays of the weeks of Christmas (25 December 2026 is a Friday) and New Year.
CHRISTMAS_FEED = "2026-12-21;2026-12-28"


def _terms(**changes) -> PlanTerms:
    values = dict(
        start_balance_pence=ARREARS,
        arrears_pence=ARREARS,
        regular_pence=RENT,
        extra_pence=EXTRA,
        frequency="weekly",
        start_date=MONDAY,
    )
    values.update(changes)
    return PlanTerms(**values)


def _totals(plan) -> list[int]:
    return [i.total_pence for i in plan.instalments]


# --- the regular charge per period, and the dates ------------------------------------


def test_a_weekly_charge_is_twice_itself_fortnightly_four_times_four_weekly_and_52_twelfths_monthly_to_the_nearest_penny():
    assert plan_rules.regular_per_period(10_000, "weekly") == 10_000
    assert plan_rules.regular_per_period(10_000, "fortnightly") == 20_000
    assert plan_rules.regular_per_period(10_000, "four_weekly") == 40_000
    # £100.00 x 52 / 12 = £433.333... -> £433.33 (down)
    assert plan_rules.regular_per_period(10_000, "monthly") == 43_333
    # £100.01 x 52 / 12 = 130,013 / 3 = 43,337.67 pence -> £433.38 (up)
    assert plan_rules.regular_per_period(10_001, "monthly") == 43_338
    # A monthly charge as a monthly plan's regular part is itself.
    assert plan_rules.regular_per_period(43_333, "monthly", charge_frequency="monthly") == 43_333


def test_weekly_fortnightly_and_four_weekly_instalments_fall_every_7_14_and_28_days_from_the_start():
    until = date(2027, 1, 31)
    assert plan_rules.instalment_dates("weekly", MONDAY, date(2026, 12, 28)) == [
        date(2026, 12, 7),
        date(2026, 12, 14),
        date(2026, 12, 21),
        date(2026, 12, 28),
    ]
    assert plan_rules.instalment_dates("fortnightly", MONDAY, until) == [
        date(2026, 12, 7),
        date(2026, 12, 21),
        date(2027, 1, 4),
        date(2027, 1, 18),
    ]
    assert plan_rules.instalment_dates("four_weekly", MONDAY, until) == [date(2026, 12, 7), date(2027, 1, 4)]


def test_monthly_instalments_from_the_31st_fall_on_the_last_day_of_shorter_months():
    assert plan_rules.instalment_dates("monthly", date(2027, 1, 31), date(2027, 5, 31)) == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),  # back to the 31st, not stuck on the 28th
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]
    # 2028 is a leap year.
    assert plan_rules.instalment_dates("monthly", date(2028, 1, 31), date(2028, 3, 31)) == [
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
    ]


def test_the_tenancys_rent_free_weeks_are_read_from_the_feeds_semicolon_separated_mondays():
    tenancy = Tenancy(tenancy_ref="T1", rent_free_weeks=CHRISTMAS_FEED)
    assert plan_rules.rent_free_weeks_of(tenancy) == {date(2026, 12, 21), date(2026, 12, 28)}
    assert plan_rules.rent_free_weeks_of(Tenancy(tenancy_ref="T2", rent_free_weeks=None)) == frozenset()


# --- (a) and (b): a weekly plan, with and without rent-free weeks ------------------------


def test_a_weekly_plan_on_ninety_five_pounds_arrears_clears_on_the_tenth_instalment_with_five_pounds_left_for_the_last():
    plan = plan_rules.schedule(_terms())

    # £95 at £10 a week: 9 instalments of £10 (£90) and a 10th of the £5 left.
    assert [i.extra_pence for i in plan.instalments] == [1_000] * 9 + [500]
    assert [i.regular_pence for i in plan.instalments] == [RENT] * 10
    assert _totals(plan) == [11_000] * 9 + [10_500]
    assert [i.number for i in plan.instalments] == list(range(1, 11))
    # The 10th instalment is 9 weeks after the first, Monday 7 December 2026:
    # 14, 21, 28 December; 4, 11, 18, 25 January; 1, 8 February 2027.
    assert plan.instalments[-1].due_on == date(2027, 2, 8)
    assert plan.cleared_on == date(2027, 2, 8)
    # 63 days after the start, so in week 63 // 7 + 1 = 10.
    assert plan.weeks_to_clear == 10
    assert plan.starts_at_once and not plan.needs_approval
    assert plan_rules.schedule_words(plan) == (
        "Your arrears of £95.00 would be cleared on 8 February 2027, after 10 weekly payments, in 10 weeks. "
        "The plan can start on 7 December 2026"
    )


def test_in_a_rent_free_week_the_instalment_is_only_the_amount_towards_the_arrears():
    tenancy = Tenancy(tenancy_ref="T1", rent_free_weeks=CHRISTMAS_FEED)
    plan = plan_rules.schedule(_terms(rent_free_weeks=plan_rules.rent_free_weeks_of(tenancy)))

    # The 3rd and 4th instalments (21 and 28 December) fall in the rent-free weeks: no
    # rent, so £10 each; the extra goes on, so the plan still clears on the 10th.
    assert [i.due_on for i in plan.instalments[2:4]] == [date(2026, 12, 21), date(2026, 12, 28)]
    assert [i.rent_free_weeks for i in plan.instalments] == [0, 0, 1, 1, 0, 0, 0, 0, 0, 0]
    assert _totals(plan) == [11_000, 11_000, 1_000, 1_000] + [11_000] * 5 + [10_500]
    assert plan.cleared_on == date(2027, 2, 8)
    # 8 weeks' rent (£800) and the £95 arrears.
    assert sum(_totals(plan)) == 8 * RENT + ARREARS


def test_a_weekly_plan_paid_midweek_pays_for_the_rent_week_starting_in_its_period():
    # Paid on Wednesdays from 16 December 2026: each payment's period runs to the next
    # Tuesday, holding one Monday. 16 Dec holds Monday 21 Dec, 23 Dec holds 28 Dec (both
    # rent-free); 30 Dec holds Monday 4 January, when rent is charged again.
    terms = _terms(start_date=date(2026, 12, 16), rent_free_weeks=frozenset({date(2026, 12, 21), date(2026, 12, 28)}))
    assert _totals(plan_rules.schedule(terms))[:3] == [1_000, 1_000, 11_000]


def test_a_monthly_instalment_takes_a_weeks_rent_off_for_each_rent_free_week_in_its_month():
    monthly = plan_rules.regular_per_period(RENT, "monthly")  # £433.33
    terms = _terms(
        frequency="monthly",
        regular_pence=monthly,
        extra_pence=5_000,
        arrears_pence=15_000,
        start_balance_pence=15_000,
        start_date=date(2026, 12, 1),
        rent_free_weeks=frozenset({date(2026, 12, 21), date(2026, 12, 28)}),
    )
    plan = plan_rules.schedule(terms)

    # A week's share of £433.33 a month is 43,333 x 12 / 52 = 9,999.92 -> £100.00.
    # December's period (1 to 31 December) holds both rent-free Mondays:
    # £433.33 - 2 x £100.00 = £233.33 rent, and £50 towards the arrears.
    assert [(i.due_on, i.regular_pence, i.extra_pence) for i in plan.instalments] == [
        (date(2026, 12, 1), 23_333, 5_000),
        (date(2027, 1, 1), 43_333, 5_000),
        (date(2027, 2, 1), 43_333, 5_000),
    ]


# --- (c) a year with 53 Mondays, and the 52-week rule ---------------------------------


def test_in_a_year_with_53_mondays_a_weekly_plan_of_53_instalments_needs_approval_though_all_fall_in_that_year():
    # 2029 begins and ends on a Monday (1 January and 31 December; 365 days), so it has
    # 53 Mondays, and a weekly plan from 1 January has 53 instalments in it.
    start = date(2029, 1, 1)
    assert plan_rules.instalment_dates("weekly", start, date(2029, 12, 31))[-1] == date(2029, 12, 31)
    assert len(plan_rules.instalment_dates("weekly", start, date(2029, 12, 31))) == 53

    # £520 at £10 a week: 52 instalments, the last on 24 December 2029, in week 52.
    within = plan_rules.schedule(_terms(start_date=start, arrears_pence=52_000, start_balance_pence=52_000))
    assert len(within.instalments) == 52
    assert within.cleared_on == date(2029, 12, 24)
    assert within.weeks_to_clear == 52
    assert within.starts_at_once

    # £525: a 53rd instalment of £5 on 31 December 2029, still in 2029 but in week 53
    # (364 days after the start): longer than 52 weeks, so the income officer decides.
    longer = plan_rules.schedule(_terms(start_date=start, arrears_pence=52_500, start_balance_pence=52_500))
    assert len(longer.instalments) == 53
    assert longer.instalments[-1].extra_pence == 500
    assert longer.cleared_on == date(2029, 12, 31)
    assert longer.weeks_to_clear == 53
    assert longer.needs_approval


def test_the_52_week_rule_counts_weeks_from_the_start_not_instalments():
    start = date(2029, 1, 1)
    # Fortnightly: 26 instalments of £20 towards £520, the last 50 weeks after the first
    # (17 December 2029), so in week 51: it starts at once.
    fortnightly = plan_rules.schedule(
        _terms(
            start_date=start,
            frequency="fortnightly",
            regular_pence=20_000,
            extra_pence=2_000,
            arrears_pence=52_000,
            start_balance_pence=52_000,
        )
    )
    assert len(fortnightly.instalments) == 26
    assert fortnightly.cleared_on == date(2029, 12, 17)
    assert fortnightly.weeks_to_clear == 51
    assert fortnightly.starts_at_once
    assert plan_rules.schedule_words(fortnightly).startswith(
        "Your arrears of £520.00 would be cleared on 17 December 2029, after 26 fortnightly payments, in 51 weeks."
    )
    # Four-weekly: only 14 instalments, but the 14th is 13 x 28 = 364 days on, in week 53.
    four_weekly = plan_rules.schedule(
        _terms(
            start_date=start,
            frequency="four_weekly",
            regular_pence=40_000,
            extra_pence=4_000,
            arrears_pence=56_000,
            start_balance_pence=56_000,
        )
    )
    assert len(four_weekly.instalments) == 14
    assert four_weekly.cleared_on == date(2029, 12, 31)
    assert four_weekly.weeks_to_clear == 53
    assert four_weekly.needs_approval


# --- (d) monthly from 31 January --------------------------------------------------------


def test_a_monthly_plan_from_31_january_pays_on_28_february_and_31_march_with_what_is_left_last():
    terms = _terms(
        frequency="monthly",
        regular_pence=plan_rules.regular_per_period(RENT, "monthly"),
        extra_pence=5_000,
        arrears_pence=12_000,
        start_balance_pence=12_000,
        start_date=date(2027, 1, 31),
    )
    plan = plan_rules.schedule(terms)

    # £120 at £50 a month: £50, £50 and the £20 left.
    assert [(i.due_on, i.total_pence) for i in plan.instalments] == [
        (date(2027, 1, 31), 48_333),
        (date(2027, 2, 28), 48_333),
        (date(2027, 3, 31), 45_333),
    ]
    # 31 January to 31 March is 59 days: week 59 // 7 + 1 = 9.
    assert plan.cleared_on == date(2027, 3, 31)
    assert plan.weeks_to_clear == 9
    assert plan.starts_at_once


# --- (e) kept or behind -----------------------------------------------------------------


def test_after_three_weeks_with_one_payment_missed_the_plan_is_behind_by_exactly_one_instalment():
    # Sunday 27 December 2026: the instalments of 7, 14 and 21 December are due (£110
    # each, £330); rent was charged on those three Mondays (£300).
    # Expected: £95 - £330 + £300 = £65. Paid two of the three (£220):
    # real = £95 + £300 - £220 = £175, which is £110 above: one instalment.
    result = plan_rules.check(_terms(), today=date(2026, 12, 27), charges_since_pence=30_000, real_balance_pence=17_500)
    assert [i.due_on for i in result.due] == [date(2026, 12, 7), date(2026, 12, 14), date(2026, 12, 21)]
    assert result.due_pence == 33_000
    assert result.expected_balance_pence == 6_500
    assert not result.kept
    assert result.behind_by_pence == 11_000
    assert not result.cleared
    assert (result.next_instalment.due_on, result.next_instalment.total_pence) == (date(2026, 12, 28), 11_000)
    assert plan_rules.check_words(result) == "You are behind by £110.00"
    assert plan_rules.next_instalment_words(result) == "Your next payment is £110.00 on 28 December 2026"


def test_catching_up_the_missed_payment_puts_the_plan_back_on_track():
    # The same three weeks, all three paid (£330): real = £95 + £300 - £330 = £65, the
    # expected balance. Paying more than the plan asks is on track too.
    for real in (6_500, 6_000):
        result = plan_rules.check(
            _terms(), today=date(2026, 12, 27), charges_since_pence=30_000, real_balance_pence=real
        )
        assert result.kept
        assert result.behind_by_pence == 0
        assert plan_rules.check_words(result) == "You are on track"


def test_an_instalment_is_due_on_its_own_day():
    # On Sunday 20 December two instalments are due (£220) and two weeks' rent was
    # charged (£200): expected £95 - £220 + £200 = £75, and both were paid. On Monday 21
    # December the third is due too, and that Monday's rent is charged: expected
    # £95 - £330 + £300 = £65, while the balance is £75 + £100 = £175 until it is paid.
    sunday = plan_rules.check(_terms(), today=date(2026, 12, 20), charges_since_pence=20_000, real_balance_pence=7_500)
    monday = plan_rules.check(_terms(), today=date(2026, 12, 21), charges_since_pence=30_000, real_balance_pence=17_500)
    assert len(sunday.due) == 2 and sunday.kept
    assert sunday.next_instalment.due_on == date(2026, 12, 21)
    assert len(monday.due) == 3
    assert monday.behind_by_pence == 11_000  # until the 21 December payment shows
    assert monday.next_instalment.due_on == date(2026, 12, 28)


def test_in_rent_free_weeks_paying_only_the_amount_towards_the_arrears_keeps_the_plan():
    # Sunday 3 January 2027: due £110 + £110 + £10 + £10 = £240; rent was charged only on
    # 7 and 14 December (£200). Expected: £95 - £240 + £200 = £55. Paid all four (£240):
    # real = £95 + £200 - £240 = £55.
    terms = _terms(rent_free_weeks=frozenset({date(2026, 12, 21), date(2026, 12, 28)}))
    result = plan_rules.check(terms, today=date(2027, 1, 3), charges_since_pence=20_000, real_balance_pence=5_500)
    assert result.due_pence == 24_000
    assert result.expected_balance_pence == 5_500
    assert result.kept


def test_before_its_start_date_a_plan_is_on_track_and_its_first_instalment_is_next():
    result = plan_rules.check(_terms(), today=date(2026, 12, 1), charges_since_pence=0, real_balance_pence=ARREARS)
    assert result.due == ()
    assert result.expected_balance_pence == ARREARS
    assert result.kept
    assert result.next_instalment.number == 1
    assert plan_rules.next_instalment_words(result) == "Your next payment is £110.00 on 7 December 2026"


def test_a_plan_is_cleared_once_the_account_is_no_longer_in_arrears():
    # Sunday 14 February 2027, all 10 instalments paid: £95 + 10 x £100 - £1,095 = £0.
    done = plan_rules.check(_terms(), today=date(2027, 2, 14), charges_since_pence=100_000, real_balance_pence=0)
    assert done.cleared and done.kept
    assert done.next_instalment is None
    assert plan_rules.check_words(done) == "You have cleared your arrears"
    assert plan_rules.next_instalment_words(done) == ""

    # Paid off early with a lump sum in week 3: cleared, nothing more on the plan.
    early = plan_rules.check(_terms(), today=date(2026, 12, 22), charges_since_pence=30_000, real_balance_pence=0)
    assert early.cleared and early.next_instalment is None

    # A benefit payer's balance keeps one Housing Benefit payment that is not overdue
    # (£80 of a £175 balance): cleared when the balance is down to that £80 ...
    hb = _terms(start_balance_pence=17_500)
    assert plan_rules.check(hb, today=date(2027, 2, 14), charges_since_pence=100_000, real_balance_pence=8_000).cleared
    assert not plan_rules.check(
        hb, today=date(2027, 2, 14), charges_since_pence=100_000, real_balance_pence=8_001
    ).cleared
    # ... or when owed.py's rule says nothing is overdue, if the page passes it.
    assert plan_rules.check(
        hb, today=date(2027, 2, 14), charges_since_pence=100_000, real_balance_pence=9_000, overdue_pence=0
    ).cleared


def test_after_the_plan_would_have_cleared_only_the_regular_charge_is_expected():
    # Monday 15 February 2027: 11 weeks; the 11th "instalment" is the rent alone (£100).
    # Expected: £95 - (£1,095 + £100) + 11 x £100 = £0.
    result = plan_rules.check(_terms(), today=date(2027, 2, 15), charges_since_pence=110_000, real_balance_pence=500)
    assert result.due[-1].total_pence == RENT
    assert result.expected_balance_pence == 0
    assert result.behind_by_pence == 500
    assert result.next_instalment is None  # the plan is complete; only the £5 shortfall is left
    assert plan_rules.check_words(result) == "You are behind by £5.00"


# --- (f) what a resident may propose ----------------------------------------------------

TODAY = date(2026, 12, 3)  # a Thursday
MINIMUM = 500  # £5.00 a week


def _problems(terms: PlanTerms, **kwargs) -> dict[str, str]:
    return plan_rules.validate_terms(terms, today=TODAY, minimum_weekly_pence=MINIMUM, **kwargs)


def test_a_plan_within_the_rules_has_no_problems():
    assert _problems(_terms()) == {}


def test_an_account_not_in_arrears_cannot_have_a_plan():
    for arrears in (0, -2_000):
        assert _problems(_terms(arrears_pence=arrears, start_balance_pence=arrears)) == {
            "arrears": "Your account is not in arrears, so there is nothing for a payment plan to pay off"
        }


def test_the_amount_towards_the_arrears_must_be_more_than_nothing():
    for extra in (0, -100):
        assert _problems(_terms(extra_pence=extra)) == {
            "extra": "Enter an amount more than £0.00 to pay towards your arrears"
        }


def test_the_amount_towards_the_arrears_must_be_at_least_the_minimum_for_its_frequency():
    assert _problems(_terms(extra_pence=499)) == {
        "extra": "The amount towards your arrears must be at least £5.00 a week"
    }
    assert _problems(_terms(extra_pence=500)) == {}
    # Monthly: £5.00 x 52 / 12 = £21.666... -> £21.67.
    assert _problems(_terms(frequency="monthly", extra_pence=2_166)) == {
        "extra": "The amount towards your arrears must be at least £21.67 a month (£5.00 a week)"
    }
    assert _problems(_terms(frequency="monthly", extra_pence=2_167)) == {}
    assert _problems(_terms(frequency="fortnightly", extra_pence=999)) == {
        "extra": "The amount towards your arrears must be at least £10.00 every 2 weeks (£5.00 a week)"
    }


def test_an_amount_that_clears_the_arrears_in_one_payment_is_enough_even_below_the_minimum():
    assert _problems(_terms(arrears_pence=300, start_balance_pence=300, extra_pence=300)) == {}
    assert "extra" in _problems(_terms(arrears_pence=300, start_balance_pence=300, extra_pence=299))


def test_the_start_date_must_be_from_today_to_four_weeks_ahead():
    assert _problems(_terms(start_date=TODAY)) == {}
    assert _problems(_terms(start_date=TODAY + timedelta(days=28))) == {}  # Thursday 31 December 2026
    assert _problems(_terms(start_date=TODAY - timedelta(days=1))) == {
        "start_date": "The start date must be today or in the future"
    }
    assert _problems(_terms(start_date=TODAY + timedelta(days=29))) == {
        "start_date": "The start date must be the same as or before 31 December 2026"
    }
    assert _problems(_terms(start_date=TODAY + timedelta(days=8)), latest_start_days=7) == {
        "start_date": "The start date must be the same as or before 10 December 2026"
    }


def test_how_often_must_be_weekly_fortnightly_four_weekly_or_monthly():
    assert _problems(_terms(frequency="yearly")) == {"frequency": "Select how often you will pay"}
    with pytest.raises(ValueError):
        plan_rules.schedule(_terms(frequency="yearly"))


def test_every_problem_is_given_at_once_one_message_for_each_field():
    problems = _problems(_terms(arrears_pence=0, start_balance_pence=0, extra_pence=0, start_date=date(2026, 1, 1)))
    assert set(problems) == {"arrears", "extra", "start_date"}


def test_a_plan_that_could_never_clear_has_no_schedule():
    with pytest.raises(ValueError):
        plan_rules.schedule(_terms(extra_pence=0))
    with pytest.raises(ValueError):
        plan_rules.schedule(_terms(arrears_pence=0))


# --- (g) longer plans need the income officer ---------------------------------------


def test_a_plan_that_needs_60_weeks_goes_to_the_income_officer_to_approve():
    # £600 at £10 a week: 60 instalments, the last 59 weeks after the first, in week 60.
    plan = plan_rules.schedule(_terms(arrears_pence=60_000, start_balance_pence=60_000))
    assert len(plan.instalments) == 60
    assert plan.cleared_on == MONDAY + timedelta(weeks=59) == date(2028, 1, 24)
    assert plan.weeks_to_clear == 60
    assert plan.needs_approval and not plan.starts_at_once
    assert plan_rules.schedule_words(plan) == (
        "Your arrears of £600.00 would be cleared on 24 January 2028, after 60 weekly payments, in 60 weeks. "
        "Plans that take longer than 52 weeks need your income officer to agree them, so we will send yours to them"
    )
    # The limit comes from settings: a landlord allowing 60 weeks starts it at once.
    assert plan_rules.schedule(_terms(arrears_pence=60_000), approval_weeks=60).starts_at_once
