"""Giving notice (services/tenancy/notice.py), at frozen times: notice counts from the day we
receive it (the next working day after a weekend or bank holiday), lasts at least four weeks
and ends on the day the tenancy agreement says; one joint tenant's notice ends the tenancy for
everyone, so the others are named and the resident must confirm they know; only tenants of a
periodic tenancy may give it, once; and the rent account is put in words."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlmodel import select

from portal_app.models import MoneyRequest
from portal_app.services.tenancy import notice
from portal_app.settings import get_settings
from tests.unit.requests.steps import counts, mails

SETTINGS = dataclasses.replace(get_settings(), notice_end_day="monday", bank_holidays_extra=())
CHRISTMAS_DAY = datetime(2026, 12, 25, 10, 0, tzinfo=UTC)  # a Friday and a bank holiday
BOXING_DAY = datetime(2026, 12, 26, 15, 0, tzinfo=UTC)  # a Saturday; its bank holiday is Monday 28th
EASTER_SATURDAY = datetime(2027, 3, 27, 9, 0, tzinfo=UTC)  # between Good Friday and Easter Monday
FRIDAY = datetime(2026, 12, 4, 11, 0, tzinfo=UTC)  # an ordinary working day


def _who(resident) -> SimpleNamespace:
    return SimpleNamespace(**resident.principal)


def _context(session, resident, now, settings=SETTINGS):
    return notice.notice_context(session, _who(resident), now=now, settings=settings)


def _form(end: str, **extra) -> dict:
    return {"end_choice": end, "forwarding_address": "12 New Street, Southtown ST1 2AB", **extra}


@pytest.fixture
def ann(records):
    return records.resident(email="ann@example.org")


@pytest.fixture
def joint(records):
    """Ada and Bea Okafor, joint tenants, each with a portal user."""
    ada = records.resident(first="Ada", last="Okafor", email="ada@example.org")
    bea = records.person("Bea", "Okafor")
    records.party(ada.tenancy, bea, "joint_tenant")
    records.party(ada.tenancy, records.person("Cal", "Okafor"), "household_member")
    bea_user = records.user(bea, ada.tenancy, email="bea@example.org")
    return SimpleNamespace(
        ada=ada,
        bea=SimpleNamespace(principal={"user_id": bea_user.id, "person_id": bea.id, "tenancy_id": ada.tenancy.id}),
    )


# --- the day we receive it -------------------------------------------------------------


def test_notice_sent_on_christmas_day_or_boxing_day_2026_counts_from_tuesday_29_december(session, ann):
    for sent in (CHRISTMAS_DAY, BOXING_DAY):
        context = _context(session, ann, sent)
        assert context.received == date(2026, 12, 29)
        assert context.received_words == "Tuesday 29 December 2026"
        assert "is not a working day" in context.received_why and "Tuesday 29 December 2026" in context.received_why


def test_notice_sent_on_a_working_day_counts_from_that_day(session, ann):
    context = _context(session, ann, FRIDAY)
    assert context.received == date(2026, 12, 4)
    assert context.received_why == "Notice you give today counts from today."


def test_notice_sent_late_on_a_summer_friday_evening_in_utc_is_a_saturday_in_the_uk_and_counts_from_monday(
    session, ann
):
    context = _context(session, ann, datetime(2027, 6, 4, 23, 30, tzinfo=UTC))  # 00:30 on Saturday 5 June, BST
    assert context.received == date(2027, 6, 7)


# --- the earliest end date for each rule ------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "frequency", "earliest"),
    [
        ("monday", "weekly", date(2027, 2, 1)),
        ("sunday", "weekly", date(2027, 1, 31)),
        ("period_end", "weekly", date(2027, 1, 31)),
        ("period_end", "monthly", date(2027, 1, 31)),
        ("any_day", "weekly", date(2027, 1, 26)),
    ],
)
def test_the_earliest_end_date_for_each_tenancy_agreement_rule_after_christmas(session, ann, rule, frequency, earliest):
    ann.tenancy.notice_end_day, ann.tenancy.rent_frequency = rule, frequency
    context = _context(session, ann, CHRISTMAS_DAY)
    # received Tuesday 29 December; 28 days later is Tuesday 26 January 2027
    assert context.earliest == earliest
    assert context.earliest_words == notice.day_words(earliest)
    assert (context.earliest - context.received).days >= 28


@pytest.mark.parametrize(
    ("rule", "frequency", "earliest"),
    [
        ("monday", "weekly", date(2027, 5, 3)),
        ("sunday", "weekly", date(2027, 5, 2)),
        ("period_end", "weekly", date(2027, 5, 2)),
        ("period_end", "monthly", date(2027, 4, 30)),
        ("any_day", "weekly", date(2027, 4, 27)),
    ],
)
def test_the_earliest_end_date_for_each_rule_across_easter_2027(session, ann, rule, frequency, earliest):
    ann.tenancy.notice_end_day, ann.tenancy.rent_frequency = rule, frequency
    context = _context(session, ann, EASTER_SATURDAY)
    assert context.received == date(2027, 3, 30)  # after Easter Monday 29 March
    assert context.earliest == earliest


def test_a_notice_exactly_four_weeks_long_is_allowed_when_that_day_is_a_monday(session, ann):
    # received Monday 7 December 2026: four weeks later is Monday 4 January 2027
    context = _context(session, ann, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    assert context.earliest == date(2027, 1, 4)


def test_a_tenancy_without_its_own_rule_follows_the_landlords_setting(session, ann):
    ann.tenancy.notice_end_day = None
    sunday = dataclasses.replace(SETTINGS, notice_end_day="sunday")
    assert _context(session, ann, CHRISTMAS_DAY, sunday).earliest == date(2027, 1, 31)
    assert _context(session, ann, CHRISTMAS_DAY, SETTINGS).earliest == date(2027, 2, 1)
    assert _context(session, ann, CHRISTMAS_DAY, SETTINGS).rule_words == "a Monday, the first day of a rent week"


def test_a_fortnightly_period_ends_on_the_sunday_before_the_next_period_from_the_tenancy_start(session, ann):
    ann.tenancy.notice_end_day, ann.tenancy.rent_frequency = "period_end", "fortnightly"
    ann.tenancy.start_date = date(2020, 4, 6)  # a Monday: periods start every other Monday from then
    context = _context(session, ann, CHRISTMAS_DAY)
    assert context.earliest.weekday() == 6
    assert (context.earliest - date(2020, 4, 5)).days % 14 == 0
    assert context.earliest in (date(2027, 1, 31), date(2027, 2, 7))


def test_the_later_dates_offered_are_the_next_allowed_days(session, ann):
    context = _context(session, ann, CHRISTMAS_DAY)
    assert context.later[:3] == (date(2027, 2, 8), date(2027, 2, 15), date(2027, 2, 22))


# --- choosing a date ---------------------------------------------------------------------


def test_a_chosen_date_before_the_earliest_is_refused_with_the_earliest_in_the_message(session, ann):
    check = notice.check_notice(session, _who(ann), _form("2027-01-25"), now=CHRISTMAS_DAY, settings=SETTINGS)
    assert check.errors["end_date"] == (
        "The end date must be on or after Monday 1 February 2027: notice must be at least four weeks, "
        "counted from Tuesday 29 December 2026"
    )


def test_a_chosen_date_on_the_wrong_weekday_is_refused_with_the_rule_in_words(session, ann):
    check = notice.check_notice(
        session,
        _who(ann),
        _form("other", end_date_day="2", end_date_month="2", end_date_year="2027"),
        now=CHRISTMAS_DAY,
        settings=SETTINGS,
    )
    assert check.errors["end_date"] == (
        "Tuesday 2 February 2027 is not allowed: your notice must end on a Monday, the first day of a rent week"
    )


def test_a_missing_date_and_address_are_each_asked_for(session, ann):
    check = notice.check_notice(session, _who(ann), {"end_choice": "other"}, now=CHRISTMAS_DAY, settings=SETTINGS)
    assert check.errors == {
        "end_date": "Enter the day your tenancy ends",
        "forwarding_address": "Enter the address we can write to after you move out",
    }


def test_a_later_allowed_date_is_accepted_and_the_check_explains_it(session, ann):
    check = notice.check_notice(
        session,
        _who(ann),
        _form("other", end_date_day="15", end_date_month="2", end_date_year="2027", reason="buying"),
        now=CHRISTMAS_DAY,
        settings=SETTINGS,
    )
    assert check.ok
    assert check.end_words == "Monday 15 February 2027"
    assert check.days_words == "48 days after we receive your notice on Tuesday 29 December 2026"
    assert check.rent_due_words == "Rent is due up to and including Monday 15 February 2027."
    assert "12 noon on Monday 15 February 2027" in check.keys_words
    assert SETTINGS.landlord_hours in check.keys_words
    assert check.reason_words == "Buying a home"


# --- joint tenants -----------------------------------------------------------------------


def test_a_joint_tenant_is_told_their_notice_ends_the_tenancy_for_the_other_tenant_by_name(session, joint):
    context = _context(session, joint.ada, CHRISTMAS_DAY)
    assert context.joint and context.other_tenants == ("Bea Okafor",)
    assert "ends the tenancy for everyone on it, Bea Okafor included" in context.joint_words
    assert "Hammersmith and Fulham LBC v Monk" in context.joint_words
    assert "Cal" not in context.joint_words  # a household member is not a tenant


def test_a_joint_tenant_must_confirm_the_other_tenant_knows(session, joint):
    check = notice.check_notice(session, _who(joint.ada), _form("2027-02-01"), now=CHRISTMAS_DAY, settings=SETTINGS)
    assert check.errors == {"joint_confirmed": "Confirm that Bea Okafor knows you are giving notice"}
    ok = notice.check_notice(
        session, _who(joint.ada), _form("2027-02-01", joint_confirmed="yes"), now=CHRISTMAS_DAY, settings=SETTINGS
    )
    assert ok.ok and ok.joint_confirmed


def test_a_sole_tenant_is_not_asked_about_other_tenants(session, ann):
    context = _context(session, ann, CHRISTMAS_DAY)
    assert not context.joint and context.joint_words == ""
    assert notice.check_notice(session, _who(ann), _form("2027-02-01"), now=CHRISTMAS_DAY, settings=SETTINGS).ok


def test_once_one_joint_tenant_has_given_notice_the_other_cannot_give_it_again(session, joint):
    _, made = notice.give_notice(
        session, _who(joint.ada), _form("2027-02-01", joint_confirmed="yes"), now=CHRISTMAS_DAY, settings=SETTINGS
    )
    assert made.ok
    context = notice.notice_context(session, SimpleNamespace(**joint.bea.principal), now=FRIDAY, settings=SETTINGS)
    assert not context.can_give
    assert context.refusal.startswith("A joint tenant has already given notice to end this tenancy")


# --- giving it ---------------------------------------------------------------------------


def test_giving_notice_makes_one_request_with_the_dates_and_next_steps(session, ann):
    check, result = notice.give_notice(
        session, _who(ann), _form("2027-02-08", reason="work"), now=CHRISTMAS_DAY, settings=SETTINGS
    )
    assert result.ok
    request = session.exec(select(MoneyRequest)).one()
    assert request.kind == "end_tenancy" and request.summary == "Notice to end the tenancy on Monday 8 February 2027"
    kept = json.loads(request.details)
    assert kept["end_date"] == "2027-02-08" and kept["received_on"] == "2026-12-29"
    assert ["Forwarding address", "12 New Street, Southtown ST1 2AB"] in kept["lines"]
    assert ["Reason for moving", "Moving for work or study"] in kept["lines"]
    steps = " ".join(result.acknowledgement.next_steps)
    assert "visit before you move out" in steps and "12 noon" in steps and "meter readings" in steps
    [mail] = mails(session, "request_received")
    assert "Monday 8 February 2027" in mail.body_text


def test_an_open_notice_refuses_a_second_with_a_clear_message_and_writes_nothing(session, ann):
    notice.give_notice(session, _who(ann), _form("2027-02-01"), now=CHRISTMAS_DAY, settings=SETTINGS)
    before = counts(session)
    check, result = notice.give_notice(session, _who(ann), _form("2027-02-08"), now=FRIDAY, settings=SETTINGS)
    assert result is None and counts(session) == before
    assert check.errors["notice"].startswith("You have already given notice to end this tenancy (reference RQ-")


def test_a_wrong_form_writes_nothing(session, ann):
    before = counts(session)
    _, result = notice.give_notice(
        session, _who(ann), {"end_choice": "2027-01-05"}, now=CHRISTMAS_DAY, settings=SETTINGS
    )
    assert result is None and counts(session) == before


# --- who may give notice -----------------------------------------------------------------


def test_a_flexible_tenant_and_a_leaseholder_are_asked_to_contact_us(session, records):
    flexible = records.resident(tenure="flexible", email="flex@example.org")
    lease = records.resident(tenure="leasehold", role="leaseholder", email="lease@example.org")
    f, le = _context(session, flexible, FRIDAY), _context(session, lease, FRIDAY)
    assert not f.can_give and "fixed term" in f.refusal and SETTINGS.landlord_phone in f.refusal
    assert not le.can_give and le.refusal.startswith("You own a lease, so you do not give notice")
    _, result = notice.give_notice(session, _who(flexible), _form("2027-01-04"), now=FRIDAY, settings=SETTINGS)
    assert result is None


def test_someone_who_lives_there_but_is_not_a_tenant_cannot_give_notice(session, records):
    member = records.resident(role="household_member", email="kid@example.org")
    wider = dataclasses.replace(SETTINGS, eligible_roles=(*SETTINGS.eligible_roles, "household_member"))
    assert _context(session, member, FRIDAY, wider).refusal.startswith("Only a tenant named on the tenancy")
    assert not _context(session, member, FRIDAY).can_give


def test_another_residents_tenancy_is_refused(session, ann, records):
    zed = records.resident(email="zed@example.org")
    mixed = SimpleNamespace(user_id=ann.user.id, person_id=ann.person.id, tenancy_id=zed.tenancy.id)
    context = notice.notice_context(session, mixed, now=FRIDAY, settings=SETTINGS)
    assert not context.can_give


# --- the rent account --------------------------------------------------------------------


def test_the_rent_account_in_credit_says_the_credit_is_refunded_after_checks(session, ann, records):
    records.post(ann.account, date(2026, 11, 30), "payment", -2_500)
    context = _context(session, ann, FRIDAY)
    assert context.rent_state == "credit"
    assert context.rent_words.startswith("Your rent account is £25.00 in credit today.")
    assert "refund" in context.rent_words


def test_a_clear_rent_account_says_nothing_is_owed(session, ann):
    context = _context(session, ann, FRIDAY)
    assert context.rent_state == "clear"
    assert context.rent_words.startswith("Your rent account is clear today: you owe nothing.")


def test_overdue_rent_is_arrears_still_owed_after_the_tenancy_ends(session, ann, records):
    records.post(ann.account, date(2026, 11, 30), "rent", 11_000)
    records.post(ann.account, date(2026, 11, 30), "payment", -6_000)
    context = _context(session, ann, FRIDAY)
    assert context.rent_state == "arrears"
    assert context.rent_words.startswith("Your rent account is in arrears: £50.00 is overdue today.")
    assert "still owe this after your tenancy ends" in context.rent_words


def test_money_owed_that_housing_benefit_timing_explains_is_not_called_arrears(session, ann, records):
    records.post(ann.account, date(2026, 11, 16), "rent", 10_000)
    records.post(ann.account, date(2026, 11, 23), "rent", 10_000)
    records.post(ann.account, date(2026, 11, 30), "rent", 10_000)
    records.post(ann.account, date(2026, 11, 27), "housing_benefit", -20_000)
    context = _context(session, ann, FRIDAY)
    assert context.rent_state == "owed"
    assert "none of it is overdue, so it is not in arrears" in context.rent_words
