"""The statements page's unit of work (statements.statement_view) and its two rules:
which accounts have a rent statement, and which offer the Universal Credit letter."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import pytest

from portal_app.services.accounts import budget, statements
from portal_app.settings import get_settings

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Caller:
    person_id: int
    tenancy_id: int


@pytest.fixture
def settings():
    return replace(get_settings(), allow_former_tenants=False)


def test_rent_and_garage_accounts_have_a_rent_statement_and_only_rent_offers_the_universal_credit_letter():
    assert [statements.is_rent_statement(k) for k in ("rent", "garage", "service_charge", "major_works")] == [
        True,
        True,
        False,
        False,
    ]
    assert [statements.offers_uc_letter(k) for k in ("rent", "garage", "service_charge")] == [True, False, False]


def test_the_statements_page_opens_on_the_first_period_of_the_account_asked_for(session, records, settings):
    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1", start=date(2025, 6, 2))
    records.post(rent, date(2026, 11, 9), "rent_charge", 11_400)

    choice, view = statements.statement_view(
        session, Caller(person.id, tenancy.id), "RENT1", now=NOW, settings=settings
    )

    assert choice.chosen_ref == "RENT1"
    assert view.earliest == date(2025, 6, 2)
    assert [p.key for p in view.presets] == [
        "last_13_weeks",
        "this_financial_year",
        "last_financial_year",
        "since_start",
    ]
    assert (view.date_from, view.date_to) == (view.presets[0].date_from, date(2026, 11, 22))
    assert view.statement.account_ref == "RENT1"
    assert (view.is_rent, view.offers_uc_letter) == (True, True)


def test_a_period_or_a_preset_of_the_account_is_shown_and_an_unknown_preset_shows_nothing(session, records, settings):
    person, tenancy, _rent = records.tenant_with_rent_account(ref="RENT1", start=date(2025, 6, 2))
    caller = Caller(person.id, tenancy.id)

    _c, by_period = statements.statement_view(
        session, caller, "RENT1", period=(date(2026, 1, 1), date(2026, 2, 1)), now=NOW, settings=settings
    )
    _c, by_preset = statements.statement_view(
        session, caller, "RENT1", preset="since_start", now=NOW, settings=settings
    )
    _c, unknown = statements.statement_view(session, caller, "RENT1", preset="everything", now=NOW, settings=settings)

    assert (by_period.date_from, by_period.date_to) == (date(2026, 1, 1), date(2026, 2, 1))
    assert (by_preset.date_from, by_preset.date_to) == (date(2025, 6, 2), date(2026, 11, 22))
    assert unknown.statement is None and unknown.presets == by_preset.presets


def test_the_statements_page_refuses_another_residents_account(session, records, settings):
    person, tenancy, _rent = records.tenant_with_rent_account(ref="RENT1")
    records.tenant_with_rent_account(ref="THEIRS1")

    choice, view = statements.statement_view(
        session, Caller(person.id, tenancy.id), "THEIRS1", now=NOW, settings=settings
    )

    assert (choice.refused, view) == (True, None)


def test_the_planner_is_filled_in_from_the_residents_own_rent_and_says_so(session, records, settings):
    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1")
    records.charge(rent, 11_401)
    records.charge(rent, 450, code="caretaking")

    choice, fill = budget.fill_from_account(
        session, Caller(person.id, tenancy.id), "", today=date(2026, 11, 22), settings=settings
    )

    assert choice.chosen_ref == "RENT1"
    assert fill.values == {
        "a_rent": "114.01",
        "f_rent": "weekly",
        "a_service_charges": "4.50",
        "f_service_charges": "weekly",
    }
    assert fill.message == "Filled in from your rent account RENT1: rent £114.01 a week, service charges £4.50 a week."


def test_the_planner_is_not_filled_in_from_another_residents_account(session, records, settings):
    person, tenancy, _rent = records.tenant_with_rent_account(ref="RENT1")
    records.tenant_with_rent_account(ref="THEIRS1")

    choice, fill = budget.fill_from_account(
        session, Caller(person.id, tenancy.id), "THEIRS1", today=date(2026, 11, 22), settings=settings
    )

    assert (choice.refused, fill) == (True, None)


def test_dates_from_before_my_tenancy_began_show_a_statement_from_the_day_it_began_and_say_so(
    session, records, settings
):
    person, tenancy, rent = records.tenant_with_rent_account(ref="RENT1", start=date(2019, 3, 3))
    records.post(rent, date(2019, 3, 4), "rent_charge", 9000)

    _c, view = statements.statement_view(
        session,
        Caller(person.id, tenancy.id),
        "RENT1",
        period=(date(2010, 1, 1), date(2019, 12, 31)),
        now=NOW,
        settings=settings,
    )

    assert (view.date_from, view.date_to) == (date(2019, 3, 3), date(2019, 12, 31))
    assert view.statement.period_text == "3 March 2019 to 31 December 2019"
    assert view.start_note == "Your tenancy began on 3 March 2019, so this statement starts then."
    assert view.period_error == ""


def test_dates_that_all_fall_before_my_tenancy_began_are_refused_with_the_day_it_began(session, records, settings):
    person, tenancy, _rent = records.tenant_with_rent_account(ref="RENT1", start=date(2019, 3, 3))

    _c, view = statements.statement_view(
        session,
        Caller(person.id, tenancy.id),
        "RENT1",
        period=(date(2010, 1, 1), date(2018, 12, 31)),
        now=NOW,
        settings=settings,
    )

    assert view.statement is None
    assert view.period_error == (
        "Your tenancy began on 3 March 2019, so the end date must be the same as or after 3 March 2019"
    )


def test_a_statement_form_still_refuses_an_end_date_in_the_future_and_an_end_before_the_start_in_words():
    from portal_app.pages.accounts.statement import period_errors

    today = date(2026, 11, 22)

    def form(start, end):
        return {
            **{
                f"period_from_{k}": str(v)
                for k, v in zip(("day", "month", "year"), (start.day, start.month, start.year))
            },
            **{f"period_to_{k}": str(v) for k, v in zip(("day", "month", "year"), (end.day, end.month, end.year))},
        }

    assert period_errors(form(date(2026, 1, 1), date(2026, 11, 23)), today)[1] == {
        "date_to": "The end date must be today or in the past"
    }
    assert period_errors(form(date(2026, 3, 1), date(2026, 2, 1)), today)[1] == {
        "date_to": "The end date must be the same as or after the start date"
    }
