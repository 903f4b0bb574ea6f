"""Balances from the ledger, last payments, next amounts due, and which accounts a resident sees."""

from __future__ import annotations

from datetime import date, datetime

from portal_app.models import Person, Tenancy
from portal_app.services.accounts.balances import account_summaries, ledger_balance, visible_accounts

TODAY = date(2026, 11, 22)  # a Sunday
NOW = datetime(2026, 11, 22, 10, 30)


def summaries(session, person: Person, tenancy: Tenancy, *, today: date = TODAY, allow_former: bool = False, **kw):
    return account_summaries(
        session, person_id=person.id, tenancy_id=tenancy.id, today=today, now=NOW, allow_former=allow_former, **kw
    )


def refs(session, person: Person, tenancy: Tenancy, *, today: date = TODAY, allow_former: bool = False, **kw):
    return [
        a.account_ref
        for a in visible_accounts(
            session, person_id=person.id, tenancy_id=tenancy.id, today=today, allow_former=allow_former, **kw
        )
    ]


# ---------------------------------------------------------------------------
# Balances
# ---------------------------------------------------------------------------


def test_the_balance_is_the_sum_of_the_ledger_and_an_arrears_balance_reads_dr(session, records):
    person, tenancy, rent = records.tenant_with_rent_account()
    for day, kind, pence in [
        (date(2026, 11, 9), "rent_charge", 11819),
        (date(2026, 11, 12), "direct_debit", -10000),
        (date(2026, 11, 16), "rent_charge", 11819),
        (date(2026, 11, 18), "payment", -11319),
    ]:
        records.post(rent, day, kind, pence)

    [summary] = summaries(session, person, tenancy)

    assert ledger_balance(session, rent.id) == 2319
    assert summary.balance_pence == 2319
    assert summary.balance_words == "You owe £23.19 (arrears)"
    assert summary.balance_display == "£23.19 DR"
    assert summary.dr_cr == "DR"
    assert summary.as_at == NOW


def test_a_credit_balance_reads_in_credit_with_cr(session, records):
    person, tenancy, rent = records.tenant_with_rent_account()
    records.post(rent, date(2026, 11, 16), "rent_charge", 11819)
    records.post(rent, date(2026, 11, 16), "housing_benefit", -12000)

    [summary] = summaries(session, person, tenancy)

    assert (summary.balance_pence, summary.balance_words, summary.balance_display, summary.dr_cr) == (
        -181,
        "You are £1.81 in credit",
        "£1.81 CR",
        "CR",
    )


def test_an_account_with_no_postings_is_clear(session, records):
    person, tenancy, rent = records.tenant_with_rent_account()

    [summary] = summaries(session, person, tenancy)

    assert ledger_balance(session, rent.id) == 0
    assert (summary.balance_pence, summary.balance_words, summary.balance_display, summary.dr_cr) == (
        0,
        "Your account is clear: you owe nothing",
        "£0.00",
        "",
    )
    assert (summary.last_payment_on, summary.last_payment_pence, summary.last_payment_description) == (None, None, None)


def test_the_last_payment_is_the_latest_credit_among_payments_direct_debits_and_benefits(session, records):
    person, tenancy, rent = records.tenant_with_rent_account()
    records.post(rent, date(2026, 11, 16), "housing_benefit", -9000, "Housing Benefit")
    records.post(rent, date(2026, 11, 18), "payment", -2000, "Payment at PayPoint")
    records.post(rent, date(2026, 11, 18), "payment", -1500, "Card payment online")  # same day, posted later
    records.post(rent, date(2026, 11, 19), "payment_returned", 2000, "Returned")  # money going back out
    records.post(rent, date(2026, 11, 20), "adjustment", -500, "Correction")  # not a payment
    records.post(rent, date(2026, 11, 21), "refund", 700, "Refund")
    records.post(rent, date(2026, 11, 21), "payment", 300, "Payment reversed")  # a payment, but a debit

    [summary] = summaries(session, person, tenancy)

    assert (summary.last_payment_on, summary.last_payment_pence, summary.last_payment_description) == (
        date(2026, 11, 18),
        1500,
        "Card payment online",
    )


