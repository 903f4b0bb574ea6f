"""Registering for online access: matching, the emailed code, no account enumeration,
throttling, moving home, joint tenants. Time is frozen by passing ``now``."""

from __future__ import annotations

import dataclasses
import re
import threading
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from argon2 import PasswordHasher
from sqlmodel import Session, func, select

from portal_app.models import AuthSession, OutboxMessage, PortalUser, RegistrationAttempt, Tenancy, ThrottleHit
from portal_app.services.identity import registration as registration_module
from portal_app.services.identity.passwords import DUMMY_HASH, verify_password
from portal_app.services.identity.registration import (
    CodeOutcome,
    RegistrationDetails,
    ResendOutcome,
    StartOutcome,
    confirm_code,
    parse_registration,
    resend_code,
    start_registration,
)
from portal_app.services.tokens import hash_token
from portal_app.settings import get_settings
from tests.factories import make_account, make_party, make_person, make_portal_user, make_tenancy


def _stored_times_are_aware() -> bool:
    """sqlmodel 0.0.50 maps ``datetime`` fields to UTCDateTime (aware); older ones stored naive UTC."""
    try:
        from sqlmodel.sql.sqltypes import UTCDateTime
    except ImportError:
        return False
    return isinstance(RegistrationAttempt.__table__.c.created_at.type, UTCDateTime)


NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC if _stored_times_are_aware() else None)
TODAY = NOW.date()
DOB = date(1980, 2, 1)
PASSWORD = "plum-kettle-orbit-42"
EMAIL = "sam@example.com"

# --- records: Sam Taylor, born 1 February 1980, lead tenant of TEN100001 ---------------

sam = partial(make_person, first="Sam", last="Taylor", dob=DOB)
# A portal user made long before the tests' clock, with a mobile the tests never type.
existing_user = partial(
    make_portal_user, mobile="+447700900999", password_hash=DUMMY_HASH, created_at=NOW - timedelta(days=400)
)


def tenancy_with_rent_account(
    session, ref="TEN100001", *, tenure="secure", start=date(2015, 1, 5), end=None
) -> Tenancy:
    """Tenancy ``ref`` on its own home, with its rent account ``{ref}-R`` (closed when it ends)."""
    tenancy = make_tenancy(session, tenure, start=start, end=end, ref=ref)
    make_account(session, tenancy, ref=f"{ref}-R", closed=end)
    return tenancy


def make_tenant(session, ref="TEN100001", *, dob=DOB, role="lead_tenant", tenure="secure", end=None):
    tenancy = tenancy_with_rent_account(session, ref, tenure=tenure, end=end)
    person = sam(session, dob=dob)
    make_party(session, tenancy, person, role, end=end)
    return tenancy, person


# --- actions and reading results ---------------------------------------------------------


def details(**changes) -> RegistrationDetails:
    values = dict(
        tenancy_reference="TEN100001",
        date_of_birth=DOB,
        email=EMAIL,
        mobile="+447700900123",
        password=PASSWORD,
        paper_correspondence=False,
    )
    values.update(changes)
    return RegistrationDetails(**values)


def start(session, *, now=NOW, client="203.0.113.7", settings=None, **changes) -> StartOutcome:
    return start_registration(session, details(**changes), client_ip=client, now=now, settings=settings)


