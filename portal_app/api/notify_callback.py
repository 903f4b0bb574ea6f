"""``POST /api/notify/callback``: GOV.UK Notify's delivery-status callbacks (docs/notify.md).

Notify posts JSON (``id``, ``reference``, ``to``, ``status``, ``created_at``,
``completed_at``, ``sent_at``, ``notification_type``, ``template_id``,
``template_version``) with ``Authorization: Bearer <token>``, the token set for the
service's callback in Notify and here as ``NOTIFY_CALLBACK_TOKEN``. Believed only when
that token matches, compared in constant time (no token set: nothing is believed). The
body is read up to 16 KiB. Answers: 200 received (for a notification we do not know too,
so Notify does not retry it), 401 a missing or wrong token, 400 not a status message, 413
too large. What it does is ``services/mail/receipts.apply_status``'s.
"""

from __future__ import annotations

import hmac
import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from portal_app.clock import utcnow
from portal_app.db import session_scope
from portal_app.services.mail import receipts
from portal_app.settings import get_settings

MAX_BODY = 16 * 1024


def token_ok(header: str | None, token: str) -> bool:
    """Whether the ``Authorization`` header carries ``token`` as a bearer token (constant time)."""
    if not token or not isinstance(header, str):
        return False
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _act(notification_id: str, status: str) -> str:
    with session_scope() as s:
        return receipts.apply_status(s, notification_id=notification_id, status=status, now=utcnow())


async def callback(request: Request) -> Response:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "too_large"}, status_code=413)
    if not token_ok(request.headers.get("authorization"), get_settings().notify_callback_token):
        return JSONResponse({"error": "unauthorised"}, status_code=401)
    try:
        message = json.loads(body)
    except ValueError:
        message = None
    if not isinstance(message, dict):
        return JSONResponse({"error": "not_a_status_message"}, status_code=400)
    notification_id, status = message.get("id"), message.get("status")
    if not (isinstance(notification_id, str) and isinstance(status, str)) or len(notification_id) > 64:
        return JSONResponse({"error": "not_a_status_message"}, status_code=400)
    outcome = await run_in_threadpool(_act, notification_id, status)
    return JSONResponse({"received": True, "outcome": outcome}, status_code=200)
