"""What income officers do with residents' requests: the queue, status updates and the
emails they send, and revealing a refund's bank details to the assigned officer only.
Time is frozen by passing ``now``; the residents are conftest.py's fixtures."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

import portal_app
from portal_app.models import RequestUpdate
from portal_app.services.requests.common import NotYours, RequestNotFound
from portal_app.services.requests.office import officer_queue, reveal_bank_details, update_request
from portal_app.services.requests.resident import submit_query
from tests.unit.requests.steps import NOW, SETTINGS, counts, in_credit, mails, only_request, query, refund

# ---------------------------------------------------------------------------
# The officers' queue and status updates
# ---------------------------------------------------------------------------


def test_the_queue_lists_open_requests_oldest_first_and_can_filter_by_status(session, ann, bob, officer):
    later = query(session, ann).acknowledgement.reference
    earlier = submit_query(
        session, **bob.on(), message="Bob asks a question", now=NOW - timedelta(days=2), settings=SETTINGS
    ).acknowledgement.reference
    done = query(session, bob, message="Another question").acknowledgement.reference
    update_request(session, done, status="done", note="", officer_id=officer.id, now=NOW, settings=SETTINGS)

    queue = officer_queue(session, officer.id)

    assert [i.reference for i in queue] == [earlier, later]
    assert (queue[0].resident_name, queue[0].tenancy_ref, queue[0].kind_label, queue[0].officer_name) == (
        "Bob Lee",
        bob.tenancy.tenancy_ref,
        "Question about my account",
        "Priya Shah",
    )
    assert [i.reference for i in officer_queue(session, officer.id, statuses=["done"])] == [done]
    with pytest.raises(ValueError):
        officer_queue(session, officer.id, statuses=["lost"])


def test_an_update_moves_the_request_adds_a_step_and_emails_the_resident_without_the_note(session, ann, officer):
    ref = query(session, ann).acknowledgement.reference
    later = NOW + timedelta(days=1)

    result = update_request(
        session,
        ref,
        status="waiting_for_you",
        note="Please send your bank statement for May",
        officer_id=officer.id,
        now=later,
        settings=SETTINGS,
    )

    request = only_request(session)
    assert result.ok and result.errors == {}
    assert (result.item.status, result.item.status_label) == ("waiting_for_you", "Waiting for your reply")
    assert (request.status, request.updated_at, request.created_at) == ("waiting_for_you", later, NOW)
    last = session.exec(select(RequestUpdate).order_by(RequestUpdate.id.desc())).first()
    assert (last.status, last.note, last.officer_id, last.at) == (
        "waiting_for_you",
        "Please send your bank statement for May",
        officer.id,
        later,
    )
    [mail] = mails(session, "request_updated")
    assert mail.to_address == "ann@example.org"
    assert mail.subject == f"Update on your request {ref}: Waiting for your reply - {SETTINGS.landlord_name}"
    assert "You asked for: a question about your rent account ending 0042." in mail.body_text
    assert "We have added a message for you. Sign in to read it." in mail.body_text
    assert "bank statement" not in mail.body_text


def test_an_unassigned_request_is_assigned_to_the_officer_who_updates_it(session, records, officer):
    nobody = records.resident(email="dee@example.org")
    ref = query(session, nobody).acknowledgement.reference

    update_request(session, ref, status="in_progress", note="", officer_id=officer.id, now=NOW, settings=SETTINGS)

    assert only_request(session).officer_id == officer.id
    assert officer_queue(session, None) == []
    assert [i.reference for i in officer_queue(session, officer.id)] == [ref]


def test_a_colleague_can_move_a_request_on_and_it_stays_in_the_named_officers_queue(session, records, ann, officer):
    colleague = records.officer("Tom Reid")
    ref = query(session, ann).acknowledgement.reference

    result = update_request(
        session,
        ref,
        status="in_progress",
        note="Covering for Priya",
        officer_id=colleague.id,
        now=NOW,
        settings=SETTINGS,
    )

    assert (result.item.officer_id, result.item.officer_name) == (officer.id, "Priya Shah")
    last = session.exec(select(RequestUpdate).order_by(RequestUpdate.id.desc())).first()
    assert last.officer_id == colleague.id


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
def test_updates_that_break_the_rules_are_refused_and_write_nothing(session, ann, officer, path, status, note, errors):
    ref = query(session, ann).acknowledgement.reference
    for step in path:
        assert update_request(session, ref, status=step, note="", officer_id=officer.id, now=NOW, settings=SETTINGS).ok
    before = counts(session)

    result = update_request(session, ref, status=status, note=note, officer_id=officer.id, now=NOW, settings=SETTINGS)

    assert (result.ok, result.errors) == (False, errors)
    assert counts(session) == before
    assert only_request(session).status == (path[-1] if path else "received")


def test_a_closed_request_reopens_only_to_in_progress_with_a_reason_and_the_resident_is_told(session, ann, officer):
    ref = query(session, ann).acknowledgement.reference
    update_request(
        session, ref, status="declined", note="We need proof first", officer_id=officer.id, now=NOW, settings=SETTINGS
    )

    result = update_request(
        session, ref, status="in_progress", note="Proof received", officer_id=officer.id, now=NOW, settings=SETTINGS
    )

    assert result.ok and only_request(session).status == "in_progress"
    assert [m.subject.split(": ")[1] for m in mails(session, "request_updated")] == [
        f"Declined - {SETTINGS.landlord_name}",
        f"In progress - {SETTINGS.landlord_name}",
    ]
    assert "We have reopened your request and are working on it again." in mails(session)[-1].body_text


def test_an_update_with_an_unknown_reference_or_officer_is_refused(session, ann, officer):
    ref = query(session, ann).acknowledgement.reference

    with pytest.raises(RequestNotFound):
        update_request(session, "RQ-ZZZZZZ", status="done", note="", officer_id=officer.id, now=NOW, settings=SETTINGS)
    with pytest.raises(NotYours):
        update_request(session, ref, status="done", note="", officer_id=999_999, now=NOW, settings=SETTINGS)
    assert only_request(session).status == "received"


def test_an_update_email_for_a_refund_carries_no_bank_details(session, records, ann, officer):
    in_credit(records, ann, 25000)
    ref = refund(session, ann).acknowledgement.reference

    update_request(
        session, ref, status="done", note="Paid on 24 November", officer_id=officer.id, now=NOW, settings=SETTINGS
    )

    [mail] = mails(session, "request_updated")
    assert "You asked for: a refund of £40.00 from your rent account ending 0042." in mail.body_text
    assert "We have finished dealing with your request." in mail.body_text
    for secret in ("12345678", "5678", "123456", "12-34-56", "Ann Lee", "A Lee"):
        assert secret not in mail.body_text


# ---------------------------------------------------------------------------
# Revealing bank details
# ---------------------------------------------------------------------------


def test_only_the_assigned_officer_can_reveal_refund_bank_details(session, records, ann, officer):
    in_credit(records, ann, 25000)
    ref = refund(
        session, ann, bank_account_name="Ann Lee", sort_code="204556", bank_account_number="87655678"
    ).acknowledgement.reference
    colleague = records.officer("Tom Reid")

    details = reveal_bank_details(session, ref, officer.id)

    assert (details.account_name, details.sort_code, details.account_number) == ("Ann Lee", "20-45-56", "87655678")
    assert "87655678" not in repr(details)
    with pytest.raises(NotYours):
        reveal_bank_details(session, ref, colleague.id)
    with pytest.raises(RequestNotFound):
        reveal_bank_details(session, query(session, ann).acknowledgement.reference, officer.id)


def test_nobody_can_reveal_the_bank_details_of_an_unassigned_refund(session, records, officer):
    nobody = records.resident(email="dee@example.org")
    in_credit(records, nobody, 25000)
    ref = refund(session, nobody).acknowledgement.reference

    with pytest.raises(NotYours):
        reveal_bank_details(session, ref, officer.id)


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


def test_no_page_state_or_service_a_resident_reaches_can_call_the_officers_side():
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
        str(path.relative_to(root))
        for path in sorted(root.rglob("*.py"))
        if path != office and _imports_office(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert importers == []
