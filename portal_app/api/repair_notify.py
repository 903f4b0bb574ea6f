"""``POST /api/repairs/notify``: the contractor's signed status callbacks
(``docs/repairs-system-api.md``, "Status callbacks").

Believed only when ``X-Signature`` is the HMAC-SHA256 of the raw body under
``REPAIRS_NOTIFY_SECRET`` (``integrations/repairs/http.verify_notification``, constant
time; no secret set: nothing is believed). The body is read up to 64 KiB. Answers: 200
received (a repeat of an event too), 401 a missing or wrong signature, 400 not a status
message, 413 too large. What it does is ``services/repairs/contractor.notified``'s, once per
``event_id``.
"""

from __future__ import annotations

import hmac

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal_app.clock import utcnow
from portal_app.db import session_scope
from portal_app.integrations.repairs import http as repairs_http
from portal_app.services.repairs import contractor
from portal_app.settings import get_settings

MAX_BODY = 64 * 1024


def _act(event: dict) -> str:
    with session_scope() as s:
        return contractor.notified(s, event, now=utcnow(), settings=get_settings())


async def notify(request: Request) -> Response:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "too_large"}, status_code=413)
    secret = get_settings().repairs_notify_secret
    event = repairs_http.verify_notification(body, request.headers.get(repairs_http.SIGNATURE_HEADER), secret)
    if event is None:
        # Signed rightly but not a status message: 400. Unsigned or wrongly signed: 401.
        given = (request.headers.get(repairs_http.SIGNATURE_HEADER) or "").strip()
        signed = bool(secret and given) and hmac.compare_digest(given, repairs_http.sign_notification(body, secret))
        if signed:
            return JSONResponse({"error": "not_a_status_message"}, status_code=400)
        return JSONResponse({"error": "bad_signature"}, status_code=401)
    outcome = await run_in_threadpool(_act, event)
    return JSONResponse({"received": True, "outcome": outcome}, status_code=200)
