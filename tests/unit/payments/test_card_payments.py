"""Paying by card exactly once, with the built-in sandbox provider (its card page is
driven here through the provider's own functions, as the card page's form does)."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from portal_app.clock import to_uk, utcnow
from portal_app.integrations import payments as providers
from portal_app.integrations.payments import sandbox
from portal_app.models import OutboxMessage, PortalPayment
from portal_app.services.accounts import ledger
from portal_app.services.payments import card, export, jobs
from portal_app.settings import get_settings
from portal_app.state.database import in_transaction_here

SUCCESS, DECLINED, EXPIRED_CARD, WRONG_CVC, PROCESSING_ERROR = (
    "4444333322221111",
    "4000000000000002",
    "4000000000000069",
    "4000000000000127",
    "4000000000000119",
)


def _card(number: str) -> dict[str, str]:
    return {
        "card_number": number,
        "expiry_month": "04",
        "expiry_year": str((date.today().year + 2) % 100),
        "cvc": "123",
        "name": "A Lee",
        "postcode": "NB1 1AA",
    }


@pytest.fixture
def payer(db, records, session):
    resident = records.resident(email="ann@example.org")
    records.charge(resident.account, 10_000, description="Basic rent")
    records.post(resident.account, date(2026, 11, 30), "rent_charge", 10_000, "Rent")
    session.commit()
    caller = SimpleNamespace(user_id=resident.user.id, person_id=resident.person.id, tenancy_id=resident.tenancy.id)
    return SimpleNamespace(caller=caller, ref=resident.account.account_ref, account_id=resident.account.id)


def _start(payer, amount=2_500, attempt="attempt-1"):
    now = utcnow()
    return in_transaction_here(
        card.start,
        payer.caller,
        payer.ref,
        amount,
        attempt_key=attempt,
        now=now,
        today=now.date(),
        settings=get_settings(),
    )


def _pay_with(db, payer, number: str, amount=2_500, attempt="attempt-1"):
    """Start, go to the card page, pay with ``number``, come back: the payment's row."""
    started = _start(payer, amount, attempt)
    assert started.outcome == "ready"
    went = card.go(db, started.return_key, payer.caller.user_id, now=utcnow(), settings=get_settings())
    assert went.next_url.startswith(get_settings().base_url + sandbox.CARD_PAGE_PATH)
    provider = sandbox.SandboxProvider(get_settings().base_url)
    errors, back = provider.pay(went.next_url.rsplit("/", 1)[1], _card(number))
    assert errors == {} and back.endswith("/api/payments/return")
    reference = card.returned(db, started.return_key, now=utcnow(), settings=get_settings())
    with Session(db) as s:
        return s.exec(select(PortalPayment).where(PortalPayment.reference == reference)).one()


def _receipts(db) -> list[OutboxMessage]:
    with Session(db) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "payment_receipt")).all())


def test_twenty_presses_of_continue_at_the_same_moment_make_one_payment(db, payer):
    barrier = threading.Barrier(20)
    answers, failures = [], []

    def press():
        barrier.wait()
        try:
            answers.append(_start(payer))
        except Exception as exc:  # noqa: BLE001 - counted below
            failures.append(exc)

    threads = [threading.Thread(target=press) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with Session(db) as s:
        rows = s.exec(select(PortalPayment)).all()
    assert len(rows) == 1
    assert rows[0].status == "created" and rows[0].amount_pence == 2_500
    assert {a.outcome for a in answers} <= {"ready", "open"}
    assert sum(a.outcome == "ready" for a in answers) >= 1


def test_a_second_tab_is_offered_the_unfinished_payment_instead_of_starting_another(db, payer):
    first = _start(payer, attempt="tab-1")
    second = _start(payer, amount=4_000, attempt="tab-2")
    assert first.outcome == "ready"
    assert second.outcome == "open" and second.open_payment.amount_pence == 2_500
    with Session(db) as s:
        assert len(s.exec(select(PortalPayment)).all()) == 1


def test_the_success_card_takes_the_payment_shows_it_pending_and_emails_one_receipt(db, payer):
    row = _pay_with(db, payer, SUCCESS)
    assert row.status == "pending"
    assert row.auth_code.isdigit() and len(row.auth_code) == 6
    assert row.provider_reference and row.last_digits == "1111"
    with Session(db) as s:
        pending = ledger.pending_payments(s, payer.account_id)
    assert [(p.reference, p.amount_pence) for p in pending] == [(row.reference, 2_500)]
    receipts = _receipts(db)
    assert len(receipts) == 1
    body = receipts[0].body_text
    assert "£25.00" in body and row.reference in body and row.auth_code in body and payer.ref in body


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        (DECLINED, "failed", "P0010"),
        (EXPIRED_CARD, "failed", "P0010"),
        (WRONG_CVC, "failed", "P0010"),
        (PROCESSING_ERROR, "error", "P0050"),
    ],
)
def test_a_declined_or_failed_card_records_nothing_as_paid(db, payer, number, status, code):
    row = _pay_with(db, payer, number)
    assert (row.status, row.failure_code) == (status, code)
    with Session(db) as s:
        assert ledger.pending_payments(s, payer.account_id) == []
    assert _receipts(db) == []
    # ...and the resident can try again at once: nothing is left unfinished.
    assert _start(payer, attempt="again").outcome == "ready"


