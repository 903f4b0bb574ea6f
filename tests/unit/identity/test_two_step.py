"""Two-step sign-in with an authenticator app, and recovery codes (services/two_step.py)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
from sqlalchemy import text
from sqlmodel import Session, func, select

from portal_app.models import AuthSession, OutboxMessage, PortalUser, RecoveryCode
from portal_app.services import tokens
from portal_app.services.identity import auth, sessions, two_step
from portal_app.services.identity import jobs as identity_jobs
from tests.factories import PASSWORD, make_user

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)  # timestamps are aware UTC (portal_app.clock)
EMAIL = "ada@example.org"
HERE = "198.51.100.7"  # the resident's own address


def code_at(secret: str, moment: datetime) -> str:
    """The app's code at a moment (given to pyotp as an aware UTC time, never local time)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return pyotp.TOTP(secret).at(aware)


def wrong_code(secret: str, moment: datetime) -> str:
    """A six-digit code that is not valid for any step in the drift window around ``moment``."""
    valid = {code_at(secret, moment + timedelta(seconds=30 * offset)) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


def with_two_step(session: Session) -> tuple[PortalUser, str, list[str]]:
    """A resident who turned two-step on at NOW. Returns (user, secret, recovery codes)."""
    user = make_user(session)
    setup = two_step.begin_setup(EMAIL, issuer="Northbrook Homes")
    codes = two_step.confirm_setup(session, user.id, setup.secret, code_at(setup.secret, NOW), now=NOW)
    session.commit()
    assert codes is not None
    return user, setup.secret, codes


def password_step(session: Session, at: datetime) -> str:
    outcome = auth.sign_in(session, EMAIL, PASSWORD, client="test-client", client_ip=HERE, now=at)
    session.commit()
    assert outcome.status == "two_step", outcome
    assert outcome.token is None
    assert outcome.two_step_token
    return outcome.two_step_token


def second_step(session: Session, ticket: str, code: str, at: datetime) -> sessions.SignInOutcome:
    outcome = two_step.complete_two_step(session, ticket, code, client="test-client", client_ip=HERE, now=at)
    session.commit()
    return outcome


def session_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(AuthSession)).one()


# --- setup -----------------------------------------------------------------------


def test_setup_offers_a_qr_code_and_the_key_in_groups_of_four():
    setup = two_step.begin_setup(EMAIL, issuer="Northbrook Homes")

    assert re.fullmatch(r"[A-Z2-7]{32}", setup.secret)
    assert setup.grouped_secret.replace(" ", "") == setup.secret
    assert all(len(group) == 4 for group in setup.grouped_secret.split(" "))
    assert setup.otpauth_uri.startswith("otpauth://totp/Northbrook%20Homes:ada%40example.org?")
    assert f"secret={setup.secret}" in setup.otpauth_uri
    assert setup.qr_svg.startswith("<svg ") and setup.qr_svg.rstrip().endswith("</svg>")
    assert 'role="img"' in setup.qr_svg
    assert two_step.begin_setup(EMAIL, issuer="Northbrook Homes").secret != setup.secret


def test_confirming_setup_with_a_valid_code_returns_ten_distinct_recovery_codes(session):
    user, secret, codes = with_two_step(session)

    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-km-np-z2-9]{4}-[a-km-np-z2-9]{4}", code) for code in codes), codes
    session.refresh(user)
    assert user.totp_enabled
    assert user.totp_secret_enc and secret not in user.totp_secret_enc
    assert tokens.decrypt(user.totp_secret_enc) == secret
    stored = {row.code_hash for row in session.exec(select(RecoveryCode)).all()}
    assert stored == {tokens.hash_token(code.replace("-", ""), purpose="recovery") for code in codes}
    for row in session.connection().execute(text("SELECT * FROM recovery_code")).mappings():
        assert not any(
            code.replace("-", "") in str(value) or code in str(value) for value in row.values() for code in codes
        )
    summary = auth.security_summary(session, user.id)
    assert (summary.two_step_enabled, summary.recovery_codes_left) == (True, 10)
    assert [m.kind for m in session.exec(select(OutboxMessage)).all()] == ["two_step_on"]


