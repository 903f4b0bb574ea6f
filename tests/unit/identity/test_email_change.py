"""Changing the sign-in email (services/identity/email_change.py): only with the code sent to
the new address; a wrong or expired code changes nothing; the old address is told; an
address another account uses is never taken."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from portal_app.models import AuditEvent, EmailChange, OutboxMessage, PortalUser
from portal_app.services.identity import email_change
from portal_app.settings import get_settings
from tests.factories import make_user

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
SETTINGS = get_settings()


def mails_to(session: Session, address: str) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.to_address == address).order_by(OutboxMessage.id)
    return list(session.exec(stmt).all())


def code_in(mail: OutboxMessage) -> str:
    return re.search(r"^(\d{6})$", mail.body_text, re.MULTILINE).group(1)


def start(session, user, address, now=NOW):
    started = email_change.start_email_change(session, user.id, address, now=now, settings=SETTINGS)
    session.commit()
    return started


def confirm(session, user, code, now=NOW + timedelta(minutes=2)):
    done = email_change.confirm_email_change(
        session, user.id, code, now=now, client_ip="198.51.100.7", settings=SETTINGS
    )
    session.commit()
    session.expire_all()
    return done


def email_of(session, user) -> str:
    return session.get(PortalUser, user.id).email


def test_the_code_goes_to_the_new_address_and_only_the_right_code_changes_the_email(session):
    ada = make_user(session)

    started = start(session, ada, "  Ada.New@Example.ORG ")

    assert (started.errors, started.new_email) == ({}, "ada.new@example.org")
    (mail,) = mails_to(session, "ada.new@example.org")
    assert mail.kind == "email_change_code" and "30 minutes" in mail.body_text
    assert mails_to(session, "ada@example.org") == []
    assert email_of(session, ada) == "ada@example.org"  # nothing changes until the code is typed
    code = code_in(mail)
    stored = session.exec(select(EmailChange)).one()
    assert code not in stored.code_hash and stored.status == "pending"

    done = confirm(session, ada, code)

    assert (done.outcome, done.new_email) == ("changed", "ada.new@example.org")
    assert email_of(session, ada) == "ada.new@example.org"
    assert session.exec(select(EmailChange)).one().status == "done"


def test_the_old_address_is_told_with_our_phone_number(session):
    ada = make_user(session)
    start(session, ada, "ada.new@example.org")

    confirm(session, ada, code_in(mails_to(session, "ada.new@example.org")[0]))

    (told,) = mails_to(session, "ada@example.org")
    assert told.kind == "email_changed"
    assert "changed to ada.new@example.org" in told.body_text
    assert f"If you did not, phone us straight away on {SETTINGS.landlord_phone}" in told.body_text


def test_the_change_is_audited_without_either_address(session):
    ada = make_user(session)
    start(session, ada, "ada.new@example.org")

    confirm(session, ada, code_in(mails_to(session, "ada.new@example.org")[0]))

    (line,) = session.exec(select(AuditEvent)).all()
    assert json.loads(line.detail) == {"changed": ["email address"]}
    assert "example.org" not in line.detail


def test_a_wrong_code_changes_nothing_and_the_fifth_ends_the_change(session):
    ada = make_user(session)
    start(session, ada, "ada.new@example.org")
    right = code_in(mails_to(session, "ada.new@example.org")[0])
    wrong = "000000" if right != "000000" else "111111"

    outcomes = [confirm(session, ada, wrong) for _ in range(5)]

    assert [(o.outcome, o.tries_left) for o in outcomes] == [
        ("wrong", 4),
        ("wrong", 3),
        ("wrong", 2),
        ("wrong", 1),
        ("ended", 0),
    ]
    assert confirm(session, ada, right).outcome == "none"  # the right code no longer works
    assert email_of(session, ada) == "ada@example.org"
    assert mails_to(session, "ada@example.org") == []


def test_an_expired_code_changes_nothing(session):
    ada = make_user(session)
    start(session, ada, "ada.new@example.org")
    code = code_in(mails_to(session, "ada.new@example.org")[0])

    done = confirm(session, ada, code, now=NOW + timedelta(minutes=30))

    assert done.outcome == "expired"
    assert email_of(session, ada) == "ada@example.org"
    assert email_change.pending_email(session, ada.id, now=NOW + timedelta(minutes=30)) == ""


def test_a_new_request_replaces_the_pending_one_and_its_code(session):
    ada = make_user(session)
    start(session, ada, "first@example.org")
    first_code = code_in(mails_to(session, "first@example.org")[0])
    start(session, ada, "second@example.org", now=NOW + timedelta(minutes=2))
    second_code = code_in(mails_to(session, "second@example.org")[0])

    assert email_change.pending_email(session, ada.id, now=NOW + timedelta(minutes=3)) == "second@example.org"
    if first_code != second_code:
        assert confirm(session, ada, first_code, now=NOW + timedelta(minutes=3)).outcome == "wrong"
    assert confirm(session, ada, second_code, now=NOW + timedelta(minutes=3)).outcome == "changed"
    assert email_of(session, ada) == "second@example.org"
    assert [c.status for c in session.exec(select(EmailChange).order_by(EmailChange.id))] == ["replaced", "done"]


def test_an_address_another_account_uses_is_refused_and_is_sent_no_code(session):
    ada = make_user(session)
    make_user(session, email="bea@example.org", first_name="Bea")

    started = start(session, ada, "bea@example.org")

    assert started.errors == {}  # the page does not say whose address it is
    assert session.exec(select(OutboxMessage)).all() == []  # no code, and nothing to Bea's inbox
    for guess in ("123456", "000000"):
        assert confirm(session, ada, guess).outcome == "wrong"
    assert email_of(session, ada) == "ada@example.org"


def test_an_address_taken_after_the_code_was_sent_is_not_taken_over(session):
    ada = make_user(session)
    start(session, ada, "shared@example.org")
    code = code_in(mails_to(session, "shared@example.org")[0])
    make_user(session, email="shared@example.org", first_name="Bea")

    assert confirm(session, ada, code).outcome == "wrong"
    assert email_of(session, ada) == "ada@example.org"


def test_the_address_must_look_like_one_and_be_new(session):
    ada = make_user(session)

    assert start(session, ada, "").errors == {"new_email": "Enter your new email address"}
    assert start(session, ada, "not an address").errors == {
        "new_email": "Enter an email address in the correct format, like name@example.com"
    }
    assert start(session, ada, "ADA@example.org").errors == {
        "new_email": "This is the email address you use now. Enter a different one"
    }
    assert start(session, ada, {"new_email": "x@example.org"}).errors == {"new_email": "Enter your new email address"}
    assert session.exec(select(EmailChange)).all() == []
    assert session.exec(select(OutboxMessage)).all() == []


def test_codes_are_asked_for_at_most_a_minute_apart_and_five_a_day(session):
    ada = make_user(session)
    start(session, ada, "a1@example.org")

    assert (
        start(session, ada, "a2@example.org", now=NOW + timedelta(seconds=10))
        .errors["new_email"]
        .startswith("Wait 50 seconds")
    )
    for n in range(2, 6):
        assert start(session, ada, f"a{n}@example.org", now=NOW + timedelta(minutes=2 * n)).errors == {}
    assert start(session, ada, "a6@example.org", now=NOW + timedelta(minutes=20)).errors == {
        "new_email": "You have asked for too many codes today. Try again tomorrow, or phone us"
    }
    assert start(session, ada, "a6@example.org", now=NOW + timedelta(days=1, minutes=1)).errors == {}


def test_one_residents_code_cannot_change_another_residents_email(session):
    ada = make_user(session)
    bea = make_user(session, email="bea@example.org", first_name="Bea")
    start(session, ada, "ada.new@example.org")
    code = code_in(mails_to(session, "ada.new@example.org")[0])

    assert confirm(session, bea, code).outcome == "none"
    assert (email_of(session, ada), email_of(session, bea)) == ("ada@example.org", "bea@example.org")


def test_a_code_that_is_not_six_digits_uses_no_try(session):
    ada = make_user(session)
    start(session, ada, "ada.new@example.org")

    assert [confirm(session, ada, typed).outcome for typed in ("12ab", "", ["123456"], "1234567")] == ["format"] * 4
    assert session.exec(select(EmailChange)).one().wrong_tries == 0
