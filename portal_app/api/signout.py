"""The last step of every sign-out: a real HTTP response that can send Clear-Site-Data.

``SessionState.sign_out`` ends the server session and clears the page's state, then
loads this route as a new document. It answers ``303 See Other`` with

* ``Clear-Site-Data: "cache"`` on an ordinary host: no copy of a private page is kept
  in the browser's HTTP cache (the offline app's own storage is left alone);
* ``Clear-Site-Data: "cache", "storage"`` on a kiosk host (services/identity/kiosk.py): also
  localStorage, sessionStorage, IndexedDB, CacheStorage and service workers, so the
  next person at the screen starts from nothing;

and sends the browser to the signed-out page (after "Not you?", its own page that says
what was done), or on a kiosk to the start page. It
also ends the session its cookie names (the websocket's handler has normally done so
already) and clears every one of the portal's cookies (``services/identity/cookies.py``),
so the browser holds nothing of the sign-in. The cookies are ``SameSite=Strict``: a
link to this route from another site arrives without them, and can do no more than
empty this browser's own cache.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from portal_app import routes
from portal_app.api.client import arrived_over_https, client_ip_of
from portal_app.api.handoff import set_cookie_headers
from portal_app.clock import utcnow
from portal_app.db import session_scope
from portal_app.services.identity import cookies, sessions
from portal_app.services.identity.kiosk import is_kiosk_host
from portal_app.settings import get_settings

CLEAR_ORDINARY = '"cache"'
CLEAR_KIOSK = '"cache", "storage"'


def _destination(request: Request, kiosk: bool) -> str:
    if kiosk:
        return routes.START
    if request.query_params.get("not_me") == "1":
        return routes.SIGNED_OUT_NOT_ME
    if request.query_params.get("everywhere") == "1":
        return routes.signed_out_page(everywhere=True)
    if request.query_params.get("why") == routes.ENDED_IDLE:
        # The page saw the session end for want of use (assets/session_timeout.js): sign in
        # again, told why, and come back to the page (routes.sign_in keeps it on this site).
        return routes.sign_in(request.query_params.get("next"), why=routes.ENDED_IDLE)
    return routes.SIGNED_OUT


def _end_session(token: str, client_ip: str) -> None:
    with session_scope() as s:
        sessions.sign_out(s, token, now=utcnow(), client_ip=client_ip)


async def signed_out(request: Request) -> Response:
    secure = arrived_over_https(request.scope)
    kiosk = is_kiosk_host(request.headers.get("host"), get_settings())
    token = cookies.ours(request.headers.get("cookie"), secure=secure).get(cookies.SESSION)
    if token:
        await run_in_threadpool(_end_session, token, client_ip_of(request.scope))
    response = Response(
        status_code=303,
        headers={
            "Location": _destination(request, kiosk),
            "Clear-Site-Data": CLEAR_KIOSK if kiosk else CLEAR_ORDINARY,
            "Cache-Control": "no-store",
        },
    )
    set_cookie_headers(response, tuple(cookies.SetCookie(kind, None) for kind in cookies.RESIDENT_KINDS), secure=secure)
    return response


def _end_staff_session(token: str, client_ip: str) -> None:
    from portal_app.services import audit
    from portal_app.services.staff import sessions as staff_sessions

    with session_scope() as s:
        now = utcnow()
        staff_id = staff_sessions.sign_out(s, token, now=now)
        if staff_id is not None:
            audit.record(
                s,
                action=audit.STAFF_SIGNED_OUT,
                actor_kind=audit.STAFF,
                actor_id=staff_id,
                client_ip=client_ip,
                now=now,
            )


async def staff_signed_out(request: Request) -> Response:
    """The back office's sign-out: ends the staff session its cookie names and clears that
    cookie only (a resident's sign-in in the same browser is not touched), drops the
    HTTP cache, and lands on the staff sign-in page."""
    secure = arrived_over_https(request.scope)
    token = cookies.ours(request.headers.get("cookie"), secure=secure).get(cookies.STAFF)
    if token:
        await run_in_threadpool(_end_staff_session, token, client_ip_of(request.scope))
    response = Response(
        status_code=303,
        headers={
            "Location": routes.with_query(routes.STAFF_SIGN_IN, signed_out="1"),
            "Clear-Site-Data": CLEAR_ORDINARY,
            "Cache-Control": "no-store",
        },
    )
    set_cookie_headers(response, (cookies.SetCookie(cookies.STAFF, None),), secure=secure)
    return response
