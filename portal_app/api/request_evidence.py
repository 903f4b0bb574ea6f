"""A file a resident sent with a request: ``GET /api/evidence/{key}``.

The files are kept in the database, never in a public folder (``services/tenancy/evidence.py``).
This route checks for itself who is asking, as the repair photo route does: the request's
own resident session cookie (``cookies.SESSION``) of the portal user who sent it (draft or
sent), or the back-office cookie (``cookies.STAFF``) of a live staff session whose role
manages requests (``manage_requests``). Every refusal is the same 404, so a guessed key tells
nobody whether it exists. Nothing keeps a copy (``no-store``), the browser is told not to
guess the type (``nosniff``), and a PDF opens as a download named as the resident named it
(``Content-Disposition: attachment``); a photo (a clean JPEG) is shown inline.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from portal_app.api.client import arrived_over_https
from portal_app.clock import utcnow
from portal_app.db import session_scope
from portal_app.services.identity import cookies, sessions
from portal_app.services.staff import sessions as staff_sessions
from portal_app.services.tenancy import evidence

STAFF_PERMISSIONS = ("manage_requests",)


def _find(key: str, resident_token: str | None, staff_token: str | None) -> tuple[bytes, str, str] | None:
    if not resident_token and not staff_token:
        return None
    now = utcnow()
    with session_scope() as s:
        principal = sessions.resolve_session(s, resident_token, now=now) if resident_token else None
        staff = staff_sessions.resolve(s, staff_token, now=now) if staff_token else None
        staff_may = staff is not None and any(p in staff.permissions for p in STAFF_PERMISSIONS)
        return evidence.evidence_for(
            s, key=key, user_id=principal.user_id if principal is not None else None, staff_may_see=staff_may
        )


def _disposition(name: str, media: str) -> str:
    how = "attachment" if media == evidence.PDF else "inline"
    plain = re.sub(r"[^A-Za-z0-9._ -]", "_", name) or "file"
    return f"{how}; filename=\"{plain}\"; filename*=UTF-8''{quote(name or 'file')}"


async def request_evidence(request: Request) -> Response:
    jar = cookies.ours(request.headers.get("cookie"), secure=arrived_over_https(request.scope))
    key = request.path_params.get("key", "")
    found = await run_in_threadpool(_find, key, jar.get(cookies.SESSION), jar.get(cookies.STAFF))
    if found is None:
        return PlainTextResponse("Not found", status_code=404, headers={"Cache-Control": "no-store"})
    body, media, name = found
    return Response(
        body,
        media_type=media,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": _disposition(name, media),
        },
    )
