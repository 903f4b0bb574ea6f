"""A stranger cannot lock a resident out (services/identity/lockout.py, resets.py,
docs/security-policy.md): sign-in waits, the extra check, and the reset-email caps, each
exercised from two client addresses, an attacker's and the resident's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from argon2 import PasswordHasher
from sqlmodel import Session, func, select

from portal_app.models import AuthSession, OutboxMessage, PortalUser
from portal_app.services import throttle
from portal_app.services.identity import auth, passwords, two_step
from portal_app.services.identity.sessions import SignInOutcome
from tests.factories import PASSWORD, make_user

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
EMAIL = "ada@example.org"
ATTACKER = "203.0.113.9"
RESIDENT = "198.51.100.7"
OFFICE = "192.0.2.44"
NEW_PASSWORD = "violet harbour tandem"


@pytest.fixture(autouse=True)
def quick_unknown_emails(monkeypatch):
    """Tries at emails without an account check a dummy hash as slow as a real one; these
    tests make hundreds of them, so give the dummy the factories' cheap argon2 settings."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("not anyone's password")
    monkeypatch.setattr(passwords, "DUMMY_HASH", cheap)


# --- the resident's and the attacker's browsers --------------------------------------


def sign_in(
    session: Session, password: str, *, ip: str, at: datetime, email: str = EMAIL, agent: str = "Firefox/140.0"
) -> SignInOutcome:
    outcome = auth.sign_in(session, email, password, client=f"{ip} {agent}", client_ip=ip, now=at)
    session.commit()
    return outcome


def second_step(session: Session, ticket: str, code: str, *, ip: str, at: datetime) -> SignInOutcome:
    outcome = two_step.complete_two_step(session, ticket, code, client=f"{ip} Firefox/140.0", client_ip=ip, now=at)
    session.commit()
    return outcome


def ask_for_reset(session: Session, *, ip: str, at: datetime, email: str = EMAIL) -> None:
    assert auth.request_password_reset(session, email, client_ip=ip, now=at) is None  # the same answer, always
    session.commit()


def many_addresses(count: int) -> list[str]:
    """Addresses of a botnet (from the shared address space, none of them the attacker's or the resident's)."""
    return [f"100.64.{n // 250}.{n % 250 + 1}" for n in range(count)]


def guess_from_many_addresses(session: Session, count: int, *, at: datetime, email: str = EMAIL) -> None:
    """A distributed attack: one wrong password from each of ``count`` addresses."""
    for n, ip in enumerate(many_addresses(count)):
        assert sign_in(session, f"guess {n}", ip=ip, at=at + timedelta(seconds=n), email=email).status in (
            "failed",
            "check_email",
        )


def mails(session: Session, kind: str | None = None, to: str = EMAIL) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).where(OutboxMessage.to_address == to).order_by(OutboxMessage.id)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list(session.exec(stmt).all())


def link_in(message: OutboxMessage) -> str:
    found = re.search(r"\?token=([A-Za-z0-9_\-]+)", message.body_text)
    assert found, message.body_text
    return found.group(1)


def working_links(session: Session, at: datetime, to: str = EMAIL) -> list[str]:
    return [
        token
        for token in map(link_in, mails(session, "password_reset", to))
        if auth.reset_token_is_valid(session, token, now=at)
    ]


def sessions_of(session: Session, user: PortalUser) -> int:
    return session.exec(select(func.count()).select_from(AuthSession).where(AuthSession.user_id == user.id)).one()


def choose_new_password(session: Session, token: str, at: datetime) -> None:
    assert auth.reset_password(session, token, NEW_PASSWORD, now=at) is None
    session.commit()


def with_two_step(session: Session, email: str = EMAIL) -> tuple[PortalUser, str]:
    user = make_user(session, email=email)
    setup = two_step.begin_setup(email, issuer="Northbrook Homes")
    assert two_step.confirm_setup(session, user.id, setup.secret, pyotp.TOTP(setup.secret).at(NOW), now=NOW)
    session.commit()
    return user, setup.secret


