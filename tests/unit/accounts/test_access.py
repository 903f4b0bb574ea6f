"""Which account a resident may see: services/accounts/access.py turns a resident and the
account reference a browser sent into an account, or a refusal."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pytest

from portal_app.services.accounts.access import AccountOption, choose_account, with_account
from portal_app.settings import get_settings

TODAY = date(2026, 11, 22)


@dataclass(frozen=True)
class Caller:
    person_id: int
    tenancy_id: int


@pytest.fixture
def settings():
    return replace(get_settings(), allow_former_tenants=False)


def _flat_and_garage(records):
    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1")
    garage_tenancy = records.tenancy("garage_licence")
    records.party(garage_tenancy, person, "licensee")
    garage = records.account(garage_tenancy, "garage", ref="GAR1")
    return Caller(person.id, tenancy.id), rent, garage


def test_the_account_asked_for_is_chosen_when_the_resident_may_see_it(session, records, settings):
    caller, rent, garage = _flat_and_garage(records)

    choice = choose_account(session, caller, "GAR1", today=TODAY, settings=settings)

    assert choice.refused is False
    assert choice.account.account_id == garage.id
    assert (choice.account.account_ref, choice.account.account_type, choice.account.label) == (
        "GAR1",
        "garage",
        "Garage account",
    )
    assert choice.chosen_ref == "GAR1"
    assert choice.options == (AccountOption("RENT1", "Rent account"), AccountOption("GAR1", "Garage account"))


def test_another_residents_account_is_refused_and_nothing_of_it_is_returned(session, records, settings):
    caller, _rent, _garage = _flat_and_garage(records)
    records.tenant_with_rent_account(ref="THEIRS1")

    choice = choose_account(session, caller, "THEIRS1", "RENT1", today=TODAY, settings=settings)

    assert choice.refused is True
    assert choice.account is None
    assert choice.chosen_ref == ""
    assert [o.ref for o in choice.options] == ["RENT1", "GAR1"]


def test_an_account_id_is_not_a_reference_and_is_refused(session, records, settings):
    caller, rent, _garage = _flat_and_garage(records)

    choice = choose_account(session, caller, str(rent.id), today=TODAY, settings=settings)

    assert (choice.account, choice.refused) == (None, True)


def test_with_nothing_asked_for_the_account_chosen_before_is_kept_else_the_first(session, records, settings):
    caller, rent, garage = _flat_and_garage(records)

    assert choose_account(session, caller, "", "GAR1", today=TODAY, settings=settings).account.account_id == garage.id
    assert choose_account(session, caller, None, "", today=TODAY, settings=settings).account.account_id == rent.id
    assert (
        choose_account(session, caller, "  ", "THEIRS1", today=TODAY, settings=settings).account.account_id == rent.id
    )


def test_the_reference_asked_for_is_read_without_surrounding_spaces(session, records, settings):
    caller, _rent, garage = _flat_and_garage(records)

    assert choose_account(session, caller, " GAR1 ", today=TODAY, settings=settings).account.account_id == garage.id


def test_a_resident_with_no_accounts_gets_none_and_is_not_refused(session, records, settings):
    person = records.person()
    tenancy = records.tenancy()
    records.party(tenancy, person, "household_member")

    choice = choose_account(session, Caller(person.id, tenancy.id), "", today=TODAY, settings=settings)

    assert (choice.options, choice.account, choice.refused) == ((), None, False)


def test_the_work_after_the_check_runs_only_for_an_account_the_resident_may_see(session, records, settings):
    caller, rent, _garage = _flat_and_garage(records)
    seen = []

    def then(s, account):
        seen.append(account.account_id)
        return "done"

    mine = with_account(session, caller, "RENT1", today=TODAY, settings=settings, then=then)
    theirs = with_account(session, caller, "THEIRS1", today=TODAY, settings=settings, then=then)

    assert mine[1] == "done"
    assert theirs[1] is None and theirs[0].refused is True
    assert seen == [rent.id]
