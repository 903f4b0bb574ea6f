"""A local GOV.UK Notify for the texts and email tests: a real HTTP server on 127.0.0.1, on a
port the system picks, started inside the test process. The transport
(``portal_app/integrations/notify.py``, through the ``notifications-python-client``
package) talks to it over HTTP as it would to ``https://api.notifications.service.gov.uk``.

It follows Notify's published API (https://docs.notifications.service.gov.uk/rest-api.html):

* authorisation as Notify checks it: ``Authorization: Bearer <JWT>``, the JWT signed HS256
  with the API key's secret, ``iss`` the service id, ``iat`` within 30 seconds of the
  server's clock (checked with ``notifications_python_client.authentication``, the same
  functions Notify's API uses). A missing header or another scheme: 401 AuthError; a token
  that is not a JWT, for another service, signed with another secret or algorithm, or too
  old or too new: 403 AuthError, with Notify's messages;
* ``POST /v2/notifications/email`` and ``/v2/notifications/sms``: ``template_id`` (a UUID
  of a template this service has, of the right type), ``email_address`` / ``phone_number``
  (a UK mobile), ``personalisation`` (every placeholder of the template), ``reference``;
  201 and Notify's answer (``id``, ``reference``, ``content``, ``uri``, ``template``,
  ``scheduled_for``); otherwise 400 with ``ValidationError`` (the request's shape) or
  ``BadRequestError`` ("Template not found", "Missing personalisation: ...", a template of
  the other type);
* ``GET /v2/notifications/{id}``: the notification as Notify shows it, its ``status``
  ``created`` until a test moves it on (``set_status``); 404 NoResultFound for an unknown
  id, 400 ValidationError for an id that is not a UUID;
* error bodies: ``{"status_code": N, "errors": [{"error": "...", "message": "..."}]}``;
* ``fail_next(status)`` makes the next requests answer 429 RateLimitError or 500;
* callbacks: ``callback(id)`` gives the body and headers Notify would post to the
  service's delivery-status callback (``Authorization: Bearer <callback token>``), and
  ``set_status`` posts it to ``callback_url`` when one is set.

Use: ``with NotifyServer(templates=...) as server:`` then ``server.base_url`` and
``server.api_key``; ``notifications``, ``notification(id)``, ``set_status``, ``requests``.
``NotifyServer.email_template(...)``/``sms_template(...)`` make templates.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from notifications_python_client.authentication import decode_jwt_token, get_token_issuer
from notifications_python_client.errors import TokenAlgorithmError, TokenDecodeError, TokenError, TokenExpiredError

STATUSES = (
    "created",
    "sending",
    "pending",
    "sent",
    "delivered",
    "permanent-failure",
    "temporary-failure",
    "technical-failure",
)
_PLACEHOLDER = re.compile(r"\(\(([^()]+?)\)\)")
_EMAIL = re.compile(r"^[^\s@]+@([^.@\s]+\.)+[^.@\s]+$")


@dataclass
class Template:
    id: str
    type: str  # email | sms
    body: str
    subject: str = ""
    name: str = ""
    version: int = 1

    def placeholders(self) -> list[str]:
        seen: list[str] = []
        for name in _PLACEHOLDER.findall(self.subject + "\n" + self.body):
            if name.strip().lower() not in [s.lower() for s in seen]:
                seen.append(name.strip())
        return seen


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class Notification:
    id: str
    type: str
    template: Template
    to: str
    reference: str | None
    personalisation: dict[str, Any]
    body: str
    subject: str
    created_at: datetime
    status: str = "created"
    sent_at: datetime | None = None
    completed_at: datetime | None = None
    history: list[str] = field(default_factory=list)


class _Error(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message

    def body(self) -> dict[str, Any]:
        return {"status_code": self.status, "errors": [{"error": self.error, "message": self.message}]}


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None


def uk_mobile(number: str) -> str:
    """A UK mobile as Notify normalises it (447...), or ``_Error`` with Notify's words."""
    stripped = re.sub(r"[\s()\-.+]", "", number)
    if not stripped.isdigit():
        raise _Error(400, "ValidationError", "phone_number Must not contain letters or symbols")
    if stripped.startswith("0044"):
        stripped = stripped[4:]
    elif stripped.startswith("44"):
        stripped = stripped[2:]
    elif stripped.startswith("0"):
        stripped = stripped[1:]
    if not stripped.startswith("7"):
        raise _Error(400, "ValidationError", "phone_number Not a UK mobile number")
    if len(stripped) > 10:
        raise _Error(400, "ValidationError", "phone_number Too many digits")
    if len(stripped) < 10:
        raise _Error(400, "ValidationError", "phone_number Not enough digits")
    return "44" + stripped