def code_at(secret: str, moment: datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def wrong_code(secret: str, moment: datetime) -> str:
    valid = {code_at(secret, moment + timedelta(seconds=30 * offset)) for offset in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in valid)


# --- one address failing at one account ---------------------------------------------


def test_ten_wrong_passwords_in_three_seconds_cannot_stop_the_resident_signing_in_from_her_own_address(session):
    user = make_user(session)

    attacker = [sign_in(session, "not it", ip=ATTACKER, at=NOW + timedelta(seconds=n * 0.1)).status for n in range(10)]
    resident = sign_in(session, PASSWORD, ip=RESIDENT, at=NOW + timedelta(seconds=3))

    assert resident.status == "signed_in" and resident.token
    assert sessions_of(session, user) == 1
    assert attacker == ["failed"] * 5 + ["wait"] * 5
    assert mails(session) == []  # nothing to worry the resident about


def test_the_attacker_waits_longer_after_each_failure_and_a_try_inside_the_wait_is_not_even_checked(session):
    make_user(session)
    moment = NOW
    assert [sign_in(session, "not it", ip=ATTACKER, at=moment).status for _ in range(5)] == ["failed"] * 5

    waits = []
    for _ in range(12):
        told = sign_in(session, "still not it", ip=ATTACKER, at=moment)
        assert told.status == "wait"
        waits.append(told.retry_after_seconds)
        # Even the right password is refused inside the wait, and the refusal is not counted.
        assert sign_in(session, PASSWORD, ip=ATTACKER, at=moment) == SignInOutcome(
            "wait", retry_after_seconds=waits[-1]
        )
        moment += timedelta(seconds=told.retry_after_seconds)
        assert sign_in(session, "wrong again", ip=ATTACKER, at=moment).status == "failed"

    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]  # capped at 15 minutes
    # When the wait is over, the right password from that address signs in as usual.
    final = sign_in(session, PASSWORD, ip=ATTACKER, at=moment + timedelta(seconds=900))
    assert final.status == "signed_in"


def test_changing_the_user_agent_does_not_reset_the_attackers_count(session):
    make_user(session)

    statuses = [
        sign_in(session, "not it", ip=ATTACKER, at=NOW, agent=f"Mozilla/5.0 (bot {n})").status for n in range(8)
    ]

    assert statuses == ["failed"] * 5 + ["wait"] * 3


def test_an_attacker_cannot_dodge_the_waits_by_changing_the_last_half_of_an_ipv6_address(session):
    make_user(session)

    statuses = [sign_in(session, "not it", ip=f"2001:db8:1:2::{n:x}", at=NOW).status for n in range(1, 9)]
    elsewhere = sign_in(session, PASSWORD, ip="2001:db8:9:9::1", at=NOW)

    assert statuses == ["failed"] * 5 + ["wait"] * 3
    assert elsewhere.status == "signed_in"


def test_an_email_with_no_account_gets_the_same_waits_and_answers_as_a_real_one(session):
    make_user(session)

    def answers(email: str) -> list[tuple[str, int]]:
        seen = [sign_in(session, "not it", ip=ATTACKER, at=NOW, email=email) for _ in range(7)]
        guess_from_many_addresses(session, 50, at=NOW + timedelta(minutes=1), email=email)
        seen.append(sign_in(session, "anything", ip=RESIDENT, at=NOW + timedelta(minutes=5), email=email))
        return [(outcome.status, outcome.retry_after_seconds) for outcome in seen]

    real, unknown = answers(EMAIL), answers("nobody@example.org")

    assert real == unknown == [("failed", 0)] * 5 + [("wait", 1)] * 2 + [("check_email", 0)]


# --- many addresses at one account, and one address at many accounts ---------------------


