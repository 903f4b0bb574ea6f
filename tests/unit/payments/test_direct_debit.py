"""Direct Debit as residents and the landlord's bureau meet it (services/payments/direct_debit.py):
setting one up online, the bank details encrypted at rest and shown masked, each mistake's
message, one active instruction per account, cancelling, the bureau export taking each
once, another resident refused everywhere, the confirmation's advance notice, and the
paper form as a PDF.

The account: £100.00 rent a week. Today is Monday 14 December 2026, so the first collection
is counted over Christmas: 10 working days on is Wednesday 30 December (25 and 28 December
are bank holidays, 28 December being Boxing Day's substitute)."""

from __future__ import annotations

import dataclasses
import io
import json
import threading
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from pypdf import PdfReader
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, func, select

from portal_app import routes
from portal_app.api import downloads
from portal_app.clock import utcnow
from portal_app.models import AuditEvent, DirectDebitInstruction, OutboxMessage, PortalUser, Tenancy
from portal_app.services import tokens
from portal_app.services.identity import sessions, tickets
from portal_app.services.payments import direct_debit as dd
from portal_app.settings import get_settings
from tests.factories import make_charge, make_party, make_person, make_portal_user, make_resident

NOW = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
# Vocalink's published test case 1 (a modulus 10 check that passes), as a resident might type it.
SORT_CODE, ACCOUNT_NUMBER = "08-99-99", "66374958"


def _form(**changes) -> dict[str, str]:
    form = {
        "account_name": "Joanna Smith",
        "sort_code": SORT_CODE,
        "account_number": ACCOUNT_NUMBER,
        "frequency": "monthly",
        "collection_day": "1",
        "authorise": "yes",
    }
    return {**form, **changes}


@dataclasses.dataclass
class Tenant:
    caller: SimpleNamespace
    ref: str
    email: str
    user_id: int
    person_id: int
    account_id: int


def _tenant(s: Session, n: int, email: str, first: str, last: str) -> Tenant:
    resident = make_resident(s, email=email, first=first, last=last, ref=f"DDRENT{n}")
    make_charge(s, resident.account, 10_000, description="Basic rent", start=date(2026, 4, 6))
    caller = SimpleNamespace(user_id=resident.user.id, person_id=resident.person.id, tenancy_id=resident.tenancy.id)
    return Tenant(
        caller, resident.account.account_ref, email, resident.user.id, resident.person.id, resident.account.id
    )


@pytest.fixture
def tenants(db):
    with Session(db, expire_on_commit=False) as s:
        a = _tenant(s, 1, "joanna@example.org", "Joanna", "Smith")
        b = _tenant(s, 2, "bart@example.org", "Bartholomew", "Ndiaye")
        s.commit()
    return a, b


@pytest.fixture
def tenant(tenants):
    return tenants[0]


def _set_up(db, tenant: Tenant, form=None, now=NOW, ref=None) -> dd.SetUp:
    with Session(db) as s:
        done = dd.set_up(s, tenant.caller, ref or tenant.ref, form or _form(), now=now, settings=get_settings())
        s.commit()
    return done


def _rows(db) -> list[DirectDebitInstruction]:
    with Session(db) as s:
        return list(s.exec(select(DirectDebitInstruction).order_by(DirectDebitInstruction.id)).all())


def _mail(db, kind: str) -> list[OutboxMessage]:
    with Session(db) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)).all())


def _export(db, now=NOW) -> dd.Export:
    with Session(db) as s:
        found = dd.export_new(s, now=now, settings=get_settings())
        s.commit()
    return found


def _csv_rows(export: dd.Export) -> list[dict[str, str]]:
    import csv

    return list(csv.DictReader(io.StringIO(export.text)))


# ---------------------------------------------------------------------------
# Setting one up