def mails(session, to=None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if to is not None:
        stmt = stmt.where(OutboxMessage.to_address == to)
    return list(session.exec(stmt).all())


def code_in(message: OutboxMessage) -> str:
    found = re.findall(r"^(\d{6})$", message.body_text, flags=re.MULTILINE)
    assert len(found) == 1, message.body_text
    return found[0]


def latest_code(session, to=EMAIL) -> str:
    codes = [m for m in mails(session, to) if m.kind == "register_code"]
    return code_in(codes[-1])


def another_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def attempts(session) -> list[RegistrationAttempt]:
    return list(session.exec(select(RegistrationAttempt).order_by(RegistrationAttempt.id)).all())


def users(session) -> list[PortalUser]:
    return list(session.exec(select(PortalUser).order_by(PortalUser.id)).all())


def count(session, model) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


# --- parsing the form --------------------------------------------------------------------


def form(**changes) -> dict[str, str]:
    values = dict(
        tenancy_reference="TEN100001",
        dob_day="1",
        dob_month="2",
        dob_year="1980",
        email=EMAIL,
        mobile="07700 900123",
        password=PASSWORD,
        paper_correspondence="no",
    )
    values.update(changes)
    return values


def test_a_complete_form_gives_normalised_details():
    parsed, errors = parse_registration(
        form(
            tenancy_reference=" ten 100001 ",
            email=" Sam@Example.COM ",
            mobile="+44 7700 900123",
            paper_correspondence="yes",
        ),
        today=TODAY,
    )
    assert errors == {}
    assert parsed == RegistrationDetails(
        tenancy_reference="TEN100001",
        date_of_birth=DOB,
        email="sam@example.com",
        mobile="+447700900123",
        password=PASSWORD,
        paper_correspondence=True,
    )


def test_an_empty_form_names_every_field_in_page_order():
    parsed, errors = parse_registration({}, today=TODAY)
    assert parsed is None
    assert errors == {
        "tenancy_reference": "Enter your tenancy reference or service charge account number",
        "date_of_birth": "Enter date of birth",
        "email": "Enter your email address",
        "mobile": "Enter your mobile number",
        "password": "Enter a password",
        "paper_correspondence": "Select whether you want letters by post",
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"tenancy_reference": "   "},
            "tenancy_reference",
            "Enter your tenancy reference or service charge account number",
        ),
        (
            {"tenancy_reference": "X" * 65},
            "tenancy_reference",
            "Tenancy reference or service charge account number must be 64 characters or fewer",
        ),
        ({"dob_month": ""}, "date_of_birth", "Date of birth must include a month"),
        ({"dob_day": "31", "dob_month": "2"}, "date_of_birth", "Date of birth must be a real date"),
        ({"dob_year": "2027"}, "date_of_birth", "Date of birth must be in the past"),
        ({"dob_year": "80"}, "date_of_birth", "Year must include 4 numbers"),
        ({"email": "sam@example"}, "email", "Enter an email address in the correct format, like name@example.com"),
        ({"email": "sam @example.com"}, "email", "Enter an email address in the correct format, like name@example.com"),
        ({"email": "s" * 250 + "@example.com"}, "email", "Email address must be 254 characters or fewer"),
        ({"mobile": "020 7946 0000"}, "mobile", "Enter a mobile number, not a landline, like 07700 900 982"),
        ({"mobile": "+33 6 12 34 56 78"}, "mobile", "Enter a UK mobile number, like 07700 900 982"),
        ({"mobile": "0770090012"}, "mobile", "Enter a UK mobile number, like 07700 900 982"),
        ({"password": "short"}, "password", "Password must be 12 characters or more"),
        (
            {"password": "password1234"},
            "password",
            "This password is too common and easy to guess. Try three random words together",
        ),
        ({"paper_correspondence": ""}, "paper_correspondence", "Select whether you want letters by post"),
        ({"paper_correspondence": "maybe"}, "paper_correspondence", "Select whether you want letters by post"),
    ],
)
def test_each_field_gets_its_own_message(changes, field, message):
    parsed, errors = parse_registration(form(**changes), today=TODAY)
    assert parsed is None
    assert errors == {field: message}


@pytest.mark.parametrize(
    ("password", "kinds"),
    [
        ("SamTaylor2024!", "email address"),  # the email's local part
        ("sam.taylor@example.com", "email address"),  # the email itself
        ("Taylor!Taylor!", "email address"),  # a piece of the local part, repeated
        ("TEN100001abc", "tenancy reference"),
        ("01021980sam!", "date of birth or email address"),  # ddmmyyyy
        ("1980-02-01-sam", "date of birth or email address"),  # ISO
        ("07700900123xx", "mobile number"),
    ],
)
def test_a_password_built_from_the_residents_own_details_is_refused(password, kinds):
    parsed, errors = parse_registration(form(email="sam.taylor@example.com", password=password), today=TODAY)
    assert parsed is None
    assert errors == {"password": f"Your password must not be made of your {kinds}. Try three random words together"}


def test_the_reference_in_the_form_is_read_whatever_its_case_and_spacing():
    parsed, _ = parse_registration(form(tenancy_reference="t e n 1 0 0 0 0 1"), today=TODAY)
    assert parsed.tenancy_reference == "TEN100001"


# --- a good match ------------------------------------------------------------------------


def test_a_good_match_emails_a_six_digit_code_that_expires_after_ten_minutes(session):
    make_tenant(session)
    outcome = start(session)

    assert outcome == StartOutcome(outcome.attempt_token, "s***@example.com", False, 0)
    [message] = mails(session)
    assert (message.to_address, message.kind) == (EMAIL, "register_code")
    code = code_in(message)
    assert "10 minutes" in message.body_text
    [attempt] = attempts(session)
    assert (attempt.outcome, attempt.status, attempt.codes_sent) == ("match", "pending", 1)
    assert attempt.code_expires_at == NOW + timedelta(minutes=10)

    late = confirm_code(session, outcome.attempt_token, code, now=NOW + timedelta(minutes=10))
    assert late == CodeOutcome("expired", 5, None)
    assert users(session) == []


def test_the_code_still_works_just_before_ten_minutes(session):
    make_tenant(session)
    outcome = start(session)
    result = confirm_code(session, outcome.attempt_token, latest_code(session), now=NOW + timedelta(seconds=599))
    assert result.status == "registered"


def test_the_right_code_makes_an_active_account_for_that_person_on_that_tenancy(session):
    tenancy, person = make_tenant(session)
    outcome = start(session, paper_correspondence=True, mobile="07700 900123")
    later = NOW + timedelta(minutes=3)

    result = confirm_code(session, outcome.attempt_token, latest_code(session), now=later)

    [user] = users(session)
    assert result == CodeOutcome("registered", 5, user.id)
    assert (user.email, user.mobile, user.person_id, user.tenancy_id) == (EMAIL, "+447700900123", person.id, tenancy.id)
    assert (user.status, user.paper_correspondence, user.created_at) == ("active", True, later)
    [attempt] = attempts(session)
    assert (attempt.status, attempt.completed_at, attempt.code_hash) == ("completed", later, None)
    welcome = mails(session)[-1]
    assert (welcome.to_address, welcome.kind) == (EMAIL, "register_account_ready")
    assert "is ready" in welcome.body_text
    assert "previous home" not in welcome.body_text