def test_universal_credit_paid_direct_counts_as_the_last_payment(session, records):
    person, tenancy, rent = records.tenant_with_rent_account()
    records.post(rent, date(2026, 10, 1), "direct_debit", -40000, "Direct Debit")
    records.post(rent, date(2026, 11, 3), "universal_credit", -48000, "Universal Credit housing costs")

    [summary] = summaries(session, person, tenancy)

    assert (summary.last_payment_on, summary.last_payment_pence) == (date(2026, 11, 3), 48000)


# ---------------------------------------------------------------------------
# Next amount due
# ---------------------------------------------------------------------------


def test_the_next_weekly_charge_is_the_next_monday_skipping_rent_free_weeks(session, records):
    person, tenancy, rent = records.tenant_with_rent_account(rent_free="2026-12-21;2026-12-28")
    records.charge(rent, 11369)
    records.charge(rent, 450, code="water")

    [summary] = summaries(session, person, tenancy, today=date(2026, 12, 20))

    assert (summary.next_due_on, summary.next_due_pence) == (date(2027, 1, 4), 11819)


def test_on_a_monday_the_next_charge_is_the_following_monday(session, records):
    person, tenancy, rent = records.tenant_with_rent_account()
    records.charge(rent, 11369)

    [summary] = summaries(session, person, tenancy, today=date(2026, 11, 23))

    assert (summary.next_due_on, summary.next_due_pence) == (date(2026, 11, 30), 11369)


def test_the_next_charge_uses_the_charges_in_force_that_day(session, records):
    person, tenancy, rent = records.tenant_with_rent_account()
    records.charge(rent, 10849, start=date(2025, 4, 7), end=date(2026, 4, 5))
    records.charge(rent, 11369, start=date(2026, 4, 6))

    [before] = summaries(session, person, tenancy, today=date(2026, 3, 25))
    [after] = summaries(session, person, tenancy, today=date(2026, 4, 1))

    assert (before.next_due_on, before.next_due_pence) == (date(2026, 3, 30), 10849)
    assert (after.next_due_on, after.next_due_pence) == (date(2026, 4, 6), 11369)


def test_monthly_and_yearly_charges_on_a_weekly_account_are_shown_as_weekly_amounts(session, records):
    person, tenancy, rent = records.tenant_with_rent_account()
    records.charge(rent, 10000)
    records.charge(rent, 5200, "monthly", code="parking")  # 5200 x 12 / 52 = 1200
    records.charge(rent, 5200, "yearly", code="ground_rent")  # 5200 / 52 = 100

    [summary] = summaries(session, person, tenancy)

    assert (summary.next_due_on, summary.next_due_pence) == (date(2026, 11, 23), 11300)


def test_monthly_charges_fall_due_at_the_next_period_start(session, records):
    person, tenancy, rent = records.tenant_with_rent_account(tenure="shared_ownership")
    records.charge(rent, 50000, "monthly", start=date(2026, 4, 1))
    records.charge(rent, 8000, "monthly", code="estimated_service_charge", start=date(2026, 4, 1))

    [summary] = summaries(session, person, tenancy)

    assert (summary.next_due_on, summary.next_due_pence) == (date(2026, 12, 1), 58000)


def test_yearly_charges_fall_due_on_the_anniversary_of_their_start(session, records):
    person = records.person()
    lease = records.tenancy("leasehold", start=date(2009, 11, 16))
    records.party(lease, person, "leaseholder")
    service = records.account(lease, "service_charge", ref="SC1")
    records.charge(service, 148600, "yearly", code="estimated_service_charge", start=date(2026, 4, 1))
    records.charge(service, 1000, "yearly", code="ground_rent", start=date(2026, 4, 1))

    [summary] = summaries(session, person, lease)

    assert (summary.next_due_on, summary.next_due_pence) == (date(2027, 4, 1), 149600)


def test_nothing_is_due_after_the_tenancy_ended_on_a_closed_account_or_without_charges(session, records):
    former_tenant, former, former_rent = records.tenant_with_rent_account(end=date(2026, 6, 28))
    records.charge(former_rent, 11369)
    person, tenancy, rent = records.tenant_with_rent_account(ref="R2")
    closed = records.account(tenancy, "sundry", closed=date(2025, 1, 1), ref="S2")
    records.charge(closed, 500)

    [after_end] = summaries(session, former_tenant, former, allow_former=True)
    uncharged, closed_summary = summaries(session, person, tenancy)

    assert (after_end.next_due_on, after_end.next_due_pence, after_end.is_former) == (None, None, True)
    assert (uncharged.account_ref, uncharged.next_due_on, uncharged.next_due_pence) == ("R2", None, None)
    assert (closed_summary.account_ref, closed_summary.next_due_on, closed_summary.next_due_pence) == ("S2", None, None)