def test_the_form_offers_each_frequencys_amount_from_the_charges_and_each_days_first_date_over_christmas(db, tenant):
    with Session(db) as s:
        _choice, form = dd.form_context(s, tenant.caller, tenant.ref, now=NOW, settings=get_settings())
    assert form.charge_words == "£100.00 a week"
    assert [(o.frequency, o.amount_words) for o in form.frequencies] == [
        ("monthly", "£433.33"),  # £100 x 52 / 12
        ("four_weekly", "£400.00"),
        ("fortnightly", "£200.00"),
        ("weekly", "£100.00"),
    ]
    first = {o.day: o.first_words for o in form.days}
    # 1 January 2027 is a bank holiday (a Friday): taken on Monday 4 January, after the 30 December earliest.
    assert first[1] == "4 January 2027"
    # 28 December is a bank holiday, moved to the 29th: too soon, so January's 28th.
    assert first[28] == "28 January 2027"
    assert (first[8], first[15], first[22]) == ("8 January 2027", "15 January 2027", "22 January 2027")
    shown = form.previews[dd.preview_key("monthly", 1)]
    assert (shown.amount_words, shown.frequency_words, shown.first_words) == (
        "£433.33",
        "every month",
        "4 January 2027",
    )
    assert shown.later_words == "then 1 February 2027 and 1 March 2027"
    # The page's rows: "When" starts with a capital, "After that" is the dates alone.
    assert shown.when_words == "On the 1st of each month, or the next working day"
    assert shown.later_dates == "1 February 2027 and 1 March 2027"
    assert form.active_reference == "" and form.instructions == ()


def test_a_resident_sets_up_a_monthly_direct_debit_and_sees_it_masked_with_its_first_payment(db, tenant):
    done = _set_up(db, tenant)

    assert done.outcome == "done", done.errors
    assert done.reference.startswith("DD-") and len(done.reference) == 11
    assert (done.amount_words, done.frequency_words, done.first_words) == ("£433.33", "every month", "4 January 2027")
    assert done.bank_masked == "Sort code ending 99, account ending 4958"
    assert done.email == tenant.email
    [row] = _rows(db)
    assert (row.status, row.frequency, row.collection_day, row.amount_pence) == ("active", "monthly", 1, 43_333)
    assert row.first_collection_on == date(2027, 1, 4)
    assert row.user_id == tenant.user_id and row.exported_at is None
    with Session(db) as s:
        [view] = dd.mine(s, tenant.caller, now=NOW, settings=get_settings())
    assert view.reference == done.reference and view.active
    assert view.status_words == "Set up: we are sending it to your bank"
    assert view.bank_masked == "Sort code ending 99, account ending 4958"
    assert view.terms_words == "£433.33 every month" and view.first_words == "4 January 2027"
    assert view.holder == "Joanna Smith"
    assert done.instructions == (view,)


def test_the_bank_details_are_encrypted_at_rest_the_database_row_never_holds_the_digits(db, tenant):
    _set_up(db, tenant)

    with db.connect() as conn:
        raw = conn.execute(text("SELECT * FROM direct_debit_instruction")).mappings().one()
    stored = " ".join(str(v) for v in raw.values())
    for digits in (ACCOUNT_NUMBER, "089999", SORT_CODE, "08 99 99"):
        assert digits not in stored
    assert json.loads(tokens.decrypt(raw["bank_details_enc"])) == {
        "sort_code": "089999",
        "account_number": ACCOUNT_NUMBER,
    }
    # Nor the audit log, nor the email.
    with Session(db) as s:
        [line] = s.exec(select(AuditEvent).where(AuditEvent.action == "direct_debit_set_up")).all()
    assert ACCOUNT_NUMBER not in (line.detail or "") and "089999" not in (line.detail or "")
    [mail] = _mail(db, "direct_debit_set_up")
    assert ACCOUNT_NUMBER not in mail.body_text and "089999" not in mail.body_text and "08-99-99" not in mail.body_text


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"account_name": " "}, "account_name", "Enter the name on the account"),
        ({"sort_code": ""}, "sort_code", "Enter a sort code"),
        ({"sort_code": "08-99-9"}, "sort_code", "Enter a valid sort code like 309430: it must be 6 digits"),
        ({"account_number": ""}, "account_number", "Enter an account number"),
        (
            {"account_number": "6637495A"},
            "account_number",
            "Enter a valid account number like 00733445: it must be numbers only",
        ),
        ({"account_number": "12345"}, "account_number", "it must be between 6 and 8 digits"),
        ({"account_number": "123456789"}, "account_number", "Your account number has 9 digits"),
        (
            {"account_number": "66374959"},  # Vocalink's case 29: fails the modulus 10 check
            "account_number",
            "Check your sort code and account number: this account number cannot be at this sort code",
        ),
        ({"frequency": "quarterly"}, "frequency", "Select how often you want to pay"),
        ({"collection_day": "31"}, "collection_day", "Select one of the days of the month shown"),
        ({"collection_day": ""}, "collection_day", "Select the day of the month for your payments"),
        ({"authorise": ""}, "authorise", "Confirm that you can set up Direct Debits from this account on your own"),
    ],
    ids=[
        "no name",
        "no sort code",
        "a short sort code",
        "no account number",
        "a letter in it",
        "5 digits",
        "9 digits",
        "fails the modulus check",
        "an unknown frequency",
        "a day not offered",
        "no day",
        "not confirmed",
    ],
)
def test_each_mistake_gets_its_own_message_next_to_its_field_and_nothing_is_written(
    db, tenant, changes, field, message
):
    done = _set_up(db, tenant, _form(**changes))

    assert done.outcome == "invalid"
    errors = dict(done.errors)
    assert list(errors) == [field]
    assert message in errors[field]
    assert _rows(db) == [] and _mail(db, "direct_debit_set_up") == []


def test_a_mistake_in_both_numbers_gets_a_message_next_to_each(db, tenant):
    done = _set_up(db, tenant, _form(sort_code="0899", account_number="66-37"))
    assert [f for f, _ in done.errors] == ["sort_code", "account_number"]


def test_the_modulus_check_uses_the_tables_the_settings_name(db, tenant, tmp_path):
    # A weight table with no row for 089999: that sort code cannot be checked, so a number
    # the bundled table refuses is accepted (presumed valid, as the specification says).
    weights = tmp_path / "valacdos.txt"
    weights.write_text("010004 016715 MOD11    0    0    7    5    8    3    4    6    2    1    0    0    0    0\n")
    settings = dataclasses.replace(get_settings(), modulus_weights_file=str(weights))
    checked, errors = dd.check_form(_form(account_number="66374959"), settings)
    refused, bundled_errors = dd.check_form(_form(account_number="66374959"), get_settings())
    assert errors == {} and checked.account_number == "66374959"
    assert refused is None and "account_number" in bundled_errors


def test_a_second_direct_debit_on_the_same_account_finds_the_first_and_writes_nothing(db, tenant):
    first = _set_up(db, tenant)
    again = _set_up(db, tenant, _form(frequency="weekly"))

    assert again.outcome == "exists" and again.reference == first.reference
    assert len(_rows(db)) == 1 and len(_mail(db, "direct_debit_set_up")) == 1


def test_the_database_keeps_one_active_instruction_per_account_but_a_cancelled_one_does_not_count(db, tenant):
    _set_up(db, tenant)
    [row] = _rows(db)
    copy = {k: v for k, v in row.model_dump().items() if k != "id"} | {"reference": "DD-SECOND01"}
    with Session(db) as s:
        s.add(DirectDebitInstruction(**copy))
        with pytest.raises(IntegrityError):
            s.flush()
    with Session(db) as s:
        assert dd.cancel(s, tenant.caller, row.reference, now=NOW, settings=get_settings()).outcome == "cancelled"
        s.commit()
    again = _set_up(db, tenant, _form(collection_day="15"))
    assert again.outcome == "done" and again.reference != row.reference
    assert [r.status for r in _rows(db)] == ["cancelled", "active"]


def test_a_joint_tenant_cannot_set_up_a_second_direct_debit_on_an_account_already_paid_by_one(db, tenant):
    with Session(db, expire_on_commit=False) as s:
        user = s.get(PortalUser, tenant.user_id)
        partner = make_person(s, "Sam", "Smith")
        make_party(s, s.get(Tenancy, user.tenancy_id), partner, "joint_tenant")
        joint = make_portal_user(s, partner, s.get(Tenancy, user.tenancy_id), email="sam@example.org")
        s.commit()
    other = SimpleNamespace(user_id=joint.id, person_id=partner.id, tenancy_id=user.tenancy_id)
    first = _set_up(db, tenant)

    with Session(db) as s:
        _choice, form = dd.form_context(s, other, tenant.ref, now=NOW, settings=get_settings())
        again = dd.set_up(s, other, tenant.ref, _form(account_number="66374958"), now=NOW, settings=get_settings())
        s.commit()

    assert form.paid_by_other and form.active_reference == "" and form.instructions == ()
    assert again.outcome == "exists" and again.paid_by_other
    assert again.reference == "" and first.reference not in repr(again)  # nothing of the other tenant's
    assert len(_rows(db)) == 1 and len(_mail(db, "direct_debit_set_up")) == 1