def test_a_wrong_code_does_not_turn_two_step_on(session):
    user = make_user(session)
    setup = two_step.begin_setup(EMAIL, issuer="Northbrook Homes")
    right = code_at(setup.secret, NOW)
    wrong = wrong_code(setup.secret, NOW)

    assert two_step.confirm_setup(session, user.id, setup.secret, wrong, now=NOW) is None
    assert two_step.confirm_setup(session, user.id, setup.secret, "", now=NOW) is None
    assert two_step.confirm_setup(session, user.id, "not-a-key", right, now=NOW) is None
    session.commit()

    session.refresh(user)
    assert (user.totp_enabled, user.totp_secret_enc) == (False, None)
    assert session.exec(select(func.count()).select_from(RecoveryCode)).one() == 0


def test_a_setup_under_way_keeps_its_key_on_the_server_encrypted_until_the_first_code_turns_two_step_on(session):
    user = make_user(session)

    setup = two_step.start_setup(session, user.id, issuer="Northbrook Homes", now=NOW)
    session.commit()
    session.refresh(user)

    assert setup.grouped_secret.replace(" ", "") == setup.secret and setup.qr_svg.startswith("<svg ")
    assert user.totp_pending_enc and setup.secret not in user.totp_pending_enc
    assert tokens.decrypt(user.totp_pending_enc) == setup.secret
    assert user.totp_pending_expires_at == NOW + two_step.SETUP_VALID
    assert not user.totp_enabled

    wrong = two_step.confirm_pending_setup(session, user.id, wrong_code(setup.secret, NOW), now=NOW)
    assert (wrong.outcome, wrong.recovery_codes) == ("wrong_code", ())
    result = two_step.confirm_pending_setup(
        session, user.id, code_at(setup.secret, NOW + timedelta(minutes=1)), now=NOW + timedelta(minutes=1)
    )
    session.commit()
    session.refresh(user)

    assert result.outcome == "on" and len(set(result.recovery_codes)) == 10
    assert user.totp_enabled and tokens.decrypt(user.totp_secret_enc) == setup.secret
    assert (user.totp_pending_enc, user.totp_pending_expires_at) == (None, None)
    again = two_step.confirm_pending_setup(session, user.id, code_at(setup.secret, NOW), now=NOW)
    assert again.outcome == "expired"  # nothing under way any more


def test_a_setup_left_longer_than_fifteen_minutes_must_be_started_again(session):
    user = make_user(session)
    setup = two_step.start_setup(session, user.id, issuer="Northbrook Homes", now=NOW)
    late = NOW + two_step.SETUP_VALID

    result = two_step.confirm_pending_setup(session, user.id, code_at(setup.secret, late), now=late)
    session.commit()
    session.refresh(user)

    assert result.outcome == "expired"
    assert (user.totp_enabled, user.totp_pending_enc, user.totp_pending_expires_at) == (False, None, None)


