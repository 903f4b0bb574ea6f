"""What officers do with one request in the back office: replies the resident reads under
"My requests" with the officer's name, status rules, approving and declining, marking a
refund paid, revealing its bank details to the assignee only (audited, deleted once paid),
and the audit line every open of a request writes. Time is frozen by passing ``now``; the
residents and staff are conftest.py's fixtures."""

from __future__ import annotations

import ast
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

import portal_app
from portal_app.models import AuditEvent, MoneyRequest, RequestUpdate
from portal_app.services.requests.common import NotYours, RequestNotFound, kind_label
from portal_app.services.requests.office import (
    decide_request,
    mark_refund_paid,
    open_request,
    reveal_bank_details,
    update_request,
)
from portal_app.services.requests.resident import my_requests, request_detail
from tests.unit.requests.steps import NOW, SETTINGS, counts, in_credit, mails, only_request, query, refund

LATER = NOW + timedelta(days=1)


def _update(session, ref, who, status, note="", at=NOW):
    return update_request(session, ref, status=status, note=note, staff_id=who.id, now=at, settings=SETTINGS)


def _audit(session, action):
    return session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


# ---------------------------------------------------------------------------
# Replies and status
# ---------------------------------------------------------------------------


def test_a_reply_is_shown_to_the_resident_with_the_officers_name_and_they_are_emailed_without_the_note(
    session, ann, rachel
):
    ref = query(session, ann).acknowledgement.reference

    result = _update(session, ref, rachel, "waiting_for_you", "Please send your bank statement for May", at=LATER)

    assert result.ok and result.errors == {}
    assert (result.item.status, result.item.status_label) == ("waiting_for_you", "Waiting for your reply")
    request = only_request(session)
    assert (request.status, request.updated_at, request.created_at) == ("waiting_for_you", LATER, NOW)
    last = session.exec(select(RequestUpdate).order_by(RequestUpdate.id.desc())).first()
    assert (last.status, last.note, last.staff_id, last.at) == (
        "waiting_for_you",
        "Please send your bank statement for May",
        rachel.id,
        LATER,
    )
    # What the resident sees under "My requests" and on the request's own page.
    [listed] = my_requests(session, ann.user.id)
    assert (listed.reference, listed.status_label) == (ref, "Waiting for your reply")
    detail = request_detail(session, ann.user.id, ref)
    assert detail.officer_name == "Rachel Adeyemi"
    assert [(u.status_label, u.note, u.by) for u in detail.updates] == [
        ("Received", "", ""),
        ("Waiting for your reply", "Please send your bank statement for May", "Rachel Adeyemi"),
    ]
    [mail] = mails(session, "request_updated")
    assert mail.to_address == "ann@example.org"
    assert mail.subject == f"Update on your request {ref}: Waiting for your reply - {SETTINGS.landlord_name}"
    assert "You asked for: a question about your rent account ending 0042." in mail.body_text
    assert "We have added a message for you. Sign in to read it." in mail.body_text
    assert "bank statement" not in mail.body_text
    [line] = _audit(session, "request_updated")
    assert (line.actor_id, line.subject_user_id, line.target) == (rachel.id, ann.user.id, ref)
    assert json.loads(line.detail) == {"from": "received", "to": "waiting_for_you", "with_message": True}


def test_an_unassigned_request_is_assigned_to_the_officer_who_answers_it(session, ann, rachel, tom):
    ref = query(session, ann).acknowledgement.reference
    assert only_request(session).assigned_staff_id is None

    _update(session, ref, rachel, "in_progress")
    _update(session, ref, tom, "in_progress", "Covering for Rachel")

    request = only_request(session)
    assert (request.assigned_staff_id, request.assigned_at) == (rachel.id, NOW)
    assert [u.by for u in request_detail(session, ann.user.id, ref).updates] == ["", "Rachel Adeyemi", "Tom Reid"]


