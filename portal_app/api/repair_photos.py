"""A repair's photo: ``GET /api/repair-photo/{key}`` (``?size=small`` for the thumbnail).

The photos are kept in the database, never in a public folder (``services/repairs/photo_store.py``).
This route checks for itself who is asking: the request's own resident session cookie
(``cookies.SESSION``) for a resident of the home whose repair it is, or the resident whose
draft it is; or the back-office cookie (``cookies.STAFF``) of a live staff session whose role
may see repairs (``manage_repairs``) or residents (``view_resident``). Every refusal is the
same 404, so a guessed key tells nobody whether it exists. Nothing keeps a copy (``no-store``):
on a shared kiosk the next person cannot find it in the browser's cache.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from portal_app.api.client import arrived_over_https
from portal_app.clock import utcnow
from portal_app.db import session_scope
from portal_app.services.identity import cookies, sessions
from portal_app.services.repairs import photo_store
from portal_app.services.staff import sessions as staff_sessions
from portal_app.settings import get_settings

STAFF_PERMISSIONS = ("manage_repairs", "view_resident")


def _find(key: str, resident_token: str | None, staff_token: str | None, small: bool) -> tuple[bytes, str] | None:
    if not resident_token and not staff_token:
        return None
    now = utcnow()
    with session_scope() as s:
        principal = sessions.resolve_session(s, resident_token, now=now) if resident_token else None
        staff = staff_sessions.resolve(s, staff_token, now=now) if staff_token else None
        staff_may = staff is not None and any(p in staff.permissions for p in STAFF_PERMISSIONS)
        return photo_store.photo_for(
            s, key=key, caller=principal, staff_may_see=staff_may, thumbnail=small, now=now, settings=get_settings()
        )


async def repair_photo(request: Request) -> Response:
    jar = cookies.ours(request.headers.get("cookie"), secure=arrived_over_https(request.scope))
    key = request.path_params.get("key", "")
    small = request.query_params.get("size") == "small"
    found = await run_in_threadpool(_find, key, jar.get(cookies.SESSION), jar.get(cookies.STAFF), small)
    if found is None:
        return PlainTextResponse("Not found", status_code=404, headers={"Cache-Control": "no-store"})
    body, media = found
    return Response(body, media_type=media, headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
