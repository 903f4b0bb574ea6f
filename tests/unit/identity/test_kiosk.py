"""Kiosk mode: which hosts are kiosks, where the token is kept, how soon the server ends
a kiosk session, and what the sign-out route sends."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
import reflex as rx
from sqlmodel import select
from starlette.testclient import TestClient

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app.api import signout
from portal_app.api.http import api_app
from portal_app.components.boot import boot_script_csp_hash, boot_script_source, boot_scripts
from portal_app.models import AuthSession, PortalUser
from portal_app.services.identity import auth, kiosk, sessions
from portal_app.settings import get_settings
from portal_app.state import session as session_module
from portal_app.state.session import SessionState, page_states
from tests.browsers import connect
from tests.factories import PASSWORD, make_user
from tests.security.handlers import run as _run

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


@pytest.fixture
def kiosk_settings(monkeypatch):
    settings = dataclasses.replace(
        get_settings(), kiosk_hosts=("Kiosk.Northbrook.example", "localhost:3000"), base_url="https://portal.example"
    )
    monkeypatch.setattr(session_module, "get_settings", lambda: settings)
    monkeypatch.setattr(signout, "get_settings", lambda: settings)
    return settings


# --- which hosts are kiosks -------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "kiosk.northbrook.example",
        "KIOSK.Northbrook.Example",
        "kiosk.northbrook.example:443",
        "kiosk.northbrook.example.",
        "localhost",
        "localhost:8000",
        "LOCALHOST:3000",
    ],
)
def test_a_configured_kiosk_host_is_a_kiosk_whatever_its_port_or_case(kiosk_settings, host):
    assert kiosk.is_kiosk_host(host, kiosk_settings) is True


@pytest.mark.parametrize(
    "host",
    [
        "portal.example",
        "127.0.0.1:3000",
        "northbrook.example",
        "kiosk.northbrook.example.evil.example",
        "evil.example:kiosk.northbrook.example",
        "",
        None,
    ],
)
def test_any_other_host_is_not_a_kiosk(kiosk_settings, host):
    assert kiosk.is_kiosk_host(host, kiosk_settings) is False


def test_with_no_kiosk_hosts_configured_nothing_is_a_kiosk():
    settings = dataclasses.replace(get_settings(), kiosk_hosts=())
    assert kiosk.is_kiosk_host("localhost:3000", settings) is False


def test_an_ipv6_kiosk_host_is_matched_without_brackets_or_port():
    settings = dataclasses.replace(get_settings(), kiosk_hosts=("::1",))
    assert kiosk.is_kiosk_host("[::1]:3000", settings) is True
    assert kiosk.is_kiosk_host("[::2]:3000", settings) is False


def test_the_page_host_is_the_origin_of_the_websocket_else_its_host():
    assert kiosk.page_host("https://kiosk.example", "portal.example") == "kiosk.example"
    assert kiosk.page_host("", "portal.example:3000") == "portal.example:3000"
    assert kiosk.page_host("null", "portal.example") == "portal.example"


def test_kiosk_origins_are_allowed_on_the_base_urls_scheme_and_port():
    settings = dataclasses.replace(
        get_settings(), kiosk_hosts=("localhost", "kiosk.example"), base_url="http://127.0.0.1:3000"
    )
    assert kiosk.kiosk_origins(settings) == ("http://localhost:3000", "http://kiosk.example:3000")


# --- the boot script --------------------------------------------------------------


def test_the_boot_script_carries_the_kiosk_hosts_and_timeouts_and_is_one_inline_script(kiosk_settings):
    settings = dataclasses.replace(kiosk_settings, kiosk_idle_seconds=90, kiosk_warning_seconds=20)
    source = boot_script_source(settings)
    assert '["kiosk.northbrook.example", "localhost"]' in source
    assert "idleSeconds: 90, warningSeconds: 20" in source
    assert 'dataset.kiosk = "1"' in source and '"/kiosk.js"' in source
    assert "getRegistrations" in source and "caches.delete" in source
    assert "<" not in source  # nothing that could end the inline script early
    assert boot_script_csp_hash(settings).startswith("'sha256-")
    [script] = boot_scripts()
    assert script.tag == "script"


def test_a_host_name_cannot_break_out_of_the_boot_script():
    settings = dataclasses.replace(get_settings(), kiosk_hosts=("</script><script>alert(1)//",))
    assert "</script" not in boot_script_source(settings).lower()


# --- how long the browser keeps the session cookie -----------------------------


def _session_state(host: str, token: str = "") -> SessionState:
    root = rx.State(_reflex_internal_init=True)
    state = root.substates[SessionState.get_name()]
    connect(state, session=token, host=host)
    return state


def test_on_a_kiosk_host_the_session_cookie_goes_when_the_browser_closes(kiosk_settings):
    state = _session_state("kiosk.northbrook.example")
    assert state._session_cookie_seconds() is None
    assert state._session_idle_minutes() == kiosk_settings.kiosk_session_idle_minutes


def test_on_an_ordinary_host_the_session_cookie_lasts_as_long_as_the_session_may(kiosk_settings):
    state = _session_state("portal.example")
    assert state._session_cookie_seconds() == get_settings().session_absolute_hours * 3600
    assert state._session_idle_minutes() is None


def test_the_session_state_keeps_nothing_in_the_browser_s_storage():
    client_storage = (rx.Cookie, rx.LocalStorage, rx.SessionStorage)
    for cls in [SessionState, *page_states()]:
        stored = [name for name, f in cls.get_fields().items() if isinstance(f.default, client_storage)]
        assert stored == [], f"{cls.__name__} keeps {stored} in the browser, where scripts can read it"


def test_the_token_is_read_from_the_connection_s_cookie_and_from_nowhere_else(kiosk_settings):
    state = _session_state("portal.example", token="tok-home")
    assert state._token() == "tok-home"
    assert _session_state("portal.example")._token() == ""


# --- how soon the server ends a kiosk session -------------------------------------


def test_a_kiosk_session_ends_after_its_own_short_idle_limit(session):
    make_user(session)
    settings = get_settings()
    minutes = settings.kiosk_session_idle_minutes
    outcome = auth.sign_in(
        session, "ada@example.org", PASSWORD, client="kiosk", client_ip="192.0.2.10", now=NOW, idle_minutes=minutes
    )
    session.commit()
    assert session.exec(select(AuthSession)).one().idle_minutes == minutes
    assert sessions.resolve_session(session, outcome.token, now=NOW + timedelta(minutes=minutes) - timedelta(seconds=1))
    session.commit()
    assert sessions.resolve_session(session, outcome.token, now=NOW + timedelta(minutes=2 * minutes)) is None
    session.commit()
    stored = session.exec(select(AuthSession)).one()
    assert stored.ended_reason == "idle"


def test_a_kiosk_session_in_use_is_touched_often_enough_to_outlive_the_screens_timeout(session):
    make_user(session)
    token = sessions.create_session(
        session, session.exec(select(PortalUser)).one().id, client="k", now=NOW, idle_minutes=4
    )
    session.commit()
    # Used every 30 seconds (kiosk.js reports activity that often) for ten minutes: still live.
    at = NOW
    for _ in range(20):
        at += timedelta(seconds=30)
        assert sessions.resolve_session(session, token, now=at) is not None
        session.commit()
    last_seen = session.exec(select(AuthSession)).one().last_seen_at
    assert at - last_seen.replace(tzinfo=at.tzinfo) <= timedelta(seconds=30)


def test_an_ordinary_session_keeps_the_configured_idle_limit(session):
    make_user(session)
    outcome = auth.sign_in(session, "ada@example.org", PASSWORD, client="home", client_ip="192.0.2.10", now=NOW)
    session.commit()
    assert session.exec(select(AuthSession)).one().idle_minutes is None
    later = NOW + timedelta(minutes=get_settings().session_idle_minutes) - timedelta(seconds=1)
    assert sessions.resolve_session(session, outcome.token, now=later) is not None


def test_sign_out_everywhere_counts_an_idle_kiosk_session_as_already_over(session):
    user = make_user(session)
    sessions.create_session(session, user.id, client="kiosk", now=NOW, idle_minutes=4)
    sessions.create_session(session, user.id, client="home", now=NOW)
    session.commit()
    assert sessions.sign_out_everywhere(session, user.id, now=NOW + timedelta(minutes=10)) == 1


# --- sign-out ---------------------------------------------------------------------


def test_sign_out_on_a_kiosk_ends_the_server_session_and_clears_the_token(session, kiosk_settings):
    user = make_user(session)
    token = sessions.create_session(session, user.id, client="kiosk", now=NOW, idle_minutes=4)
    session.commit()
    state = _session_state("kiosk.northbrook.example", token=token)
    result = _run(SessionState.event_handlers["sign_out"].fn(state))
    assert state.signed_in is False
    session.expire_all()
    assert session.exec(select(AuthSession)).one().ended_reason == "signed_out"
    assert "/api/signed-out" in str(result) and "location.assign" in str(result)


def test_sign_out_with_no_session_still_clears_and_leaves(kiosk_settings):
    state = _session_state("kiosk.northbrook.example")
    result = _run(SessionState.event_handlers["sign_out"].fn(state))
    assert "/api/signed-out" in str(result)


def test_the_signed_out_route_clears_cache_and_storage_on_a_kiosk_and_lands_on_the_start_page(kiosk_settings):
    client = TestClient(api_app(), base_url="http://kiosk.northbrook.example")
    response = client.get("/api/signed-out", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["clear-site-data"] == '"cache", "storage"'
    assert response.headers["location"] == "/"
    assert response.headers["cache-control"] == "no-store"


def test_the_signed_out_route_clears_only_the_cache_elsewhere_and_lands_on_the_signed_out_page(kiosk_settings):
    client = TestClient(api_app(), base_url="http://portal.example")
    response = client.get("/api/signed-out", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["clear-site-data"] == '"cache"'
    assert response.headers["location"] == "/signed-out"
    everywhere = client.get("/api/signed-out?everywhere=1", follow_redirects=False)
    assert everywhere.headers["location"] == "/signed-out?everywhere=1"
    odd = client.get("/api/signed-out?everywhere=https://evil.example", follow_redirects=False)
    assert odd.headers["location"] == "/signed-out"
