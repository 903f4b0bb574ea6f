"""Residents' own events in the audit log, and the sign-in history each resident sees
(services/identity/history.py; auth.py, two_step.py and sessions.py write the lines).

A line is written in the same transaction as its event, names the account it is about
(never an email typed for no account), says from which address and, for sign-in steps,
which browser, and never holds a password, a code or a token."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from portal_app.models import AuditEvent, OutboxMessage
from portal_app.services import audit
from portal_app.services.identity import auth, history, lockout, sessions, two_step
from portal_app.settings import get_settings
from tests.factories import PASSWORD, make_user

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
EMAIL = "ada@example.org"
HERE = "198.51.100.7"  # the resident's own address
STRANGER = "203.0.113.9"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"
)
NEW_PASSWORD = "violet harbour tandem"


def sign_in(session: Session, password: str = PASSWORD, *, ip: str = HERE, at: datetime = NOW, email: str = EMAIL):
    outcome = auth.sign_in(session, email, password, client=f"{ip} {FIREFOX}", client_ip=ip, now=at)
    session.commit()
    return outcome


def lines(session: Session) -> list[AuditEvent]:
    session.expire_all()
    return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)).all())


def detail(line: AuditEvent) -> dict:
    return json.loads(line.detail)


def code_at(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def wrong_code(secret: str, moment: datetime) -> str:
    valid = {code_at(secret, moment + timedelta(seconds=30 * offset)) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(418_203, 1_000_000) if f"{n:06d}" not in valid)


# --- signing in ------------------------------------------------------------------------


def test_signing_in_writes_one_line_naming_the_resident_with_her_address_and_browser(session):
    user = make_user(session)

    assert sign_in(session).status == "signed_in"

    (line,) = lines(session)
    assert (line.action, line.actor_kind, line.actor_id, line.subject_user_id) == (
        audit.SIGNED_IN,
        audit.RESIDENT,
        user.id,
        user.id,
    )
    assert line.subject_person_id == user.person_id
    assert line.client_ip == HERE
    assert detail(line) == {"device": "Firefox on Windows", "step": "password"}
    (seen,) = history.sign_in_history(session, user.id)
    assert seen.what == "Signed in with your password"
    assert seen.where == f"{HERE}, Firefox on Windows"
    assert seen.when == "10:00 on 2 March 2026"
    assert seen.attention is False


def test_a_wrong_password_is_shown_to_the_owner_as_someone_elses_try_and_keeps_nothing_that_was_typed(session):
    user = make_user(session)

    assert sign_in(session, "orange submarine pebble", ip=STRANGER).status == "failed"

    (line,) = lines(session)
    assert (line.action, line.actor_kind, line.actor_id, line.subject_user_id) == (
        audit.SIGN_IN_FAILED,
        audit.ANONYMOUS,
        None,
        user.id,
    )
    assert line.client_ip == STRANGER
    assert "orange submarine pebble" not in line.detail
    (seen,) = history.sign_in_history(session, user.id)
    assert seen.what == "Someone tried to sign in with a wrong password"
    assert seen.attention is True


def test_a_try_at_an_email_with_no_account_names_nobody_and_keeps_neither_the_email_nor_the_password(session):
    make_user(session)

    assert sign_in(session, "orange submarine pebble", email="nobody@example.org", ip=STRANGER).status == "failed"

    (line,) = lines(session)
    assert (line.action, line.actor_kind, line.subject_user_id, line.subject_person_id) == (
        audit.SIGN_IN_FAILED,
        audit.ANONYMOUS,
        None,
        None,
    )
    assert line.actor_label == "" and "nobody@example.org" not in line.detail
    assert "orange submarine pebble" not in line.detail


def test_the_failure_that_makes_an_address_wait_says_how_long_and_tries_inside_the_wait_add_nothing(session):
    user = make_user(session)
    free = get_settings().signin_free_tries
    for n in range(free):
        sign_in(session, f"guess {n}", ip=STRANGER, at=NOW + timedelta(seconds=n))

    assert [ln.action for ln in lines(session)] == [audit.SIGN_IN_FAILED] * free + [audit.SIGN_IN_WAIT]
    wait = lines(session)[-1]
    assert (wait.actor_kind, wait.subject_user_id, wait.client_ip) == (audit.ANONYMOUS, user.id, STRANGER)
    assert detail(wait)["wait_seconds"] == 1

    # Inside the wait the try is refused before anything is checked: no line for it.
    assert sign_in(session, "guess again", ip=STRANGER, at=NOW + timedelta(seconds=free - 1)).status == "wait"
    assert len(lines(session)) == free + 1
    newest = history.sign_in_history(session, user.id)[0]
    assert newest.what == "Too many wrong tries from this address: its next try had to wait 1 second"


def test_the_right_password_during_an_attack_from_elsewhere_is_recorded_as_the_extra_check(session, monkeypatch):
    user = make_user(session)
    few = replace(get_settings(), signin_account_limit=3)
    monkeypatch.setattr(lockout, "get_settings", lambda: few)
    for n in range(3):
        sign_in(session, f"guess {n}", ip=f"100.64.0.{n + 1}", at=NOW + timedelta(seconds=n))

    assert sign_in(session, ip=HERE, at=NOW + timedelta(seconds=10)).status == "check_email"

    line = lines(session)[-1]
    assert (line.action, line.actor_kind, line.subject_user_id) == (audit.SIGN_IN_WAIT, audit.ANONYMOUS, user.id)
    assert detail(line)["reason"] == history.EXTRA_CHECK
    assert history.sign_in_history(session, user.id)[0].what.startswith("The right password was typed, but")


def test_with_two_step_on_the_password_step_alone_is_not_a_sign_in_and_the_code_step_is(session):
    user = make_user(session)
    setup = two_step.begin_setup(EMAIL, issuer="Northbrook Homes")
    codes = two_step.confirm_setup(session, user.id, setup.secret, code_at(setup.secret, NOW), now=NOW)
    session.commit()
    before = len(lines(session))

    ticket = sign_in(session, at=NOW + timedelta(minutes=1)).two_step_token
    assert len(lines(session)) == before  # the right password, no sign-in yet
    wrong = two_step.complete_two_step(
        session,
        ticket,
        wrong_code(setup.secret, NOW + timedelta(minutes=2)),
        client=f"{STRANGER} {IPHONE}",
        client_ip=STRANGER,
        now=NOW + timedelta(minutes=2),
    )
    assert wrong.status == "failed"
    right = two_step.complete_two_step(
        session,
        ticket,
        code_at(setup.secret, NOW + timedelta(minutes=3)),
        client=f"{HERE} {IPHONE}",
        client_ip=HERE,
        now=NOW + timedelta(minutes=3),
    )
    assert right.status == "signed_in"
    session.commit()

    failed, signed_in = lines(session)[before:]
    assert (failed.action, failed.actor_kind, failed.client_ip) == (audit.SIGN_IN_FAILED, audit.ANONYMOUS, STRANGER)
    assert (signed_in.action, signed_in.actor_kind, signed_in.client_ip) == (audit.SIGNED_IN, audit.RESIDENT, HERE)
    assert [ln.what for ln in history.sign_in_history(session, user.id)[:2]] == [
        "Signed in with your password and a code from your app",
        "Someone typed your password, then a wrong code",
    ]
    assert history.sign_in_history(session, user.id)[0].where == f"{HERE}, Safari on an iPhone"

    ticket = sign_in(session, at=NOW + timedelta(minutes=4)).two_step_token
    by_recovery = two_step.complete_two_step(
        session, ticket, codes[0], client=HERE, client_ip=HERE, now=NOW + timedelta(minutes=4)
    )
    session.commit()
    assert by_recovery.status == "signed_in"
    assert history.sign_in_history(session, user.id)[0].what == "Signed in with your password and a recovery code"


def test_the_session_that_finishing_registration_starts_is_a_sign_in_too(session):
    user = make_user(session)

    token = auth.sign_in_after_registering(session, user.id, client=f"{HERE} {IPHONE}", client_ip=HERE, now=NOW)
    session.commit()

    assert sessions.resolve_session(session, token, now=NOW) is not None
    (line,) = lines(session)
    assert (line.action, line.actor_kind, line.subject_user_id, line.client_ip) == (
        audit.SIGNED_IN,
        audit.RESIDENT,
        user.id,
        HERE,
    )
    assert history.sign_in_history(session, user.id)[0].what == "Registered and signed in"


# --- signing out and changing how she signs in ---------------------------------------------


def test_signing_out_writes_one_line_though_the_page_and_the_sign_out_route_both_end_the_session(session):
    user = make_user(session)
    token = sign_in(session).token

    sessions.sign_out(session, token, now=NOW + timedelta(minutes=5), client_ip=HERE)
    sessions.sign_out(session, token, now=NOW + timedelta(minutes=5), client_ip=HERE)  # /api/signed-out, after
    session.commit()

    assert [ln.action for ln in lines(session)] == [audit.SIGNED_IN, audit.SIGNED_OUT]
    out = lines(session)[-1]
    assert (out.actor_kind, out.actor_id, out.client_ip) == (audit.RESIDENT, user.id, HERE)
    assert history.sign_in_history(session, user.id)[0].what == "Signed out"


def test_a_session_that_had_already_gone_idle_is_not_signed_out_again_in_the_history(session):
    make_user(session)
    token = sign_in(session).token

    sessions.sign_out(session, token, now=NOW + timedelta(hours=13), client_ip=HERE)
    session.commit()

    assert [ln.action for ln in lines(session)] == [audit.SIGNED_IN]


def test_sign_out_everywhere_and_not_you_are_the_residents_own_doing(session):
    user = make_user(session)
    sign_in(session)

    auth.sign_out_everywhere(session, user.id, now=NOW + timedelta(minutes=1), client_ip=HERE)
    auth.not_me(session, user.id, now=NOW + timedelta(minutes=2), client_ip=HERE)
    session.commit()

    outs = [ln for ln in lines(session) if ln.action == audit.SIGNED_OUT]
    assert [(ln.actor_kind, detail(ln)["everywhere"]) for ln in outs] == [(audit.RESIDENT, True)] * 2
    assert history.sign_in_history(session, user.id)[0].what == "Signed out everywhere"


def test_changing_and_resetting_the_password_and_two_step_changes_are_each_one_line_by_the_resident(session):
    user = make_user(session)
    token = sign_in(session).token

    assert (
        auth.change_password(session, user.id, PASSWORD, NEW_PASSWORD, keep_token=token, now=NOW, client_ip=HERE) == {}
    )
    auth.request_password_reset(session, EMAIL, client_ip=HERE, now=NOW + timedelta(minutes=1))
    session.commit()
    link = session.exec(select(OutboxMessage).where(OutboxMessage.kind == "password_reset")).one().body_text
    reset_token = link.split("token=")[1].split()[0]
    assert auth.reset_password(session, reset_token, PASSWORD, now=NOW + timedelta(minutes=2), client_ip=HERE) is None
    setup = two_step.begin_setup(EMAIL, issuer="Northbrook Homes")
    at = NOW + timedelta(minutes=3)
    assert two_step.confirm_setup(session, user.id, setup.secret, code_at(setup.secret, at), now=at, client_ip=HERE)
    assert two_step.regenerate_recovery_codes(session, user.id, now=at, client_ip=HERE)
    assert two_step.disable(session, user.id, PASSWORD, now=at, client_ip=HERE)
    session.commit()

    assert [ln.action for ln in lines(session)][1:] == [
        audit.PASSWORD_CHANGED,
        audit.PASSWORD_RESET,
        audit.TWO_STEP_ON,
        audit.RECOVERY_CODES_NEW,
        audit.TWO_STEP_OFF,
    ]
    assert {(ln.actor_kind, ln.subject_user_id, ln.client_ip) for ln in lines(session)} == {
        (audit.RESIDENT, user.id, HERE)
    }
    assert [ln.what for ln in history.sign_in_history(session, user.id)][:5] == [
        "Two-step sign-in turned off",
        "New recovery codes made",
        "Two-step sign-in turned on",
        "New password chosen with an emailed link",
        "Password changed",
    ]


def test_a_change_that_is_refused_or_rolled_back_leaves_no_line(session):
    user = make_user(session)
    token = sign_in(session).token
    before = len(lines(session))

    errors = auth.change_password(
        session, user.id, "not my password", NEW_PASSWORD, keep_token=token, now=NOW, client_ip=HERE
    )
    session.commit()
    assert errors == {"current_password": "Your current password is not right"}
    assert not two_step.disable(session, user.id, "not my password", now=NOW, client_ip=HERE)  # two-step was off
    session.commit()
    assert (
        auth.change_password(session, user.id, PASSWORD, NEW_PASSWORD, keep_token=token, now=NOW, client_ip=HERE) == {}
    )
    session.rollback()  # the unit of work failed after the change: its line goes with it

    assert len(lines(session)) == before


# --- what each resident sees -----------------------------------------------------------------


def test_each_resident_sees_only_her_own_lines(session):
    ada = make_user(session)
    bea = make_user(session, email="bea@example.org", first_name="Bea")
    sign_in(session)
    sign_in(session, email="bea@example.org", ip=STRANGER, at=NOW + timedelta(minutes=1))
    sign_in(session, "wrong for bea", email="bea@example.org", ip=STRANGER, at=NOW + timedelta(minutes=2))
    sign_in(session, "wrong for nobody", email="nobody@example.org", ip=STRANGER, at=NOW + timedelta(minutes=3))

    adas = history.sign_in_history(session, ada.id)
    beas = history.sign_in_history(session, bea.id)

    assert [ln.where.split(",")[0] for ln in adas] == [HERE]
    assert [ln.what for ln in beas] == [
        "Someone tried to sign in with a wrong password",
        "Signed in with your password",
    ]
    assert all(ln.ip == STRANGER for ln in beas)


def test_what_staff_did_about_a_resident_is_not_in_her_sign_in_history(session):
    user = make_user(session)
    sign_in(session)
    audit.record(
        session,
        action=audit.RESIDENT_VIEWED,
        actor_kind=audit.STAFF,
        actor_id=None,
        subject_user_id=user.id,
        now=NOW + timedelta(minutes=1),
    )
    session.commit()

    assert [ln.what for ln in history.sign_in_history(session, user.id)] == ["Signed in with your password"]


def test_no_line_holds_a_password_a_code_or_a_token(session):
    """Every way in and every change, then a scan of every column of every line."""
    user = make_user(session)
    secrets: list[str] = [PASSWORD, NEW_PASSWORD, "orange submarine pebble"]
    token = sign_in(session).token
    secrets.append(token)
    sign_in(session, "orange submarine pebble", ip=STRANGER)
    auth.change_password(session, user.id, PASSWORD, NEW_PASSWORD, keep_token=token, now=NOW, client_ip=HERE)
    setup = two_step.begin_setup(EMAIL, issuer="Northbrook Homes")
    first = code_at(setup.secret, NOW)
    codes = two_step.confirm_setup(session, user.id, setup.secret, first, now=NOW, client_ip=HERE)
    session.commit()
    secrets += [setup.secret, first, *codes]
    ticket = sign_in(session, NEW_PASSWORD, at=NOW + timedelta(minutes=1)).two_step_token
    secrets.append(ticket)
    for code in (wrong_code(setup.secret, NOW + timedelta(minutes=1)), codes[1]):
        outcome = two_step.complete_two_step(
            session, ticket, code, client=FIREFOX, client_ip=HERE, now=NOW + timedelta(minutes=1)
        )
        session.commit()
        secrets.append(code)
    assert outcome.status == "signed_in"
    secrets.append(outcome.token)
    new_codes = two_step.regenerate_recovery_codes(session, user.id, now=NOW, client_ip=HERE)
    session.commit()
    secrets += new_codes
    sessions.sign_out(session, outcome.token, now=NOW + timedelta(minutes=2), client_ip=HERE)
    session.commit()

    rows = session.exec(text("SELECT * FROM audit_event")).all()
    assert len(rows) >= 8
    dumped = "\n".join(" ".join(str(value) for value in row) for row in rows)
    assert user.email in dumped  # the scan sees the lines' text (the account's own label)
    found = [s for s in secrets if s and s in dumped]
    assert found == []
    assert "password_hash" not in dumped and user.password_hash not in dumped


@pytest.mark.parametrize(
    "agent,words",
    [
        (FIREFOX, "Firefox on Windows"),
        (IPHONE, "Safari on an iPhone"),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
            "Microsoft Edge on Windows",
        ),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/130.0.0.0 Safari/537.36",
            "Chrome on a Mac",
        ),
        ("test-client", "a browser we did not recognise"),
        ("", "a browser we did not recognise"),
    ],
)
def test_the_device_is_named_in_a_few_words_never_by_its_whole_user_agent(agent, words):
    assert history.device_words(f"{HERE} {agent}") == words
