"""The back office's queue and request pages, and the resident's side of what officers do,
driven through their real handlers with one browser's state each
(tests/security/state_browser.py): the queue's filters in its address, a reply an officer
sends from the request page that the resident then reads with the officer's name, the
joint tenant's answer on "My requests", and the counts on the back office's first page."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import Session, select

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app import routes
from portal_app.clock import uk_today, utcnow
from portal_app.models import Account, AuditEvent, JointConsent, MoneyRequest, OutboxMessage, PortalUser
from portal_app.pages.requests.detail import RequestDetailState
from portal_app.pages.requests.mine import MyRequestsState
from portal_app.pages.staff.home import StaffHomeState
from portal_app.pages.staff.queue import QueueState
from portal_app.pages.staff.request import RequestPageState
from portal_app.services.identity import sessions
from portal_app.services.requests.office import update_request
from portal_app.services.requests.resident import submit_query, submit_refund
from portal_app.services.staff import sessions as staff_sessions
from tests.factories import (
    make_charge,
    make_money_request,
    make_party,
    make_person,
    make_portal_user,
    make_posting,
    make_resident,
    make_staff,
)
from tests.security.state_browser import Browser, run_journey


@pytest.fixture
def office(db):
    """Ann's question and Bob's, a day apart; Rachel (income officer) and Alex (administrator)
    signed in to the back office; Ann signed in to the portal."""
    now = utcnow()
    with Session(db, expire_on_commit=False) as s:
        ann = make_resident(s, email="ann@example.org", first="Ann", last="Lee", ref="QRENT0001")
        bob = make_resident(s, email="bob@example.org", first="Bob", last="Hart", ref="QRENT0002")
        rachel = make_staff(s, "income_officer", name="Rachel Adeyemi")
        alex = make_staff(s, "administrator", name="Alex Morgan")
        older = submit_query(s, **bob.on(), message="Why is my balance wrong?", now=now - timedelta(days=1))
        newer = submit_query(s, **ann.on(), message="When is my rent due?", now=now)
        found = {
            "ann": ann,
            "bob_ref": older.acknowledgement.reference,
            "ann_ref": newer.acknowledgement.reference,
            "rachel": rachel,
            "rachel_token": staff_sessions.start(s, rachel.id, now=now),
            "alex_token": staff_sessions.start(s, alex.id, now=now),
            "ann_token": sessions.create_session(s, ann.user.id, client="test", now=now),
        }
        s.commit()
    return found


def test_the_queue_page_lists_the_requests_its_address_asks_for_and_the_filter_form_builds_that_address(
    tmp_path, office
):
    async def journey():
        async with Browser(tmp_path, staff=office["rachel_token"]) as browser:
            await browser.open(routes.STAFF_QUEUE)
            await browser.run(QueueState, "load")
            every = [dict(r) for r in (await browser.state(QueueState)).rows]
            await browser.open(routes.STAFF_QUEUE, kind="query", assigned="unassigned", status="lost")
            await browser.run(QueueState, "load")
            page = await browser.state(QueueState)
            chosen = dict(page.chosen)
            sent = await browser.run(
                QueueState, "apply_filters", {"kind": "refund", "status": "all", "assigned": "me", "age": "overdue"}
            )
            return every, chosen, page.shown_words, sent

    every, chosen, words, sent = run_journey(journey())

    assert [r["reference"] for r in every] == [office["bob_ref"], office["ann_ref"]]  # oldest first
    assert (every[0]["resident"], every[0]["assigned"], every[0]["waited"]) == (
        "Bob Hart",
        "Nobody yet",
        every[0]["waited"],
    )
    assert every[0]["waited"].startswith("Waited ") and every[0]["overdue"] == ""
    assert chosen == {"kind": "query", "status": "open", "assigned": "unassigned", "patch": "", "age": ""}
    assert words == "2 requests, oldest first."
    assert routes.staff_queue(kind="refund", status="all", assigned="me", age="overdue") in sent


def test_an_officer_replies_from_the_request_page_and_the_resident_reads_it_with_their_name(db, tmp_path, office):
    ref = office["ann_ref"]

    async def officer():
        async with Browser(tmp_path / "officer", staff=office["rachel_token"]) as browser:
            await browser.open(routes.STAFF_REQUEST, ref=ref.lower())
            await browser.run(RequestPageState, "load")
            before = dict((await browser.state(RequestPageState)).req)
            await browser.run(RequestPageState, "reply", {"status": "waiting_for_you", "note": ""})
            refused = dict((await browser.state(RequestPageState)).errors)
            await browser.run(
                RequestPageState, "reply", {"status": "in_progress", "note": "Your rent is due every Monday."}
            )
            page = await browser.state(RequestPageState)
            return before, refused, page.notice, dict(page.req), [dict(u) for u in page.updates]

    async def resident():
        async with Browser(tmp_path / "resident", office["ann_token"]) as browser:
            await browser.open(routes.REQUEST_DETAIL, ref=ref)
            await browser.run(RequestDetailState, "load")
            page = await browser.state(RequestDetailState)
            return dict(page.detail), [dict(u) for u in page.detail_updates]

    before, refused, notice, after, updates = run_journey(officer())
    detail, seen = run_journey(resident())

    assert (before["reference"], before["resident"], before["assigned"], before["account"]) == (
        ref,
        "Ann Lee",
        "Nobody yet",
        "Rent account QRENT0001",
    )
    assert refused == {"note": "Say what you need from the resident"}
    assert notice.startswith("Sent. The resident can see it under My requests")
    assert (after["status_label"], after["assigned"], after["assigned_to_me"]) == (
        "In progress",
        "Rachel Adeyemi",
        "yes",
    )
    assert updates[0] == {
        "at": updates[0]["at"],
        "status": "In progress",
        "note": "Your rent is due every Monday.",
        "by": "Rachel Adeyemi",
    }
    assert (detail["status_label"], detail["officer"]) == ("In progress", "Rachel Adeyemi")
    assert seen[-1]["note"] == "Your rent is due every Monday." and seen[-1]["by"] == "Rachel Adeyemi"
    with Session(db) as s:
        viewed = s.exec(select(AuditEvent).where(AuditEvent.action == "request_viewed")).all()
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "request_updated")).one()
    assert [(v.target, v.subject_user_id) for v in viewed] == [(ref, office["ann"].user.id)]
    assert mail.to_address == "ann@example.org" and "every Monday" not in mail.body_text


def test_a_role_that_does_not_deal_with_requests_is_refused_the_queue_and_nothing_is_listed(db, tmp_path, office):
    async def journey():
        async with Browser(tmp_path, staff=office["alex_token"]) as browser:
            await browser.open(routes.STAFF_QUEUE)
            sent = await browser.run(QueueState, "load")
            await browser.open(routes.STAFF_REQUEST, ref=office["ann_ref"])
            sent += await browser.run(RequestPageState, "load")
            return sent, [dict(r) for r in (await browser.state(QueueState)).rows]

    sent, rows = run_journey(journey())

    assert routes.STAFF_NOT_ALLOWED in sent and rows == []
    with Session(db) as s:
        assert (
            s.exec(select(AuditEvent).where(AuditEvent.action.in_(["requests_listed", "request_viewed"]))).all() == []
        )


def test_a_request_page_for_an_unknown_reference_says_it_cannot_be_found(tmp_path, office):
    async def journey():
        async with Browser(tmp_path, staff=office["rachel_token"]) as browser:
            await browser.open(routes.STAFF_REQUEST, ref="RQ-ZZZZZZ")
            await browser.run(RequestPageState, "load")
            page = await browser.state(RequestPageState)
            await browser.run(RequestPageState, "assign_to_me")
            return page.loaded, page.found, dict(page.req)

    assert run_journey(journey()) == (True, False, {})


def test_the_first_page_counts_the_officers_requests(tmp_path, db, office):
    with Session(db) as s:
        row = s.exec(select(MoneyRequest).where(MoneyRequest.reference == office["ann_ref"])).one()
        row.assigned_staff_id = office["rachel"].id
        s.add(row)
        make_money_request(s, s.get(PortalUser, row.user_id), s.get(Account, row.account_id), at=utcnow())
        s.commit()

    async def journey():
        async with Browser(tmp_path, staff=office["rachel_token"]) as browser:
            await browser.open(routes.STAFF_HOME)
            await browser.run(StaffHomeState, "load_counts")
            return [dict(c) for c in (await browser.state(StaffHomeState)).counts]

    counts = run_journey(journey())

    assert [c["words"] for c in counts] == [
        "1 open request assigned to you",
        "0 of them are overdue",
        "2 requests nobody has yet",
    ]
    assert counts[1]["href"] == "/staff/requests?assigned=me&age=overdue"


def test_the_other_joint_tenant_agrees_on_my_requests_and_only_their_own_question_is_answered(db, tmp_path):
    now = utcnow()
    with Session(db, expire_on_commit=False) as s:
        ann = make_resident(s, email="ann@example.org", first="Ann", last="Lee", ref="JRENT0042")
        tomasz = make_person(s, "Tomasz", "Nowak")
        make_party(s, ann.tenancy, tomasz, "joint_tenant")
        tomasz_user = make_portal_user(s, tomasz, ann.tenancy, email="tomasz@example.org")
        make_charge(s, ann.account, 10_000)
        make_posting(s, ann.account, uk_today(now) - timedelta(days=7), "payment", -35_000, "Card payment")
        rachel = make_staff(s, "income_officer", name="Rachel Adeyemi")
        ref = submit_refund(
            s,
            **ann.on(),
            amount="40.00",
            bank_account_name="Ann Lee",
            sort_code="123456",
            bank_account_number="12345678",
            now=now,
        ).acknowledgement.reference
        assert update_request(s, ref, status="in_progress", note="", staff_id=rachel.id, now=now).ok
        tomasz_token = sessions.create_session(s, tomasz_user.id, client="test", now=now)
        ann_token = sessions.create_session(s, ann.user.id, client="test", now=now)
        consent_id = s.exec(select(JointConsent.id)).one()
        s.commit()

    async def as_ann():
        async with Browser(tmp_path / "ann", ann_token) as browser:
            await browser.open(routes.REQUESTS)
            await browser.run(MyRequestsState, "load")
            before = list((await browser.state(MyRequestsState)).questions)
            await browser.run(MyRequestsState, "answer_question", str(consent_id), "agreed")
            return before, (await browser.state(MyRequestsState)).answered

    async def as_tomasz():
        async with Browser(tmp_path / "tomasz", tomasz_token) as browser:
            await browser.open(routes.REQUESTS)
            await browser.run(MyRequestsState, "load")
            asked = [dict(q) for q in (await browser.state(MyRequestsState)).questions]
            await browser.run(MyRequestsState, "answer_question", asked[0]["id"], "agreed")
            page = await browser.state(MyRequestsState)
            return asked, page.answered, list(page.questions)

    ann_saw, ann_told = run_journey(as_ann())
    asked, told, left = run_journey(as_tomasz())

    assert ann_saw == [] and ann_told == "That question has already been answered or is no longer open."
    assert [q["question"] for q in asked] == [
        "Ann asked for a refund of £40.00 from your joint rent account ending 0042."
    ]
    assert told == "Thank you. We have told your officer that you agree to the refund." and left == []
    with Session(db) as s:
        assert s.get(JointConsent, consent_id).answer == "agreed"
        [line] = s.exec(select(AuditEvent).where(AuditEvent.action == "joint_consent_answered")).all()
        assert (line.actor_id, json.loads(line.detail)["answer"]) == (tomasz_user.id, "agreed")
