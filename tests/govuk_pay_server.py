"""A local GOV.UK Pay for the payment tests: a real HTTP server on 127.0.0.1, on a port
the system picks, started inside the test process. The adapter
(``portal_app/integrations/payments/govuk_pay.py``) talks to it over HTTP as it would to
``https://publicapi.payments.service.gov.uk``, and a test is the resident's browser on
its card pages (``CardBrowser``) and the portal's webhook endpoint (``WebhookInbox``).

It follows what GOV.UK Pay publishes (https://docs.payments.service.gov.uk/: the API
reference, "Test your integration", "Refund a payment", "Receive automatic payment
event updates using webhooks", and the OpenAPI file in alphagov/pay-publicapi), and,
where the pages are silent, what Pay's own open-source services do (as read for this:
alphagov/pay-tech-docs c492a7a, pay-publicapi 4d61e89, pay-connector 0e8fff4,
pay-frontend 0f14c7e, pay-webhooks 7509d4c):

* the API: bearer-key authentication (401, with Pay's non-JSON body, otherwise);
  ``POST /v1/payments`` with Pay's checks and error bodies (``field``/``header``,
  ``code``, ``description``: 400 for a missing or mistyped field, 422 for a value out of
  range, 400 P0920 from the firewall for a body without ``Content-Type:
  application/json``); ``GET /v1/payments/{id}``; ``POST .../cancel`` (204, or 400 P0501
  for a payment already finished); ``POST .../refunds`` (``refund_amount_available``
  must match, else 412 P0604), ``GET .../refunds`` and ``GET .../refunds/{refund_id}``;
* the rate limit: more than 15 POSTs in one second for a service (create, capture and
  other POSTs counted apart) answers 429, P0900; ``fail_next`` makes the next requests
  answer 429 or a 5xx (before or after doing the work) and ``stall_next`` holds an
  answer back until the client has given up;
* idempotency as Pay does it for card-page payments: the ``Idempotency-Key`` header is
  checked (1 to 255 letters, digits, hyphens: else 422 P0102) and otherwise ignored,
  since Pay's connector only looks the key up for recurring (``agreement``) payments.
  ``GovukPayServer(idempotent_web_payments=True)`` applies Pay's documented rules to
  every payment instead (kept 24 hours; the same key and body again: 200 and the first
  payment; the same key, another body: 409 P0191);
* the card pages, as pay-frontend runs them: ``next_url`` is ``/secure/{token}``, a
  token used once: the first visit ties it to that browser (a cookie) and sends it to
  the card form; the same link later works only in that browser (403 elsewhere). Every
  ``GET /v1/payments/{id}`` of an unfinished payment mints a new ``next_url``, as Pay's
  does. Opening the form makes the payment ``started``; card details with a test card
  are authorised (``submitted``) and the confirm page asks "Confirm payment" (then
  ``success`` and a redirect to ``return_url``), or the payment fails (the decline and
  error pages link back to ``return_url`` through ``/return/{id}``); "Cancel payment"
  fails it with P0030. Pay's sandbox test cards: 4444333322221111 and the other good
  numbers succeed, 4000000000000002 (declined), 4000000000000069 (expired card) and
  4000000000000127 (wrong security code) fail with P0010, 4000000000000119 (processing
  error) and any other valid number end in ``error``, P0050;
* expiry: a payment not finished 90 minutes after it was made fails with P0020. The
  server's clock stands still unless a test moves it (``advance``); ``sleep`` moves it
  too, so an adapter given ``sleep=server.sleep`` waits out the rate limit instantly;
* webhooks, when a callback URL and signing secret are set: a message on each event
  (``card_payment_started``, ``_succeeded``, ``_captured``, ``_failed``, ``_expired``,
  ``_refunded``), Pay's body (``webhook_message_id``, ``created_date``, ``resource_id``,
  ``api_version``, ``resource_type``, ``event_type``, ``resource``: the payment as the
  API shows it, without ``_links`` and ``provider_id`` as pay-webhooks builds it) and
  ``Pay-Signature``, the lower-case hex HMAC-SHA256 of the body under the secret. A test
  can hold messages and release them in another order, send one again (the same
  ``webhook_message_id``), or send one signed with a wrong secret or not signed.

Use: ``with GovukPayServer(webhook_url=..., webhook_secret=...) as server:`` (or
``start()``/``stop()``; ``tests/unit/payments/conftest.py`` has fixtures), then
``server.base_url`` and ``server.api_key`` for the adapter; ``advance``/``sleep``;
``fail_next``/``stall_next``; ``payments_made``, ``payment``, ``payment_ids``,
``refund_ids``, ``api_requests``, ``create_requests``; ``webhook_messages``,
``deliveries``, ``hold_webhooks``/``release_webhooks``, ``redeliver``, ``sign``.
``CardBrowser(server)``: ``open(next_url)``, ``submit_card(number)``, ``confirm()``,
``cancel()``, ``go_back()``, or ``pay(next_url, number)`` for the whole journey.
``WebhookInbox()``: ``url``, ``received``, ``messages(event_type)``, ``close()``.

It does not do: 3-D Secure, delayed capture (``capturable``, ``/capture``), MOTO and
recurring payments (agreements), wallets, search (``GET /v1/payments``), payment
events, disputes, corporate card surcharges, the admin tool, Welsh beyond the page's
language and a few words, or the rate limit on GETs (Pay's is "very high" and unpublished).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

EXPIRES_AFTER = timedelta(minutes=90)  # "your user has 90 minutes to complete a payment once it's created"
IDEMPOTENCY_KEPT = timedelta(hours=24)  # recurring_payments: "within 24 hours of your original request"
POSTS_PER_SECOND = 15  # api_reference, "Rate limits"
MAX_AMOUNT = 10_000_000
MAX_TEXT = 255  # reference, description
MAX_EMAIL = 254
MAX_URL = 2000
FIREWALL_CHARACTERS = frozenset("<>|")  # pay-publicapi RequestJsonParser: refused in reference and description
IDEMPOTENCY_KEY_CHARACTERS = re.compile(r"^[a-zA-Z0-9-]+$")
ID_ALPHABET = "0123456789abcdefghijklmnopqrstuv"  # Pay's 26-character external ids
COOKIE = "frontend_state"

# Pay's sandbox test cards ("Mock card numbers", testing_govuk_pay; pay-connector SandboxCardNumbers).
GOOD_CARDS = {
    "4444333322221111": ("Visa", "credit"),
    "4242424242424242": ("Visa", "credit"),
    "4000056655665556": ("Visa", "debit"),
    "5105105105105100": ("Mastercard", "debit"),
    "371449635398431": ("American Express", "credit"),
}
DECLINED_CARDS = {"4000000000000002", "4000000000000069", "4000000000000127"}  # declined, expired, wrong CVC
ERROR_CARDS = {"4000000000000119"}  # "processing error"
SUCCESS_CARD = "4444333322221111"

# state.message for each failure code (pay-connector ExternalChargeState).
MESSAGES = {
    "P0010": "Payment method rejected",
    "P0020": "Payment expired",
    "P0030": "Payment was cancelled by the user",
    "P0040": "Payment was cancelled by the service",
    "P0050": "Payment provider returned an error",
}
UNFINISHED = ("created", "started", "submitted")
EVENT_TYPES = (
    "card_payment_started",
    "card_payment_succeeded",
    "card_payment_captured",
    "card_payment_failed",
    "card_payment_expired",
    "card_payment_refunded",
)


def _new_id() -> str:
    return "".join(secrets.choice(ID_ALPHABET) for _ in range(26))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def luhn_ok(number: str) -> bool:
    if not number.isdigit() or not 12 <= len(number) <= 19:
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


@dataclass
class _Refund:
    refund_id: str
    amount: int
    created: datetime
    status: str = "submitted"


@dataclass
class _Payment:
    payment_id: str
    amount: int
    reference: str
    description: str
    return_url: str
    language: str
    email: str | None
    created: datetime
    status: str = "created"
    code: str = ""
    provider_id: str = ""
    card: dict[str, Any] | None = None
    captured: datetime | None = None
    refunds: list[_Refund] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.status not in UNFINISHED


@dataclass(frozen=True)
class ApiRequest:
    """One call the server answered on its API (what a test can count)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass(frozen=True)