def test_an_account_with_no_regular_charge_has_nothing_to_collect(db):
    with Session(db, expire_on_commit=False) as s:
        resident = make_resident(s, email="nocharge@example.org", ref="DDNONE1")
        s.commit()
    caller = SimpleNamespace(user_id=resident.user.id, person_id=resident.person.id, tenancy_id=resident.tenancy.id)
    with Session(db) as s:
        _choice, form = dd.form_context(s, caller, "DDNONE1", now=NOW, settings=get_settings())
        done = dd.set_up(s, caller, "DDNONE1", _form(), now=NOW, settings=get_settings())
    assert form.weekly_charge_pence == 0 and form.frequencies == ()
    assert done.outcome == "no_charge" and _rows(db) == []


# ---------------------------------------------------------------------------
# The confirmation email


def test_the_confirmation_email_gives_the_advance_notice_and_the_direct_debit_guarantee_word_for_word(db, tenant):
    done = _set_up(db, tenant)

    [mail] = _mail(db, "direct_debit_set_up")
    assert mail.to_address == tenant.email
    assert mail.subject == "Your Direct Debit is set up: £433.33 every month - Northbrook Homes"
    body = mail.body_text
    assert f"Direct Debit reference: {done.reference}" in body
    assert "From: Sort code ending 99, account ending 4958" in body
    assert (
        "We will take £433.33 from your bank account every month. The first payment will be taken on "
        "4 January 2027, then 1 February 2027 and 1 March 2027: on the 1st of each month, or the next working day."
    ) in body
    assert (
        "We will tell you at least 10 working days in advance if the amount, the date or how often we collect changes."
    ) in body
    assert (
        f"Payments will show on your bank statement as Northbrook Homes, with the reference {done.reference}." in body
    )
    guarantee = [
        "The Direct Debit Guarantee",
        "",
        "- This Guarantee is offered by all banks and building societies that accept instructions to pay Direct Debits",
        "- If there are any changes to the amount, date or frequency of your Direct Debit Northbrook Homes will notify "
        "you 10 working days in advance of your account being debited or as otherwise agreed. If you request Northbrook "
        "Homes to collect a payment, confirmation of the amount and date will be given to you at the time of the request",
        "- If an error is made in the payment of your Direct Debit, by Northbrook Homes or your bank or building "
        "society, you are entitled to a full and immediate refund of the amount paid from your bank or building society",
        "  - If you receive a refund you are not entitled to, you must pay it back when Northbrook Homes asks you to",
        "- You can cancel a Direct Debit at any time by simply contacting your bank or building society. Written "
        "confirmation may be required. Please also notify us.",
    ]
    assert "\n".join(guarantee) in body


# ---------------------------------------------------------------------------
# Cancelling


def test_cancelling_stops_it_once_emails_the_resident_and_a_second_press_changes_nothing(db, tenant):
    done = _set_up(db, tenant)
    later = NOW + timedelta(days=2)
    with Session(db) as s:
        cancelled = dd.cancel(s, tenant.caller, done.reference, now=later, settings=get_settings())
        s.commit()
    with Session(db) as s:
        again = dd.cancel(s, tenant.caller, done.reference, now=later, settings=get_settings())
        s.commit()

    assert cancelled.outcome == "cancelled" and again.outcome == "already"
    [row] = _rows(db)
    assert row.status == "cancelled" and row.cancelled_at is not None
    [view] = cancelled.instructions
    assert not view.active and view.status_words == "Cancelled on 16 December 2026"
    [mail] = _mail(db, "direct_debit_cancelled")
    assert f"You cancelled your Direct Debit {done.reference} on 16 December 2026." in mail.body_text
    assert "We had not yet sent it to your bank, so no payment will be taken under it." in mail.body_text


# ---------------------------------------------------------------------------
# Another resident


def _picture(db) -> dict:
    """Everything a refused call could have changed."""
    with Session(db) as s:
        counts = {
            table: s.exec(select(func.count()).select_from(table)).one()
            for table in (DirectDebitInstruction, OutboxMessage, AuditEvent)
        }
        rows = [r.model_dump() for r in s.exec(select(DirectDebitInstruction).order_by(DirectDebitInstruction.id))]
    return {"counts": {t.__name__: n for t, n in counts.items()}, "rows": rows}


