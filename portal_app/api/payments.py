"""The card payment's HTTP steps (``services/payments/card.py`` has the rules).

* ``GET /api/payments/go``: reached through the cookie handoff, which has just put the
  payment's random return key in an HttpOnly, ``SameSite=Lax`` cookie. The resident's
  session cookie must be the payer's. Creates the payment at the provider and sends the
  browser to its card page (303); the card page's address passes through this response
  only, never stored, logged or put in state. A payment already sent (Back, a refresh)
  goes to the receipt page instead, which says what happened.
* ``GET /api/payments/return``: the provider's card page sends the browser here. The
  payment is found by the cookie's key (a top-level navigation from the provider's site
  brings a Lax cookie, never a Strict one), settled from the provider's status, the
  cookie cleared, and the browser sent to the receipt page, whose Reflex state checks
  the session before showing anything.
* ``POST /api/payments/notify/<provider>``: signed notifications (GOV.UK Pay's webhooks).
  A missing or wrong signature is refused (401) and changes nothing; a repeat is
  counted once.

Every provider call runs in a worker thread, never on the event loop.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from portal_app import routes
from portal_app.api.client import arrived_over_https
from portal_app.api.handoff import set_cookie_headers
from portal_app.clock import utcnow
from portal_app.db import get_engine, session_scope
from portal_app.services.identity import cookies, sessions
from portal_app.services.payments import card
from portal_app.settings import get_settings

log = logging.getLogger(__name__)
MAX_NOTIFICATION = 64 * 1024
NOT_FOUND_HTML = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Payment not found</title>
<link rel="stylesheet" href="/styles.css"></head><body><main id="main-content" class="width">
<h1>We could not find that payment</h1>
<p>If you paid, we will email your receipt and the payment will show on your account.
You can check under your account when you sign in.</p>
<p><a href="{href}">Go to your account</a></p></main></body></html>"""


def _see_other(location: str) -> Response:
    return Response(
        status_code=303, headers={"Location": location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


def _jar(request: Request) -> dict[str, str]:
    return cookies.ours(request.headers.get("cookie"), secure=arrived_over_https(request.scope))


def _user_of(token: str | None) -> int | None:
    if not token:
        return None
    with session_scope() as s:
        principal = sessions.resolve_session(s, token, now=utcnow(), touch=False)
        return principal.user_id if principal else None


def _go(return_key: str | None, session_token: str | None) -> card.Go:
    user_id = _user_of(session_token)
    return card.go(get_engine(), return_key, user_id, now=utcnow(), settings=get_settings())


async def go(request: Request) -> Response:
    jar = _jar(request)
    found = await run_in_threadpool(_go, jar.get(cookies.PAYMENT), jar.get(cookies.SESSION))
    if found.next_url:
        return _see_other(found.next_url)
    if found.reference:
        return _see_other(routes.payment_result(found.reference))
    return HTMLResponse(NOT_FOUND_HTML.format(href=routes.HOME), status_code=404, headers={"Cache-Control": "no-store"})


def _returned(return_key: str | None) -> str | None:
    return card.returned(get_engine(), return_key, now=utcnow(), settings=get_settings())


async def returned(request: Request) -> Response:
    reference = await run_in_threadpool(_returned, _jar(request).get(cookies.PAYMENT))
    if reference is None:
        return HTMLResponse(
            NOT_FOUND_HTML.format(href=routes.HOME), status_code=404, headers={"Cache-Control": "no-store"}
        )
    response = _see_other(routes.payment_result(reference))
    set_cookie_headers(response, (cookies.SetCookie(cookies.PAYMENT, None),), secure=arrived_over_https(request.scope))
    return response


def _notified(provider: str, body: bytes, headers: dict[str, str]) -> bool | None:
    return card.notified(get_engine(), provider, body, headers, now=utcnow(), settings=get_settings())


async def notify(request: Request) -> Response:
    body = await request.body()
    if len(body) > MAX_NOTIFICATION:
        return Response(status_code=413)
    provider = request.path_params.get("provider", "")[:20]
    answer = await run_in_threadpool(_notified, provider, body, {k.lower(): v for k, v in request.headers.items()})
    if answer is None:
        log.warning("payment notification refused: provider %r, bad or missing signature", provider)
        return Response(status_code=401)
    return Response(status_code=200)
