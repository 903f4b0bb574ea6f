"""Pausing registration with a waiting list (issue 12 section 4, seed 003): enforced in the
registration service itself, the waiting list invited once on resume, every action audited."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import reflex as rx
from sqlmodel import Session, func, select

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app.models import (
    AuditEvent,
    OutboxMessage,
    PortalUser,
    RegistrationAttempt,
    RegistrationPause,
    ThrottleHit,
    WaitingListEntry,
)
from portal_app.pages.identity.register import PAUSED_HEADING, RegisterState
from portal_app.pages.staff.registration import RegistrationAdminState
from portal_app.services import roles
from portal_app.services.audit import StaffActor
from portal_app.services.identity import auth, registration, registration_pause
from portal_app.services.identity.registration import RegistrationDetails
from portal_app.services.identity.registration_pause import RegistrationPaused, WaitingDetails
from portal_app.services.staff import sessions as staff_sessions
from tests.browsers import connect
from tests.factories import PASSWORD, make_party, make_person, make_staff, make_tenancy, make_user
from tests.security.handlers import run

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
DOB = date(1980, 2, 1)
MESSAGE = "Our software supplier is fixing a fault. We expect registration to open again next week."


def _admin(session, name="Alex Morgan"):
    member = make_staff(session, roles.ADMINISTRATOR, name=name)
    return StaffActor(staff_id=member.id, name=member.name, client_ip="10.20.0.15")


def _tenant(session, ref="TEN700001"):
    tenancy = make_tenancy(session, ref=ref)
    make_party(session, tenancy, make_person(session, "Sam", "Taylor", dob=DOB))
    return tenancy


def _details(ref="TEN700001", email="sam@example.com"):
    return RegistrationDetails(
        tenancy_reference=ref,
        date_of_birth=DOB,
        email=email,
        mobile="+447700900123",
        password="plum-kettle-orbit-42",
        paper_correspondence=False,
    )


def _count(session, model, *where) -> int:
    return session.exec(select(func.count()).select_from(model).where(*where)).one()


def _mails(session, kind):
    return session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).all()


def _join(session, email, *, name="Pat Doe", ref="TEN700009", ip="203.0.113.7", at=NOW):
    return registration_pause.join_waiting_list(
        session, WaitingDetails(name, ref, email), client_ip=ip, now=at + timedelta(minutes=1)
    )


# --- enforced in the service --------------------------------------------------------------


def test_while_paused_starting_a_registration_is_refused_with_the_message_and_nothing_is_written(session):
    _tenant(session)
    registration_pause.pause(session, _admin(session), MESSAGE, now=NOW)
    before = (_count(session, OutboxMessage), _count(session, ThrottleHit))
    with pytest.raises(RegistrationPaused) as refused:
        registration.start_registration(session, _details(), client_ip="203.0.113.7", now=NOW)
    assert refused.value.notice.message == MESSAGE
    assert _count(session, RegistrationAttempt) == 0
    assert (_count(session, OutboxMessage), _count(session, ThrottleHit)) == before


def test_a_code_emailed_before_the_pause_cannot_make_an_account_or_be_resent_while_paused(session):
    _tenant(session)
    started = registration.start_registration(session, _details(), client_ip="203.0.113.7", now=NOW)
    code_mail = _mails(session, registration.KIND_CODE)[-1]
    code = next(line for line in code_mail.body_text.splitlines() if line.isdigit() and len(line) == 6)
    registration_pause.pause(session, _admin(session), MESSAGE, now=NOW + timedelta(minutes=1))
    mails_before = _count(session, OutboxMessage)
    with pytest.raises(RegistrationPaused):
        registration.confirm_code(session, started.attempt_token, code, now=NOW + timedelta(minutes=2))
    with pytest.raises(RegistrationPaused):
        registration.resend_code(session, started.attempt_token, now=NOW + timedelta(minutes=3))
    assert _count(session, PortalUser) == 0
    assert _count(session, OutboxMessage) == mails_before
    attempt = session.exec(select(RegistrationAttempt)).one()
    assert (attempt.status, attempt.wrong_tries) == ("pending", 0)


def test_a_resident_who_already_has_an_account_signs_in_as_usual_while_paused(session):
    make_user(session, email="ada@example.org")
    registration_pause.pause(session, _admin(session), MESSAGE, now=NOW)
    outcome = auth.sign_in(session, "ada@example.org", PASSWORD, client="phone", client_ip="198.51.100.4", now=NOW)
    assert outcome.status == "signed_in"


# --- the register page's handlers, called directly ------------------------------------------


def _register_state(path="/register") -> RegisterState:
    root = rx.State(_reflex_internal_init=True)
    connect(root, path=path)
    state = root
    for name in RegisterState.get_full_name().split(".")[1:]:
        state = state.substates[name]
    return state


def _drain(result):
    """Run a handler's coroutine or async generator to its end; the events it returned."""
    import inspect

    if inspect.isasyncgen(result):

        async def all_of(gen):
            return [item async for item in gen]

        return run(all_of(result))
    return run(result)