def test_a_code_typed_with_a_space_in_the_middle_is_accepted(session):
    make_tenant(session)
    outcome = start(session)
    code = latest_code(session)
    result = confirm_code(session, outcome.attempt_token, f" {code[:3]} {code[3:]} ", now=NOW)
    assert result.status == "registered"


def test_the_reference_is_matched_whatever_its_case_and_spacing(session):
    make_tenant(session, "TEN100001")
    start(session, tenancy_reference="ten 100 001")
    assert [m.kind for m in mails(session)] == ["register_code"]


def test_a_reference_stored_in_lower_case_by_the_feed_still_matches(session):
    make_tenant(session, "sc 20001")
    start(session, tenancy_reference="SC20001")
    assert [m.kind for m in mails(session)] == ["register_code"]


def test_the_code_is_stored_only_as_a_hash_bound_to_its_attempt(session):
    make_tenant(session)
    start(session)
    code = latest_code(session)
    [attempt] = attempts(session)
    assert attempt.code_hash == hash_token(code, purpose=f"reg:{attempt.id}")
    assert attempt.code_hash != hash_token(code, purpose=f"reg:{attempt.id + 1}")
    hashes = {"token_hash", "code_hash", "password_hash"}
    assert all(code not in str(value) for name, value in attempt.model_dump().items() if name not in hashes)


def test_the_password_is_stored_only_as_an_argon2_hash(session):
    make_tenant(session)
    outcome = start(session)
    [attempt] = attempts(session)
    assert attempt.password_hash.startswith("$argon2id$")
    assert PASSWORD not in repr(attempt.model_dump())
    assert all(PASSWORD not in m.body_text for m in mails(session))

    confirm_code(session, outcome.attempt_token, latest_code(session), now=NOW)

    [user] = users(session)
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, PASSWORD)
    assert attempts(session)[0].password_hash == ""  # the finished attempt keeps no copy


def test_a_naive_utc_now_is_accepted_too(session):
    make_tenant(session)
    naive = NOW.replace(tzinfo=None)
    outcome = start(session, now=naive)
    result = confirm_code(session, outcome.attempt_token, latest_code(session), now=naive + timedelta(minutes=1))
    assert result.status == "registered"


def test_details_never_print_the_password():
    assert PASSWORD not in repr(details())


# --- no account enumeration --------------------------------------------------------------


def scenario_match(session):
    make_tenant(session)


def scenario_wrong_date_of_birth(session):
    make_tenant(session, dob=date(1975, 6, 30))


def scenario_unknown_reference(session):
    make_tenant(session, "TEN999999")


def scenario_existing_account(session):
    tenancy, person = make_tenant(session)
    existing_user(session, person, tenancy, email="old@example.com")


def scenario_ineligible_tenancy(session):
    make_tenant(session, tenure="temporary_accommodation")


def scenario_household_member(session):
    make_tenant(session, role="household_member")


def scenario_former_tenancy(session):
    make_tenant(session, end=date(2025, 6, 1))


def scenario_party_left(session):
    tenancy = tenancy_with_rent_account(session)
    make_party(session, tenancy, sam(session, dob=date(1950, 1, 1)))
    make_party(session, tenancy, sam(session), "joint_tenant", end=date(2024, 1, 1))


def scenario_email_used_by_another_current_account(session):
    make_tenant(session)
    other_tenancy, other_person = make_tenant(session, "TEN200002", dob=date(1990, 5, 5))
    existing_user(session, other_person, other_tenancy, email=EMAIL)


SCENARIOS = {
    "match": (scenario_match, "match"),
    "wrong_date_of_birth": (scenario_wrong_date_of_birth, "mismatch"),
    "unknown_reference": (scenario_unknown_reference, "mismatch"),
    "existing_account": (scenario_existing_account, "existing"),
    "ineligible_tenancy": (scenario_ineligible_tenancy, "ineligible"),
    "household_member": (scenario_household_member, "ineligible"),
    "former_tenancy": (scenario_former_tenancy, "ineligible"),
    "party_left": (scenario_party_left, "mismatch"),
    "email_in_use": (scenario_email_used_by_another_current_account, "email_in_use"),
}
NOT_MATCHES = [name for name in SCENARIOS if name != "match"]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_outcome_looks_the_same_to_the_person_registering(session, name):
    build, expected_outcome = SCENARIOS[name]
    build(session)

    outcome = start(session)

    assert isinstance(outcome.attempt_token, str) and len(outcome.attempt_token) >= 40
    assert outcome == StartOutcome(outcome.attempt_token, "s***@example.com", False, 0)
    [attempt] = attempts(session)
    assert (attempt.outcome, attempt.status, attempt.codes_sent, attempt.wrong_tries) == (
        expected_outcome,
        "pending",
        1,
        0,
    )
    assert attempt.code_expires_at == NOW + timedelta(minutes=10)
    assert attempt.password_hash.startswith("$argon2id$")
    # Only a try that is not a match counts towards the waits (per client, reference, and both).
    assert count(session, ThrottleHit) == (0 if name == "match" else 3)


