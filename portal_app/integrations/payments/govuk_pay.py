"""GOV.UK Pay behind the portal's payment provider interface (``base.PaymentProvider``).

GOV.UK Pay hosts the card page; this module speaks its public API
(https://docs.payments.service.gov.uk/api_reference/, the OpenAPI file
https://github.com/alphagov/pay-publicapi/blob/master/openapi/publicapi_spec.json):

* ``create``: ``POST /v1/payments`` (amount in pence, reference, description,
  return_url, language, optional email), answered with the payment's ``payment_id`` and
  the card page, ``_links.next_url.href``;
* ``status``: ``GET /v1/payments/{id}``, read into a ``PaymentStatus`` (``state.status``,
  ``state.code`` and ``state.message``, the card's brand and last four digits, and Pay's
  ``provider_id``, the card processor's id for the payment, as the receipt's code: Pay
  publishes no authorisation code);
* ``cancel``: ``POST /v1/payments/{id}/cancel`` (204);
* ``refund``: ``POST /v1/payments/{id}/refunds`` with ``amount`` and
  ``refund_amount_available`` (https://docs.payments.service.gov.uk/refunding_payments/);
* ``verify_notification``: a webhook message, believed only when its ``Pay-Signature``
  header is the HMAC-SHA256 of the raw body under the webhook's signing secret
  (https://docs.payments.service.gov.uk/webhooks/).

The rules it keeps:

* Every request carries ``Authorization: Bearer <API key>``, over https (plain http
  only to this machine); the key is never logged and never put in an exception's message.
* 429 (Pay's rate limit: 15 POSTs a second per service, error P0900), 5xx, timeouts and
  connection failures are tried again, up to ``max_attempts`` in all, waiting longer
  each time (Pay: "After a second, you'll be able to retry ... using exponential
  backoff"; a ``Retry-After`` header, when a proxy sends one, is obeyed); then
  ``ProviderUnavailable``. Any other 4xx is ``ProviderRefused`` with Pay's ``code`` and
  ``description`` (https://docs.payments.service.gov.uk/api_reference/#responses).
* A retried ``POST /v1/payments`` sends the same body and the same ``Idempotency-Key``
  on every attempt. Know what that buys: Pay documents the key for recurring payments
  (https://docs.payments.service.gov.uk/recurring_payments/#use-idempotency-to-avoid-double-charging-a-user:
  kept 24 hours; the same key and body again answers 200 with the first payment; the
  same key with another body is 409, P0191), and its connector only looks the key up
  for ``authorisation_mode: agreement`` payments (pay-connector, ChargesApiResource).
  For the card-page payments made here it checks the key's form (1 to 255 letters,
  digits or hyphens, else 422 P0102) and then ignores it. So a retry after a timeout
  may leave a first payment nobody was sent to: it stays ``created`` and fails as
  expired (P0020) after 90 minutes with nothing taken. A 429 is refused before any
  payment is made. Never call ``create`` twice for one attempt to pay: keep the answer.
* A retried refund sends the same ``refund_amount_available``, read once before the
  first attempt: Pay refuses a refund whose figure is out of date (412, P0604), which is
  what stops a lost answer becoming two refunds. Pay takes no idempotency key for
  refunds; the key is sent anyway (ignored today). When a retry meets that 412, the
  payment's ``refund_summary.amount_submitted`` says whether our refund was made.
* ``allowed_hosts`` is where ``next_url`` may point: GOV.UK Pay's card pages
  (``card.payments.service.gov.uk``), and, when ``base_url`` is not Pay's own API (a
  local GOV.UK Pay for tests or development, ``tests/govuk_pay_server.py``), the host
  and port of ``base_url``, where such a server serves its card page. Entries are
  ``host[:port]`` as ``urlsplit(url).netloc`` gives them, as ``sandbox.py``'s are.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from portal_app.integrations.payments import base

log = logging.getLogger(__name__)

PAY_API_HOST = "publicapi.payments.service.gov.uk"
PAY_CARD_HOST = "card.payments.service.gov.uk"  # where Pay's next_url sends the resident
# Backoff between attempts: 0.5 s, 1 s, 2 s ... (a little jitter added, so that many
# portal processes refused at once do not all come back at once); at least a second
# after a 429 (Pay's rate limit counts per second).
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_MAX_SECONDS = 8.0
RATE_LIMIT_WAIT_SECONDS = 1.0
RETRY_AFTER_LIMIT_SECONDS = 30.0  # a Retry-After asking for longer: give up now, do not block a worker
# Pay's rule for the Idempotency-Key header (pay-publicapi, PaymentsResource).
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9-]{1,255}$")
SIGNATURE_HEADER = "pay-signature"
# Pay's words for a payment's state (state.status). Webhook messages are built from Pay's
# ledger, whose older words for a failed payment were "declined" and "timedout", and
# "cancelled" for a resident's cancel too (then with code P0030): read those as FAILED.
_LEDGER_FAILED_WORDS = {"declined": base.DECLINED, "timedout": base.EXPIRED}
REFUND_STATES = ("submitted", "success", "error")


_shared: tuple[int, httpx.Client] | None = None
_shared_lock = threading.Lock()


def _client() -> httpx.Client:
    """One HTTP client for the process: making one costs ~50 ms (its TLS set-up), and its
    connections to Pay are kept for the next call. Made afresh in a forked child. No
    redirects are followed: Pay's API answers where it is asked."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared[0] != os.getpid():
            _shared = (os.getpid(), httpx.Client(follow_redirects=False))
        return _shared[1]


