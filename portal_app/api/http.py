"""Plain HTTP routes (health), and the headers every response carries."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_app import routes
from portal_app.api import downloads
from portal_app.db import schema_is_current


async def health(_request: Request) -> JSONResponse:
    try:
        current, revision, head = schema_is_current()
    except Exception as exc:  # noqa: BLE001 - health reports, never raises
        return JSONResponse({"ok": False, "database": f"unreachable: {type(exc).__name__}"}, status_code=503)
    status = 200 if current else 503
    return JSONResponse({"ok": current, "database_revision": revision, "latest_revision": head}, status_code=status)


def api_app() -> Starlette:
    return Starlette(routes=[
        Route(routes.API_HEALTH, health),
        Route(routes.API_STATEMENT_PDF, downloads.statement_pdf),
        Route(routes.API_STATEMENT_CSV, downloads.statement_csv),
        Route(routes.API_UC_LETTER_PDF, downloads.uc_letter_pdf),
        Route(routes.API_SIGNED_OUT, __import__("portal_app.api.signout", fromlist=["signed_out"]).signed_out),
    ])


def security_headers(app):
    """ASGI middleware: baseline headers on every HTTP response the backend sends."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = {
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"cache-control": b"no-store",
                    b"x-frame-options": b"DENY",
                }
                for key, value in extra.items():
                    if key not in present:
                        headers.append((key, value))
                message["headers"] = headers
            await send(message)

        return await app(scope, receive, send_with_headers)

    return wrapped
