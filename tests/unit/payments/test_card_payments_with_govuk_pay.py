"""The portal's card journey against a local GOV.UK Pay (tests/govuk_pay_server.py) over
real HTTP, through the portal's own HTTP routes.

Starlette's TestClient on ``api_app()`` is the resident's browser at the portal: it keeps
the cookies the routes set (the payment cookie from the handoff, cleared by the return).
``CardBrowser`` is the same resident on Pay's card pages; it stops where Pay sends it
back to the portal, and the test follows that address with the TestClient. Pay's webhook
messages land in ``WebhookInbox`` and are delivered from there to the portal's
``POST /api/payments/notify/govuk_pay``, as Pay would, in whatever order the test says.

The portal's ``govuk_pay`` provider is the real adapter (``GovukPay``) pointed at the
local server (``providers.use_for_tests``); payments are started with
``PAYMENT_PROVIDER=govuk_pay`` (and remember it, so every later step asks Pay).
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
import reflex as rx
from sqlmodel import Session, select
from starlette.testclient import TestClient

from portal_app import routes
from portal_app.api.http import api_app
from portal_app.clock import utcnow
from portal_app.db import get_engine
from portal_app.integrations import payments as providers
from portal_app.integrations.payments import base
from portal_app.models import AuditEvent, OutboxMessage, PaymentNotification, PortalPayment
from portal_app.pages.payments.result import PaymentResultState
from portal_app.services.identity import cookies, handoff, sessions
from portal_app.services.payments import card, jobs
from portal_app.settings import get_settings
from portal_app.state.database import in_transaction_here
from tests.browsers import connect
from tests.govuk_pay_server import SUCCESS_CARD
from tests.security.handlers import run

PORTAL = "http://testserver"
NOTIFY = routes.API_PAYMENT_NOTIFY.format(provider="govuk_pay")
PAYMENT_COOKIE = cookies.cookie_name(cookies.PAYMENT, secure=False)
SESSION_COOKIE = cookies.cookie_name(cookies.SESSION, secure=False)


# --- the portal, the resident and their browser -------------------------------------------------


@pytest.fixture
def pay_settings():
    """The portal's settings with GOV.UK Pay as the provider new payments are made with."""
    return dataclasses.replace(get_settings(), payment_provider="govuk_pay")


@pytest.fixture
def portal_pay(govuk_pay):
    """The portal's ``govuk_pay`` provider: the adapter against the local server."""
    providers.use_for_tests("govuk_pay", govuk_pay)
    yield govuk_pay
    providers.use_for_tests("govuk_pay", None)


def _resident(records, session, email: str, first: str = "Ann") -> SimpleNamespace:
    """A resident with £100 of rent owed, signed in: their session token, as their cookie holds it."""
    resident = records.resident(email=email, first=first)
    records.charge(resident.account, 10_000, description="Basic rent")
    records.post(resident.account, date(2026, 11, 30), "rent_charge", 10_000, "Rent")
    session.commit()
    token = sessions.create_session(session, resident.user.id, client="test", now=utcnow())
    session.commit()
    caller = SimpleNamespace(user_id=resident.user.id, person_id=resident.person.id, tenancy_id=resident.tenancy.id)
    return SimpleNamespace(
        caller=caller, ref=resident.account.account_ref, account_id=resident.account.id, token=token, email=email
    )


@pytest.fixture
def payer(db, records, session, portal_pay):
    return _resident(records, session, "ann@example.org")


@pytest.fixture
def browser(db):
    """The resident's browser at the portal."""
    with TestClient(api_app(), base_url=PORTAL, follow_redirects=False) as client:
        yield client


def _signed_in(client: TestClient, who) -> TestClient:
    client.cookies.set(SESSION_COOKIE, who.token)
    return client


def _start(who, settings, *, amount: int = 2_500, attempt: str = "attempt-1") -> card.Started:
    """ "Continue to payment" on the check-your-answers page: the payment written, ``created``."""
    now = utcnow()
    started = in_transaction_here(
        card.start, who.caller, who.ref, amount, attempt_key=attempt, now=now, today=now.date(), settings=settings
    )
    assert started.outcome == "ready"
    return started


def _hand_over(client: TestClient, return_key: str):
    """The handoff the pay page sends the browser through (``PayState._leave``): its
    response sets the payment cookie and sends the browser on to the go route."""
    with Session(get_engine()) as s:
        code = handoff.issue(
            s,
            [cookies.SetCookie(cookies.PAYMENT, return_key, cookies.PAYMENT_SECONDS)],
            next_path=routes.API_PAYMENT_GO,
            client_ip="testclient",
            now=utcnow(),
        )
        s.commit()
    response = client.get(routes.handoff(code))
    assert response.status_code == 303 and response.headers["location"] == routes.API_PAYMENT_GO
    assert client.cookies.get(PAYMENT_COOKIE) == return_key
    return response


def _to_card_page(client: TestClient, who, settings, **start) -> tuple[card.Started, str]:
    """Continue to payment, through the handoff and the go route: where the go route sends
    the browser (Pay's card page, for a payment Pay made)."""
    started = _start(who, settings, **start)
    _signed_in(client, who)
    _hand_over(client, started.return_key)
    went = client.get(routes.API_PAYMENT_GO)
    assert went.status_code == 303, went.text
    return started, went.headers["location"]


def _back_at_the_portal(client: TestClient, left_for: str):
    """The browser arrives where Pay sent it: the portal's return route."""
    assert left_for == get_settings().base_url + routes.API_PAYMENT_RETURN
    return client.get(urlsplit(left_for).path)


def _result_page(who, location: str) -> PaymentResultState:
    """The page the return (or the go route) sends the browser to, loaded in a tab of
    the resident's, as Reflex would: what the resident reads."""
    assert urlsplit(location).path == routes.PAYMENT_RESULT
    root = rx.State(_reflex_internal_init=True)
    connect(root, session=who.token, host="testserver", path=location)
    state = root.get_substate(PaymentResultState.get_full_name().split(".")[1:])
    run(PaymentResultState.event_handlers["load"].fn(state))
    assert state.loaded
    return state


def _payment(db, reference: str) -> PortalPayment:
    with Session(db) as s:
        return s.exec(select(PortalPayment).where(PortalPayment.reference == reference)).one()


def _receipts(db) -> list[OutboxMessage]:
    with Session(db) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "payment_receipt")).all())


def _audit(db, action: str) -> list[AuditEvent]:
    with Session(db) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def _deliver(client: TestClient, received, *, signature: str | None = None):
    """Pay's webhook message, as the inbox got it, delivered to the portal (with its own
    ``Pay-Signature``, or ``signature`` instead: "" for none)."""
    headers = {"Content-Type": "application/json"}
    sent = received.headers.get("Pay-Signature", "") if signature is None else signature
    if sent:
        headers["Pay-Signature"] = sent
    return client.post(NOTIFY, content=received.body, headers=headers)


def _row(db, reference: str) -> dict:
    return _payment(db, reference).model_dump()


# --- paying -------------------------------------------------------------------------------------