@pytest.mark.parametrize("name", NOT_MATCHES)
def test_no_code_ever_finishes_an_attempt_that_is_not_a_match_and_tries_run_out_the_same_way(session, name):
    SCENARIOS[name][0](session)
    users_before = len(users(session))
    outcome = start(session)
    assert all(m.kind != "register_code" for m in mails(session))
    assert attempts(session)[0].code_hash is None

    results = [
        confirm_code(session, outcome.attempt_token, guess, now=NOW)
        for guess in ("000000", "123456", "999999", "654321", "111111", "222222")
    ]

    assert results == [
        CodeOutcome("wrong", 4, None),
        CodeOutcome("wrong", 3, None),
        CodeOutcome("wrong", 2, None),
        CodeOutcome("wrong", 1, None),
        CodeOutcome("ended", 0, None),
        CodeOutcome("ended", 0, None),
    ]
    assert len(users(session)) == users_before
    assert attempts(session)[0].status == "failed"


@pytest.mark.parametrize("name", NOT_MATCHES)
def test_an_attempt_that_is_not_a_match_expires_like_a_match(session, name):
    SCENARIOS[name][0](session)
    outcome = start(session)
    assert confirm_code(session, outcome.attempt_token, "123456", now=NOW + timedelta(minutes=10)) == CodeOutcome(
        "expired", 5, None
    )


def test_a_mismatch_emails_the_typed_address_that_we_could_not_match_with_how_to_contact_us(session):
    scenario_wrong_date_of_birth(session)
    start(session)
    settings = get_settings()
    [message] = mails(session)
    assert (message.to_address, message.kind) == (EMAIL, "register_no_match")
    assert "could not match the details you gave" in message.body_text
    for contact in (settings.landlord_phone, settings.landlord_email, settings.landlord_hours):
        assert contact in message.body_text
    assert not re.search(r"^\d{6}$", message.body_text, flags=re.MULTILINE)


def test_an_unknown_reference_gets_the_same_could_not_match_email(session):
    scenario_unknown_reference(session)
    start(session)
    [message] = mails(session)
    assert (message.to_address, message.kind) == (EMAIL, "register_no_match")


def test_someone_who_has_left_the_tenancy_gets_the_could_not_match_email(session):
    scenario_party_left(session)
    start(session)
    assert [(m.to_address, m.kind) for m in mails(session)] == [(EMAIL, "register_no_match")]


def test_an_existing_account_is_told_someone_tried_and_the_typed_address_gets_nothing(session):
    scenario_existing_account(session)
    start(session, email="attacker@example.net")

    [message] = mails(session)
    assert (message.to_address, message.kind) == ("old@example.com", "register_someone_tried")
    assert "Someone tried to register" in message.body_text
    assert f"{get_settings().base_url}/sign-in" in message.body_text
    assert f"{get_settings().base_url}/forgot-password" in message.body_text
    assert not re.search(r"^\d{6}$", message.body_text, flags=re.MULTILINE)
    assert mails(session, "attacker@example.net") == []


@pytest.mark.parametrize(
    ("build", "sentence"),
    [
        (scenario_ineligible_tenancy, "Online access is not available for your kind of tenancy."),
        (scenario_household_member, "Online access is only available to the tenants or leaseholders named"),
        (scenario_former_tenancy, "Online access is not available for a tenancy that has ended."),
    ],
)
def test_an_ineligible_resident_is_told_plainly_and_how_else_to_reach_us(session, build, sentence):
    build(session)
    start(session)
    [message] = mails(session)
    assert (message.to_address, message.kind) == (EMAIL, "register_not_available")
    assert sentence in message.body_text
    assert get_settings().landlord_phone in message.body_text
    assert get_settings().landlord_email in message.body_text


def test_a_new_tenant_whose_tenancy_starts_next_week_is_told_to_try_from_the_start_date(session):
    tenancy = tenancy_with_rent_account(session, start=TODAY + timedelta(days=7))
    make_party(session, tenancy, sam(session))
    start(session)
    [message] = mails(session)
    assert message.kind == "register_not_available"
    assert "from the day your tenancy starts" in message.body_text


# --- wrong codes, single use, double submission ------------------------------------------


def test_five_wrong_codes_end_the_attempt(session):
    make_tenant(session)
    outcome = start(session)
    wrong = another_code(latest_code(session))
    results = [confirm_code(session, outcome.attempt_token, wrong, now=NOW).status for _ in range(5)]
    assert results == ["wrong", "wrong", "wrong", "wrong", "ended"]
    assert attempts(session)[0].status == "failed"


@pytest.mark.parametrize("typed", ["12ab", "", "12345", "1234567", "abcdef", "１２３４５６", "12345\n", "12 34 5a"])
def test_a_code_typed_in_the_wrong_format_is_told_so_and_uses_up_no_try(session, typed):
    make_tenant(session)
    outcome = start(session)
    assert confirm_code(session, outcome.attempt_token, typed, now=NOW) == CodeOutcome("format", 5, None)
    assert attempts(session)[0].wrong_tries == 0
    # Spaces and a hyphen in the right code are fine: "123 456", "123-456".
    code = latest_code(session)
    assert confirm_code(session, outcome.attempt_token, f"{code[:3]}-{code[3:]}", now=NOW).status == "registered"


