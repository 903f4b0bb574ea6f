"""A contractor's repairs system over HTTP, behind the portal's interface (``base.RepairsSystem``).

The system (or a small bridge in front of it: Civica CX, NEC Housing, MRI, Totalmobile,
DRS and the rest each have their own API) offers the JSON API in
``docs/repairs-system-api.md``; this module speaks it:

* ``slots``: ``GET /v1/slots?property_ref=&priority=&sor_code=&earliest=&latest=``,
  answered with ``{"slots": [{"slot_id", "starts_at", "ends_at"}]}`` (ISO 8601 with an
  offset). What comes back is checked again here: a slot outside ``earliest..latest``
  (UK days), without an offset or otherwise unreadable is left out (and logged), and the
  rest are sorted, soonest first;
* ``book``: ``POST /v1/bookings`` (the job and the ``slot_id``), 201 with
  ``{booking_id, job_ref, slot}``; 409 ``slot_taken`` is ``SlotTaken``;
* ``change``: ``PUT /v1/bookings/{booking_id}`` with ``{slot_id}``, 200 with the booking;
  404 is ``NotFound``, 409 ``SlotTaken``;
* ``cancel``: ``DELETE /v1/bookings/{booking_id}``, 204 (a repeat too); 404 ``NotFound``;
* ``verify_notification``: the contractor's status callbacks (on the way, completed,
  follow-on needed ...), believed only when ``X-Signature`` is ``sha256=`` and the hex
  HMAC-SHA256 of the raw body under the shared secret.

The rules it keeps:

* Every request carries ``Authorization: Bearer <API key>``, over https (plain http only
  to this machine, for a local server in tests); the key is never logged nor put in an
  exception's message. A 401 or 403 is ``SystemRefused``, saying the key is wrong.
* Timeouts are explicit (``HttpConfig.timeout_seconds``, 5 s to connect and 5 s to read
  by default): a worker never waits on a stuck system for longer than that per attempt.
* 429, 5xx, timeouts and connection failures are tried again, up to ``max_attempts``
  (3) in all, waiting a little longer each time (0.5 s, 1 s, ..., never more than
  ``max_wait_seconds``), or as long as ``Retry-After`` asks; a ``Retry-After`` longer
  than ``max_wait_seconds`` gives up at once. Then ``SystemUnavailable``.
* A retried book, change or cancel sends the same body and the same ``Idempotency-Key``
  on every attempt, so an attempt whose answer was lost (the system booked, the
  connection dropped) is answered, on the retry, with that same booking: never two.
  The system keeps a key's answer at least 24 hours (the API document says so). A retry
  that arrives while the first attempt is still being done is answered 409
  ``request_in_progress``: waited out and asked again, like a 429.
* The summary and access notes are cut to the API's limits (200 and 1,000 characters).
* Any other 4xx is ``SystemRefused`` with the system's ``error`` code; a 404 that is not
  the API's own (``booking_not_found`` or ``slot_not_found``), a wrong address, is too.
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
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from portal_app.clock import UK
from portal_app.integrations.repairs import base

log = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 0.5
SIGNATURE_HEADER = "X-Signature"
# The API's rule for the Idempotency-Key header: 1 to 255 printable ASCII characters.
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# What the contractor may say about a booking (docs/repairs-system-api.md, "Status callbacks").
NOTIFICATION_STATUSES = (
    "scheduled",  # the job is in the operative's diary for the booked slot
    "on_the_way",  # the operative is on the way
    "arrived",
    "completed",  # the repair is done
    "follow_on_needed",  # another visit is needed (parts, another trade): a new booking will follow
    "no_access",  # nobody was in, or the operative could not get in
    "cancelled",  # the contractor cancelled the appointment
)
_NOT_FOUND_CODES = frozenset({"booking_not_found", "slot_not_found"})
# The API's limits on the free text (docs/repairs-system-api.md): longer words are cut here.
MAX_SUMMARY = 200
MAX_ACCESS_NOTES = 1000


@dataclass(frozen=True)
class HttpConfig:
    """Where the system is and how long to wait for it (from REPAIRS_SYSTEM_URL,
    REPAIRS_SYSTEM_API_KEY, REPAIRS_SYSTEM_TIMEOUT_SECONDS)."""

    base_url: str  # e.g. https://repairs-bridge.example.org (the paths below it start /v1/)
    api_key: str
    timeout_seconds: float = 5.0  # to connect, and again to read the answer
    max_attempts: int = 3
    max_wait_seconds: float = 5.0  # the longest wait between attempts (a longer Retry-After: give up)

    def __repr__(self) -> str:  # never the key
        return f"HttpConfig(base_url={self.base_url!r}, timeout_seconds={self.timeout_seconds})"


_shared: tuple[int, httpx.Client] | None = None
_shared_lock = threading.Lock()


def _client() -> httpx.Client:
    """One HTTP client for the process (its connections are kept for the next call); made
    afresh in a forked child. No redirects are followed: the API answers where it is asked."""
    global _shared
    with _shared_lock:
        if _shared is None or _shared[0] != os.getpid():
            _shared = (os.getpid(), httpx.Client(follow_redirects=False))
        return _shared[1]


class HttpRepairsSystem:
    name = "http"

    def __init__(
        self, config: HttpConfig, *, sleep: Callable[[float], None] = time.sleep, client: httpx.Client | None = None
    ) -> None:
        self.config = config
        self.base_url = config.base_url.strip().rstrip("/")
        self.max_attempts = max(1, config.max_attempts)
        self._sleep = sleep
        self._own_client = client
        self._timeout = httpx.Timeout(config.timeout_seconds, connect=config.timeout_seconds)

    def __repr__(self) -> str:  # never the key
        return f"HttpRepairsSystem({self.base_url!r})"

    # --- the interface ---------------------------------------------------------------------

    def slots(self, job: base.RepairJob, *, earliest: date, latest: date) -> list[base.Slot]:
        if latest < earliest:
            return []
        params = {
            "property_ref": job.property_ref,
            "priority": job.priority,
            "earliest": earliest.isoformat(),
            "latest": latest.isoformat(),
        }
        if job.sor_code:
            params["sor_code"] = job.sor_code
        answer = self._json(self._request("GET", "/v1/slots", params=params))
        listed = answer.get("slots")
        if not isinstance(listed, list):
            raise base.SystemRefused("repairs system: the slots answer has no list of slots")
        found: dict[str, base.Slot] = {}
        for item in listed:
            slot = _slot(item)
            if slot is None:
                log.warning("repairs system: a slot we cannot read was left out: %.200r", item)
                continue
            if slot.starts_at.astimezone(UK).date() < earliest or slot.ends_at.astimezone(UK).date() > latest:
                log.warning(
                    "repairs system: slot %s is outside %s..%s and was left out", slot.slot_id, earliest, latest
                )
                continue
            found.setdefault(slot.slot_id, slot)
        return sorted(found.values(), key=lambda s: (s.starts_at, s.ends_at, s.slot_id))

    def book(self, job: base.RepairJob, slot_id: str, *, idempotency_key: str) -> base.Booking:
        body = {
            "repair_ref": job.repair_ref,
            "property_ref": job.property_ref,
            "priority": job.priority,
            "sor_code": job.sor_code,
            "summary": job.summary[:MAX_SUMMARY],
            "access_notes": job.access_notes[:MAX_ACCESS_NOTES],
            "slot_id": slot_id,
        }
        response = self._request("POST", "/v1/bookings", body=body, idempotency_key=idempotency_key)
        return _booking(self._json(response))

    def change(self, booking_id: str, slot_id: str, *, idempotency_key: str) -> base.Booking:
        path = f"/v1/bookings/{_segment(booking_id)}"
        response = self._request("PUT", path, body={"slot_id": slot_id}, idempotency_key=idempotency_key)
        return _booking(self._json(response))

    def cancel(self, booking_id: str, *, idempotency_key: str) -> None:
        self._request("DELETE", f"/v1/bookings/{_segment(booking_id)}", idempotency_key=idempotency_key)

    # --- HTTP ---------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
    ) -> httpx.Response:
        """One API call, tried again on 429, 5xx, timeouts and connection failures; the
        same body and key on every attempt."""
        if not self.config.api_key:
            raise base.SystemRefused("repairs system: no API key is set (REPAIRS_SYSTEM_API_KEY)")
        if not _https_or_loopback(self.base_url):
            raise base.SystemRefused(
                f"repairs system: the API address {self.base_url!r} must be https (or http to this machine)"
            )
        headers = {"Authorization": f"Bearer {self.config.api_key}", "Accept": "application/json"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_header(idempotency_key)
        content = None
        if body is not None:
            content = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        what = f"{method} {path}"
        failure = ""
        client = self._own_client or _client()
        for attempt in range(1, self.max_attempts + 1):
            wait = _backoff(attempt, self.config.max_wait_seconds)
            try:
                response = client.request(
                    method, self.base_url + path, params=params, content=content, headers=headers, timeout=self._timeout
                )
            except (httpx.InvalidURL, httpx.UnsupportedProtocol):
                raise base.SystemRefused(f"repairs system: the API address {self.base_url!r} is not a URL") from None
            except httpx.HTTPError as exc:  # timeouts, refused connections, dropped answers
                failure = type(exc).__name__
            else:
                status = response.status_code
                if status == 429 or status >= 500 or _in_progress(response):
                    failure = f"HTTP {status}"
                    retry_after = _retry_after(response)
                    if retry_after is not None and retry_after > self.config.max_wait_seconds:
                        log.warning("repairs system: %s: %s, asked to wait %.0f s", what, failure, retry_after)
                        raise base.SystemUnavailable(
                            f"repairs system {what}: {failure}; asked to wait {retry_after:.0f} s"
                        )
                    if retry_after is not None:
                        wait = retry_after
                elif status >= 400:
                    raise self._refusal(what, response)
                else:
                    return response
            if attempt < self.max_attempts:
                log.info("repairs system: %s: %s (attempt %d of %d)", what, failure, attempt, self.max_attempts)
                self._sleep(wait)
        log.warning("repairs system: %s: %s after %d attempts", what, failure, self.max_attempts)
        raise base.SystemUnavailable(f"repairs system {what}: {failure} after {self.max_attempts} attempts")

    def _refusal(self, what: str, response: httpx.Response) -> base.RepairsSystemError:
        status = response.status_code
        error = _error_body(response)
        code = str(error.get("error") or "")
        detail = str(error.get("detail") or "")
        words = f"repairs system refused {what}: HTTP {status}"
        if code:
            words += f" {code}"
        if detail:
            words += f": {detail}"
        words = self._scrub(words)
        if status == 409 and code == "slot_taken":
            return base.SlotTaken(words)
        if status == 404 and code in _NOT_FOUND_CODES:
            return base.NotFound(words)
        if status in (401, 403):
            words += " (the API key is missing, wrong or revoked: REPAIRS_SYSTEM_API_KEY)"
        elif status == 404:
            words += " (is REPAIRS_SYSTEM_URL the API's address?)"
        log.error("%s", words)
        return base.SystemRefused(words)

    def _scrub(self, text: str) -> str:
        key = self.config.api_key
        return text.replace(key, "[API key]") if key else text

    def _json(self, response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise base.SystemRefused(f"repairs system: HTTP {response.status_code} without a JSON body") from None
        if not isinstance(data, dict):
            raise base.SystemRefused("repairs system: the answer is not a JSON object")
        return data


# --- status callbacks (webhooks) ------------------------------------------------------------


def sign_notification(body: bytes, secret: str) -> str:
    """The ``X-Signature`` header for ``body``: "sha256=" and the hex HMAC-SHA256 under ``secret``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), bytes(body), hashlib.sha256).hexdigest()