def test_a_resident_who_pays_with_pays_success_card_comes_back_to_a_pending_payment_and_one_receipt(
    db, payer, pay_settings, pay_server, browser, card_browser
):
    started, card_page = _to_card_page(browser, payer, pay_settings)
    # The go route sent the browser to Pay's card page, and nowhere else.
    assert card_page.startswith(pay_server.base_url + "/secure/")
    assert card_browser.open(card_page).says("Enter card details")
    assert card_browser.submit_card(SUCCESS_CARD).says("Confirm your payment")
    left_for = card_browser.confirm().left_for

    back = _back_at_the_portal(browser, left_for)
    assert back.status_code == 303
    assert back.headers["location"] == routes.payment_result(started.reference)
    assert f"{PAYMENT_COOKIE}=; " in back.headers["set-cookie"] and "Max-Age=0" in back.headers["set-cookie"]
    assert browser.cookies.get(PAYMENT_COOKIE) is None  # the return key is gone from the browser

    row = _payment(db, started.reference)
    [pay_id] = pay_server.payment_ids()
    at_pay = pay_server.payment(pay_id)
    assert row.status == "pending" and row.provider == "govuk_pay" and row.provider_id == pay_id
    assert at_pay["amount"] == 2_500 and at_pay["reference"] == started.reference
    assert at_pay["email"] == payer.email
    # The receipt's codes are Pay's: its payment id to quote, and the card processor's id.
    assert row.provider_reference == pay_id
    assert row.auth_code == at_pay["provider_id"] and row.auth_code
    assert (row.card_brand, row.last_digits) == ("Visa", "1111")

    [receipt] = _receipts(db)
    assert receipt.to_address == payer.email
    for words in ("£25.00", started.reference, pay_id, at_pay["provider_id"], payer.ref):
        assert words in receipt.body_text

    page = _result_page(payer, back.headers["location"])
    assert page.heading == "Payment received"
    assert (page.reference, page.amount, page.auth_code, page.provider_reference) == (
        started.reference,
        "£25.00",
        at_pay["provider_id"],
        pay_id,
    )
    assert page.card_words == "Visa ending 1111"
    assert pay_server.payments_made() == 1


# --- exactly once ---------------------------------------------------------------------------------


def test_the_return_replayed_and_the_same_webhook_delivered_twice_settle_the_payment_once_with_one_receipt(
    db, payer, pay_settings, pay_server, webhook_inbox, browser, card_browser
):
    started, card_page = _to_card_page(browser, payer, pay_settings)
    left_for = card_browser.pay(card_page, SUCCESS_CARD).left_for
    [succeeded] = webhook_inbox.messages("card_payment_succeeded")

    # Pay's webhook gets there before the resident's browser does, and again (Pay sends at least once).
    assert _deliver(browser, succeeded).status_code == 200
    settled = _row(db, started.reference)
    assert settled["status"] == "pending"
    assert _deliver(browser, succeeded).status_code == 200

    # The return, then the return again (a refresh, Back and forward, a second tab with the cookie).
    assert _back_at_the_portal(browser, left_for).headers["location"] == routes.payment_result(started.reference)
    browser.cookies.set(PAYMENT_COOKIE, started.return_key)
    again = _back_at_the_portal(browser, left_for)
    assert again.headers["location"] == routes.payment_result(started.reference)
    # ...and the job's next run.
    jobs.settle_unfinished(engine=db, now=utcnow() + timedelta(hours=1))

    assert _row(db, started.reference) == settled
    assert len(_receipts(db)) == 1
    assert len(_audit(db, "payment_pending")) == 1
    with Session(db) as s:
        assert len(s.exec(select(PaymentNotification)).all()) == 1  # the repeat was counted once
    assert pay_server.payments_made() == 1


def test_a_webhook_with_a_wrong_signature_or_none_is_refused_with_401_and_changes_nothing(
    db, payer, pay_settings, pay_server, webhook_inbox, browser, card_browser
):
    started, card_page = _to_card_page(browser, payer, pay_settings)
    card_browser.pay(card_page, SUCCESS_CARD)  # paid at Pay; the browser has not come back yet
    [succeeded] = webhook_inbox.messages("card_payment_succeeded")
    before, asked_pay = _row(db, started.reference), len(pay_server.api_requests)

    forged = pay_server.sign(succeeded.body, "webhook_test_not_the_secret")
    for signature in (forged, "", "0" * 64, "not-hex"):
        assert _deliver(browser, succeeded, signature=signature).status_code == 401

    assert _row(db, started.reference) == before and before["status"] == "sent"
    assert _receipts(db) == []
    assert len(pay_server.api_requests) == asked_pay  # the portal did not even ask Pay about it
    with Session(db) as s:
        assert s.exec(select(PaymentNotification)).all() == []
    # The same message with Pay's own signature is believed (so the refusals above were the signature's).
    assert _deliver(browser, succeeded).status_code == 200
    assert _payment(db, started.reference).status == "pending"
    assert len(_receipts(db)) == 1


