"""A refund from a joint tenancy's account needs the other tenant's agreement
(services/requests/consent.py): asked in the portal when they have an account, else by an
emailed single-use link; the officer sees the answer, and approving is refused until they
agree."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from portal_app.models import AuditEvent, JointConsent
from portal_app.services import tokens
from portal_app.services.requests import consent
from portal_app.services.requests.common import NotYours
from portal_app.services.requests.office import (
    ask_joint_consent,
    decide_request,
    open_request,
    record_joint_answer,
    update_request,
)
from tests.unit.requests.steps import NOW, SETTINGS, in_credit, mails, refund

LATER = NOW + timedelta(days=1)


@pytest.fixture
def joint(records, ann):
    """Ann's tenancy is joint with Tomasz Nowak; her rent account is £250 in credit."""
    tomasz = records.person("Tomasz", "Nowak")
    records.party(ann.tenancy, tomasz, "joint_tenant")
    in_credit(records, ann, 25000)
    return tomasz


def _move_on(session, ref, who, at=NOW):
    return update_request(session, ref, status="in_progress", note="", staff_id=who.id, now=at, settings=SETTINGS)


def _approve(session, ref, who, at=LATER):
    return decide_request(session, ref, decision="approve", note="", staff_id=who.id, now=at, settings=SETTINGS)


def _consents(session):
    return session.exec(select(JointConsent).order_by(JointConsent.id)).all()


def test_the_other_tenant_is_asked_in_the_portal_when_the_officer_first_moves_the_refund_on(
    session, records, ann, joint, rachel
):
    tomasz_user = records.user(joint, ann.tenancy, email="tomasz@example.org")
    ref = refund(session, ann).acknowledgement.reference
    assert _consents(session) == []  # nobody is asked on the resident's say-so alone

    _move_on(session, ref, rachel)

    [row] = _consents(session)
    assert (row.person_id, row.user_id, row.email, row.token_hash, row.answer) == (
        joint.id,
        tomasz_user.id,
        None,
        None,
        None,
    )
    [mail] = mails(session, "joint_consent_asked")
    assert mail.to_address == "tomasz@example.org"
    assert "Sign in and answer under 'My requests'" in mail.body_text
    assert "a refund of £40.00 from your rent account ending 0042" in mail.body_text
    for private in ("Ann", "12345678", "5678", "12-34-56"):
        assert private not in mail.body_text
    [question] = consent.questions_for(session, tomasz_user.id)
    assert question.question == "Ann asked for a refund of £40.00 from your joint rent account ending 0042."
    assert consent.questions_for(session, ann.user.id) == []
    view = open_request(session, ref, rachel.id, now=NOW, settings=SETTINGS)
    assert (view.can_approve, view.approve_blocker) == (
        False,
        "You can approve this refund once the other joint tenant agrees.",
    )
    assert [(line.name, line.how_label, line.answer_label) for line in view.consent.lines] == [
        ("Tomasz Nowak", "Asked in the portal", "Not answered yet")
    ]
    assert _approve(session, ref, rachel).errors == {
        "decision": "You can approve this refund once the other joint tenant agrees."
    }

    assert consent.answer_in_portal(
        session, user_id=tomasz_user.id, consent_id=str(question.consent_id), answer="agreed", now=LATER
    ) == ("agreed")

    view = open_request(session, ref, rachel.id, now=LATER, settings=SETTINGS)
    assert view.consent.words == "The other joint tenant agrees to this refund."
    assert [(line.answer_label, line.answered_words) for line in view.consent.lines] == [
        ("Agreed", "10:30 on 23 November 2026")
    ]
    assert _approve(session, ref, rachel).ok
    assert consent.questions_for(session, tomasz_user.id) == []


def test_only_the_joint_tenant_asked_can_answer_in_the_portal_and_only_once(session, records, ann, bob, joint, rachel):
    tomasz_user = records.user(joint, ann.tenancy, email="tomasz@example.org")
    ref = refund(session, ann).acknowledgement.reference
    _move_on(session, ref, rachel)
    [row] = _consents(session)

    for stranger in (ann.user.id, bob.user.id, 999_999):
        with pytest.raises(NotYours):
            consent.answer_in_portal(session, user_id=stranger, consent_id=row.id, answer="agreed", now=LATER)
    for bad_id in ("999999", "x", None, True, [row.id]):
        with pytest.raises(NotYours):
            consent.answer_in_portal(session, user_id=tomasz_user.id, consent_id=bad_id, answer="agreed", now=LATER)
    with pytest.raises(ValueError):
        consent.answer_in_portal(session, user_id=tomasz_user.id, consent_id=row.id, answer="yes", now=LATER)
    session.refresh(row)
    assert row.answer is None

    first = consent.answer_in_portal(session, user_id=tomasz_user.id, consent_id=row.id, answer="refused", now=LATER)
    again = consent.answer_in_portal(session, user_id=tomasz_user.id, consent_id=row.id, answer="agreed", now=LATER)

    assert (first, again) == ("refused", "")
    session.refresh(row)
    assert (row.answer, row.answered_at) == ("refused", LATER)
    assert _approve(session, ref, rachel).errors == {
        "decision": "The other joint tenant does not agree, so this refund cannot be approved."
    }
    [line] = session.exec(select(AuditEvent).where(AuditEvent.action == "joint_consent_answered")).all()
    assert (line.actor_kind, line.actor_id, line.subject_user_id, line.target) == (
        "resident",
        tomasz_user.id,
        ann.user.id,
        ref,
    )
    assert json.loads(line.detail) == {"answer": "refused", "how": "portal"}


