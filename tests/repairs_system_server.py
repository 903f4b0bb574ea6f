"""A local repairs contractor system for the repairs tests: a real HTTP server on
127.0.0.1, on a port the system picks, started inside the test process. The adapter
(``portal_app/integrations/repairs/http.py``) talks to it over HTTP as it would to a
contractor's system or a bridge in front of one.

It does what ``docs/repairs-system-api.md`` documents, and nothing the document does not
promise:

* bearer-key authentication: ``Authorization: Bearer <api_key>``, else 401
  ``{"error": "unauthorised"}``;
* ``GET /v1/slots?property_ref=&priority=&sor_code=&earliest=&latest=``: the slots with a
  place left that have not started, starting on or after ``earliest`` and ending on or
  before ``latest`` (UK days), soonest first, times in UK local time with their offset
  (``+01:00`` in summer); none for an ``emergency``; 400 ``bad_request`` for a missing or
  unreadable parameter;
* ``POST /v1/bookings``: 201 and the booking; 404 ``slot_not_found``; 409 ``slot_taken``
  (full, or started); 422 ``not_bookable`` for an emergency; 400 ``bad_request``;
* ``PUT /v1/bookings/{id}`` ``{"slot_id"}``: 200 and the booking (the old slot freed);
  404 ``booking_not_found`` (unknown or cancelled) or ``slot_not_found``; 409 ``slot_taken``;
* ``DELETE /v1/bookings/{id}``: 204, a repeat too; 404 ``booking_not_found``;
* the ``Idempotency-Key`` header on every POST, PUT and DELETE (1 to 255 printable ASCII
  characters, else 400): a success is kept under its key for 24 hours (server clock);
  the same key with the same method, path and JSON body answers the kept status and body
  again, doing nothing; the same key with anything else is 422
  ``idempotency_key_reused``. Failures are not kept;
* status callbacks: ``notification`` builds a callback's body and its ``X-Signature``
  (``sha256=`` and the hex HMAC-SHA256 of the body under ``webhook_secret``).

What a test can make happen: ``fail_next`` (the next requests answer 429, a 409
``request_in_progress`` or a 5xx, with a ``Retry-After`` when asked, before the work
is done or after it: ``after_processing``, the booking made and the answer lost),
``drop_next`` (the connection closes without an answer, after the work is done
unless told otherwise), ``stall_next`` (the answer comes only after some real seconds:
a client with a shorter timeout gives up). The server's clock stands still unless a
test moves it (``advance``, ``set_clock``); slots are offered against it.

Use: ``with RepairsSystemServer(now=...) as server:`` (or ``start()``/``stop()``), then
``server.base_url`` and ``server.api_key`` for the adapter; ``add_slot`` and
``open_weekdays`` fill the diary; ``places_left``, ``bookings``, ``booking``,
``requests`` and ``booking_requests`` say what happened.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
PRIORITIES = ("emergency", "urgent", "routine", "planned")
IDEMPOTENCY_KEPT = timedelta(hours=24)
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")
# Field limits (characters), as the API document gives them.
LIMITS = {
    "repair_ref": 64,
    "property_ref": 64,
    "priority": 16,
    "sor_code": 32,
    "summary": 200,
    "access_notes": 1000,
    "slot_id": 128,
}


@dataclass
class _Slot:
    slot_id: str
    starts_at: datetime  # aware
    ends_at: datetime
    capacity: int

    def view(self) -> dict[str, str]:
        return {
            "slot_id": self.slot_id,
            "starts_at": self.starts_at.astimezone(UK).isoformat(),
            "ends_at": self.ends_at.astimezone(UK).isoformat(),
        }


@dataclass
class _Booking:
    booking_id: str
    job_ref: str
    slot_id: str
    job: dict[str, Any]
    cancelled: bool = False


@dataclass(frozen=True)
class ApiRequest:
    """One request the server answered (or dropped: status 0)."""

    method: str
    path: str  # with the query
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class _Forced:
    status: int | None  # None: no status of its own (drop, stall)
    after_processing: bool
    retry_after: str | None
    drop: bool
    stall_seconds: float
    path: str


@dataclass
class _Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    stall_seconds: float = 0.0


def _json_reply(status: int, data: Any, **headers: str) -> _Reply:
    return _Reply(status, json.dumps(data).encode("utf-8"), {"Content-Type": "application/json", **headers})


def _error(status: int, code: str, detail: str = "", **headers: str) -> _Reply:
    data = {"error": code}
    if detail:
        data["detail"] = detail
    return _json_reply(status, data, **headers)


class _Invalid(Exception):
    def __init__(self, reply: _Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


class RepairsSystemServer:
    """One contractor's diary and its API."""

    def __init__(self, *, api_key: str | None = None, webhook_secret: str | None = None, now: datetime | None = None):
        self.api_key = api_key or f"rs_test_{secrets.token_hex(16)}"
        self.webhook_secret = webhook_secret or f"whsec_{secrets.token_hex(16)}"
        self.requests: list[ApiRequest] = []
        self._clock = (now or datetime.now(UTC)).astimezone(UTC)
        self._lock = threading.RLock()
        self._slots: dict[str, _Slot] = {}
        self._bookings: dict[str, _Booking] = {}
        self._kept: dict[str, tuple[str, int, bytes, dict[str, str], datetime]] = {}
        self._forced: deque[_Forced] = deque()
        self._jobs = 0
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- running ---------------------------------------------------------------------------

    def start(self) -> RepairsSystemServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.repairs = self  # type: ignore[attr-defined]
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

    def __enter__(self) -> RepairsSystemServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # --- the clock ---------------------------------------------------------------------------

    def now(self) -> datetime:
        return self._clock

    def set_clock(self, moment: datetime) -> None:
        with self._lock:
            self._clock = moment.astimezone(UTC)

    def advance(self, *, hours: float = 0, seconds: float = 0) -> None:
        with self._lock:
            self._clock += timedelta(hours=hours, seconds=seconds)

    # --- the diary ---------------------------------------------------------------------------

    def add_slot(self, starts_at: datetime, ends_at: datetime, *, capacity: int = 1, slot_id: str | None = None) -> str:
        """One slot with ``capacity`` places; its id (made up unless given)."""
        assert starts_at.tzinfo is not None and ends_at > starts_at
        slot_id = slot_id or f"slot_{uuid.uuid4().hex[:12]}"
        with self._lock:
            self._slots[slot_id] = _Slot(slot_id, starts_at.astimezone(UTC), ends_at.astimezone(UTC), capacity)
        return slot_id

    def open_weekdays(
        self, first: date, last: date, *, capacity: int = 1, closed: frozenset[date] = frozenset()
    ) -> list[str]:
        """A morning (08:00-12:00) and an afternoon (12:00-18:00) slot, UK time, on each
        Monday to Friday from ``first`` to ``last`` not in ``closed``; their ids."""
        ids = []
        day = first
        while day <= last:
            if day.weekday() < 5 and day not in closed:
                for start, end in ((8, 12), (12, 18)):
                    ids.append(
                        self.add_slot(
                            datetime.combine(day, clock_time(start), tzinfo=UK),
                            datetime.combine(day, clock_time(end), tzinfo=UK),
                            capacity=capacity,
                            slot_id=f"{day:%Y%m%d}-{'am' if start == 8 else 'pm'}",
                        )
                    )
            day += timedelta(days=1)
        return ids

    def places_left(self, slot_id: str) -> int:
        with self._lock:
            return self._slots[slot_id].capacity - self._taken(slot_id)

    def bookings(self, *, live_only: bool = True) -> list[dict[str, Any]]:
        with self._lock:
            return [self._booking_view(b) for b in self._bookings.values() if not (live_only and b.cancelled)]

    def booking(self, booking_id: str) -> dict[str, Any]:
        with self._lock:
            return self._booking_view(self._bookings[booking_id])

    def booking_requests(self, method: str = "POST") -> list[ApiRequest]:
        return [r for r in self.requests if r.method == method and r.path.startswith("/v1/bookings")]

    # --- what a test can make happen -----------------------------------------------------------

    def fail_next(
        self,
        count: int = 1,
        status: int = 503,
        *,
        retry_after: str | None = None,
        after_processing: bool = False,
        path: str = "/v1/",
    ) -> None:
        """The next ``count`` requests whose path starts with ``path`` answer ``status``
        (429 ``rate_limited``; 409 ``request_in_progress``, as while an earlier request with
        the same key is still being done; a 5xx), with ``Retry-After`` when given, before
        the work is done, or after it (``after_processing``: done, and the answer lost)."""
        with self._lock:
            for _ in range(count):
                self._forced.append(_Forced(status, after_processing, retry_after, False, 0.0, path))

    def drop_next(self, count: int = 1, *, after_processing: bool = True, path: str = "/v1/") -> None:
        """The next ``count`` requests are done (unless ``after_processing`` is False) and
        the connection is closed without an answer."""
        with self._lock:
            for _ in range(count):
                self._forced.append(_Forced(None, after_processing, None, True, 0.0, path))

    def stall_next(self, count: int = 1, seconds: float = 1.0, *, path: str = "/v1/") -> None:
        """The next ``count`` requests are done but answered only after ``seconds`` (real time)."""
        with self._lock:
            for _ in range(count):
                self._forced.append(_Forced(None, True, None, False, seconds, path))

    # --- status callbacks ----------------------------------------------------------------------

    def notification(
        self,
        booking_id: str,
        status: str,
        note: str = "",
        *,
        event_id: str | None = None,
        secret: str | None = None,
        signed: bool = True,
    ) -> tuple[bytes, dict[str, str]]:
        """A status callback about a booking, as the contractor sends it to
        ``{portal}/api/repairs/notify``: the body and its headers (``X-Signature`` under
        ``secret``, this server's own secret unless given; none when not ``signed``)."""
        with self._lock:
            job_ref = self._bookings[booking_id].job_ref if booking_id in self._bookings else ""
        body = json.dumps(
            {
                "event_id": event_id or f"evt_{uuid.uuid4().hex}",
                "booking_id": booking_id,
                "job_ref": job_ref,
                "status": status,
                "at": self._clock.isoformat(),
                "note": note,
            }
        ).encode("utf-8")
        headers = {"Content-Type": "application/json"}
        if signed:
            headers["X-Signature"] = self.sign(body, secret)
        return body, headers

    def sign(self, body: bytes, secret: str | None = None) -> str:
        key = (self.webhook_secret if secret is None else secret).encode("utf-8")
        return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()

    # --- requests --------------------------------------------------------------------------------

    def dispatch(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Reply:
        with self._lock:
            try:
                reply = self._answer(method, target, headers, body)
            except Exception as exc:  # a bug here: say so, rather than drop the connection
                reply = _error(500, "server_bug", repr(exc))
            self.requests.append(ApiRequest(method, target, headers, body, 0 if reply.drop else reply.status))
            return reply

    def _answer(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Reply:
        path = urlsplit(target).path
        forced = self._forced[0] if self._forced and path.startswith(self._forced[0].path) else None
        if forced is not None:
            self._forced.popleft()
            if not forced.after_processing:
                return self._forced_reply(forced)
        reply = self._api(method, target, headers, body)
        if forced is not None:
            if forced.status is None and not forced.drop:
                reply.stall_seconds = forced.stall_seconds
            else:
                reply = self._forced_reply(forced)
        return reply

    def _forced_reply(self, forced: _Forced) -> _Reply:
        if forced.drop:
            return _Reply(0, drop=True)
        assert forced.status is not None
        extra = {"Retry-After": forced.retry_after} if forced.retry_after else {}
        if forced.status == 429:
            return _error(429, "rate_limited", "Too many requests", **extra)
        if forced.status == 409:  # the same key's first request is still being done
            return _error(409, "request_in_progress", "A request with this Idempotency-Key is in progress", **extra)
        if forced.status in (502, 504):  # a proxy's page, not the API's JSON
            return _Reply(
                forced.status, b"<html><body><h1>Bad gateway</h1></body></html>", {"Content-Type": "text/html", **extra}
            )
        return _error(forced.status, "unavailable", "The repairs system is temporarily unavailable", **extra)

    def _api(self, method: str, target: str, headers: dict[str, str], body: bytes) -> _Reply:
        if headers.get("authorization", "") != f"Bearer {self.api_key}":
            return _error(401, "unauthorised", "A valid API key is needed", **{"WWW-Authenticate": "Bearer"})
        parts = urlsplit(target)
        segments = [unquote(s) for s in parts.path.strip("/").split("/")]
        try:
            if segments == ["v1", "slots"]:
                if method != "GET":
                    return _error(405, "method_not_allowed", "", Allow="GET")
                return self._list_slots(parse_qs(parts.query, keep_blank_values=True))
            if segments == ["v1", "bookings"]:
                if method != "POST":
                    return _error(405, "method_not_allowed", "", Allow="POST")
                return self._idempotent(method, parts.path, headers, body, lambda: self._book(headers, body))
            if len(segments) == 3 and segments[:2] == ["v1", "bookings"] and segments[2]:
                booking_id = segments[2]
                if method == "PUT":
                    return self._idempotent(
                        method, parts.path, headers, body, lambda: self._change(booking_id, headers, body)
                    )
                if method == "DELETE":
                    return self._idempotent(method, parts.path, headers, body, lambda: self._cancel(booking_id))
                return _error(405, "method_not_allowed", "", Allow="PUT, DELETE")
        except _Invalid as invalid:
            return invalid.reply
        return _error(404, "not_found", "No such endpoint")

    # --- idempotency -------------------------------------------------------------------------------

    def _idempotent(self, method: str, path: str, headers: dict[str, str], body: bytes, work) -> _Reply:
        key = headers.get("idempotency-key")
        if key is None:
            return _error(400, "bad_request", "The Idempotency-Key header is required")
        if not IDEMPOTENCY_KEY.fullmatch(key):
            return _error(400, "bad_request", "The Idempotency-Key header must be 1 to 255 printable ASCII characters")
        try:
            parsed: Any = json.loads(body) if body else None
        except (ValueError, UnicodeDecodeError):
            parsed = body.hex()
        fingerprint = json.dumps([method, path, parsed], sort_keys=True)
        kept = self._kept.get(key)
        if kept is not None and self._clock - kept[4] < IDEMPOTENCY_KEPT:
            if kept[0] != fingerprint:
                return _error(422, "idempotency_key_reused", "This Idempotency-Key was used for another request")
            return _Reply(kept[1], kept[2], dict(kept[3]))
        reply = work()
        if 200 <= reply.status < 300:
            self._kept[key] = (fingerprint, reply.status, reply.body, dict(reply.headers), self._clock)
        return reply

    # --- the endpoints ------------------------------------------------------------------------------

    def _list_slots(self, query: dict[str, list[str]]) -> _Reply:
        def one(name: str, required: bool = True) -> str | None:
            values = query.get(name)
            if not values or not values[0]:
                if required:
                    raise _Invalid(_error(400, "bad_request", f"{name} is required"))
                return None
            return values[0]

        one("property_ref")
        priority = one("priority")
        one("sor_code", required=False)
        if priority not in PRIORITIES:
            return _error(400, "bad_request", f"priority must be one of {', '.join(PRIORITIES)}")
        try:
            earliest, latest = date.fromisoformat(one("earliest") or ""), date.fromisoformat(one("latest") or "")
        except ValueError:
            return _error(400, "bad_request", "earliest and latest must be dates, YYYY-MM-DD")
        if latest < earliest:
            return _error(400, "bad_request", "latest is before earliest")
        if priority == "emergency":
            return _json_reply(200, {"slots": []})
        found = [
            slot
            for slot in self._slots.values()
            if slot.starts_at > self._clock
            and slot.starts_at.astimezone(UK).date() >= earliest
            and slot.ends_at.astimezone(UK).date() <= latest
            and self._taken(slot.slot_id) < slot.capacity
        ]
        found.sort(key=lambda s: (s.starts_at, s.slot_id))
        return _json_reply(200, {"slots": [slot.view() for slot in found]})

    def _book(self, headers: dict[str, str], body: bytes) -> _Reply:
        request = self._json_body(headers, body)
        job: dict[str, Any] = {}
        for name in ("repair_ref", "property_ref", "priority", "slot_id"):
            job[name] = self._text(request, name, required=True)
        for name in ("summary", "access_notes"):
            job[name] = self._text(request, name, required=False) or ""
        job["sor_code"] = self._text(request, "sor_code", required=False)
        if job["priority"] not in PRIORITIES:
            return _error(400, "bad_request", f"priority must be one of {', '.join(PRIORITIES)}")
        if job["priority"] == "emergency":
            return _error(422, "not_bookable", "Emergency repairs are arranged by phone")
        slot = self._open_slot(job["slot_id"])
        self._jobs += 1
        booking = _Booking(
            booking_id=f"bk_{secrets.token_hex(8)}", job_ref=f"JOB-{self._jobs:06d}", slot_id=slot.slot_id, job=job
        )
        self._bookings[booking.booking_id] = booking
        return _json_reply(201, self._booking_view(booking), Location=f"/v1/bookings/{booking.booking_id}")

    def _change(self, booking_id: str, headers: dict[str, str], body: bytes) -> _Reply:
        request = self._json_body(headers, body)
        slot_id = self._text(request, "slot_id", required=True)
        booking = self._bookings.get(booking_id)
        if booking is None or booking.cancelled:
            return _error(404, "booking_not_found", "No such booking, or it was cancelled")
        if booking.slot_id != slot_id:
            booking.slot_id = self._open_slot(slot_id).slot_id
        return _json_reply(200, self._booking_view(booking))

    def _cancel(self, booking_id: str) -> _Reply:
        booking = self._bookings.get(booking_id)
        if booking is None:
            return _error(404, "booking_not_found", "No such booking")
        booking.cancelled = True
        return _Reply(204)

    # --- inside ---------------------------------------------------------------------------------------

    def _open_slot(self, slot_id: str) -> _Slot:
        slot = self._slots.get(slot_id)
        if slot is None:
            raise _Invalid(_error(404, "slot_not_found", "No such slot"))
        if slot.starts_at <= self._clock:
            raise _Invalid(_error(409, "slot_taken", "The slot has already started"))
        if self._taken(slot_id) >= slot.capacity:
            raise _Invalid(_error(409, "slot_taken", "The slot is full"))
        return slot

    def _taken(self, slot_id: str) -> int:
        return sum(1 for b in self._bookings.values() if b.slot_id == slot_id and not b.cancelled)

    def _booking_view(self, booking: _Booking) -> dict[str, Any]:
        return {
            "booking_id": booking.booking_id,
            "job_ref": booking.job_ref,
            "slot": self._slots[booking.slot_id].view(),
            "status": "cancelled" if booking.cancelled else "booked",
            **{k: v for k, v in booking.job.items() if k != "slot_id"},
        }

    @staticmethod
    def _json_body(headers: dict[str, str], body: bytes) -> dict[str, Any]:
        if not headers.get("content-type", "").lower().startswith("application/json"):
            raise _Invalid(_error(400, "bad_request", "The body must be JSON (Content-Type: application/json)"))
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise _Invalid(_error(400, "bad_request", "The body is not JSON")) from None
        if not isinstance(request, dict):
            raise _Invalid(_error(400, "bad_request", "The body must be a JSON object"))
        return request

    @staticmethod
    def _text(request: dict[str, Any], name: str, *, required: bool) -> str | None:
        value = request.get(name)
        if value is None:
            if required:
                raise _Invalid(_error(400, "bad_request", f"{name} is required"))
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            raise _Invalid(
                _error(400, "bad_request", f"{name} must be a string" + (" and not empty" if required else ""))
            )
        if len(value) > LIMITS[name]:
            raise _Invalid(_error(400, "bad_request", f"{name} must be at most {LIMITS[name]} characters"))
        return value


class _Handler(BaseHTTPRequestHandler):
    server_version = "RepairsSystemLocal/1"

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        system: RepairsSystemServer = self.server.repairs  # type: ignore[attr-defined]
        reply = system.dispatch(self.command, self.path, headers, body)
        if reply.drop:
            self.close_connection = True  # no answer at all: the client sees the connection close
            return
        if reply.stall_seconds:
            time.sleep(reply.stall_seconds)
        try:
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        except OSError:
            pass  # the client gave up (a stalled answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass
