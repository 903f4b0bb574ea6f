"""The audit log's export: ``GET /api/staff/audit.csv?...`` (issue 12 section 5).

A plain HTTP route, so it checks for itself what a handler's ``@staff_only`` would: the
request's own back-office cookie (``cookies.STAFF``: HttpOnly, ``SameSite=Strict``, so a
link from another site arrives without it) must name a live staff session whose role
grants ``view_audit``. The search comes as query parameters and is checked again by the
service (``audit_search.from_params``); the export is audited in the same transaction as
it is read. Every refusal looks the same (403). Hosts the back office does not answer
on never reach here (``http.back_office_hosts_only``).
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from portal_app.api.client import arrived_over_https, client_ip_of
from portal_app.clock import utcnow
from portal_app.db import session_scope
from portal_app.services.audit import StaffActor
from portal_app.services.identity import cookies
from portal_app.services.staff import audit_search
from portal_app.services.staff import sessions as staff_sessions

PERMISSION = "view_audit"
REFUSED = "You cannot download the audit log: sign in to the back office with a role that can see it."


def _build(token: str | None, params: dict[str, str], client_ip: str) -> tuple[str, int] | None:
    if not token:
        return None
    query = audit_search.from_params(params)
    if query is None:
        return None
    now = utcnow()
    with session_scope() as s:
        staff = staff_sessions.resolve(s, token, now=now)
        if staff is None or PERMISSION not in staff.permissions:
            return None
        actor = StaffActor(staff_id=staff.staff_id, name=staff.name, client_ip=client_ip or None)
        return audit_search.export(s, query, actor=actor, now=now)


async def audit_csv(request: Request) -> Response:
    token = cookies.ours(request.headers.get("cookie"), secure=arrived_over_https(request.scope)).get(cookies.STAFF)
    params = {k: v for k, v in request.query_params.items()}
    built = await run_in_threadpool(_build, token, params, client_ip_of(request.scope))
    if built is None:
        return PlainTextResponse(REFUSED, status_code=403, headers={"Cache-Control": "no-store"})
    body, _count = built
    stamp = utcnow().strftime("%Y-%m-%d-%H%M")
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="audit-log-{stamp}.csv"'},
    )
