"""The words around a balance say each thing once and plainly: the bank account a standing
order goes to, a history line's type, the last payment, a leaseholder's year."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import pytest

from portal_app.pages.accounts.home import _card
from portal_app.services.accounts import balances, summary
from portal_app.services.requests import form
from portal_app.settings import get_settings

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)
TODAY = date(2026, 11, 22)


@dataclass(frozen=True)
class Caller:
    user_id: int
    person_id: int
    tenancy_id: int


@pytest.fixture
def settings():
    return replace(get_settings(), allow_former_tenants=False)


def _leaseholder(records):
    person = records.person()
    tenancy = records.tenancy("leasehold", start=date(2009, 11, 16))
    records.party(tenancy, person, "leaseholder")
    user = records.user(person, tenancy)
    return user, person, tenancy


def test_a_leaseholder_setting_up_a_standing_order_for_major_works_is_not_told_to_pay_the_rent_account(
    session, records, settings
):
    user, person, tenancy = _leaseholder(records)
    records.account(tenancy, "service_charge", ref="SC1")
    records.account(tenancy, "major_works", ref="MW1")
    tenant, rented, _rent = records.tenant_with_rent_account(ref="RENT1")
    renter = records.user(tenant, rented)

    _c, works = form.form_context(
        session, Caller(user.id, person.id, tenancy.id), "MW1", transaction="", now=NOW, settings=settings
    )
    _c, service = form.form_context(
        session, Caller(user.id, person.id, tenancy.id), "SC1", transaction="", now=NOW, settings=settings
    )
    _c, rent = form.form_context(
        session, Caller(renter.id, tenant.id, rented.id), "RENT1", transaction="", now=NOW, settings=settings
    )

    assert works.standing_order.account_name == "Northbrook Homes Leasehold Account"
    assert service.standing_order.account_name == "Northbrook Homes Leasehold Account"
    assert (works.standing_order.account_number, works.standing_order.payment_reference) == ("55779922", "MW1")
    assert rent.standing_order.account_name == "Northbrook Homes Rent Account"
    assert rent.standing_order.account_number == "55779911"


def test_a_history_line_does_not_repeat_its_type_when_the_description_already_says_it():
    assert summary.type_caption("Rent", "Rent") == ""
    assert summary.type_caption("rent", "Rent") == ""
    assert summary.type_caption("Standing order", "Payment") == "Payment"
    assert summary.type_caption("Direct Debit", "Direct Debit") == ""


def test_the_last_payment_from_universal_credit_does_not_read_as_brackets_inside_brackets(session, records):
    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1")
    records.post(
        rent, date(2026, 11, 2), "universal_credit", -48_300, "Universal Credit housing costs (paid to us directly)"
    )

    (found,) = balances.account_summaries(
        session, person_id=person.id, tenancy_id=tenancy.id, today=TODAY, now=NOW, allow_former=False
    )
    words = _card(found)["last_payment"]

    assert words == "£483.00 on 2 November 2026: Universal Credit housing costs (paid to us directly)"
    assert "((" not in words and "))" not in words


def test_a_leaseholders_page_says_the_year_end_and_the_major_works_once_each(session, records, settings):
    user, person, tenancy = _leaseholder(records)
    service = records.account(tenancy, "service_charge", ref="SC1")
    records.charge(service, 120_000, "yearly", code="estimated_service_charge", start=date(2026, 4, 1))
    records.post(service, date(2025, 4, 1), "service_charge", 110_000, "Service charge estimate 2024/25: first half")
    records.post(
        service, date(2026, 9, 15), "adjustment", 5_000, "Service charge actual costs 2024/25: balancing charge"
    )
    works = records.account(tenancy, "major_works", ref="MW1", opened=date(2026, 6, 1))
    records.post(works, date(2026, 6, 1), "other_charge", 300_000, "Major works (your share)")

    _choice, overview = summary.account_overview(
        session, Caller(user.id, person.id, tenancy.id), "SC1", now=NOW, settings=settings
    )
    shown = list(overview.lease_explanation) + [value for _name, value in overview.lease_rows]
    said = " ".join(shown)

    assert said.count("For 2024/25, the actual costs") == 1
    assert said.count("You owe £3,000.00 for major works") == 1
