"""The portal's cookies as the websocket's handshake brought them, kept out of Reflex state.

Reflex copies a connection's handshake headers into every event's router data, and
from there into the state it pickles (``.states/`` or Redis): a session cookie left in
them would be written to disk in plain text. So when a websocket connects, the
``Cookie`` header is taken out of the headers Reflex keeps, the portal's own cookies
(``services/identity/cookies.py``) are kept here in memory for that connection, and
they are dropped when it closes. ``SessionState`` reads them by the connection's
socket id (``router.session.session_id``), which Reflex sets from the server side:
an event's payload cannot name another connection's.

Events are handled in the process holding the socket, also with several workers, so
a dictionary per process is enough. A browser that gets a new cookie (sign-in goes
through an HTTP response that sets it) loads a new page, and so opens a new socket.
"""

from __future__ import annotations

from typing import Any

from reflex_base import constants

from portal_app.api.client import arrived_over_https
from portal_app.services.identity import cookies

_jar: dict[str, dict[str, str]] = {}


def cookie_of(sid: str | None, kind: str) -> str:
    """The value of the portal's ``kind`` cookie on the connection ``sid`` ("" when none)."""
    if not sid:
        return ""
    return _jar.get(sid, {}).get(kind, "")


def remember(sid: str, found: dict[str, str]) -> None:
    """Keep a connection's cookies (the handshake's; tests give a state its own)."""
    _jar[sid] = {kind: value for kind, value in found.items() if kind in cookies.KINDS and value}


def forget(sid: str) -> None:
    _jar.pop(sid, None)


def connections() -> int:
    """How many connections' cookies are held (for tests and health)."""
    return len(_jar)


def _take_cookies(data: dict[str, Any], environ: dict) -> dict[str, Any]:
    headers = data.get(constants.RouteVar.HEADERS) or {}
    header = headers.pop("cookie", "")
    scope = environ.get("asgi.scope", {}) or {}
    sid = data.get(constants.RouteVar.SESSION_ID) or ""
    if sid:
        remember(sid, cookies.ours(header, secure=arrived_over_https(scope)))
    return data


def install() -> None:
    """Wrap Reflex's websocket namespace once: cookies out of the headers at connect,
    forgotten at disconnect."""
    from reflex.app import EventNamespace

    if getattr(EventNamespace, "_doorstep_cookie_jar", False):
        return
    build = EventNamespace._build_static_router_data
    disconnect = EventNamespace.on_disconnect

    def _build_static_router_data(self, sid: str, environ: dict) -> dict[str, Any]:
        return _take_cookies(build(self, sid, environ), environ)

    def on_disconnect(self, sid: str):
        forget(sid)
        return disconnect(self, sid)

    EventNamespace._build_static_router_data = _build_static_router_data
    EventNamespace.on_disconnect = on_disconnect
    EventNamespace._doorstep_cookie_jar = True


__all__ = ["connections", "cookie_of", "forget", "install", "remember"]