def _link_token(mail) -> str:
    return re.search(r"/api/joint-consent\?token=([A-Za-z0-9_\-]+)", mail.body_text).group(1)


def test_a_joint_tenant_without_a_portal_account_answers_once_through_the_emailed_link(
    session, records, ann, joint, rachel
):
    joint.email = "T.Nowak@Example.org"
    session.flush()
    ref = refund(session, ann).acknowledgement.reference

    _move_on(session, ref, rachel)

    [row] = _consents(session)
    [mail] = mails(session, "joint_consent_asked")
    token = _link_token(mail)
    assert (row.user_id, row.email, mail.to_address) == (None, "t.nowak@example.org", "t.nowak@example.org")
    assert row.token_hash == tokens.hash_token(token, purpose=consent.TOKEN_PURPOSE) and token not in row.token_hash
    assert f"{SETTINGS.base_url}/api/joint-consent?token={token}" in mail.body_text
    assert "The link works once and stops working after 28 days." in mail.body_text
    question = consent.question_for_token(session, token, now=LATER)
    assert question.question == "Ann asked for a refund of £40.00 from your joint rent account ending 0042."
    assert consent.question_for_token(session, token + "x", now=LATER) is None
    assert consent.question_for_token(session, token, now=NOW + timedelta(days=28)) is None

    assert consent.answer_by_token(session, token, "agreed", now=LATER) == "agreed"

    assert consent.answer_by_token(session, token, "refused", now=LATER) == ""
    assert consent.question_for_token(session, token, now=LATER) is None
    session.refresh(row)
    assert (row.answer, row.token_hash) == ("agreed", None)
    view = open_request(session, ref, rachel.id, now=LATER, settings=SETTINGS)
    assert [(line.how_label, line.answer_label) for line in view.consent.lines] == [("Asked by email", "Agreed")]
    assert _approve(session, ref, rachel).ok


def test_with_no_portal_account_or_email_the_officer_records_the_answer_given_by_phone(
    session, records, ann, joint, rachel
):
    ref = refund(session, ann).acknowledgement.reference
    assert open_request(session, ref, rachel.id, now=NOW, settings=SETTINGS).approve_blocker == (
        "Ask the other joint tenant to agree first."
    )

    asked = ask_joint_consent(session, ref, staff_id=rachel.id, now=NOW, settings=SETTINGS)

    assert asked.ok and mails(session, "joint_consent_asked") == []
    [line] = asked.item.consent.lines
    assert line.how == "not_asked" and line.how_label.startswith("Not asked: no portal account and no email address")
    assert ask_joint_consent(session, ref, staff_id=rachel.id, now=NOW, settings=SETTINGS).errors == {
        "consent": "The other joint tenant has already been asked"
    }
    recorded = record_joint_answer(
        session, ref, consent_id=line.consent_id, answer="agreed", staff_id=rachel.id, now=LATER, settings=SETTINGS
    )
    assert recorded.ok and recorded.item.can_approve
    assert record_joint_answer(
        session, ref, consent_id=line.consent_id, answer="refused", staff_id=rachel.id, now=LATER, settings=SETTINGS
    ).errors == {"consent": "They have already answered"}
    [audited] = session.exec(select(AuditEvent).where(AuditEvent.action == "joint_consent_recorded")).all()
    assert (audited.actor_id, audited.target) == (rachel.id, ref)


def test_the_other_tenant_is_asked_once_however_often_the_refund_is_moved_on(session, records, ann, joint, rachel):
    records.user(joint, ann.tenancy, email="tomasz@example.org")
    ref = refund(session, ann).acknowledgement.reference

    _move_on(session, ref, rachel)
    update_request(
        session, ref, status="waiting_for_you", note="Send proof", staff_id=rachel.id, now=NOW, settings=SETTINGS
    )
    _move_on(session, ref, rachel, at=LATER)

    assert len(_consents(session)) == 1
    assert len(mails(session, "joint_consent_asked")) == 1


def test_a_refund_on_a_tenancy_with_no_other_tenant_needs_no_agreement(session, records, ann, rachel):
    in_credit(records, ann, 25000)
    ref = refund(session, ann).acknowledgement.reference

    _move_on(session, ref, rachel)

    assert _consents(session) == []
    view = open_request(session, ref, rachel.id, now=NOW, settings=SETTINGS)
    assert (view.consent.needed, view.can_approve) == (False, True)
