"""The GOV.UK Pay adapter (portal_app/integrations/payments/govuk_pay.py) against a local
GOV.UK Pay (tests/govuk_pay_server.py) over real HTTP: the resident pays, fails or
cancels on its card pages in a browser that keeps Pay's cookie, Pay refuses, rate-limits
and falls over when the test says so, and its webhooks arrive at a real endpoint.
Nothing stands in for the adapter's HTTP calls.
"""

from __future__ import annotations

import json
import traceback
import uuid
from urllib.parse import urlsplit

import portpicker
import pytest

from portal_app.integrations.payments import base
from portal_app.integrations.payments.govuk_pay import PAY_CARD_HOST, GovukPay, pay_idempotency_key
from tests.govuk_pay_server import CardBrowser, GovukPayServer

RETURN_URL = "https://portal.example/payments/return/7f3a"


def make_payment(provider: GovukPay, *, key: str | None = None, **changes) -> base.CreatedPayment:
    asked = {
        "amount_pence": 2500,
        "reference": "NB-RENT-000123",
        "description": "Rent for 12 Acacia Avenue",
        "return_url": RETURN_URL,
        "idempotency_key": key or str(uuid.uuid4()),
        "email": "sam.resident@example.com",
    }
    asked.update(changes)
    return provider.create(**asked)