FORM = {
    "tenancy_reference": "TEN700001",
    "dob_day": "1",
    "dob_month": "2",
    "dob_year": "1980",
    "email": "sam@example.com",
    "mobile": "07700 900123",
    "password": "plum-kettle-orbit-42",
}


def test_the_register_handler_called_directly_while_paused_writes_nothing_and_shows_the_pause(db):
    with Session(db) as s:
        _tenant(s)
        registration_pause.pause(s, _admin(s), MESSAGE, now=NOW)
        s.commit()
    state = _register_state()
    state.paper_choice = "no"  # a well-formed registration, sent straight at the handler
    _drain(RegisterState.event_handlers["submit"].fn(state, FORM))
    assert state.paused is True and state.pause_message == MESSAGE
    assert state.attempt_open is False and state.busy is False
    with Session(db) as s:
        assert _count(s, RegistrationAttempt) == 0
        assert _count(s, OutboxMessage) == 0


def test_the_register_page_offers_the_waiting_list_while_paused_and_the_form_when_open(db):
    state = _register_state()
    _drain(RegisterState.event_handlers["open_form"].fn(state))
    assert state.paused is False
    with Session(db) as s:
        registration_pause.pause(s, _admin(s), MESSAGE, now=NOW)
        s.commit()
    _drain(RegisterState.event_handlers["open_form"].fn(state))
    assert (state.paused, state.pause_message) == (True, MESSAGE)
    _drain(RegisterState.event_handlers["join_waiting_list"].fn(state, {"name": "", "email": "not an email"}))
    assert state.waiting_errors == {
        "name": "Enter your full name",
        "tenancy_reference": "Enter your tenancy reference or service charge account number",
        "email": "Enter an email address in the correct format, like name@example.com",
    }
    _drain(
        RegisterState.event_handlers["join_waiting_list"].fn(
            state, {"name": "Pat  Doe", "tenancy_reference": "ten 700009", "email": "Pat@Example.com"}
        )
    )
    assert state.waiting_errors == {} and state.waiting_done is True
    with Session(db) as s:
        entry = s.exec(select(WaitingListEntry)).one()
        assert (entry.name, entry.tenancy_reference, entry.email) == ("Pat Doe", "TEN700009", "pat@example.com")
        confirmation = s.exec(select(OutboxMessage)).one()
        assert confirmation.to_address == "pat@example.com"
        assert "We will email you when you can register" in confirmation.body_text


def test_the_code_step_called_directly_while_paused_says_registration_is_paused(db):
    with Session(db) as s:
        _tenant(s)
        started = registration.start_registration(s, _details(), client_ip="203.0.113.7", now=NOW)
        registration_pause.pause(s, _admin(s), MESSAGE, now=NOW)
        s.commit()
    root = rx.State(_reflex_internal_init=True)
    connect(root, path="/register/code", registration=started.attempt_token)
    state = root
    for name in RegisterState.get_full_name().split(".")[1:]:
        state = state.substates[name]
    _drain(RegisterState.event_handlers["submit_code"].fn(state, {"code": "123456"}))
    assert state.code_errors["code"].startswith(PAUSED_HEADING)
    with Session(db) as s:
        assert _count(s, PortalUser) == 0


# --- pausing and resuming -------------------------------------------------------------------


def test_only_one_pause_is_in_force_and_an_empty_message_is_refused(session):
    admin = _admin(session)
    assert registration_pause.pause(session, admin, "  ", now=NOW).errors == {
        "message": "Enter the message people will see on the registration page"
    }
    assert registration_pause.pause(session, admin, MESSAGE, now=NOW).ok
    again = registration_pause.pause(session, admin, "Another message", now=NOW + timedelta(minutes=1))
    assert again.errors == {"message": "Registration is already paused"}
    assert _count(session, RegistrationPause) == 1
    assert registration_pause.current_pause(session).message == MESSAGE


def test_one_email_joins_the_list_once_per_pause_with_one_confirmation(session):
    registration_pause.pause(session, _admin(session), MESSAGE, now=NOW)
    assert _join(session, "pat@example.com").status == "joined"
    assert _join(session, "pat@example.com", name="Someone Else").status == "joined"  # the same answer
    assert _count(session, WaitingListEntry) == 1
    assert len(_mails(session, registration_pause.KIND_WAITING_CONFIRMED)) == 1


def test_the_waiting_list_is_closed_when_registration_is_open(session):
    assert _join(session, "pat@example.com").status == "not_paused"
    assert _count(session, WaitingListEntry) == 0


def test_one_address_filling_the_waiting_list_is_made_to_wait(session):
    registration_pause.pause(session, _admin(session), MESSAGE, now=NOW)
    for n in range(registration_pause.JOINS_PER_ADDRESS_PER_HOUR):
        assert _join(session, f"person{n}@example.com").status == "joined"
    assert _join(session, "one-more@example.com").status == "wait"
    assert _join(session, "elsewhere@example.com", ip="198.51.100.9").status == "joined"