def test_webhooks_out_of_order_are_read_back_from_pay_and_a_stale_started_after_success_changes_nothing(
    db, payer, pay_settings, pay_server, webhook_inbox, browser, card_browser
):
    started, card_page = _to_card_page(browser, payer, pay_settings)
    card_browser.pay(card_page, SUCCESS_CARD)  # paid; the browser never comes back
    [stale] = webhook_inbox.messages("card_payment_started")
    [succeeded] = webhook_inbox.messages("card_payment_succeeded")
    [captured] = webhook_inbox.messages("card_payment_captured")

    # "Started" arrives late, after Pay took the money: the portal believes Pay, not the message.
    assert _deliver(browser, stale).status_code == 200
    settled = _row(db, started.reference)
    assert settled["status"] == "pending" and settled["provider_state"] == base.SUCCESS

    # The rest arrive newest first, then the stale one again: nothing changes.
    for message in (captured, succeeded, stale):
        assert _deliver(browser, message).status_code == 200
    assert _row(db, started.reference) == settled
    assert len(_receipts(db)) == 1
    assert len(_audit(db, "payment_pending")) == 1


def test_a_stale_started_webhook_after_the_resident_came_back_changes_nothing(
    db, payer, pay_settings, webhook_inbox, browser, card_browser
):
    started, card_page = _to_card_page(browser, payer, pay_settings)
    _back_at_the_portal(browser, card_browser.pay(card_page, SUCCESS_CARD).left_for)
    settled = _row(db, started.reference)
    assert settled["status"] == "pending"

    [stale] = webhook_inbox.messages("card_payment_started")
    assert _deliver(browser, stale).status_code == 200
    assert _row(db, started.reference) == settled
    assert len(_receipts(db)) == 1


# --- Pay busy or down -------------------------------------------------------------------------------


def test_a_429_from_pay_while_going_to_the_card_page_is_tried_again_and_the_resident_reaches_one_card_page(
    db, payer, pay_settings, pay_server, browser, card_browser
):
    pay_server.fail_next(1, 429, path="/v1/payments")
    started, card_page = _to_card_page(browser, payer, pay_settings)

    assert [r.status for r in pay_server.create_requests()] == [429, 201]
    assert pay_server.payments_made() == 1
    assert card_browser.open(card_page).says("Enter card details")
    assert card_browser.submit_card(SUCCESS_CARD).says("Confirm your payment")
    left_for = card_browser.confirm().left_for
    _back_at_the_portal(browser, left_for)
    assert _payment(db, started.reference).status == "pending"
    assert len(_receipts(db)) == 1


def test_when_pay_is_unavailable_the_payment_goes_back_to_created_the_resident_is_told_and_can_finish_it_later(
    db, payer, pay_settings, pay_server, portal_pay, browser, card_browser
):
    pay_server.fail_next(portal_pay.max_attempts, 503, path="/v1/payments")
    started = _start(payer, pay_settings)
    _signed_in(browser, payer)
    _hand_over(browser, started.return_key)
    went = browser.get(routes.API_PAYMENT_GO)

    # Every try refused: no card page, and the browser goes to the result page instead.
    assert went.status_code == 303
    assert went.headers["location"] == routes.payment_result(started.reference)
    assert [r.status for r in pay_server.create_requests()] == [503] * portal_pay.max_attempts
    assert pay_server.payments_made() == 0
    row = _payment(db, started.reference)
    assert (row.status, row.provider_id, row.sent_at) == ("created", None, None)
    page = _result_page(payer, went.headers["location"])
    assert page.heading == "We could not start your payment"
    assert "did not answer" in page.why
    assert _payment(db, started.reference).status == "created"  # the page's own look changed nothing

    # Later: "Continue to the card page" on the pay page (``PayState.resume``), once Pay is back.
    resumed = in_transaction_here(card.resume, payer.caller, payer.ref, today=utcnow().date(), settings=pay_settings)
    assert (resumed.outcome, resumed.reference) == ("ready", started.reference)
    _hand_over(browser, resumed.return_key)
    card_page = browser.get(routes.API_PAYMENT_GO).headers["location"]
    back = _back_at_the_portal(browser, card_browser.pay(card_page, SUCCESS_CARD).left_for)

    assert back.headers["location"] == routes.payment_result(started.reference)
    assert _payment(db, started.reference).status == "pending"
    assert pay_server.payments_made() == 1
    assert len(_receipts(db)) == 1
    with Session(db) as s:
        assert len(s.exec(select(PortalPayment)).all()) == 1


