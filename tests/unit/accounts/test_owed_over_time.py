"""Only overdue money is arrears, on every page and paper that says what is owed: a
statement's closing words as at the end of its period, the major works plan, and a
leaseholder's bill that is owed but not yet due (services/accounts/owed.py)."""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from portal_app.services.accounts import balances, ledger, owed, summary
from portal_app.services.accounts.statements import Landlord, statement, to_html, to_pdf
from portal_app.services.money import balance_words
from portal_app.settings import get_settings, load_settings
from tests.unit.accounts.test_owed import _leaseholder, _months

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)  # a Sunday
TODAY = date(2026, 11, 22)
LANDLORD = Landlord("Northbrook Homes", "Northbrook Homes, 1 Civic Way, Northbrook NB1 1AA", "0300 123 4567")


@dataclass(frozen=True)
class Caller:
    person_id: int
    tenancy_id: int


@pytest.fixture
def settings():
    return replace(get_settings(), allow_former_tenants=False, leasehold_bill_days_to_pay=30)


def _major_works(records, tenancy, *, paid: list[date], amount: int = 25_000):
    works = records.account(tenancy, "major_works", ref="MW1", opened=date(2024, 6, 3))
    records.post(works, date(2024, 6, 3), "other_charge", 1_245_000, "Major works: roof renewal (your share)")
    for day in paid:
        records.post(works, day, "payment", -amount, "Standing order")
    return works


def _overview(session, person, tenancy, ref, settings, now=NOW):
    _choice, overview = summary.account_overview(
        session, Caller(person.id, tenancy.id), ref, now=now, settings=settings
    )
    return overview