def test_the_right_code_after_five_wrong_ones_is_refused(session):
    make_tenant(session)
    outcome = start(session)
    code = latest_code(session)
    for _ in range(5):
        confirm_code(session, outcome.attempt_token, another_code(code), now=NOW)
    assert confirm_code(session, outcome.attempt_token, code, now=NOW) == CodeOutcome("ended", 0, None)
    assert users(session) == []


def test_a_code_works_only_once(session):
    make_tenant(session)
    outcome = start(session)
    code = latest_code(session)
    assert confirm_code(session, outcome.attempt_token, code, now=NOW).status == "registered"
    assert confirm_code(session, outcome.attempt_token, code, now=NOW) == CodeOutcome("ended", 0, None)
    assert len(users(session)) == 1


def test_submitting_the_code_twice_from_two_requests_makes_one_account(db):
    with Session(db, expire_on_commit=False) as setup:
        make_tenant(setup)
        outcome = start(setup)
        code = latest_code(setup)
        setup.commit()

    with Session(db) as first:
        assert confirm_code(first, outcome.attempt_token, code, now=NOW).status == "registered"
        first.commit()
    with Session(db) as second:
        assert confirm_code(second, outcome.attempt_token, code, now=NOW) == CodeOutcome("ended", 0, None)
        second.commit()
    with Session(db) as check:
        assert len(users(check)) == 1


def test_two_submissions_at_the_same_moment_make_one_account(db):
    if db.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite allows one writer at a time anyway")
    with Session(db, expire_on_commit=False) as setup:
        make_tenant(setup)
        outcome = start(setup)
        code = latest_code(setup)
        setup.commit()

    second_result: list[CodeOutcome] = []

    def second_submission():
        with Session(db) as second:
            second_result.append(confirm_code(second, outcome.attempt_token, code, now=NOW))
            second.commit()

    with Session(db) as first:
        assert confirm_code(first, outcome.attempt_token, code, now=NOW).status == "registered"
        racer = threading.Thread(target=second_submission)
        racer.start()
        racer.join(timeout=1.0)
        assert racer.is_alive()  # waiting on the attempt's row lock
        first.commit()
    racer.join(timeout=10)
    assert second_result == [CodeOutcome("ended", 0, None)]
    with Session(db) as check:
        assert len(users(check)) == 1


def test_an_unknown_or_empty_attempt_token_has_ended(session):
    assert confirm_code(session, "no-such-token", "123456", now=NOW) == CodeOutcome("ended", 0, None)
    assert confirm_code(session, "", "123456", now=NOW) == CodeOutcome("ended", 0, None)
    assert confirm_code(session, "x" * 10_000, "123456", now=NOW) == CodeOutcome("ended", 0, None)
    assert resend_code(session, "no-such-token", now=NOW) == ResendOutcome(False, 0, "ended")


def test_an_account_made_another_way_while_the_code_was_out_ends_the_attempt(session):
    tenancy, person = make_tenant(session)
    outcome = start(session)
    existing_user(session, person, tenancy, email="other@example.com")  # e.g. a second attempt finished first

    assert confirm_code(session, outcome.attempt_token, latest_code(session), now=NOW) == CodeOutcome("ended", 0, None)
    assert [u.email for u in users(session)] == ["other@example.com"]
    assert attempts(session)[0].status == "failed"


# --- sending a new code ------------------------------------------------------------------


def test_a_new_code_cannot_be_sent_until_the_wait_has_passed(session):
    make_tenant(session)
    outcome = start(session)
    assert resend_code(session, outcome.attempt_token, now=NOW + timedelta(seconds=20)) == ResendOutcome(
        False, 40, "too_soon"
    )
    assert resend_code(session, outcome.attempt_token, now=NOW + timedelta(seconds=60)) == ResendOutcome(
        True, 60, "sent"
    )
    assert len(mails(session)) == 2


def test_a_new_code_replaces_the_old_one_and_has_its_own_ten_minutes(session):
    make_tenant(session)
    outcome = start(session)
    old = latest_code(session)
    resent_at = NOW + timedelta(minutes=8)
    resend_code(session, outcome.attempt_token, now=resent_at)
    new = latest_code(session)
    if new == old:  # one chance in a million; send again so the test means something
        resend_code(session, outcome.attempt_token, now=resent_at + timedelta(minutes=1))
        new = latest_code(session)
    assert new != old

    assert confirm_code(session, outcome.attempt_token, old, now=resent_at) == CodeOutcome("wrong", 4, None)
    later = resent_at + timedelta(minutes=9)  # 17 minutes after the first code
    assert confirm_code(session, outcome.attempt_token, new, now=later).status == "registered"


def test_at_most_five_codes_are_sent_for_one_attempt(session):
    make_tenant(session)
    outcome = start(session)
    results = [resend_code(session, outcome.attempt_token, now=NOW + timedelta(minutes=n)).status for n in range(1, 6)]
    assert results == ["sent", "sent", "sent", "sent", "ended"]
    assert len(mails(session)) == 5
    # the last code sent still works
    assert confirm_code(
        session, outcome.attempt_token, latest_code(session), now=NOW + timedelta(minutes=5)
    ).status == ("registered")


