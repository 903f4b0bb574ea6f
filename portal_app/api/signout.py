"""The last step of every sign-out: a real HTTP response that can send Clear-Site-Data.

``SessionState.sign_out`` ends the server session and clears the page's state, then
loads this route as a new document. It answers ``303 See Other`` with

* ``Clear-Site-Data: "cache"`` on an ordinary host: no copy of a private page is kept
  in the browser's HTTP cache (the offline app's own storage is left alone);
* ``Clear-Site-Data: "cache", "storage"`` on a kiosk host (services/identity/kiosk.py): also
  localStorage, sessionStorage, IndexedDB, CacheStorage and service workers, so the
  next person at the screen starts from nothing;

and sends the browser to the signed-out page, or on a kiosk to the start page. The
route ends no session itself (the token is not sent with a plain request), so a link
to it from elsewhere can do no more than empty this browser's own storage.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from portal_app import routes
from portal_app.services.identity.kiosk import is_kiosk_host
from portal_app.settings import get_settings

CLEAR_ORDINARY = '"cache"'
CLEAR_KIOSK = '"cache", "storage"'


def _destination(request: Request, kiosk: bool) -> str:
    if kiosk:
        return routes.START
    if request.query_params.get("everywhere") == "1":
        return routes.signed_out_page(everywhere=True)
    return routes.SIGNED_OUT


async def signed_out(request: Request) -> Response:
    kiosk = is_kiosk_host(request.headers.get("host"), get_settings())
    return Response(
        status_code=303,
        headers={
            "Location": _destination(request, kiosk),
            "Clear-Site-Data": CLEAR_KIOSK if kiosk else CLEAR_ORDINARY,
            "Cache-Control": "no-store",
        },
    )
