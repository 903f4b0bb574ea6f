"""Officers' single sign-on over HTTP: the two routes the browser passes through.

* ``GET /api/staff/sso/start?next=...``: begins a sign-in with the landlord's identity
  provider (``integrations/oidc.py``), keeps its pending values in the database
  (``services/staff/sso.py``), sets the HttpOnly, ``SameSite=Lax`` cookie that binds them
  to this browser, and sends the browser to the provider (``303``).
* ``GET /api/staff/sso/callback?code=...&state=...``: the provider's answer. The pending
  sign-in is used once, for the browser whose cookie began it; the code is exchanged and
  the ID token checked; the staff member linked to the provider's (issuer, subject)
  gets a new staff session in its HttpOnly cookie and goes on to ``next`` (``303``).
  Anything else goes to the staff sign-in page with ``?sso=<reason>``, which it says in
  words (``sso.MESSAGES``). The pending cookie is cleared once its sign-in is used.

The redirect URI is ``PORTAL_BASE_URL`` + the callback's path, never built from the
request's Host header. The provider is called off the event loop, with short timeouts,
and outside any database transaction. Codes, tokens, state and nonce are never logged.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from portal_app import routes
from portal_app.api.client import arrived_over_https, client_ip_of
from portal_app.api.handoff import set_cookie_headers
from portal_app.clock import utcnow
from portal_app.db import session_scope
from portal_app.integrations import oidc
from portal_app.services.identity import cookies
from portal_app.services.staff import sso
from portal_app.settings import get_settings

log = logging.getLogger("doorstep.staff")

# The callback's query parameters read, and how long each may be (RFC 6749 4.1.2, 4.1.2.1;
# RFC 9207's iss). Anything else the provider adds is ignored.
_CALLBACK_PARAMS = {"code": 2000, "state": 200, "iss": 500, "error": 100}


def redirect_uri() -> str:
    return get_settings().base_url + routes.API_STAFF_SSO_CALLBACK


def _see_other(location: str) -> Response:
    return Response(status_code=303, headers={"Location": location, "Cache-Control": "no-store"})


def _refused(reason: str, *, secure: bool, clear: bool = True) -> Response:
    response = _see_other(routes.staff_sign_in_sso_refused(reason))
    if clear:
        set_cookie_headers(response, (cookies.SetCookie(cookies.STAFF_SSO, None),), secure=secure)
    return response


def _begin(provider: oidc.Provider, next_path: str | None, client_ip: str) -> tuple[str, str] | str:
    """(the provider's URL, the browser cookie's value), or the page's refusal reason."""
    with session_scope() as s:
        if not sso.may_start(s, client_ip, now=utcnow()):
            return sso.BUSY
    try:
        url, pending = provider.begin(redirect_uri())
    except oidc.SignInRefused as refused:
        log.warning("single sign-on could not begin: %s", refused.reason)
        return sso.page_reason(refused.reason)
    with session_scope() as s:
        browser = sso.remember_start(s, pending, next_path=next_path, now=utcnow())
    return url, browser


async def start(request: Request) -> Response:
    secure = arrived_over_https(request.scope)
    provider = oidc.provider_from_settings()
    if provider is None:
        return _refused(sso.UNAVAILABLE, secure=secure)
    next_path = (request.query_params.get("next") or "")[:500] or None
    begun = await run_in_threadpool(_begin, provider, next_path, client_ip_of(request.scope))
    if isinstance(begun, str):
        return _refused(begun, secure=secure)
    url, browser = begun
    response = _see_other(url)
    cookie = cookies.SetCookie(cookies.STAFF_SSO, browser, cookies.STAFF_SSO_SECONDS)
    set_cookie_headers(response, (cookie,), secure=secure)
    return response


def _record_refusal(reason: str, client_ip: str) -> None:
    with session_scope() as s:
        sso.record_refusal(s, reason, now=utcnow(), client_ip=client_ip)


def _redeem(state: str | None, browser: str | None) -> sso.Redeemed | None:
    with session_scope() as s:
        return sso.redeem_start(s, state, browser, now=utcnow())


def _sign_in(identity: oidc.VerifiedIdentity, client: str, client_ip: str) -> sso.SsoSignIn:
    with session_scope() as s:
        return sso.sign_in_verified(s, identity, now=utcnow(), client=client, client_ip=client_ip)


def _callback_query(request: Request) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, limit in _CALLBACK_PARAMS.items():
        value = request.query_params.get(name)
        if value is not None:
            found[name] = value[:limit]
    return found


async def callback(request: Request) -> Response:
    secure = arrived_over_https(request.scope)
    client_ip = client_ip_of(request.scope)
    query = _callback_query(request)
    browser = cookies.ours(request.headers.get("cookie"), secure=secure).get(cookies.STAFF_SSO)

    redeemed = await run_in_threadpool(_redeem, query.get("state"), browser)
    if redeemed is None:
        # Unknown, used (a replay), late, or another browser's: nothing was exchanged. The
        # cookie stays: it may be this browser's own sign-in, still under way.
        await run_in_threadpool(_record_refusal, "no_pending_sign_in", client_ip)
        return _refused(sso.EXPIRED, secure=secure, clear=False)

    provider = oidc.provider_from_settings()
    if provider is None:
        await run_in_threadpool(_record_refusal, "not_configured", client_ip)
        return _refused(sso.UNAVAILABLE, secure=secure)
    try:
        identity = await run_in_threadpool(provider.finish, redeemed.pending, query, redirect_uri(), now=utcnow())
    except oidc.SignInRefused as refused:
        log.info("single sign-on refused: %s", refused.reason)
        await run_in_threadpool(_record_refusal, refused.reason, client_ip)
        return _refused(sso.page_reason(refused.reason), secure=secure)

    client = (request.headers.get("user-agent") or "")[:200]
    outcome = await run_in_threadpool(_sign_in, identity, client, client_ip)
    if outcome.status != "signed_in" or not outcome.token:
        return _refused(outcome.status, secure=secure)
    response = _see_other(sso.staff_next(redeemed.next_path))
    set_cookie_headers(
        response,
        (
            cookies.SetCookie(cookies.STAFF_SSO, None),
            cookies.SetCookie(cookies.STAFF, outcome.token, None),  # gone with the browser
        ),
        secure=secure,
    )
    return response


__all__ = ["callback", "redirect_uri", "start"]