def test_wrong_tries_count_across_resent_codes(session):
    make_tenant(session)
    outcome = start(session)
    for _ in range(3):
        confirm_code(session, outcome.attempt_token, another_code(latest_code(session)), now=NOW)
    resend_code(session, outcome.attempt_token, now=NOW + timedelta(minutes=1))
    code = latest_code(session)
    assert confirm_code(session, outcome.attempt_token, another_code(code), now=NOW).status == "wrong"
    assert confirm_code(session, outcome.attempt_token, another_code(code), now=NOW).status == "ended"
    assert confirm_code(session, outcome.attempt_token, code, now=NOW).status == "ended"
    assert resend_code(session, outcome.attempt_token, now=NOW + timedelta(minutes=5)).status == "ended"


def test_no_new_code_after_the_attempt_has_finished(session):
    make_tenant(session)
    outcome = start(session)
    confirm_code(session, outcome.attempt_token, latest_code(session), now=NOW)
    assert resend_code(session, outcome.attempt_token, now=NOW + timedelta(minutes=5)) == ResendOutcome(
        False, 0, "ended"
    )


@pytest.mark.parametrize("name", NOT_MATCHES)
def test_asking_again_for_an_attempt_that_is_not_a_match_behaves_the_same_and_resends_the_same_email(session, name):
    SCENARIOS[name][0](session)
    outcome = start(session)
    [first] = mails(session)

    assert resend_code(session, outcome.attempt_token, now=NOW + timedelta(seconds=20)) == ResendOutcome(
        False, 40, "too_soon"
    )
    assert resend_code(session, outcome.attempt_token, now=NOW + timedelta(seconds=60)) == ResendOutcome(
        True, 60, "sent"
    )
    first_to, first_kind, first_subject = first.to_address, first.kind, first.subject
    [_, again] = mails(session)
    assert (again.to_address, again.kind, again.subject) == (first_to, first_kind, first_subject)
    assert again.kind != "register_code"
    results = [resend_code(session, outcome.attempt_token, now=NOW + timedelta(minutes=n)).status for n in range(2, 6)]
    assert results == ["sent", "sent", "sent", "ended"]


# --- throttling --------------------------------------------------------------------------
# Growing waits per client address and per reference, never a block; each decided before
# anything is matched. An attacker at 203.0.113.9, the resident at 198.51.100.7.

ATTACKER = "203.0.113.9"
RESIDENT = "198.51.100.7"


@pytest.fixture
def quick_hashing(monkeypatch):
    """Every try hashes the typed password; these tests make dozens, so hash cheaply."""
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(registration_module, "hash_password", cheap.hash)


def walk(session, references, *, at, client=ATTACKER):
    """Try each reference once, at the same moment, with a date of birth that matches nobody."""
    return [
        start(session, now=at, client=client, tenancy_reference=ref, date_of_birth=date(1901, 1, 1))
        for ref in references
    ]


def test_an_attacker_walking_the_references_from_one_address_waits_longer_after_each_failure(session, quick_hashing):
    refs = [f"TEN{n:06d}" for n in range(100001, 100041)]
    moment = NOW

    first = walk(session, refs[:12], at=moment)
    assert [o.throttled for o in first] == [False] * 10 + [True] * 2
    waits = []
    for ref in refs[12:20]:
        moment += timedelta(seconds=first[-1].retry_after_seconds if not waits else waits[-1])
        [taken] = walk(session, [ref], at=moment)
        assert not taken.throttled
        [told] = walk(session, [ref], at=moment)
        waits.append(told.retry_after_seconds)

    assert first[-1] == StartOutcome(None, "s***@example.com", True, 1)
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256]
    assert len(attempts(session)) == 18  # a refused try records nothing and is not counted


def test_strangers_failing_at_a_reference_cannot_stop_the_matching_resident_registering_from_her_address(
    session, quick_hashing
):
    make_tenant(session)
    # Thirty wrong dates of birth for her reference, from the attacker's and twenty other addresses.
    for n in range(30):
        client = ATTACKER if n % 3 == 0 else f"100.64.0.{n}"
        start(session, now=NOW + timedelta(seconds=n), client=client, date_of_birth=date(1970, 1, n + 1))
    assert start(session, now=NOW + timedelta(seconds=40), client=ATTACKER, date_of_birth=DOB).throttled

    mine = start(session, now=NOW + timedelta(seconds=40), client=RESIDENT)

    assert not mine.throttled
    result = confirm_code(session, mine.attempt_token, latest_code(session), now=NOW + timedelta(minutes=1))
    assert result.status == "registered"


def test_an_address_that_failed_at_a_busy_reference_waits_longer_after_each_further_failure(session, quick_hashing):
    make_tenant(session)
    for n in range(5):  # five failures at the reference, from five other addresses
        start(session, now=NOW, client=f"100.64.0.{n}", date_of_birth=date(1970, 1, n + 1))

    moment, waits = NOW, []
    for n in range(5):
        taken = start(session, now=moment, client=ATTACKER, date_of_birth=date(1971, 1, n + 1))
        assert not taken.throttled
        told = start(session, now=moment, client=ATTACKER, date_of_birth=DOB)
        waits.append(told.retry_after_seconds)
        moment += timedelta(seconds=told.retry_after_seconds)

    assert waits == [2, 4, 8, 16, 32]
    # An address that has not failed there is not held back by the reference's count.
    assert not start(session, now=moment - timedelta(seconds=1), client=RESIDENT).throttled