# ---------------------------------------------------------------------------
# Who sees which accounts
# ---------------------------------------------------------------------------


def test_a_resident_with_a_flat_and_a_garage_sees_both_flat_first(session, records):
    person = records.person()
    flat = records.tenancy("secure")
    garage = records.tenancy("garage_licence", start=date(2022, 1, 3), home=records.home("Garage 4", None, "garage"))
    records.party(flat, person, "lead_tenant")
    records.party(garage, person, "licensee")
    records.account(garage, "garage", ref="G1")
    records.account(flat, "sundry", ref="S1")
    records.account(flat, "service_charge", ref="SC1")
    records.account(flat, "rent", ref="R1")

    assert refs(session, person, flat) == ["R1", "SC1", "S1", "G1"]


def test_joint_tenants_see_the_same_accounts(session, records):
    lead, joint = records.person("Tomasz", "Nowak"), records.person("Agnieszka", "Nowak")
    tenancy = records.tenancy()
    records.party(tenancy, lead, "lead_tenant")
    records.party(tenancy, joint, "joint_tenant")
    records.account(tenancy, ref="R1")
    records.account(tenancy, "sundry", ref="S1")

    assert refs(session, lead, tenancy) == refs(session, joint, tenancy) == ["R1", "S1"]


def test_a_household_member_sees_nothing(session, records):
    lead, member = records.person(), records.person("Jordan", "Walker")
    tenancy = records.tenancy()
    records.party(tenancy, lead)
    records.party(tenancy, member, "household_member")
    records.account(tenancy, ref="R1")

    assert refs(session, member, tenancy) == []
    assert summaries(session, member, tenancy) == []


def test_a_household_member_who_holds_a_garage_still_sees_nothing_through_the_home(session, records):
    member = records.person()
    home = records.tenancy()
    records.party(home, member, "household_member")
    records.account(home, ref="R1")
    garage = records.tenancy("garage_licence", home=records.home("Garage 1", None, "garage"))
    records.party(garage, member, "licensee")
    records.account(garage, "garage", ref="G1")

    assert refs(session, member, home) == []


def test_an_ended_tenancy_is_hidden_unless_former_tenants_are_allowed_and_then_shows_rent_only(session, records):
    person = records.person()
    tenancy = records.tenancy(end=date(2025, 7, 6))
    records.party(tenancy, person, end=date(2025, 7, 6))
    records.account(tenancy, ref="R1")
    records.account(tenancy, "service_charge", ref="SC1")
    records.account(tenancy, "sundry", ref="S1")
    records.account(tenancy, "garage", ref="G1")

    assert refs(session, person, tenancy) == []
    assert refs(session, person, tenancy, allow_former=True) == ["R1", "G1"]
    assert [s.is_former for s in summaries(session, person, tenancy, allow_former=True)] == [True, True]


def test_a_former_tenant_who_left_before_the_tenancy_ended_sees_nothing(session, records):
    stayed, left = records.person(), records.person("Bo", "Lee")
    tenancy = records.tenancy(end=date(2025, 7, 6))
    records.party(tenancy, stayed)
    records.party(tenancy, left, "joint_tenant", end=date(2023, 1, 1))
    records.account(tenancy, ref="R1")

    assert refs(session, stayed, tenancy, allow_former=True) == ["R1"]
    assert refs(session, left, tenancy, allow_former=True) == []


def test_a_party_who_has_left_a_current_tenancy_or_not_yet_joined_sees_nothing(session, records):
    lead, left, later = records.person(), records.person("Bo", "Lee"), records.person("Cy", "Lee")
    tenancy = records.tenancy()
    records.party(tenancy, lead)
    records.party(tenancy, left, "joint_tenant", end=date(2026, 1, 31))
    records.party(tenancy, later, "joint_tenant", start=date(2026, 12, 1))
    records.account(tenancy, ref="R1")

    assert refs(session, lead, tenancy) == ["R1"]
    assert refs(session, left, tenancy) == []
    assert refs(session, later, tenancy) == []


