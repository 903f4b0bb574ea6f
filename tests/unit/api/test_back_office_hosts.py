"""The back office answers only where it may (STAFF_HOSTS, never a kiosk host): elsewhere
its pages and routes are not found (api/http.back_office_hosts_only)."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from portal_app.api.http import api_app, back_office_hosts_only
from portal_app.settings import reset_settings_cache


@pytest.fixture
def only_backoffice_internal(monkeypatch):
    monkeypatch.setenv("STAFF_HOSTS", "backoffice.internal")
    monkeypatch.setenv("KIOSK_HOSTS", "kiosk.office")
    reset_settings_cache()
    yield
    reset_settings_cache()


def _client(host: str) -> TestClient:
    return TestClient(back_office_hosts_only(api_app()), base_url=f"http://{host}")


@pytest.mark.parametrize("path", ["/staff", "/staff/sign-in", "/staff/requests.html", "/api/staff/signed-out"])
def test_on_a_host_that_is_not_a_staff_host_the_back_office_is_not_found(db, only_backoffice_internal, path):
    response = _client("portal.example").get(path, follow_redirects=False)
    assert response.status_code == 404
    assert response.text == "Not found"


def test_on_a_staff_host_the_back_office_answers(db, only_backoffice_internal):
    response = _client("backoffice.internal:3000").get("/api/staff/signed-out", follow_redirects=False)
    assert response.status_code == 303


def test_on_a_kiosk_host_the_back_office_is_never_found_and_the_residents_side_still_answers(
    db, only_backoffice_internal, monkeypatch
):
    monkeypatch.setenv("STAFF_HOSTS", "")
    reset_settings_cache()
    assert _client("kiosk.office").get("/api/staff/signed-out", follow_redirects=False).status_code == 404
    assert _client("kiosk.office").get("/api/signed-out", follow_redirects=False).status_code == 303
    assert _client("portal.example").get("/api/staff/signed-out", follow_redirects=False).status_code == 303