def test_coming_back_from_the_card_page_twice_settles_once_and_sends_one_receipt(db, payer):
    row = _pay_with(db, payer, SUCCESS)
    with Session(db) as s:
        key_row = s.get(PortalPayment, row.id)
        assert key_row.status == "pending"
    # The return page replayed (refresh, Back) and the job running too: nothing changes.
    for _ in range(3):
        card.settle_from_provider(db, row.id, now=utcnow(), settings=get_settings())
    jobs.settle_unfinished(engine=db, now=utcnow() + timedelta(hours=1))
    assert len(_receipts(db)) == 1


def test_a_payment_made_but_never_returned_from_is_settled_by_the_background_job(db, payer):
    started = _start(payer)
    went = card.go(db, started.return_key, payer.caller.user_id, now=utcnow(), settings=get_settings())
    provider = sandbox.SandboxProvider(get_settings().base_url)
    provider.pay(went.next_url.rsplit("/", 1)[1], _card(SUCCESS))
    # The browser never reaches /api/payments/return (the server restarted, the tab closed).
    assert jobs.settle_unfinished(engine=db, now=utcnow()) == 0  # too soon: the resident may be on their way back
    assert jobs.settle_unfinished(engine=db, now=utcnow() + jobs.SETTLE_AFTER + timedelta(minutes=1)) == 1
    with Session(db) as s:
        assert s.exec(select(PortalPayment)).one().status == "pending"
    assert len(_receipts(db)) == 1


def test_a_payment_left_on_the_card_page_expires_after_ninety_minutes_and_takes_nothing(db, payer):
    started = _start(payer)
    card.go(db, started.return_key, payer.caller.user_id, now=utcnow(), settings=get_settings())
    later = utcnow() + timedelta(minutes=91)
    # The provider's own clock has moved on too.
    providers.use_for_tests("sandbox", sandbox.SandboxProvider(get_settings().base_url, now=lambda: later))
    try:
        jobs.settle_unfinished(engine=db, now=later)
    finally:
        providers.use_for_tests("sandbox", None)
    with Session(db) as s:
        row = s.exec(select(PortalPayment)).one()
    assert (row.status, row.failure_code) == ("failed", "P0020")
    assert _receipts(db) == []


def test_going_to_the_card_page_again_after_it_was_sent_does_not_make_a_second_provider_payment(db, payer):
    started = _start(payer)
    first = card.go(db, started.return_key, payer.caller.user_id, now=utcnow(), settings=get_settings())
    again = card.go(db, started.return_key, payer.caller.user_id, now=utcnow(), settings=get_settings())
    assert first.next_url and again.next_url == "" and again.reference == first.reference
    with Session(db) as s:
        assert len(s.exec(select(sandbox.SandboxCardPayment)).all()) == 1


def test_another_residents_browser_cannot_use_a_payment_cookie_or_see_the_receipt(db, payer, records, session):
    other = records.resident(email="bea@example.org", first="Bea")
    session.commit()
    stranger = SimpleNamespace(user_id=other.user.id, person_id=other.person.id, tenancy_id=other.tenancy.id)
    started = _start(payer)
    assert card.go(db, started.return_key, other.user.id, now=utcnow(), settings=get_settings()).problem == "unknown"
    with Session(db) as s:
        assert s.exec(select(PortalPayment)).one().status == "created"
        assert card.outcome(s, stranger, started.reference) is None
        assert card.outcome(s, payer.caller, started.reference) is not None
    refused = in_transaction_here(
        card.start,
        stranger,
        payer.ref,
        2_500,
        attempt_key="x",
        now=utcnow(),
        today=utcnow().date(),
        settings=get_settings(),
    )
    assert refused.outcome == "refused"


def test_the_finance_export_lists_the_days_taken_payments_once_and_never_a_declined_one(db, payer):
    taken = _pay_with(db, payer, SUCCESS)
    declined = _pay_with(db, payer, DECLINED, amount=1_000, attempt="attempt-2")
    with Session(db) as s:
        text, count = export.payments_csv(s, to_uk(taken.settled_at).date())
        again, _ = export.payments_csv(s, to_uk(taken.settled_at).date())
        other_day, none = export.payments_csv(s, to_uk(taken.settled_at).date() + timedelta(days=1))
    lines = text.strip().splitlines()
    assert count == 1 and len(lines) == 2 and text == again
    assert lines[0].startswith("payment_reference,account_ref,amount_pence,amount,")
    assert lines[1].startswith(f"{taken.reference},{payer.ref},2500,25.00,")
    assert declined.reference not in text
    assert none == 0 and other_day.strip() == lines[0]