@pytest.mark.parametrize(
    "path, status, note, errors",
    [
        ([], "received", "", {"status": "A request cannot go from Received to Received"}),
        ([], "lost", "", {"status": "Select a status"}),
        ([], "declined", "  ", {"note": "Say why you are declining this request"}),
        ([], "waiting_for_you", "", {"note": "Say what you need from the resident"}),
        (["in_progress"], "in_progress", "", {"note": "Add a note, or choose a different status"}),
        (
            ["done"],
            "declined",
            "Changed my mind",
            {"status": "This request is completed. To reopen it, choose In progress and say why"},
        ),
        (["done"], "in_progress", "", {"note": "Say why you are reopening this request"}),
        (["in_progress"], "done", "n" * 2001, {"note": "Note must be 2000 characters or fewer"}),
    ],
)
def test_updates_that_break_the_rules_are_refused_and_write_nothing(session, ann, rachel, path, status, note, errors):
    ref = query(session, ann).acknowledgement.reference
    for step in path:
        assert _update(session, ref, rachel, step).ok
    before = counts(session)

    result = _update(session, ref, rachel, status, note)

    assert (result.ok, result.errors) == (False, errors)
    assert counts(session) == before
    assert only_request(session).status == (path[-1] if path else "received")


def test_a_closed_request_reopens_only_to_in_progress_with_a_reason_and_the_resident_is_told(session, ann, rachel):
    ref = query(session, ann).acknowledgement.reference
    _update(session, ref, rachel, "declined", "We need proof first")

    result = _update(session, ref, rachel, "in_progress", "Proof received")

    assert result.ok and only_request(session).status == "in_progress"
    assert [m.subject.split(": ")[1] for m in mails(session, "request_updated")] == [
        f"Declined - {SETTINGS.landlord_name}",
        f"In progress - {SETTINGS.landlord_name}",
    ]
    assert "We have reopened your request and are working on it again." in mails(session)[-1].body_text


def test_an_update_with_an_unknown_reference_or_by_someone_who_cannot_manage_requests_is_refused(
    session, records, ann, rachel
):
    ref = query(session, ann).acknowledgement.reference
    admin = records.staff("administrator")
    gone = records.staff("income_officer", status="disabled")

    with pytest.raises(RequestNotFound):
        _update(session, "RQ-ZZZZZZ", rachel, "done")
    for who in (admin, gone):
        with pytest.raises(NotYours):
            _update(session, ref, who, "done")
    with pytest.raises(NotYours):
        update_request(session, ref, status="done", note="", staff_id=999_999, now=NOW, settings=SETTINGS)
    assert only_request(session).status == "received"


# ---------------------------------------------------------------------------
# Opening a request
# ---------------------------------------------------------------------------


def test_opening_a_request_writes_an_audit_line_with_the_resident_as_its_subject(session, ann, rachel):
    ref = query(session, ann).acknowledgement.reference

    view = open_request(session, ref.lower(), rachel.id, now=LATER, settings=SETTINGS, client_ip="10.20.0.15")

    assert (view.reference, view.resident_name, view.account_ref, view.kind_label) == (
        ref,
        "Ann Lee",
        "RENT00420042",
        "Question about my account",
    )
    assert view.wait.words == "Waited 1 of 10 working days"  # Sunday to Monday
    # The officer reads the resident's words labelled for an officer, not "Your question".
    assert [line.label for line in view.lines][0] == "Their question"
    [line] = _audit(session, "request_viewed")
    assert (line.actor_kind, line.actor_id, line.actor_label) == ("staff", rachel.id, "Rachel Adeyemi")
    assert (line.subject_user_id, line.subject_person_id, line.target, line.client_ip) == (
        ann.user.id,
        ann.person.id,
        ref,
        "10.20.0.15",
    )


