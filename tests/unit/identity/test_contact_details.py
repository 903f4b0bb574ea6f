"""A resident changes her own mobile number and letters-by-post choice on the security page
(services/identity/contact.py): one unit of work with its audit line, and an email when
the mobile number changed."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from portal_app.models import AuditEvent, OutboxMessage, PortalUser
from portal_app.services import audit
from portal_app.services.identity import contact, history
from tests.factories import make_user

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
HERE = "198.51.100.7"


def change(session: Session, user: PortalUser, mobile: str, letters: str):
    outcome = contact.change_contact_details(
        session, user.id, mobile=mobile, letters_by_post=letters, now=NOW, client_ip=HERE
    )
    session.commit()
    session.expire_all()
    return outcome


def test_the_resident_sees_her_own_details_as_she_would_type_them(session):
    user = make_user(session)

    assert contact.contact_details(session, user.id) == contact.ContactDetails(
        email="ada@example.org", mobile="07700 900123", letters_by_post=True
    )


def test_changing_the_mobile_and_the_letters_choice_saves_both_records_which_changed_and_emails_her(session):
    user = make_user(session)

    errors, changed = change(session, user, "07700 900 456", "no")

    assert (errors, changed) == ({}, ("mobile number", "letters by post"))
    stored = session.get(PortalUser, user.id)
    assert (stored.mobile, stored.paper_correspondence) == ("+447700900456", False)
    (line,) = session.exec(select(AuditEvent)).all()
    assert (line.action, line.actor_kind, line.actor_id, line.subject_user_id, line.client_ip) == (
        audit.CONTACT_DETAILS_CHANGED,
        audit.RESIDENT,
        user.id,
        user.id,
        HERE,
    )
    assert json.loads(line.detail) == {"changed": ["mobile number", "letters by post"]}
    assert "900456" not in line.detail and "900123" not in line.detail  # which changed, not the values
    (mail,) = session.exec(select(OutboxMessage)).all()
    assert (mail.to_address, mail.kind) == ("ada@example.org", "contact_details_changed")
    assert history.sign_in_history(session, user.id)[0].what == (
        "Contact details changed: mobile number, letters by post"
    )


def test_changing_only_the_letters_choice_sends_no_email(session):
    user = make_user(session)

    assert change(session, user, "07700900123", "no") == ({}, ("letters by post",))
    assert session.exec(select(OutboxMessage)).all() == []


def test_saving_the_same_details_changes_nothing_and_writes_no_line(session):
    user = make_user(session)

    assert change(session, user, "+44 7700 900123", "yes") == ({}, ())
    assert session.exec(select(AuditEvent)).all() == []


@pytest.mark.parametrize(
    "mobile,letters,errors",
    [
        ("", "yes", {"mobile": "Enter your mobile number"}),
        ("01632 960 001", "yes", {"mobile": "Enter a mobile number, not a landline, like 07700 900 982"}),
        ("12345", "yes", {"mobile": "Enter a UK mobile number, like 07700 900 982"}),
        ("07700 900 456", "", {"letters_by_post": "Select whether you want letters from us by post"}),
    ],
)
def test_a_wrong_mobile_or_no_choice_says_which_and_changes_nothing(session, mobile, letters, errors):
    user = make_user(session)

    assert change(session, user, mobile, letters) == (errors, ())
    stored = session.get(PortalUser, user.id)
    assert (stored.mobile, stored.paper_correspondence) == ("+447700900123", True)
    assert session.exec(select(AuditEvent)).all() == []
    assert session.exec(select(OutboxMessage)).all() == []
