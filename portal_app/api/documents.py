"""A letter or document from the landlord: ``GET /api/document/{ref}`` (``services/tenancy/letters.py``).

The PDFs are kept in the database, never in a public folder. This route checks for itself
who is asking: the request's own resident session cookie (``cookies.SESSION``) must name a
live session whose resident may see the document (their tenancy's, or addressed to them).
Every refusal is the same 404, so a guessed reference tells nobody whether it exists. The
file is sent as a download (``Content-Disposition: attachment`` with a name made only of
letters, digits and hyphens), never sniffed as anything but a PDF, and nothing keeps a copy
(``private, no-store``): on a shared kiosk the next person cannot find it in the cache.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from portal_app.api.client import arrived_over_https
from portal_app.clock import uk_today, utcnow
from portal_app.db import session_scope
from portal_app.services.identity import cookies, sessions
from portal_app.services.tenancy import letters
from portal_app.settings import get_settings

NOT_FOUND_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


def _find(ref: str, resident_token: str | None) -> tuple[bytes, str] | None:
    if not resident_token:
        return None
    now = utcnow()
    with session_scope() as s:
        principal = sessions.resolve_session(s, resident_token, now=now)
        if principal is None:
            return None
        return letters.document_for(s, principal, ref, today=uk_today(now), settings=get_settings())


async def document(request: Request) -> Response:
    jar = cookies.ours(request.headers.get("cookie"), secure=arrived_over_https(request.scope))
    ref = request.path_params.get("ref", "")
    found = await run_in_threadpool(_find, ref, jar.get(cookies.SESSION))
    if found is None:
        return PlainTextResponse("Not found", status_code=404, headers=NOT_FOUND_HEADERS)
    body, filename = found
    return Response(
        body,
        media_type="application/pdf",
        headers={**NOT_FOUND_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'},
    )
