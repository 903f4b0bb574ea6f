"""The account page's ledger: charges in force, history with running balances, the balance
over time, portal payments not yet posted, benefit explanations and a leaseholder's year."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from portal_app.models import PortalPayment
from portal_app.services.accounts import ledger
from portal_app.services.accounts.ledger import (
    HB_EXPLANATION,
    TYPE_GROUPS,
    TYPE_LABELS,
    UC_EXPLANATION,
    balance_with_pending,
    benefit_explanations,
    charge_breakdown,
    history_page,
    leaseholder_summary,
    pending_payments,
    reconcile_portal_payments,
    service_charge_year,
)
from portal_app.services.records.importer import TRANSACTION_TYPES
from tests.factories import FIRST_MONDAY, twenty_years_of_rent

TODAY = date(2026, 11, 22)  # a Sunday
NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


def seen(page):
    return [(line.posted_on, line.type, line.amount_pence, line.balance_after_pence) for line in page.lines]


# ---------------------------------------------------------------------------
# Plain words for every transaction type
# ---------------------------------------------------------------------------


def test_every_transaction_type_of_the_import_format_has_plain_words_and_exactly_one_group():
    grouped = [kind for kinds in TYPE_GROUPS.values() for kind in kinds]

    assert set(TYPE_LABELS) == set(TRANSACTION_TYPES)
    assert sorted(grouped) == sorted(TRANSACTION_TYPES)
    assert TYPE_LABELS["housing_benefit"] == "Housing Benefit"
    assert TYPE_LABELS["direct_debit"] == "Direct Debit"


# ---------------------------------------------------------------------------
# Charges in force
# ---------------------------------------------------------------------------


def test_the_charge_breakdown_lists_todays_charges_as_weekly_figures_with_eligibility_totals(session, records):
    _p, _t, rent = records.tenant_with_rent_account()
    records.charge(rent, 11369, description="Basic rent", eligible=True)
    records.charge(rent, 412, code="caretaking", description="Caretaking", eligible=True)
    records.charge(rent, 446, code="water", description="Water and sewerage charges", eligible=False)
    records.charge(rent, 5200, "monthly", code="parking", description="Parking bay")  # 5200 x 12 / 52 = 1200
    records.charge(rent, 10849, start=date(2025, 4, 7), end=date(2026, 4, 5), eligible=True)  # last year's rent
    records.charge(rent, 500, code="lift", start=date(2026, 11, 23), eligible=True)  # from tomorrow

    breakdown = charge_breakdown(session, rent.id, TODAY)

    assert [
        (c.code, c.description, c.amount_pence, c.frequency, c.weekly_pence, c.benefit_eligible)
        for c in breakdown.lines
    ] == [
        ("basic_rent", "Basic rent", 11369, "weekly", 11369, True),
        ("caretaking", "Caretaking", 412, "weekly", 412, True),
        ("parking", "Parking bay", 5200, "monthly", 1200, None),
        ("water", "Water and sewerage charges", 446, "weekly", 446, False),
    ]
    assert (
        breakdown.total_weekly_pence,
        breakdown.eligible_weekly_pence,
        breakdown.not_eligible_weekly_pence,
        breakdown.not_stated_weekly_pence,
    ) == (13427, 11781, 446, 1200)
    assert [c.monthly_pence for c in breakdown.lines] == [49266, 1785, 5200, 1933]  # weekly x 52 / 12, half up
    assert breakdown.total_monthly_pence == 49266 + 1785 + 5200 + 1933
    assert (breakdown.rent_frequency, breakdown.as_at) == ("weekly", TODAY)


def test_a_charge_is_in_force_on_its_first_and_last_days(session, records):
    _p, _t, rent = records.tenant_with_rent_account()
    records.charge(rent, 10849, start=date(2025, 4, 7), end=date(2026, 4, 5))
    records.charge(rent, 11369, start=date(2026, 4, 6))

    last_day = charge_breakdown(session, rent.id, date(2026, 4, 5))
    first_day = charge_breakdown(session, rent.id, date(2026, 4, 6))

    assert [c.amount_pence for c in last_day.lines] == [10849]
    assert [c.amount_pence for c in first_day.lines] == [11369]


def test_a_monthly_shared_ownership_account_says_it_is_monthly_and_totals_its_monthly_charges(session, records):
    _p, tenancy, rent = records.tenant_with_rent_account(tenure="shared_ownership")
    tenancy.rent_frequency = "monthly"
    records.charge(rent, 50000, "monthly", start=date(2026, 4, 1), description="Rent on the share we own")
    records.charge(rent, 8000, "monthly", code="estimated_service_charge", start=date(2026, 4, 1))

    breakdown = charge_breakdown(session, rent.id, TODAY)

    assert breakdown.rent_frequency == "monthly"
    assert breakdown.total_monthly_pence == 58000
    assert breakdown.total_weekly_pence == 11538 + 1846  # 50000 x 12 / 52, 8000 x 12 / 52


def test_an_account_without_charges_has_an_empty_breakdown(session, records):
    _p, _t, rent = records.tenant_with_rent_account()

    breakdown = charge_breakdown(session, rent.id, TODAY)

    assert (breakdown.lines, breakdown.total_weekly_pence, breakdown.total_monthly_pence) == ((), 0, 0)


# ---------------------------------------------------------------------------
# History
# ---------------------------------------------------------------------------


def small_ledger(records, rent):
    records.post(rent, date(2026, 11, 2), "rent_charge", 11819, "Rent", week=date(2026, 11, 2))
    records.post(rent, date(2026, 11, 2), "housing_benefit", -9000, "Housing Benefit", week=date(2026, 11, 2))
    records.post(rent, date(2026, 11, 5), "payment", -2819, "Payment at PayPoint")
    records.post(rent, date(2026, 11, 9), "rent_charge", 11819, "Rent", week=date(2026, 11, 9))
    records.post(rent, date(2026, 11, 9), "housing_benefit", -9000, "Housing Benefit", week=date(2026, 11, 9))
    records.post(rent, date(2026, 11, 12), "direct_debit", -5000, "Direct Debit")
    records.post(rent, date(2026, 11, 15), "payment_returned", 5000, "Direct Debit returned unpaid")
    records.post(rent, date(2026, 11, 16), "rent_charge", 11819, "Rent", week=date(2026, 11, 16))


def test_history_is_newest_first_with_the_whole_accounts_balance_after_each_posting(session, records):
    _p, _t, rent = records.tenant_with_rent_account()
    small_ledger(records, rent)

    page = history_page(session, rent.id)

    assert seen(page) == [
        (date(2026, 11, 16), "rent_charge", 11819, 14638),
        (date(2026, 11, 15), "payment_returned", 5000, 2819),
        (date(2026, 11, 12), "direct_debit", -5000, -2181),
        (date(2026, 11, 9), "housing_benefit", -9000, 2819),
        (date(2026, 11, 9), "rent_charge", 11819, 11819),
        (date(2026, 11, 5), "payment", -2819, 0),
        (date(2026, 11, 2), "housing_benefit", -9000, 2819),
        (date(2026, 11, 2), "rent_charge", 11819, 11819),
    ]
    first = page.lines[0]
    assert (first.type_label, first.description, first.debit_pence, first.credit_pence, first.week_commencing) == (
        "Rent",
        "Rent",
        11819,
        None,
        date(2026, 11, 16),
    )
    dd = page.lines[2]
    assert (dd.type_label, dd.debit_pence, dd.credit_pence, dd.week_commencing) == ("Direct Debit", None, 5000, None)
    assert (page.total_lines, page.page, page.page_count, page.has_prev, page.has_next) == (8, 1, 1, False, False)


def test_a_type_filter_keeps_the_balances_of_the_whole_ledger(session, records):
    _p, _t, rent = records.tenant_with_rent_account()
    small_ledger(records, rent)

    page = history_page(session, rent.id, types=TYPE_GROUPS["payments"])

    assert seen(page) == [
        (date(2026, 11, 15), "payment_returned", 5000, 2819),
        (date(2026, 11, 12), "direct_debit", -5000, -2181),
        (date(2026, 11, 5), "payment", -2819, 0),
    ]
    assert (page.total_lines, page.types) == (3, TYPE_GROUPS["payments"])


def test_a_date_range_includes_both_ends_and_its_balances_count_earlier_postings(session, records):
    _p, _t, rent = records.tenant_with_rent_account()
    small_ledger(records, rent)

    page = history_page(session, rent.id, date_from=date(2026, 11, 5), date_to=date(2026, 11, 12))

    assert seen(page) == [
        (date(2026, 11, 12), "direct_debit", -5000, -2181),
        (date(2026, 11, 9), "housing_benefit", -9000, 2819),
        (date(2026, 11, 9), "rent_charge", 11819, 11819),
        (date(2026, 11, 5), "payment", -2819, 0),
    ]


def test_date_and_type_filters_combine(session, records):
    _p, _t, rent = records.tenant_with_rent_account()
    small_ledger(records, rent)

    page = history_page(session, rent.id, date_from=date(2026, 11, 9), types=("rent_charge", "housing_benefit"))

    assert seen(page) == [
        (date(2026, 11, 16), "rent_charge", 11819, 14638),
        (date(2026, 11, 9), "housing_benefit", -9000, 2819),
        (date(2026, 11, 9), "rent_charge", 11819, 11819),
    ]


def test_postings_on_other_accounts_never_appear_or_count(session, records):
    _p, tenancy, rent = records.tenant_with_rent_account()
    garage = records.account(tenancy, "garage", ref="G1")
    records.post(rent, date(2026, 11, 16), "rent_charge", 11819)
    records.post(garage, date(2026, 11, 16), "other_charge", 1200)
    records.post(garage, date(2026, 11, 17), "payment", -500)

    page = history_page(session, rent.id)

    assert seen(page) == [(date(2026, 11, 16), "rent_charge", 11819, 11819)]


def test_an_account_with_no_postings_has_one_empty_page(session, records):
    _p, _t, rent = records.tenant_with_rent_account()

    page = history_page(session, rent.id, page=3)

    assert (page.lines, page.total_lines, page.page, page.page_count, page.has_prev, page.has_next) == (
        (),
        0,
        1,
        1,
        False,
        False,
    )


def test_paging_a_twenty_year_account_gives_every_line_once_with_its_running_balance(session, records):
    _p, _t, rent = records.tenant_with_rent_account(start=FIRST_MONDAY)
    expected = twenty_years_of_rent(records, rent)

    first = history_page(session, rent.id)
    pages = [first] + [history_page(session, rent.id, page=n) for n in range(2, first.page_count + 1)]

    assert len(expected) == 1_901
    assert (first.total_lines, first.page_count, first.page_size) == (1_901, 39, 50)
    assert [p.page for p in pages] == list(range(1, 40))
    assert [(p.has_prev, p.has_next) for p in (pages[0], pages[1], pages[-1])] == [
        (False, True),
        (True, True),
        (True, False),
    ]
    assert [len(p.lines) for p in pages[-2:]] == [50, 1]
    assert [row for p in pages for row in seen(p)] == expected
    assert seen(first)[0] == (date(2026, 11, 16), "housing_benefit", -6000, expected[0][3])


def test_a_page_past_the_end_gives_the_last_page_and_one_below_one_gives_the_first(session, records):
    _p, _t, rent = records.tenant_with_rent_account(start=FIRST_MONDAY)
    expected = twenty_years_of_rent(records, rent)

    past = history_page(session, rent.id, page=999, page_size=200)
    below = history_page(session, rent.id, page=-4, page_size=200)

    assert (past.page, past.page_count, len(past.lines)) == (10, 10, 101)
    assert seen(past) == expected[-101:]
    assert (below.page, seen(below)) == (1, expected[:200])


def test_paging_a_filtered_twenty_year_account_counts_only_matching_lines(session, records):
    _p, _t, rent = records.tenant_with_rent_account(start=FIRST_MONDAY)
    expected = twenty_years_of_rent(records, rent)
    wanted = [r for r in expected if r[1] == "payment" and date(2010, 1, 1) <= r[0] <= date(2019, 12, 31)]

    first = history_page(
        session, rent.id, date_from=date(2010, 1, 1), date_to=date(2019, 12, 31), types=("payment",), page_size=20
    )
    rest = [
        history_page(
            session,
            rent.id,
            date_from=date(2010, 1, 1),
            date_to=date(2019, 12, 31),
            types=("payment",),
            page_size=20,
            page=n,
        )
        for n in range(2, first.page_count + 1)
    ]

    assert first.total_lines == len(wanted) == 131
    assert first.page_count == 7
    assert [row for p in [first, *rest] for row in seen(p)] == wanted


def test_unknown_types_backwards_ranges_and_odd_page_sizes_are_refused(session, records):
    _p, _t, rent = records.tenant_with_rent_account()

    with pytest.raises(ValueError):
        history_page(session, rent.id, types=("rent_charge", "'; DROP TABLE account; --"))
    with pytest.raises(ValueError):
        history_page(session, rent.id, date_from=date(2026, 11, 2), date_to=date(2026, 11, 1))
    with pytest.raises(ValueError):
        history_page(session, rent.id, page_size=0)
    with pytest.raises(ValueError):
        history_page(session, rent.id, page_size=201)


def test_an_empty_type_filter_means_every_type(session, records):
    _p, _t, rent = records.tenant_with_rent_account()
    small_ledger(records, rent)

    page = history_page(session, rent.id, types=())

    assert (page.total_lines, page.types) == (8, None)


# ---------------------------------------------------------------------------
# The balance over time
# ---------------------------------------------------------------------------


def test_a_short_accounts_chart_draws_the_balance_after_every_posting_as_its_history_shows_it(session, records):
    _p, _t, rent = records.tenant_with_rent_account()
    small_ledger(records, rent)

    chart = ledger.balance_over_time(session, rent.id).chart
    history = ledger.history_page(session, rent.id).lines

    assert list(chart) == [(line.posted_on, line.balance_after_pence) for line in reversed(history)]
    assert chart[-1] == (date(2026, 11, 16), 14638)  # ends on the balance now


def test_an_account_without_postings_has_no_chart(session, records):
    _p, _t, rent = records.tenant_with_rent_account()

    assert ledger.balance_over_time(session, rent.id).chart == ()


# ---------------------------------------------------------------------------
# Portal payments not yet in the ledger
# ---------------------------------------------------------------------------


def test_a_portal_payment_is_pending_until_the_ledger_holds_its_reference_and_is_never_counted_twice(session, records):
    person, tenancy, rent = records.tenant_with_rent_account()
    user = records.user(person, tenancy, created_at=NOW)
    records.post(rent, date(2026, 11, 16), "rent_charge", 11819)
    records.portal_payment(rent, user, 5000, "DP-0001", at=datetime(2026, 11, 21, 23, 30, tzinfo=UTC))

    [pending] = pending_payments(session, rent.id)
    before = balance_with_pending(session, rent.id)
    records.post(rent, date(2026, 11, 23), "payment", -5000, "Card payment online", ref="DP-0001")
    after_feed = (pending_payments(session, rent.id), balance_with_pending(session, rent.id))

    assert (pending.reference, pending.amount_pence, pending.paid_on) == ("DP-0001", 5000, date(2026, 11, 21))
    assert before == (11819, 5000, 6819)
    assert after_feed == ([], (6819, 0, 6819))  # before reconcile has even run


def test_a_posting_with_the_same_reference_on_another_account_does_not_settle_a_payment(session, records):
    person, tenancy, rent = records.tenant_with_rent_account()
    garage = records.account(tenancy, "garage", ref="G1")
    user = records.user(person, tenancy, created_at=NOW)
    records.portal_payment(rent, user, 5000, "DP-0002", at=NOW)
    records.post(garage, date(2026, 11, 23), "payment", -5000, ref="DP-0002")

    assert [p.reference for p in pending_payments(session, rent.id)] == ["DP-0002"]
    assert reconcile_portal_payments(session, NOW) == 0


def test_reconciling_marks_only_payments_the_ledger_holds_and_a_second_run_changes_nothing(session, records):
    person, tenancy, rent = records.tenant_with_rent_account()
    user = records.user(person, tenancy, created_at=NOW)
    posted = records.portal_payment(rent, user, 5000, "DP-0003", at=NOW)
    waiting = records.portal_payment(rent, user, 2500, "DP-0004", at=NOW + timedelta(minutes=5))
    failed = records.portal_payment(rent, user, 700, "DP-0005", status="failed", at=NOW)
    records.post(rent, date(2026, 11, 23), "payment", -5000, ref="DP-0003")
    records.post(rent, date(2026, 11, 23), "payment", -700, ref="DP-0005")

    changed = reconcile_portal_payments(session, NOW)
    again = reconcile_portal_payments(session, NOW)
    rows = {p.reference: (p.status, p.posted_transaction_ref) for p in session.exec(select(PortalPayment)).all()}

    assert (changed, again) == (1, 0)
    assert rows == {
        posted.reference: ("posted", "DP-0003"),
        waiting.reference: ("pending", None),
        failed.reference: ("failed", None),
    }
    assert [p.reference for p in pending_payments(session, rent.id)] == ["DP-0004"]
    assert balance_with_pending(session, rent.id) == (-5700, 2500, -8200)


def test_pending_payments_are_listed_oldest_first_and_only_for_the_account_asked_about(session, records):
    person, tenancy, rent = records.tenant_with_rent_account()
    other = records.account(tenancy, "sundry", ref="S1")
    user = records.user(person, tenancy, created_at=NOW)
    records.portal_payment(rent, user, 1000, "DP-B", at=NOW + timedelta(hours=1))
    records.portal_payment(rent, user, 2000, "DP-A", at=NOW)
    records.portal_payment(other, user, 3000, "DP-C", at=NOW)

    assert [(p.reference, p.amount_pence) for p in pending_payments(session, rent.id)] == [
        ("DP-A", 2000),
        ("DP-B", 1000),
    ]


# ---------------------------------------------------------------------------
# Benefit explanations
# ---------------------------------------------------------------------------


def test_the_housing_benefit_explanation_shows_only_with_a_housing_benefit_posting_in_the_last_8_weeks(
    session, records
):
    _p, _t, recent = records.tenant_with_rent_account(ref="R1")
    _p2, _t2, lapsed = records.tenant_with_rent_account(ref="R2")
    records.post(recent, TODAY - timedelta(days=56), "housing_benefit", -9000)
    records.post(lapsed, TODAY - timedelta(days=57), "housing_benefit", -9000)

    assert benefit_explanations(session, recent.id, TODAY) == [HB_EXPLANATION]
    assert benefit_explanations(session, lapsed.id, TODAY) == []


def test_the_universal_credit_explanation_shows_only_with_a_universal_credit_posting_in_the_last_45_days(
    session, records
):
    _p, _t, recent = records.tenant_with_rent_account(ref="R1")
    _p2, _t2, lapsed = records.tenant_with_rent_account(ref="R2")
    records.post(recent, TODAY - timedelta(days=45), "universal_credit", -48000)
    records.post(lapsed, TODAY - timedelta(days=46), "universal_credit", -48000)

    assert benefit_explanations(session, recent.id, TODAY) == [UC_EXPLANATION]
    assert benefit_explanations(session, lapsed.id, TODAY) == []


def test_an_account_moving_from_housing_benefit_to_universal_credit_shows_both_while_both_are_recent(session, records):
    _p, _t, rent = records.tenant_with_rent_account()
    records.post(rent, TODAY - timedelta(days=30), "housing_benefit", -9000)
    records.post(rent, TODAY - timedelta(days=3), "universal_credit", -48000)

    assert benefit_explanations(session, rent.id, TODAY) == [HB_EXPLANATION, UC_EXPLANATION]
    assert UC_EXPLANATION == (
        "Universal Credit is paid monthly in arrears, so your account can show a balance owed "
        "until your payment arrives."
    )
    assert HB_EXPLANATION == (
        "Housing Benefit is paid in arrears, so your account can show a balance owed between payments."
    )


def test_payers_without_benefit_postings_and_future_dated_benefit_postings_get_no_explanation(session, records):
    _p, _t, rent = records.tenant_with_rent_account()
    records.post(rent, TODAY - timedelta(days=3), "direct_debit", -48000, "Direct Debit")
    records.post(rent, TODAY - timedelta(days=3), "payment", -9000, "Housing Benefit arrears paid by the tenant")
    records.post(rent, TODAY + timedelta(days=1), "housing_benefit", -9000)

    assert benefit_explanations(session, rent.id, TODAY) == []


# ---------------------------------------------------------------------------
# Leaseholders
# ---------------------------------------------------------------------------


def leaseholder(records, *, major_works: bool = False):
    person = records.person("Priya", "Sharma")
    lease = records.tenancy("leasehold", start=date(2009, 11, 16))
    records.party(lease, person, "leaseholder")
    service = records.account(lease, "service_charge", ref="SC1")
    records.charge(
        service,
        148600,
        "yearly",
        code="estimated_service_charge",
        start=date(2025, 4, 1),
        end=date(2026, 3, 31),
        description="Service charge (yearly estimate)",
        eligible=False,
    )
    records.charge(
        service,
        155733,
        "yearly",
        code="estimated_service_charge",
        start=date(2026, 4, 1),
        description="Service charge (yearly estimate)",
        eligible=False,
    )
    records.charge(service, 1000, "yearly", code="ground_rent", start=date(2026, 4, 1), description="Ground rent")
    works = records.account(lease, "major_works", ref="MW1") if major_works else None
    return lease, service, works


def bill_year_by_instalments(records, service, year: int, estimate: int):
    instalment = (estimate * 2 + 12) // 24
    label = f"{year}/{str(year + 1)[-2:]}"
    for m in range(12):
        month = 4 + m
        day = date(year + (month > 12), (month - 1) % 12 + 1, 1)
        amount = instalment if m < 11 else estimate - 11 * instalment
        records.post(service, day, "service_charge", amount, f"Service charge {label}: instalment {m + 1} of 12")


def test_a_leaseholder_sees_this_years_estimate_a_month_and_the_ground_rent(session, records):
    lease, service, _w = leaseholder(records)
    records.post(service, date(2026, 11, 2), "direct_debit", -12479, "Direct Debit")

    summary = leaseholder_summary(session, lease.id, TODAY)

    assert (summary.year_label, summary.year_start, summary.year_end) == (
        "2026/27",
        date(2026, 4, 1),
        date(2027, 3, 31),
    )
    assert (summary.estimate_yearly_pence, summary.estimate_monthly_pence, summary.ground_rent_yearly_pence) == (
        155733,
        12978,
        1000,
    )
    assert (summary.service_charge_account_ref, summary.service_charge_balance_pence) == ("SC1", -12479)
    assert (summary.last_year_end, summary.major_works) == (None, ())
    assert summary.explanation == (
        "Your estimated service charge for 2026/27 (1 April 2026 to 31 March 2027) is £1,557.33, which is £129.78 "
        "a month. It is an estimate: once the year's actual costs are known, we charge or credit the difference.",
        "Your ground rent is £10.00 a year.",
    )


def test_in_march_the_estimate_is_the_one_for_the_year_then_ending(session, records):
    lease, _s, _w = leaseholder(records)

    summary = leaseholder_summary(session, lease.id, date(2026, 3, 31))

    assert (summary.year_label, summary.estimate_yearly_pence, summary.estimate_monthly_pence) == (
        "2025/26",
        148600,
        12383,
    )


def test_the_last_year_end_credit_compares_the_actual_costs_with_the_estimate_billed(session, records):
    lease, service, _w = leaseholder(records)
    bill_year_by_instalments(records, service, 2023, 140000)
    bill_year_by_instalments(records, service, 2024, 144693)
    records.post(
        service, date(2025, 9, 15), "adjustment", 2100, "Service charge actual costs 2023/24: balancing charge"
    )
    records.post(service, date(2026, 9, 15), "adjustment", -7379, "Service charge actual costs 2024/25: credit")

    summary = leaseholder_summary(session, lease.id, TODAY)
    last = summary.last_year_end

    assert (last.year_label, last.posted_on, last.estimate_pence, last.actual_pence, last.difference_pence) == (
        "2024/25",
        date(2026, 9, 15),
        144693,
        137314,
        -7379,
    )
    assert last.words == (
        "For 2024/25, the actual costs were £1,373.14 against an estimate of £1,446.93, so we "
        "credited £73.79 to your account on 15 September 2026."
    )
    assert last.words in summary.explanation


def test_a_balancing_charge_billed_half_yearly_is_explained_as_a_charge(session, records):
    lease, service, _w = leaseholder(records)
    records.post(service, date(2024, 4, 1), "service_charge", 70000, "Service charge estimate 2024/25: first half-year")
    records.post(
        service, date(2024, 10, 1), "service_charge", 70000, "Service charge estimate 2024/25: second half-year"
    )
    records.post(service, date(2024, 4, 1), "other_charge", 1000, "Ground rent 2024/25")
    records.post(
        service, date(2026, 9, 15), "adjustment", 4550, "Service charge actual costs 2024/25: balancing charge"
    )

    last = leaseholder_summary(session, lease.id, TODAY).last_year_end

    assert (last.estimate_pence, last.actual_pence, last.difference_pence) == (140000, 144550, 4550)
    assert last.words == (
        "For 2024/25, the actual costs were £1,445.50 against an estimate of £1,400.00, so we "
        "added a balancing charge of £45.50 to your account on 15 September 2026."
    )


def test_a_year_end_adjustment_posted_after_today_is_not_shown_yet(session, records):
    lease, service, _w = leaseholder(records)
    records.post(service, date(2026, 9, 15), "adjustment", -7379, "Service charge actual costs 2024/25: credit")

    assert leaseholder_summary(session, lease.id, date(2026, 9, 14)).last_year_end is None


def test_major_works_paid_by_monthly_instalments_shows_the_months_left_and_the_smaller_last_one(session, records):
    lease, _s, works = leaseholder(records, major_works=True)
    records.post(works, date(2024, 6, 3), "other_charge", 1245000, "Major works: roof and window renewal")
    day = date(2024, 7, 1)
    while day <= TODAY:
        records.post(works, day, "payment", -25000, "Standing order")
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)

    [mw] = leaseholder_summary(session, lease.id, TODAY).major_works

    assert (
        mw.account_ref,
        mw.balance_pence,
        mw.basis,
        mw.instalment_pence,
        mw.per_month_pence,
        mw.months_remaining,
        mw.last_instalment_pence,
    ) == ("MW1", 520000, "instalments", 25000, 25000, 21, 20000)
    assert mw.words == (
        "You owe £5,200.00 for major works. At £250.00 a month, your instalments will clear it in "
        "21 months (the last one £200.00)."
    )


def test_major_works_without_regular_instalments_are_spread_over_twelve_months_rounded_up(session, records):
    lease, _s, works = leaseholder(records, major_works=True)
    records.post(works, date(2026, 6, 1), "other_charge", 520000, "Major works: roof and window renewal")
    records.post(works, date(2026, 7, 1), "payment", -10000, "Bank transfer")
    records.post(works, date(2026, 9, 1), "payment", -10000, "Bank transfer")  # two months apart: not monthly

    [mw] = leaseholder_summary(session, lease.id, TODAY).major_works

    assert (
        mw.balance_pence,
        mw.basis,
        mw.instalment_pence,
        mw.per_month_pence,
        mw.months_remaining,
        mw.last_instalment_pence,
    ) == (500000, "twelve_months", None, 41667, 12, 41663)
    assert mw.words == "You owe £5,000.00 for major works. Spread over 12 months, that is £416.67 a month."


def test_instalments_that_stopped_are_still_the_plan_and_the_missed_ones_are_said_to_be_overdue(session, records):
    # One instalment rule (owed.instalment_plan) for what is overdue and for how long the
    # balance takes to clear: a plan that stopped is missed instalments, not a new plan.
    lease, _s, works = leaseholder(records, major_works=True)
    records.post(works, date(2026, 1, 5), "other_charge", 120000, "Major works")
    records.post(works, date(2026, 2, 2), "payment", -10000, "Standing order")
    records.post(works, date(2026, 3, 2), "payment", -10000, "Standing order")

    [mw] = leaseholder_summary(session, lease.id, TODAY).major_works

    assert (mw.basis, mw.per_month_pence) == ("instalments", 10000)
    assert mw.words == (
        "You owe £1,000.00 for major works, £800.00 of it overdue (missed instalments). "
        "At £100.00 a month, your instalments will clear it in 10 months."
    )


def test_a_paid_off_major_works_account_says_so(session, records):
    lease, _s, works = leaseholder(records, major_works=True)
    records.post(works, date(2025, 6, 2), "other_charge", 300000, "Major works")
    records.post(works, date(2025, 7, 1), "payment", -300000, "Bank transfer")

    [mw] = leaseholder_summary(session, lease.id, TODAY).major_works

    assert (mw.balance_pence, mw.basis, mw.per_month_pence, mw.months_remaining) == (0, "clear", None, None)
    assert mw.words == "Your major works account is paid off: you owe nothing for major works."


def test_only_leasehold_tenancies_have_a_leaseholder_summary(session, records):
    _p, tenancy, _rent = records.tenant_with_rent_account()
    _p2, shared, _r2 = records.tenant_with_rent_account(ref="R2", tenure="shared_ownership")

    assert leaseholder_summary(session, tenancy.id, TODAY) is None
    assert leaseholder_summary(session, shared.id, TODAY) is None
    assert leaseholder_summary(session, 999_999, TODAY) is None


def test_a_lease_without_an_estimate_in_force_says_nothing_about_an_estimate(session, records):
    person = records.person()
    lease = records.tenancy("leasehold")
    records.party(lease, person, "leaseholder")
    service = records.account(lease, "service_charge", ref="SC9")
    records.charge(
        service, 100000, "yearly", code="estimated_service_charge", start=date(2024, 4, 1), end=date(2025, 3, 31)
    )

    summary = leaseholder_summary(session, lease.id, TODAY)

    assert (summary.estimate_yearly_pence, summary.estimate_monthly_pence, summary.explanation) == (None, None, ())


def test_the_service_charge_year_is_the_uk_financial_year():
    assert service_charge_year(date(2027, 3, 31)) == (date(2026, 4, 1), date(2027, 3, 31), "2026/27")
    assert service_charge_year(date(2027, 4, 1)) == (date(2027, 4, 1), date(2028, 3, 31), "2027/28")
    assert service_charge_year(date(1999, 12, 31)) == (date(1999, 4, 1), date(2000, 3, 31), "1999/00")