class NotifyServer:
    """One GOV.UK Notify service with one API key, and its templates."""

    def __init__(
        self,
        *,
        templates: list[Template] | tuple[Template, ...] = (),
        callback_url: str = "",
        callback_token: str = "",
        key_name: str = "doorstep_test",
    ) -> None:
        self.service_id = str(uuid.uuid4())
        self.secret = str(uuid.uuid4())
        self.key_name = key_name
        self.templates = {t.id: t for t in templates}
        self.callback_url = callback_url
        self.callback_token = callback_token
        self.requests: list[Request] = []
        self.notifications: dict[str, Notification] = {}
        self.callbacks_sent: list[tuple[int, dict[str, Any]]] = []
        self._forced: deque[int] = deque()
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- making templates ---------------------------------------------------------------

    @staticmethod
    def email_template(subject: str = "((subject))", body: str = "((body))", name: str = "Portal email") -> Template:
        return Template(str(uuid.uuid4()), "email", body, subject, name)

    @staticmethod
    def sms_template(body: str = "((body))", name: str = "Portal text") -> Template:
        return Template(str(uuid.uuid4()), "sms", body, "", name)

    # --- running ------------------------------------------------------------------------

    @property
    def api_key(self) -> str:
        return f"{self.key_name}-{self.service_id}-{self.secret}"

    def start(self) -> NotifyServer:
        httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        httpd.daemon_threads = True
        httpd.notify = self  # type: ignore[attr-defined]
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

    def __enter__(self) -> NotifyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "start() the server first"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    # --- what a test does ---------------------------------------------------------------

    def fail_next(self, status: int = 500, count: int = 1) -> None:
        """The next ``count`` API requests answer ``status`` (429 or 5xx) and do nothing."""
        with self._lock:
            self._forced.extend([status] * count)

    def notification(self, notification_id: str) -> Notification:
        return self.notifications[notification_id]

    def sent(self, type_: str | None = None) -> list[Notification]:
        return [n for n in self.notifications.values() if type_ is None or n.type == type_]

    def set_status(self, notification_id: str, status: str) -> None:
        """Move a notification on, as Notify does when the provider reports; posts the
        callback when ``callback_url`` is set."""
        assert status in STATUSES, status
        with self._lock:
            found = self.notifications[notification_id]
            found.status = status
            found.history.append(status)
            now = datetime.now(UTC)
            if status != "created":
                found.sent_at = found.sent_at or now
            if status not in ("created", "sending", "pending"):
                found.completed_at = now
        if self.callback_url:
            body, headers = self.callback(notification_id)
            sent = urllib.request.Request(self.callback_url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(sent, timeout=5) as answer:  # noqa: S310 - loopback only, in tests
                    self.callbacks_sent.append((answer.status, json.loads(body)))
            except urllib.error.HTTPError as exc:
                self.callbacks_sent.append((exc.code, json.loads(body)))

    def callback(self, notification_id: str, *, token: str | None = None) -> tuple[bytes, dict[str, str]]:
        """The delivery-status callback Notify posts for the notification as it is now."""
        n = self.notifications[notification_id]
        body = {
            "id": n.id,
            "reference": n.reference,
            "to": n.to,
            "status": n.status,
            "created_at": _iso(n.created_at),
            "completed_at": _iso(n.completed_at),
            "sent_at": _iso(n.sent_at),
            "notification_type": n.type,
            "template_id": n.template.id,
            "template_version": n.template.version,
        }
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.callback_token if token is None else token}",
        }
        return json.dumps(body).encode(), headers

    # --- the API --------------------------------------------------------------------------

    def dispatch(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        try:
            body: Any = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        with self._lock:
            self.requests.append(Request(method, path, headers, body))
            forced = self._forced.popleft() if self._forced else None
        try:
            self._authorise(headers)
            if forced == 429:
                raise _Error(
                    429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds"
                )
            if forced is not None:
                raise _Error(forced, "Exception", "Internal server error")
            return self._route(method, path.split("?", 1)[0], body)
        except _Error as exc:
            return exc.status, exc.body()

    def _authorise(self, headers: dict[str, str]) -> None:
        header = {k.lower(): v for k, v in headers.items()}.get("authorization")
        if not header:
            raise _Error(401, "AuthError", "Unauthorized: authentication token must be provided")
        scheme, _, token = header.partition(" ")
        if scheme != "Bearer":
            raise _Error(401, "AuthError", "Unauthorized: authentication bearer scheme must be used")
        try:
            issuer = get_token_issuer(token)
        except TokenDecodeError:
            raise _Error(403, "AuthError", "Invalid token: signature, api token is not valid") from None
        except TokenError:
            raise _Error(403, "AuthError", "Invalid token: iss field not provided") from None
        try:
            uuid.UUID(str(issuer))
        except ValueError:
            raise _Error(403, "AuthError", "Invalid token: service id is not the right data type") from None
        if issuer != self.service_id:
            raise _Error(403, "AuthError", "Invalid token: service not found")
        try:
            decode_jwt_token(token, self.secret)
        except TokenExpiredError:
            raise _Error(403, "AuthError", "Error: Your system clock must be accurate to within 30 seconds") from None
        except TokenAlgorithmError:
            raise _Error(403, "AuthError", "Invalid token: algorithm used is not HS256") from None
        except TokenError:
            raise _Error(403, "AuthError", "Invalid token: API key not found") from None

    def _route(self, method: str, path: str, body: Any) -> tuple[int, dict[str, Any]]:
        if method == "POST" and path in ("/v2/notifications/email", "/v2/notifications/sms"):
            return 201, self._send(path.rsplit("/", 1)[1], body)
        if method == "GET" and path.startswith("/v2/notifications/"):
            return 200, self._show(path.rsplit("/", 1)[1])
        raise _Error(404, "NoResultFound", "The requested URL was not found on the server.")

    def _send(self, kind: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise _Error(400, "ValidationError", "Invalid JSON supplied in POST data")
        to_field = "email_address" if kind == "email" else "phone_number"
        for required in ("template_id", to_field):
            if required not in body:
                raise _Error(400, "ValidationError", f"{required} is a required property")
        try:
            template_id = str(uuid.UUID(str(body["template_id"])))
        except ValueError:
            raise _Error(400, "ValidationError", "template_id is not a valid UUID") from None
        to = body[to_field]
        if not isinstance(to, str):
            raise _Error(400, "ValidationError", f"{to_field} {to!r} is not of type string")
        if kind == "email":
            if not _EMAIL.match(to):
                raise _Error(400, "ValidationError", "email_address Not a valid email address")
        else:
            uk_mobile(to)
        personalisation = body.get("personalisation") or {}
        if not isinstance(personalisation, dict):
            raise _Error(400, "ValidationError", f"personalisation {personalisation!r} is not of type object")
        reference = body.get("reference")
        if reference is not None and not isinstance(reference, str):
            raise _Error(400, "ValidationError", f"reference {reference!r} is not of type string")
        template = self.templates.get(template_id)
        if template is None:
            raise _Error(400, "BadRequestError", "Template not found")
        if template.type != kind:
            raise _Error(400, "BadRequestError", f"{template.type} template is not suitable for {kind} notification")
        given = {str(k).lower(): v for k, v in personalisation.items()}
        missing = [name for name in template.placeholders() if name.lower() not in given]
        if missing:
            raise _Error(400, "BadRequestError", f"Missing personalisation: {', '.join(missing)}")

        def fill(text: str) -> str:
            return _PLACEHOLDER.sub(lambda m: str(given[m.group(1).strip().lower()]), text)

        found = Notification(
            id=str(uuid.uuid4()),
            type=kind,
            template=template,
            to=to,
            reference=reference,
            personalisation=personalisation,
            body=fill(template.body),
            subject=fill(template.subject) if kind == "email" else "",
            created_at=datetime.now(UTC),
        )
        with self._lock:
            self.notifications[found.id] = found
        content: dict[str, Any] = {"body": found.body}
        if kind == "email":
            content.update(subject=found.subject, from_email="doorstep@notifications.service.gov.uk")
            content["one_click_unsubscribe_url"] = None
        else:
            content["from_number"] = "GOVUK"
        return {
            "id": found.id,
            "reference": reference,
            "content": content,
            "uri": f"{self.base_url}/v2/notifications/{found.id}",
            "template": {
                "id": template.id,
                "version": template.version,
                "uri": f"{self.base_url}/v2/template/{template.id}",
            },
            "scheduled_for": None,
        }

    def _show(self, notification_id: str) -> dict[str, Any]:
        try:
            uuid.UUID(notification_id)
        except ValueError:
            raise _Error(400, "ValidationError", "notification_id is not a valid UUID") from None
        found = self.notifications.get(notification_id)
        if found is None:
            raise _Error(404, "NoResultFound", "No result found")
        return {
            "id": found.id,
            "reference": found.reference,
            "email_address": found.to if found.type == "email" else None,
            "phone_number": found.to if found.type == "sms" else None,
            "line_1": None,
            "line_2": None,
            "line_3": None,
            "line_4": None,
            "line_5": None,
            "line_6": None,
            "postcode": None,
            "postage": None,
            "type": found.type,
            "status": found.status,
            "template": {
                "id": found.template.id,
                "version": found.template.version,
                "uri": f"{self.base_url}/v2/template/{found.template.id}",
            },
            "body": found.body,
            "subject": found.subject or None,
            "created_at": _iso(found.created_at),
            "created_by_name": None,
            "sent_at": _iso(found.sent_at),
            "completed_at": _iso(found.completed_at),
            "scheduled_for": None,
            "one_click_unsubscribe": None,
            "is_cost_data_ready": False,
            "cost_in_pounds": None,
            "cost_details": {},
        }


class _Handler(BaseHTTPRequestHandler):
    server_version = "GOVUKNotifyLocal/1"

    def _handle(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        notify: NotifyServer = self.server.notify  # type: ignore[attr-defined]
        status, body = notify.dispatch(self.command, self.path, dict(self.headers.items()), raw)
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _handle  # noqa: N815 - http.server's names

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet in tests
        return None
