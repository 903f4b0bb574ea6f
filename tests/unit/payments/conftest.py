"""Fixtures for the payment tests: a local GOV.UK Pay (tests/govuk_pay_server.py) for
each test, the portal's webhook endpoint it sends to, the adapter pointed at it, and a
resident's browser on its card pages."""

from __future__ import annotations

import secrets

import pytest

from portal_app.integrations.payments.govuk_pay import GovukPay
from tests.govuk_pay_server import CardBrowser, GovukPayServer, WebhookInbox


@pytest.fixture
def webhook_secret() -> str:
    return f"webhook_test_{secrets.token_hex(16)}"


@pytest.fixture
def webhook_inbox():
    inbox = WebhookInbox()
    yield inbox
    inbox.close()


@pytest.fixture
def pay_server(webhook_inbox, webhook_secret):
    """A GOV.UK Pay service with a webhook to ``webhook_inbox``; its clock stands still
    unless the test moves it."""
    with GovukPayServer(webhook_url=webhook_inbox.url, webhook_secret=webhook_secret) as server:
        yield server


@pytest.fixture
def govuk_pay(pay_server, webhook_secret) -> GovukPay:
    """The adapter against the local server; its waits between attempts pass on the
    server's clock (``pay_server.sleep``), so retries cost no real time."""
    return GovukPay(pay_server.base_url, pay_server.api_key, webhook_secret, timeout=2.0, sleep=pay_server.sleep)


@pytest.fixture
def card_browser(pay_server):
    with CardBrowser(pay_server) as resident:
        yield resident
