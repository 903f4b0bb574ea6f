"""Assigning requests: by an officer to anyone who deals with requests (themselves
included), and automatically when a request arrives for a tenancy whose officer in the
landlord's feed has a staff account. The assignee is emailed the reference, the kind and a
link, never what the resident wrote or their name."""

from __future__ import annotations

import json

from sqlmodel import select

from portal_app.models import AuditEvent, MoneyRequest
from portal_app.services.requests.office import assign_request, update_request
from tests.unit.requests.steps import NOW, SETTINGS, counts, in_credit, mails, only_request, query, refund


def _assign(session, ref, by, to):
    return assign_request(session, ref, staff_id=by.id, to_staff_id=to, now=NOW, settings=SETTINGS)


def test_an_officer_assigns_a_request_to_a_colleague_who_is_emailed_its_reference_kind_and_link(
    session, ann, rachel, tom
):
    ref = query(session, ann, message="My neighbour Mrs Okafor says my rent is wrong").acknowledgement.reference

    result = _assign(session, ref, rachel, str(tom.id))

    assert result.ok and (result.item.assigned_name, result.item.assigned_to_viewer) == ("Tom Reid", False)
    request = only_request(session)
    assert (request.assigned_staff_id, request.assigned_at) == (tom.id, NOW)
    [mail] = mails(session, "request_assigned")
    assert (mail.to_address, mail.subject) == (
        "tom@northbrook-homes.example",
        f"A request has been assigned to you: {ref}",
    )
    assert "Rachel Adeyemi has assigned a request to you." in mail.body_text
    assert f"Reference: {ref}\nKind: Question about my account" in mail.body_text
    assert f"{SETTINGS.base_url}/staff/requests/view?ref={ref}" in mail.body_text
    for private in ("Okafor", "neighbour", "Ann", "Lee", "RENT00420042", "ann@example.org"):
        assert private not in mail.body_text
    [line] = session.exec(select(AuditEvent).where(AuditEvent.action == "request_assigned")).all()
    assert (line.actor_id, line.subject_user_id, line.target) == (rachel.id, ann.user.id, ref)
    assert json.loads(line.detail) == {"from_staff_id": None, "to_staff_id": tom.id, "to": "Tom Reid"}


def test_assign_to_me_sends_no_email_and_reassigning_moves_it(session, ann, rachel, tom):
    ref = query(session, ann).acknowledgement.reference

    mine = _assign(session, ref, rachel, rachel.id)
    moved = _assign(session, ref, rachel, tom.id)

    assert mine.ok and mine.item.assigned_to_viewer
    assert moved.ok and only_request(session).assigned_staff_id == tom.id
    assert [m.to_address for m in mails(session, "request_assigned")] == ["tom@northbrook-homes.example"]


def test_a_request_cannot_go_to_someone_who_does_not_deal_with_requests_or_to_whoever_has_it(
    session, records, ann, rachel, tom
):
    ref = query(session, ann).acknowledgement.reference
    admin = records.staff("administrator")
    gone = records.staff("income_officer", status="disabled")
    _assign(session, ref, rachel, tom.id)
    before = counts(session)

    for to in (admin.id, gone.id, 999_999, "not a number", None, True):
        assert _assign(session, ref, rachel, to).errors == {
            "assignee": "Choose a member of staff who deals with requests"
        }, to
    assert _assign(session, ref, rachel, tom.id).errors == {"assignee": "This request is already assigned to Tom Reid"}
    update_request(session, ref, status="done", note="", staff_id=tom.id, now=NOW, settings=SETTINGS)
    assert _assign(session, ref, rachel, rachel.id).errors == {
        "assignee": "This request is completed. Reopen it to assign it"
    }
    assert only_request(session).assigned_staff_id == tom.id
    assert counts(session)[0] == before[0]


def test_a_data_rights_request_can_be_assigned_only_to_staff_who_handle_them(session, records, ann, rachel):
    dpo = records.staff("data_protection_officer", name="Dana Price")
    session.add(
        MoneyRequest(
            reference="RQ-DATA33",
            kind="data_correction",
            user_id=ann.user.id,
            person_id=ann.person.id,
            summary="Correct my date of birth",
            created_at=NOW,
            updated_at=NOW,
        )
    )
    session.flush()

    assert _assign(session, "RQ-DATA33", dpo, rachel.id).errors == {
        "assignee": "Choose a member of staff who deals with requests"
    }
    assert _assign(session, "RQ-DATA33", dpo, dpo.id).ok


def test_a_request_for_a_tenancy_whose_officer_has_a_staff_account_is_assigned_to_them_when_it_arrives(
    session, records, ann, officer
):
    priya = records.staff("income_officer", name="Priya Shah", email="priya@northbrook-homes.example", officer=officer)

    ref = query(session, ann).acknowledgement.reference

    request = only_request(session)
    assert (request.officer_id, request.assigned_staff_id, request.assigned_at) == (officer.id, priya.id, NOW)
    [mail] = mails(session, "request_assigned")
    assert mail.to_address == "priya@northbrook-homes.example"
    assert "We have assigned a request to you." in mail.body_text and ref in mail.body_text


def test_a_request_stays_unassigned_when_the_officer_has_no_staff_account_or_cannot_take_it(
    session, records, ann, bob, officer
):
    records.staff("administrator", officer=officer)  # linked, but an administrator does not deal with requests
    in_credit(records, ann, 25000)

    refund(session, ann)
    query(session, bob)

    assert mails(session, "request_assigned") == []
    assert {r.assigned_staff_id for r in session.exec(select(MoneyRequest)).all()} == {None}
