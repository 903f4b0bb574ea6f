"""The back office's requests queue (office.request_queue): every kind in one list, oldest
first, 50 a page, filtered by kind, status, assignee, patch and age; each row's wait
against the target; data-rights requests only for the data protection officer; the
counts on the back office's first page."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from portal_app.models import AuditEvent, MoneyRequest
from portal_app.services.requests.common import NotYours, kind_label
from portal_app.services.requests.office import PAGE_SIZE, QueueFilters, parse_filters, request_counts, request_queue
from tests.factories import make_money_request
from tests.unit.requests.steps import SETTINGS

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # Wednesday: 12 working days after MONDAY


def _request(session, who, *, at=MONDAY, kind="query", status="received", assigned=None, account="default", **kw):
    row = make_money_request(
        session,
        who.user,
        who.account,
        kind=kind,
        at=at,
        summary=kw.pop("summary", f"{kind} from {who.person.first_name}"),
    )
    row.status = status
    row.assigned_staff_id = assigned.id if assigned is not None else None
    if account is None:
        row.account_id = None
    for name, value in kw.items():
        setattr(row, name, value)
    session.add(row)
    session.flush()
    return row.reference


def _queue(session, staff, now=NOW, settings=SETTINGS, **filters):
    return request_queue(session, staff.id, QueueFilters(**filters), now=now, settings=settings)


def _refs(page):
    return [r.reference for r in page.rows]


def test_every_kind_is_in_one_queue_oldest_first_with_its_wait_against_the_target(session, ann, bob, rachel):
    newest = _request(session, ann, kind="refund", at=NOW - timedelta(days=1))
    oldest = _request(session, bob, kind="benefits_advice", at=MONDAY)
    middle = _request(session, ann, kind="paper_statement", at=MONDAY + timedelta(days=7))
    later_kind = _request(session, bob, kind="payment_plan", at=MONDAY + timedelta(days=8))  # payment plans to agree

    page = _queue(session, rachel)

    assert _refs(page) == [oldest, middle, later_kind, newest]
    first = page.rows[0]
    assert (first.kind_label, first.resident_name, first.tenancy_ref, first.arrived_words) == (
        "Benefits advice",
        "Bob Lee",
        bob.tenancy.tenancy_ref,
        "2 November 2026",
    )
    assert (first.waited, first.target, first.overdue) == (12, 10, True)
    assert first.waited_words == "Waited 12 of 10 working days: 2 working days over"
    assert page.rows[2].kind_label == kind_label("payment_plan") == "Payment plan"
    assert (page.rows[3].waited_words, page.rows[3].overdue) == ("Waited 1 of 10 working days", False)
    assert (page.total, page.page, page.pages, page.first_shown, page.last_shown) == (4, 1, 1, 1, 4)


def test_the_queue_filters_by_kind_and_by_open_closed_or_one_status(session, ann, rachel):
    query = _request(session, ann, kind="query")
    refund = _request(session, ann, kind="refund")
    done = _request(session, ann, kind="query", status="done")
    waiting = _request(session, ann, kind="standing_order", status="waiting_for_you")

    assert _refs(_queue(session, rachel)) == [query, refund, waiting]
    assert _refs(_queue(session, rachel, kind="query")) == [query]
    assert _refs(_queue(session, rachel, status="closed")) == [done]
    assert _refs(_queue(session, rachel, status="all")) == [query, refund, done, waiting]
    assert _refs(_queue(session, rachel, status="waiting_for_you")) == [waiting]
    assert _refs(_queue(session, rachel, kind="query", status="all")) == [query, done]


def test_the_queue_filters_by_who_it_is_assigned_to(session, ann, bob, rachel, tom):
    mine = _request(session, ann, assigned=rachel)
    toms = _request(session, bob, assigned=tom)
    nobodys = _request(session, bob)

    assert _refs(_queue(session, rachel, assigned="me")) == [mine]
    assert _refs(_queue(session, rachel, assigned="unassigned")) == [nobodys]
    assert _refs(_queue(session, rachel, assigned="anyone")) == [mine, toms, nobodys]
    assert _refs(_queue(session, rachel, assigned=str(tom.id))) == [toms]
    assert page_names(_queue(session, rachel)) == ["Rachel Adeyemi", "Tom Reid", ""]


def page_names(page):
    return [r.assigned_name for r in page.rows]


def test_the_queue_filters_by_patch_the_officers_the_feed_names_on_the_tenancy(session, records, ann, rachel, officer):
    housing = records.officer("Hana Okafor", "housing_officer")
    elsewhere = records.officer("Tom Reid")
    cy = records.resident(email="cy@example.org", first="Cy", officer=elsewhere)
    cy.tenancy.housing_officer_id = housing.id
    session.flush()
    anns = _request(session, ann)
    cys = _request(session, cy)

    assert _refs(_queue(session, rachel, patch=str(officer.id))) == [anns]
    assert _refs(_queue(session, rachel, patch=str(elsewhere.id))) == [cys]
    assert _refs(_queue(session, rachel, patch=str(housing.id))) == [cys]
    assert [r.patch for r in _queue(session, rachel).rows] == ["Priya Shah", "Tom Reid and Hana Okafor"]
    assert [c.label for c in _queue(session, rachel).patches] == [
        "Every patch",
        "Hana Okafor",
        "Priya Shah",
        "Tom Reid",
    ]


def test_the_age_filter_finds_the_overdue_and_those_waiting_longer_than_a_number_of_working_days(session, ann, rachel):
    twelve = _request(session, ann, at=MONDAY)  # 12 working days by NOW: overdue
    ten = _request(session, ann, at=MONDAY + timedelta(days=2))  # 10: due today, not overdue
    six = _request(session, ann, at=MONDAY + timedelta(days=8))  # 6
    closed = _request(session, ann, at=MONDAY, status="done")

    assert _refs(_queue(session, rachel, age="overdue")) == [twelve]
    assert _refs(_queue(session, rachel, age="overdue", status="all")) == [twelve]  # a closed one is never overdue
    assert _refs(_queue(session, rachel, age="5")) == [twelve, ten, six]
    assert _refs(_queue(session, rachel, age="10")) == [twelve]
    assert _refs(_queue(session, rachel, age="10", status="closed")) == [closed]


def test_the_overdue_filter_uses_each_kinds_own_target_and_agrees_with_every_rows_wait(session, ann, bob, rachel):
    settings = dataclasses.replace(SETTINGS, request_target_days_by_kind=(("query", 5),))
    made = []
    for day in range(0, 16):
        made.append(_request(session, ann if day % 2 else bob, kind="query", at=MONDAY + timedelta(days=day)))
        made.append(_request(session, ann, kind="refund", at=MONDAY + timedelta(days=day, hours=1)))

    every = _queue(session, rachel, settings=settings)
    overdue = _queue(session, rachel, settings=settings, age="overdue")

    assert _refs(overdue) == [r.reference for r in every.rows if r.overdue]
    assert {r.kind for r in overdue.rows} == {"query", "refund"}
    assert all(r.waited > 5 for r in overdue.rows if r.kind == "query")
    assert all(r.waited > 10 for r in overdue.rows if r.kind == "refund")


def test_the_queue_shows_fifty_requests_a_page(session, ann, rachel):
    refs = [_request(session, ann, at=MONDAY + timedelta(minutes=n)) for n in range(PAGE_SIZE + 3)]

    first = _queue(session, rachel)
    second = _queue(session, rachel, page=2)
    beyond = _queue(session, rachel, page=9)

    assert (len(first.rows), first.total, first.pages) == (PAGE_SIZE, PAGE_SIZE + 3, 2)
    assert _refs(first) == refs[:PAGE_SIZE]
    assert _refs(second) == refs[PAGE_SIZE:] and (second.first_shown, second.last_shown) == (51, 53)
    assert beyond.page == 2 and _refs(beyond) == refs[PAGE_SIZE:]


def test_data_rights_requests_are_listed_for_the_data_protection_officer_only_and_have_no_account(
    session, records, ann, rachel
):
    dpo = records.staff("data_protection_officer", name="Dana Price")
    query = _request(session, ann)
    erasure = _request(session, ann, kind="data_erasure", account=None, summary="Erase my data")

    assert _refs(_queue(session, rachel)) == [query]
    assert _refs(_queue(session, rachel, kind="data_erasure")) == []
    assert "data_erasure" not in [c.value for c in _queue(session, rachel).kinds]
    listed = _queue(session, dpo)
    assert _refs(listed) == [query, erasure]
    assert (listed.rows[1].account_ref, listed.rows[1].tenancy_ref) == ("", ann.tenancy.tenancy_ref)


def test_listing_the_queue_is_audited_with_its_filters_and_needs_a_role_that_manages_requests(
    session, records, ann, rachel
):
    _request(session, ann)
    admin = records.staff("administrator")

    _queue(session, rachel, assigned="me", age="overdue")

    [line] = session.exec(select(AuditEvent).where(AuditEvent.action == "requests_listed")).all()
    assert line.actor_id == rachel.id
    assert json.loads(line.detail) == {"filters": {"assigned": "me", "age": "overdue"}, "shown": 0, "total": 0}
    with pytest.raises(NotYours):
        _queue(session, admin)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ({}, QueueFilters()),
        (
            {"kind": "refund", "status": "closed", "assigned": "me", "patch": "12", "age": "overdue", "page": "3"},
            QueueFilters("refund", "closed", "me", "12", "overdue", 3),
        ),
        (
            {"status": "declined", "assigned": "42", "age": "10"},
            QueueFilters(status="declined", assigned="42", age="10"),
        ),
        (
            {"kind": "Robert'); DROP", "status": "lost", "assigned": ["me"], "patch": "x1", "age": "-3", "page": "0"},
            QueueFilters(),
        ),
        ({"page": "99999999999"}, QueueFilters(page=100_000)),
    ],
)
def test_filters_from_the_address_keep_what_is_known_and_default_the_rest(raw, expected):
    assert parse_filters(raw) == expected


def test_the_first_page_counts_my_open_requests_my_overdue_ones_and_the_unassigned(session, ann, bob, rachel, tom):
    _request(session, ann, assigned=rachel, at=MONDAY)  # overdue
    _request(session, ann, assigned=rachel, at=NOW - timedelta(days=1))
    _request(session, ann, assigned=rachel, status="done")
    _request(session, bob, assigned=tom)
    _request(session, bob)

    counts = request_counts(session, rachel.id, now=NOW, settings=SETTINGS)

    assert (counts.mine_open, counts.mine_overdue, counts.unassigned) == (2, 1, 1)
    assert session.exec(select(MoneyRequest)).all()  # counting lists nothing in the audit log
    assert session.exec(select(AuditEvent)).all() == []
