"""Strict-Transport-Security: sent over https only, and believed from the proxy only when trusted."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from portal_app.api import client, http

HSTS = "max-age=31536000; includeSubDomains"


def _app():
    # Not one of the portal's own paths: after a build the middleware serves those from .web.
    async def home(_r):
        return HTMLResponse("<p>Your rent account</p>")

    return http.security_headers(Starlette(routes=[Route("/test-only/page", home)]))


@pytest.fixture
def proxy_hops(monkeypatch):
    """Set REFLEX_TRUSTED_PROXY_HOPS as the middleware sees it."""

    def set_hops(hops: int) -> None:
        monkeypatch.setattr(client, "_trusted_proxy_hops", lambda: hops)

    set_hops(0)
    return set_hops


def test_a_page_served_over_https_tells_the_browser_to_use_https_for_a_year(proxy_hops):
    response = TestClient(_app(), base_url="https://testserver").get("/test-only/page")
    assert response.status_code == 200
    assert response.headers["strict-transport-security"] == HSTS
    assert "preload" not in response.headers["strict-transport-security"]


def test_a_page_served_over_plain_http_carries_no_hsts_so_localhost_is_never_pinned(proxy_hops):
    response = TestClient(_app(), base_url="http://testserver").get("/test-only/page")
    assert response.status_code == 200
    assert "strict-transport-security" not in response.headers
    assert response.headers["x-content-type-options"] == "nosniff"  # the other headers still there


def test_https_at_a_trusted_proxy_is_believed_and_the_page_carries_hsts(proxy_hops):
    proxy_hops(1)
    client = TestClient(_app(), base_url="http://testserver")
    response = client.get("/test-only/page", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["strict-transport-security"] == HSTS
    # The proxy said it was plain http: no HSTS.
    assert (
        "strict-transport-security" not in client.get("/test-only/page", headers={"X-Forwarded-Proto": "http"}).headers
    )


def test_a_forwarded_https_header_is_ignored_when_the_proxy_is_not_trusted(proxy_hops):
    client = TestClient(_app(), base_url="http://testserver")
    response = client.get("/test-only/page", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200 and response.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in response.headers


def test_behind_one_trusted_proxy_the_scheme_is_the_one_that_proxy_appended_not_the_clients(proxy_hops):
    proxy_hops(1)
    client = TestClient(_app(), base_url="http://testserver")
    # A client's own "https" in front of what the proxy wrote ("http") is not believed.
    response = client.get("/test-only/page", headers={"X-Forwarded-Proto": "https, http"})
    assert response.status_code == 200 and response.headers["x-content-type-options"] == "nosniff"
    assert "strict-transport-security" not in response.headers


def test_the_proxy_is_trusted_exactly_as_far_as_reflex_trusts_it_for_x_forwarded_for():
    from reflex.config import get_config

    assert client._trusted_proxy_hops() == get_config().trusted_proxy_hops