def test_a_data_rights_request_without_an_account_opens_for_the_data_protection_officer_only(
    session, records, ann, rachel
):
    dpo = records.staff("data_protection_officer", name="Dana Price")
    erasure = MoneyRequest(
        reference="RQ-DATA22",
        kind="data_erasure",
        user_id=ann.user.id,
        person_id=ann.person.id,
        account_id=None,
        summary="Erase my data",
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(erasure)
    session.flush()

    view = open_request(session, "RQ-DATA22", dpo.id, now=LATER, settings=SETTINGS)

    assert (view.account_ref, view.account_label, view.tenancy_ref) == ("", "", ann.tenancy.tenancy_ref)
    assert view.kind_label == kind_label("data_erasure")
    with pytest.raises(RequestNotFound):
        open_request(session, "RQ-DATA22", rachel.id, now=LATER, settings=SETTINGS)
    assert len(_audit(session, "request_viewed")) == 1
    result = update_request(
        session, "RQ-DATA22", status="in_progress", note="", staff_id=dpo.id, now=LATER, settings=SETTINGS
    )
    assert result.ok
    [mail] = mails(session, "request_updated")
    assert f"You asked for: {kind_label('data_erasure').lower()}." in mail.body_text


# ---------------------------------------------------------------------------
# Approving, declining and paying a refund
# ---------------------------------------------------------------------------


def test_a_refund_is_approved_then_marked_paid_and_its_bank_details_are_deleted_keeping_the_masked_line(
    session, records, ann, rachel
):
    in_credit(records, ann, 25000)
    ref = refund(session, ann).acknowledgement.reference

    approved = decide_request(session, ref, decision="approve", note="", staff_id=rachel.id, now=NOW, settings=SETTINGS)

    assert approved.ok
    request = only_request(session)
    assert (request.status, request.approved_at, request.approved_by_staff_id) == ("in_progress", NOW, rachel.id)
    assert approved.item.approved_words == "Approved by Rachel Adeyemi at 10:30 on 22 November 2026"
    assert approved.item.can_mark_paid and approved.item.has_bank_details
    shown = request_detail(session, ann.user.id, ref).updates[-1]
    assert (shown.status_label, shown.by) == ("In progress", "Rachel Adeyemi")
    assert shown.note.startswith("We have approved your refund.")

    paid = mark_refund_paid(session, ref, staff_id=rachel.id, now=LATER, settings=SETTINGS)

    assert paid.ok and paid.item.status == "done" and not paid.item.has_bank_details
    session.refresh(request)
    assert (request.status, request.paid_at, request.bank_details_enc) == ("done", LATER, None)
    assert request.bank_details_masked == "Sort code **-**-56, account ****5678, name A Lee"
    assert request_detail(session, ann.user.id, ref).updates[-1].note == (
        "We have paid your refund of £40.00 into the bank account you gave us."
    )
    assert [m.subject.split(": ")[1] for m in mails(session, "request_updated")] == [
        f"In progress - {SETTINGS.landlord_name}",
        f"Completed - {SETTINGS.landlord_name}",
    ]
    for mail in mails(session, "request_updated"):
        for secret in ("12345678", "5678", "123456", "12-34-56", "Ann Lee", "A Lee"):
            assert secret not in mail.body_text
    assert [a.action for a in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()] == [
        "request_approved",
        "refund_paid",
    ]


def test_a_refund_cannot_be_completed_paid_or_declined_without_a_decision_and_a_reason(session, records, ann, rachel):
    in_credit(records, ann, 25000)
    ref = refund(session, ann).acknowledgement.reference
    before = counts(session)

    assert _update(session, ref, rachel, "done").errors == {
        "status": "A refund is completed when you mark it paid, after approving it"
    }
    assert _update(session, ref, rachel, "declined", "No").errors == {
        "status": "Decline this request with the decision form, saying why"
    }
    assert mark_refund_paid(session, ref, staff_id=rachel.id, now=NOW, settings=SETTINGS).errors == {
        "paid": "Approve this refund before you mark it paid"
    }
    assert decide_request(
        session, ref, decision="decline", note=" ", staff_id=rachel.id, now=NOW, settings=SETTINGS
    ).errors == {"note": "Say why you are declining this request"}
    assert decide_request(
        session, ref, decision="maybe", note="", staff_id=rachel.id, now=NOW, settings=SETTINGS
    ).errors == {"decision": "Choose whether to approve or decline this request"}
    assert counts(session) == before and only_request(session).status == "received"

    declined = decide_request(
        session,
        ref,
        decision="decline",
        note="Your account went into arrears on 20 November",
        staff_id=rachel.id,
        now=NOW,
        settings=SETTINGS,
    )

    assert declined.ok and only_request(session).status == "declined"
    assert request_detail(session, ann.user.id, ref).updates[-1].note == "Your account went into arrears on 20 November"
    again = decide_request(session, ref, decision="approve", note="", staff_id=rachel.id, now=NOW, settings=SETTINGS)
    assert again.errors == {"decision": "This request is declined"}


def test_a_refund_is_approved_once_and_a_question_needs_no_decision(session, records, ann, rachel):
    in_credit(records, ann, 25000)
    ref = refund(session, ann).acknowledgement.reference
    question = query(session, ann).acknowledgement.reference
    assert decide_request(session, ref, decision="approve", note="", staff_id=rachel.id, now=NOW, settings=SETTINGS).ok

    twice = decide_request(session, ref, decision="approve", note="", staff_id=rachel.id, now=LATER, settings=SETTINGS)

    assert twice.errors == {"decision": "This request has been approved."}
    assert decide_request(
        session, question, decision="approve", note="", staff_id=rachel.id, now=NOW, settings=SETTINGS
    ).errors == {"decision": "This request does not need approving or declining"}
    assert len(_audit(session, "request_approved")) == 1


# ---------------------------------------------------------------------------
# Revealing bank details
# ---------------------------------------------------------------------------


def _assigned_refund(session, records, who, assignee, **bank):
    in_credit(records, who, 25000)
    ref = refund(session, who, **bank).acknowledgement.reference
    _update(session, ref, assignee, "in_progress")
    return ref


def test_only_the_assigned_officer_can_reveal_refund_bank_details_and_each_reveal_is_audited_without_them(
    session, records, ann, rachel
):
    ref = _assigned_refund(
        session, records, ann, rachel, bank_account_name="Ann Lee", sort_code="204556", bank_account_number="87655678"
    )
    colleague = records.staff("income_officer", name="Tim Cole")

    details = reveal_bank_details(session, ref, rachel.id, now=NOW, client_ip="10.20.0.15")

    assert (details.account_name, details.sort_code, details.account_number) == ("Ann Lee", "20-45-56", "87655678")
    assert "87655678" not in repr(details)
    [line] = _audit(session, "bank_details_revealed")
    assert (line.actor_id, line.subject_user_id, line.target, line.client_ip) == (
        rachel.id,
        ann.user.id,
        ref,
        "10.20.0.15",
    )
    assert "87655678" not in line.detail and "204556" not in line.detail and "20-45-56" not in line.detail
    with pytest.raises(NotYours):
        reveal_bank_details(session, ref, colleague.id, now=NOW)
    assert len(_audit(session, "bank_details_revealed")) == 1


def test_a_role_without_the_permission_cannot_reveal_bank_details_even_when_assigned(session, records, ann, tom):
    ref = _assigned_refund(session, records, ann, tom)

    with pytest.raises(NotYours):
        reveal_bank_details(session, ref, tom.id, now=NOW)


def test_nobody_can_reveal_the_bank_details_of_an_unassigned_refund_or_a_paid_one(session, records, ann, rachel):
    in_credit(records, ann, 25000)
    ref = refund(session, ann).acknowledgement.reference

    with pytest.raises(NotYours):
        reveal_bank_details(session, ref, rachel.id, now=NOW)
    decide_request(session, ref, decision="approve", note="", staff_id=rachel.id, now=NOW, settings=SETTINGS)
    mark_refund_paid(session, ref, staff_id=rachel.id, now=NOW, settings=SETTINGS)
    with pytest.raises(RequestNotFound):
        reveal_bank_details(session, ref, rachel.id, now=NOW)
    with pytest.raises(RequestNotFound):
        reveal_bank_details(session, query(session, ann).acknowledgement.reference, rachel.id, now=NOW)
    assert _audit(session, "bank_details_revealed") == []


# ---------------------------------------------------------------------------
# Who may call the officers' side
# ---------------------------------------------------------------------------


def _imports_office(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "portal_app.services.requests":
            if any(alias.name == "office" for alias in node.names):
                return True
        if isinstance(node, ast.ImportFrom) and node.module == "portal_app.services.requests.office":
            return True
        if isinstance(node, ast.Import) and any(a.name == "portal_app.services.requests.office" for a in node.names):
            return True
    return False


# The back office: its pages, and the job that emails officers their overdue requests.
# The officers' side of payment plans (services/payments/office.py) decides their requests too.
BACK_OFFICE = ("pages/staff/", "services/requests/jobs.py", "services/payments/office.py")


def test_nothing_a_resident_reaches_can_call_the_officers_side_only_the_back_office_does():
    # The detector itself sees each way of importing the officers' side.
    for line in (
        "from portal_app.services.requests import office",
        "import portal_app.services.requests.office",
        "from portal_app.services.requests.office import update_request",
    ):
        assert _imports_office(ast.parse(line)), line
    root = Path(portal_app.__file__).parent
    office = root / "services" / "requests" / "office.py"
    importers = [
        path.relative_to(root).as_posix()
        for path in sorted(root.rglob("*.py"))
        if path != office and _imports_office(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert importers and all(name.startswith(BACK_OFFICE) for name in importers), importers