def test_another_resident_is_refused_by_every_function_and_route_with_no_side_effect(db, tenants):
    a, b = tenants
    mine_a = _set_up(db, a)
    with Session(db) as s:
        token_b = sessions.create_session(s, b.user_id, client="test", now=utcnow())
        s.commit()
    before = _picture(db)
    settings = get_settings()

    with Session(db) as s:
        choice, form = dd.form_context(s, b.caller, a.ref, now=NOW, settings=settings)
        assert choice.refused and form is None
        assert dd.set_up(s, b.caller, a.ref, _form(), now=NOW, settings=settings).outcome == "refused"
        assert dd.cancel(s, b.caller, mine_a.reference, now=NOW, settings=settings).outcome == "refused"
        assert dd.cancel(s, b.caller, mine_a.reference.lower(), now=NOW, settings=settings).outcome == "refused"
        assert [v.reference for v in dd.mine(s, b.caller, now=NOW, settings=settings)] == []
        s.commit()
    # B's own session with a ticket naming A's account: the paper form route refuses it.
    with Session(db) as s:
        principal_b = sessions.resolve_session(s, token_b, now=utcnow())
        s.commit()
    ticket = tickets.issue(
        session_id=principal_b.session_id,
        user_id=b.user_id,
        account_id=a.account_id,
        kind="direct_debit_form_pdf",
        date_from=None,
        date_to=None,
        now=utcnow(),
    )
    assert downloads._build(ticket, "direct_debit_form_pdf", token_b) is None

    after = _picture(db)
    assert after == before
    assert [r.status for r in _rows(db)] == ["active"]


def test_an_unknown_or_malformed_reference_is_refused_the_same_way(db, tenant):
    _set_up(db, tenant)
    before = _picture(db)
    with Session(db) as s:
        for reference in ("DD-NOTHERE1", "", "x" * 500, 7, None, ["DD-1"]):
            assert dd.cancel(s, tenant.caller, reference, now=NOW, settings=get_settings()).outcome == "refused"
        for ref in ("", None, 7, "NOPE"):
            assert dd.set_up(s, tenant.caller, ref, _form(), now=NOW, settings=get_settings()).outcome == "refused"
        s.commit()
    assert _picture(db) == before


# ---------------------------------------------------------------------------
# The bureau export


def test_the_export_takes_each_new_instruction_once_then_its_cancellation_once(db, tenants):
    a, b = tenants
    done_a = _set_up(db, a)
    done_b = _set_up(db, b, _form(account_name="B Ndiaye", frequency="weekly", collection_day="8"), now=NOW)

    first = _export(db)
    assert (first.new, first.cancelled) == (2, 0)
    rows = _csv_rows(first)
    assert [r["instruction_reference"] for r in rows] == [done_a.reference, done_b.reference]
    assert list(rows[0]) == list(dd.EXPORT_COLUMNS)
    assert rows[0] | {"set_up_at_utc": ""} == {
        "record_type": "new",
        "auddis_code": "0N",
        "instruction_reference": done_a.reference,
        "account_ref": a.ref,
        "account_holder_name": "Joanna Smith",
        "sort_code": "089999",
        "account_number": ACCOUNT_NUMBER,
        "frequency": "monthly",
        "collection_day": "1",
        "amount_pence": "43333",
        "amount": "433.33",
        "first_collection_on": "2027-01-04",
        "set_up_at_utc": "",
        "cancelled_at_utc": "",
        "service_user_number": get_settings().direct_debit_service_user_number,
    }
    assert rows[0]["set_up_at_utc"] == "2026-12-14T10:00:00+00:00"
    assert _export(db).new == 0  # taken once

    with Session(db) as s:
        dd.cancel(s, a.caller, done_a.reference, now=NOW + timedelta(days=1), settings=get_settings())
        s.commit()
    with Session(db) as s:
        [view] = dd.mine(s, b.caller, now=NOW, settings=get_settings())
    assert view.status_words == "Active"  # the bureau has it
    [mail] = _mail(db, "direct_debit_cancelled")
    assert "We will tell your bank." in mail.body_text

    second = _export(db)
    assert (second.new, second.cancelled) == (0, 1)
    [cancel] = _csv_rows(second)
    assert (cancel["record_type"], cancel["auddis_code"], cancel["instruction_reference"]) == (
        "cancel",
        "0C",
        done_a.reference,
    )
    assert cancel["cancelled_at_utc"] == "2026-12-15T10:00:00+00:00"
    assert _export(db).text.count("\r\n") == 1  # the header only


