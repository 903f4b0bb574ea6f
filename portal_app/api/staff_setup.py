"""``GET /api/staff/set-up?token=...``: the link in a new member of staff's set-up email.

As the residents' reset link does (``api/handoff.reset_link``), it moves the token into an
HttpOnly, ``SameSite=Strict`` cookie (``cookies.STAFF_SETUP``, an hour) and sends the
browser on to the set-up page, so the token is never in the page's address, its history,
its websocket or its state. The set-up page's handlers read the cookie and check the
token themselves (``services/staff/team.py``). On a host the back office does not answer
on, this route is not found (``http.back_office_hosts_only``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal_app import routes
from portal_app.api.client import arrived_over_https
from portal_app.api.handoff import set_cookie_headers
from portal_app.services.identity import cookies


async def set_up_link(request: Request) -> Response:
    token = (request.query_params.get("token") or "")[:200]
    response = Response(status_code=303, headers={"Location": routes.STAFF_SET_UP, "Cache-Control": "no-store"})
    if token:
        cookie = cookies.SetCookie(cookies.STAFF_SETUP, token, cookies.STAFF_SETUP_SECONDS)
        set_cookie_headers(response, (cookie,), secure=arrived_over_https(request.scope))
    return response