# --- residents who never come back ----------------------------------------------------------------


def test_a_resident_who_never_comes_back_has_the_payment_failed_as_expired_by_the_job_and_no_receipt(
    db, payer, pay_settings, pay_server, browser, card_browser
):
    started, card_page = _to_card_page(browser, payer, pay_settings)
    card_browser.open(card_page)  # on the card page, then gone (closed the tab, lost signal)

    assert jobs.settle_unfinished(engine=db, now=utcnow() + jobs.SETTLE_AFTER + timedelta(minutes=1)) == 0
    assert _payment(db, started.reference).status == "sent"  # still open at Pay: looked at again next time

    pay_server.advance(minutes=91)  # Pay expires a payment 90 minutes after it was made
    assert jobs.settle_unfinished(engine=db, now=utcnow() + timedelta(minutes=91)) == 1
    row = _payment(db, started.reference)
    assert (row.status, row.failure_code) == ("failed", base.EXPIRED)
    assert _receipts(db) == []
    page = _result_page(payer, routes.payment_result(started.reference))
    assert page.heading == "Your payment timed out"


def test_a_resident_who_paid_but_never_came_back_is_settled_pending_by_the_job_with_one_receipt(
    db, payer, pay_settings, pay_server, browser, card_browser
):
    started, card_page = _to_card_page(browser, payer, pay_settings)
    card_browser.pay(card_page, SUCCESS_CARD)  # the browser never reaches the portal's return route

    assert jobs.settle_unfinished(engine=db, now=utcnow()) == 0  # too soon: they may be on their way back
    assert _payment(db, started.reference).status == "sent"
    assert jobs.settle_unfinished(engine=db, now=utcnow() + jobs.SETTLE_AFTER + timedelta(minutes=1)) == 1
    row = _payment(db, started.reference)
    assert row.status == "pending" and row.auth_code == pay_server.payment(row.provider_id)["provider_id"]
    assert len(_receipts(db)) == 1
    jobs.settle_unfinished(engine=db, now=utcnow() + timedelta(hours=3))
    assert len(_receipts(db)) == 1


# --- someone else's browser -----------------------------------------------------------------------


def test_the_go_route_refuses_another_residents_session_with_the_first_residents_payment_cookie(
    db, payer, records, session, pay_settings, pay_server, browser
):
    other = _resident(records, session, "bea@example.org", first="Bea")
    started = _start(payer, pay_settings)

    # Bea's browser, signed in as Bea, holding Ann's payment cookie.
    browser.cookies.set(SESSION_COOKIE, other.token)
    browser.cookies.set(PAYMENT_COOKIE, started.return_key)
    refused = browser.get(routes.API_PAYMENT_GO)

    assert refused.status_code == 404
    assert "We could not find that payment" in refused.text
    assert "location" not in refused.headers
    assert pay_server.payments_made() == 0 and pay_server.create_requests() == []
    row = _payment(db, started.reference)
    assert (row.status, row.provider_id) == ("created", None)
    # Ann's own browser still goes on to the card page with it.
    with TestClient(api_app(), base_url=PORTAL, follow_redirects=False) as anns:
        _signed_in(anns, payer)
        anns.cookies.set(PAYMENT_COOKIE, started.return_key)
        assert anns.get(routes.API_PAYMENT_GO).headers["location"].startswith(pay_server.base_url + "/secure/")
    assert pay_server.payments_made() == 1