def test_a_new_setup_replaces_the_key_of_the_one_before_and_a_cancelled_one_forgets_its_key(session, monkeypatch):
    user = make_user(session)
    keys = iter(["JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "KRUGS4ZANFZSAYJAORSXG5BAMFRGGZDF"])
    monkeypatch.setattr(pyotp, "random_base32", lambda *a, **k: next(keys))
    first = two_step.start_setup(session, user.id, issuer="Northbrook Homes", now=NOW)
    second = two_step.start_setup(session, user.id, issuer="Northbrook Homes", now=NOW)
    assert code_at(first.secret, NOW) not in {code_at(second.secret, NOW + timedelta(seconds=s)) for s in (-30, 0, 30)}

    assert two_step.confirm_pending_setup(session, user.id, code_at(first.secret, NOW), now=NOW).outcome == "wrong_code"
    two_step.abandon_setup(session, user.id)
    session.commit()
    session.refresh(user)

    assert user.totp_pending_enc is None
    assert two_step.confirm_pending_setup(session, user.id, code_at(second.secret, NOW), now=NOW).outcome == "expired"


def test_no_setup_starts_for_a_closed_account(session):
    user = make_user(session, status="closed")

    assert two_step.start_setup(session, user.id, issuer="Northbrook Homes", now=NOW) is None
    session.refresh(user)
    assert user.totp_pending_enc is None


def test_housekeeping_forgets_setup_keys_left_past_their_time_and_keeps_ones_under_way(db, session):
    late = make_user(session, email="late@example.org")
    busy = make_user(session, email="busy@example.org")
    two_step.start_setup(session, late.id, issuer="Northbrook Homes", now=NOW)
    two_step.start_setup(session, busy.id, issuer="Northbrook Homes", now=NOW + timedelta(minutes=10))
    session.commit()

    assert identity_jobs.forget_abandoned_two_step_setups(engine=db, now=NOW + two_step.SETUP_VALID) == 1
    session.refresh(late)
    session.refresh(busy)
    assert (late.totp_pending_enc, busy.totp_pending_enc is not None) == (None, True)


def test_turning_two_step_off_forgets_a_setup_under_way_too(session):
    user, _, _ = with_two_step(session)
    two_step.start_setup(session, user.id, issuer="Northbrook Homes", now=NOW)

    assert two_step.disable(session, user.id, PASSWORD, now=NOW) is True
    session.refresh(user)
    assert user.totp_pending_enc is None


# --- signing in ------------------------------------------------------------------


def test_signing_in_asks_for_the_second_step_and_creates_no_session_until_the_code(session):
    user, secret, _ = with_two_step(session)
    at = NOW + timedelta(minutes=5)

    ticket = password_step(session, at)

    assert session_count(session) == 0
    outcome = second_step(session, ticket, code_at(secret, at), at + timedelta(seconds=20))
    assert outcome.status == "signed_in"
    assert outcome.two_step_token is None
    assert session_count(session) == 1
    principal = sessions.resolve_session(session, outcome.token, now=at + timedelta(minutes=1))
    assert principal is not None and principal.user_id == user.id
    session.refresh(user)
    assert user.last_sign_in_at == at + timedelta(seconds=20)


def test_the_same_code_cannot_be_used_twice(session):
    _, secret, _ = with_two_step(session)
    at = NOW + timedelta(minutes=5)
    code = code_at(secret, at)

    first = second_step(session, password_step(session, at), code, at + timedelta(seconds=1))
    again = second_step(session, password_step(session, at + timedelta(seconds=5)), code, at + timedelta(seconds=6))

    assert first.status == "signed_in"
    assert again.status == "failed"
    assert session_count(session) == 1


def test_a_code_from_before_the_last_accepted_one_is_refused(session):
    _, secret, _ = with_two_step(session)
    at = NOW + timedelta(minutes=5)
    earlier = code_at(secret, at - timedelta(seconds=30))  # still inside the drift window
    now_code = code_at(secret, at)

    assert second_step(session, password_step(session, at), now_code, at).status == "signed_in"
    assert second_step(session, password_step(session, at), earlier, at).status == "failed"


def test_the_setup_code_cannot_be_used_to_sign_in(session):
    _, secret, _ = with_two_step(session)

    ticket = password_step(session, NOW + timedelta(seconds=10))

    assert second_step(session, ticket, code_at(secret, NOW), NOW + timedelta(seconds=11)).status == "failed"


def test_a_recovery_code_works_once_only(session):
    user, _, codes = with_two_step(session)
    at = NOW + timedelta(minutes=5)

    typed = codes[3].upper().replace("-", " ")  # as someone might type it
    first = second_step(session, password_step(session, at), typed, at)
    again = second_step(session, password_step(session, at + timedelta(minutes=1)), codes[3], at + timedelta(minutes=1))

    assert first.status == "signed_in"
    assert again.status == "failed"
    assert auth.security_summary(session, user.id).recovery_codes_left == 9
    assert len(session.exec(select(OutboxMessage).where(OutboxMessage.kind == "recovery_code_used")).all()) == 1


def test_an_expired_two_step_token_is_refused(session):
    _, secret, _ = with_two_step(session)
    at = NOW + timedelta(minutes=5)
    ticket = password_step(session, at)
    late = at + two_step.TWO_STEP_VALID + timedelta(seconds=1)

    outcome = second_step(session, ticket, code_at(secret, late), late)

    assert outcome.status == "expired"
    assert session_count(session) == 0


def test_a_tampered_two_step_token_is_refused(session):
    user, secret, _ = with_two_step(session)
    other = make_user(session, email="bo@example.org")
    at = NOW + timedelta(minutes=5)
    ticket = password_step(session, at)
    user_part, issued, nonce, mac = ticket.split(".")
    code = code_at(secret, at)

    forged = [
        f"{other.id}.{issued}.{nonce}.{mac}",
        f"{user_part}.{int(issued) + 600}.{nonce}.{mac}",
        f"{user_part}.{issued}.{nonce}.{'0' * len(mac)}",
        f"{user_part}.{issued}.{nonce}",
        "",
        "nonsense",
    ]
    assert [second_step(session, bad, code, at).status for bad in forged] == ["expired"] * len(forged)
    assert session_count(session) == 0
    assert second_step(session, ticket, code, at).status == "signed_in"
    assert user.id != other.id


def test_a_two_step_token_works_once(session):
    _, secret, _ = with_two_step(session)
    at = NOW + timedelta(minutes=5)
    ticket = password_step(session, at)

    assert second_step(session, ticket, code_at(secret, at), at).status == "signed_in"
    assert (
        second_step(session, ticket, code_at(secret, at + timedelta(seconds=30)), at + timedelta(seconds=30)).status
        == "expired"
    )
    assert session_count(session) == 1


def test_wrong_codes_make_this_address_wait_like_wrong_passwords_and_never_lock_the_account(session):
    user, secret, _ = with_two_step(session)
    at = NOW + timedelta(minutes=5)
    ticket = password_step(session, at)
    right = code_at(secret, at)
    wrong = wrong_code(secret, at)

    statuses = [second_step(session, ticket, wrong, at).status for _ in range(7)]

    assert statuses == ["failed"] * 5 + ["wait"] * 2
    assert second_step(session, ticket, right, at) == sessions.SignInOutcome("wait", retry_after_seconds=1)
    # After the wait the same two-step token still works with the right code.
    assert second_step(session, ticket, right, at + timedelta(seconds=1)).status == "signed_in"
    assert session_count(session) == 1


def test_a_password_change_expires_an_outstanding_two_step_token(session):
    user, secret, _ = with_two_step(session)
    at = NOW + timedelta(minutes=5)
    ticket = password_step(session, at)

    user.password_changed_at = at + timedelta(seconds=5)
    session.add(user)
    session.commit()

    assert second_step(session, ticket, code_at(secret, at), at + timedelta(seconds=10)).status == "expired"


# --- managing two-step -----------------------------------------------------------


def test_turning_two_step_off_needs_the_password(session):
    user, _, _ = with_two_step(session)

    assert two_step.disable(session, user.id, "not the password", now=NOW) is False
    session.refresh(user)
    assert user.totp_enabled

    assert two_step.disable(session, user.id, PASSWORD, now=NOW) is True
    session.commit()
    session.refresh(user)
    assert (user.totp_enabled, user.totp_secret_enc, user.totp_last_step) == (False, None, None)
    assert session.exec(select(func.count()).select_from(RecoveryCode)).one() == 0
    outcome = auth.sign_in(
        session, EMAIL, PASSWORD, client="test-client", client_ip=HERE, now=NOW + timedelta(minutes=1)
    )
    assert outcome.status == "signed_in"


def test_new_recovery_codes_replace_the_old_ones(session):
    user, _, old = with_two_step(session)

    new = two_step.regenerate_recovery_codes(session, user.id, now=NOW + timedelta(minutes=1))
    session.commit()

    assert len(set(new)) == 10 and not set(new) & set(old)
    at = NOW + timedelta(minutes=5)
    assert second_step(session, password_step(session, at), old[0], at).status == "failed"
    assert second_step(session, password_step(session, at), new[0], at).status == "signed_in"


def test_new_recovery_codes_are_not_made_while_two_step_is_off(session):
    user = make_user(session)

    assert two_step.regenerate_recovery_codes(session, user.id, now=NOW) == []
    assert session.exec(select(func.count()).select_from(RecoveryCode)).one() == 0


def test_a_session_alone_cannot_move_two_step_to_another_phone_while_it_is_on(session):
    user = make_user(session)
    setup = two_step.start_setup(session, user.id, issuer="Northbrook Homes", now=NOW)
    two_step.confirm_pending_setup(session, user.id, code_at(setup.secret, NOW), now=NOW)
    session.commit()
    session.refresh(user)
    key_before = tokens.decrypt(user.totp_secret_enc)

    # Someone with the open session asks for a new key: refused; two-step stays on the first phone.
    assert two_step.start_setup(session, user.id, issuer="Northbrook Homes", now=NOW + timedelta(minutes=2)) is None
    session.commit()
    session.refresh(user)
    assert user.totp_enabled and user.totp_pending_enc is None
    assert tokens.decrypt(user.totp_secret_enc) == key_before
