"""Helping residents from the back office (services/staff/residents.py and assisted.py, the
pages staff/residents.py and staff/resident.py): finding them, seeing what they see, the
help with their sign-in, and a request raised for them by phone."""

from __future__ import annotations

import dataclasses
import inspect
import json
import re
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
import reflex as rx
from sqlmodel import Session, func, select

from portal_app.models import AuditEvent, AuthSession, MoneyRequest, OutboxMessage, PortalUser, RegistrationAttempt
from portal_app.pages.staff.resident import ResidentState
from portal_app.pages.staff.residents import ResidentSearchState
from portal_app.services import audit, roles, throttle, tokens
from portal_app.services.accounts import balances, summary
from portal_app.services.identity import auth, lockout, registration, sessions
from portal_app.services.requests import resident as resident_requests
from portal_app.services.staff import assisted, residents
from portal_app.services.staff.sessions import StaffPrincipal
from portal_app.settings import get_settings
from portal_app.state.access import STAFF, Access, access_of
from tests.factories import PASSWORD, Records, make_staff
from tests.security.handlers import run
from tests.security.test_handler_guard import Instrument, Probe

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)  # Sunday 22 November 2026
OFFICE = "10.20.0.15"
HOME_IP = "198.51.100.7"
ATTACKER = "203.0.113.9"


# ---------------------------------------------------------------------------
# The people
# ---------------------------------------------------------------------------


def officer(session, role: str = roles.INCOME_OFFICER, name: str = "Rachel Adeyemi") -> StaffPrincipal:
    member = make_staff(session, role, name=name)
    return StaffPrincipal(
        staff_id=member.id,
        name=member.name,
        permissions=roles.permissions_of(role),
        role=role,
        role_label=roles.role_label(role),
    )


def household(records: Records, n: int, first: str, last: str, *, postcode: str, email: str | None):
    """A lead tenant on tenancy TEN{n}00{n}, home at postcode, rent account RENT-{n}00{n}
    (£100 a week, one charge and one payment), with a portal account at ``email``
    (none when None)."""
    home = records.home(f"{n} Juniper Row", None, postcode=postcode, ref=f"P-{n}")
    person = records.person(first, last, dob=date(1980, 1, n), ref=f"PE-{n}")
    tenancy = records.tenancy(home=home, ref=f"TEN{n}00{n}")
    records.party(tenancy, person)
    account = records.account(tenancy, ref=f"RENT-{n}00{n}")
    records.charge(account, 10_000, description="Basic rent")
    records.post(account, date(2026, 11, 16), "rent_charge", 10_000, "Rent")
    records.post(account, date(2026, 11, 18), "payment", -4_000, "Card payment")
    user = records.user(person, tenancy, email=email) if email else None
    return SimpleNamespace(person=person, tenancy=tenancy, account=account, user=user, home=home)


@pytest.fixture
def annabel(records):
    return household(records, 7, "Annabel", "Quigley", postcode="NB7 1AA", email="annabel@example.org")


@pytest.fixture
def bart(records):
    return household(records, 8, "Bartholomew", "Ndiaye", postcode="NB8 2BB", email="bart@example.org")


@pytest.fixture
def rachel(session):
    return officer(session)


