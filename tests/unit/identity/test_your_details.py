"""Your details and preferences (services/identity/contact.py): phone numbers, how we contact
you, which messages you want and letters by post or online, each saved on its own with an
audit line saying which changed (never the values); name and date of birth changed by a
request to the housing officer."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, create_engine, select

from portal_app.db import migrate
from portal_app.models import AuditEvent, MoneyRequest, OutboxMessage, PortalUser
from portal_app.services.identity import contact, preferences_export
from portal_app.services.requests.common import RECORD_CHANGE, NotYours
from portal_app.settings import PROJECT_ROOT
from tests.factories import make_user

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # Friday 4 December 2026
HERE = "198.51.100.7"


def saved(session: Session, outcome):
    session.commit()
    session.expire_all()
    return outcome


def stored(session: Session, user: PortalUser) -> PortalUser:
    return session.get(PortalUser, user.id)


def lines(session: Session) -> list[dict]:
    return [json.loads(line.detail) for line in session.exec(select(AuditEvent).order_by(AuditEvent.id))]


def test_the_page_shows_her_details_as_she_would_read_them(session):
    ada = make_user(session, phone="01632960001")

    details = contact.your_details(session, ada.id)

    assert (details.name, details.email, details.mobile, details.phone) == (
        "Ada Lovelace",
        "ada@example.org",
        "07700 900123",
        "01632 960001",
    )
    assert (details.preferred_contact, details.texts_wanted, details.letters_by_post) == ("email", False, True)
    assert (details.wants_rent_reminders, details.wants_repair_updates, details.wants_statement_ready) == (True,) * 3


def test_changing_the_phone_numbers_records_which_changed_and_emails_the_account(session):
    ada = make_user(session)

    errors, changed = saved(
        session,
        contact.change_phone_numbers(
            session, ada.id, mobile="07700 900 456", phone="020 7946 0000", now=NOW, client_ip=HERE
        ),
    )

    assert (errors, changed) == ({}, ("mobile number", "other phone number"))
    assert (stored(session, ada).mobile, stored(session, ada).phone) == ("+447700900456", "02079460000")
    assert lines(session) == [{"changed": ["mobile number", "other phone number"]}]
    (mail,) = session.exec(select(OutboxMessage)).all()
    assert mail.to_address == "ada@example.org" and "mobile number, other phone number" in mail.body_text
    assert "900456" not in mail.body_text  # what changed, not the new values


@pytest.mark.parametrize(
    "mobile,phone,errors",
    [
        ("01632 960 001", "", {"mobile": "Enter a mobile number, not a landline, like 07700 900 982"}),
        ("12345", "", {"mobile": "Enter a UK mobile number, like 07700 900 982"}),
        ("07700 900 456", "12", {"phone": "Enter a UK phone number, like 01632 960 001 or 07700 900 982"}),
        (["07700900456"], {"x": 1}, {}),  # not text from the browser: empty, which is allowed
    ],
)
def test_a_wrong_phone_number_says_which_and_changes_nothing(session, mobile, phone, errors):
    ada = make_user(session)

    outcome = saved(session, contact.change_phone_numbers(session, ada.id, mobile=mobile, phone=phone, now=NOW))

    assert outcome[0] == errors
    if errors:
        assert stored(session, ada).mobile == "+447700900123"
        assert session.exec(select(AuditEvent)).all() == []


def test_texts_need_a_mobile_number(session):
    ada = make_user(session, mobile="")

    errors, _ = saved(
        session, contact.change_contact_way(session, ada.id, preferred_contact="text", texts_wanted="yes", now=NOW)
    )

    assert errors == {"preferred_contact": contact.NEEDS_MOBILE, "texts_wanted": contact.NEEDS_MOBILE_FOR_TEXTS}
    assert (stored(session, ada).preferred_contact, stored(session, ada).texts_wanted) == ("email", False)


def test_a_resident_who_chose_texts_cannot_remove_her_mobile(session):
    ada = make_user(session, preferred_contact="text")

    errors, _ = saved(session, contact.change_phone_numbers(session, ada.id, mobile="", phone="", now=NOW))

    assert errors["mobile"].startswith("Enter your mobile number: you chose texts from us")
    assert stored(session, ada).mobile == "+447700900123"


def test_choosing_texts_with_a_mobile_is_saved_and_emailed(session):
    ada = make_user(session)

    outcome = saved(
        session, contact.change_contact_way(session, ada.id, preferred_contact="text", texts_wanted="yes", now=NOW)
    )

    assert outcome == ({}, ("how we contact you", "texts"))
    assert (stored(session, ada).preferred_contact, stored(session, ada).texts_wanted) == ("text", True)
    assert len(session.exec(select(OutboxMessage)).all()) == 1


@pytest.mark.parametrize(
    "way,texts,errors",
    [
        ("", "no", {"preferred_contact": "Select how you would like us to contact you"}),
        ("pigeon", "no", {"preferred_contact": "Select how you would like us to contact you"}),
        ("email", "", {"texts_wanted": "Select whether we can send you text messages"}),
        (
            {"a": 1},
            ["yes"],
            {
                "preferred_contact": "Select how you would like us to contact you",
                "texts_wanted": "Select whether we can send you text messages",
            },
        ),
    ],
)
def test_the_way_to_contact_must_be_chosen(session, way, texts, errors):
    ada = make_user(session)

    assert saved(
        session, contact.change_contact_way(session, ada.id, preferred_contact=way, texts_wanted=texts, now=NOW)
    ) == (errors, ())
    assert session.exec(select(AuditEvent)).all() == []


def test_unticking_messages_saves_them_without_an_email(session):
    ada = make_user(session)

    outcome = saved(
        session,
        contact.change_messages(
            session, ada.id, rent_reminders=False, repair_updates=False, statement_ready=True, now=NOW
        ),
    )

    assert outcome == ({}, ("rent reminders", "repair updates"))
    user = stored(session, ada)
    assert (user.wants_rent_reminders, user.wants_repair_updates, user.wants_statement_ready) == (False, False, True)
    assert session.exec(select(OutboxMessage)).all() == []  # a preference, not a contact detail


def test_only_a_real_tick_counts_as_yes(session):
    ada = make_user(session)

    saved(
        session,
        contact.change_messages(
            session, ada.id, rent_reminders="on", repair_updates=1, statement_ready=[True], now=NOW
        ),
    )

    user = stored(session, ada)
    assert (user.wants_rent_reminders, user.wants_repair_updates, user.wants_statement_ready) == (False, False, False)


def test_letters_online_is_kept_and_saving_it_again_changes_nothing(session):
    ada = make_user(session)

    assert saved(session, contact.change_letters(session, ada.id, letters="online", now=NOW)) == (
        {},
        ("letters by post",),
    )
    assert stored(session, ada).paper_correspondence is False
    assert contact.your_details(session, ada.id).letters_by_post is False
    assert saved(session, contact.change_letters(session, ada.id, letters="online", now=NOW)) == ({}, ())
    assert len(lines(session)) == 1
    assert saved(session, contact.change_letters(session, ada.id, letters="fax", now=NOW)) == (
        {"letters": "Select how you want to get letters from us"},
        (),
    )


def test_a_closed_account_cannot_change_anything(session):
    ada = make_user(session, status="closed")

    errors, _ = saved(session, contact.change_letters(session, ada.id, letters="online", now=NOW))

    assert errors == {"form": "We could not change your details. Sign in again"}
    assert stored(session, ada).paper_correspondence is True


# --- name and date of birth: by request ---------------------------------------------------

RECORD_FORM = {"what": "name", "new_details": "Ada King", "why": "I got married in October."}


def test_a_name_change_is_a_request_to_the_housing_officer(session, records):
    ann = records.resident()

    result = contact.ask_record_change(session, **ann.principal, form=RECORD_FORM, now=NOW)
    session.commit()

    assert result.ok
    request = session.exec(select(MoneyRequest)).one()
    assert (request.kind, request.user_id) == (RECORD_CHANGE, ann.user.id)
    assert json.loads(request.details)["lines"] == [
        ["What to change", "My name"],
        ["What it should be", "Ada King"],
        ["Why", "I got married in October."],
    ]
    assert any("We aim to reply within" in step for step in result.acknowledgement.next_steps)


@pytest.mark.parametrize(
    "form,errors",
    [
        (
            {},
            {
                "what": "Select what you want us to change",
                "new_details": "Enter what it should be",
                "why": "Enter why it needs to change",
            },
        ),
        ({**RECORD_FORM, "what": "address"}, {"what": "Select what you want us to change"}),
        (
            {**RECORD_FORM, "new_details": "x" * 201},
            {"new_details": "What it should be must be 200 characters or fewer"},
        ),
        ({**RECORD_FORM, "why": ["married"]}, {"why": "Enter why it needs to change"}),
    ],
)
def test_a_record_change_needs_what_and_why(session, records, form, errors):
    ann = records.resident()

    result = contact.ask_record_change(session, **ann.principal, form=form, now=NOW)

    assert (result.ok, result.errors) == (False, errors)
    assert session.exec(select(MoneyRequest)).all() == []


def test_another_residents_tenancy_is_refused(session, records):
    ann = records.resident()
    bea = records.resident(email="bea@example.org", first="Bea")

    with pytest.raises(NotYours):
        contact.ask_record_change(
            session, user_id=ann.user.id, person_id=bea.person.id, tenancy_id=bea.tenancy.id, form=RECORD_FORM, now=NOW
        )
    assert session.exec(select(MoneyRequest)).all() == []


def test_the_date_of_birth_is_shown_in_words(session, records):
    ann = records.resident()
    ann.person.date_of_birth = date(1980, 3, 9)
    session.add(ann.person)
    session.commit()

    assert contact.your_details(session, ann.user.id).date_of_birth == "9 March 1980"


# --- the print run's file -------------------------------------------------------------------


def test_the_export_lists_each_residents_letters_and_way_to_contact(session, records):
    ann = records.resident(ref="EXRENT1")
    bea = records.resident(email="bea@example.org", first="Bea", ref="EXRENT2")
    records.resident(email="cy@example.org", first="Cy", ref="EXRENT3", status="closed")
    contact.change_letters(session, bea.user.id, letters="online", now=NOW)
    contact.change_contact_way(session, bea.user.id, preferred_contact="text", texts_wanted="yes", now=NOW)
    session.commit()

    text, count = preferences_export.preferences_csv(session)

    rows = list(csv.reader(io.StringIO(text)))
    assert count == 2  # the closed account is not in it: that resident gets post, as before
    assert rows[0] == ["person_ref", "tenancy_ref", "letters", "preferred_contact"]
    assert sorted(rows[1:]) == sorted(
        [
            [ann.person.person_ref, ann.tenancy.tenancy_ref, "post", "email"],
            [bea.person.person_ref, bea.tenancy.tenancy_ref, "online", "text"],
        ]
    )
    assert "example.org" not in text and "7700" not in text  # no contact details


def test_the_preferences_export_command_writes_the_file(tmp_path):
    url = f"sqlite:///{tmp_path}/portal.db"
    migrate(url)
    with Session(create_engine(url)) as s:
        ada = make_user(s)
        contact.change_letters(s, ada.id, letters="online", now=NOW)
        s.commit()
    out = tmp_path / "letters.csv"

    done = subprocess.run(
        [sys.executable, "-m", "portal_app", "preferences-export", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, "DATABASE_URL": url, "PORTAL_DATA_DIR": str(tmp_path)},
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"1 residents' letters and contact choices written to {out}"
    assert out.read_text().splitlines()[1].endswith(",online,email")