def test_guessing_at_one_account_from_many_addresses_asks_for_the_emailed_link_and_never_locks_the_resident_out(
    session,
):
    user = make_user(session)
    guess_from_many_addresses(session, 50, at=NOW)
    later = NOW + timedelta(minutes=2)

    # A wrong password and the right one get the same answer, so a guesser learns nothing ...
    assert sign_in(session, "one more guess", ip="203.0.113.200", at=later) == SignInOutcome("check_email")
    assert mails(session, "password_reset") == []
    resident = sign_in(session, PASSWORD, ip=RESIDENT, at=later)
    assert resident == SignInOutcome("check_email")
    assert sessions_of(session, user) == 0
    # ... but the right one emails the owner a link, and with it she is back in.
    [check] = mails(session, "password_reset")
    assert check.subject.startswith("Check it is you")
    choose_new_password(session, link_in(check), later + timedelta(minutes=3))
    assert sign_in(session, NEW_PASSWORD, ip=RESIDENT, at=later + timedelta(minutes=4)).status == "signed_in"


def test_at_an_address_she_has_signed_in_from_before_the_resident_needs_only_her_password_during_such_an_attack(
    session,
):
    user = make_user(session)
    assert sign_in(session, PASSWORD, ip=RESIDENT, at=NOW - timedelta(days=20)).status == "signed_in"
    guess_from_many_addresses(session, 80, at=NOW)

    at_home = sign_in(session, PASSWORD, ip=RESIDENT, at=NOW + timedelta(minutes=3))
    elsewhere = sign_in(session, PASSWORD, ip=ATTACKER, at=NOW + timedelta(minutes=3))

    assert at_home.status == "signed_in"
    assert elsewhere == SignInOutcome("check_email")
    assert sessions_of(session, user) == 2  # the one from 20 days ago, and today's at home


def test_the_owner_is_told_once_a_day_that_someone_is_trying_to_sign_in(session):
    make_user(session)

    guess_from_many_addresses(session, 70, at=NOW)
    [warning] = mails(session, "sign_in_attempts")
    guess_from_many_addresses(session, 70, at=NOW + timedelta(hours=3))
    assert len(mails(session, "sign_in_attempts")) == 1
    guess_from_many_addresses(session, 70, at=NOW + timedelta(days=1, minutes=1))

    assert len(mails(session, "sign_in_attempts")) == 2
    assert "Your account is not locked" in warning.body_text
    assert "/forgot-password" in warning.body_text


def test_with_two_step_on_the_code_from_the_app_is_the_extra_check(session):
    user, secret = with_two_step(session)
    guess_from_many_addresses(session, 60, at=NOW)
    at = NOW + timedelta(minutes=2)

    first = sign_in(session, PASSWORD, ip=RESIDENT, at=at)
    assert first.status == "two_step" and first.two_step_token
    second = second_step(session, first.two_step_token, code_at(secret, at), ip=RESIDENT, at=at)

    assert second.status == "signed_in"
    assert sessions_of(session, user) == 1
    assert mails(session, "password_reset") == []


def test_a_flood_of_wrong_passwords_from_one_office_address_never_stops_a_resident_there_signing_in(session):
    regular = make_user(session, email="regular@example.org")
    newcomer = make_user(session, email="newcomer@example.org")
    assert sign_in(session, PASSWORD, ip=OFFICE, at=NOW - timedelta(days=1), email=regular.email).status == "signed_in"
    # Thirty residents at the office each mistype once and sign in straight away ...
    for n in range(30):
        colleague = make_user(session, email=f"resident{n}@example.org")
        at = NOW + timedelta(seconds=10 * n)
        assert sign_in(session, "typo", ip=OFFICE, at=at, email=colleague.email).status == "failed"
        assert sign_in(session, PASSWORD, ip=OFFICE, at=at, email=colleague.email).status == "signed_in"
    # ... then someone there tries one password at 150 email addresses in ten minutes.
    for n in range(150):
        sign_in(
            session, "Summer2026!", ip=OFFICE, at=NOW + timedelta(minutes=5, seconds=4 * n), email=f"x{n}@example.org"
        )
    later = NOW + timedelta(minutes=16)

    # A resident who has signed in at the office before signs in as usual ...
    assert sign_in(session, PASSWORD, ip=OFFICE, at=later, email=regular.email).status == "signed_in"
    # ... the sprayer's right guess at a newcomer's account gets the same answer as a wrong one ...
    assert sign_in(session, PASSWORD, ip=OFFICE, at=later, email=newcomer.email) == SignInOutcome("check_email")
    assert sign_in(session, "Winter2026!", ip=OFFICE, at=later, email=newcomer.email) == SignInOutcome("check_email")
    assert sessions_of(session, newcomer) == 0
    # ... and the newcomer gets in with the emailed link, from the office.
    [check] = mails(session, "password_reset", to=newcomer.email)
    choose_new_password(session, link_in(check), later + timedelta(minutes=1))
    final = sign_in(session, NEW_PASSWORD, ip=OFFICE, at=later + timedelta(minutes=2), email=newcomer.email)
    assert final.status == "signed_in"


