"""Mutual exchange (services/tenancy/exchange.py): applying with the other tenant's name, their
landlord, their home, their tenancy and its bedrooms; each is checked, nothing is written when
anything is wrong, and the application shows the 42-day decision deadline, counted in calendar
days, on the confirmation and in My requests."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlmodel import select

from portal_app.models import MoneyRequest
from portal_app.services.requests.common import NEEDS_DECISION
from portal_app.services.requests.resident import my_requests
from portal_app.services.tenancy import exchange
from portal_app.settings import get_settings
from tests.unit.requests.steps import counts

SETTINGS = dataclasses.replace(get_settings(), bank_holidays_extra=())
DEC_20 = datetime(2026, 12, 20, 10, 0, tzinfo=UTC)  # 42 days later is 31 January 2027
JAN_29 = datetime(2027, 1, 29, 10, 0, tzinfo=UTC)  # 42 days later is 12 March 2027 (across February)
FORM = {
    "other_name": "Sam Rivera",
    "other_landlord": "Eastfield Housing Association",
    "other_address": "4 Mill Lane, Eastfield EF2 3CD",
    "other_tenure": "assured",
    "other_bedrooms": "3",
}


def _who(resident) -> SimpleNamespace:
    return SimpleNamespace(**resident.principal)


@pytest.fixture
def ann(records):
    return records.resident(email="ann@example.org")


def test_the_decision_deadline_is_42_calendar_days_across_a_month_end(session, ann):
    assert exchange.decision_due(DEC_20, SETTINGS) == date(2027, 1, 31)
    assert exchange.decision_due(JAN_29, SETTINGS) == date(2027, 3, 12)
    context = exchange.exchange_context(session, _who(ann), now=DEC_20, settings=SETTINGS)
    assert context.decision_words == (
        "We decide within 42 days of your application: if you apply today, by 31 January 2027."
    )
    assert context.swap_url == "https://www.homeswapper.co.uk/"


def test_applying_makes_a_request_for_a_decision_with_the_deadline_on_the_confirmation_and_the_list(session, ann):
    found = exchange.apply_for_exchange(session, _who(ann), FORM, now=DEC_20, settings=SETTINGS)
    assert found.ok and found.due_words == "31 January 2027"
    ack = found.result.acknowledgement
    assert "by 31 January 2027" in ack.what_you_asked
    request = session.exec(select(MoneyRequest)).one()
    assert request.kind == "mutual_exchange" and request.kind in NEEDS_DECISION
    lines = json.loads(request.details)["lines"]
    assert ["Their landlord", "Eastfield Housing Association"] in lines
    assert ["Bedrooms in their home", "3 bedrooms"] in lines
    assert ["We decide by", "31 January 2027"] in lines
    [listed] = my_requests(session, ann.user.id)
    assert listed.summary == "Swap with Sam Rivera (Eastfield Housing Association): we decide by 31 January 2027"


def test_each_missing_detail_is_asked_for_and_nothing_is_written(session, ann):
    before = counts(session)
    found = exchange.apply_for_exchange(session, _who(ann), {}, now=DEC_20, settings=SETTINGS)
    assert not found.ok and counts(session) == before
    assert found.errors == {
        "other_name": "Enter the name of the tenant you want to swap with",
        "other_landlord": "Enter the name of their landlord (their council or housing association)",
        "other_address": "Enter the address of their home",
        "other_tenure": "Choose the kind of tenancy they have",
        "other_bedrooms": "Enter how many bedrooms their home has",
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("other_bedrooms", "two", "Bedrooms must be a whole number, like 2"),
        ("other_bedrooms", "11", "Bedrooms must be between 0 and 10"),
        ("other_tenure", "freehold", "Choose the kind of tenancy they have"),
        ("other_address", "Mill", "Enter the full address of their home, with the postcode"),
        ("other_name", "x" * 121, "The name must be 120 characters or fewer"),
    ],
)
def test_a_wrong_detail_is_refused_with_a_clear_message(field, value, message):
    errors, _ = exchange.validate({**FORM, field: value})
    assert errors == {field: message}


def test_a_trial_tenant_a_leaseholder_and_a_household_member_cannot_apply(session, records):
    intro = records.resident(tenure="introductory", email="intro@example.org")
    lease = records.resident(tenure="leasehold", role="leaseholder", email="lease@example.org")
    member = records.resident(role="household_member", email="kid@example.org")
    wider = dataclasses.replace(SETTINGS, eligible_roles=(*SETTINGS.eligible_roles, "household_member"))
    assert "trial year" in exchange.exchange_context(session, _who(intro), now=DEC_20, settings=SETTINGS).refusal
    assert "cannot be swapped" in exchange.exchange_context(session, _who(lease), now=DEC_20, settings=SETTINGS).refusal
    assert exchange.exchange_context(session, _who(member), now=DEC_20, settings=wider).refusal.startswith(
        "Only a tenant"
    )
    before = counts(session)
    assert not exchange.apply_for_exchange(session, _who(intro), FORM, now=DEC_20, settings=SETTINGS).ok
    assert counts(session) == before


def test_a_second_application_while_one_is_open_is_refused(session, ann):
    exchange.apply_for_exchange(session, _who(ann), FORM, now=DEC_20, settings=SETTINGS)
    again = exchange.apply_for_exchange(session, _who(ann), FORM, now=JAN_29, settings=SETTINGS)
    assert not again.ok and again.errors["exchange"].startswith("An application to swap this home is already open")
