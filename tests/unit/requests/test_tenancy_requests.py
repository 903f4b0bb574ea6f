"""Requests about the home and tenancy (services/requests/resident.submit_tenancy_request,
issue 18): made for the resident by the tenancy services, routed to the housing officer (the
leasehold officer for a lease), acknowledged by email, listed under My requests with what
the resident told us, and counted against targets set in law where the law sets them."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from portal_app.models import MoneyRequest
from portal_app.services.requests import targets
from portal_app.services.requests.common import COMPLAINT, NotYours
from portal_app.services.requests.office import QueueFilters, request_queue
from portal_app.services.requests.resident import my_requests, reply_promise, request_detail, submit_tenancy_request
from tests.factories import make_money_request
from tests.unit.requests.steps import NOW, SETTINGS, counts, mails

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _ask(session, who, kind="permission", now=NOW, **kw):
    args = dict(
        kind=kind,
        summary="Permission to keep a pet",
        what_you_asked="To keep a dog at your home.",
        lines=[("Animal", "A dog"), ("How many", "1")],
        next_steps=("Your housing officer will look at your request.",),
        now=now,
        settings=SETTINGS,
    )
    args.update(kw)
    return submit_tenancy_request(session, **who.principal, **args)


def test_a_request_about_the_home_goes_to_the_housing_officer_and_is_acknowledged_by_email(session, records, ann):
    housing = records.officer(name="Hana Osei", role="housing_officer")
    ann.tenancy.housing_officer_id = housing.id

    result = _ask(session, ann)

    assert result.ok
    request = session.query(MoneyRequest).one()
    assert (request.kind, request.officer_id, request.account_id) == ("permission", housing.id, None)
    [mail] = mails(session, "request_received")
    assert mail.to_address == ann.user.email and result.acknowledgement.reference in mail.body_text
    assert "Your housing officer will look at your request." in mail.body_text
    assert [(r.kind_label, r.summary) for r in my_requests(session, ann.user.id)] == [
        ("Permission", "Permission to keep a pet")
    ]
    detail = request_detail(session, ann.user.id, request.reference)
    assert [(line.label, line.value) for line in detail.lines] == [("Animal", "A dog"), ("How many", "1")]


def test_a_leaseholders_request_goes_to_the_leasehold_officer_the_feed_names(session, records, officer):
    leaseholder = records.resident(tenure="leasehold", email="lee@example.org", officer=officer)
    leasehold = records.officer(name="Lou Park", role="leasehold_officer")
    leaseholder.tenancy.leasehold_officer_id = leasehold.id
    leaseholder.tenancy.housing_officer_id = records.officer(name="Hana Osei", role="housing_officer").id

    _ask(session, leaseholder, kind="household_change")

    assert session.query(MoneyRequest).one().officer_id == leasehold.id


def test_without_a_housing_officer_it_goes_to_the_income_officer(session, ann, officer):
    _ask(session, ann)

    assert session.query(MoneyRequest).one().officer_id == officer.id


def test_another_residents_principal_or_a_money_kind_is_refused_and_nothing_is_written(session, ann, bob):
    before = counts(session)

    with pytest.raises(NotYours):
        submit_tenancy_request(
            session,
            user_id=ann.user.id,
            person_id=bob.person.id,
            tenancy_id=ann.tenancy.id,
            kind="permission",
            summary="x",
            what_you_asked="x",
            lines=[],
            next_steps=(),
            now=NOW,
            settings=SETTINGS,
        )
    with pytest.raises(NotYours):
        _ask(session, ann, account_id=bob.account.id)
    with pytest.raises(ValueError):
        _ask(session, ann, kind="refund")
    theirs = make_money_request(session, bob.user, bob.account, kind=COMPLAINT, at=NOW)
    with pytest.raises(NotYours):
        _ask(session, ann, kind="complaint_stage_2", parent_request_id=theirs.id)
    assert counts(session)[0] == before[0] + 1  # only Bob's own request, made above


def test_a_former_tenancy_cannot_make_one(session, ann):
    ann.tenancy.end_date = date(2026, 11, 1)

    with pytest.raises(NotYours):
        _ask(session, ann)


def test_complaint_targets_are_the_codes_and_settings_cannot_lengthen_them():
    longer = dataclasses.replace(SETTINGS, request_target_days_by_kind=(("complaint", 30),))
    shorter = dataclasses.replace(SETTINGS, request_target_days_by_kind=(("complaint", 8),))

    assert targets.target_days("complaint", SETTINGS) == 10
    assert targets.target_days("complaint_stage_2", SETTINGS) == 20
    assert targets.target_days("complaint", longer) == 10
    assert targets.target_days("complaint", shorter) == 8


def test_a_mutual_exchange_is_decided_within_42_days_counted_in_days_not_working_days():
    arrived = date(2026, 12, 4)

    assert targets.due_date("mutual_exchange", arrived, SETTINGS) == date(2027, 1, 15)
    wait = targets.wait_of(
        "mutual_exchange",
        datetime(2026, 12, 4, 10, tzinfo=UTC),
        now=datetime(2027, 1, 16, 10, tzinfo=UTC),
        is_open=True,
        closed_at=None,
        settings=SETTINGS,
    )
    assert (wait.waited, wait.overdue, wait.words) == (43, True, "Waited 43 of 42 days: 1 day over")
    assert reply_promise("mutual_exchange", datetime(2026, 12, 4, 10, tzinfo=UTC), SETTINGS) == (
        "We aim to reply within 42 days, by 15 January 2027."
    )


def test_the_queues_overdue_filter_counts_a_complaint_by_its_code_and_an_exchange_in_days(session, ann, rachel):
    complaint = make_money_request(session, ann.user, ann.account, kind="complaint", at=MONDAY)
    exchange = make_money_request(session, ann.user, ann.account, kind="mutual_exchange", at=MONDAY)
    for row in (complaint, exchange):
        row.details = json.dumps({"lines": []})
    # 14 December: the complaint has waited 10 working days (due today); 15th: 11, overdue.
    due_day = datetime(2026, 12, 14, 12, tzinfo=UTC)
    day_after = due_day + timedelta(days=1)

    def overdue(now):
        page = request_queue(session, rachel.id, QueueFilters(age="overdue"), now=now, settings=SETTINGS)
        return [r.reference for r in page.rows]

    assert overdue(due_day) == []
    assert overdue(day_after) == [complaint.reference]
    # The exchange arrived on 30 November: due by 11 January (42 days), overdue on the 12th.
    assert overdue(datetime(2027, 1, 11, 12, tzinfo=UTC)) == [complaint.reference]
    assert set(overdue(datetime(2027, 1, 12, 12, tzinfo=UTC))) == {complaint.reference, exchange.reference}
