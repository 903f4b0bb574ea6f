"""Asking us to correct or delete information (requests.resident.submit_data_request): a
request about the resident, not one account, for the data protection officer; followed
under "My requests" like any other, and answered within one month."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from portal_app.models import MoneyRequest, OutboxMessage, RequestUpdate
from portal_app.services.requests import common
from portal_app.services.requests import resident as requests
from portal_app.settings import get_settings

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)


@pytest.fixture
def ann(records):
    return records.resident(officer=records.officer(), ref="RENT00420042")


@pytest.fixture
def bob(records):
    return records.resident(email="bob@example.org", first="Bob", ref="RENT00770077")


def ask(session: Session, who, **form):
    fields = {"kind": requests.DATA_CORRECTION, "about": "My date of birth is wrong", "correction": "4 May 1971"}
    fields.update(form)
    return requests.submit_data_request(session, **who.principal, now=NOW, **fields)


def written(session: Session) -> tuple[int, int, int]:
    return tuple(
        session.exec(select(func.count()).select_from(table)).one()
        for table in (MoneyRequest, RequestUpdate, OutboxMessage)
    )


def test_a_correction_request_is_about_the_resident_not_an_account_and_waits_for_the_data_protection_officer(
    session, ann
):
    result = ask(session, ann)

    assert result.ok and result.errors == {}
    stored = session.exec(select(MoneyRequest)).one()
    assert (stored.kind, stored.status, stored.account_id, stored.officer_id, stored.user_id) == (
        "data_correction",
        "received",
        None,
        None,
        ann.user.id,
    )
    assert json.loads(stored.details) == {"about": "My date of birth is wrong", "correction": "4 May 1971"}
    assert result.acknowledgement.kind_label == "Correct my information"
    assert any("within one month" in step for step in result.acknowledgement.next_steps)
    mail = session.exec(select(OutboxMessage)).one()
    assert mail.to_address == ann.user.email
    assert stored.reference in mail.subject
    assert "within one month" in mail.body_text
    assert "4 May 1971" not in mail.body_text  # an email never repeats what the resident typed


def test_an_erasure_request_says_some_records_may_have_to_be_kept_and_needs_no_reason(session, ann):
    result = ask(session, ann, kind=requests.DATA_ERASURE, about="My old mobile number", correction="", why="")

    assert result.ok
    assert session.exec(select(MoneyRequest.kind)).one() == "data_erasure"
    assert any("keep some information" in step for step in result.acknowledgement.next_steps)


@pytest.mark.parametrize(
    "form,errors",
    [
        ({"kind": ""}, {"kind": "Select whether you want us to correct or delete information"}),
        ({"kind": "refund"}, {"kind": "Select whether you want us to correct or delete information"}),
        ({"about": ""}, {"about": "Tell us which information it is"}),
        ({"about": "name"}, {"about": "Which information must be 10 characters or more"}),
        ({"correction": "  "}, {"correction": "Tell us what the information should say"}),
        (
            {"kind": requests.DATA_ERASURE, "about": "My old address", "why": "x" * 2001},
            {"why": "Why must be 2000 characters or fewer"},
        ),
    ],
)
def test_a_request_with_a_problem_says_which_field_and_writes_nothing(session, ann, form, errors):
    result = ask(session, ann, **form)

    assert not result.ok
    assert result.errors == errors
    assert written(session) == (0, 0, 0)


def test_a_principal_that_does_not_hang_together_is_refused_before_anything_is_checked(session, ann, bob):
    forged = {**ann.principal, "tenancy_id": bob.tenancy.id}

    with pytest.raises(requests.NotYours):
        requests.submit_data_request(session, **forged, kind="data_correction", about="x", now=NOW)
    assert written(session) == (0, 0, 0)


def test_my_requests_and_the_request_page_cope_with_a_request_about_no_account(session, ann, bob):
    from tests.factories import make_money_request

    make_money_request(session, ann.user, ann.account, summary="Why did my rent go up?", at=NOW - timedelta(days=1))
    reference = ask(session, ann).acknowledgement.reference

    mine = requests.my_requests(session, ann.user.id)
    assert [(r.reference, r.account_label, r.account_ref) for r in mine][0] == (reference, "", "")
    assert [r.account_ref for r in mine][1] == "RENT00420042"
    detail = requests.request_detail(session, ann.user.id, reference)
    assert (detail.kind_label, detail.account_label, detail.account_ref, detail.officer_name) == (
        "Correct my information",
        "",
        "",
        None,
    )
    assert [(ln.label, ln.value) for ln in detail.lines] == [
        ("Information that is wrong", "My date of birth is wrong"),
        ("What it should say", "4 May 1971"),
    ]
    assert [u.status_label for u in detail.updates] == ["Received"]
    assert requests.request_detail(session, bob.user.id, reference) is None  # nobody else's
    assert requests.my_requests(session, bob.user.id) == []


def test_the_kinds_have_labels_and_are_not_about_an_account():
    assert set(common.DATA_KINDS) <= set(common.KIND_LABELS)
    assert not set(common.DATA_KINDS) & set(common.ACCOUNT_KINDS)
    assert not set(common.DATA_KINDS) & set(common.TENANCY_KINDS)
    assert set(common.ACCOUNT_KINDS) | set(common.DATA_KINDS) | set(common.TENANCY_KINDS) == set(common.KIND_LABELS)
    assert common.account_label(None) == "" and common.account_words(None) == "the information we hold about you"


def test_a_resident_can_send_only_so_many_in_one_day(session, ann):
    settings = replace(get_settings(), requests_per_kind_per_day=2)
    for _ in range(2):
        assert requests.submit_data_request(
            session,
            **ann.principal,
            kind="data_correction",
            about="My name is spelt wrong",
            correction="Anne",
            now=NOW,
            settings=settings,
        ).ok
    refused = requests.submit_data_request(
        session,
        **ann.principal,
        kind="data_correction",
        about="My name is spelt wrong",
        correction="Anne",
        now=NOW,
        settings=settings,
    )

    assert not refused.ok and refused.errors["kind"].startswith("You have sent us 2 of these today")
    assert requests.submit_data_request(
        session, **ann.principal, kind="data_erasure", about="My old mobile number", now=NOW, settings=settings
    ).ok  # another kind is not held back
    assert written(session)[0] == 3
