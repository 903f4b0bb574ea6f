"""What the account pages say about an account (services/accounts/summary.py): arrears,
a leaseholder's account, the balance chart in words, the filter in words, and the
account page's figures, only ever for an account the resident may see."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import pytest

from portal_app.services.accounts import summary
from portal_app.services.accounts.ledger import LeaseholderSummary, MajorWorksSummary, YearEndAdjustment
from portal_app.settings import get_settings

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Caller:
    person_id: int
    tenancy_id: int


@pytest.fixture
def settings():
    return replace(get_settings(), allow_former_tenants=False)


# ---------------------------------------------------------------------------
# The rules, as they decide today
# ---------------------------------------------------------------------------


def test_only_an_amount_overdue_is_called_arrears_and_nothing_overdue_is_not():
    assert summary.is_arrears(1) is True
    assert summary.is_arrears(250_000) is True
    assert summary.is_arrears(0) is False
    assert summary.is_arrears(-1) is False


def test_service_charge_and_major_works_accounts_are_a_leaseholders_and_no_others_are():
    assert summary.is_leasehold_account("service_charge") is True
    assert summary.is_leasehold_account("major_works") is True
    for kind in ("rent", "garage", "sundry", ""):
        assert summary.is_leasehold_account(kind) is False


def test_a_charge_says_how_often_in_words_and_an_unknown_frequency_as_it_is():
    assert [summary.per_words(f) for f in ("weekly", "monthly", "yearly", "quarterly")] == [
        "a week",
        "a month",
        "a year",
        "quarterly",
    ]


def test_whether_benefits_cover_a_charge_is_yes_no_or_ask_us_when_the_landlord_has_not_said():
    assert [summary.benefit_eligible_words(v) for v in (True, False, None)] == ["Yes", "No", "Ask us"]


def test_the_balance_chart_in_words_names_the_period_the_most_owed_and_the_most_in_credit():
    series = [
        (date(2026, 4, 6), 11_400),
        (date(2026, 4, 9), -600),
        (date(2026, 4, 13), 10_800),
        (date(2026, 4, 20), 22_200),
    ]

    assert summary.chart_summary(series) == (
        "From 6 April 2026 to 20 April 2026. "
        "Most owed: £222.00 DR on 20 April 2026. "
        "Most in credit or least owed: £6.00 CR on 9 April 2026."
    )


def test_the_balance_chart_in_words_names_the_first_day_of_a_figure_that_repeats():
    series = [(date(2026, 4, 6), 500), (date(2026, 4, 13), 500)]

    assert summary.chart_summary(series) == (
        "From 6 April 2026 to 13 April 2026. Most owed: £5.00 DR on 6 April 2026. "
        "Most in credit or least owed: £5.00 DR on 6 April 2026."
    )


def test_an_account_with_nothing_on_it_says_so_instead_of_a_chart_summary():
    assert summary.chart_summary([]) == "There are no payments or charges on this account yet."


def test_a_leaseholders_year_reads_as_rows_of_estimate_ground_rent_year_end_and_major_works():
    lease = LeaseholderSummary(
        tenancy_id=1,
        tenancy_ref="LH1",
        service_charge_account_id=2,
        service_charge_account_ref="SC1",
        service_charge_balance_pence=0,
        year_label="2026/27",
        year_start=date(2026, 4, 1),
        year_end=date(2027, 3, 31),
        estimate_yearly_pence=150_000,
        estimate_monthly_pence=12_500,
        ground_rent_yearly_pence=25_000,
        last_year_end=YearEndAdjustment(
            year_label="2025/26",
            posted_on=date(2026, 9, 1),
            difference_pence=-4_000,
            estimate_pence=140_000,
            actual_pence=136_000,
            description="Year end",
            words="£40.00 credit",
        ),
        major_works=(
            MajorWorksSummary(
                account_id=3,
                account_ref="MW1",
                balance_pence=0,
                basis="clear",
                instalment_pence=None,
                per_month_pence=None,
                months_remaining=None,
                last_instalment_pence=None,
                words="Paid off",
            ),
        ),
        explanation=("One paragraph.",),
    )

    assert summary.lease_rows(lease) == (
        ("Estimated service charge 2026/27", "£1,500.00 a year (£125.00 a month)"),
        ("Ground rent", "£250.00 a year"),
        ("Year-end 2025/26", "£40.00 credit"),
        ("Major works (MW1)", "Paid off"),
    )


def test_a_leaseholders_year_without_estimate_ground_rent_or_year_end_has_no_rows_for_them():
    lease = LeaseholderSummary(
        tenancy_id=1,
        tenancy_ref="LH1",
        service_charge_account_id=None,
        service_charge_account_ref=None,
        service_charge_balance_pence=None,
        year_label="2026/27",
        year_start=date(2026, 4, 1),
        year_end=date(2027, 3, 31),
        estimate_yearly_pence=None,
        estimate_monthly_pence=None,
        ground_rent_yearly_pence=0,
        last_year_end=None,
        major_works=(),
        explanation=(),
    )

    assert summary.lease_rows(lease) == ()


def test_a_filtered_history_says_what_it_shows_in_words():
    assert summary.filter_words(None, None, "") == ""
    assert summary.filter_words(date(2025, 4, 1), None, "") == "Showing from 1 April 2025 to today"
    assert summary.filter_words(None, date(2026, 3, 31), "") == "Showing from the start to 31 March 2026"
    assert summary.filter_words(date(2025, 4, 1), date(2026, 3, 31), "payments") == (
        "Showing from 1 April 2025 to 31 March 2026, payments and refunds"
    )
    assert summary.filter_words(None, None, "benefits") == "Showing housing benefit and universal credit"


# ---------------------------------------------------------------------------
# The account page's figures
# ---------------------------------------------------------------------------


def test_the_account_page_figures_are_for_the_account_asked_for_and_say_arrears(session, records, settings):
    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1")
    records.charge(rent, 11_400)
    records.post(rent, date(2026, 11, 9), "rent_charge", 11_400, "Rent")
    records.post(rent, date(2026, 11, 12), "payment", -5_000, "Card payment")

    choice, overview = summary.account_overview(
        session, Caller(person.id, tenancy.id), "RENT1", now=NOW, settings=settings
    )

    assert choice.chosen_ref == "RENT1"
    assert overview.summary.account_id == rent.id
    assert overview.summary.balance_pence == 6_400
    assert overview.arrears is True
    assert overview.series == ((date(2026, 11, 9), 11_400), (date(2026, 11, 12), 6_400))
    assert overview.chart_summary == (
        "From 9 November 2026 to 12 November 2026. Most owed: £114.00 DR on 9 November 2026. "
        "Most in credit or least owed: £64.00 DR on 12 November 2026."
    )
    assert [line.weekly_pence for line in overview.charges.lines] == [11_400]
    assert (overview.lease_explanation, overview.lease_rows) == ((), ())
    assert (overview.pending, overview.pending_pence) == ((), 0)


def test_an_account_in_credit_is_not_arrears_on_the_account_page(session, records, settings):
    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1")
    records.post(rent, date(2026, 11, 9), "payment", -1_000)

    _choice, overview = summary.account_overview(session, Caller(person.id, tenancy.id), "", now=NOW, settings=settings)

    assert overview.summary.balance_pence == -1_000
    assert overview.arrears is False


def test_the_account_page_shows_nothing_of_another_residents_account(session, records, settings):
    person, tenancy, _rent = records.tenant_with_rent_account(ref="RENT1")
    records.tenant_with_rent_account(ref="THEIRS1")

    choice, overview = summary.account_overview(
        session, Caller(person.id, tenancy.id), "THEIRS1", now=NOW, settings=settings
    )
    history_choice, page = summary.history(
        session,
        Caller(person.id, tenancy.id),
        "THEIRS1",
        date_from=None,
        date_to=None,
        type_group="",
        page=1,
        page_size=50,
        today=NOW.date(),
        settings=settings,
    )

    assert (choice.refused, overview) == (True, None)
    assert (history_choice.refused, page) == (True, None)


def test_the_history_is_filtered_by_the_type_group(session, records, settings):
    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1")
    records.post(rent, date(2026, 11, 9), "rent_charge", 11_400)
    records.post(rent, date(2026, 11, 12), "payment", -5_000)

    _choice, page = summary.history(
        session,
        Caller(person.id, tenancy.id),
        "RENT1",
        date_from=None,
        date_to=None,
        type_group="payments",
        page=1,
        page_size=50,
        today=NOW.date(),
        settings=settings,
    )

    assert [(line.type, line.amount_pence) for line in page.lines] == [("payment", -5_000)]
    assert page.total_lines == 1


def test_a_long_accounts_chart_keeps_at_most_121_points_with_its_highest_and_lowest_balances_and_the_balance_now(
    session, records, settings
):
    from datetime import timedelta

    from portal_app.services.accounts import ledger

    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1")
    start = date(2024, 5, 1)
    # 900 days of small postings, one day that owes far more, and one far in credit.
    rows = [(start + timedelta(days=i), "adjustment", 100 if i % 2 == 0 else -100, "Adjustment") for i in range(900)]
    rows += [(date(2025, 3, 3), "rent_charge", 50_000, "Rent"), (date(2025, 3, 4), "payment", -50_000, "Payment")]
    rows += [(date(2025, 9, 1), "refund", -70_000, "Refund"), (date(2025, 9, 2), "adjustment", 70_000, "Adjustment")]
    records.post_many(rent, rows)

    _choice, overview = summary.account_overview(
        session, Caller(person.id, tenancy.id), "RENT1", now=NOW, settings=settings
    )
    postings = ledger.balance_after_each(session, rent.id)

    assert len(postings) == 904 and len(overview.series) <= 121
    assert max(overview.series, key=lambda p: p[1]) == max(postings, key=lambda p: p[1])
    assert min(overview.series, key=lambda p: p[1]) == min(postings, key=lambda p: p[1])
    assert overview.series[0][0] <= start + timedelta(days=8) and overview.series[-1] == postings[-1]
    assert [d for d, _ in overview.series] == sorted(d for d, _ in overview.series)  # in date order
