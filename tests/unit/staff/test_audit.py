"""The audit log: append-only in the database, no secrets in it, searchable and
exportable (services/staff/audit.py)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from portal_app.services import audit
from tests.factories import make_staff, make_user

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def _one(session, **kw):
    base = {"action": audit.RESIDENT_VIEWED, "actor_kind": audit.STAFF, "now": NOW}
    audit.record(session, **{**base, **kw})


def test_an_audit_line_cannot_be_changed_or_deleted_by_anyone(session):
    _one(session, actor_label="Rachel Adeyemi")
    session.commit()
    for statement in ("UPDATE audit_event SET actor_label = 'someone else'", "DELETE FROM audit_event"):
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    assert session.execute(text("SELECT actor_label FROM audit_event")).scalar_one() == "Rachel Adeyemi"


@pytest.mark.parametrize("key", ["password", "new_code", "token", "sort_code", "account_number", "card_number"])
def test_a_detail_that_could_hold_a_secret_is_refused_before_it_reaches_the_log(session, key):
    with pytest.raises(ValueError, match="could hold a secret"):
        _one(session, detail={key: "12345678"})
    assert session.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 0


def test_the_log_is_searched_by_who_and_whom_and_exported_oldest_first_in_utc(session):
    officer = make_staff(session, name="Rachel Adeyemi")
    resident = make_user(session)
    _one(session, actor_id=officer.id, actor_label=officer.name, subject_user_id=resident.id, client_ip="10.0.0.5")
    _one(session, action=audit.SIGNED_IN, actor_kind=audit.RESIDENT, actor_id=resident.id, now=NOW + timedelta(hours=1))
    _one(session, actor_label='=HYPERLINK("http://evil")', now=NOW + timedelta(hours=2))
    about_her = audit.search(session, subject_user_id=resident.id)
    assert [line.actor_label for line in about_her] == ["Rachel Adeyemi"]
    assert about_her[0].subject_person_id == resident.person_id  # filled in from the account
    assert [line.action for line in audit.search(session, text="rachel")] == [audit.RESIDENT_VIEWED]
    newest_first = audit.search(session)
    assert [line.at for line in newest_first] == sorted((line.at for line in newest_first), reverse=True)
    rows = list(csv.DictReader(io.StringIO(audit.export_csv(newest_first))))
    assert rows[0]["at_utc"] == "2026-03-02T10:00:00+00:00"
    assert rows[0]["client_ip"] == "10.0.0.5"
    assert rows[2]["actor"].startswith("'=")  # a spreadsheet will not run it as a formula
