"""What is owed, what is overdue and what falls due later (services/accounts/owed.py), as
the home page, the account page and the staff view say it: only overdue money is arrears."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest

from portal_app.services.accounts import balances, ledger, summary
from portal_app.settings import get_settings

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)  # a Sunday
TODAY = date(2026, 11, 22)


@dataclass(frozen=True)
class Caller:
    person_id: int
    tenancy_id: int


@pytest.fixture
def settings():
    return replace(get_settings(), allow_former_tenants=False)


def _months(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def _leaseholder(records):
    person = records.person()
    tenancy = records.tenancy("leasehold", start=date(2009, 11, 16))
    records.party(tenancy, person, "leaseholder")
    return person, tenancy


def _major_works(records, tenancy, *, paid_until: date):
    works = records.account(tenancy, "major_works", ref="MW1", opened=date(2024, 6, 3))
    records.post(works, date(2024, 6, 3), "other_charge", 1_245_000, "Major works: roof renewal (your share)")
    for day in _months(date(2024, 7, 1), paid_until):
        records.post(works, day, "payment", -25_000, "Standing order")
    return works


def _overview(session, person, tenancy, ref, settings):
    _choice, overview = summary.account_overview(
        session, Caller(person.id, tenancy.id), ref, now=NOW, settings=settings
    )
    return overview


def test_a_leaseholder_paying_major_works_instalments_on_time_is_not_told_they_are_in_arrears(
    session, records, settings
):
    person, tenancy = _leaseholder(records)
    _major_works(records, tenancy, paid_until=date(2026, 11, 1))  # 29 instalments of £250

    overview = _overview(session, person, tenancy, "MW1", settings)

    assert overview.summary.balance_pence == 520_000
    assert overview.summary.balance_words == (
        "You owe £5,200.00, paid in instalments of £250.00 a month; nothing is overdue"
    )
    assert overview.arrears is False
    assert overview.summary.overdue_pence == 0


@pytest.mark.parametrize("extra_on", [date(2026, 10, 15), date(2026, 11, 12)])
def test_a_leaseholder_who_pays_a_little_extra_one_month_is_still_told_nothing_is_overdue(
    session, records, settings, extra_on
):
    """One payment of another amount between the instalments (or after the latest) hid the
    plan from the rule, so the whole balance read as arrears."""
    person, tenancy = _leaseholder(records)
    works = _major_works(records, tenancy, paid_until=date(2026, 11, 1))
    records.post(works, extra_on, "payment", -10_000, "Card payment")

    overview = _overview(session, person, tenancy, "MW1", settings)

    assert overview.summary.balance_words == (
        "You owe £5,100.00, paid in instalments of £250.00 a month; nothing is overdue"
    )
    assert overview.arrears is False


def test_a_leaseholder_who_missed_two_major_works_instalments_is_told_those_two_are_overdue(session, records, settings):
    person, tenancy = _leaseholder(records)
    _major_works(records, tenancy, paid_until=date(2026, 9, 1))  # October's and November's missed

    overview = _overview(session, person, tenancy, "MW1", settings)

    assert overview.summary.balance_words == (
        "You owe £5,700.00, paid in instalments of £250.00 a month; £500.00 of it is overdue (arrears)"
    )
    assert overview.arrears is True
    assert overview.summary.overdue_pence == 50_000


def test_an_instalment_is_not_overdue_while_the_payment_can_still_be_on_its_way(session, records, settings):
    person, tenancy = _leaseholder(records)
    _major_works(records, tenancy, paid_until=date(2026, 10, 1))  # November's due on 1 November

    on_the_third = datetime(2026, 11, 3, 12, tzinfo=UTC)
    _choice, overview = summary.account_overview(
        session, Caller(person.id, tenancy.id), "MW1", now=on_the_third, settings=settings
    )

    assert overview.summary.overdue_pence == 0
    assert overview.arrears is False


def test_a_major_works_bill_with_no_instalments_is_owed_in_full_and_overdue(session, records, settings):
    person, tenancy = _leaseholder(records)
    works = records.account(tenancy, "major_works", ref="MW1", opened=date(2026, 6, 1))
    records.post(works, date(2026, 6, 1), "other_charge", 300_000, "Major works: lift renewal (your share)")

    overview = _overview(session, person, tenancy, "MW1", settings)

    assert overview.summary.balance_words == "You owe £3,000.00 (arrears)"
    assert overview.arrears is True


def _service_charge_by_direct_debit(records, tenancy, *, last_month: date = date(2026, 11, 1)):
    account = records.account(tenancy, "service_charge", ref="SC1", opened=tenancy.start_date)
    records.charge(
        account,
        120_000,
        "yearly",
        code="estimated_service_charge",
        description="Service charge (yearly estimate)",
        start=date(2026, 4, 1),
    )
    records.charge(account, 1_000, "yearly", code="ground_rent", description="Ground rent", start=date(2026, 4, 1))
    records.post(account, date(2026, 4, 1), "other_charge", 1_000, "Ground rent 2026/27")
    for n, day in enumerate(_months(date(2026, 4, 1), last_month), start=1):
        records.post(account, day, "service_charge", 10_000, f"Service charge 2026/27: instalment {n} of 12")
        records.post(account, day, "direct_debit", -10_083, "Direct Debit")
    return account


def test_a_leaseholder_paying_service_charges_by_monthly_direct_debit_owes_nothing_overdue(session, records, settings):
    person, tenancy = _leaseholder(records)
    _service_charge_by_direct_debit(records, tenancy)

    overview = _overview(session, person, tenancy, "SC1", settings)

    assert overview.summary.balance_pence == 336
    assert overview.summary.balance_words == (
        "You owe £3.36, paid by Direct Debit of £100.83 a month; nothing is overdue"
    )
    assert overview.arrears is False


def test_next_due_on_a_service_charge_billed_in_monthly_instalments_is_the_next_instalment(session, records, settings):
    person, tenancy = _leaseholder(records)
    _service_charge_by_direct_debit(records, tenancy)

    (found,) = balances.account_summaries(
        session, person_id=person.id, tenancy_id=tenancy.id, today=TODAY, now=NOW, allow_former=False
    )

    assert (found.next_due_on, found.next_due_pence) == (date(2026, 12, 1), 10_000)


def test_next_due_on_a_service_charge_billed_monthly_adds_the_ground_rent_when_the_year_turns(
    session, records, settings
):
    person, tenancy = _leaseholder(records)
    _service_charge_by_direct_debit(records, tenancy, last_month=date(2027, 3, 1))

    (found,) = balances.account_summaries(
        session,
        person_id=person.id,
        tenancy_id=tenancy.id,
        today=date(2027, 3, 10),
        now=datetime(2027, 3, 10, 9, tzinfo=UTC),
        allow_former=False,
    )

    assert (found.next_due_on, found.next_due_pence) == (date(2027, 4, 1), 11_000)


def test_a_service_charge_billed_yearly_is_still_next_due_on_its_yearly_date(session, records, settings):
    person, tenancy = _leaseholder(records)
    account = records.account(tenancy, "service_charge", ref="SC1", opened=tenancy.start_date)
    records.charge(account, 120_000, "yearly", code="estimated_service_charge", start=date(2026, 4, 1))
    records.post(account, date(2026, 4, 1), "service_charge", 120_000, "Service charge estimate 2026/27")
    records.post(account, date(2026, 4, 20), "payment", -120_000, "Bank transfer")

    (found,) = balances.account_summaries(
        session, person_id=person.id, tenancy_id=tenancy.id, today=TODAY, now=NOW, allow_former=False
    )

    assert (found.next_due_on, found.next_due_pence) == (date(2027, 4, 1), 120_000)


def test_rent_charged_weekly_in_advance_and_not_paid_is_arrears(session, records, settings):
    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1")
    records.charge(rent, 11_400)
    records.post(rent, date(2026, 11, 16), "rent_charge", 11_400, "Rent")

    overview = _overview(session, person, tenancy, "RENT1", settings)

    assert overview.summary.balance_words == "You owe £114.00 (arrears)"
    assert overview.summary.overdue_pence == 11_400
    assert overview.arrears is True


def test_a_garage_charged_weekly_and_not_paid_is_arrears(session, records, settings):
    person, tenancy, _rent = records.tenant_with_rent_account(ref="RENT1")
    garage = records.account(tenancy, "garage", ref="GA1")
    records.charge(garage, 1_250, code="garage")
    records.post(garage, date(2026, 11, 16), "rent_charge", 1_250, "Garage rent")

    overview = _overview(session, person, tenancy, "GA1", settings)

    assert overview.summary.balance_words == "You owe £12.50 (arrears)"
    assert overview.arrears is True


def test_the_home_page_and_the_account_page_agree_on_what_is_overdue(session, records, settings):
    person, tenancy = _leaseholder(records)
    _major_works(records, tenancy, paid_until=date(2026, 11, 1))

    (card,) = balances.account_summaries(
        session, person_id=person.id, tenancy_id=tenancy.id, today=TODAY, now=NOW, allow_former=False
    )
    overview = _overview(session, person, tenancy, "MW1", settings)

    assert (card.balance_words, card.arrears) == (overview.summary.balance_words, overview.arrears)
    assert card.arrears is False


# ---------------------------------------------------------------------------
# Benefits paid in arrears
# ---------------------------------------------------------------------------


def _on_housing_benefit(records, *, missed_weeks: int):
    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1")
    records.charge(rent, 10_000, eligible=True)
    # Rent every Monday; each week's benefit arrives the Monday after (paid in arrears), so
    # the week from 16 November is still to be paid by Housing Benefit on 23 November.
    monday = date(2026, 9, 7)
    while monday <= TODAY:
        records.post(rent, monday, "rent_charge", 10_000, "Rent", week=monday)
        if monday > date(2026, 9, 7):
            week = monday - timedelta(days=7)
            records.post(rent, monday, "housing_benefit", -10_000, "Housing Benefit", week=week)
        monday += timedelta(days=7)
    if missed_weeks:
        records.post(rent, date(2026, 10, 1), "other_charge", 10_000 * missed_weeks, "Arrears brought forward")
    return person, tenancy


def test_a_housing_benefit_payer_owing_only_the_week_benefit_has_not_paid_yet_is_told_why_and_not_arrears(
    session, records, settings
):
    person, tenancy = _on_housing_benefit(records, missed_weeks=0)

    overview = _overview(session, person, tenancy, "RENT1", settings)

    assert overview.summary.balance_pence == 10_000
    assert overview.explanations == (ledger.HB_EXPLANATION,)
    assert overview.summary.balance_words == "You owe £100.00; nothing is overdue"
    assert overview.arrears is False


def test_a_housing_benefit_payer_far_behind_is_told_plainly_that_most_of_it_is_arrears_with_help(
    session, records, settings
):
    person, tenancy = _on_housing_benefit(records, missed_weeks=10)

    overview = _overview(session, person, tenancy, "RENT1", settings)

    assert overview.summary.balance_pence == 110_000
    assert ledger.HB_EXPLANATION not in overview.explanations
    (words,) = overview.explanations
    assert "Housing Benefit is paid in arrears, which explains up to £100.00 of your balance" in words
    assert "The other £1,000.00 is arrears" in words
    assert settings.landlord_phone in words
    assert "benefits advice" in words
    assert overview.summary.balance_words == "You owe £1,100.00; £1,000.00 of it is overdue (arrears)"
    assert overview.arrears is True


# ---------------------------------------------------------------------------
# The chart in words
# ---------------------------------------------------------------------------


def test_the_chart_and_its_words_show_the_most_owed_the_history_shows_even_inside_one_day(session, records, settings):
    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1")
    # 900 days of small postings: the chart keeps one day in three.
    start = date(2024, 5, 1)
    rows = [(start + timedelta(days=i), "adjustment", 100 if i % 2 == 0 else -100, "Adjustment") for i in range(900)]
    records.post_many(rent, rows)
    # On 5 October 2026, rent first, then benefit the same day: the day ends lower than its peak.
    records.post(rent, date(2026, 10, 5), "rent_charge", 113_591, "Rent")
    records.post(rent, date(2026, 10, 5), "housing_benefit", -110_000, "Housing Benefit")

    overview = _overview(session, person, tenancy, "RENT1", settings)
    found = ledger.history_page(session, rent.id, page_size=200)
    peak = max(found.lines, key=lambda line: line.balance_after_pence)

    assert (peak.posted_on, peak.balance_after_pence) == (date(2026, 10, 5), 113_591)
    assert "Most owed: £1,135.91 DR on 5 October 2026." in overview.chart_summary
    assert max(overview.series, key=lambda p: p[1]) == (date(2026, 10, 5), 113_591)  # and the chart draws it
    assert overview.chart_summary.startswith("From 1 May 2024 to ")