def test_an_instruction_cancelled_before_any_export_never_reaches_the_bureau(db, tenant):
    done = _set_up(db, tenant)
    with Session(db) as s:
        dd.cancel(s, tenant.caller, done.reference, now=NOW, settings=get_settings())
        s.commit()
    assert (_export(db).new, _export(db).cancelled) == (0, 0)


def test_two_exports_at_the_same_moment_never_put_one_instruction_in_both_files(db, tenants, engine):
    a, b = tenants
    _set_up(db, a)
    _set_up(db, b)
    start = threading.Barrier(2)
    files: list[dd.Export] = []
    problems: list[BaseException] = []

    def run():
        try:
            start.wait(timeout=10)
            with Session(engine) as s:
                found = dd.export_new(s, now=NOW, settings=get_settings())
                s.commit()
            files.append(found)
        except BaseException as exc:  # noqa: BLE001 - reported below
            problems.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert problems == []
    taken = [r["instruction_reference"] for f in files for r in _csv_rows(f)]
    assert sorted(taken) == sorted(r.reference for r in _rows(db))  # each once, in one file or the other
    assert sum(f.new for f in files) == 2


def test_the_export_never_shows_its_bank_details_in_a_log_line(db, tenant):
    _set_up(db, tenant)
    found = _export(db)
    assert ACCOUNT_NUMBER in found.text
    assert ACCOUNT_NUMBER not in repr(found) and ACCOUNT_NUMBER not in str(found)


# ---------------------------------------------------------------------------
# The paper form


def _pdf_text(body: bytes) -> str:
    """The PDF's words, each run of spaces and line ends as one space (a title wraps)."""
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages).split())


def test_the_paper_form_is_filled_in_with_the_residents_name_address_and_payment_reference(db, tenant):
    with Session(db) as s:
        form = dd.paper_form(s, account_id=tenant.account_id, person_id=tenant.person_id, settings=get_settings())
    body = dd.paper_form_pdf(form)
    words = _pdf_text(body)

    assert body.startswith(b"%PDF")
    for expected in (
        "Instruction to your bank or building society to pay by Direct Debit",
        "Joanna Smith",
        "Flat 12",
        "Elm Court",
        "NB1 2AB",
        tenant.ref,
        "Northbrook Homes",
        "1 Civic Way",
        "Name(s) of account holder(s)",
        "Branch sort code",
        "The Direct Debit Guarantee",
        "Please also notify us.",
    ):
        assert expected in words, expected
    # Where to post it, said once: the landlord's address as it is set names the landlord already.
    assert "post it to Northbrook Homes, 1 Civic Way, Northbrook NB1 1AA." in words
    assert "Northbrook Homes at Northbrook Homes" not in words
    assert get_settings().direct_debit_service_user_number in words.replace(" ", "")
    reader = PdfReader(io.BytesIO(body))
    assert reader.metadata.title == f"Direct Debit Instruction {tenant.ref}"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged, as the statements are


def test_the_paper_form_route_serves_the_ticket_s_own_session_its_own_account(db, tenant):
    with Session(db) as s:
        token = sessions.create_session(s, tenant.user_id, client="test", now=utcnow())
        principal = sessions.resolve_session(s, token, now=utcnow())
        s.commit()
    ticket = tickets.issue(
        session_id=principal.session_id,
        user_id=tenant.user_id,
        account_id=tenant.account_id,
        kind="direct_debit_form_pdf",
        date_from=None,
        date_to=None,
        now=utcnow(),
    )
    built = downloads._build(ticket, "direct_debit_form_pdf", token)
    assert built is not None
    body, name = built
    assert name == f"direct-debit-form-{tenant.ref}" and "Joanna Smith" in _pdf_text(body)
    # Another kind's ticket, or no session cookie: refused.
    assert downloads._build(ticket, "statement_pdf", token) is None
    assert downloads._build(ticket, "direct_debit_form_pdf", None) is None
    assert routes.download(routes.API_DIRECT_DEBIT_FORM_PDF, ticket).startswith("/api/direct-debit-form.pdf?ticket=")


# ---------------------------------------------------------------------------
# The page's state: the bank details never in it