def verify_notification(body: bytes, signature_header: str | None, secret: str) -> dict[str, Any] | None:
    """A status callback from the contractor, as a dict (``event_id``, ``booking_id``,
    ``job_ref``, ``status``, ``at``, ``note``), or None when it is not to be believed: no
    secret set, the signature missing or wrong (compared in constant time), or the signed
    body not a JSON object with ``event_id``, ``booking_id`` and ``status`` as strings.

    A status not in ``NOTIFICATION_STATUSES`` is returned as it came: the route records it
    and answers 2xx, so a newer contractor's word is not sent again and again. The same
    ``event_id`` twice is a repeat delivery: the route acts on it once."""
    if not secret or not signature_header:
        return None
    given = signature_header.strip()
    if not given.lower().startswith("sha256="):
        return None
    given = given[len("sha256=") :].strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", given):
        return None
    expected = hmac.new(secret.encode("utf-8"), bytes(body), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        return None
    try:
        message = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        log.warning("repairs system: a signed notification is not JSON")
        return None
    if not isinstance(message, dict):
        return None
    for name in ("event_id", "booking_id", "status"):
        if not isinstance(message.get(name), str) or not message[name]:
            log.warning("repairs system: a signed notification has no %s", name)
            return None
    return message


# --- reading the answers ---------------------------------------------------------------------


def idempotency_header(key: str) -> str:
    """The portal's key as the API accepts it: itself when it is 1 to 255 printable ASCII
    characters, else its SHA-256 in hex (the same key always gives the same header)."""
    if IDEMPOTENCY_KEY.fullmatch(key or ""):
        return key
    return hashlib.sha256((key or "").encode("utf-8")).hexdigest()


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None  # the API sends an offset; a local time without one could be either side of a clock change
    return moment.astimezone(UTC)


def _slot(item: Any) -> base.Slot | None:
    if not isinstance(item, dict):
        return None
    slot_id = item.get("slot_id")
    starts, ends = _moment(item.get("starts_at")), _moment(item.get("ends_at"))
    if not isinstance(slot_id, str) or not slot_id or starts is None or ends is None or ends <= starts:
        return None
    return base.Slot(slot_id=slot_id, starts_at=starts, ends_at=ends)


def _booking(answer: Mapping[str, Any]) -> base.Booking:
    booking_id, job_ref, slot = answer.get("booking_id"), answer.get("job_ref"), _slot(answer.get("slot"))
    if not isinstance(booking_id, str) or not booking_id or not isinstance(job_ref, str) or slot is None:
        raise base.SystemRefused("repairs system: the booking came back without its booking_id, job_ref or slot")
    return base.Booking(booking_id=booking_id, slot=slot, job_ref=job_ref)


def _segment(booking_id: str) -> str:
    if not booking_id:
        raise base.NotFound("repairs system: no booking id")
    return quote(booking_id, safe="")


def _https_or_loopback(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return True  # not a URL at all: the request says so
    if parts.scheme != "http":
        return True
    return parts.hostname in ("localhost", "127.0.0.1", "::1")


def _backoff(attempt: int, limit: float) -> float:
    wait = min(limit, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
    return wait + random.uniform(0, wait / 4) if wait < limit else limit


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


def _in_progress(response: httpx.Response) -> bool:
    """409 ``request_in_progress``: an earlier attempt with this key is still being done
    (its answer lost on the way, this one came too soon): wait, then ask again."""
    return response.status_code == 409 and _error_body(response).get("error") == "request_in_progress"


def _error_body(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


__all__ = [
    "NOTIFICATION_STATUSES",
    "SIGNATURE_HEADER",
    "HttpConfig",
    "HttpRepairsSystem",
    "idempotency_header",
    "sign_notification",
    "verify_notification",
]
