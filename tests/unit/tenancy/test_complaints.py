"""Complaints, compliments and comments (services/tenancy/complaints.py and
complaints_office.py): the Housing Ombudsman's Complaint Handling Code's deadlines in
working days for each stage, worked by hand across the Christmas 2026 bank holidays
(Friday 25 and Monday 28 December 2026, Friday 1 January 2027); escalation to stage 2;
another resident's complaint refused everywhere; the officer's acknowledgement and
extension."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from portal_app.models import AuditEvent, MoneyRequest, OutboxMessage, Repair, RequestUpdate
from portal_app.services.requests.common import DONE, NotYours
from portal_app.services.tenancy import complaints, complaints_office
from portal_app.settings import get_settings

SETTINGS = get_settings()
MON_21_DEC = datetime(2026, 12, 21, 10, 0, tzinfo=UTC)  # Monday 21 December 2026


@pytest.fixture
def officer(records):
    return records.officer()


@pytest.fixture
def ann(records, officer):
    return records.resident(officer=officer, ref="RENT00420042")


@pytest.fixture
def bob(records, officer):
    return records.resident(email="bob@example.org", first="Bob", officer=officer, ref="RENT00770077")


@pytest.fixture
def tom(records):
    return records.staff("housing_officer", name="Tom Reid", email="tom@northbrook-homes.example")


def _complain(session, who, now=MON_21_DEC, **kw):
    fields = dict(
        what_went_wrong="Nobody came to fix the boiler on the day you promised.",
        put_right="Come and fix it this week, and say sorry.",
    )
    fields.update(kw)
    return complaints.make_complaint(session, **who.principal, now=now, settings=SETTINGS, **fields)


def _request(session, reference) -> MoneyRequest:
    return session.exec(select(MoneyRequest).where(MoneyRequest.reference == reference)).one()


def _count(session, model) -> int:
    return len(session.exec(select(model)).all())


# --- deadlines ---------------------------------------------------------------------


def test_complaint_deadlines_in_working_days_for_each_stage_across_the_christmas_bank_holidays():
    # Stage 1 arriving on Monday 21 December 2026: acknowledged within 5 working days
    # (Tue 22, Wed 23, Thu 24, [Fri 25, Sat, Sun, Mon 28 closed] Tue 29, Wed 30).
    stage_1 = complaints.complaint_deadlines(1, date(2026, 12, 21), settings=SETTINGS)
    assert stage_1.acknowledge_by == date(2026, 12, 30)
    # Not yet acknowledged: the latest answer is 10 working days after Wed 30 December
    # (Thu 31, [Fri 1 Jan closed] Mon 4 ... Fri 8, Mon 11 ... Thu 14).
    assert stage_1.answer_by == date(2027, 1, 14)
    assert stage_1.words == (
        "We will acknowledge your complaint by 30 December 2026.",
        "We will answer within 10 working days of acknowledging it: by 14 January 2027 at the latest.",
    )

    # Stage 2 asked for on Christmas Eve: acknowledged by Tuesday 5 January 2027 (Tue 29,
    # Wed 30, Thu 31, Mon 4, Tue 5), answered 20 working days later: Tuesday 2 February 2027.
    stage_2 = complaints.complaint_deadlines(2, date(2026, 12, 24), settings=SETTINGS)
    assert (stage_2.acknowledge_by, stage_2.answer_by) == (date(2027, 1, 5), date(2027, 2, 2))
    assert stage_2.answer_within == 20


def test_the_answer_counts_from_the_day_the_complaint_was_acknowledged_and_an_extension_adds_working_days():
    # Acknowledged on Wednesday 23 December: 10 working days on is Monday 11 January 2027
    # (Thu 24, Tue 29, Wed 30, Thu 31, Mon 4, Tue 5, Wed 6, Thu 7, Fri 8, Mon 11).
    early = complaints.complaint_deadlines(1, date(2026, 12, 21), acknowledged_on=date(2026, 12, 23), settings=SETTINGS)
    assert early.answer_by == date(2027, 1, 11)
    assert early.words[-1] == "We will answer by 11 January 2027: 10 working days after acknowledging it."

    # Extended by the most the Code allows, 10 working days: Monday 25 January 2027.
    extended = complaints.complaint_deadlines(
        1, date(2026, 12, 21), acknowledged_on=date(2026, 12, 23), extended_by=10, settings=SETTINGS
    )
    assert extended.answer_by == date(2027, 1, 25)
    assert "25 January 2027" in extended.words[-1] and "10 more" in extended.words[-1]
    # Never more than 10 working days, whatever is stored.
    assert complaints.complaint_deadlines(
        1, date(2026, 12, 21), acknowledged_on=date(2026, 12, 23), extended_by=40, settings=SETTINGS
    ).answer_by == date(2027, 1, 25)


# --- making a complaint ---------------------------------------------------------------


def test_a_resident_makes_a_complaint_and_is_told_its_deadlines_on_screen_by_email_and_in_their_list(session, ann):
    result = _complain(session, ann, contact_by="phone", phone="07700 900982")

    assert result.ok
    ack = result.acknowledgement
    assert ack.kind_label == "Complaint (stage 1)"
    assert "We will acknowledge your complaint by 30 December 2026." in ack.next_steps
    [mail] = session.exec(select(OutboxMessage)).all()
    assert mail.to_address == ann.user.email and "30 December 2026" in mail.body_text
    request = _request(session, ack.reference)
    assert request.kind == "complaint" and request.acknowledged_at is None
    assert json.loads(request.details)["lines"][-1] == ["How to contact you", "By phone: 07700 900982"]
    [mine] = complaints.my_complaints(session, **ann.principal, now=MON_21_DEC, settings=SETTINGS)
    assert (mine.reference, mine.stage_words, mine.status_label) == (ack.reference, "Stage 1", "Received")
    assert mine.deadlines.acknowledge_by == date(2026, 12, 30) and not mine.can_escalate


def test_a_complaint_without_what_went_wrong_or_about_someone_elses_repair_is_refused_and_nothing_written(
    session, ann, bob
):
    theirs = Repair(
        reference="RP-BOB12345",
        property_id=bob.tenancy.property_id,
        tenancy_id=bob.tenancy.id,
        user_id=bob.user.id,
        priority="routine",
        reported_at=MON_21_DEC,
        target_at=MON_21_DEC,
        updated_at=MON_21_DEC,
    )
    session.add(theirs)
    session.flush()

    result = _complain(session, ann, what_went_wrong="", about="RP-BOB12345")
    unknown = _complain(session, ann, about="RP-NOSUCH99")

    assert result.errors == {
        "what_went_wrong": "Tell us what went wrong",
        "about": "We cannot find a repair or request of yours with that reference. Check it, or leave this empty",
    }
    assert unknown.errors["about"] == result.errors["about"]
    assert _count(session, MoneyRequest) == 0 and _count(session, OutboxMessage) == 0


def test_a_complaint_can_be_about_the_residents_own_request(session, ann):
    first = _complain(session, ann).acknowledgement.reference

    second = _complain(session, ann, about=first.lower())

    assert second.ok
    assert ["About", first] in json.loads(_request(session, second.acknowledgement.reference).details)["lines"]


# --- escalation ------------------------------------------------------------------------


def test_a_stage_1_complaint_can_go_to_stage_2_once_it_is_answered_and_only_once(session, ann):
    ref = _complain(session, ann).acknowledgement.reference
    too_soon = complaints.escalate_complaint(
        session, **ann.principal, reference=ref, now=MON_21_DEC + timedelta(days=2), settings=SETTINGS
    )
    assert too_soon.errors == {
        "complaint": "You can ask for stage 2 once we have answered, or if we have not answered by 14 January 2027."
    }

    _request(session, ref).status = DONE
    session.flush()
    later = datetime(2026, 12, 24, 9, 0, tzinfo=UTC)
    escalated = complaints.escalate_complaint(session, **ann.principal, reference=ref, why="", now=later)

    assert escalated.ok
    stage_2 = _request(session, escalated.acknowledgement.reference)
    assert (stage_2.kind, stage_2.parent_request_id) == ("complaint_stage_2", _request(session, ref).id)
    assert "We will acknowledge your request to take your complaint to stage 2 by 5 January 2027." in (
        escalated.acknowledgement.next_steps
    )
    again = complaints.escalate_complaint(session, **ann.principal, reference=ref, now=later)
    assert "already asked" in again.errors["complaint"]
    assert complaints.escalate_complaint(session, **ann.principal, reference=stage_2.reference, now=later).errors == {
        "complaint": "This complaint is already at stage 2, our final stage"
    }
    views = {v.reference: v for v in complaints.my_complaints(session, **ann.principal, now=later)}
    assert views[ref].escalated_to == stage_2.reference and views[stage_2.reference].escalated_from == ref


def test_an_unanswered_complaint_can_go_to_stage_2_once_its_answer_is_overdue(session, ann):
    ref = _complain(session, ann).acknowledgement.reference
    on_the_day = datetime(2027, 1, 14, 12, 0, tzinfo=UTC)
    day_after = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)

    assert not complaints.complaint_for(session, **ann.principal, reference=ref, now=on_the_day).can_escalate
    view = complaints.complaint_for(session, **ann.principal, reference=ref, now=day_after)
    assert view.overdue and view.can_escalate
    assert complaints.escalate_complaint(session, **ann.principal, reference=ref, now=day_after).ok


def test_another_residents_complaint_is_refused_by_every_function(session, ann, bob):
    ref = _complain(session, ann).acknowledgement.reference
    _request(session, ref).status = DONE
    session.flush()
    before = _count(session, MoneyRequest)

    with pytest.raises(NotYours):
        complaints.complaint_for(session, **bob.principal, reference=ref, now=MON_21_DEC)
    with pytest.raises(NotYours):
        complaints.escalate_complaint(session, **bob.principal, reference=ref, now=MON_21_DEC)
    with pytest.raises(NotYours):  # Bob's id with Ann's person and tenancy
        complaints.my_complaints(
            session, user_id=bob.user.id, person_id=ann.person.id, tenancy_id=ann.tenancy.id, now=MON_21_DEC
        )
    for odd in ({"ref": ref}, [ref], None, "x" * 10_000, 12):
        with pytest.raises(NotYours):
            complaints.escalate_complaint(session, **ann.principal, reference=odd, now=MON_21_DEC)
    assert complaints.my_complaints(session, **bob.principal, now=MON_21_DEC) == []
    assert _count(session, MoneyRequest) == before


# --- the officer -----------------------------------------------------------------------


def test_the_officer_acknowledges_a_complaint_once_and_the_resident_is_told_how_we_understand_it(session, ann, tom):
    ref = _complain(session, ann).acknowledgement.reference
    wednesday = datetime(2026, 12, 23, 14, 0, tzinfo=UTC)

    empty = complaints_office.acknowledge_complaint(session, ref, staff_id=tom.id, note=" ", now=wednesday)
    assert empty.errors == {"ack_note": "Say how you understand the complaint and what the resident wants"}
    assert _request(session, ref).acknowledged_at is None

    done = complaints_office.acknowledge_complaint(
        session, ref, staff_id=tom.id, note="The boiler visit was missed; you want it fixed.", now=wednesday
    )

    assert done.ok and done.complaint.deadlines.answer_by == date(2027, 1, 11)
    request = _request(session, ref)
    assert request.acknowledged_at is not None and request.status == "in_progress"
    step = session.exec(select(RequestUpdate).order_by(RequestUpdate.id.desc())).first()
    assert "The boiler visit was missed; you want it fixed." in step.note and step.staff_id == tom.id
    mail = session.exec(select(OutboxMessage).order_by(OutboxMessage.id.desc())).first()
    assert mail.to_address == ann.user.email and "We will answer it by 11 January 2027." in mail.body_text
    assert "boiler visit" not in mail.body_text  # the note is read signed in, never emailed
    [line] = session.exec(select(AuditEvent).where(AuditEvent.action == "complaint_acknowledged")).all()
    assert (line.actor_id, line.target, line.subject_user_id) == (tom.id, ref, ann.user.id)
    view = complaints.complaint_for(session, **ann.principal, reference=ref, now=wednesday)
    assert view.deadlines.words[0] == "We acknowledged your complaint on 23 December 2026."

    again = complaints_office.acknowledge_complaint(session, ref, staff_id=tom.id, note="Again", now=wednesday)
    assert again.errors == {"ack_note": "This complaint has already been acknowledged"}


def test_the_officer_extends_the_deadline_once_by_at_most_10_working_days_with_a_reason(session, ann, tom):
    ref = _complain(session, ann).acknowledgement.reference
    wednesday = datetime(2026, 12, 23, 14, 0, tzinfo=UTC)
    first = complaints_office.extend_deadline(session, ref, staff_id=tom.id, days="5", reason="Waiting", now=wednesday)
    assert first.errors == {"extend_days": "Acknowledge the complaint first: its answer date counts from then"}
    complaints_office.acknowledge_complaint(session, ref, staff_id=tom.id, note="The missed visit.", now=wednesday)

    assert complaints_office.extend_deadline(
        session, ref, staff_id=tom.id, days="11", reason="", now=wednesday
    ).errors == {
        "extend_days": "Enter a number of working days from 1 to 10",
        "extend_reason": "Say why you need more time",
    }
    done = complaints_office.extend_deadline(
        session, ref, staff_id=tom.id, days="10", reason="The contractor is closed until 4 January.", now=wednesday
    )

    assert done.ok and done.complaint.deadlines.answer_by == date(2027, 1, 25)
    step = session.exec(select(RequestUpdate).order_by(RequestUpdate.id.desc())).first()
    assert "The contractor is closed until 4 January." in step.note
    assert "Housing Ombudsman Service" in step.note and "0300 111 3000" in step.note
    view = complaints.complaint_for(session, **ann.principal, reference=ref, now=wednesday)
    assert view.deadlines.answer_by == date(2027, 1, 25)
    assert view.extension_reason == "The contractor is closed until 4 January."
    twice = complaints_office.extend_deadline(session, ref, staff_id=tom.id, days="2", reason="More", now=wednesday)
    assert twice.errors == {"extend_days": "This complaint's deadline has already been extended once"}


def test_only_staff_who_manage_requests_may_acknowledge(session, ann, records):
    ref = _complain(session, ann).acknowledgement.reference
    gone = records.staff("housing_officer", status="disabled")

    for who in (gone.id, None, "1", {"id": 1}):
        with pytest.raises(NotYours):
            complaints_office.acknowledge_complaint(session, ref, staff_id=who, note="Seen", now=MON_21_DEC)
    assert _request(session, ref).acknowledged_at is None


# --- compliments and comments --------------------------------------------------------------


def test_a_compliment_names_the_team_and_reaches_the_queue(session, ann):
    result = complaints.give_feedback(
        session,
        **ann.principal,
        kind="compliment",
        team="repairs",
        who="Dev, the plumber",
        what_happened="Fixed our leak in ten minutes and tidied up after.",
        now=MON_21_DEC,
    )

    assert result.ok
    request = _request(session, result.acknowledgement.reference)
    assert (request.kind, request.summary) == ("compliment", "Compliment for Repairs and maintenance")
    assert complaints.give_feedback(
        session, **ann.principal, kind="praise", team="", what_happened="", now=MON_21_DEC
    ).errors == {
        "kind": "Choose whether it is a compliment or a comment",
        "team": "Choose which team it is about",
        "what_happened": "Tell us what happened",
    }
