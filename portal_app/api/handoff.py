"""The HTTP responses that set and clear the portal's HttpOnly cookies.

A websocket event cannot set a cookie the page's scripts cannot read, so every step
that changes who the browser is goes through a plain navigation to one of these:

* ``GET /api/handoff?code=...``: a sign-in step that succeeded over the websocket
  (password, second factor, registration's code) left its cookies under a single-use
  code (``services/identity/handoff.py``); this response sets them, with the scripts'
  signed-in hint when a session starts, and sends the browser on (``303``). A code
  that is unknown, used, a minute old or from another address sets nothing and goes to
  the sign-in page, which says to sign in again.
* ``GET /api/reset?token=...``: the password reset email's link. The token goes into
  a cookie and the browser to the reset page, so the token is never in the page's
  address, history or state.

The attributes (``HttpOnly``, ``SameSite=Strict``, ``Secure`` and the ``__Host-``
name on https, no lifetime on a kiosk) are ``services/identity/cookies.py``'s.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from portal_app import routes
from portal_app.api.client import arrived_over_https, client_ip_of
from portal_app.clock import utcnow
from portal_app.db import session_scope
from portal_app.services.identity import cookies, handoff


def _redeem(code: str | None, client_ip: str) -> handoff.Handoff | None:
    with session_scope() as s:
        return handoff.redeem(s, code, client_ip=client_ip, now=utcnow())


def set_cookie_headers(response: Response, found: tuple[cookies.SetCookie, ...], *, secure: bool) -> None:
    """Add a ``Set-Cookie`` for each cookie, and the signed-in hint beside a session's."""
    for cookie in found:
        response.headers.append("set-cookie", cookies.header_value(cookie, secure=secure))
        if cookie.kind == cookies.SESSION:
            response.headers.append(
                "set-cookie", cookies.hint_header_value(cookie.value is not None, secure=secure, max_age=cookie.max_age)
            )


def _see_other(location: str) -> Response:
    return Response(status_code=303, headers={"Location": location, "Cache-Control": "no-store"})


async def hand_over(request: Request) -> Response:
    found = await run_in_threadpool(_redeem, request.query_params.get("code"), client_ip_of(request.scope))
    if found is None:
        sign_in = routes.STAFF_SIGN_IN if request.query_params.get("side") == "staff" else routes.SIGN_IN
        return _see_other(routes.with_query(sign_in, again="1"))
    response = _see_other(routes.safe_next(found.next_path))
    set_cookie_headers(response, found.cookies, secure=arrived_over_https(request.scope))
    return response


async def reset_link(request: Request) -> Response:
    token = (request.query_params.get("token") or "")[:200]
    response = _see_other(routes.RESET_PASSWORD)
    if token:
        cookie = cookies.SetCookie(cookies.RESET, token, cookies.RESET_SECONDS)
        set_cookie_headers(response, (cookie,), secure=arrived_over_https(request.scope))
    return response