def audit_lines(session, action: str | None = None) -> list[AuditEvent]:
    """The staff's lines of the audit log (the residents' own sign-ins are logged there too)."""
    stmt = select(AuditEvent).where(AuditEvent.actor_kind == audit.STAFF).order_by(AuditEvent.id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return list(session.exec(stmt).all())


def mails(session, kind: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list(session.exec(stmt).all())


def sign_in(session, user: PortalUser, password: str = PASSWORD, *, ip: str = HOME_IP, at: datetime = NOW):
    return auth.sign_in(session, user.email, password, client=f"{ip} test", client_ip=ip, now=at)


def live(session, user: PortalUser, at: datetime = NOW) -> int:
    return sum(
        1
        for s in session.exec(select(AuthSession).where(AuthSession.user_id == user.id)).all()
        if s.ended_at is None and s.expires_at > at
    )


# ---------------------------------------------------------------------------
# Finding a resident
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("search_by", "typed"),
    [
        ("name", "quigley"),
        ("name", "ANNABEL quig"),
        ("tenancy", "ten 7007"),
        ("account", "rent-7007"),
        ("email", "ANNABEL@example"),
        ("postcode", "nb71aa"),
        ("postcode", "NB7 1AA"),
        ("any", "Quigley"),
        ("any", "nb7 1aa"),
    ],
)
def test_an_officer_finds_a_resident_by_each_key_whatever_the_case_and_spaces(
    session, annabel, bart, rachel, search_by, typed
):
    found = residents.search(session, rachel, typed, search_by, now=NOW, client_ip=OFFICE)

    assert found.error == ""
    assert [(m.name, m.tenancy_ref, m.user_id) for m in found.matches] == [
        ("Annabel Quigley", "TEN7007", annabel.user.id)
    ]
    match = found.matches[0]
    assert match.address == "7 Juniper Row, Northbrook NB7 1AA"
    assert match.role_label == "Lead tenant"
    assert match.portal_words == "Active: they can sign in"
    assert not found.more


def test_someone_on_a_tenancy_with_no_portal_account_is_found_and_says_so(session, annabel, rachel, records):
    joint = records.person("Annabel", "Quigley-Stone", ref="PE-J")
    records.party(annabel.tenancy, joint, "joint_tenant")

    found = residents.search(session, rachel, "ten7007", "tenancy", now=NOW)

    by_name = {m.name: m for m in found.matches}
    assert set(by_name) == {"Annabel Quigley", "Annabel Quigley-Stone"}
    assert by_name["Annabel Quigley-Stone"].user_id is None
    assert by_name["Annabel Quigley-Stone"].portal_words == "No portal account"
    assert by_name["Annabel Quigley-Stone"].role_label == "Joint tenant"


def test_the_email_the_landlord_holds_finds_someone_without_a_portal_account(session, records, rachel):
    never_registered = household(records, 9, "Cyril", "Okafor", postcode="NB9 9CC", email=None)
    never_registered.person.email = "cyril.okafor@example.net"
    session.add(never_registered.person)
    session.flush()

    found = residents.search(session, rachel, "cyril.okafor@", "email", now=NOW)

    assert [(m.name, m.portal_words) for m in found.matches] == [("Cyril Okafor", "No portal account")]


@pytest.mark.parametrize(
    ("typed", "search_by", "message"),
    [
        ("", "any", "Enter a name, reference, email address or postcode"),
        ("   ", "name", "Enter a name, reference, email address or postcode"),
        ("n", "name", "Enter at least 2 characters"),
        ("nb", "postcode", "Enter at least 3 characters"),
        ("quigley", "date_of_birth", "Choose what to search by from the list"),
        ("q" * 101, "name", "Search for 100 characters or fewer"),
    ],
)
def test_a_search_that_is_too_short_or_odd_is_answered_with_a_message_and_runs_no_search(
    session, annabel, rachel, typed, search_by, message
):
    found = residents.search(session, rachel, typed, search_by, now=NOW)

    assert found.error == message and found.matches == ()
    assert audit_lines(session) == []  # nothing was searched, so nothing to record


def test_a_two_letter_surname_can_be_searched_for(session, records, rachel):
    household(records, 5, "Wei", "Ng", postcode="NB5 5EE", email="wei@example.org")

    assert [m.name for m in residents.search(session, rachel, "NG", "name", now=NOW).matches] == ["Wei Ng"]


def test_a_percent_sign_or_underscore_typed_is_a_character_and_not_a_wildcard(session, annabel, bart, rachel):
    for typed in ("%%%", "___", "%_%"):
        assert residents.search(session, rachel, typed, "any", now=NOW).matches == ()


def test_more_matches_than_the_cap_are_cut_and_the_officer_is_told_to_refine_the_search(session, records, rachel):
    for n in range(residents.MAX_RESULTS + 3):
        person = records.person(f"Sam{n:02d}", "Smith", ref=f"S-{n}")
        records.party(records.tenancy(ref=f"SM{n:03d}"), person)

    found = residents.search(session, rachel, "smith", "name", now=NOW)

    assert len(found.matches) == residents.MAX_RESULTS and found.more
    assert [m.name for m in found.matches] == [f"Sam{n:02d} Smith" for n in range(residents.MAX_RESULTS)]


def test_every_search_writes_one_audit_line_with_the_officer_and_the_words_typed(session, annabel, rachel):
    residents.search(session, rachel, "quigley", "name", now=NOW, client_ip=OFFICE)
    residents.search(session, rachel, "nobody like this", "any", now=NOW + timedelta(minutes=1), client_ip=OFFICE)

    lines = audit_lines(session)
    assert [line.action for line in lines] == [audit.RESIDENT_SEARCHED] * 2
    assert {(line.actor_kind, line.actor_id, line.actor_label, line.client_ip) for line in lines} == {
        ("staff", rachel.staff_id, "Rachel Adeyemi", OFFICE)
    }
    assert [json.loads(line.detail) for line in lines] == [
        {"query": "quigley", "search_by": "name", "found": 1, "more": False},
        {"query": "nobody like this", "search_by": "any", "found": 0, "more": False},
    ]


# ---------------------------------------------------------------------------
# Seeing a resident as they see the portal
# ---------------------------------------------------------------------------


def test_the_read_only_view_is_exactly_what_the_residents_own_services_show_them(session, annabel, rachel, records):
    records.portal_payment(annabel.account, annabel.user, 2_500, "PAY-1", at=NOW - timedelta(hours=1))
    resident_requests.submit_query(
        session, **_on(annabel), message="Why did my rent go up in April?", now=NOW, settings=get_settings()
    )
    settings = get_settings()
    caller = SimpleNamespace(person_id=annabel.person.id, tenancy_id=annabel.tenancy.id)

    view = residents.view_resident(session, rachel, str(annabel.user.id), now=NOW, settings=settings)
    account = residents.view_account(session, rachel, annabel.user.id, "RENT-7007", now=NOW, settings=settings)
    [theirs] = resident_requests.my_requests(session, annabel.user.id)
    detail = residents.view_request(session, rachel, annabel.user.id, theirs.reference, now=NOW)

    assert view.accounts == tuple(
        balances.account_summaries(
            session,
            person_id=annabel.person.id,
            tenancy_id=annabel.tenancy.id,
            today=date(2026, 11, 22),
            now=NOW,
            allow_former=settings.allow_former_tenants,
            roles=settings.eligible_roles,
        )
    )
    assert view.requests == (theirs,)
    assert account.overview == summary.account_overview(session, caller, "RENT-7007", "", now=NOW, settings=settings)[1]
    assert (
        account.history
        == summary.history(
            session,
            caller,
            "RENT-7007",
            "",
            date_from=None,
            date_to=None,
            type_group="",
            page=1,
            page_size=residents.HISTORY_PAGE_SIZE,
            today=date(2026, 11, 22),
            settings=settings,
        )[1]
    )
    assert detail == resident_requests.request_detail(session, annabel.user.id, theirs.reference)
    # What the officer would read out: the same words the resident sees.
    assert view.accounts[0].balance_words == "You owe £60.00 (arrears)"
    assert [p.amount_pence for p in account.overview.pending] == [2_500]


def _on(who) -> dict:
    return {
        "user_id": who.user.id,
        "person_id": who.person.id,
        "tenancy_id": who.tenancy.id,
        "account_id": who.account.id,
    }


def test_the_profile_shows_contact_details_and_sign_in_without_the_password(session, annabel, rachel):
    annabel.user.last_sign_in_at = datetime(2026, 11, 20, 18, 5, tzinfo=UTC)
    annabel.user.totp_enabled = True
    session.add(annabel.user)
    session.flush()

    profile = residents.view_resident(session, rachel, annabel.user.id, now=NOW).profile

    assert (profile.name, profile.email, profile.mobile_masked) == (
        "Annabel Quigley",
        "annabel@example.org",
        "Ending 0123",
    )
    assert profile.status == "active" and profile.two_step_on
    assert profile.last_sign_in_words == "18:05 on 20 November 2026"
    assert profile.tenancy_ref == "TEN7007" and profile.address == "7 Juniper Row, Northbrook NB7 1AA"
    assert profile.sign_in.words == () and profile.live_sessions == 0


def test_every_look_at_a_resident_writes_an_audit_line_about_them_with_the_officer(session, annabel, rachel):
    resident_requests.submit_query(
        session, **_on(annabel), message="Why did my rent go up in April?", now=NOW, settings=get_settings()
    )
    [theirs] = resident_requests.my_requests(session, annabel.user.id)

    residents.view_resident(session, rachel, annabel.user.id, now=NOW, client_ip=OFFICE)
    residents.view_account(session, rachel, annabel.user.id, "RENT-7007", now=NOW, client_ip=OFFICE)
    residents.view_request(session, rachel, annabel.user.id, theirs.reference, now=NOW, client_ip=OFFICE)

    lines = audit_lines(session)
    assert [(line.action, line.target) for line in lines] == [
        (audit.RESIDENT_VIEWED, None),
        (audit.RESIDENT_VIEWED, "RENT-7007"),
        (audit.REQUEST_VIEWED, theirs.reference),
    ]
    assert {(line.subject_user_id, line.subject_person_id) for line in lines} == {(annabel.user.id, annabel.person.id)}
    assert {(line.actor_id, line.actor_label, line.client_ip) for line in lines} == {
        (rachel.staff_id, "Rachel Adeyemi", OFFICE)
    }


def test_a_look_that_is_rolled_back_leaves_no_audit_line_because_both_are_one_unit_of_work(db, annabel, session):
    session.commit()
    with Session(db) as other:
        rachel = officer(other)
        other.commit()
        residents.view_resident(other, rachel, annabel.user.id, now=NOW)
        assert len(audit_lines(other)) == 1  # written in the look's own transaction...
        other.rollback()
    with Session(db) as fresh:
        assert audit_lines(fresh) == []  # ...and gone with it


@pytest.mark.parametrize("raw", ["999999", "0", "-1", "abc", "1" * 40, "", None, True, 1.5, "１", " 12 34 ", ["1"]])
def test_an_id_that_is_no_portal_account_shows_nothing_and_records_nothing(session, annabel, rachel, raw):
    assert residents.view_resident(session, rachel, raw, now=NOW) is None
    assert residents.view_account(session, rachel, raw, "RENT-7007", now=NOW) is None
    assert residents.view_request(session, rachel, raw, "RQ-ABC234", now=NOW) is None
    assert residents.unlock(session, rachel, raw, now=NOW) == residents.ActionResult(False, residents.NOT_FOUND)
    assert assisted.raise_form(session, rachel, raw, "RENT-7007", "query", now=NOW).form is None
    assert audit_lines(session) == []


def test_another_residents_account_or_request_is_not_shown_through_this_resident(session, annabel, bart, rachel):
    resident_requests.submit_query(
        session, **_on(bart), message="Bart's private question about rent", now=NOW, settings=get_settings()
    )
    [barts] = resident_requests.my_requests(session, bart.user.id)

    account = residents.view_account(session, rachel, annabel.user.id, "RENT-8008", now=NOW)
    request = residents.view_request(session, rachel, annabel.user.id, barts.reference, now=NOW)

    assert account.choice.refused and account.overview is None and account.history is None
    assert request is None
    assert audit_lines(session) == []


# ---------------------------------------------------------------------------
# Helping with the sign-in
# ---------------------------------------------------------------------------


def test_clearing_the_waits_lets_the_resident_sign_in_at_once_from_where_she_failed(session, annabel, rachel):
    for _ in range(7):
        assert sign_in(session, annabel.user, "not my password").status in ("failed", "wait")
    assert sign_in(session, annabel.user).status == "wait"
    help_before = residents.view_resident(session, rachel, annabel.user.id, now=NOW).profile.sign_in
    # Five failures, then tries inside the wait: refused before the password is checked, and not counted.
    assert help_before.waiting_places == 1 and help_before.failures_last_window == 5
    assert help_before.words[0].startswith("1 internet connection has to wait before their next try")

    result = residents.unlock(session, rachel, annabel.user.id, now=NOW, client_ip=OFFICE)

    assert result.done and "They can sign in now" in result.message
    assert sign_in(session, annabel.user).status == "signed_in"
    assert residents.view_resident(session, rachel, annabel.user.id, now=NOW).profile.sign_in.words == ()
    [line] = audit_lines(session, audit.RESIDENT_UNLOCKED)
    assert (line.actor_id, line.subject_user_id) == (rachel.staff_id, annabel.user.id)
    assert json.loads(line.detail) == {
        "places_waiting": 1,
        "failures": 5,
        "wrong_second_steps": 0,
        "extra_check": False,
    }


def test_clearing_lifts_the_extra_check_after_many_wrong_tries_from_elsewhere(session, annabel, rachel):
    for n in range(get_settings().signin_account_limit):
        lockout.record_failure(session, annabel.user.email, f"100.64.0.{n + 1}", stage="password", now=NOW)
    newcomer = "192.0.2.200"  # somewhere she has not signed in from before
    assert sign_in(session, annabel.user, ip=newcomer).status == "check_email"
    assert residents.view_resident(session, rachel, annabel.user.id, now=NOW).profile.sign_in.extra_check

    residents.unlock(session, rachel, annabel.user.id, now=NOW)

    assert sign_in(session, annabel.user, ip=newcomer).status == "signed_in"


def test_clearing_leaves_the_resident_known_addresses_and_the_spraying_counts_alone(session, annabel, bart, rachel):
    assert sign_in(session, annabel.user).status == "signed_in"  # her home is now a known address
    lockout.record_failure(session, bart.user.email, ATTACKER, stage="password", now=NOW)

    residents.unlock(session, rachel, annabel.user.id, now=NOW)

    assert lockout.is_known_address(session, annabel.user.email, HOME_IP, now=NOW)
    assert throttle.hits_since(session, lockout.address_key(ATTACKER), NOW, timedelta(hours=1)) == 1
    assert throttle.hits_since(session, lockout.pair_key(bart.user.email, ATTACKER), NOW, timedelta(hours=1)) == 1


def link_in(message: OutboxMessage) -> str:
    found = re.search(r"\?token=([A-Za-z0-9_\-]+)", message.body_text)
    assert found, message.body_text
    return found.group(1)


def test_the_verification_email_is_a_link_to_choose_a_new_password_sent_only_to_her_own_address(
    session, annabel, rachel
):
    result = residents.send_password_link(session, rachel, annabel.user.id, now=NOW, client_ip=OFFICE)

    assert result.done and "annabel@example.org" in result.message
    [mail] = mails(session)
    assert (mail.to_address, mail.kind) == ("annabel@example.org", "password_reset")
    assert "You asked us, by phone or in person" in mail.body_text
    assert auth.reset_token_is_valid(session, link_in(mail), now=NOW + timedelta(minutes=29))
    [line] = audit_lines(session, audit.RESIDENT_LINK_SENT)
    assert json.loads(line.detail) == {"sent": True}
    assert link_in(mail) not in line.detail  # the link's token never reaches the log


def test_the_verification_email_keeps_the_reset_caps_so_an_inbox_cannot_be_flooded_from_the_office(
    session, annabel, rachel
):
    sent = [
        residents.send_password_link(session, rachel, annabel.user.id, now=NOW + timedelta(minutes=n)).done
        for n in range(5)
    ]

    assert sent == [True, True, True, False, False]  # R1: three an hour from one place, while a link works
    assert len(mails(session, "password_reset")) == 3
    # When none of her links works any more, one is always sent (R4).
    assert residents.send_password_link(session, rachel, annabel.user.id, now=NOW + timedelta(minutes=40)).done


def test_signing_out_everywhere_ends_every_session_of_the_resident_and_no_one_elses(session, annabel, bart, rachel):
    phone = sign_in(session, annabel.user).token
    laptop = sign_in(session, annabel.user, ip="198.51.100.8").token
    barts = sign_in(session, bart.user, ip="198.51.100.9").token

    result = residents.sign_out_everywhere(session, rachel, annabel.user.id, now=NOW, client_ip=OFFICE)

    assert result == residents.ActionResult(True, "Done: they are signed out on 2 devices.")
    later = NOW + timedelta(seconds=1)
    assert sessions.resolve_session(session, phone, now=later) is None
    assert sessions.resolve_session(session, laptop, now=later) is None
    assert sessions.resolve_session(session, barts, now=later) is not None
    [line] = audit_lines(session, audit.RESIDENT_SIGNED_OUT_EVERYWHERE)
    assert (json.loads(line.detail), line.subject_user_id) == ({"sessions_ended": 2}, annabel.user.id)


def test_the_resident_sees_in_her_sign_in_history_what_our_staff_did_to_her_sign_in_but_not_their_looks(
    session, annabel, rachel
):
    from portal_app.services.identity.history import sign_in_history

    residents.view_resident(session, rachel, annabel.user.id, now=NOW, client_ip=OFFICE)
    residents.sign_out_everywhere(session, rachel, annabel.user.id, now=NOW, client_ip=OFFICE)

    lines = sign_in_history(session, annabel.user.id)
    staff_lines = [line for line in lines if line.where == "Our office"]
    assert [line.what for line in staff_lines] == ["Our staff signed you out everywhere"]
    assert OFFICE not in " ".join(f"{line.where} {line.ip}" for line in lines)  # not the office network's address
    assert not any("accounts" in line.what.lower() for line in lines)  # the look is the landlord's record, not hers


def test_a_turned_off_account_cannot_sign_in_and_its_sessions_end_and_turning_it_on_restores_it(
    session, annabel, rachel
):
    token = sign_in(session, annabel.user).token

    off = residents.disable(session, rachel, annabel.user.id, "Reported a stolen phone", now=NOW, client_ip=OFFICE)

    assert off.done
    assert session.get(PortalUser, annabel.user.id).status == "disabled"
    assert sessions.resolve_session(session, token, now=NOW) is None
    assert sign_in(session, annabel.user, ip="198.51.100.50").status == "failed"
    auth.request_password_reset(session, annabel.user.email, client_ip=HOME_IP, now=NOW)
    [told] = mails(session)
    assert (told.to_address, told.kind) == ("annabel@example.org", "account_disabled")  # no reset link sent
    assert "Reported a stolen phone" not in told.body_text  # the officer's reason stays in the back office
    assert residents.view_resident(session, rachel, annabel.user.id, now=NOW).profile.disabled_reason == (
        "Reported a stolen phone"
    )

    on = residents.enable(session, rachel, annabel.user.id, "She has her phone back", now=NOW, client_ip=OFFICE)

    assert on.done
    assert sessions.resolve_session(session, token, now=NOW) is None  # her old sessions stay ended
    assert sign_in(session, annabel.user, ip="198.51.100.51").status == "signed_in"
    assert [m.kind for m in mails(session)] == ["account_disabled", "account_enabled"]
    lines = audit_lines(session)
    assert [(line.action, json.loads(line.detail).get("reason")) for line in lines if "able" in line.action] == [
        (audit.RESIDENT_DISABLED, "Reported a stolen phone"),
        (audit.RESIDENT_ENABLED, "She has her phone back"),
    ]
    assert {line.actor_id for line in lines} == {rachel.staff_id}


@pytest.mark.parametrize(("reason", "message"), [("", "Enter why you are turning off this account"), ("x" * 501, None)])
def test_turning_off_needs_a_reason_and_without_one_nothing_changes(session, annabel, rachel, reason, message):
    token = sign_in(session, annabel.user).token

    result = residents.disable(session, rachel, annabel.user.id, reason, now=NOW)

    assert not result.done and list(result.errors) == ["disable_reason"]
    if message:
        assert result.errors["disable_reason"] == message
    assert session.get(PortalUser, annabel.user.id).status == "active"
    assert sessions.resolve_session(session, token, now=NOW) is not None
    assert mails(session) == [] and audit_lines(session) == []


def test_a_turned_off_account_cannot_be_got_round_by_registering_again(session, annabel, rachel):
    residents.disable(session, rachel, annabel.user.id, "Asked by the tenancy team", now=NOW)

    registration.start_registration(
        session,
        registration.RegistrationDetails(
            tenancy_reference="TEN7007",
            date_of_birth=date(1980, 1, 7),
            email="annabel.new@example.org",
            mobile="+447700900555",
            password="plum-kettle-orbit-42",
            paper_correspondence=False,
        ),
        client_ip=HOME_IP,
        now=NOW,
    )

    [attempt] = session.exec(select(RegistrationAttempt)).all()
    assert attempt.outcome == registration.EXISTING  # not a match: no code that could make a second account


def test_the_sign_in_helps_refuse_a_turned_off_or_closed_account_where_they_would_mean_nothing(
    session, annabel, rachel
):
    residents.disable(session, rachel, annabel.user.id, "Asked by the tenancy team", now=NOW)

    assert not residents.unlock(session, rachel, annabel.user.id, now=NOW).done
    assert not residents.send_password_link(session, rachel, annabel.user.id, now=NOW).done
    assert not residents.disable(session, rachel, annabel.user.id, "again", now=NOW).done
    assert [m.kind for m in mails(session)] == ["account_disabled"]


# ---------------------------------------------------------------------------
# Never the password
# ---------------------------------------------------------------------------

_SECRET_NAMES = re.compile(r"password|hash|secret|totp|token|recovery|bank_details_enc", re.I)


def _strings(value) -> list[str]:
    """Every string inside a DTO (dataclasses, tuples, lists, dicts), and every field name."""
    if isinstance(value, str):
        return [value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        found = []
        for f in dataclasses.fields(value):
            found.append(f.name)
            found += _strings(getattr(value, f.name))
        return found
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list | tuple | set | frozenset):
        return [s for item in value for s in _strings(item)]
    return []


@pytest.fixture
def annabel_with_two_step(session, annabel):
    annabel.user.totp_secret_enc = tokens.encrypt("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    annabel.user.totp_enabled = True
    session.add(annabel.user)
    session.flush()
    return annabel


def test_no_dto_an_officer_is_given_carries_the_password_hash_or_the_two_step_key(
    session, annabel_with_two_step, rachel
):
    user = annabel_with_two_step.user
    resident_requests.submit_query(
        session, **_on(annabel_with_two_step), message="Why did my rent go up?", now=NOW, settings=get_settings()
    )
    [theirs] = resident_requests.my_requests(session, user.id)
    given = [
        residents.search(session, rachel, "quigley", "name", now=NOW),
        residents.view_resident(session, rachel, user.id, now=NOW),
        residents.view_account(session, rachel, user.id, "RENT-7007", now=NOW),
        residents.view_request(session, rachel, user.id, theirs.reference, now=NOW),
        assisted.raise_form(session, rachel, user.id, "RENT-7007", "refund", now=NOW),
        residents.unlock(session, rachel, user.id, now=NOW),
        residents.sign_out_everywhere(session, rachel, user.id, now=NOW),
    ]
    strings = _strings(given)

    assert len(strings) > 200  # the walk reached into the DTOs
    assert not [s for s in strings if user.password_hash in s or user.totp_secret_enc in s]
    assert not [s for s in strings if s.startswith("$argon2")]
    names = {f.name for dto in given for f in dataclasses.fields(dto)}
    assert not {n for n in names if _SECRET_NAMES.search(n)}
    for cls in (residents.ResidentProfile, residents.SignInHelp, residents.ResidentMatch, residents.ResidentView):
        assert not [f.name for f in dataclasses.fields(cls) if _SECRET_NAMES.search(f.name)], cls


# ---------------------------------------------------------------------------
# Assisted digital: a request raised by phone
# ---------------------------------------------------------------------------


def test_a_request_raised_by_phone_shows_the_officers_name_to_the_resident_and_sends_the_usual_email(
    session, annabel, rachel
):
    outcome = assisted.raise_request(
        session,
        rachel,
        annabel.user.id,
        "RENT-7007",
        kind="query",
        via="phone",
        form={"message": "Why did my rent go up in April?", "transaction_id": ""},
        choices={},
        now=NOW,
        client_ip=OFFICE,
    )

    assert outcome.ok
    reference = outcome.acknowledgement.reference
    [theirs] = resident_requests.my_requests(session, annabel.user.id)
    assert theirs.reference == reference
    assert theirs.raised_by == "Raised for you by Rachel Adeyemi (by phone)"
    detail = resident_requests.request_detail(session, annabel.user.id, reference)
    assert detail.raised_by == "Raised for you by Rachel Adeyemi (by phone)"
    assert detail.lines[0].value == "Why did my rent go up in April?"
    stored = session.exec(select(MoneyRequest)).one()
    assert (stored.raised_by_staff_id, stored.user_id, stored.account_id) == (
        rachel.staff_id,
        annabel.user.id,
        annabel.account.id,
    )
    [mail] = mails(session)
    assert (mail.to_address, mail.kind) == ("annabel@example.org", "request_received")
    assert reference in mail.body_text
    [line] = audit_lines(session, audit.REQUEST_RAISED_FOR_RESIDENT)
    assert (line.actor_id, line.subject_user_id, line.target) == (rachel.staff_id, annabel.user.id, reference)
    assert json.loads(line.detail) == {"kind": "query", "via": "phone", "account": "RENT-7007"}


def test_a_request_the_resident_made_themselves_says_nothing_about_an_officer(session, annabel):
    resident_requests.submit_query(
        session, **_on(annabel), message="Why did my rent go up in April?", now=NOW, settings=get_settings()
    )

    [theirs] = resident_requests.my_requests(session, annabel.user.id)
    assert theirs.raised_by == ""
    assert resident_requests.request_detail(session, annabel.user.id, theirs.reference).raised_by == ""


def test_a_refund_raised_in_person_keeps_the_refund_rules_and_its_bank_details_out_of_the_log(
    session, annabel, rachel, records
):
    records.post(annabel.account, date(2026, 11, 19), "payment", -26_000, "Card payment")  # £200.00 in credit
    session.commit()  # a refund with errors rolls its unit of work back, as each handler's is

    too_much = assisted.raise_request(
        session,
        rachel,
        annabel.user.id,
        "RENT-7007",
        kind="refund",
        via="in_person",
        form={
            "amount": "150.00",
            "bank_account_name": "A Quigley",
            "sort_code": "309430",
            "bank_account_number": "00733445",
        },
        choices={},
        now=NOW,
    )
    fine = assisted.raise_request(
        session,
        rachel,
        annabel.user.id,
        "RENT-7007",
        kind="refund",
        via="in_person",
        form={
            "amount": "90.00",
            "bank_account_name": "A Quigley",
            "sort_code": "309430",
            "bank_account_number": "00733445",
        },
        choices={},
        now=NOW,
    )

    assert too_much.errors == {"amount": "Amount must be £100.00 or less"}  # one week of rent kept back
    assert fine.ok
    [theirs] = resident_requests.my_requests(session, annabel.user.id)
    assert theirs.raised_by == "Raised for you by Rachel Adeyemi (in person)"
    for line in audit_lines(session):
        assert "00733445" not in line.detail and "309430" not in line.detail


def test_a_raised_request_with_errors_writes_nothing_at_all(session, annabel, rachel):
    session.commit()
    outcome = assisted.raise_request(
        session,
        rachel,
        annabel.user.id,
        "RENT-7007",
        kind="query",
        via="phone",
        form={"message": "short"},
        choices={},
        now=NOW,
    )

    assert outcome.errors == {"message": "Question must be 10 characters or more"}
    assert session.exec(select(func.count()).select_from(MoneyRequest)).one() == 0
    assert mails(session) == [] and audit_lines(session, audit.REQUEST_RAISED_FOR_RESIDENT) == []


@pytest.mark.parametrize(
    ("kind", "via", "account", "what"),
    [
        ("complaint", "phone", "RENT-7007", "problem"),
        ("data_erasure", "phone", "RENT-7007", "problem"),  # the resident's own data-rights form, not this one
        ("query", "by pigeon", "RENT-7007", "raised_via"),
        ("query", "phone", "RENT-8008", "not_yours"),
        ("query", "phone", "", "problem"),
    ],
)
def test_a_raised_request_keeps_to_the_residents_kinds_and_accounts(
    session, annabel, bart, rachel, kind, via, account, what
):
    outcome = assisted.raise_request(
        session,
        rachel,
        annabel.user.id,
        account,
        kind=kind,
        via=via,
        form={"message": "Why did my rent go up in April?"},
        choices={},
        now=NOW,
    )

    assert not outcome.ok
    if what == "raised_via":
        assert outcome.errors == {"raised_via": "Select how they asked us"}
    elif what == "not_yours":
        assert outcome.not_yours
    else:
        assert outcome.problem
    assert session.exec(select(func.count()).select_from(MoneyRequest)).one() == 0


def test_no_request_can_be_raised_for_a_turned_off_account(session, annabel, rachel):
    residents.disable(session, rachel, annabel.user.id, "Asked by the tenancy team", now=NOW)

    outcome = assisted.raise_request(
        session,
        rachel,
        annabel.user.id,
        "RENT-7007",
        kind="query",
        via="phone",
        form={"message": "Why did my rent go up in April?"},
        choices={},
        now=NOW,
    )

    assert not outcome.ok and outcome.problem == "Requests can only be raised for an active portal account."
    assert session.exec(select(func.count()).select_from(MoneyRequest)).one() == 0


# ---------------------------------------------------------------------------
# The pages' handlers: marks, refusals, and what the state holds
# ---------------------------------------------------------------------------

EXPECTED_MARKS = {
    (ResidentSearchState, "open_search"): "view_resident",
    (ResidentSearchState, "search"): "view_resident",
    (ResidentState, "load"): "view_resident",
    (ResidentState, "show_account"): "view_resident",
    (ResidentState, "account_go_to"): "view_resident",
    (ResidentState, "show_request"): "view_resident",
    (ResidentState, "unlock"): "unlock_accounts",
    (ResidentState, "send_password_link"): "unlock_accounts",
    (ResidentState, "sign_out_everywhere"): "unlock_accounts",
    (ResidentState, "disable"): "unlock_accounts",
    (ResidentState, "enable"): "unlock_accounts",
    (ResidentState, "start_raise"): "raise_on_behalf",
    (ResidentState, "choose"): "raise_on_behalf",
    (ResidentState, "raise_request"): "raise_on_behalf",
    (ResidentState, "raise_another"): "raise_on_behalf",
}


def _own_handlers(state) -> set[str]:
    return {name for name, h in state.event_handlers.items() if h.fn.__module__ == state.__module__}


def test_every_handler_of_the_two_pages_names_the_one_permission_it_needs():
    assert _own_handlers(ResidentSearchState) | _own_handlers(ResidentState) >= {n for _s, n in EXPECTED_MARKS}
    assert {(s, n) for s in (ResidentSearchState, ResidentState) for n in _own_handlers(s)} == set(EXPECTED_MARKS)
    for (state, name), permission in EXPECTED_MARKS.items():
        assert access_of(state.event_handlers[name].fn) == Access(STAFF, permission), name


def _probe_staff(*permissions: str) -> StaffPrincipal:
    return StaffPrincipal(staff_id=7, name="Olu Officer", permissions=frozenset(permissions))


@pytest.mark.parametrize(("state", "name"), list(EXPECTED_MARKS))
def test_a_handler_refuses_a_member_of_staff_whose_role_lacks_its_permission_without_running(state, name):
    permission = EXPECTED_MARKS[(state, name)]
    fn = state.event_handlers[name].fn
    others = set(roles.PERMISSIONS) - {permission}
    args = ["x"] * (len(inspect.signature(inspect.unwrap(fn)).parameters) - 1)
    with Instrument(fn, calls := []):
        refused = run(fn(Probe(staff=_probe_staff(*others)), *args))
        anonymous = run(fn(Probe(), *args))
        run(fn(Probe(staff=_probe_staff(permission)), *args))  # the control: with it, the handler runs
    assert "/staff/not-allowed" in str(refused)
    assert "/staff/sign-in" in str(anonymous)
    assert len(calls) == 1


def _page_state(state_cls, monkeypatch, staff: StaffPrincipal, user_id: int | str = ""):
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(state_cls.get_full_name().split(".")[1:])
    monkeypatch.setattr(state_cls, "_resolve_staff", lambda self: staff)
    if state_cls is ResidentState:
        monkeypatch.setattr(ResidentState, "_id_from_page", lambda self: str(user_id))
    return state


def _everything_in(state) -> list[str]:
    return [s for name in type(state).__fields__ for s in (name, *_strings(getattr(state, name)))]


def test_the_resident_page_shows_them_as_they_see_the_portal_and_its_state_never_holds_the_password_hash(
    db, session, annabel_with_two_step, monkeypatch
):
    user = annabel_with_two_step.user
    rachel = officer(session)
    session.commit()
    state = _page_state(ResidentState, monkeypatch, rachel, user.id)
    H = ResidentState.event_handlers

    run(H["load"].fn(state))
    run(H["show_account"].fn(state, "RENT-7007"))
    run(H["start_raise"].fn(state, {"raise_kind": "refund", "raise_account": "RENT-7007"}))
    run(
        H["raise_request"].fn(
            state,
            {
                "amount": "1000.00",
                "bank_account_name": "A Quigley",
                "sort_code": "309430",
                "bank_account_number": "00733445",
            },
        )
    )

    assert state.found and state.profile["name"] == "Annabel Quigley"
    assert [a["balance"] for a in state.accounts] == ["£60.00 DR"]
    assert state.account["reference"] == "RENT-7007" and len(state.account_history) == 2
    assert state.raise_step == "form" and state.raise_errors  # in arrears: no refund possible
    everything = _everything_in(state)
    assert not [s for s in everything if user.password_hash in s or user.totp_secret_enc in s]
    assert not [s for s in everything if "00733445" in s or "309430" in s]  # bank details typed: never in state
    with Session(db) as fresh:
        assert [line.action for line in audit_lines(fresh)] == [audit.RESIDENT_VIEWED] * 3


def test_the_page_for_an_id_that_is_no_portal_account_says_so_and_holds_nothing(db, session, annabel, monkeypatch):
    rachel = officer(session)
    session.commit()
    state = _page_state(ResidentState, monkeypatch, rachel, "99999")

    run(ResidentState.event_handlers["load"].fn(state))
    run(ResidentState.event_handlers["unlock"].fn(state))

    assert state.loaded and not state.found and state.profile == {} and state.accounts == []
    assert state.help_message == residents.NOT_FOUND
    with Session(db) as fresh:
        assert audit_lines(fresh) == []


def test_an_officer_without_the_help_permission_changes_nothing_even_with_the_resident_open(
    db, session, annabel, monkeypatch
):
    token = sign_in(session, annabel.user).token
    for _ in range(7):
        sign_in(session, annabel.user, "wrong", ip=ATTACKER)
    dpo = officer(session, roles.DATA_PROTECTION_OFFICER, name="Dee Protection")
    session.commit()
    state = _page_state(ResidentState, monkeypatch, dpo, annabel.user.id)
    H = ResidentState.event_handlers
    run(H["load"].fn(state))  # a data protection officer may look
    assert state.found

    results = [
        run(H["unlock"].fn(state)),
        run(H["send_password_link"].fn(state)),
        run(H["sign_out_everywhere"].fn(state)),
        run(H["disable"].fn(state, {"disable_reason": "because"})),
        run(H["start_raise"].fn(state, {"raise_kind": "query", "raise_account": "RENT-7007"})),
    ]

    assert all("/staff/not-allowed" in str(r) for r in results)
    with Session(db) as fresh:
        assert sessions.resolve_session(fresh, token, now=NOW) is not None
        assert fresh.get(PortalUser, annabel.user.id).status == "active"
        assert lockout.wait_seconds(fresh, annabel.user.email, ATTACKER, now=NOW) > 0
        assert fresh.exec(select(OutboxMessage)).all() == []
        assert [line.action for line in audit_lines(fresh)] == [audit.RESIDENT_VIEWED]


@pytest.fixture
def someone_without_an_account(records):
    """Made first, so that person ids and portal account ids no longer run side by side."""
    return household(records, 6, "Dora", "Evans", postcode="NB6 6DD", email=None)


def test_the_search_page_finds_residents_and_keeps_nothing_secret(
    db, session, someone_without_an_account, annabel, monkeypatch
):
    rachel = officer(session)
    session.commit()
    state = _page_state(ResidentSearchState, monkeypatch, rachel)

    run(ResidentSearchState.event_handlers["search"].fn(state, {"query": "quigley", "search_by": "name"}))

    assert [(r["name"], r["href"], r["portal"]) for r in state.results] == [
        ("Annabel Quigley", f"/staff/residents/view?id={annabel.user.id}", "Active: they can sign in")
    ]
    assert not [s for s in _everything_in(state) if annabel.user.password_hash in s]

    run(ResidentSearchState.event_handlers["search"].fn(state, {"query": "q", "search_by": "any"}))

    assert state.errors == {"query": "Enter at least 3 characters"} and state.results == []


def test_the_resident_sees_raised_for_you_by_the_officer_on_my_requests_and_on_the_request_itself(
    db, session, annabel, monkeypatch
):
    from portal_app.pages.requests.detail import RequestDetailState
    from portal_app.pages.requests.mine import MyRequestsState

    rachel = officer(session)
    outcome = assisted.raise_request(
        session,
        rachel,
        annabel.user.id,
        "RENT-7007",
        kind="query",
        via="phone",
        form={"message": "Why did my rent go up in April?"},
        choices={},
        now=NOW,
    )
    session.commit()
    her = sessions.Principal(
        user_id=annabel.user.id,
        session_id=0,
        person_id=annabel.person.id,
        tenancy_id=annabel.tenancy.id,
        first_name="Annabel",
        email=annabel.user.email,
    )

    async def signed_in(self):
        return her

    root = rx.State(_reflex_internal_init=True)
    mine = root.get_substate(MyRequestsState.get_full_name().split(".")[1:])
    detail = root.get_substate(RequestDetailState.get_full_name().split(".")[1:])
    for cls in (MyRequestsState, RequestDetailState):
        monkeypatch.setattr(cls, "_resolve_off_loop", signed_in)
    monkeypatch.setattr(RequestDetailState, "_query", lambda self, name: outcome.acknowledgement.reference)

    run(MyRequestsState.event_handlers["load"].fn(mine))
    run(RequestDetailState.event_handlers["load"].fn(detail))

    assert [item["raised_by"] for item in mine.items] == ["Raised for you by Rachel Adeyemi (by phone)"]
    assert detail.detail["raised_by"] == "Raised for you by Rachel Adeyemi (by phone)"


def test_an_administrator_cannot_use_the_sign_in_helps_and_the_residents_waits_stay(db, session, annabel, monkeypatch):
    for _ in range(6):
        sign_in(session, annabel.user, "wrong")
    admin = officer(session, roles.ADMINISTRATOR, name="Alex Morgan")
    session.commit()
    state = _page_state(ResidentState, monkeypatch, admin, annabel.user.id)
    state._user_id = annabel.user.id  # as if the page had been opened by someone who may look

    result = run(ResidentState.event_handlers["unlock"].fn(state))

    assert "/staff/not-allowed" in str(result)
    assert state.profile == {} and state.accounts == []
    with Session(db) as fresh:
        assert lockout.wait_seconds(fresh, annabel.user.email, HOME_IP, now=NOW) > 0
        assert [line.action for line in audit_lines(fresh)] == []