class WebhookMessage:
    webhook_message_id: str
    event_type: str
    resource_id: str
    body: bytes  # exactly as sent (and signed)


@dataclass(frozen=True)
class Delivery:
    webhook_message_id: str
    signature: str  # the Pay-Signature header sent ("" for none)
    status: int  # the callback's answer, 0 when it could not be reached


@dataclass
class _Forced:
    status: int | None  # None: answer normally, only late
    after_processing: bool
    retry_after: str | None
    stall_seconds: float
    path: str


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    stall_seconds: float = 0.0


def _json_reply(status: int, data: Any, **headers: str) -> _Reply:
    return _Reply(status, json.dumps(data).encode("utf-8"), headers=dict(headers))


def _error(status: int, code: str, description: str, *, field_name: str = "", header: str = "") -> _Reply:
    """Pay's error body (pay-publicapi RequestError: field or header, code, description)."""
    data: dict[str, str] = {}
    if field_name:
        data["field"] = field_name
    if header:
        data["header"] = header
    data.update(code=code, description=description)
    return _json_reply(status, data)


class _Invalid(Exception):
    def __init__(self, reply: _Reply):
        super().__init__(reply.status)
        self.reply = reply


class GovukPayServer:
    """One GOV.UK Pay service (one gateway account, one test API key)."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        live: bool = False,
        webhook_url: str = "",
        webhook_secret: str = "",
        webhook_events: tuple[str, ...] = EVENT_TYPES,
        idempotent_web_payments: bool = False,
        webhook_attempts: int = 3,
    ) -> None:
        self.api_key = api_key or f"api_{'live' if live else 'test'}_{secrets.token_hex(16)}"
        self.live = live  # a live account refuses an http:// return_url (pay-connector checkReturnUrl)
        self.webhook_url = webhook_url
        self.webhook_secret = webhook_secret
        self.webhook_events = webhook_events
        self.idempotent_web_payments = idempotent_web_payments
        self.webhook_attempts = webhook_attempts
        self.hold_webhooks = False  # True: keep messages until ``release_webhooks``
        self.api_requests: list[ApiRequest] = []
        self.webhook_messages: list[WebhookMessage] = []
        self.deliveries: list[Delivery] = []
        self._clock = datetime.now(UTC).replace(microsecond=0)
        self._lock = threading.RLock()
        self._payments: dict[str, _Payment] = {}
        self._tokens: dict[str, tuple[str, bool]] = {}  # token -> (payment id, used)
        self._sessions: dict[str, tuple[str, set[str]]] = {}  # cookie -> (csrf token, payment ids)
        self._idempotency: dict[str, tuple[dict[str, Any], str, datetime]] = {}
        self._posts: dict[str, deque[datetime]] = {}
        self._forced: deque[_Forced] = deque()
        self._held: list[WebhookMessage] = []
        self._to_send: list[WebhookMessage] = []
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- running -------------------------------------------------------------------------

    def start(self) -> GovukPayServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.pay = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> GovukPayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The API's address and, as a local stand-in, the card pages' too."""
        assert self._httpd is not None, "start() the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # --- the clock -----------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock

    def advance(self, *, minutes: float = 0, seconds: float = 0) -> None:
        """Move the server's clock on; payments that run out of time expire (with their webhooks)."""
        with self._lock:
            self._clock += timedelta(minutes=minutes, seconds=seconds)
            self._expire_due()
        self._send_webhooks()

    def sleep(self, seconds: float) -> None:
        """A ``sleep`` for the adapter: time passes on this server's clock, not the test's."""
        self.advance(seconds=seconds)

    # --- what a test can make happen -----------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        *,
        after_processing: bool = False,
        retry_after: str | None = None,
        path: str = "/v1/",
    ) -> None:
        """The next ``count`` API requests (whose path starts with ``path``) answer ``status``
        (429: Pay's P0900 body; 5xx: Pay's or a proxy's), before the work is done, or after
        it (``after_processing``: the payment or refund exists, the answer is lost)."""
        with self._lock:
            for _ in range(count):
                self._forced.append(_Forced(status, after_processing, retry_after, 0.0, path))

    def stall_next(self, count: int = 1, seconds: float = 1.0, *, path: str = "/v1/") -> None:
        """The next ``count`` API requests are done, but answered only after ``seconds``
        (real time): a client with a shorter timeout gives up, not knowing."""
        with self._lock:
            for _ in range(count):
                self._forced.append(_Forced(None, True, None, seconds, path))

    def payments_made(self) -> int:
        with self._lock:
            return len(self._payments)

    def payment_ids(self) -> list[str]:
        with self._lock:
            return list(self._payments)

    def refund_ids(self, payment_id: str) -> list[str]:
        with self._lock:
            return [r.refund_id for r in self._payments[payment_id].refunds]

    def payment(self, payment_id: str) -> dict[str, Any]:
        """The payment as ``GET /v1/payments/{id}`` shows it (without minting a next_url)."""
        with self._lock:
            return self._view(self._payments[payment_id], links=False)

    def create_requests(self) -> list[ApiRequest]:
        return [r for r in self.api_requests if r.method == "POST" and r.path == "/v1/payments"]

    def release_webhooks(self, *, reverse: bool = False) -> None:
        """Send the held messages, oldest first, or newest first (``reverse``)."""
        with self._lock:
            held, self._held = self._held, []
            self._to_send.extend(reversed(held) if reverse else held)
        self._send_webhooks()

    def redeliver(self, webhook_message_id: str, *, secret: str | None = None, signed: bool = True) -> Delivery:
        """Send a message again, as Pay does when it did not see a 2xx: the same body and
        id; signed with another ``secret`` (a forgery), or not signed at all."""
        message = next(m for m in self.webhook_messages if m.webhook_message_id == webhook_message_id)
        signature = self.sign(message.body, secret) if signed else ""
        return self._deliver(message, signature)

    def sign(self, body: bytes, secret: str | None = None) -> str:
        key = (self.webhook_secret if secret is None else secret).encode("utf-8")
        return hmac.new(key, body, hashlib.sha256).hexdigest()

    # --- requests --------------------------------------------------------------------------

    def dispatch(self, method: str, path: str, headers: dict[str, str], body: bytes) -> _Reply:
        try:
            with self._lock:
                self._expire_due()
                if path.startswith("/v1/"):
                    reply = self._api(method, path, headers, body)
                    self.api_requests.append(ApiRequest(method, path, headers, body, reply.status))
                else:
                    reply = self._card_pages(method, path, headers, body)
        finally:
            self._send_webhooks()
        return reply

    def _api(self, method: str, path: str, headers: dict[str, str], body: bytes) -> _Reply:
        forced = self._forced[0] if self._forced and path.startswith(self._forced[0].path) else None
        if forced is not None:
            self._forced.popleft()
            if not forced.after_processing:
                return self._forced_reply(forced, method, path)
        if headers.get("authorization", "") != f"Bearer {self.api_key}":
            # pay-publicapi AuthorizationValidationFilter: sendError(401), not JSON.
            return _Reply(401, b"<html><body><h2>HTTP ERROR 401 Unauthorized</h2></body></html>", "text/html")
        if method == "POST" and not self._within_rate_limit(path):
            return _error(429, "P0900", "Too many requests")
        reply = self._api_route(method, path, headers, body)
        if forced is not None:
            if forced.status is None:
                reply.stall_seconds = forced.stall_seconds
            else:
                reply = self._forced_reply(forced, method, path)
        return reply

    def _forced_reply(self, forced: _Forced, method: str, path: str) -> _Reply:
        assert forced.status is not None
        extra = {"Retry-After": forced.retry_after} if forced.retry_after else {}
        if forced.status == 429:
            reply = _error(429, "P0900", "Too many requests")
        elif forced.status in (502, 504):  # a proxy's page, not Pay's JSON
            reply = _Reply(forced.status, b"<html><body><h1>Bad gateway</h1></body></html>", "text/html")
        elif forced.status == 503:
            reply = _error(503, "P0999", "GOV.UK Pay is temporarily down")
        else:
            code = "P0698" if path.endswith("/refunds") else "P0598" if path.endswith("/cancel") else "P0198"
            if method == "GET":
                code = "P0298"
            reply = _error(forced.status, code, "Downstream system error")
        reply.headers.update(extra)
        return reply

    def _within_rate_limit(self, path: str) -> bool:
        bucket = "create" if path == "/v1/payments" else "capture" if path.endswith("/capture") else "other"
        seen = self._posts.setdefault(bucket, deque())
        while seen and seen[0] <= self._clock - timedelta(seconds=1):
            seen.popleft()
        if len(seen) >= POSTS_PER_SECOND:
            return False
        seen.append(self._clock)
        return True

    def _api_route(self, method: str, path: str, headers: dict[str, str], body: bytes) -> _Reply:
        parts = path.split("?")[0].strip("/").split("/")[1:]  # after "v1"
        try:
            if parts == ["payments"] and method == "POST":
                return self._create(headers, body)
            if len(parts) == 2 and parts[0] == "payments" and method == "GET":
                return self._get(parts[1])
            if len(parts) == 3 and parts[0] == "payments" and parts[2] == "cancel" and method == "POST":
                return self._cancel(parts[1])
            if len(parts) == 3 and parts[0] == "payments" and parts[2] == "refunds":
                if method == "POST":
                    return self._refund(parts[1], headers, body)
                if method == "GET":
                    return self._refunds(parts[1])
            if len(parts) == 4 and parts[0] == "payments" and parts[2] == "refunds" and method == "GET":
                return self._refund_status(parts[1], parts[3])
        except _Invalid as invalid:
            return invalid.reply
        return _error(404, "P0200", "Not found")

    # --- POST /v1/payments -------------------------------------------------------------------

    def _create(self, headers: dict[str, str], body: bytes) -> _Reply:
        request = self._json_body(headers, body, "P0197")
        # pay-publicapi RequestJsonParser: present and of the right type (400), in this order.
        amount = request.get("amount")
        if amount is None:
            raise _Invalid(_error(400, "P0101", "Missing mandatory attribute: amount", field_name="amount"))
        if not isinstance(amount, int) or isinstance(amount, bool) or not -(2**31) <= amount < 2**31:
            raise _Invalid(_invalid_attribute(400, "amount", "Must be a valid numeric format"))
        reference = self._text(request, "reference")
        description = self._text(request, "description")
        return_url = request.get("return_url")
        if return_url is not None and not isinstance(return_url, str):
            raise _Invalid(_invalid_attribute(400, "return_url", "Must be a valid URL format"))
        language = request.get("language", "en")
        if not isinstance(language, str) or not language.strip():
            raise _Invalid(_invalid_attribute(400, "language", 'Must be "en" or "cy"'))
        if language not in ("en", "cy"):
            raise _Invalid(_invalid_attribute(422, "language", 'Must be "en" or "cy"'))
        email = request.get("email")
        if email is not None and not isinstance(email, str):
            raise _Invalid(_invalid_attribute(400, "email", "Field must be a string"))
        mode = request.get("authorisation_mode", "web")
        if mode == "moto_api":
            raise _Invalid(_error(422, "P0195", "Using authorisation_mode of moto_api is not allowed for this account"))
        if mode == "agreement":
            raise _Invalid(
                _error(
                    422,
                    "P0942",
                    "Recurring card payments are currently disabled for this service. Contact support with your error code - https://www.payments.service.gov.uk/support/",
                )
            )
        if mode != "web":
            raise _Invalid(_invalid_attribute(422, "authorisation_mode", "Must be one of web, moto_api, agreement"))
        # Bean validation (422): the header, then the fields' limits.
        key = headers.get("idempotency-key")
        if key is not None:
            if not 1 <= len(key) <= 255:
                raise _Invalid(
                    _error(
                        422,
                        "P0102",
                        "Header [Idempotency-Key] can have a size between 1 and 255",
                        header="Idempotency-Key",
                    )
                )
            if not IDEMPOTENCY_KEY_CHARACTERS.match(key):
                raise _Invalid(
                    _error(
                        422,
                        "P0102",
                        "Header [Idempotency-Key] can only contain alphanumeric characters and hyphens",
                        header="Idempotency-Key",
                    )
                )
        if amount > MAX_AMOUNT:
            raise _Invalid(_invalid_attribute(422, "amount", f"Must be less than or equal to {MAX_AMOUNT}"))
        if amount < 0:
            raise _Invalid(_invalid_attribute(422, "amount", "Must be greater than or equal to 1"))
        for name, value, limit in (
            ("reference", reference, MAX_TEXT),
            ("description", description, MAX_TEXT),
            ("email", email or "", MAX_EMAIL),
            ("return_url", return_url or "", MAX_URL),
        ):
            if len(value) > limit:
                raise _Invalid(
                    _invalid_attribute(422, name, f"Must be less than or equal to {limit} characters length")
                )
        # pay-connector's own checks.
        if return_url is None:
            raise _Invalid(_error(400, "P0101", "Missing mandatory attribute: return_url"))
        if amount == 0:
            raise _Invalid(
                _invalid_attribute(
                    422,
                    "amount",
                    "Must be greater than or equal to 1. Refer to https://docs.payments.service.gov.uk/making_payments/#amount",
                )
            )
        target = urlsplit(return_url)
        if target.scheme not in ("http", "https") or not target.hostname or " " in return_url:
            raise _Invalid(_error(422, "P0102", "Invalid attribute value: return_url. Must be a valid URL format"))
        if self.live and target.scheme != "https":
            raise _Invalid(
                _invalid_attribute(
                    422, "return_url", "Must begin with https:// for a live gateway account", code="P0920"
                )
            )
        fields = {
            "amount": amount,
            "reference": reference,
            "description": description,
            "return_url": return_url,
            "language": language,
            "email": email,
        }
        if key is not None and self.idempotent_web_payments:
            kept = self._idempotency.get(key)
            if kept is not None and self._clock - kept[2] < IDEMPOTENCY_KEPT:
                if kept[0] != fields:
                    return _error(
                        409,
                        "P0191",
                        "The `Idempotency-Key` you sent in the request header has already been used to create a payment.",
                    )
                return _json_reply(200, self._view(self._payments[kept[1]]))
        payment = _Payment(
            payment_id=_new_id(),
            amount=amount,
            reference=reference,
            description=description,
            return_url=return_url,
            language=language,
            email=email,
            created=self._clock,
        )
        self._payments[payment.payment_id] = payment
        if key is not None and self.idempotent_web_payments:
            self._idempotency[key] = (fields, payment.payment_id, self._clock)
        view = self._view(payment)
        return _json_reply(201, view, Location=view["_links"]["self"]["href"])

    def _json_body(self, headers: dict[str, str], body: bytes, parse_code: str) -> dict[str, Any]:
        if not body or not headers.get("content-type", "").lower().startswith("application/json"):
            # Pay's firewall, before the API: P0920.
            raise _Invalid(
                _error(
                    400,
                    "P0920",
                    "Request blocked by security rules. Please consult API documentation for more information.",
                )
            )
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise _Invalid(_error(400, parse_code, "Unable to parse JSON")) from None
        if not isinstance(request, dict):
            raise _Invalid(_error(400, parse_code, "Unable to parse JSON"))
        return request

    def _text(self, request: dict[str, Any], name: str) -> str:
        value = request.get(name)
        if value is None:
            raise _Invalid(_error(400, "P0101", f"Missing mandatory attribute: {name}", field_name=name))
        if not isinstance(value, str):
            raise _Invalid(_invalid_attribute(400, name, "Must be a valid string format"))
        if not value.strip():
            raise _Invalid(_error(400, "P0101", f"Missing mandatory attribute: {name}", field_name=name))
        if FIREWALL_CHARACTERS & set(value):
            raise _Invalid(_invalid_attribute(400, name, "Must be a valid string format"))
        return value

    # --- GET, cancel, refunds ------------------------------------------------------------------

    def _get(self, payment_id: str) -> _Reply:
        payment = self._payments.get(payment_id)
        if payment is None:
            return _error(404, "P0200", "Not found")
        return _json_reply(200, self._view(payment))

    def _cancel(self, payment_id: str) -> _Reply:
        payment = self._payments.get(payment_id)
        if payment is None:
            return _error(404, "P0500", "Not found")
        if payment.finished:
            return _error(400, "P0501", "Cancellation of payment failed")
        self._finish(payment, "cancelled", "P0040")
        return _Reply(204, content_type="")

    def _refund(self, payment_id: str, headers: dict[str, str], body: bytes) -> _Reply:
        payment = self._payments.get(payment_id)
        if payment is None:
            return _error(404, "P0600", "Not found")
        request = self._json_body(headers, body, "P0697")
        amount = request.get("amount")
        if amount is None:
            return _error(400, "P0601", "Missing mandatory attribute: amount", field_name="amount")
        if not isinstance(amount, int) or isinstance(amount, bool):
            return _error(
                400, "P0602", "Invalid attribute value: amount. Must be a valid numeric format", field_name="amount"
            )
        if not 1 <= amount <= MAX_AMOUNT:
            return _error(
                422,
                "P0602",
                f"Invalid attribute value: amount. Must be between 1 and {MAX_AMOUNT}",
                field_name="amount",
            )
        summary = self._refund_summary(payment)
        # pay-publicapi: without refund_amount_available it looks the figure up itself.
        expected = request.get("refund_amount_available", summary["amount_available"])
        if summary["status"] != "available":
            return _error(
                400, "P0603", f"The payment is not available for refund. Payment refund status: {summary['status']}"
            )
        if expected != summary["amount_available"]:
            return _error(412, "P0604", "Refund amount available mismatch.")
        if amount > summary["amount_available"]:
            return _error(
                400, "P0603", "The payment is not available for refund. Payment refund status: amount_not_available"
            )
        refund = _Refund(refund_id=_new_id(), amount=amount, created=self._clock)
        payment.refunds.append(refund)
        reply = _json_reply(202, self._refund_view(payment, refund))
        refund.status = "success"  # the sandbox refunds at once
        self._event(payment, "card_payment_refunded")
        return reply

    def _refunds(self, payment_id: str) -> _Reply:
        payment = self._payments.get(payment_id)
        if payment is None:
            return _error(404, "P0800", "Not found")
        own = f"{self._api_base()}/v1/payments/{payment_id}"
        return _json_reply(
            200,
            {
                "payment_id": payment_id,
                "_links": {
                    "self": {"href": f"{own}/refunds", "method": "GET"},
                    "payment": {"href": own, "method": "GET"},
                },
                "_embedded": {"refunds": [self._refund_view(payment, r) for r in payment.refunds]},
            },
        )

    def _refund_status(self, payment_id: str, refund_id: str) -> _Reply:
        payment = self._payments.get(payment_id)
        refund = next((r for r in payment.refunds if r.refund_id == refund_id), None) if payment else None
        if payment is None or refund is None:
            return _error(404, "P0700", "Not found")
        return _json_reply(200, self._refund_view(payment, refund))

    # --- how a payment looks ----------------------------------------------------------------

    def _api_base(self) -> str:
        return self.base_url if self._httpd is not None else "http://127.0.0.1"

    def _state(self, payment: _Payment) -> dict[str, Any]:
        state: dict[str, Any] = {"status": payment.status, "finished": payment.finished}
        if payment.code:
            state.update(message=MESSAGES[payment.code], code=payment.code)
        return state

    def _refund_summary(self, payment: _Payment) -> dict[str, Any]:
        submitted = sum(r.amount for r in payment.refunds if r.status != "error")
        if payment.status == "success":
            available = payment.amount - submitted
            status = "available" if available > 0 else "full"
        elif payment.finished:
            available, status = 0, "unavailable"
        else:
            available, status = payment.amount, "pending"
        return {"status": status, "amount_available": available, "amount_submitted": submitted}

    def _view(self, payment: _Payment, *, links: bool = True, for_webhook: bool = False) -> dict[str, Any]:
        """The payment as pay-publicapi shows it (PaymentWithAllLinks)."""
        view: dict[str, Any] = {
            "amount": payment.amount,
            "description": payment.description,
            "reference": payment.reference,
            "language": payment.language,
        }
        if payment.email:
            view["email"] = payment.email
        view.update(
            state=self._state(payment),
            payment_id=payment.payment_id,
            payment_provider="sandbox",
            created_date=_iso(payment.created),
            refund_summary=self._refund_summary(payment),
            settlement_summary=(
                {"capture_submit_time": _iso(payment.captured), "captured_date": payment.captured.date().isoformat()}
                if payment.captured
                else {}
            ),
        )
        if payment.card:
            view["card_details"] = dict(payment.card)
        view.update(delayed_capture=False, moto=False, return_url=payment.return_url)
        if for_webhook:  # pay-webhooks PaymentApiRepresentation: no provider_id, no links
            return view
        if payment.provider_id:
            view["provider_id"] = payment.provider_id
        view["authorisation_mode"] = "web"
        if links:
            own = f"{self._api_base()}/v1/payments/{payment.payment_id}"
            link_set: dict[str, Any] = {
                "self": {"href": own, "method": "GET"},
                "events": {"href": f"{own}/events", "method": "GET"},
                "refunds": {"href": f"{own}/refunds", "method": "GET"},
            }
            if not payment.finished:
                # pay-connector: a new one-time token for every view of an unfinished payment.
                token = str(uuid.uuid4())
                self._tokens[token] = (payment.payment_id, False)
                link_set["next_url"] = {"href": f"{self._api_base()}/secure/{token}", "method": "GET"}
                link_set["next_url_post"] = {
                    "type": "application/x-www-form-urlencoded",
                    "params": {"chargeTokenId": token},
                    "href": f"{self._api_base()}/secure",
                    "method": "POST",
                }
                link_set["cancel"] = {"href": f"{own}/cancel", "method": "POST"}
            view["_links"] = link_set
        return view

    def _refund_view(self, payment: _Payment, refund: _Refund) -> dict[str, Any]:
        own = f"{self._api_base()}/v1/payments/{payment.payment_id}"
        return {
            "refund_id": refund.refund_id,
            "created_date": _iso(refund.created),
            "amount": refund.amount,
            "status": refund.status,
            "settlement_summary": {},
            "_links": {
                "self": {"href": f"{own}/refunds/{refund.refund_id}", "method": "GET"},
                "payment": {"href": own, "method": "GET"},
            },
        }

    # --- the payment's life -----------------------------------------------------------------

    def _finish(self, payment: _Payment, status: str, code: str = "") -> None:
        payment.status, payment.code = status, code
        if status == "success":
            payment.captured = self._clock
            self._event(payment, "card_payment_succeeded")
            self._event(payment, "card_payment_captured")
        elif code == "P0020":
            self._event(payment, "card_payment_expired")
        else:  # declined, the user's or the service's cancel, an error (pay-webhooks EventMapper)
            self._event(payment, "card_payment_failed")

    def _expire_due(self) -> None:
        for payment in self._payments.values():
            if not payment.finished and self._clock - payment.created >= EXPIRES_AFTER:
                self._finish(payment, "failed", "P0020")

    def _event(self, payment: _Payment, event_type: str) -> None:
        if event_type not in self.webhook_events:
            return
        message = {
            "webhook_message_id": _new_id(),
            "created_date": _iso(self._clock),
            "resource_id": payment.payment_id,
            "api_version": 1,
            "resource_type": "payment",
            "event_type": event_type,
            "resource": self._view(payment, links=False, for_webhook=True),
        }
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        record = WebhookMessage(message["webhook_message_id"], event_type, payment.payment_id, body)
        self.webhook_messages.append(record)
        if self.hold_webhooks:
            self._held.append(record)
        else:
            self._to_send.append(record)

    def _send_webhooks(self) -> None:
        with self._lock:
            due, self._to_send = self._to_send, []
        for message in due:
            for _ in range(max(1, self.webhook_attempts)):  # "at least once"; Pay retries a non-2xx
                delivery = self._deliver(message, self.sign(message.body))
                if 200 <= delivery.status < 300 or not self.webhook_url:
                    break

    def _deliver(self, message: WebhookMessage, signature: str) -> Delivery:
        if not self.webhook_url or not self.webhook_secret:
            return Delivery(message.webhook_message_id, signature, 0)
        headers = {"Content-Type": "application/json"}
        if signature:
            headers["Pay-Signature"] = signature
        try:
            status = httpx.post(self.webhook_url, content=message.body, headers=headers, timeout=5.0).status_code
        except httpx.HTTPError:
            status = 0
        delivery = Delivery(message.webhook_message_id, signature, status)
        with self._lock:
            self.deliveries.append(delivery)
        return delivery

    # --- the card pages (pay-frontend) -----------------------------------------------------------

    def _card_pages(self, method: str, path: str, headers: dict[str, str], body: bytes) -> _Reply:
        parts = path.split("?")[0].strip("/").split("/")
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()} if method == "POST" else {}
        session_id = _cookie(headers.get("cookie", ""), COOKIE)
        if parts[0] == "secure" and (len(parts) == 2 and method == "GET" or len(parts) == 1 and method == "POST"):
            return self._secure(parts[1] if len(parts) == 2 else form.get("chargeTokenId", ""), session_id)
        if len(parts) < 2 or parts[0] not in ("card_details", "return"):
            return self._page(404, "Page cannot be found", "<p>Page cannot be found</p>")
        payment = self._payments.get(parts[1])
        session = self._sessions.get(session_id)
        if payment is None or session is None or payment.payment_id not in session[1]:
            return self._session_expired()
        if method == "POST" and not hmac.compare_digest(form.get("csrfToken", ""), session[0]):
            return self._page(400, "There is a problem", "<p>There is a problem, please try again later</p>")
        csrf, payment_id = session[0], payment.payment_id
        if parts[0] == "return":
            if not payment.finished:  # pay-frontend return.controller: cancels a payment still open
                self._finish(payment, "failed", "P0030")
            return _Reply(302, content_type="", headers={"Location": payment.return_url})
        rest = parts[2:]
        if rest == [] and method == "GET":
            if payment.status == "created":
                payment.status = "started"
                self._event(payment, "card_payment_started")
            if payment.status == "started":
                return self._card_form(payment, csrf, {}, {})
            return self._outcome(payment)
        if rest == [] and method == "POST":
            if payment.status != "started":
                return self._outcome(payment)
            return self._authorise(payment, csrf, form)
        if rest == ["confirm"] and method == "GET":
            return self._confirm_page(payment, csrf) if payment.status == "submitted" else self._outcome(payment)
        if rest == ["confirm"] and method == "POST":
            if payment.status == "submitted":
                self._finish(payment, "success")
                return _Reply(303, content_type="", headers={"Location": f"/return/{payment_id}"})
            return self._outcome(payment)
        if rest == ["cancel"] and method == "POST":
            if not payment.finished:
                self._finish(payment, "failed", "P0030")
            return self._outcome(payment)
        return self._page(404, "Page cannot be found", "<p>Page cannot be found</p>")

    def _secure(self, token: str, session_id: str) -> _Reply:
        """``next_url``: pay-frontend secure.controller. A token is good once; after that only
        in the browser that used it."""
        found = self._tokens.get(token)
        if found is None:
            return self._page(404, "Page cannot be found", "<p>Page cannot be found</p>")
        payment_id, used = found
        session = self._sessions.get(session_id)
        if used:
            if session is None or payment_id not in session[1]:
                return self._session_expired(status=403)
            return _Reply(303, content_type="", headers={"Location": f"/card_details/{payment_id}"})
        self._tokens[token] = (payment_id, True)
        headers: dict[str, str] = {"Location": f"/card_details/{payment_id}"}
        if session is None:
            session_id = secrets.token_urlsafe(24)
            session = (secrets.token_urlsafe(24), set())
            self._sessions[session_id] = session
            headers["Set-Cookie"] = f"{COOKIE}={session_id}; Path=/; HttpOnly; SameSite=Lax"
        session[1].add(payment_id)
        return _Reply(303, content_type="", headers=headers)

    def _authorise(self, payment: _Payment, csrf: str, form: dict[str, str]) -> _Reply:
        number = re.sub(r"[\s-]", "", form.get("cardNo", ""))
        errors = _card_errors(form, number, self._clock)
        if errors:
            return self._card_form(payment, csrf, form, errors)
        brand, card_type = GOOD_CARDS.get(number, ("Visa" if number.startswith("4") else "Mastercard", "credit"))
        month, year = form["expiryMonth"].strip().zfill(2), form["expiryYear"].strip()[-2:]
        payment.card = {
            "last_digits_card_number": number[-4:],
            "first_digits_card_number": number[:6],
            "cardholder_name": form.get("cardholderName", "").strip(),
            "expiry_date": f"{month}/{year}",
            "billing_address": {
                "line1": form.get("addressLine1", "").strip(),
                "line2": form.get("addressLine2", "").strip(),
                "postcode": form.get("addressPostcode", "").strip(),
                "city": form.get("addressCity", "").strip(),
                "country": "GB",
            },
            "card_brand": brand,
            "card_type": card_type,
        }
        if form.get("email"):
            payment.email = form["email"].strip()
        payment.provider_id = str(uuid.uuid4())  # the sandbox's transaction id
        if number in GOOD_CARDS:
            payment.status = "submitted"
            return _Reply(303, content_type="", headers={"Location": f"/card_details/{payment.payment_id}/confirm"})
        if number in DECLINED_CARDS:
            self._finish(payment, "failed", "P0010")
        else:  # the processing-error card, or a number the sandbox does not know ("Unsupported card details")
            self._finish(payment, "error", "P0050")
        return self._outcome(payment)

    def _outcome(self, payment: _Payment) -> _Reply:
        """The page for where the payment is now (pay-frontend response-router)."""
        back = f'<a id="return-url" href="/return/{payment.payment_id}">'
        if payment.status in ("created", "started"):
            return _Reply(303, content_type="", headers={"Location": f"/card_details/{payment.payment_id}"})
        if payment.status == "submitted":
            return _Reply(303, content_type="", headers={"Location": f"/card_details/{payment.payment_id}/confirm"})
        if payment.status == "success":
            return self._page(
                200, "Your payment was successful", f"<p>Your payment was successful.</p><p>{back}Continue</a></p>"
            )
        if payment.code == "P0010":
            body = "<p>Your payment has been declined</p><p>No money has been taken from your account.</p>"
            return self._page(
                200, "Your payment has been declined", f"{body}<p>{back}Go back to try the payment again</a></p>"
            )
        if payment.code == "P0030":
            return self._page(200, "Your payment has been cancelled", f"<p>{back}Go back to the service</a></p>")
        if payment.code == "P0040":
            return self._page(200, "Your payment has been cancelled", f"<p>{back}Go back to the service</a></p>")
        if payment.code == "P0020":
            return self._session_expired(payment)
        body = "<p>We're experiencing technical problems</p><p>No money has been taken from your account.</p>"
        return self._page(
            500, "We're experiencing technical problems", f"{body}<p>{back}Go back to try the payment again</a></p>"
        )

    def _session_expired(self, payment: _Payment | None = None, *, status: int = 403) -> _Reply:
        back = (
            f'<p><a id="return-url" href="/return/{payment.payment_id}">Go back to the service</a></p>'
            if payment
            else ""
        )
        return self._page(status if payment is None else 200, "Your payment session has expired", back)

    def _card_form(self, payment: _Payment, csrf: str, form: dict[str, str], errors: dict[str, str]) -> _Reply:
        welsh = payment.language == "cy"

        def field_html(name: str, label: str, autocomplete: str) -> str:
            error = f'<p class="error" id="{name}-error">{html.escape(errors[name])}</p>' if name in errors else ""
            value = html.escape(form.get(name, (payment.email or "") if name == "email" else ""))
            return (
                f'<div><label for="{name}">{label}</label>{error}'
                f'<input id="{name}" name="{name}" autocomplete="{autocomplete}" value="{value}"></div>'
            )

        summary = "".join(f"<li>{html.escape(m)}</li>" for m in errors.values())
        heading = "Rhowch fanylion eich cerdyn" if welsh else "Enter card details"
        content = (
            f"<p>{html.escape(payment.description)}</p><p>Total amount: £{payment.amount / 100:,.2f}</p>"
            + (f'<ul class="error-summary">{summary}</ul>' if errors else "")
            + f'<form id="card-details" method="post" action="/card_details/{payment.payment_id}" novalidate>'
            f'<input type="hidden" name="csrfToken" value="{csrf}">'
            + field_html("cardNo", "Card number", "cc-number")
            + field_html("expiryMonth", "Expiry month", "cc-exp-month")
            + field_html("expiryYear", "Expiry year", "cc-exp-year")
            + field_html("cardholderName", "Name on card", "cc-name")
            + field_html("cvc", "Card security code", "cc-csc")
            + field_html("addressLine1", "Building and street", "address-line1")
            + field_html("addressCity", "Town or city", "address-level2")
            + field_html("addressPostcode", "Postcode", "postal-code")
            + field_html("email", "Email", "email")
            + f'<button type="submit">{"Parhau" if welsh else "Continue"}</button></form>'
            + self._cancel_form(payment, csrf, "Canslo'r taliad" if welsh else "Cancel payment")
        )
        return self._page(200, heading, content, lang=payment.language)

    def _confirm_page(self, payment: _Payment, csrf: str) -> _Reply:
        card = payment.card or {}
        content = (
            f"<p>{html.escape(payment.description)}</p><p>Total amount: £{payment.amount / 100:,.2f}</p>"
            f"<p>Card number: ************{card.get('last_digits_card_number', '')}</p>"
            f'<form id="confirm" method="post" action="/card_details/{payment.payment_id}/confirm">'
            f'<input type="hidden" name="csrfToken" value="{csrf}"><button type="submit">Confirm payment</button></form>'
            + self._cancel_form(payment, csrf, "Cancel payment")
        )
        return self._page(200, "Confirm your payment", content, lang=payment.language)

    def _cancel_form(self, payment: _Payment, csrf: str, words: str) -> str:
        return (
            f'<form id="cancel" method="post" action="/card_details/{payment.payment_id}/cancel">'
            f'<input type="hidden" name="csrfToken" value="{csrf}"><button type="submit">{words}</button></form>'
        )

    def _page(self, status: int, title: str, content: str, *, lang: str = "en") -> _Reply:
        page = (
            f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{html.escape(title)} - GOV.UK Pay</title>'
            f"</head><body><main><h1>{html.escape(title)}</h1>{content}</main></body></html>"
        )
        return _Reply(status, page.encode("utf-8"), "text/html; charset=utf-8")