# --- wrong second-factor codes --------------------------------------------------------------


def test_wrong_codes_make_the_attackers_address_wait_and_the_resident_still_signs_in_from_hers(session):
    _, secret = with_two_step(session)
    at = NOW + timedelta(minutes=5)
    ticket = sign_in(session, PASSWORD, ip=ATTACKER, at=at).two_step_token  # the attacker knows the password

    statuses = [second_step(session, ticket, wrong_code(secret, at), ip=ATTACKER, at=at).status for _ in range(8)]
    mine = sign_in(session, PASSWORD, ip=RESIDENT, at=at)
    outcome = second_step(session, mine.two_step_token, code_at(secret, at), ip=RESIDENT, at=at)

    assert statuses == ["failed"] * 5 + ["wait"] * 3
    assert sign_in(session, PASSWORD, ip=ATTACKER, at=at).status == "wait"  # the password step waits too
    assert outcome.status == "signed_in"


def test_many_wrong_codes_from_many_addresses_mean_a_right_code_also_needs_the_emailed_link(session):
    user, secret = with_two_step(session)
    at = NOW + timedelta(minutes=5)
    for ip in many_addresses(10):
        ticket = sign_in(session, PASSWORD, ip=ip, at=at).two_step_token
        assert second_step(session, ticket, wrong_code(secret, at), ip=ip, at=at).status == "failed"
    [warning] = mails(session, "sign_in_attempts")
    assert "someone knows your password" in warning.body_text

    ticket = sign_in(session, PASSWORD, ip=RESIDENT, at=at).two_step_token
    outcome = second_step(session, ticket, code_at(secret, at), ip=RESIDENT, at=at)

    assert outcome == SignInOutcome("check_email")
    assert sessions_of(session, user) == 0
    # The link lets her choose a new password; signing in then still asks for the code.
    [check] = mails(session, "password_reset")
    later = at + timedelta(minutes=2)
    choose_new_password(session, link_in(check), later)
    again = sign_in(session, NEW_PASSWORD, ip=RESIDENT, at=later)
    assert again.status == "two_step"
    code = code_at(secret, later + timedelta(seconds=60))
    done = second_step(session, again.two_step_token, code, ip=RESIDENT, at=later + timedelta(seconds=60))
    assert done.status == "signed_in"


# --- the security page -----------------------------------------------------------------------


def test_a_strangers_wrong_passwords_do_not_stop_the_resident_changing_hers(session):
    user = make_user(session)
    keep = sign_in(session, PASSWORD, ip=RESIDENT, at=NOW).token
    for n in range(20):
        sign_in(session, "not it", ip=ATTACKER, at=NOW + timedelta(seconds=n * 30))
    guess_from_many_addresses(session, 60, at=NOW + timedelta(minutes=11))

    errors = auth.change_password(
        session, user.id, PASSWORD, NEW_PASSWORD, keep_token=keep, now=NOW + timedelta(minutes=15)
    )

    assert errors == {}


def test_wrong_current_passwords_on_the_security_page_make_the_resident_wait_a_little_longer_each_time(session):
    user = make_user(session)

    def change(current: str, at: datetime) -> dict[str, str]:
        errors = auth.change_password(session, user.id, current, NEW_PASSWORD, keep_token=None, now=at)
        session.commit()
        return errors

    assert [change("not it", NOW) for _ in range(5)] == [{"current_password": "Your current password is not right"}] * 5
    assert change(PASSWORD, NOW) == {
        "current_password": "You have entered the wrong password too many times. Wait 1 second, then try again"
    }
    assert change(PASSWORD, NOW + timedelta(seconds=1)) == {}


