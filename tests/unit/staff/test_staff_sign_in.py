"""Staff sign-in (password and authenticator code, every time), staff sessions kept
apart from residents', and where the back office answers (services/staff/)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from portal_app.models import AuditEvent, StaffSession
from portal_app.services import roles
from portal_app.services.identity import sessions as resident_sessions
from portal_app.services.staff import auth
from portal_app.services.staff import sessions as staff_sessions
from portal_app.services.staff.hosts import back_office_allowed
from portal_app.settings import load_settings
from tests.factories import PASSWORD, make_staff, make_user, staff_code

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
OFFICE = "10.20.0.15"


def _sign_in(session, member, *, password=PASSWORD, code=None, at=NOW, ip=OFFICE):
    return auth.sign_in(
        session,
        email=member.email,
        password=password,
        code=staff_code(at) if code is None else code,
        now=at,
        client_ip=ip,
    )


def test_an_officer_with_the_right_password_and_code_is_signed_in_with_their_roles_permissions(session):
    officer = make_staff(session, roles.INCOME_OFFICER, name="Rachel Adeyemi")
    outcome = _sign_in(session, officer)
    assert outcome.status == "signed_in" and outcome.token
    who = staff_sessions.resolve(session, outcome.token, now=NOW + timedelta(minutes=1))
    assert who is not None
    assert (who.name, who.role_label) == ("Rachel Adeyemi", "Income officer")
    assert who.permissions == roles.ROLES[roles.INCOME_OFFICER].permissions
    assert "reveal_bank_details" in who.permissions and "administer" not in who.permissions


@pytest.mark.parametrize("what", ["password", "code", "email"])
def test_any_wrong_part_is_refused_with_one_vague_answer_and_audited_without_the_secret(session, what):
    officer = make_staff(session)
    typed = {"password": PASSWORD, "code": staff_code(NOW), "email": officer.email}
    typed[what] = {"password": "not the password", "code": "000000", "email": "nobody@example.org"}[what]
    if what == "code" and typed["code"] == staff_code(NOW):  # pragma: no cover - one in a million
        typed["code"] = "111111"
    outcome = auth.sign_in(
        session, email=typed["email"], password=typed["password"], code=typed["code"], now=NOW, client_ip=OFFICE
    )
    assert outcome.status == "failed" and outcome.token is None
    assert session.exec(select(StaffSession)).all() == []
    line = session.exec(select(AuditEvent).where(AuditEvent.action == "staff_sign_in_failed")).one()
    assert line.client_ip == OFFICE
    assert typed["password"] not in line.detail + line.actor_label
    assert typed["code"] not in line.detail + line.actor_label


def test_a_code_that_has_been_used_once_is_refused_the_second_time(session):
    officer = make_staff(session)
    code = staff_code(NOW)
    assert _sign_in(session, officer, code=code).status == "signed_in"
    replay = _sign_in(session, officer, code=code, at=NOW + timedelta(seconds=10))
    assert replay.status == "failed"
    # The next code, half a minute on, works.
    assert _sign_in(session, officer, at=NOW + timedelta(seconds=30)).status == "signed_in"


def test_a_disabled_member_of_staff_cannot_sign_in_and_their_open_session_stops_working(session):
    officer = make_staff(session)
    token = _sign_in(session, officer).token
    officer.status = "disabled"
    session.add(officer)
    session.flush()
    assert staff_sessions.resolve(session, token, now=NOW + timedelta(minutes=1)) is None
    assert _sign_in(session, officer, at=NOW + timedelta(seconds=30)).status == "failed"


def test_a_staff_session_ends_after_15_minutes_without_use_and_use_keeps_it_going(session):
    officer = make_staff(session)
    token = _sign_in(session, officer).token
    assert staff_sessions.resolve(session, token, now=NOW + timedelta(minutes=14)) is not None
    assert staff_sessions.resolve(session, token, now=NOW + timedelta(minutes=28)) is not None
    assert staff_sessions.resolve(session, token, now=NOW + timedelta(minutes=43, seconds=1)) is None
    stored = session.exec(select(StaffSession)).one()
    assert stored.ended_reason == "idle"


def test_a_staff_token_is_never_a_residents_session_and_a_residents_is_never_staff(session):
    officer = make_staff(session)
    staff_token = _sign_in(session, officer).token
    resident = make_user(session)
    resident_token = resident_sessions.create_session(session, resident.id, client="phone", now=NOW)
    later = NOW + timedelta(minutes=1)
    assert resident_sessions.resolve_session(session, staff_token, now=later) is None
    assert staff_sessions.resolve(session, resident_token, now=later) is None
    assert resident_sessions.resolve_session(session, resident_token, now=later) is not None
    assert staff_sessions.resolve(session, staff_token, now=later) is not None


def test_after_five_failures_from_one_place_that_place_waits_longer_each_time(session):
    officer = make_staff(session)
    at = NOW
    for _ in range(5):
        assert _sign_in(session, officer, password="wrong one", at=at).status == "failed"
        at += timedelta(seconds=1)
    at -= timedelta(milliseconds=500)  # half a second after the fifth failure
    waiting = _sign_in(session, officer, at=at)
    assert waiting.status == "wait" and waiting.retry_after_seconds == 1
    # Another address (the officer at their desk) is not made to wait by it.
    assert _sign_in(session, officer, at=at, ip="10.20.0.99").status == "signed_in"


def test_signing_out_ends_the_session(session):
    officer = make_staff(session)
    token = _sign_in(session, officer).token
    assert staff_sessions.sign_out(session, token, now=NOW) == officer.id
    assert staff_sessions.resolve(session, token, now=NOW) is None


@pytest.mark.parametrize(
    ("staff_hosts", "kiosk_hosts", "host", "allowed"),
    [
        ("", "", "portal.example:443", True),
        ("backoffice.internal", "", "backoffice.internal:3000", True),
        ("backoffice.internal", "", "portal.example", False),
        ("", "kiosk.example", "kiosk.example", False),
        ("kiosk.example", "kiosk.example", "kiosk.example", False),
    ],
)
def test_the_back_office_answers_only_on_staff_hosts_when_set_and_never_on_a_kiosk(
    tmp_path, staff_hosts, kiosk_hosts, host, allowed
):
    settings = load_settings({"PORTAL_DATA_DIR": str(tmp_path), "STAFF_HOSTS": staff_hosts, "KIOSK_HOSTS": kiosk_hosts})
    assert back_office_allowed(host, settings) is allowed