def test_the_wait_is_decided_before_matching_so_it_says_nothing_about_the_date_of_birth(session, quick_hashing):
    make_tenant(session)
    walk(session, [f"TEN9{n:05d}" for n in range(10)], at=NOW)
    mails_before = len(mails(session))

    right = start(session, now=NOW, client=ATTACKER)
    wrong = start(session, now=NOW, client=ATTACKER, date_of_birth=date(1970, 1, 1))

    assert right == wrong == StartOutcome(None, "s***@example.com", True, 1)
    assert len(mails(session)) == mails_before


def test_a_throttled_try_is_not_counted_so_the_wait_does_not_grow(session, quick_hashing):
    settings = dataclasses.replace(get_settings(), register_free_tries_per_client=2)
    walk_with = partial(start, session, client="198.51.100.99", settings=settings, date_of_birth=date(1901, 1, 1))
    walk_with(now=NOW, tenancy_reference="TEN000001")
    walk_with(now=NOW, tenancy_reference="TEN000002")

    for tenths in (1, 5, 9):
        assert walk_with(now=NOW + timedelta(seconds=tenths / 10), tenancy_reference="TEN000003").throttled
    assert not walk_with(now=NOW + timedelta(seconds=1), tenancy_reference="TEN000003").throttled


def test_an_office_helping_residents_register_is_not_slowed_by_their_successful_matches(session, quick_hashing):
    office = "192.0.2.44"
    for n in range(25):
        ref = f"TEN2{n:05d}"
        make_tenant(session, ref)
        outcome = start(session, now=NOW + timedelta(minutes=n), client=office, tenancy_reference=ref)
        assert not outcome.throttled, n


def test_an_hour_later_the_address_starts_again_with_its_free_tries(session, quick_hashing):
    walk(session, [f"TEN3{n:05d}" for n in range(12)], at=NOW)

    later = walk(session, [f"TEN4{n:05d}" for n in range(11)], at=NOW + timedelta(minutes=60, seconds=1))

    assert [o.throttled for o in later] == [False] * 10 + [True]


# --- one email, one active account; moving home; joint tenants ---------------------------


def test_a_resident_who_moved_home_can_reuse_their_email_and_the_old_account_is_closed(session):
    old_tenancy, person = make_tenant(session, "TEN100001", end=date(2025, 12, 1))
    old_user = existing_user(session, person, old_tenancy, email=EMAIL)
    session.add(
        AuthSession(
            token_hash="a" * 64,
            user_id=old_user.id,
            created_at=NOW,
            last_seen_at=NOW,
            expires_at=NOW + timedelta(hours=1),
        )
    )
    new_tenancy = tenancy_with_rent_account(session, "TEN200002", start=date(2025, 12, 8))
    make_party(session, new_tenancy, person)

    outcome = start(session, tenancy_reference="TEN200002")
    assert mails(session)[-1].kind == "register_code"
    result = confirm_code(session, outcome.attempt_token, latest_code(session), now=NOW)

    assert result.status == "registered"
    old, new = users(session)
    assert (old.id, old.status) == (old_user.id, "closed")
    assert (new.id, new.status, new.tenancy_id, new.email) == (result.user_id, "active", new_tenancy.id, EMAIL)
    [auth] = session.exec(select(AuthSession)).all()
    assert (auth.ended_at, auth.ended_reason) == (NOW, "account_closed")
    assert "previous home is now closed" in mails(session)[-1].body_text


def test_an_email_already_used_by_an_active_current_account_takes_the_existing_path(session):
    scenario_email_used_by_another_current_account(session)
    outcome = start(session)
    [message] = mails(session)
    assert (message.to_address, message.kind) == (EMAIL, "register_email_in_use")
    assert confirm_code(session, outcome.attempt_token, "123456", now=NOW).status == "wrong"
    assert len(users(session)) == 1


def test_registering_with_the_email_my_partner_already_uses_tells_that_inbox_each_person_needs_their_own(session):
    scenario_email_used_by_another_current_account(session)
    start(session)

    [message] = mails(session)
    assert (message.to_address, message.kind) == (EMAIL, "register_email_in_use")
    body = message.body_text
    assert "Someone tried to register" in body and "with this email address" in body
    assert "It is already used by an account" in body
    assert "Each person needs their own email address" in body
    assert "register with a different one" in body
    base = get_settings().base_url
    for path in ("/register", "/sign-in", "/forgot-password"):
        assert f"{base}{path}" in body
    assert "details that belong to your existing account" not in body
    assert not re.search(r"^\d{6}$", body, flags=re.MULTILINE)


def test_asking_again_for_the_code_sends_the_shared_address_the_same_explanation(session):
    scenario_email_used_by_another_current_account(session)
    outcome = start(session)
    later = NOW + timedelta(seconds=get_settings().code_resend_seconds)
    assert resend_code(session, outcome.attempt_token, now=later).status == "sent"
    assert [m.kind for m in mails(session)] == ["register_email_in_use", "register_email_in_use"]


