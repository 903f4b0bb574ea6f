"""Signing in and out, sessions, the sign-in waits and password resets (services/identity/auth.py,
sessions.py, lockout.py). What strangers at other addresses can and cannot do is in test_lockout.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlmodel import Session, func, select

from portal_app.models import AuthSession, OutboxMessage, PasswordReset, ThrottleHit
from portal_app.services import tokens
from portal_app.services.identity import auth, lockout, sessions
from portal_app.services.identity.sessions import SignInOutcome
from portal_app.settings import get_settings
from tests.factories import PASSWORD, PASSWORD_HASH, make_user

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)  # timestamps are aware UTC (portal_app.clock)
NEW_PASSWORD = "violet harbour tandem"
HERE = "198.51.100.7"  # the resident's own address


def sign_in(session: Session, email: str, password: str, at: datetime = NOW) -> SignInOutcome:
    outcome = auth.sign_in(session, email, password, client=f"{HERE} test-client", client_ip=HERE, now=at)
    session.commit()
    return outcome


def signed_in_token(session: Session, email: str = "ada@example.org", at: datetime = NOW) -> str:
    outcome = sign_in(session, email, PASSWORD, at)
    assert outcome.status == "signed_in"
    assert outcome.token
    return outcome.token


def resolve(session: Session, token: str | None, at: datetime) -> sessions.Principal | None:
    principal = sessions.resolve_session(session, token, now=at)
    session.commit()
    return principal


def mails(session: Session, kind: str) -> list[OutboxMessage]:
    return list(session.exec(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)).all())


def reset_token_from(message: OutboxMessage) -> str:
    match = re.search(r"\?token=([A-Za-z0-9_\-]+)", message.body_text)
    assert match, message.body_text
    return match.group(1)


def request_reset(session: Session, email: str = "ada@example.org", at: datetime = NOW) -> str:
    auth.request_password_reset(session, email, client_ip=HERE, now=at)
    session.commit()
    return reset_token_from(mails(session, "password_reset")[-1])


def fail_times(session: Session, count: int, start: datetime = NOW, email: str = "ada@example.org") -> list[str]:
    return [sign_in(session, email, "not the password", start + timedelta(seconds=10 * i)).status for i in range(count)]


# --- signing in ------------------------------------------------------------------


def test_the_right_password_signs_in_with_a_new_token_each_time(session):
    make_user(session)

    first = signed_in_token(session, at=NOW)
    second = signed_in_token(session, at=NOW + timedelta(minutes=1))

    assert first != second
    assert session.exec(select(func.count()).select_from(AuthSession)).one() == 2
    principal = resolve(session, second, NOW + timedelta(minutes=2))
    assert principal is not None
    assert (principal.first_name, principal.email) == ("Ada", "ada@example.org")
    # The token from the earlier sign-in is a separate session: it lasts until signed out.
    assert resolve(session, first, NOW + timedelta(minutes=2)) is not None
    sessions.sign_out(session, first, now=NOW + timedelta(minutes=3))
    session.commit()
    assert resolve(session, first, NOW + timedelta(minutes=4)) is None
    assert resolve(session, second, NOW + timedelta(minutes=4)) is not None


def test_the_email_is_matched_whatever_its_case_and_surrounding_spaces(session):
    make_user(session)

    assert sign_in(session, "  Ada@Example.ORG ", PASSWORD).status == "signed_in"


def test_an_unknown_email_a_wrong_password_and_a_closed_account_fail_the_same_way(session):
    make_user(session)
    make_user(session, email="gone@example.org", status="closed")

    unknown = sign_in(session, "nobody@example.org", PASSWORD)
    wrong = sign_in(session, "ada@example.org", "not the password")
    closed = sign_in(session, "gone@example.org", PASSWORD)

    assert unknown == wrong == closed == SignInOutcome("failed")
    assert session.exec(select(func.count()).select_from(AuthSession)).one() == 0


def test_wrong_passwords_never_lock_the_account_the_resident_just_waits_a_little(session):
    make_user(session)

    statuses = fail_times(session, 12)  # ten seconds apart

    # Five free tries, then 1, 2, 4, 8 ... seconds: every try ten seconds apart is still
    # checked until the wait passes ten seconds.
    assert statuses == ["failed"] * 9 + ["wait", "failed", "wait"]
    assert mails(session, "account_locked") == []
    # The tenth failure (100 seconds in) means 32 seconds before the next try is checked.
    assert sign_in(session, "ada@example.org", PASSWORD, NOW + timedelta(seconds=131)).status == "wait"
    assert sign_in(session, "ada@example.org", PASSWORD, NOW + timedelta(seconds=132)).status == "signed_in"


def test_nine_failures_and_the_right_password_sign_in_and_the_count_starts_again(session):
    user = make_user(session)

    assert fail_times(session, 9) == ["failed"] * 9

    assert sign_in(session, "ada@example.org", PASSWORD, NOW + timedelta(minutes=2)).status == "signed_in"
    # A completed sign-in forgets this address's failures at the account.
    pair = lockout.pair_key("ada@example.org", HERE)
    assert session.exec(select(func.count()).select_from(ThrottleHit).where(ThrottleHit.key == pair)).one() == 0
    assert sign_in(session, "ada@example.org", "a typo", NOW + timedelta(minutes=3)).status == "failed"
    session.refresh(user)
    assert user.last_sign_in_at == NOW + timedelta(minutes=2)


def test_failures_older_than_the_window_do_not_count(session):
    make_user(session)
    fail_times(session, 9, start=NOW)

    later = sign_in(session, "ada@example.org", "not the password", NOW + timedelta(minutes=61))

    assert later.status == "failed"
    assert sign_in(session, "ada@example.org", PASSWORD, NOW + timedelta(minutes=61)).status == "signed_in"


def test_a_try_inside_the_wait_is_answered_with_the_seconds_left(session):
    make_user(session)
    for _ in range(5):
        sign_in(session, "ada@example.org", "not the password", NOW)
    assert sign_in(session, "ada@example.org", "not the password", NOW + timedelta(seconds=1)).status == "failed"

    outcome = sign_in(session, "ada@example.org", PASSWORD, NOW + timedelta(seconds=1.5))

    assert outcome == SignInOutcome("wait", retry_after_seconds=2)  # 2 seconds after the 6th failure, rounded up


def test_an_unknown_email_waits_like_a_real_account(session):
    statuses = fail_times(session, 12, email="nobody@example.org")

    assert statuses == ["failed"] * 9 + ["wait", "failed", "wait"]
    assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == 0


# --- sessions --------------------------------------------------------------------


def test_the_session_token_is_stored_only_as_a_hash(session):
    make_user(session)

    token = signed_in_token(session)

    stored = session.exec(select(AuthSession)).one()
    assert stored.token_hash == tokens.hash_token(token, purpose="session")
    row = session.connection().execute(text("SELECT * FROM auth_session")).mappings().one()
    assert not any(token in str(value) for value in row.values())


def test_a_session_ends_after_thirty_minutes_without_use(session):
    make_user(session)
    token = signed_in_token(session)

    assert resolve(session, token, NOW + timedelta(minutes=29)) is not None
    assert resolve(session, token, NOW + timedelta(minutes=58)) is not None  # 29 minutes after last use
    assert resolve(session, token, NOW + timedelta(minutes=88)) is None  # 30 minutes after last use

    stored = session.exec(select(AuthSession)).one()
    assert (stored.ended_at, stored.ended_reason) == (NOW + timedelta(minutes=88), "idle")
    assert resolve(session, token, NOW + timedelta(minutes=89)) is None


def test_a_session_ends_after_twelve_hours_even_when_in_use(session):
    make_user(session)
    token = signed_in_token(session)

    moment = NOW
    while moment < NOW + timedelta(hours=12) - timedelta(minutes=20):
        moment += timedelta(minutes=20)
        assert resolve(session, token, moment) is not None, moment

    assert resolve(session, token, NOW + timedelta(hours=12)) is None
    assert session.exec(select(AuthSession)).one().ended_reason == "expired"


def test_using_a_session_records_the_time_at_most_once_a_minute(session):
    make_user(session)
    token = signed_in_token(session)

    resolve(session, token, NOW + timedelta(seconds=50))
    assert session.exec(select(AuthSession)).one().last_seen_at == NOW
    resolve(session, token, NOW + timedelta(seconds=61))
    assert session.exec(select(AuthSession)).one().last_seen_at == NOW + timedelta(seconds=61)


def test_a_missing_or_unknown_token_resolves_to_nobody(session):
    make_user(session)
    signed_in_token(session)

    assert resolve(session, None, NOW) is None
    assert resolve(session, "", NOW) is None
    assert resolve(session, "made-up-token", NOW) is None


def test_a_session_of_a_closed_account_resolves_to_nobody(session):
    user = make_user(session)
    token = signed_in_token(session)

    user.status = "closed"
    session.add(user)
    session.commit()

    assert resolve(session, token, NOW + timedelta(minutes=1)) is None


def test_signing_out_ends_the_session_on_the_server(session):
    make_user(session)
    token = signed_in_token(session)

    sessions.sign_out(session, token, now=NOW + timedelta(minutes=5))
    session.commit()

    stored = session.exec(select(AuthSession)).one()
    assert (stored.ended_at, stored.ended_reason) == (NOW + timedelta(minutes=5), "signed_out")
    assert resolve(session, token, NOW + timedelta(minutes=6)) is None
    sessions.sign_out(session, token, now=NOW + timedelta(minutes=7))  # twice is harmless
    sessions.sign_out(session, None, now=NOW + timedelta(minutes=7))
    session.commit()
    assert session.exec(select(AuthSession)).one().ended_at == NOW + timedelta(minutes=5)


def test_signing_out_everywhere_ends_every_session_of_that_account_only(session):
    ada = make_user(session)
    make_user(session, email="bo@example.org", first_name="Bo")
    phone = signed_in_token(session, at=NOW)
    laptop = signed_in_token(session, at=NOW + timedelta(minutes=1))
    other = signed_in_token(session, "bo@example.org", at=NOW)

    ended = sessions.sign_out_everywhere(session, ada.id, now=NOW + timedelta(minutes=2))
    session.commit()

    assert ended == 2
    assert resolve(session, phone, NOW + timedelta(minutes=3)) is None
    assert resolve(session, laptop, NOW + timedelta(minutes=3)) is None
    assert resolve(session, other, NOW + timedelta(minutes=3)) is not None


def test_the_previous_sign_in_time_is_the_one_before_this_sign_in(session):
    user = make_user(session)

    signed_in_token(session, at=NOW)
    summary = auth.security_summary(session, user.id)
    assert (summary.previous_sign_in_at, summary.last_sign_in_at) == (None, NOW)

    signed_in_token(session, at=NOW + timedelta(days=2))
    summary = auth.security_summary(session, user.id)
    assert (summary.previous_sign_in_at, summary.last_sign_in_at) == (NOW, NOW + timedelta(days=2))
    assert (summary.two_step_enabled, summary.recovery_codes_left) == (False, 0)


# --- forgotten password ----------------------------------------------------------


def test_the_reset_email_link_starts_with_the_base_url(session):
    make_user(session)

    auth.request_password_reset(session, "ada@example.org", client_ip=HERE, now=NOW)
    session.commit()

    [message] = mails(session, "password_reset")
    assert message.to_address == "ada@example.org"
    link = re.search(r"\S+\?token=\S+", message.body_text).group(0)
    assert link.startswith(f"{get_settings().base_url}/api/reset?token=")
    token = reset_token_from(message)
    assert session.exec(select(PasswordReset)).one().token_hash == tokens.hash_token(token, purpose="reset")


def test_a_reset_for_an_unknown_email_queues_no_mail_and_returns_the_same(session):
    make_user(session)
    make_user(session, email="gone@example.org", status="closed")

    unknown = auth.request_password_reset(session, "nobody@example.org", client_ip=HERE, now=NOW)
    closed = auth.request_password_reset(session, "gone@example.org", client_ip=HERE, now=NOW)
    known = auth.request_password_reset(session, "ada@example.org", client_ip=HERE, now=NOW)
    session.commit()

    assert unknown is closed is known is None
    assert [m.to_address for m in session.exec(select(OutboxMessage)).all()] == ["ada@example.org"]
    assert session.exec(select(func.count()).select_from(PasswordReset)).one() == 1


def test_a_password_reset_forgets_the_failures_and_ends_every_session(session):
    user = make_user(session)
    token = signed_in_token(session)
    fail_times(session, 12, start=NOW + timedelta(minutes=1))
    assert sign_in(session, "ada@example.org", PASSWORD, NOW + timedelta(minutes=3)).status == "wait"

    reset = request_reset(session, at=NOW + timedelta(minutes=5))
    problem = auth.reset_password(session, reset, NEW_PASSWORD, now=NOW + timedelta(minutes=10))
    session.commit()

    assert problem is None
    session.refresh(user)
    assert user.password_changed_at == NOW + timedelta(minutes=10)
    assert session.exec(select(AuthSession)).one().ended_reason == "password_reset"
    assert resolve(session, token, NOW + timedelta(minutes=11)) is None
    assert sign_in(session, "ada@example.org", PASSWORD, NOW + timedelta(minutes=12)).status == "failed"
    assert sign_in(session, "ada@example.org", NEW_PASSWORD, NOW + timedelta(minutes=12)).status == "signed_in"
    assert len(mails(session, "password_changed")) == 1


def test_the_new_password_is_stored_only_as_an_argon2_hash(session):
    user = make_user(session)
    reset = request_reset(session)

    auth.reset_password(session, reset, NEW_PASSWORD, now=NOW + timedelta(minutes=1))
    session.commit()

    session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")
    for table in ("portal_user", "password_reset", "auth_session", "outbox_message"):
        for row in session.connection().execute(text(f"SELECT * FROM {table}")).mappings():
            assert not any(NEW_PASSWORD in str(value) for value in row.values()), table


def test_a_reset_link_works_once(session):
    make_user(session)
    reset = request_reset(session)

    assert auth.reset_password(session, reset, NEW_PASSWORD, now=NOW + timedelta(minutes=1)) is None
    session.commit()

    assert not auth.reset_token_is_valid(session, reset, now=NOW + timedelta(minutes=2))
    assert (
        auth.reset_password(session, reset, "another fine password", now=NOW + timedelta(minutes=2))
        == auth.RESET_LINK_PROBLEM
    )


def test_a_reset_link_expires_after_thirty_minutes(session):
    make_user(session)
    reset = request_reset(session)

    assert auth.reset_token_is_valid(session, reset, now=NOW + timedelta(minutes=29, seconds=59))
    assert not auth.reset_token_is_valid(session, reset, now=NOW + timedelta(minutes=30))
    assert auth.reset_password(session, reset, NEW_PASSWORD, now=NOW + timedelta(minutes=30)) == auth.RESET_LINK_PROBLEM


def test_a_newer_reset_request_leaves_the_older_link_working_until_one_is_used(session):
    make_user(session)
    older = request_reset(session, at=NOW)
    newer = request_reset(session, at=NOW + timedelta(minutes=1))

    assert older != newer
    assert auth.reset_token_is_valid(session, older, now=NOW + timedelta(minutes=2))
    assert auth.reset_token_is_valid(session, newer, now=NOW + timedelta(minutes=2))
    assert auth.reset_password(session, newer, NEW_PASSWORD, now=NOW + timedelta(minutes=3)) is None
    assert not auth.reset_token_is_valid(session, older, now=NOW + timedelta(minutes=4))


def test_a_weak_new_password_is_refused_and_the_link_still_works(session):
    make_user(session)
    reset = request_reset(session)

    assert auth.reset_password(session, reset, "short", now=NOW) == "Password must be 12 characters or more"
    assert auth.reset_password(session, reset, "ada@example.org", now=NOW) is not None  # built from the email
    assert auth.reset_token_is_valid(session, reset, now=NOW)


def test_an_unknown_reset_token_is_not_valid(session):
    make_user(session)
    request_reset(session)

    assert not auth.reset_token_is_valid(session, "made-up", now=NOW)
    assert not auth.reset_token_is_valid(session, "", now=NOW)


# --- changing the password -------------------------------------------------------


def test_changing_the_password_keeps_this_session_and_ends_the_others(session):
    user = make_user(session)
    here = signed_in_token(session, at=NOW)
    elsewhere = signed_in_token(session, at=NOW + timedelta(minutes=1))

    errors = auth.change_password(
        session, user.id, PASSWORD, NEW_PASSWORD, keep_token=here, now=NOW + timedelta(minutes=2)
    )
    session.commit()

    assert errors == {}
    assert resolve(session, here, NOW + timedelta(minutes=3)) is not None
    assert resolve(session, elsewhere, NOW + timedelta(minutes=3)) is None
    assert {s.ended_reason for s in session.exec(select(AuthSession)).all()} == {None, "password_changed"}
    assert len(mails(session, "password_changed")) == 1


def test_changing_the_password_needs_the_current_one_and_a_good_new_one(session):
    user = make_user(session)

    wrong = auth.change_password(session, user.id, "not it", NEW_PASSWORD, keep_token=None, now=NOW)
    weak = auth.change_password(session, user.id, PASSWORD, "password1234", keep_token=None, now=NOW)
    same = auth.change_password(session, user.id, PASSWORD, PASSWORD, keep_token=None, now=NOW)

    assert list(wrong) == ["current_password"]
    assert list(weak) == ["new_password"]
    assert list(same) == ["new_password"]
    session.refresh(user)
    assert user.password_hash == PASSWORD_HASH


def test_not_you_ends_every_session_and_sends_a_reset_link_together(session):
    user = make_user(session)
    first, second = signed_in_token(session, at=NOW), signed_in_token(session, at=NOW + timedelta(minutes=1))

    ended = auth.not_me(session, user.id, now=NOW + timedelta(minutes=2))
    session.commit()

    assert ended == 2
    assert resolve(session, first, NOW + timedelta(minutes=3)) is None
    assert resolve(session, second, NOW + timedelta(minutes=3)) is None
    [message] = mails(session, "password_reset")
    assert message.to_address == "ada@example.org"
