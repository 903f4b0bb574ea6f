"""Requests residents make about their money: validation and what is written, refund
limits, ownership, references, routing, acknowledgement emails, and bank details kept
encrypted (what officers do with requests is in test_office.py). Time is frozen by
passing ``now``."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from portal_app.models import RequestUpdate
from portal_app.services.requests import common
from portal_app.services.requests import resident as rq
from portal_app.services.requests.common import NotYours
from portal_app.services.requests.office import officer_queue, update_request
from portal_app.services.requests.resident import (
    my_requests,
    refund_limit,
    request_context,
    request_detail,
    standing_order_details,
    submit_benefits_advice,
    submit_paper_statement,
    submit_query,
    submit_refund,
    submit_standing_order,
    transaction_choice,
)
from portal_app.services.tokens import decrypt
from portal_app.settings import load_settings
from tests.factories import Records, Resident
from tests.unit.requests.steps import (
    NOW,
    REFERENCE,
    SETTINGS,
    TODAY,
    counts,
    in_credit,
    mails,
    only_request,
    query,
    refund,
)

# ---------------------------------------------------------------------------
# Query my account
# ---------------------------------------------------------------------------


def test_a_query_is_written_with_a_reference_a_received_update_and_an_acknowledgement_email(session, ann, officer):
    result = query(session, ann)

    request = only_request(session)
    assert result.ok and result.errors == {}
    ack = result.acknowledgement
    assert REFERENCE.match(ack.reference) and ack.reference == request.reference
    assert (ack.kind, ack.kind_label, ack.email, ack.needs_joint_consent) == (
        "query",
        "Question about my account",
        "ann@example.org",
        False,
    )
    assert ack.next_steps == (
        "Your income officer will check our records and reply to you.",
        "We aim to reply within 10 working days.",
    )
    assert (request.kind, request.status, request.user_id, request.person_id, request.account_id) == (
        "query",
        "received",
        ann.user.id,
        ann.person.id,
        ann.account.id,
    )
    assert request.officer_id == officer.id
    assert request.summary == "Question about Rent account RENT00420042"
    assert json.loads(request.details) == {"message": "Why did my rent go up in April?"}
    assert request.created_at == request.updated_at == NOW
    [update] = session.exec(select(RequestUpdate)).all()
    assert (update.request_id, update.status, update.note, update.at) == (request.id, "received", "", NOW)
    [mail] = mails(session)
    assert (mail.to_address, mail.kind) == ("ann@example.org", "request_received")
    assert mail.subject == f"We have received your request {ack.reference} - {SETTINGS.landlord_name}"
    assert f"Your reference is {ack.reference}." in mail.body_text
    assert "A question about your rent account ending 0042." in mail.body_text
    assert "We aim to reply within 10 working days." in mail.body_text
    assert SETTINGS.landlord_phone in mail.body_text and f"{SETTINGS.base_url}/requests" in mail.body_text
    assert "Why did my rent go up" not in mail.body_text  # their own words stay on screen
    assert "RENT00420042" not in mail.body_text


def test_a_query_about_a_transaction_stores_it_and_the_summary_shows_its_date_description_and_amount(
    session, records, ann
):
    payment = records.post(ann.account, date(2026, 11, 16), "payment", -10000, "Card payment")

    result = query(session, ann, transaction_id=payment.id)

    request = only_request(session)
    assert result.ok
    assert request.transaction_id == payment.id
    assert request.summary == "Question about 16 November 2026, Card payment, £100.00 CR (Rent account RENT00420042)"
    detail = request_detail(session, ann.user.id, request.reference)
    assert [(line.label, line.value) for line in detail.lines] == [
        ("Your question", "Why did my rent go up in April?"),
        ("Transaction", "16 November 2026, Card payment, £100.00 CR"),
    ]


@pytest.mark.parametrize(
    "message, error",
    [
        ("", "Enter your question"),
        ("   \n ", "Enter your question"),
        ("Too short", "Question must be 10 characters or more"),
        ("x" * 2001, "Question must be 2000 characters or fewer"),
    ],
)
def test_a_query_that_is_empty_too_short_or_too_long_is_refused_and_nothing_is_written(session, ann, message, error):
    result = query(session, ann, message=message)

    assert (result.ok, result.acknowledgement, result.errors) == (False, None, {"message": error})
    assert counts(session) == (0, 0, 0)


def test_a_query_of_exactly_10_and_2000_characters_is_accepted(session, ann):
    assert query(session, ann, message="x" * 10).ok
    assert query(session, ann, message="y" * 2000).ok
    assert counts(session) == (2, 2, 2)


def test_a_transaction_from_another_account_is_refused_even_with_a_valid_message(session, records, ann, bob):
    bobs_payment = records.post(bob.account, date(2026, 11, 16), "payment", -10000, "Card payment")
    other_account_of_ann = records.account(ann.tenancy, "sundry", ref="SUNDRY0042")
    sundry_charge = records.post(other_account_of_ann, date(2026, 11, 16), "sundry_charge", 500, "Key fob")

    with pytest.raises(NotYours):
        query(session, ann, transaction_id=bobs_payment.id)
    with pytest.raises(NotYours):
        query(session, ann, transaction_id=sundry_charge.id)  # Ann's, but not on the rent account
    with pytest.raises(NotYours):
        query(session, ann, transaction_id=999_999)
    assert counts(session) == (0, 0, 0)


# ---------------------------------------------------------------------------
# Ownership
# ---------------------------------------------------------------------------


def _every_submit(session, who: Resident, account_id):
    base = {**who.principal, "account_id": account_id, "now": NOW, "settings": SETTINGS}
    return [
        lambda: submit_query(session, **base, message="What is this charge for?"),
        lambda: submit_standing_order(session, **base, post_to_address="yes"),
        lambda: submit_refund(
            session,
            **base,
            amount="1.00",
            bank_account_name="A Lee",
            sort_code="123456",
            bank_account_number="12345678",
        ),
        lambda: submit_benefits_advice(
            session, **base, topic="universal_credit", best_time="any", contact_by="email", email="a@example.org"
        ),
        lambda: submit_paper_statement(
            session,
            **base,
            from_day="1",
            from_month="4",
            from_year="2026",
            to_day="1",
            to_month="11",
            to_year="2026",
            post_to_address="yes",
        ),
        lambda: request_context(session, **base),
        lambda: transaction_choice(session, **base, transaction_id=1),
    ]


def test_every_request_refuses_another_residents_account_id_and_writes_nothing(session, records, ann, bob):
    in_credit(records, bob, 50000)

    for attempt in _every_submit(session, ann, bob.account.id):
        with pytest.raises(NotYours):
            attempt()
    assert counts(session) == (0, 0, 0)


@pytest.mark.parametrize("hostile", [None, True, "1 or 1=1", [1], {"id": 1}, -1, 10**12])
def test_account_ids_that_are_not_the_residents_own_are_refused(session, ann, hostile):
    for attempt in _every_submit(session, ann, hostile):
        with pytest.raises(NotYours):
            attempt()
    assert counts(session) == (0, 0, 0)


def test_an_account_id_sent_as_text_is_read_as_the_number(session, ann):
    result = submit_query(
        session,
        **ann.principal,
        account_id=str(ann.account.id),
        message="A question as text",
        now=NOW,
        settings=SETTINGS,
    )
    assert result.ok


def test_a_principal_that_does_not_hang_together_is_refused(session, records, ann, bob):
    mixed = {"user_id": bob.user.id, "person_id": ann.person.id, "tenancy_id": ann.tenancy.id}
    with pytest.raises(NotYours):
        submit_query(
            session, **mixed, account_id=ann.account.id, message="Whose account is this?", now=NOW, settings=SETTINGS
        )
    ann.user.status = "closed"
    session.flush()
    with pytest.raises(NotYours):
        query(session, ann)
    assert counts(session) == (0, 0, 0)


def test_a_household_member_with_a_portal_user_is_refused(session, records, ann):
    member = records.person("Jo", "Lee")
    records.party(ann.tenancy, member, "household_member")
    user = records.user(member, ann.tenancy, email="jo@example.org")

    with pytest.raises(NotYours):
        submit_query(
            session,
            user_id=user.id,
            person_id=member.id,
            tenancy_id=ann.tenancy.id,
            account_id=ann.account.id,
            message="Can I see the rent?",
            now=NOW,
            settings=SETTINGS,
        )


def test_requests_are_listed_only_for_the_user_who_made_them_and_someone_elses_reference_shows_nothing(
    session, ann, bob
):
    mine = query(session, ann).acknowledgement.reference
    theirs = query(session, bob).acknowledgement.reference

    assert [r.reference for r in my_requests(session, ann.user.id)] == [mine]
    assert [r.reference for r in my_requests(session, bob.user.id)] == [theirs]
    assert request_detail(session, ann.user.id, theirs) is None
    assert request_detail(session, ann.user.id, "RQ-AAAAAA") is None
    assert request_detail(session, ann.user.id, mine).reference == mine


def test_joint_tenants_each_see_only_their_own_requests(session, records, ann):
    partner = records.person("Sam", "Lee")
    records.party(ann.tenancy, partner, "joint_tenant")
    sam = Resident(records.user(partner, ann.tenancy, email="sam@example.org"), partner, ann.tenancy, ann.account)

    annes = query(session, ann).acknowledgement.reference
    sams = query(session, sam, message="A question from Sam").acknowledgement.reference

    assert [r.reference for r in my_requests(session, ann.user.id)] == [annes]
    assert [r.reference for r in my_requests(session, sam.user.id)] == [sams]
    assert request_detail(session, sam.user.id, annes) is None


# ---------------------------------------------------------------------------
# References
# ---------------------------------------------------------------------------


def test_references_are_rq_and_six_unambiguous_characters_and_a_taken_one_is_never_reused(session, ann, monkeypatch):
    first = query(session, ann).acknowledgement.reference
    draws = iter([first, first, "RQ-BCDEFG"])
    monkeypatch.setattr(rq, "new_reference", lambda: next(draws))

    second = query(session, ann).acknowledgement.reference

    assert REFERENCE.match(first)
    assert second == "RQ-BCDEFG"
    assert not set("01OI") & set(common.REFERENCE_ALPHABET)


def test_many_references_are_all_different(session, ann):
    many = dataclasses.replace(SETTINGS, requests_per_kind_per_day=30)  # more than a day's limit
    refs = {query(session, ann, settings=many).acknowledgement.reference for _ in range(30)}
    assert len(refs) == 30 and all(REFERENCE.match(r) for r in refs)


def test_a_reference_is_found_however_the_resident_types_it(session, ann):
    ref = query(session, ann).acknowledgement.reference
    code = ref[3:]

    for typed in (ref.lower(), f" rq {code} ", code.lower(), f"RQ{code}"):
        assert request_detail(session, ann.user.id, typed).reference == ref


# ---------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------


def test_a_request_goes_to_the_income_officer_named_for_the_tenancy(session, records, ann, officer):
    other = records.officer("Tom Reid")
    elsewhere = records.resident(email="cy@example.org", officer=other)

    query(session, ann)
    query(session, elsewhere)

    assert [i.resident_email for i in officer_queue(session, officer.id)] == ["ann@example.org"]
    assert [i.resident_email for i in officer_queue(session, other.id)] == ["cy@example.org"]
    assert officer_queue(session, None) == []


def test_without_an_officer_a_request_waits_in_the_unassigned_queue(session, records):
    nobody = records.resident(email="dee@example.org")

    query(session, nobody)

    assert only_request(session).officer_id is None
    assert [i.resident_email for i in officer_queue(session, None)] == ["dee@example.org"]


def test_a_leasehold_request_goes_to_the_leasehold_officer_when_the_tenancy_names_one(session, records, officer):
    leasehold = records.officer("Lee Holt", "leasehold_officer")
    owner = records.resident(email="les@example.org", tenure="leasehold", role="leaseholder", officer=officer)
    owner.tenancy.housing_officer_id = leasehold.id
    session.flush()
    plain = records.resident(email="lou@example.org", tenure="leasehold", role="leaseholder", officer=officer)

    query(session, owner)
    query(session, plain)

    assert [i.resident_email for i in officer_queue(session, leasehold.id)] == ["les@example.org"]
    assert [i.resident_email for i in officer_queue(session, officer.id)] == ["lou@example.org"]


# ---------------------------------------------------------------------------
# Standing orders
# ---------------------------------------------------------------------------


def test_standing_order_details_are_the_landlords_bank_account_and_the_residents_payment_reference():
    settings = dataclasses.replace(
        SETTINGS, landlord_bank_name="NH Rents", landlord_sort_code="40-11-22", landlord_account_number="11223344"
    )

    assert standing_order_details(settings, "RENT00420042") == rq.StandingOrderDetails(
        account_name="NH Rents", sort_code="40-11-22", account_number="11223344", payment_reference="RENT00420042"
    )


def test_a_standing_order_request_posted_home_stores_the_home_address(session, ann):
    result = submit_standing_order(session, **ann.on(), post_to_address="yes", now=NOW, settings=SETTINGS)

    request = only_request(session)
    assert result.ok
    assert request.summary == "Standing order details by post for Rent account RENT00420042"
    assert json.loads(request.details) == {"post_to": "home", "address": "Flat 12, Elm Court, Northbrook NB1 2AB"}
    assert result.acknowledgement.next_steps[0] == (
        "We will post our standing order details to your address. We aim to post them within 10 working days."
    )
    [mail] = mails(session)
    assert "Flat 12" not in mail.body_text and SETTINGS.landlord_account_number not in mail.body_text


def test_a_standing_order_request_can_go_to_a_different_address(session, ann):
    result = submit_standing_order(
        session,
        **ann.on(),
        post_to_address="no",
        other_address="  4 Mill Lane\n\nSouthby   \nSB2 3CD ",
        now=NOW,
        settings=SETTINGS,
    )

    assert result.ok
    assert json.loads(only_request(session).details) == {"post_to": "other", "address": "4 Mill Lane, Southby, SB2 3CD"}


@pytest.mark.parametrize(
    "choice, other, errors",
    [
        ("", "", {"post_to_address": "Select whether we should post it to your address"}),
        ("maybe", "", {"post_to_address": "Select whether we should post it to your address"}),
        ("no", "  ", {"other_address": "Enter the address we should post it to"}),
        (False, "x" * 301, {"other_address": "Address must be 300 characters or fewer"}),
    ],
)
def test_a_standing_order_request_without_a_clear_address_writes_nothing(session, ann, choice, other, errors):
    result = submit_standing_order(
        session, **ann.on(), post_to_address=choice, other_address=other, now=NOW, settings=SETTINGS
    )

    assert (result.ok, result.errors) == (False, errors)
    assert counts(session) == (0, 0, 0)


# ---------------------------------------------------------------------------
# Refund limits
# ---------------------------------------------------------------------------


def test_no_refund_while_the_account_is_in_arrears(session, records, ann):
    records.charge(ann.account, 10000)
    records.post(ann.account, date(2026, 11, 16), "rent_charge", 10000)
    records.post(ann.account, date(2026, 11, 18), "payment", -7681)

    assert refund_limit(session, ann.account.id, TODAY, SETTINGS) == rq.RefundLimit(
        2319,
        10000,
        0,
        "arrears",
        "You cannot ask for a refund while you owe money on this account. You owe £23.19.",
        10000,
        0,
    )


def test_no_refund_when_the_account_is_clear(session, records, ann):
    records.charge(ann.account, 10000)

    limit = refund_limit(session, ann.account.id, TODAY, SETTINGS)

    assert (limit.balance_pence, limit.available_pence, limit.reason, limit.message) == (
        0,
        0,
        "clear",
        "There is no credit on this account to refund.",
    )


def test_credit_under_the_keep_back_leaves_nothing_to_refund(session, records, ann):
    in_credit(records, ann, 6000, weekly_rent=10000)

    limit = refund_limit(session, ann.account.id, TODAY, SETTINGS)

    assert (limit.balance_pence, limit.keep_back_pence, limit.available_pence, limit.reason) == (
        -6000,
        10000,
        0,
        "keep_back",
    )
    assert limit.message == (
        "You are £60.00 in credit. We keep £100.00 (1 week of charges) in credit on the account. "
        "There is nothing to refund at the moment."
    )


def test_credit_over_the_keep_back_can_be_refunded_down_to_the_keep_back(session, records, ann):
    in_credit(records, ann, 25000, weekly_rent=10000)

    limit = refund_limit(session, ann.account.id, TODAY, SETTINGS)

    assert (limit.balance_pence, limit.keep_back_pence, limit.available_pence, limit.reason) == (
        -25000,
        10000,
        15000,
        "available",
    )
    assert limit.message == (
        "You can ask for a refund of up to £150.00. You are £250.00 in credit. "
        "We keep £100.00 (1 week of charges) in credit on the account."
    )


def test_the_keep_back_is_the_weeks_from_settings_times_every_charge_in_force_today_as_weekly(session, records, ann):
    in_credit(records, ann, 50000, weekly_rent=10000)
    records.charge(ann.account, 5200, "monthly", code="parking")  # 1200 a week
    records.charge(ann.account, 9999, code="old_water", start=date(2025, 4, 7), end=date(2026, 4, 5))  # not in force
    three_weeks = dataclasses.replace(SETTINGS, refund_keep_back_weeks=3)
    no_keep_back = dataclasses.replace(SETTINGS, refund_keep_back_weeks=0)

    limit = refund_limit(session, ann.account.id, TODAY, three_weeks)

    assert (limit.weekly_charge_pence, limit.keep_back_pence, limit.available_pence) == (11200, 33600, 16400)
    assert "We keep £336.00 (3 weeks of charges)" in limit.message
    assert refund_limit(session, ann.account.id, TODAY, no_keep_back).available_pence == 50000


def test_open_refund_requests_on_the_account_come_off_what_is_available(session, records, ann):
    in_credit(records, ann, 25000, weekly_rent=10000)

    assert refund(session, ann, "100.00").ok
    limit = refund_limit(session, ann.account.id, TODAY, SETTINGS)
    assert (limit.available_pence, limit.already_requested_pence, limit.reason) == (5000, 10000, "available")

    assert refund(session, ann, "50.00").ok
    limit = refund_limit(session, ann.account.id, TODAY, SETTINGS)
    assert (limit.available_pence, limit.reason) == (0, "already_requested")
    assert refund(session, ann, "0.01").errors == {"amount": limit.message}


# ---------------------------------------------------------------------------
# Refund requests
# ---------------------------------------------------------------------------


def test_a_refund_request_stores_bank_details_encrypted_and_masked_and_never_in_details_or_email(session, records, ann):
    in_credit(records, ann, 25000)

    result = refund(
        session,
        ann,
        "£120.5",
        bank_account_name="  Joanna   Smith ",
        sort_code="20 45 56",
        bank_account_number="8765 5678",
    )

    request = only_request(session)
    assert result.ok
    assert (request.kind, request.amount_pence, request.needs_joint_consent) == ("refund", 12050, False)
    assert request.summary == "Refund of £120.50 from Rent account RENT00420042"
    assert request.bank_details_masked == "Sort code **-**-56, account ****5678, name J Smith"
    assert json.loads(decrypt(request.bank_details_enc)) == {
        "account_name": "Joanna Smith",
        "account_number": "87655678",
        "sort_code": "204556",
    }
    assert json.loads(request.details) == {"available_pence": 15000, "balance_pence": -25000, "keep_back_pence": 10000}
    row_text = " ".join(
        str(v) for v in request.model_dump().values() if v is not None and v != request.bank_details_enc
    )
    for secret in ("87655678", "204556", "20-45-56", "Joanna"):
        assert secret not in row_text and secret not in request.bank_details_enc
    [mail] = mails(session)
    for secret in ("87655678", "8765", "204556", "20-45-56", "20 45 56", "Joanna", "Smith", "****", "RENT00420042"):
        assert secret not in mail.body_text and secret not in mail.subject
    assert "A refund of £120.50 from your rent account ending 0042" in mail.body_text


@pytest.mark.parametrize("sort_code", ["12-34-56", "12 34 56", "123456", " 12-34 56 "])
def test_sort_codes_are_accepted_with_dashes_spaces_or_neither(session, records, ann, sort_code):
    in_credit(records, ann, 25000)

    assert refund(session, ann, sort_code=sort_code).ok
    assert json.loads(decrypt(only_request(session).bank_details_enc))["sort_code"] == "123456"


@pytest.mark.parametrize(
    "fields, errors",
    [
        (dict(amount=""), {"amount": "Enter the amount you want refunded"}),
        (dict(amount="forty"), {"amount": "Amount must be in pounds and pence, like 40.00"}),
        (dict(amount="40.001"), {"amount": "Amount must be in pounds and pence, like 40.00"}),
        (dict(amount="-5"), {"amount": "Amount must be in pounds and pence, like 40.00"}),
        (dict(amount="0.00"), {"amount": "Amount must be more than £0.00"}),
        (dict(amount="150.01"), {"amount": "Amount must be £150.00 or less"}),
        (dict(bank_account_name=" "), {"bank_account_name": "Enter the name on the bank account"}),
        (dict(bank_account_name="x" * 71), {"bank_account_name": "Name on the account must be 70 characters or fewer"}),
        (dict(sort_code=""), {"sort_code": "Enter a sort code"}),
        (dict(sort_code="12-34-5"), {"sort_code": "Enter a valid sort code like 309430"}),
        (dict(sort_code="12-34-5a"), {"sort_code": "Enter a valid sort code like 309430"}),
        (dict(bank_account_number=""), {"bank_account_number": "Enter an account number"}),
        (
            dict(bank_account_number="1234567"),
            {"bank_account_number": "Enter a valid account number like 00733445: it must be 8 digits"},
        ),
        (
            dict(bank_account_number="123456789"),
            {"bank_account_number": "Enter a valid account number like 00733445: it must be 8 digits"},
        ),
        (
            dict(amount=None, bank_account_name=None, sort_code=None, bank_account_number=None),
            {
                "amount": "Enter the amount you want refunded",
                "bank_account_name": "Enter the name on the bank account",
                "sort_code": "Enter a sort code",
                "bank_account_number": "Enter an account number",
            },
        ),
    ],
)
def test_a_refund_request_with_bad_details_is_refused_and_nothing_is_written(session, records, ann, fields, errors):
    in_credit(records, ann, 25000)
    amount = fields.pop("amount", "40.00")

    result = refund(session, ann, amount, **fields)

    assert (result.ok, result.errors) == (False, errors)
    assert counts(session) == (0, 0, 0)


def test_the_whole_available_amount_can_be_asked_for(session, records, ann):
    in_credit(records, ann, 25000)

    assert refund(session, ann, "150").ok
    assert only_request(session).amount_pence == 15000


def test_a_refund_request_from_an_account_in_arrears_says_why_and_writes_nothing(session, records, ann):
    records.post(ann.account, date(2026, 11, 16), "rent_charge", 10000)

    result = refund(session, ann, "10.00")

    assert result.errors == {
        "amount": "You cannot ask for a refund while you owe money on this account. You owe £100.00."
    }
    assert counts(session) == (0, 0, 0)


def test_a_refund_on_a_joint_tenancy_needs_the_other_tenants_agreement_and_the_acknowledgement_says_so(
    session, records, ann
):
    partner = records.person("Sam", "Lee")
    records.party(ann.tenancy, partner, "joint_tenant")
    in_credit(records, ann, 25000)

    result = refund(session, ann)

    assert only_request(session).needs_joint_consent is True
    assert result.acknowledgement.needs_joint_consent is True
    line = "This is a joint tenancy, so we will ask the other tenant to agree to the refund first."
    assert line in result.acknowledgement.next_steps
    assert line in mails(session)[0].body_text


def test_a_joint_tenant_who_has_left_or_a_household_member_does_not_make_the_tenancy_joint(session, records, ann):
    records.party(ann.tenancy, records.person("Sam", "Lee"), "joint_tenant", end=date(2025, 1, 31))
    records.party(ann.tenancy, records.person("Kim", "Lee"), "household_member")
    in_credit(records, ann, 25000)

    result = refund(session, ann)

    assert only_request(session).needs_joint_consent is False
    assert not any("joint" in step for step in result.acknowledgement.next_steps)


# ---------------------------------------------------------------------------
# Benefits advice
# ---------------------------------------------------------------------------


def test_a_benefits_advice_request_by_phone_is_written_with_its_choices(session, ann):
    result = submit_benefits_advice(
        session,
        **ann.on(),
        topic="universal_credit",
        best_time="morning",
        contact_by="phone",
        phone="07700 900 982",
        note="  Just moved onto UC ",
        now=NOW,
        settings=SETTINGS,
    )

    request = only_request(session)
    assert result.ok
    assert request.summary == "Benefits advice: Universal Credit"
    assert json.loads(request.details) == {
        "topic": "universal_credit",
        "best_time": "morning",
        "contact_by": "phone",
        "phone": "07700 900 982",
        "note": "Just moved onto UC",
    }
    assert result.acknowledgement.what_you_asked == "Advice about Universal Credit, by phone (morning)."
    assert "07700" not in mails(session)[0].body_text


def test_a_benefits_advice_request_by_email_keeps_the_normalised_address(session, ann):
    result = submit_benefits_advice(
        session,
        **ann.on(),
        topic="budgeting_debt",
        best_time="any",
        contact_by="email",
        email=" Ann.Lee@Example.ORG ",
        now=NOW,
        settings=SETTINGS,
    )

    assert result.ok
    assert json.loads(only_request(session).details)["email"] == "ann.lee@example.org"


@pytest.mark.parametrize(
    "fields, errors",
    [
        (
            dict(),
            {
                "topic": "Select what you would like advice about",
                "best_time": "Select the best time to contact you",
                "contact_by": "Select how we should contact you",
            },
        ),
        (
            dict(topic="lottery", best_time="any", contact_by="phone", phone="07700900982"),
            {"topic": "Select what you would like advice about"},
        ),
        (
            dict(topic="other", best_time="any", contact_by="phone", phone="07700900982"),
            {"note": "Tell us what you would like advice about"},
        ),
        (
            dict(topic="housing_benefit", best_time="evening", contact_by="phone", phone="07700900982"),
            {"best_time": "Select the best time to contact you"},
        ),
        (dict(topic="housing_benefit", best_time="any", contact_by="phone"), {"phone": "Enter a phone number"}),
        (
            dict(topic="housing_benefit", best_time="any", contact_by="phone", phone="12345"),
            {"phone": "Enter a UK phone number, like 01632 960 001 or 07700 900 982"},
        ),
        (dict(topic="housing_benefit", best_time="any", contact_by="email"), {"email": "Enter an email address"}),
        (
            dict(topic="housing_benefit", best_time="any", contact_by="email", email="ann@"),
            {"email": "Enter an email address in the correct format, like name@example.com"},
        ),
        (
            dict(topic="housing_benefit", best_time="any", contact_by="email", email="a@example.org", note="n" * 1001),
            {"note": "Note must be 1000 characters or fewer"},
        ),
    ],
)
def test_a_benefits_advice_request_with_missing_or_bad_answers_writes_nothing(session, ann, fields, errors):
    values = dict(topic="", best_time="", contact_by="")
    values.update(fields)

    result = submit_benefits_advice(session, **ann.on(), **values, now=NOW, settings=SETTINGS)

    assert (result.ok, result.errors) == (False, errors)
    assert counts(session) == (0, 0, 0)


def test_a_landline_is_a_good_enough_number_for_benefits_advice(session, ann):
    result = submit_benefits_advice(
        session,
        **ann.on(),
        topic="council_tax_support",
        best_time="afternoon",
        contact_by="phone",
        phone="01632 960001",
        now=NOW,
        settings=SETTINGS,
    )
    assert result.ok


# ---------------------------------------------------------------------------
# Paper statements
# ---------------------------------------------------------------------------


def statement(session, who, start=("1", "4", "2026"), end=("22", "11", "2026"), post="yes", other=""):
    return submit_paper_statement(
        session,
        **who.on(),
        from_day=start[0],
        from_month=start[1],
        from_year=start[2],
        to_day=end[0],
        to_month=end[1],
        to_year=end[2],
        post_to_address=post,
        other_address=other,
        now=NOW,
        settings=SETTINGS,
    )


def test_a_paper_statement_request_stores_the_period_and_where_to_post_it(session, ann):
    result = statement(session, ann)

    request = only_request(session)
    assert result.ok
    assert (request.period_from, request.period_to) == (date(2026, 4, 1), date(2026, 11, 22))
    assert request.summary == "Paper statement of Rent account RENT00420042, 1 April 2026 to 22 November 2026"
    assert json.loads(request.details) == {"post_to": "home", "address": "Flat 12, Elm Court, Northbrook NB1 2AB"}
    assert result.acknowledgement.next_steps == (
        "We will post the statement to your address. We aim to post it within 10 working days.",
    )


def test_a_paper_statement_can_cover_one_day_from_the_tenancy_start(session, ann):
    assert statement(session, ann, start=("6", "4", "2020"), end=("6", "April", "2020")).ok


@pytest.mark.parametrize(
    "start, end, errors",
    [
        (("", "", ""), ("", "", ""), {"period_from": "Enter start date", "period_to": "Enter end date"}),
        (
            ("5", "4", "2020"),
            ("1", "5", "2020"),
            {"period_from": "Start date must be the same as or after 6 April 2020, when the tenancy started"},
        ),
        (("1", "6", "2026"), ("1", "5", "2026"), {"period_to": "End date must be the same as or after the start date"}),
        (("1", "6", "2026"), ("23", "11", "2026"), {"period_to": "End date must be today or in the past"}),
        (
            ("1", "12", "2026"),
            ("2", "12", "2026"),
            {
                "period_from": "Start date must be today or in the past",
                "period_to": "End date must be today or in the past",
            },
        ),
        (("31", "2", "2026"), ("1", "5", "2026"), {"period_from": "Start date must be a real date"}),
        (
            ("1", "", "2026"),
            ("1", "5", "26"),
            {"period_from": "Start date must include a month", "period_to": "Year must include 4 numbers"},
        ),
    ],
)
def test_a_paper_statement_with_a_bad_period_writes_nothing(session, ann, start, end, errors):
    result = statement(session, ann, start, end)

    assert (result.ok, result.errors) == (False, errors)
    assert counts(session) == (0, 0, 0)


def test_a_paper_statement_needs_an_address_answer_too(session, ann):
    result = statement(session, ann, post="no")

    assert result.errors == {"other_address": "Enter the address we should post it to"}
    assert counts(session) == (0, 0, 0)


# ---------------------------------------------------------------------------
# The form's context
# ---------------------------------------------------------------------------


def test_the_request_context_gives_the_home_address_joint_flag_tenancy_start_and_recent_transactions(
    session, records, ann
):
    records.post(ann.account, date(2026, 11, 9), "rent_charge", 10000, "Rent")
    records.post(ann.account, date(2026, 11, 16), "payment", -10000, "Card payment")

    context = request_context(session, **ann.on(), now=NOW, settings=SETTINGS)

    assert (context.account_ref, context.account_label, context.home_address, context.is_joint) == (
        "RENT00420042",
        "Rent account",
        "Flat 12, Elm Court, Northbrook NB1 2AB",
        False,
    )
    assert (context.statement_earliest, context.today) == (date(2020, 4, 6), TODAY)
    assert [t.label for t in context.recent_transactions] == [
        "16 November 2026, Card payment, £100.00 CR",
        "9 November 2026, Rent, £100.00 DR",
    ]


def test_one_older_transaction_is_labelled_like_the_list_and_only_from_the_same_account(session, records, ann, bob):
    old = records.post(ann.account, date(2021, 3, 1), "payment", -2550, "Cash at PayPoint")
    bobs = records.post(bob.account, date(2021, 3, 1), "payment", -2550, "Cash at PayPoint")

    choice = transaction_choice(session, **ann.on(), transaction_id=old.id, now=NOW, settings=SETTINGS)

    assert choice == rq.TransactionChoice(
        old.id, date(2021, 3, 1), "Cash at PayPoint", -2550, "1 March 2021, Cash at PayPoint, £25.50 CR"
    )
    with pytest.raises(NotYours):
        transaction_choice(session, **ann.on(), transaction_id=bobs.id, now=NOW, settings=SETTINGS)


# ---------------------------------------------------------------------------
# My requests
# ---------------------------------------------------------------------------


def test_my_requests_lists_newest_first_with_labels_in_plain_words(session, records, ann):
    in_credit(records, ann, 25000)
    first = query(session, ann).acknowledgement.reference
    second = submit_standing_order(
        session, **ann.on(), post_to_address="yes", now=NOW + timedelta(days=1), settings=SETTINGS
    ).acknowledgement.reference

    listed = my_requests(session, ann.user.id)

    assert [(r.reference, r.kind_label, r.status_label, r.is_open, r.created_on) for r in listed] == [
        (second, "Standing order details by post", "Received", True, "23 November 2026"),
        (first, "Question about my account", "Received", True, "22 November 2026"),
    ]
    assert (listed[1].account_label, listed[1].account_ref, listed[1].created_at) == (
        "Rent account",
        "RENT00420042",
        NOW,
    )


def test_a_request_detail_shows_its_history_with_the_officers_name_and_masked_bank_details(
    session, records, ann, officer
):
    rachel = records.staff(name="Rachel Adeyemi")
    in_credit(records, ann, 25000)
    ref = refund(session, ann).acknowledgement.reference
    assert (
        request_detail(session, ann.user.id, ref).officer_name == "Priya Shah"
    )  # the tenancy's officer, until assigned
    update_request(
        session,
        ref,
        status="in_progress",
        note="Checking your payments",
        staff_id=rachel.id,
        now=NOW + timedelta(hours=2),
        settings=SETTINGS,
    )

    detail = request_detail(session, ann.user.id, ref)

    assert (detail.status, detail.status_label, detail.officer_name) == ("in_progress", "In progress", "Rachel Adeyemi")
    assert [(u.status_label, u.note, u.at_words, u.by) for u in detail.updates] == [
        ("Received", "", "10:30 on 22 November 2026", ""),
        ("In progress", "Checking your payments", "12:30 on 22 November 2026", "Rachel Adeyemi"),
    ]
    assert [(line.label, line.value) for line in detail.lines] == [
        ("Amount", "£40.00"),
        ("Pay it into", "Sort code **-**-56, account ****5678, name A Lee"),
    ]
    assert "12345678" not in repr(detail)


# ---------------------------------------------------------------------------
# Former tenants and two refunds at once
# ---------------------------------------------------------------------------


def test_a_former_tenant_allowed_in_can_have_all_their_credit_back_as_no_charge_is_in_force(session, records):
    person = records.person()
    ended = records.tenancy(end=date(2026, 6, 28))
    records.party(ended, person, end=date(2026, 6, 28))
    rent = records.account(ended, ref="RENT00990099", closed=date(2026, 6, 28))
    records.charge(rent, 10000, end=date(2026, 6, 28))
    records.post(rent, date(2026, 7, 1), "adjustment", -4321, "Final account credit")
    former = Resident(records.user(person, ended, email="former@example.org"), person, ended, rent)
    allowed = dataclasses.replace(SETTINGS, allow_former_tenants=True)

    with pytest.raises(NotYours):
        refund(session, former, "43.21")
    limit = refund_limit(session, rent.id, TODAY, allowed)
    result = submit_refund(
        session,
        **former.on(),
        amount="43.21",
        bank_account_name="Ann Lee",
        sort_code="123456",
        bank_account_number="12345678",
        now=NOW,
        settings=allowed,
    )

    assert (limit.keep_back_pence, limit.available_pence) == (0, 4321)
    assert result.ok and only_request(session).amount_pence == 4321


def test_two_refund_requests_at_the_same_moment_cannot_both_take_the_same_credit(db):
    if db.dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite allows one writer at a time anyway")
    with Session(db, expire_on_commit=False) as setup:
        records = Records(setup)
        who = records.resident(officer=records.officer())
        in_credit(records, who, 25000)  # £150.00 available
        setup.commit()

    second: list = []

    def second_request():
        with Session(db) as other:
            second.append(refund(other, who, "100.00"))
            other.commit()

    with Session(db) as first:
        assert refund(first, who, "100.00").ok
        racer = threading.Thread(target=second_request)
        racer.start()
        racer.join(timeout=1.0)
        assert racer.is_alive()  # waiting on the account's row lock
        first.commit()
    racer.join(timeout=10)
    assert [r.errors for r in second] == [{"amount": "Amount must be £50.00 or less"}]
    with Session(db) as check:
        assert counts(check) == (1, 1, 1)


# ---------------------------------------------------------------------------
# The daily limit per account and kind
# ---------------------------------------------------------------------------

LIMIT = SETTINGS.requests_per_kind_per_day
LIMIT_MESSAGE = (
    f"You have sent us {LIMIT} of these today. We will deal with them: you can send another tomorrow, "
    f"or phone us on {SETTINGS.landlord_phone} ({SETTINGS.landlord_hours})."
)
KINDS_AND_FIELDS = [
    (rq.QUERY, "message"),
    (rq.STANDING_ORDER, "post_to_address"),
    (rq.REFUND, "amount"),
    (rq.BENEFITS_ADVICE, "topic"),
    (rq.PAPER_STATEMENT, "period_from"),
]


def send(session, who: Resident, kind: str, *, now=NOW, settings=SETTINGS, account=None):
    """A valid request of ``kind`` from ``who`` at ``now``."""
    base = {**who.on(account), "now": now, "settings": settings}
    if kind == rq.QUERY:
        return submit_query(session, **base, message="What is this charge for?")
    if kind == rq.STANDING_ORDER:
        return submit_standing_order(session, **base, post_to_address="yes")
    if kind == rq.REFUND:
        return submit_refund(
            session,
            **base,
            amount="1.00",
            bank_account_name="A Lee",
            sort_code="123456",
            bank_account_number="12345678",
        )
    if kind == rq.BENEFITS_ADVICE:
        return submit_benefits_advice(
            session, **base, topic="universal_credit", best_time="any", contact_by="email", email="a@example.org"
        )
    return submit_paper_statement(
        session,
        **base,
        from_day="1",
        from_month="4",
        from_year="2026",
        to_day="1",
        to_month="7",
        to_year="2026",
        post_to_address="yes",
    )


def send_up_to_the_limit(session, who: Resident, kind: str, **kw):
    for _ in range(LIMIT):
        assert send(session, who, kind, **kw).ok


def test_the_default_limit_is_five_requests_of_a_kind_a_day_and_is_read_from_the_environment():
    keys = {"SECRET_KEY": "s", "ENCRYPTION_KEY": "e", "PORTAL_DATA_DIR": "/nonexistent"}
    assert load_settings(keys).requests_per_kind_per_day == 5
    assert load_settings({**keys, "REQUESTS_PER_KIND_PER_DAY": "12"}).requests_per_kind_per_day == 12
    assert LIMIT == 5


@pytest.mark.parametrize("kind, field", KINDS_AND_FIELDS)
def test_the_fifth_request_of_a_kind_today_is_made_and_the_sixth_is_refused_next_to_the_main_field_writing_nothing(
    session, records, ann, kind, field
):
    in_credit(records, ann, 50000)
    send_up_to_the_limit(session, ann, kind)
    before = counts(session)
    assert before == (LIMIT, LIMIT, LIMIT)

    result = send(session, ann, kind)

    assert (result.ok, result.acknowledgement, result.errors) == (False, None, {field: LIMIT_MESSAGE})
    assert counts(session) == before


def test_the_limit_error_goes_to_a_field_each_form_shows_and_the_error_summary_lists_it_once():
    from portal_app.pages.requests.new import ALL_ERROR_ORDER, ERROR_ORDER

    assert rq.LIMIT_FIELDS == dict(KINDS_AND_FIELDS)
    for kind, field in KINDS_AND_FIELDS:
        assert field in dict(ERROR_ORDER[kind])
    assert len(ALL_ERROR_ORDER) == len(set(ALL_ERROR_ORDER))


def test_the_limit_is_refused_before_a_form_with_mistakes_is_checked(session, ann):
    send_up_to_the_limit(session, ann, rq.QUERY)

    result = query(session, ann, message="")

    assert result.errors == {"message": LIMIT_MESSAGE}
    assert counts(session) == (LIMIT, LIMIT, LIMIT)


def test_a_transaction_of_another_account_is_still_not_yours_when_the_limit_is_reached(session, records, ann, bob):
    bobs_payment = records.post(bob.account, date(2026, 11, 16), "payment", -10000, "Card payment")
    send_up_to_the_limit(session, ann, rq.QUERY)

    with pytest.raises(NotYours):
        query(session, ann, transaction_id=bobs_payment.id)


def test_another_kind_of_request_the_same_day_is_still_made(session, ann):
    send_up_to_the_limit(session, ann, rq.QUERY)

    assert send(session, ann, rq.STANDING_ORDER).ok
    assert send(session, ann, rq.BENEFITS_ADVICE).ok
    assert counts(session) == (LIMIT + 2, LIMIT + 2, LIMIT + 2)


def test_the_same_kind_on_another_account_of_the_same_resident_is_still_made(session, records, ann):
    garage = records.account(ann.tenancy, "garage", ref="GARAGE0042")
    send_up_to_the_limit(session, ann, rq.QUERY)

    assert send(session, ann, rq.QUERY, account=garage).ok
    assert not send(session, ann, rq.QUERY).ok


def test_another_residents_requests_do_not_count_towards_the_limit(session, ann, bob):
    send_up_to_the_limit(session, bob, rq.QUERY)

    assert send(session, ann, rq.QUERY).ok


def test_a_joint_tenants_requests_on_the_shared_account_count_towards_its_limit(session, records, ann):
    partner = records.person("Sam", "Lee")
    records.party(ann.tenancy, partner, "joint_tenant")
    sam = Resident(records.user(partner, ann.tenancy, email="sam@example.org"), partner, ann.tenancy, ann.account)
    send_up_to_the_limit(session, sam, rq.QUERY)

    assert send(session, ann, rq.QUERY).errors == {"message": LIMIT_MESSAGE}


def test_the_next_uk_day_a_request_of_that_kind_is_made_again(session, ann):
    send_up_to_the_limit(session, ann, rq.QUERY)
    last_minute = datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC)  # GMT: the UK day is the UTC day
    next_day = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)

    assert not send(session, ann, rq.QUERY, now=last_minute).ok
    assert send(session, ann, rq.QUERY, now=next_day).ok


def test_in_british_summer_time_the_day_ends_at_midnight_uk_time_which_is_23_00_utc(session, ann):
    # 22:30 UTC on 15 July is 23:30 BST on the 15th; 23:30 UTC is already 00:30 on the 16th.
    send_up_to_the_limit(session, ann, rq.QUERY, now=datetime(2026, 7, 15, 22, 30, tzinfo=UTC))

    assert not send(session, ann, rq.QUERY, now=datetime(2026, 7, 15, 22, 59, 59, tzinfo=UTC)).ok
    assert send(session, ann, rq.QUERY, now=datetime(2026, 7, 15, 23, 30, tzinfo=UTC)).ok


def test_in_british_summer_time_requests_made_after_23_00_utc_count_for_the_next_uk_day(session, ann):
    # 23:30 UTC on 14 July is 00:30 BST on the 15th: these five belong to the 15th.
    send_up_to_the_limit(session, ann, rq.QUERY, now=datetime(2026, 7, 14, 23, 30, tzinfo=UTC))

    assert not send(session, ann, rq.QUERY, now=datetime(2026, 7, 15, 12, 0, tzinfo=UTC)).ok
    assert send(session, ann, rq.QUERY, now=datetime(2026, 7, 15, 23, 0, tzinfo=UTC)).ok


def test_the_limit_comes_from_settings_and_zero_means_no_limit(session, ann, bob):
    two = dataclasses.replace(SETTINGS, requests_per_kind_per_day=2)
    assert send(session, ann, rq.QUERY, settings=two).ok and send(session, ann, rq.QUERY, settings=two).ok
    assert send(session, ann, rq.QUERY, settings=two).errors == {
        "message": "You have sent us 2 of these today. We will deal with them: you can send another tomorrow, "
        f"or phone us on {SETTINGS.landlord_phone} ({SETTINGS.landlord_hours})."
    }

    unlimited = dataclasses.replace(SETTINGS, requests_per_kind_per_day=0)
    assert all(send(session, bob, rq.QUERY, settings=unlimited).ok for _ in range(LIMIT + 3))


def test_a_limit_of_one_says_one_of_these_in_words(session, ann):
    one = dataclasses.replace(SETTINGS, requests_per_kind_per_day=1)
    assert send(session, ann, rq.QUERY, settings=one).ok

    assert (
        send(session, ann, rq.QUERY, settings=one)
        .errors["message"]
        .startswith("You have sent us one of these today. We will deal with it: you can send another tomorrow")
    )
