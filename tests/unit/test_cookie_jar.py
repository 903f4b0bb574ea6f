"""The websocket's handshake cookies: taken out of what Reflex keeps in state, held per
connection, and forgotten when it closes."""

from __future__ import annotations

import pickle

from reflex.app import EventNamespace

import portal_app.portal_app  # noqa: F401  (installs the jar on Reflex's namespace)
from portal_app.state import cookie_jar


def _environ(cookie: str, scheme: str = "ws") -> dict:
    return {
        "asgi.scope": {
            "type": "websocket",
            "scheme": scheme,
            "client": ("198.51.100.7", 50000),
            "headers": [(b"host", b"portal.example"), (b"cookie", cookie.encode())],
        }
    }


def _connect(sid: str, cookie: str, scheme: str = "ws") -> dict:
    namespace = EventNamespace.__new__(EventNamespace)  # the methods under test use no instance state
    return EventNamespace._build_static_router_data(namespace, sid, _environ(cookie, scheme))


def test_the_session_cookie_never_reaches_the_headers_reflex_keeps_in_state():
    data = _connect("sid-1", "doorstep_session=tok-abc; theme=dark")
    assert "cookie" not in data["headers"]
    assert b"tok-abc" not in pickle.dumps(data)
    assert cookie_jar.cookie_of("sid-1", "session") == "tok-abc"


def test_over_wss_only_the_host_prefixed_cookie_is_believed():
    _connect("sid-2", "doorstep_session=planted; __Host-doorstep_session=real", scheme="wss")
    assert cookie_jar.cookie_of("sid-2", "session") == "real"
    _connect("sid-3", "doorstep_session=planted", scheme="wss")
    assert cookie_jar.cookie_of("sid-3", "session") == ""


def test_a_connection_s_cookies_are_forgotten_when_it_closes_and_another_connection_never_sees_them():
    _connect("sid-4", "doorstep_session=tok-4")
    assert cookie_jar.cookie_of("sid-5", "session") == ""
    namespace = EventNamespace.__new__(EventNamespace)
    namespace._client_error_counts, namespace._static_router_data = {}, {}

    class _NoTokens:
        sid_to_token: dict = {}

    namespace._token_manager = _NoTokens()
    EventNamespace.on_disconnect(namespace, "sid-4")
    assert cookie_jar.cookie_of("sid-4", "session") == ""