def counting_adapter(server: GovukPayServer, secret: str = "", **kwargs) -> tuple[GovukPay, list[float]]:
    """The adapter with its waits written down (and passed on the server's clock)."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        server.sleep(seconds)

    return GovukPay(server.base_url, server.api_key, secret, timeout=2.0, sleep=sleep, **kwargs), waits


def notification_of(provider: GovukPay, received) -> base.Notification | None:
    return provider.verify_notification(received.body, received.headers)


# --- paying on the card pages -----------------------------------------------------------------


def test_a_resident_who_pays_with_the_success_card_goes_from_created_to_success_and_the_receipt_has_the_card(
    govuk_pay, pay_server, card_browser
):
    created = make_payment(govuk_pay)
    assert govuk_pay.status(created.provider_id).state == base.CREATED

    assert card_browser.open(created.next_url).says("Enter card details")
    assert govuk_pay.status(created.provider_id).state == base.STARTED

    assert card_browser.submit_card("4444333322221111").says("Confirm your payment")
    assert govuk_pay.status(created.provider_id).state == base.SUBMITTED

    assert card_browser.confirm().left_for == RETURN_URL
    paid = govuk_pay.status(created.provider_id)
    assert paid == base.PaymentStatus(
        provider_id=created.provider_id,
        state=base.SUCCESS,
        amount_pence=2500,
        provider_reference=created.provider_id,
        auth_code=pay_server.payment(created.provider_id)["provider_id"],
        card_brand="Visa",
        last_digits="1111",
    )
    assert paid.finished


@pytest.mark.parametrize(
    "card", ["4000000000000002", "4000000000000069", "4000000000000127"], ids=["declined", "expired-card", "wrong-cvc"]
)
def test_a_card_the_bank_declines_fails_the_payment_as_declined_and_the_resident_is_sent_back(
    govuk_pay, card_browser, card
):
    created = make_payment(govuk_pay)
    card_browser.open(created.next_url)
    assert card_browser.submit_card(card).says("Your payment has been declined")
    assert card_browser.go_back().left_for == RETURN_URL

    failed = govuk_pay.status(created.provider_id)
    assert (failed.state, failed.failure_code, failed.failure_message) == (
        base.FAILED,
        base.DECLINED,
        "Payment method rejected",
    )
    assert failed.last_digits == card[-4:]


def test_a_processing_error_ends_the_payment_in_error_with_nothing_taken(govuk_pay, card_browser):
    created = make_payment(govuk_pay)
    card_browser.open(created.next_url)
    page = card_browser.submit_card("4000000000000119")
    assert page.says("No money has been taken from your account")

    errored = govuk_pay.status(created.provider_id)
    assert (errored.state, errored.failure_code) == (base.ERROR, base.PROVIDER_ERROR)
    assert errored.finished


def test_a_resident_who_chooses_cancel_on_the_card_page_fails_the_payment_as_cancelled_by_them(govuk_pay, card_browser):
    created = make_payment(govuk_pay)
    card_browser.open(created.next_url)
    assert card_browser.cancel().says("Your payment has been cancelled")
    assert card_browser.go_back().left_for == RETURN_URL

    cancelled = govuk_pay.status(created.provider_id)
    assert (cancelled.state, cancelled.failure_code) == (base.FAILED, base.USER_CANCELLED)


def test_the_card_page_link_works_once_and_afterwards_only_in_the_browser_that_opened_it(
    govuk_pay, pay_server, card_browser
):
    created = make_payment(govuk_pay)
    assert card_browser.open(created.next_url).status_code == 200

    with CardBrowser(pay_server) as someone_else:
        assert someone_else.open(created.next_url).status_code == 403
    assert card_browser.open(created.next_url).says("Enter card details")


def test_the_card_page_is_on_a_host_the_portal_may_send_a_resident_to(govuk_pay):
    created = make_payment(govuk_pay)
    assert urlsplit(created.next_url).netloc in govuk_pay.allowed_hosts
    assert GovukPay("https://publicapi.payments.service.gov.uk", "key").allowed_hosts == (PAY_CARD_HOST,)


def test_a_welsh_payment_gets_the_card_page_in_welsh(govuk_pay, card_browser):
    created = make_payment(govuk_pay, language="cy")
    page = card_browser.open(created.next_url)
    assert '<html lang="cy">' in page.html
    assert page.says("Rhowch fanylion eich cerdyn")


# --- expiry -------------------------------------------------------------------------------------


def test_a_payment_the_resident_never_finishes_fails_as_expired_after_ninety_minutes(
    govuk_pay, pay_server, card_browser, webhook_inbox
):
    created = make_payment(govuk_pay)
    card_browser.open(created.next_url)

    pay_server.advance(minutes=89)
    assert govuk_pay.status(created.provider_id).state == base.STARTED

    pay_server.advance(minutes=1)
    expired = govuk_pay.status(created.provider_id)
    assert (expired.state, expired.failure_code, expired.failure_message) == (
        base.FAILED,
        base.EXPIRED,
        "Payment expired",
    )
    assert card_browser.submit_card().says("Your payment session has expired")
    [message] = webhook_inbox.messages("card_payment_expired")
    assert notification_of(govuk_pay, message).status.failure_code == base.EXPIRED


# --- refusals, rate limits and retries ------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code", "words"),
    [
        (
            {"amount_pence": 10_000_001},
            "P0102",
            "Invalid attribute value: amount. Must be less than or equal to 10000000",
        ),
        ({"amount_pence": 0}, "P0102", "Must be greater than or equal to 1"),
        ({"reference": "R" * 256}, "P0102", "reference. Must be less than or equal to 255 characters length"),
        (
            {"description": "Rent <flat 3>"},
            "P0102",
            "Invalid attribute value: description. Must be a valid string format",
        ),
        ({"language": "fr"}, "P0102", 'Invalid attribute value: language. Must be "en" or "cy"'),
        ({"return_url": "portal.example/return"}, "P0102", "return_url. Must be a valid URL format"),
    ],
    ids=["too-much", "nothing", "long-reference", "firewall-characters", "language", "return-url"],
)
def test_a_payment_pay_will_not_make_is_refused_with_pays_code_and_words_and_nothing_is_made(
    govuk_pay, pay_server, changes, code, words
):
    with pytest.raises(base.ProviderRefused) as refused:
        make_payment(govuk_pay, **changes)
    assert code in str(refused.value)
    assert words in str(refused.value)
    assert pay_server.payments_made() == 0
    assert len(pay_server.create_requests()) == 1  # a refusal is not tried again


def test_a_create_refused_for_the_rate_limit_is_tried_again_and_makes_exactly_one_payment(pay_server):
    govuk_pay, waits = counting_adapter(pay_server)
    pay_server.fail_next(1, 429)

    created = make_payment(govuk_pay, key="rent-7f3a-attempt-1")

    assert pay_server.payments_made() == 1
    assert pay_server.payment(created.provider_id)["amount"] == 2500
    tries = pay_server.create_requests()
    assert [t.status for t in tries] == [429, 201]
    assert {t.headers["idempotency-key"] for t in tries} == {"rent-7f3a-attempt-1"}
    assert len({t.body for t in tries}) == 1
    assert waits and waits[0] >= 1.0  # Pay: "After a second, you'll be able to retry"


def test_the_sixteenth_payment_in_one_second_waits_for_the_next_second_instead_of_failing(pay_server):
    govuk_pay, waits = counting_adapter(pay_server)
    for _ in range(16):
        make_payment(govuk_pay)

    assert pay_server.payments_made() == 16
    assert [t.status for t in pay_server.create_requests()].count(429) == 1
    assert len(waits) == 1


def test_pay_that_keeps_rate_limiting_is_reported_unavailable_after_four_attempts_with_nothing_made(pay_server):
    govuk_pay, waits = counting_adapter(pay_server)
    pay_server.fail_next(4, 429)

    with pytest.raises(base.ProviderUnavailable) as unavailable:
        make_payment(govuk_pay)

    assert "429" in str(unavailable.value)
    assert len(pay_server.create_requests()) == 4
    assert len(waits) == 3
    assert pay_server.payments_made() == 0


def test_a_retry_after_from_a_proxy_is_waited_out_exactly(pay_server):
    govuk_pay, waits = counting_adapter(pay_server)
    created = make_payment(govuk_pay)
    pay_server.fail_next(1, 503, retry_after="7")

    assert govuk_pay.status(created.provider_id).state == base.CREATED
    assert waits == [7.0]


def test_a_status_check_that_times_out_is_tried_again(pay_server):
    govuk_pay, _waits = counting_adapter(pay_server)
    created = make_payment(govuk_pay)
    govuk_pay.timeout = 0.3
    pay_server.stall_next(1, seconds=1.0)

    assert govuk_pay.status(created.provider_id).state == base.CREATED
    gets = [r for r in pay_server.api_requests if r.method == "GET"]
    assert len(gets) == 2


def test_a_create_whose_answer_is_lost_is_sent_again_with_the_same_key_and_the_unused_first_payment_expires(pay_server):
    govuk_pay, _waits = counting_adapter(pay_server)
    pay_server.fail_next(1, 500, after_processing=True)

    created = make_payment(govuk_pay, key="rent-7f3a-attempt-1")

    # Pay honours Idempotency-Key only for recurring payments: the lost first answer left a
    # payment nobody was sent to.
    tries = pay_server.create_requests()
    assert {t.headers["idempotency-key"] for t in tries} == {"rent-7f3a-attempt-1"}
    assert pay_server.payments_made() == 2
    pay_server.advance(minutes=90)
    statuses = [govuk_pay.status(payment_id) for payment_id in pay_server.payment_ids()]
    assert {(s.state, s.failure_code) for s in statuses} == {(base.FAILED, base.EXPIRED)}
    assert created.provider_id in {s.provider_id for s in statuses}


def test_pay_ignores_a_repeated_idempotency_key_on_card_page_payments_so_the_portal_must_not_create_twice(
    govuk_pay, pay_server
):
    first = make_payment(govuk_pay, key="rent-7f3a")
    second = make_payment(govuk_pay, key="rent-7f3a")
    assert first.provider_id != second.provider_id
    assert pay_server.payments_made() == 2


def test_where_pay_keeps_idempotency_keys_the_same_key_twice_makes_one_payment_and_another_body_is_refused(
    webhook_secret,
):
    with GovukPayServer(idempotent_web_payments=True) as server:
        govuk_pay = GovukPay(server.base_url, server.api_key, webhook_secret, sleep=server.sleep)
        first = make_payment(govuk_pay, key="rent-7f3a")
        again = make_payment(govuk_pay, key="rent-7f3a")
        assert again.provider_id == first.provider_id
        assert server.payments_made() == 1
        assert [t.status for t in server.create_requests()] == [201, 200]

        with pytest.raises(base.ProviderRefused) as refused:
            make_payment(govuk_pay, key="rent-7f3a", amount_pence=9999)
        assert "409 P0191" in str(refused.value)
        assert server.payments_made() == 1


def test_an_idempotency_key_pay_would_refuse_is_sent_in_a_form_it_accepts_the_same_on_every_attempt(pay_server):
    govuk_pay, _waits = counting_adapter(pay_server)
    pay_server.fail_next(1, 503)
    portal_key = "payment:42/attempt_1"

    make_payment(govuk_pay, key=portal_key)

    sent = {t.headers["idempotency-key"] for t in pay_server.create_requests()}
    assert sent == {pay_idempotency_key(portal_key)}
    assert pay_idempotency_key(portal_key) != portal_key
    assert pay_server.payments_made() == 1


def test_a_pay_nobody_can_reach_is_reported_unavailable_after_every_attempt():
    waits: list[float] = []
    closed = f"http://127.0.0.1:{portpicker.pick_unused_port()}"
    govuk_pay = GovukPay(closed, "api_test_unreachable", timeout=0.5, sleep=waits.append)

    with pytest.raises(base.ProviderUnavailable) as unavailable:
        govuk_pay.status("hu20sqlact5260q2nanm0q8u93")

    assert "ConnectError" in str(unavailable.value)
    assert len(waits) == 3


def test_the_api_key_is_never_sent_over_plain_http_to_another_machine():
    attempts: list[float] = []
    govuk_pay = GovukPay("http://pay-stub.example.test:8080", "api_test_key", sleep=attempts.append)
    with pytest.raises(base.ProviderUnavailable) as unavailable:
        govuk_pay.status("hu20sqlact5260q2nanm0q8u93")
    assert "must be https" in str(unavailable.value)
    assert attempts == []


def test_a_payment_pay_does_not_know_is_refused(govuk_pay):
    with pytest.raises(base.ProviderRefused) as refused:
        govuk_pay.status("hu20sqlact5260q2nanm0q8u93")
    assert "404 P0200" in str(refused.value)


def test_the_api_key_never_appears_in_an_exception_message(pay_server):
    wrong_key = "api_test_" + "0123456789abcdef" * 2
    closed = f"http://127.0.0.1:{portpicker.pick_unused_port()}"
    cases = [
        (GovukPay(pay_server.base_url, wrong_key, sleep=pay_server.sleep), {}, base.ProviderRefused, wrong_key),
        (GovukPay(closed, wrong_key, timeout=0.5, sleep=lambda s: None), {}, base.ProviderUnavailable, wrong_key),
        (
            GovukPay(pay_server.base_url, pay_server.api_key, sleep=pay_server.sleep),
            {"amount_pence": 0},
            base.ProviderRefused,
            pay_server.api_key,
        ),
    ]
    messages = []
    for adapter, changes, kind, key in cases:
        with pytest.raises(kind) as caught:
            make_payment(adapter, **changes)
        written = "".join(traceback.format_exception(caught.value)) + repr(caught.value) + repr(adapter)
        assert key not in written
        messages.append(str(caught.value))
    assert "HTTP 401" in messages[0] and "API key" in messages[0]
    assert "ConnectError" in messages[1]
    assert "P0102" in messages[2]


# --- cancel and refund ------------------------------------------------------------------------------


def test_an_officer_can_cancel_a_payment_still_under_way_and_the_resident_sees_it_cancelled(govuk_pay, card_browser):
    created = make_payment(govuk_pay)
    card_browser.open(created.next_url)

    govuk_pay.cancel(created.provider_id)

    cancelled = govuk_pay.status(created.provider_id)
    assert (cancelled.state, cancelled.failure_code) == (base.CANCELLED, base.SERVICE_CANCELLED)
    assert card_browser.submit_card().says("Your payment has been cancelled")


def test_cancelling_a_payment_already_taken_is_refused(govuk_pay, card_browser):
    created = make_payment(govuk_pay)
    card_browser.pay(created.next_url)

    with pytest.raises(base.ProviderRefused) as refused:
        govuk_pay.cancel(created.provider_id)
    assert "400 P0501" in str(refused.value)
    assert govuk_pay.status(created.provider_id).state == base.SUCCESS


def test_a_cancel_whose_answer_was_lost_counts_as_done(govuk_pay, pay_server):
    created = make_payment(govuk_pay)
    pay_server.fail_next(1, 500, after_processing=True, path=f"/v1/payments/{created.provider_id}/cancel")

    govuk_pay.cancel(created.provider_id)

    assert govuk_pay.status(created.provider_id).state == base.CANCELLED


def test_an_officer_can_refund_part_then_the_rest_of_a_payment(govuk_pay, pay_server, card_browser, webhook_inbox):
    created = make_payment(govuk_pay)
    card_browser.pay(created.next_url)

    first = govuk_pay.refund(created.provider_id, amount_pence=500, idempotency_key="refund-1")
    assert first.state == "submitted" and first.refund_id
    rest = govuk_pay.refund(created.provider_id, amount_pence=2000, idempotency_key="refund-2")

    sent = [json.loads(r.body) for r in pay_server.api_requests if r.path.endswith("/refunds") and r.method == "POST"]
    assert sent == [{"amount": 500, "refund_amount_available": 2500}, {"amount": 2000, "refund_amount_available": 2000}]
    assert rest.refund_id != first.refund_id
    assert pay_server.payment(created.provider_id)["refund_summary"] == {
        "status": "full",
        "amount_available": 0,
        "amount_submitted": 2500,
    }
    assert len(webhook_inbox.messages("card_payment_refunded")) == 2


def test_a_refund_whose_answer_was_lost_is_not_made_twice(govuk_pay, pay_server, card_browser):
    created = make_payment(govuk_pay)
    card_browser.pay(created.next_url)
    pay_server.fail_next(1, 500, after_processing=True, path=f"/v1/payments/{created.provider_id}/refunds")

    result = govuk_pay.refund(created.provider_id, amount_pence=700, idempotency_key="refund-1")

    refunds = pay_server.payment(created.provider_id)["refund_summary"]
    assert refunds["amount_submitted"] == 700  # once, not twice
    statuses = [r.status for r in pay_server.api_requests if r.path.endswith("/refunds") and r.method == "POST"]
    assert statuses == [500, 412]
    assert result.refund_id == pay_server.refund_ids(created.provider_id)[0]


def test_refunding_more_than_is_left_is_refused(govuk_pay, card_browser):
    created = make_payment(govuk_pay)
    card_browser.pay(created.next_url)
    with pytest.raises(base.ProviderRefused) as refused:
        govuk_pay.refund(created.provider_id, amount_pence=2501, idempotency_key="refund-1")
    assert "P0603" in str(refused.value)


def test_a_payment_not_yet_taken_cannot_be_refunded(govuk_pay):
    created = make_payment(govuk_pay)
    with pytest.raises(base.ProviderRefused) as refused:
        govuk_pay.refund(created.provider_id, amount_pence=100, idempotency_key="refund-1")
    assert "Payment refund status: pending" in str(refused.value)


# --- webhooks -----------------------------------------------------------------------------------------


def test_a_webhook_says_the_payment_succeeded_with_its_card_but_the_receipt_code_comes_from_status(
    govuk_pay, card_browser, webhook_inbox
):
    created = make_payment(govuk_pay)
    card_browser.pay(created.next_url)

    [captured] = webhook_inbox.messages("card_payment_captured")
    told = notification_of(govuk_pay, captured)
    assert told.provider_id == created.provider_id
    assert told.event_id == json.loads(captured.body)["webhook_message_id"]
    assert (told.status.state, told.status.card_brand, told.status.last_digits) == (base.SUCCESS, "Visa", "1111")
    assert told.status.auth_code == ""  # pay-webhooks leaves provider_id out of the message
    assert govuk_pay.status(created.provider_id).auth_code


def test_a_declined_payments_webhook_says_it_failed_as_declined(govuk_pay, card_browser, webhook_inbox):
    created = make_payment(govuk_pay)
    card_browser.pay(created.next_url, "4000000000000002")
    [failed] = webhook_inbox.messages("card_payment_failed")
    status = notification_of(govuk_pay, failed).status
    assert (status.state, status.failure_code) == (base.FAILED, base.DECLINED)


def test_a_webhook_with_a_wrong_signature_or_none_or_a_changed_body_is_not_believed(
    govuk_pay, pay_server, card_browser, webhook_inbox
):
    created = make_payment(govuk_pay)
    card_browser.pay(created.next_url)
    genuine = webhook_inbox.messages("card_payment_captured")[0]
    message_id = json.loads(genuine.body)["webhook_message_id"]

    pay_server.redeliver(message_id, secret="not-the-signing-secret")
    pay_server.redeliver(message_id, signed=False)
    forged, unsigned = webhook_inbox.received[-2:]
    assert forged.headers["Pay-Signature"] != genuine.headers["Pay-Signature"]
    assert "Pay-Signature" not in unsigned.headers
    changed = genuine.body.replace(b'"amount":2500', b'"amount":1')
    assert changed != genuine.body

    assert notification_of(govuk_pay, forged) is None
    assert notification_of(govuk_pay, unsigned) is None
    assert govuk_pay.verify_notification(changed, genuine.headers) is None
    assert notification_of(govuk_pay, genuine) is not None
    assert govuk_pay.verify_notification(genuine.body, {k.lower(): v for k, v in genuine.headers.items()}) is not None
    assert GovukPay(pay_server.base_url, pay_server.api_key).verify_notification(genuine.body, genuine.headers) is None


def test_a_webhook_pay_sends_twice_carries_the_same_event_id_both_times(
    govuk_pay, pay_server, card_browser, webhook_inbox
):
    created = make_payment(govuk_pay)
    card_browser.pay(created.next_url)
    first = webhook_inbox.messages("card_payment_succeeded")[0]

    pay_server.redeliver(json.loads(first.body)["webhook_message_id"])
    again = webhook_inbox.messages("card_payment_succeeded")[-1]

    once, twice = notification_of(govuk_pay, first), notification_of(govuk_pay, again)
    assert len(webhook_inbox.messages("card_payment_succeeded")) == 2
    assert once.event_id and once.event_id == twice.event_id
    assert once == twice


def test_webhooks_that_arrive_out_of_order_each_say_what_the_payment_was_at_their_event(
    govuk_pay, pay_server, card_browser, webhook_inbox
):
    pay_server.hold_webhooks = True
    created = make_payment(govuk_pay)
    card_browser.pay(created.next_url)
    assert webhook_inbox.received == []

    pay_server.release_webhooks(reverse=True)

    told = [notification_of(govuk_pay, r) for r in webhook_inbox.received]
    events = [json.loads(r.body)["event_type"] for r in webhook_inbox.received]
    assert events == ["card_payment_captured", "card_payment_succeeded", "card_payment_started"]
    assert [t.status.state for t in told] == [base.SUCCESS, base.SUCCESS, base.STARTED]
    assert len({t.event_id for t in told}) == 3


@pytest.mark.parametrize(
    ("ledger_state", "code"),
    [
        ({"status": "declined", "finished": True}, base.DECLINED),
        ({"status": "timedout", "finished": True}, base.EXPIRED),
        ({"status": "cancelled", "finished": True, "code": "P0030"}, base.USER_CANCELLED),
    ],
    ids=["declined", "timedout", "cancelled-by-the-resident"],
)
def test_a_webhook_in_pays_older_ledger_words_for_a_failure_is_still_read_as_failed(
    govuk_pay, pay_server, card_browser, webhook_inbox, ledger_state, code
):
    # pay-webhooks builds its messages from Pay's ledger, whose words for a failed payment
    # were once "declined" and "timedout", and "cancelled" for the resident's cancel too.
    created = make_payment(govuk_pay)
    card_browser.open(created.next_url)
    message = json.loads(webhook_inbox.messages("card_payment_started")[0].body)
    message["event_type"] = "card_payment_failed"
    message["resource"]["state"] = ledger_state
    body = json.dumps(message).encode()

    told = govuk_pay.verify_notification(body, {"pay-signature": pay_server.sign(body)})

    assert (told.status.state, told.status.failure_code) == (base.FAILED, code)
