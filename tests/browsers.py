"""A browser's connection, for tests that drive states directly: the cookies its
websocket handshake would bring (state/cookie_jar.py) and the host it opened."""

from __future__ import annotations

import uuid

import reflex as rx
from reflex.istate.data import RouterData

from portal_app.services.identity import cookies
from portal_app.state import cookie_jar


def connect(state: rx.State, *, session: str = "", host: str = "portal.example", path: str = "/home", **other) -> str:
    """Give ``state``'s tree a connection of its own, bringing a session cookie
    (``session``) and any other of the portal's cookies (``two_step=...``,
    ``registration=...``, ``reset=...``). Returns the connection's socket id."""
    sid = f"test-{uuid.uuid4().hex}"
    cookie_jar.remember(sid, {cookies.SESSION: session, **other})
    state.router = RouterData.from_router_data(
        {
            "sid": sid,
            "ip": "127.0.0.1",
            "headers": {"host": host, "origin": f"https://{host}", "user-agent": "pytest"},
            "pathname": path,
            "asPath": path,
        }
    )
    return sid