def _invalid_attribute(status: int, name: str, words: str, *, code: str = "P0102") -> _Reply:
    return _error(status, code, f"Invalid attribute value: {name}. {words}", field_name=name)


def _card_errors(form: dict[str, str], number: str, now: datetime) -> dict[str, str]:
    """The card form's own checks, in pay-frontend's words."""
    errors: dict[str, str] = {}
    if not number:
        errors["cardNo"] = "Enter a card number"
    elif not luhn_ok(number):
        errors["cardNo"] = "Enter a valid card number"
    month, year = form.get("expiryMonth", "").strip(), form.get("expiryYear", "").strip()
    if not month or not year:
        errors["expiryMonth"] = "Enter the expiry date"
    elif not (month.isdigit() and year.isdigit() and 1 <= int(month) <= 12):
        errors["expiryMonth"] = "Enter a valid expiry date"
    elif (int(year) + (2000 if len(year) <= 2 else 0), int(month)) < (now.year, now.month):
        errors["expiryMonth"] = "Enter a valid expiry date"
    if not form.get("cardholderName", "").strip():
        errors["cardholderName"] = "Enter the name as it appears on the card"
    cvc = form.get("cvc", "").strip()
    if not (cvc.isdigit() and 3 <= len(cvc) <= 4):
        errors["cvc"] = "Enter a valid card security code"
    if not form.get("addressPostcode", "").strip():
        errors["addressPostcode"] = "Enter a postcode"
    return errors