def test_resuming_invites_everyone_waiting_once_and_a_second_pause_invites_only_the_newcomers(session):
    admin = _admin(session)
    registration_pause.pause(session, admin, MESSAGE, now=NOW)
    _join(session, "pat@example.com")
    _join(session, "lee@example.com")
    first = registration_pause.resume(session, admin, now=NOW + timedelta(hours=1))
    assert (first.resumed, first.invited) == (True, 2)
    assert registration_pause.current_pause(session) is None
    # Resuming again does nothing: nobody is invited twice.
    assert registration_pause.resume(session, admin, now=NOW + timedelta(hours=2)) == (
        registration_pause.ResumeOutcome(False, 0)
    )
    registration_pause.pause(session, admin, MESSAGE, now=NOW + timedelta(days=1))
    _join(session, "kim@example.com", at=NOW + timedelta(days=1))
    second = registration_pause.resume(session, admin, now=NOW + timedelta(days=2))
    assert second.invited == 1
    invited = [m.to_address for m in _mails(session, registration_pause.KIND_WAITING_INVITED)]
    assert sorted(invited) == ["kim@example.com", "lee@example.com", "pat@example.com"]
    invitation = _mails(session, registration_pause.KIND_WAITING_INVITED)[0]
    assert "You can register now at" in invitation.body_text and "/register" in invitation.body_text


def test_two_invitation_runs_at_the_same_moment_never_mail_an_entry_twice(db):
    with Session(db) as s:
        registration_pause.pause(s, _admin(s), MESSAGE, now=NOW)
        for n in range(5):
            _join(s, f"person{n}@example.com")
        s.commit()
    barrier = threading.Barrier(2)
    sent: list[int] = []
    failures: list[BaseException] = []

    def invite():
        try:
            with Session(db) as s:
                barrier.wait(timeout=10)
                sent.append(registration_pause.invite_waiting(s, now=NOW + timedelta(hours=1)))
                s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=invite) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert failures == []
    assert sorted(sent) == [0, 5]
    with Session(db) as s:
        invitations = [m.to_address for m in _mails(s, registration_pause.KIND_WAITING_INVITED)]
        assert sorted(invitations) == sorted(f"person{n}@example.com" for n in range(5))


def test_pausing_resuming_and_looking_at_the_list_are_audited_with_who_did_it(session):
    admin = _admin(session)
    registration_pause.pause(session, admin, MESSAGE, now=NOW)
    _join(session, "pat@example.com")
    registration_pause.overview(session, admin, now=NOW + timedelta(minutes=5))
    registration_pause.resume(session, admin, now=NOW + timedelta(hours=1))
    lines = session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(line.action, line.actor_label, line.client_ip) for line in lines] == [
        ("registration_paused", "Alex Morgan", "10.20.0.15"),
        ("waiting_list_viewed", "Alex Morgan", "10.20.0.15"),
        ("registration_resumed", "Alex Morgan", "10.20.0.15"),
    ]
    assert '"invited": 1' in lines[-1].detail


# --- the back office page -------------------------------------------------------------------


def _staff_state(db, role):
    with Session(db) as s:
        member = make_staff(s, role, name="Alex Morgan")
        token = staff_sessions.start(s, member.id, now=datetime.now(UTC))
        s.commit()
    root = rx.State(_reflex_internal_init=True)
    connect(root, path="/staff/registration", staff=token)
    state = root
    for name in RegistrationAdminState.get_full_name().split(".")[1:]:
        state = state.substates[name]
    return state


def test_an_administrator_pauses_and_resumes_from_the_back_office_and_sees_the_waiting_list(db):
    state = _staff_state(db, roles.ADMINISTRATOR)
    run(RegistrationAdminState.event_handlers["load"].fn(state))
    assert state.loaded and state.paused is False
    run(RegistrationAdminState.event_handlers["pause"].fn(state, {"message": MESSAGE}))
    assert state.paused and state.pause_message == MESSAGE and state.paused_by == "Alex Morgan"
    with Session(db) as s:
        _join(s, "pat@example.com")
        s.commit()
    run(RegistrationAdminState.event_handlers["load"].fn(state))
    assert state.waiting_count == 1 and state.waiting[0]["email"] == "pat@example.com"
    run(RegistrationAdminState.event_handlers["resume"].fn(state))
    assert state.paused is False and state.waiting_count == 0 and state.invited_count == 1
    assert "emailing 1 person" in state.notice


def test_an_officer_without_manage_registration_cannot_pause_and_nothing_changes(db):
    state = _staff_state(db, roles.INCOME_OFFICER)
    result = run(RegistrationAdminState.event_handlers["pause"].fn(state, {"message": MESSAGE}))
    assert "/staff/not-allowed" in str(result)
    with Session(db) as s:
        assert _count(s, RegistrationPause) == 0
        assert _count(s, AuditEvent, AuditEvent.action == "registration_paused") == 0
