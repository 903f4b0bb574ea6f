"""Staff accounts made and changed by administrators in the back office (issue 12 section 1):
a new member of staff sets up their own password and app from a single-use emailed link,
then signs in; nobody disables or demotes themself or the last administrator; disabling
ends the sessions; every change is audited."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import reflex as rx
from sqlmodel import Session, select
from starlette.testclient import TestClient

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app import routes
from portal_app.api.http import api_app
from portal_app.clock import utcnow
from portal_app.models import AuditEvent, OutboxMessage, StaffMember, StaffSession
from portal_app.pages.staff.set_up import StaffSetUpState
from portal_app.pages.staff.team import TeamState
from portal_app.services import roles
from portal_app.services.audit import StaffActor
from portal_app.services.staff import auth, team
from portal_app.services.staff import sessions as staff_sessions
from tests.browsers import connect
from tests.factories import make_officer, make_staff
from tests.security.handlers import run

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
NEW_PASSWORD = "lantern-meadow-copper-91"


def _actor(member) -> StaffActor:
    return StaffActor(staff_id=member.id, name=member.name, client_ip="10.20.0.15")


def _new(**changes) -> team.NewMember:
    values = dict(
        name="Priya Shah",
        email="Priya.Shah@northbrook-homes.example",
        role=roles.HOUSING_OFFICER,
        officer_ref="",
        method=team.PASSWORD_AND_APP,
        sso_subject="",
    )
    values.update(changes)
    return team.NewMember(**values)


def _link_token(session) -> str:
    mail = session.exec(select(OutboxMessage).where(OutboxMessage.kind == team.KIND_SET_UP_LINK)).one()
    found = re.search(r"/api/staff/set-up\?token=([A-Za-z0-9_\-]+)", mail.body_text)
    assert found, mail.body_text
    return found.group(1)


def _secret_of(session, member_id: int) -> str:
    from portal_app.services import tokens

    return tokens.decrypt(session.get(StaffMember, member_id).totp_secret_enc)


# --- a new member of staff, from the emailed link to the first sign-in ------------------------


def test_a_new_member_of_staff_sets_up_from_the_emailed_link_and_then_signs_in_with_the_new_password_and_code(session):
    admin = make_staff(session, roles.ADMINISTRATOR, name="Alex Morgan")
    officer = make_officer(session)
    made = team.add_member(session, _actor(admin), _new(officer_ref=officer.officer_ref), now=NOW)
    assert made.ok and "We have emailed priya.shah@northbrook-homes.example a link" in made.message
    member = session.get(StaffMember, made.staff_id)
    assert (member.role, member.officer_id, member.password_hash) == (roles.HOUSING_OFFICER, officer.id, None)
    token = _link_token(session)
    # Before the set-up, nobody can sign in to the account.
    assert (
        auth.sign_in(
            session, email=member.email, password=NEW_PASSWORD, code="000000", now=NOW, client_ip="10.0.0.1"
        ).status
        == "failed"
    )

    key = team.begin_authenticator(session, token, now=NOW + timedelta(minutes=5), issuer="Northbrook back office")
    assert key.name == "Priya Shah" and key.qr_svg.startswith("<svg")
    secret = _secret_of(session, member.id)
    assert key.grouped_secret.replace(" ", "") == secret
    at = NOW + timedelta(minutes=6)
    done = team.finish_set_up(session, token, NEW_PASSWORD, pyotp.TOTP(secret).at(at), now=at, client_ip="10.0.0.1")
    assert done.ok
    # The link works once.
    assert team.set_up_for(session, token, now=at + timedelta(seconds=1)) is None
    # The code typed at set-up cannot sign in again; the next one does, with the new password.
    replay = auth.sign_in(
        session, email=member.email, password=NEW_PASSWORD, code=pyotp.TOTP(secret).at(at), now=at, client_ip="10.0.0.1"
    )
    assert replay.status == "failed"
    later = at + timedelta(seconds=30)
    signed_in = auth.sign_in(
        session,
        email=member.email,
        password=NEW_PASSWORD,
        code=pyotp.TOTP(secret).at(later),
        now=later,
        client_ip="10.0.0.1",
    )
    assert signed_in.status == "signed_in"
    actions = [line.action for line in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert actions[0] == "staff_created" and "staff_set_up" in actions and actions[-1] == "staff_signed_in"


def test_a_member_who_lost_their_app_is_sent_a_new_set_up_link_and_the_old_password_and_app_stop_working(session):
    from tests.factories import PASSWORD, staff_code

    admin = make_staff(session, roles.ADMINISTRATOR, name="Alex Morgan")
    officer = make_staff(session, roles.INCOME_OFFICER, name="Rachel Adeyemi")
    old_session = staff_sessions.start(session, officer.id, now=NOW)

    sent = team.send_new_set_up_link(session, _actor(admin), str(officer.id), now=NOW)

    assert sent.ok and "new set-up link" in sent.message
    assert staff_sessions.resolve(session, old_session, now=NOW) is None
    later = NOW + timedelta(minutes=1)
    old = auth.sign_in(
        session, email=officer.email, password=PASSWORD, code=staff_code(later), now=later, client_ip="10.0.0.1"
    )
    assert old.status == "failed"
    token = _link_token(session)
    team.begin_authenticator(session, token, now=later, issuer="Northbrook back office")
    secret = _secret_of(session, officer.id)
    at = later + timedelta(minutes=1)
    assert team.finish_set_up(session, token, NEW_PASSWORD, pyotp.TOTP(secret).at(at), now=at, client_ip="10.0.0.1").ok
    then = at + timedelta(seconds=30)
    again = auth.sign_in(
        session,
        email=officer.email,
        password=NEW_PASSWORD,
        code=pyotp.TOTP(secret).at(then),
        now=then,
        client_ip="10.0.0.1",
    )
    assert again.status == "signed_in"
    assert "staff_set_up_again" in [line.action for line in session.exec(select(AuditEvent)).all()]
    # Nobody re-enrols their own app this way: a stolen session could otherwise do it.
    assert not team.send_new_set_up_link(session, _actor(admin), admin.id, now=then).ok


def test_a_set_up_link_does_not_work_after_72_hours_or_with_a_wrong_code_or_a_weak_password(session):
    admin = make_staff(session, roles.ADMINISTRATOR)
    team.add_member(session, _actor(admin), _new(), now=NOW)
    token = _link_token(session)
    team.begin_authenticator(session, token, now=NOW, issuer="x")
    wrong = team.finish_set_up(session, token, "short", "000000", now=NOW, client_ip=None)
    assert set(wrong.errors) == {"password", "code"}
    assert team.set_up_for(session, token, now=NOW + timedelta(hours=72)) is None
    late = team.finish_set_up(session, token, NEW_PASSWORD, "123456", now=NOW + timedelta(hours=72), client_ip=None)
    assert late.message == "This set-up link no longer works. Ask an administrator for a new one."


def test_the_set_up_link_route_moves_the_token_into_an_http_only_cookie_and_out_of_the_address(db):
    response = TestClient(api_app(), base_url="http://portal.example", follow_redirects=False).get(
        routes.staff_set_up_link("tok-setup-1")
    )
    assert response.status_code == 303 and response.headers["location"] == routes.STAFF_SET_UP
    cookie = response.headers.get_list("set-cookie")[0]
    assert cookie == "doorstep_staff_setup=tok-setup-1; Path=/; HttpOnly; SameSite=Strict; Max-Age=3600"


def test_the_set_up_page_shows_the_key_only_in_its_script_and_finishes_through_the_handoff(db):
    with Session(db, expire_on_commit=False) as s:
        admin = make_staff(s, roles.ADMINISTRATOR)
        made = team.add_member(s, _actor(admin), _new(), now=utcnow())
        token = _link_token(s)
        s.commit()
    root = rx.State(_reflex_internal_init=True)
    connect(root, path="/staff/set-up", staff_setup=token)
    state = root
    for name in StaffSetUpState.get_full_name().split(".")[1:]:
        state = state.substates[name]
    script = run(StaffSetUpState.event_handlers["open_set_up"].fn(state))
    assert state.valid and state.welcome_name == "Priya Shah"
    with Session(db) as s:
        secret = _secret_of(s, made.staff_id)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    assert grouped in str(script)
    assert secret not in repr(root.dict()) and grouped not in repr(root.dict())  # no state var holds the key
    result = run(
        StaffSetUpState.event_handlers["finish"].fn(state, {"password": NEW_PASSWORD, "code": pyotp.TOTP(secret).now()})
    )
    assert "/api/handoff?code=" in str(result)
    with Session(db) as s:
        assert s.get(StaffMember, made.staff_id).setup_token_hash is None


def test_a_browser_without_the_set_up_cookie_gets_no_key(db):
    root = rx.State(_reflex_internal_init=True)
    connect(root, path="/staff/set-up")
    state = root
    for name in StaffSetUpState.get_full_name().split(".")[1:]:
        state = state.substates[name]
    assert run(StaffSetUpState.event_handlers["open_set_up"].fn(state)) is None
    assert state.checked and not state.valid


def test_a_new_account_is_refused_with_a_message_by_the_field_for_a_taken_email_or_an_unknown_officer(session):
    admin = make_staff(session, roles.ADMINISTRATOR, email="admin@northbrook-homes.example")
    taken = team.add_member(session, _actor(admin), _new(email="ADMIN@northbrook-homes.example"), now=NOW)
    assert taken.errors == {"email": "There is already a staff account with that email address"}
    unknown = team.add_member(session, _actor(admin), _new(officer_ref="OFF999"), now=NOW)
    assert unknown.errors == {"officer_ref": "No officer 'OFF999' in the landlord's records"}
    _, errors = team.parse_new_member({"method": team.SINGLE_SIGN_ON})
    assert errors["sso_subject"] == "Enter their subject id from the identity provider"
    assert errors["role"] == "Choose a role" and errors["email"] == "Enter their work email address"


# --- changing accounts --------------------------------------------------------------------


def test_an_administrator_cannot_disable_or_demote_themself(session):
    admin = make_staff(session, roles.ADMINISTRATOR)
    make_staff(session, roles.ADMINISTRATOR)  # not the last one: the rule is about oneself
    assert not team.set_disabled(session, _actor(admin), admin.id, True, now=NOW).ok
    demoted = team.change_role(session, _actor(admin), str(admin.id), roles.HOUSING_OFFICER, now=NOW)
    assert demoted.message == "You cannot take away your own administrator role. Ask another administrator."
    session.refresh(admin)
    assert (admin.status, admin.role) == ("active", roles.ADMINISTRATOR)


def test_the_last_active_administrator_cannot_be_disabled_or_demoted_by_anyone(session):
    last = make_staff(session, roles.ADMINISTRATOR, name="Alex Morgan")
    make_staff(session, roles.ADMINISTRATOR, status="disabled")  # a disabled one does not count
    # An actor who is not (or no longer) an administrator: the service's rule holds whoever asks.
    other = make_staff(session, roles.DATA_PROTECTION_OFFICER)
    assert team.set_disabled(session, _actor(other), last.id, True, now=NOW).message == (
        "Alex Morgan is the last administrator, so their account must stay open."
    )
    assert not team.change_role(session, _actor(other), last.id, roles.INCOME_OFFICER, now=NOW).ok


def test_disabling_a_member_of_staff_ends_their_sessions_at_once_and_is_audited(session):
    admin = make_staff(session, roles.ADMINISTRATOR, name="Alex Morgan")
    officer = make_staff(session, roles.INCOME_OFFICER, name="Rachel Adeyemi")
    token = staff_sessions.start(session, officer.id, now=NOW)
    assert staff_sessions.resolve(session, token, now=NOW + timedelta(minutes=1)) is not None
    done = team.set_disabled(session, _actor(admin), officer.id, True, now=NOW + timedelta(minutes=2))
    assert done.ok
    stored = session.exec(select(StaffSession).where(StaffSession.staff_id == officer.id)).one()
    assert stored.ended_reason == "disabled"
    # Re-enabling does not bring the old session back.
    team.set_disabled(session, _actor(admin), officer.id, False, now=NOW + timedelta(minutes=3))
    assert staff_sessions.resolve(session, token, now=NOW + timedelta(minutes=4)) is None
    lines = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(line.action, line.actor_label, line.target) for line in lines] == [
        ("staff_disabled", "Alex Morgan", officer.email),
        ("staff_enabled", "Alex Morgan", officer.email),
    ]


def test_changing_a_role_takes_effect_at_once_and_ends_their_sessions(session):
    admin = make_staff(session, roles.ADMINISTRATOR)
    officer = make_staff(session, roles.INCOME_OFFICER)
    token = staff_sessions.start(session, officer.id, now=NOW)
    done = team.change_role(session, _actor(admin), officer.id, roles.HOUSING_OFFICER, now=NOW)
    assert done.ok and session.get(StaffMember, officer.id).role == roles.HOUSING_OFFICER
    assert staff_sessions.resolve(session, token, now=NOW + timedelta(seconds=5)) is None
    detail = session.exec(select(AuditEvent).where(AuditEvent.action == "staff_role_changed")).one().detail
    assert '"before": "income_officer"' in detail and '"after": "housing_officer"' in detail


# --- the page -------------------------------------------------------------------------------


def _team_state(db, role):
    with Session(db, expire_on_commit=False) as s:
        member = make_staff(s, role, name="Alex Morgan")
        token = staff_sessions.start(s, member.id, now=utcnow())
        s.commit()
    root = rx.State(_reflex_internal_init=True)
    connect(root, path="/staff/team", staff=token)
    state = root
    for name in TeamState.get_full_name().split(".")[1:]:
        state = state.substates[name]
    return state, member


def test_the_team_page_lists_staff_and_adds_one_who_gets_the_set_up_email(db):
    state, admin = _team_state(db, roles.ADMINISTRATOR)
    run(TeamState.event_handlers["load"].fn(state))
    assert [m["name"] for m in state.members] == ["Alex Morgan"]
    assert state.members[0]["method"] == "Password and authenticator app"
    run(
        TeamState.event_handlers["create"].fn(
            state, {"name": "Priya Shah", "email": "priya@northbrook-homes.example", "role": "housing_officer"}
        )
    )
    assert state.errors == {} and "We have emailed priya@northbrook-homes.example" in state.notice
    priya = next(m for m in state.members if m["name"] == "Priya Shah")
    assert priya["method"] == "Password and authenticator app (set-up link not used yet)"
    assert priya["last_sign_in"] == "Never" and priya["status_words"] == "Active"
    run(TeamState.event_handlers["disable"].fn(state, str(admin.id)))
    assert state.problem == "You cannot disable your own account. Ask another administrator."
    with Session(db) as s:
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.kind == team.KIND_SET_UP_LINK)).one()
        assert mail.to_address == "priya@northbrook-homes.example"
        assert "set-up?token=" in mail.body_text and "Alex Morgan has made you an account" in mail.body_text


def test_an_officer_without_administer_cannot_add_or_disable_staff(db):
    state, _ = _team_state(db, roles.DATA_PROTECTION_OFFICER)
    with Session(db, expire_on_commit=False) as s:
        victim = make_staff(s, roles.INCOME_OFFICER)
        s.commit()
    for name, args in (
        ("create", ({"name": "X", "email": "x@example.org", "role": "administrator"},)),
        ("disable", (str(victim.id),)),
    ):
        result = run(TeamState.event_handlers[name].fn(state, *args))
        assert "/staff/not-allowed" in str(result)
    with Session(db) as s:
        assert s.get(StaffMember, victim.id).status == "active"
        assert s.exec(select(StaffMember).where(StaffMember.email == "x@example.org")).first() is None
        assert s.exec(select(AuditEvent)).all() == []