def _cookie(header: str, name: str) -> str:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return ""


class _Handler(BaseHTTPRequestHandler):
    server_version = "GOVUKPayLocal/1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        pay: GovukPayServer = self.server.pay  # type: ignore[attr-defined]
        reply = pay.dispatch(self.command, self.path, headers, body)
        if reply.stall_seconds:
            time.sleep(reply.stall_seconds)
        try:
            self.send_response(reply.status)
            if reply.content_type:
                self.send_header("Content-Type", reply.content_type)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up (a stalled answer)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


# --- a resident's browser, and the portal's webhook endpoint --------------------------------------


@dataclass
class Page:
    url: str
    status_code: int
    html: str
    left_for: str = ""  # where the browser was sent off the card pages (the service's return_url)

    def says(self, words: str) -> bool:
        return words in html.unescape(self.html)


class CardBrowser:
    """A resident's browser on Pay's card pages: keeps its cookie, follows Pay's redirects
    and stops at the first address that is not Pay's (the service's return_url)."""

    def __init__(self, server: GovukPayServer) -> None:
        self._origin = server.base_url
        self._client = httpx.Client(timeout=10.0, follow_redirects=False)
        self.page: Page | None = None

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> CardBrowser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self, url: str) -> Page:
        return self._follow(self._client.get(url))

    def submit_card(
        self,
        card_number: str = SUCCESS_CARD,
        *,
        expiry_month: str = "12",
        expiry_year: str | None = None,
        cvc: str = "123",
        name: str = "Sam Resident",
        postcode: str = "NB1 1AA",
    ) -> Page:
        return self._submit(
            "card-details",
            cardNo=card_number,
            expiryMonth=expiry_month,
            expiryYear=expiry_year or str(datetime.now(UTC).year + 3),
            cvc=cvc,
            cardholderName=name,
            addressLine1="1 High Street",
            addressCity="Northbrook",
            addressPostcode=postcode,
        )

    def confirm(self) -> Page:
        return self._submit("confirm")

    def cancel(self) -> Page:
        return self._submit("cancel")

    def go_back(self) -> Page:
        """Follow the page's link back to the service."""
        assert self.page is not None
        found = re.search(r'id="return-url" href="([^"]+)"', self.page.html)
        assert found, f"no link back to the service on {self.page.url}"
        return self.open(urljoin(self.page.url, found.group(1)))

    def pay(self, next_url: str, card_number: str = SUCCESS_CARD) -> Page:
        """The whole journey: card page, card details, confirm (when asked), and back to
        the service from a failure page."""
        self.open(next_url)
        page = self.submit_card(card_number)
        if page.left_for:
            return page
        if page.says("Confirm your payment"):
            return self.confirm()
        return self.go_back()

    def _submit(self, form_id: str, **fields: str) -> Page:
        assert self.page is not None, "open a page first"
        found = re.search(
            rf'<form id="{form_id}" method="post" action="([^"]+)"[^>]*>(.*?)</form>', self.page.html, re.S
        )
        assert found, f"no {form_id} form on {self.page.url}"
        csrf = re.search(r'name="csrfToken" value="([^"]*)"', found.group(2))
        data = {"csrfToken": csrf.group(1) if csrf else "", **fields}
        return self._follow(self._client.post(urljoin(self.page.url, found.group(1)), data=data))

    def _follow(self, response: httpx.Response) -> Page:
        for _ in range(10):
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            location = urljoin(str(response.url), response.headers["location"])
            if not location.startswith(self._origin):
                self.page = Page(str(response.url), response.status_code, response.text, left_for=location)
                return self.page
            response = self._client.get(location)
        self.page = Page(str(response.url), response.status_code, response.text)
        return self.page


@dataclass(frozen=True)
class Received:
    body: bytes
    headers: dict[str, str]


class WebhookInbox:
    """The portal's webhook endpoint, as far as Pay can tell: a real HTTP server that keeps
    what was POSTed to it (raw body and headers) and answers ``status`` (200)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.status = 200
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                inbox.received.append(Received(body, dict(self.headers.items())))
                self.send_response(inbox.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/api/payments/govuk-pay/webhook"

    def messages(self, event_type: str | None = None) -> list[Received]:
        found = list(self.received)
        if event_type is None:
            return found
        return [r for r in found if json.loads(r.body).get("event_type") == event_type]

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