def test_setting_up_and_cancelling_on_the_page_leaves_the_bank_details_in_no_delta_or_state_file(tmp_path, db, tenant):
    from portal_app.pages.payments.direct_debit import DirectDebitState
    from tests.security.secrets_scan import assert_nowhere, reached
    from tests.security.state_browser import Browser, run_journey

    with Session(db) as s:
        token = sessions.create_session(s, tenant.user_id, client="scan", now=utcnow())
        s.commit()

    async def journey():
        async with Browser(tmp_path, token) as browser:
            await browser.open(routes.DIRECT_DEBIT, account=tenant.ref)
            await browser.run(DirectDebitState, "load")
            await browser.run(DirectDebitState, "choose_frequency", "monthly")
            await browser.run(DirectDebitState, "choose_day", "1")
            preview = dict((await browser.state(DirectDebitState)).preview)
            # A number that fails the modulus check first: a message, and the numbers not echoed.
            # The checkbox arrives as the browser sends it: True (Reflex reads its ``checked``).
            await browser.run(DirectDebitState, "submit", _form(account_number="66374959", authorise=True))
            wrong = dict((await browser.state(DirectDebitState)).errors)
            await browser.run(DirectDebitState, "submit", _form(authorise=True))
            done = dict((await browser.state(DirectDebitState)).done)
            await browser.run(DirectDebitState, "ask_cancel", done.get("reference", ""))
            await browser.run(DirectDebitState, "cancel")
            page = await browser.state(DirectDebitState)
            return browser, preview, wrong, done, [(i.reference, i.active, i.bank) for i in page.instructions]

    browser, preview, wrong, done, items = run_journey(journey())

    assert preview["amount_words"] == "£433.33" and preview["frequency_words"] == "every month"
    assert list(wrong) == ["account_number"]
    assert done["bank"] == "Sort code ending 99, account ending 4958"
    assert reached(done["bank"], browser.deltas)  # the masked form reached the page ...
    assert items == [(done["reference"], False, "Sort code ending 99, account ending 4958")]
    assert [r.status for r in _rows(db)] == ["cancelled"]
    # ... and the numbers themselves are in no delta and no state file.
    assert_nowhere(
        {
            "the sort code as typed": SORT_CODE,
            "the sort code": "089999",
            "the account number": ACCOUNT_NUMBER,
            "the account number that failed": "66374959",
            "the session token": token,
        },
        deltas=browser.deltas,
        pickles=browser.pickles(),
    )


def test_the_export_command_writes_a_new_private_file_and_marks_the_instructions_only_then(
    db, tenant, tmp_path, capsys
):
    from portal_app import cli

    done = _set_up(db, tenant)
    out = tmp_path / "direct-debits.csv"
    out.write_text("an earlier file")
    assert cli.main(["direct-debit-export", "--out", str(out)]) == 2  # never over another file ...
    assert _rows(db)[0].exported_at is None  # ... and nothing taken for it

    fresh = tmp_path / "direct-debits-2.csv"
    assert cli.main(["direct-debit-export", "--out", str(fresh)]) == 0
    assert "1 new Direct Debit instructions and 0 cancellations written to" in capsys.readouterr().out
    assert done.reference in fresh.read_text() and fresh.stat().st_mode & 0o777 == 0o600
    assert _rows(db)[0].exported_at is not None
    assert cli.main(["direct-debit-export"]) == 0
    assert capsys.readouterr().out.count("\r\n") == 1  # the header only: taken once


# ---------------------------------------------------------------------------
# The settings


def test_the_collection_days_and_service_user_number_come_from_the_settings_and_a_bad_one_stops_the_start():
    from portal_app.settings import load_settings

    chosen = load_settings({"DIRECT_DEBIT_COLLECTION_DAYS": "15, 1,15", "DIRECT_DEBIT_SERVICE_USER_NUMBER": "654321"})
    assert chosen.direct_debit_collection_days == (1, 15)
    assert chosen.direct_debit_service_user_number == "654321"
    assert load_settings({}).direct_debit_collection_days == (1, 8, 15, 22, 28)
    for bad in ("29", "0", "first", "1,31"):
        with pytest.raises(ValueError, match="DIRECT_DEBIT_COLLECTION_DAYS"):
            load_settings({"DIRECT_DEBIT_COLLECTION_DAYS": bad})
    with pytest.raises(ValueError, match="6 digits"):
        load_settings({"DIRECT_DEBIT_SERVICE_USER_NUMBER": "12345"})