def test_a_tenancy_that_has_not_started_shows_nothing(session, records):
    person = records.person()
    tenancy = records.tenancy(start=date(2026, 12, 7))
    records.party(tenancy, person)
    records.account(tenancy, ref="R1")

    assert refs(session, person, tenancy) == []


def test_a_closed_account_on_a_current_tenancy_is_still_shown(session, records):
    person, tenancy, _rent = records.tenant_with_rent_account()
    records.account(tenancy, "sundry", closed=date(2019, 3, 31), ref="S1")

    assert refs(session, person, tenancy) == ["R1", "S1"]


def test_garages_that_are_ended_or_held_by_someone_else_or_in_another_role_are_not_shown(session, records):
    person, tenancy, _rent = records.tenant_with_rent_account()
    neighbour = records.person("Nel", "Bor")
    ended = records.tenancy("garage_licence", end=date(2024, 1, 1), home=records.home("Garage 1", None, "garage"))
    records.party(ended, person, "licensee", end=date(2024, 1, 1))
    records.account(ended, "garage", ref="G-ENDED")
    theirs = records.tenancy("garage_licence", home=records.home("Garage 2", None, "garage"))
    records.party(theirs, neighbour, "licensee")
    records.account(theirs, "garage", ref="G-THEIRS")
    occupied = records.tenancy("garage_licence", home=records.home("Garage 3", None, "garage"))
    records.party(occupied, neighbour, "licensee")
    records.party(occupied, person, "occupant")
    records.account(occupied, "garage", ref="G-OCCUPANT")
    left = records.tenancy("garage_licence", home=records.home("Garage 4", None, "garage"))
    records.party(left, person, "lead_tenant", end=date(2026, 1, 1))
    records.account(left, "garage", ref="G-LEFT")

    assert refs(session, person, tenancy) == ["R1"]


def test_a_joint_tenant_of_a_garage_sees_it_with_their_home(session, records):
    person, tenancy, _rent = records.tenant_with_rent_account()
    garage = records.tenancy("garage_licence", home=records.home("Garage 1", None, "garage"))
    records.party(garage, records.person("Lead", "Holder"), "lead_tenant")
    records.party(garage, person, "joint_tenant")
    records.account(garage, "garage", ref="G1")

    assert refs(session, person, tenancy) == ["R1", "G1"]


def test_the_roles_that_may_see_a_tenancy_can_be_widened(session, records):
    person = records.person()
    tenancy = records.tenancy("temporary_accommodation")
    records.party(tenancy, person, "licensee")
    records.account(tenancy, ref="R1")

    assert refs(session, person, tenancy) == []
    assert refs(session, person, tenancy, roles=("lead_tenant", "licensee")) == ["R1"]


def test_a_summary_names_the_account_the_home_and_the_tenancy(session, records):
    person = records.person()
    tenancy = records.tenancy(home=records.home("Flat 12", "Elm Court"))
    records.party(tenancy, person)
    records.account(tenancy, ref="R1")
    garage = records.tenancy("garage_licence", home=records.home("Garage 7", None, "garage"))
    records.party(garage, person, "licensee")
    records.account(garage, "garage", ref="G1")

    flat_summary, garage_summary = summaries(session, person, tenancy)

    assert (flat_summary.label, flat_summary.address, flat_summary.tenancy_ref, flat_summary.tenure) == (
        "Rent account",
        "Flat 12, Elm Court, Northbrook NB1 2AB",
        tenancy.tenancy_ref,
        "secure",
    )
    assert (garage_summary.label, garage_summary.address, garage_summary.tenure, garage_summary.is_former) == (
        "Garage account",
        "Garage 7, Northbrook NB1 2AB",
        "garage_licence",
        False,
    )


def test_an_account_is_found_by_reference_or_id_only_when_the_resident_may_see_it(session, records):
    from portal_app.services.accounts.balances import find_visible_account

    person, tenancy, account = records.tenant_with_rent_account(ref="MINE1")
    _, other_tenancy, other_account = records.tenant_with_rent_account(ref="THEIRS1")

    def find(ref):
        return find_visible_account(
            session, person_id=person.id, tenancy_id=tenancy.id, account_ref=ref, today=TODAY, allow_former=False
        )

    assert find("MINE1").id == account.id
    assert find(str(account.id)).id == account.id
    assert find(None).id == account.id  # no choice yet: the first account
    assert find("THEIRS1") is None
    assert find(str(other_account.id)) is None
    assert find("'; DROP TABLE account; --") is None