# --- the reset-email caps ----------------------------------------------------------------------


def test_a_stranger_spamming_the_forgotten_password_form_cannot_stop_the_resident_getting_a_link(session):
    make_user(session)
    # For an hour and a half, a stranger asks for a link for her address every minute, from several addresses.
    strangers = many_addresses(5)
    for minute in range(90):
        ask_for_reset(session, ip=strangers[minute % 5], at=NOW + timedelta(minutes=minute))
        # Whenever she looks, the resident has a link that works, or can ask for one from her address.
        if minute % 15 == 14:
            moment = NOW + timedelta(minutes=minute, seconds=30)
            ask_for_reset(session, ip=RESIDENT, at=moment)
            assert working_links(session, moment), minute

    # Strangers cannot fill her inbox either: in any hour, the account's cap and then at most
    # one more each time the links have run out (they last 30 minutes).
    first_hour = [m for m in mails(session, "password_reset") if m.created_at < NOW + timedelta(hours=1)]
    assert len(first_hour) <= 10 + 2


def test_a_newer_link_never_cancels_the_one_the_resident_already_holds(session):
    make_user(session)
    ask_for_reset(session, ip=RESIDENT, at=NOW)
    [hers] = map(link_in, mails(session, "password_reset"))

    for n, ip in enumerate(many_addresses(8)):
        ask_for_reset(session, ip=ip, at=NOW + timedelta(minutes=1, seconds=n))

    assert auth.reset_token_is_valid(session, hers, now=NOW + timedelta(minutes=5))
    choose_new_password(session, hers, NOW + timedelta(minutes=5))
    assert working_links(session, NOW + timedelta(minutes=6)) == []  # using one ends them all


def test_reset_emails_asked_for_from_one_address_are_capped(session):
    make_user(session)

    for n in range(20):
        ask_for_reset(session, ip=ATTACKER, at=NOW + timedelta(seconds=n))

    assert len(mails(session, "password_reset")) == 3


def test_the_owners_own_address_still_gets_a_new_link_when_strangers_have_used_up_the_account_cap(session):
    make_user(session)
    assert sign_in(session, PASSWORD, ip=RESIDENT, at=NOW - timedelta(days=3)).status == "signed_in"
    for n, ip in enumerate(many_addresses(6)):
        for k in range(3):
            ask_for_reset(session, ip=ip, at=NOW + timedelta(seconds=10 * n + k))
    sent_by_strangers = len(mails(session, "password_reset"))

    ask_for_reset(session, ip=RESIDENT, at=NOW + timedelta(minutes=2))

    assert sent_by_strangers == 10
    assert len(mails(session, "password_reset")) == 11


def test_the_wait_is_said_in_plain_words():
    assert [throttle.wait_words(s) for s in (1, 2, 59, 119, 120, 900, 901)] == [
        "1 second",
        "2 seconds",
        "59 seconds",
        "119 seconds",
        "2 minutes",
        "15 minutes",
        "16 minutes",
    ]


def test_the_addresses_an_account_signed_in_from_are_kept_for_ninety_days_and_other_counts_for_two(db, session):
    from portal_app.services.identity import jobs, lockout

    make_user(session)
    assert sign_in(session, PASSWORD, ip=RESIDENT, at=NOW).status == "signed_in"
    sign_in(session, "not it", ip=ATTACKER, at=NOW)

    jobs.purge_old_throttle_hits(engine=db, now=NOW + timedelta(days=30))
    session.expire_all()
    assert lockout.is_known_address(session, EMAIL, RESIDENT, now=NOW + timedelta(days=30))
    assert (
        throttle.hits_since(session, lockout.address_key(ATTACKER), NOW + timedelta(days=30), timedelta(days=365)) == 0
    )

    jobs.purge_old_throttle_hits(engine=db, now=NOW + timedelta(days=91))
    session.expire_all()
    assert not lockout.is_known_address(session, EMAIL, RESIDENT, now=NOW + timedelta(days=30))