def test_details_that_do_not_match_at_an_address_already_in_use_still_say_each_person_needs_their_own(session):
    scenario_wrong_date_of_birth(session)
    other_tenancy, other_person = make_tenant(session, "TEN200002", dob=date(1990, 5, 5))
    existing_user(session, other_person, other_tenancy, email=EMAIL)
    start(session)
    [message] = mails(session)
    assert (message.to_address, message.kind) == (EMAIL, "register_no_match")
    assert "could not match the details you gave" in message.body_text
    assert "This email address is already used by an account" in message.body_text
    assert "Each person needs their own email address" in message.body_text


def test_a_mismatch_at_a_new_address_says_nothing_about_addresses_in_use(session):
    scenario_wrong_date_of_birth(session)
    start(session)
    [message] = mails(session)
    assert "already used by an account" not in message.body_text


def test_a_person_with_an_account_on_the_tenancy_takes_the_existing_path_whatever_email_they_type(session):
    tenancy, person = make_tenant(session)
    existing_user(session, person, tenancy, email="first@example.com")
    start(session, email="second@example.com")
    assert [(m.to_address, m.kind) for m in mails(session)] == [("first@example.com", "register_someone_tried")]


def test_a_closed_account_does_not_stop_the_person_registering_again(session):
    tenancy, person = make_tenant(session)
    existing_user(session, person, tenancy, email=EMAIL, status="closed")
    outcome = start(session)
    assert confirm_code(session, outcome.attempt_token, latest_code(session), now=NOW).status == "registered"


def test_joint_tenants_with_different_emails_both_register(session):
    tenancy = tenancy_with_rent_account(session)
    lead = sam(session, dob=date(1980, 2, 1), first="Sam")
    joint = sam(session, dob=date(1982, 7, 14), first="Alex")
    make_party(session, tenancy, lead, "lead_tenant")
    make_party(session, tenancy, joint, "joint_tenant")

    first = start(session, email="sam@example.com", date_of_birth=date(1980, 2, 1))
    assert (
        confirm_code(session, first.attempt_token, latest_code(session, "sam@example.com"), now=NOW).status
        == "registered"
    )
    second = start(session, email="alex@example.com", date_of_birth=date(1982, 7, 14), client="another-client")
    assert confirm_code(session, second.attempt_token, latest_code(session, "alex@example.com"), now=NOW).status == (
        "registered"
    )

    assert {(u.email, u.person_id, u.tenancy_id, u.status) for u in users(session)} == {
        ("sam@example.com", lead.id, tenancy.id, "active"),
        ("alex@example.com", joint.id, tenancy.id, "active"),
    }


def test_joint_tenants_sharing_one_email_can_only_have_one_account_on_it(session):
    tenancy = tenancy_with_rent_account(session)
    lead, joint = sam(session, dob=date(1980, 2, 1)), sam(session, dob=date(1982, 7, 14))
    make_party(session, tenancy, lead, "lead_tenant")
    make_party(session, tenancy, joint, "joint_tenant")
    first = start(session, email="home@example.com", date_of_birth=date(1980, 2, 1))
    confirm_code(session, first.attempt_token, latest_code(session, "home@example.com"), now=NOW)

    second = start(session, email="home@example.com", date_of_birth=date(1982, 7, 14))

    assert mails(session)[-1].kind == "register_email_in_use"
    assert attempts(session)[-1].outcome == "email_in_use"
    assert confirm_code(session, second.attempt_token, "123456", now=NOW).status == "wrong"
    assert len(users(session)) == 1


def test_two_joint_tenants_with_the_same_date_of_birth_can_each_register(session):
    tenancy = tenancy_with_rent_account(session)
    first_person, second_person = sam(session), sam(session)
    make_party(session, tenancy, first_person, "lead_tenant")
    make_party(session, tenancy, second_person, "joint_tenant")
    for email in ("one@example.com", "two@example.com"):
        outcome = start(session, email=email)
        assert confirm_code(session, outcome.attempt_token, latest_code(session, email), now=NOW).status == "registered"
    assert {u.person_id for u in users(session)} == {first_person.id, second_person.id}
    third = start(session, email="three@example.com")
    assert third.attempt_token and mails(session)[-1].kind == "register_someone_tried"


def test_a_former_tenant_can_register_when_the_landlord_allows_it(session):
    settings = dataclasses.replace(get_settings(), allow_former_tenants=True)
    tenancy, person = make_tenant(session, end=date(2025, 6, 1))
    outcome = start(session, settings=settings)
    result = confirm_code(session, outcome.attempt_token, latest_code(session), now=NOW, settings=settings)
    assert result.status == "registered"
    assert users(session)[0].tenancy_id == tenancy.id


def test_a_former_tenant_cannot_move_an_email_away_from_a_current_account(session):
    settings = dataclasses.replace(get_settings(), allow_former_tenants=True)
    make_tenant(session, end=date(2025, 6, 1))
    current_tenancy, current_person = make_tenant(session, "TEN200002", dob=date(1990, 5, 5))
    existing_user(session, current_person, current_tenancy, email=EMAIL)
    start(session, settings=settings)
    assert attempts(session)[0].outcome == "email_in_use"


def test_nothing_is_written_if_the_callers_transaction_rolls_back(db):
    with Session(db) as setup:
        make_tenant(setup)
        setup.commit()
    with Session(db) as failing:
        start(failing)
        failing.rollback()
    with Session(db) as check:
        assert (count(check, RegistrationAttempt), count(check, OutboxMessage), count(check, ThrottleHit)) == (0, 0, 0)