def _pdf_text(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


# ---------------------------------------------------------------------------
# Statements: what was owed at the end of the period, and how much of it was overdue
# ---------------------------------------------------------------------------


def test_a_leaseholder_paying_instalments_on_time_is_not_told_by_their_statement_that_they_were_in_arrears(
    session, records
):
    _person, tenancy = _leaseholder(records)
    works = _major_works(records, tenancy, paid=list(_months(date(2024, 7, 1), date(2026, 11, 1))))

    last_month = statement(session, works.id, date(2026, 10, 1), date(2026, 10, 31), landlord=LANDLORD, now=NOW)
    to_today = statement(session, works.id, date(2026, 10, 1), TODAY, landlord=LANDLORD, now=NOW)

    assert last_month.closing_words == (
        "On 31 October 2026 you owed £5,450.00, paid in instalments of £250.00 a month; nothing was overdue"
    )
    assert to_today.closing_words == "You owe £5,200.00, paid in instalments of £250.00 a month; nothing is overdue"
    for st in (last_month, to_today):
        assert "arrears" not in to_html(st).decode()
        assert "arrears" not in _pdf_text(to_pdf(st))


def test_a_statement_says_how_much_was_overdue_at_its_end_even_though_it_has_been_paid_since(session, records):
    _person, tenancy = _leaseholder(records)
    # August's and September's instalments missed, then paid with October's and November's.
    paid = [d for d in _months(date(2024, 7, 1), date(2026, 7, 1))]
    works = _major_works(records, tenancy, paid=paid)
    records.post(works, date(2026, 10, 1), "payment", -75_000, "Card payment online")
    records.post(works, date(2026, 11, 1), "payment", -25_000, "Standing order")

    summer = statement(session, works.id, date(2026, 9, 1), date(2026, 9, 30), landlord=LANDLORD, now=NOW)
    now_st = statement(session, works.id, date(2026, 9, 1), TODAY, landlord=LANDLORD, now=NOW)

    assert summer.closing_words == (
        "On 30 September 2026 you owed £6,200.00, paid in instalments of £250.00 a month; "
        "£500.00 of it was overdue (arrears)"
    )
    assert now_st.closing_words == "You owe £5,200.00, paid in instalments of £250.00 a month; nothing is overdue"


def test_a_tenant_whose_rent_was_unpaid_at_the_end_of_a_past_statement_is_told_all_of_it_was_overdue(session, records):
    _person, _tenancy, rent = records.tenant_with_rent_account(ref="RENT1")
    records.post(rent, date(2026, 11, 2), "rent_charge", 11_819, "Rent")
    records.post(rent, date(2026, 11, 2), "court_costs", 35_500, "Court costs: possession claim")

    st = statement(session, rent.id, date(2026, 11, 1), date(2026, 11, 2), landlord=LANDLORD, now=NOW)

    assert st.closing_words == "On 2 November 2026 you owed £473.19, all of it overdue (arrears)"


def test_the_statement_pdf_says_dr_means_owed_and_not_arrears(session, records):
    _person, tenancy = _leaseholder(records)
    works = _major_works(records, tenancy, paid=list(_months(date(2024, 7, 1), date(2026, 11, 1))))

    text = _pdf_text(to_pdf(statement(session, works.id, date(2026, 1, 1), TODAY, landlord=LANDLORD, now=NOW)))

    assert "DR means an amount owed; CR means an amount in credit." in text


def test_what_is_owed_is_worked_out_as_at_a_past_day_from_the_ledger_up_to_that_day(session, records):
    _person, tenancy = _leaseholder(records)
    works = _major_works(records, tenancy, paid=list(_months(date(2024, 7, 1), date(2026, 7, 1))))
    records.post(works, date(2026, 10, 1), "payment", -75_000, "Card payment online")
    records.post(works, date(2026, 11, 1), "payment", -25_000, "Standing order")

    then = owed.standing(session, works.id, "major_works", 620_000, date(2026, 9, 30))
    now = owed.standing(session, works.id, "major_works", 520_000, TODAY)

    assert (then.overdue_pence, then.later_pence) == (50_000, 570_000)
    assert (now.overdue_pence, now.later_pence) == (0, 520_000)


# ---------------------------------------------------------------------------
# The major works plan: one instalment rule with what is overdue
# ---------------------------------------------------------------------------


def test_a_leaseholder_who_raised_their_instalments_is_told_the_same_instalment_in_both_places(
    session, records, settings
):
    person, tenancy = _leaseholder(records)
    works = _major_works(records, tenancy, paid=list(_months(date(2024, 7, 1), date(2026, 10, 1))))
    records.post(works, date(2026, 11, 1), "payment", -30_000, "Standing order (raised)")

    overview = _overview(session, person, tenancy, "MW1", settings)
    (plan,) = ledger.leaseholder_summary(session, tenancy.id, TODAY).major_works

    assert overview.summary.balance_words == (
        "You owe £5,150.00, paid in instalments of £300.00 a month; nothing is overdue"
    )
    assert (plan.basis, plan.instalment_pence) == ("instalments", 30_000)
    assert plan.words == (
        "You owe £5,150.00 for major works. At £300.00 a month, your instalments will clear it in "
        "18 months (the last one £50.00)."
    )


def test_a_leaseholder_who_missed_instalments_is_told_the_plan_and_what_of_it_is_overdue_not_a_new_twelve_month_plan(
    session, records, settings
):
    person, tenancy = _leaseholder(records)
    _major_works(records, tenancy, paid=list(_months(date(2024, 7, 1), date(2026, 8, 1))))

    overview = _overview(session, person, tenancy, "MW1", settings)
    (plan,) = ledger.leaseholder_summary(session, tenancy.id, TODAY).major_works

    assert overview.summary.overdue_pence == 75_000
    assert plan.basis == "instalments"
    assert plan.words == (
        "You owe £5,950.00 for major works, £750.00 of it overdue (missed instalments). At £250.00 a month, "
        "your instalments will clear it in 24 months (the last one £200.00)."
    )


# ---------------------------------------------------------------------------
# A leaseholder's bill is owed from the day it is charged and overdue once its days to pay pass
# ---------------------------------------------------------------------------


def test_a_leaseholder_billed_for_major_works_last_week_owes_it_but_is_not_in_arrears_until_it_falls_due(
    session, records, settings
):
    person, tenancy = _leaseholder(records)
    works = records.account(tenancy, "major_works", ref="MW1", opened=date(2026, 11, 10))
    records.post(works, date(2026, 11, 10), "other_charge", 300_000, "Major works: lift renewal (your share)")

    overview = _overview(session, person, tenancy, "MW1", settings)

    assert overview.summary.balance_words == (
        "You owe £3,000.00; nothing is overdue: £3,000.00 falls due on 10 December 2026"
    )
    assert overview.arrears is False
    assert overview.summary.overdue_pence == 0
    assert (overview.summary.next_due_on, overview.summary.next_due_pence) == (date(2026, 12, 10), 300_000)


def test_a_leaseholder_with_an_old_unpaid_bill_and_a_new_one_is_told_which_part_is_arrears(session, records, settings):
    person, tenancy = _leaseholder(records)
    account = records.account(tenancy, "service_charge", ref="SC1", opened=tenancy.start_date)
    records.post(account, date(2026, 4, 1), "service_charge", 120_000, "Service charge estimate 2026/27")
    records.post(account, date(2026, 5, 1), "payment", -100_000, "Bank transfer")
    records.post(
        account, date(2026, 11, 2), "adjustment", 45_000, "Service charge actual costs 2025/26: balancing charge"
    )

    overview = _overview(session, person, tenancy, "SC1", settings)

    assert overview.summary.balance_words == (
        "You owe £650.00; £200.00 of it is overdue (arrears) and £450.00 falls due on 2 December 2026"
    )
    assert overview.arrears is True
    assert overview.summary.overdue_pence == 20_000


def test_a_leaseholders_bill_is_overdue_once_the_days_to_pay_in_their_lease_have_passed(session, records, settings):
    person, tenancy = _leaseholder(records)
    works = records.account(tenancy, "major_works", ref="MW1", opened=date(2026, 10, 1))
    records.post(works, date(2026, 10, 1), "other_charge", 300_000, "Major works: lift renewal (your share)")

    thirty = _overview(session, person, tenancy, "MW1", settings)
    sixty = _overview(session, person, tenancy, "MW1", replace(settings, leasehold_bill_days_to_pay=60))

    assert (thirty.summary.balance_words, thirty.arrears) == ("You owe £3,000.00 (arrears)", True)
    assert (sixty.summary.balance_words, sixty.arrears) == (
        "You owe £3,000.00; nothing is overdue: £3,000.00 falls due on 30 November 2026",
        False,
    )


def test_the_days_a_leaseholder_has_to_pay_a_bill_are_set_by_the_landlord_and_are_30_unless_set():
    assert load_settings({}).leasehold_bill_days_to_pay == 30
    assert load_settings({"LEASEHOLD_BILL_DAYS_TO_PAY": "21"}).leasehold_bill_days_to_pay == 21


def test_rent_charged_this_week_is_still_due_the_day_it_is_charged(session, records, settings):
    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1")
    records.charge(rent, 11_400)
    records.post(rent, date(2026, 11, 16), "rent_charge", 11_400, "Rent")

    (card,) = balances.account_summaries(
        session, person_id=person.id, tenancy_id=tenancy.id, today=TODAY, now=NOW, allow_former=False
    )

    assert (card.balance_words, card.arrears) == ("You owe £114.00 (arrears)", True)


def test_a_balance_in_words_without_its_due_dates_says_what_is_owed_and_never_calls_it_arrears():
    # Used where only a balance is known (what the account will read once pending payments
    # are added): whether any of it is overdue is owed.standing's to say, not this.
    assert balance_words(12_345) == "You owe £123.45"
    assert balance_words(-2_000) == "You are £20.00 in credit"


def test_a_leaseholder_paying_major_works_by_instalments_is_told_when_the_next_one_is_due_not_nothing_due(
    session, records, settings
):
    person, tenancy = _leaseholder(records)
    _major_works(records, tenancy, paid=list(_months(date(2024, 7, 1), date(2026, 11, 1))))

    overview = _overview(session, person, tenancy, "MW1", settings)

    assert summary.next_due_words(overview.summary) == "£250.00 on 1 December 2026"


def test_on_the_day_an_instalment_is_due_and_not_yet_shown_paid_it_is_what_is_next_due(session, records, settings):
    person, tenancy = _leaseholder(records)
    _major_works(records, tenancy, paid=list(_months(date(2024, 7, 1), date(2026, 11, 1))))

    on_the_day = _overview(session, person, tenancy, "MW1", settings, now=datetime(2026, 12, 1, 9, tzinfo=UTC))

    assert summary.next_due_words(on_the_day.summary) == "£250.00 on 1 December 2026"
    assert on_the_day.arrears is False