class _Refused(base.ProviderRefused):
    """A 4xx from Pay (other than 429), with what it said; ``retried``: it answered a
    second or later attempt, so an earlier one may have been done, its answer lost."""

    def __init__(self, message: str, status_code: int, code: str = "", retried: bool = False) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.retried = retried


class GovukPay:
    name = "govuk_pay"
    supports_refunds = True

    def __init__(
        self,
        base_url: str,
        api_key: str,
        webhook_secret: str = "",
        *,
        timeout: float = 10.0,
        max_attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.strip().rstrip("/")
        self._api_key = api_key
        self._webhook_secret = webhook_secret
        self.timeout = timeout
        self.max_attempts = max(1, max_attempts)
        self._sleep = sleep
        self.supports_notifications = bool(webhook_secret)
        try:
            api = urlsplit(self.base_url)
        except ValueError:  # not a URL: every call will say so (ProviderUnavailable)
            api = urlsplit("")
        if api.hostname == PAY_API_HOST or not api.netloc:
            self.allowed_hosts: tuple[str, ...] = (PAY_CARD_HOST,)
        else:
            self.allowed_hosts = (PAY_CARD_HOST, api.netloc)

    def __repr__(self) -> str:  # never the key
        return f"GovukPay({self.base_url!r})"

    # --- the interface -------------------------------------------------------------

    def create(
        self,
        *,
        amount_pence: int,
        reference: str,
        description: str,
        return_url: str,
        idempotency_key: str,
        language: str = "en",
        email: str | None = None,
    ) -> base.CreatedPayment:
        body: dict[str, Any] = {
            "amount": amount_pence,
            "reference": reference,
            "description": description,
            "return_url": return_url,
            "language": language,
        }
        if email:
            body["email"] = email
        # Built once: every attempt sends this body and this key.
        headers = {"Idempotency-Key": pay_idempotency_key(idempotency_key)}
        payment = self._json(self._request("POST", "/v1/payments", body=body, headers=headers))
        payment_id = payment.get("payment_id")
        next_url = (payment.get("_links") or {}).get("next_url") or {}
        if not isinstance(payment_id, str) or not payment_id or not isinstance(next_url.get("href"), str):
            raise base.ProviderUnavailable("GOV.UK Pay: the new payment came back without its id or next_url")
        return base.CreatedPayment(provider_id=payment_id, next_url=next_url["href"])

    def status(self, provider_id: str) -> base.PaymentStatus:
        payment = self._payment(provider_id)
        status = status_from_payment(payment, provider_id)
        if status is None:
            state = payment.get("state") if isinstance(payment.get("state"), dict) else {}
            raise base.ProviderUnavailable(f"GOV.UK Pay: payment {provider_id} is in a state we do not know ({state})")
        return status

    def cancel(self, provider_id: str) -> None:
        """Cancel a payment still under way (Pay: created, started, submitted); Pay answers
        400 (P0501) or 409 (P0502) for one it cannot cancel: ``ProviderRefused``."""
        try:
            self._request("POST", f"/v1/payments/{_segment(provider_id)}/cancel")
        except _Refused as refused:
            # An earlier attempt may have cancelled it and lost the answer: then it is done.
            if refused.retried and refused.status_code in (400, 409):
                if self.status(provider_id).state == base.CANCELLED:
                    return
            raise

    def refund(self, provider_id: str, *, amount_pence: int, idempotency_key: str) -> base.RefundResult:
        before = _refund_summary(self._payment(provider_id), provider_id)
        body = {"amount": amount_pence, "refund_amount_available": before["amount_available"]}
        headers = {"Idempotency-Key": pay_idempotency_key(idempotency_key)}  # Pay ignores it today
        path = f"/v1/payments/{_segment(provider_id)}/refunds"
        try:
            refund = self._json(self._request("POST", path, body=body, headers=headers))
        except _Refused as refused:
            if not (refused.retried and refused.status_code == 412):
                raise
            # P0604 after a lost answer: did our refund land? amount_submitted is strongly consistent.
            after = _refund_summary(self._payment(provider_id), provider_id)
            if after["amount_submitted"] - before["amount_submitted"] != amount_pence:
                raise
            return base.RefundResult(refund_id=self._find_refund_id(path, amount_pence), state="submitted")
        refund_id = refund.get("refund_id")
        if not isinstance(refund_id, str) or not refund_id:
            raise base.ProviderUnavailable("GOV.UK Pay: the refund came back without its id")
        state = refund.get("status") if refund.get("status") in REFUND_STATES else "submitted"
        return base.RefundResult(refund_id=refund_id, state=state)

    def verify_notification(self, body: bytes, headers: Mapping[str, str]) -> base.Notification | None:
        """A webhook message from Pay, or None when its signature is missing or wrong (or
        no signing secret is set, or the signed body is not a message we can read)."""
        if not self._webhook_secret:
            return None
        signature = _header(headers, SIGNATURE_HEADER).strip().lower()
        if not signature or not re.fullmatch(r"[0-9a-f]{64}", signature):
            return None
        expected = hmac.new(self._webhook_secret.encode("utf-8"), bytes(body), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return None
        try:
            message = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            log.warning("GOV.UK Pay: a signed webhook message is not JSON")
            return None
        if not isinstance(message, dict):
            return None
        resource_id = message.get("resource_id")
        if not isinstance(resource_id, str) or not resource_id:
            log.warning("GOV.UK Pay: a signed webhook message has no resource_id")
            return None
        event_id = message.get("webhook_message_id")
        resource = message.get("resource")
        status = None
        # Pay's webhooks only carry payments ("resource_type": "payment"), the payment as
        # GET /v1/payments/{id} shows it (a refund's message carries its payment too).
        if message.get("resource_type") == "payment" and isinstance(resource, dict):
            status = status_from_payment(resource, resource_id)
        return base.Notification(
            provider_id=resource_id, event_id=event_id if isinstance(event_id, str) else "", status=status
        )

    # --- HTTP ------------------------------------------------------------------------

    def _payment(self, provider_id: str) -> dict[str, Any]:
        return self._json(self._request("GET", f"/v1/payments/{_segment(provider_id)}"))

    def _find_refund_id(self, path: str, amount_pence: int) -> str:
        """The newest refund of this amount (GET .../refunds is eventually consistent, so
        it may not show yet: then "")."""
        try:
            listing = self._json(self._request("GET", path))
        except (base.ProviderUnavailable, base.ProviderRefused):
            return ""
        refunds = ((listing.get("_embedded") or {}).get("refunds")) or []
        same = [r for r in refunds if isinstance(r, dict) and r.get("amount") == amount_pence and r.get("refund_id")]
        same.sort(key=lambda r: str(r.get("created_date") or ""))
        return str(same[-1]["refund_id"]) if same else ""

    def _request(
        self, method: str, path: str, *, body: dict[str, Any] | None = None, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        """One API call, tried again on 429, 5xx, timeouts and connection failures."""
        send = {"Authorization": f"Bearer {self._api_key}", "Accept": "application/json", **(headers or {})}
        content = None
        if body is not None:
            content = json.dumps(body).encode("utf-8")
            send["Content-Type"] = "application/json"  # Pay's firewall refuses a POST body without it (P0920)
        if not _https_or_loopback(self.base_url):
            raise base.ProviderUnavailable(
                f"GOV.UK Pay: the API address {self.base_url!r} must be https (or http to this machine)"
            )
        what = f"{method} {path}"
        failure = ""
        for attempt in range(1, self.max_attempts + 1):
            wait = _backoff(attempt)
            try:
                response = _client().request(
                    method, self.base_url + path, content=content, headers=send, timeout=self.timeout
                )
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):  # GOVUK_PAY_BASE_URL is wrong: no point trying again
                raise base.ProviderUnavailable(f"GOV.UK Pay: the API address {self.base_url!r} is not a URL") from None
            except httpx.HTTPError as exc:  # timeouts, refused connections, broken answers
                failure = type(exc).__name__
            else:
                status = response.status_code
                if status == 429 or status >= 500:
                    failure = f"HTTP {status}" + _code_suffix(response)
                    retry_after = _retry_after(response)
                    if retry_after is not None and retry_after > RETRY_AFTER_LIMIT_SECONDS:
                        log.warning("GOV.UK Pay: %s: %s, asked to wait %.0f s", what, failure, retry_after)
                        raise base.ProviderUnavailable(
                            f"GOV.UK Pay {what}: {failure}; asked to wait {retry_after:.0f} s"
                        )
                    if retry_after is not None:
                        wait = retry_after
                    elif status == 429:
                        wait = max(wait, RATE_LIMIT_WAIT_SECONDS)
                elif status >= 400:
                    raise self._refusal(what, response, retried=attempt > 1)
                else:
                    return response
            if attempt < self.max_attempts:
                log.info("GOV.UK Pay: %s: %s (attempt %d of %d)", what, failure, attempt, self.max_attempts)
                self._sleep(wait)
        log.warning("GOV.UK Pay: %s: %s after %d attempts", what, failure, self.max_attempts)
        raise base.ProviderUnavailable(f"GOV.UK Pay {what}: {failure} after {self.max_attempts} attempts")

    def _refusal(self, what: str, response: httpx.Response, *, retried: bool) -> _Refused:
        error = _error_body(response)
        code, description = str(error.get("code") or ""), str(error.get("description") or "")
        words = f"GOV.UK Pay refused {what}: HTTP {response.status_code}"
        if code:
            words += f" {code}"
        if description:
            words += f": {description}"
        for part in ("field", "header"):
            if error.get(part):
                words += f" ({part} {error[part]})"
        if response.status_code == 401:
            words += " (the API key is missing, wrong or revoked)"
        return _Refused(self._scrub(words), response.status_code, code, retried)

    def _scrub(self, text: str) -> str:
        """Pay never echoes the key; should anything in between, it stops here."""
        return text.replace(self._api_key, "[API key]") if self._api_key else text

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise base.ProviderUnavailable(f"GOV.UK Pay: HTTP {response.status_code} without a JSON body") from None
        if not isinstance(data, dict):
            raise base.ProviderUnavailable("GOV.UK Pay: the answer is not a JSON object")
        return data


# --- reading Pay's payments ---------------------------------------------------------------


def status_from_payment(payment: Mapping[str, Any], provider_id: str) -> base.PaymentStatus | None:
    """A payment as Pay shows it (GET /v1/payments/{id}, or a webhook's ``resource``) as a
    ``PaymentStatus``; None when its state is not one we know."""
    state = payment.get("state") if isinstance(payment.get("state"), dict) else {}
    status = state.get("status")
    code = str(state.get("code") or "")
    message = str(state.get("message") or "")
    if status in _LEDGER_FAILED_WORDS:
        status, code = base.FAILED, code or _LEDGER_FAILED_WORDS[status]
    elif status == base.CANCELLED and code == base.USER_CANCELLED:
        status = base.FAILED  # the resident's cancel is a failed payment in Pay's API words
    if status not in base.STATES:
        return None
    amount = payment.get("amount")
    card = payment.get("card_details") if isinstance(payment.get("card_details"), dict) else {}
    return base.PaymentStatus(
        provider_id=str(payment.get("payment_id") or provider_id),
        state=status,
        amount_pence=amount if isinstance(amount, int) and not isinstance(amount, bool) else 0,
        failure_code=code if status in (base.FAILED, base.ERROR, base.CANCELLED) else "",
        failure_message=message if status in (base.FAILED, base.ERROR, base.CANCELLED) else "",
        provider_reference=str(payment.get("payment_id") or provider_id),
        auth_code=str(payment.get("provider_id") or ""),
        card_brand=str(card.get("card_brand") or ""),
        last_digits=str(card.get("last_digits_card_number") or ""),
    )


def pay_idempotency_key(key: str) -> str:
    """The portal's key as Pay accepts it: itself when it is 1 to 255 letters, digits or
    hyphens, else its SHA-256 in hex (the same key always gives the same header)."""
    if IDEMPOTENCY_KEY.fullmatch(key or ""):
        return key
    return hashlib.sha256((key or "").encode("utf-8")).hexdigest()


def _refund_summary(payment: Mapping[str, Any], provider_id: str) -> dict[str, int]:
    summary = payment.get("refund_summary") if isinstance(payment.get("refund_summary"), dict) else {}
    available, submitted = summary.get("amount_available"), summary.get("amount_submitted", 0)
    if not isinstance(available, int) or not isinstance(submitted, int):
        raise base.ProviderRefused(f"GOV.UK Pay: payment {provider_id} shows no refund summary")
    return {"amount_available": available, "amount_submitted": submitted}


def _segment(provider_id: str) -> str:
    """A payment id as one path segment: Pay's ids are letters and digits; nothing else
    may reach the path."""
    if not provider_id:
        raise base.ProviderRefused("GOV.UK Pay: no payment id")
    return quote(provider_id, safe="")


def _https_or_loopback(url: str) -> bool:
    """The API key goes over https, or plain http to this machine only (a local GOV.UK
    Pay for tests or development), as oidc.py sends its secrets."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return True  # not a URL at all: the request says so
    if parts.scheme != "http":
        return True
    return parts.hostname in ("localhost", "127.0.0.1", "::1")


def _header(headers: Mapping[str, str], name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value or ""
    return ""


def _backoff(attempt: int) -> float:
    wait = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return wait + random.uniform(0, wait / 4)


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (RFC 9110 section 10.2.3: a number of seconds or a date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _code_suffix(response: httpx.Response) -> str:
    code = _error_body(response).get("code")
    return f" {code}" if isinstance(code, str) and code else ""


__all__ = ["PAY_CARD_HOST", "GovukPay", "pay_idempotency_key", "status_from_payment"]
