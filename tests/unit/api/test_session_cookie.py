"""The session cookie: set only by an HTTP response, never readable by the page's scripts,
single-use handoff codes, and cleared by sign-out."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select
from starlette.testclient import TestClient

from portal_app.api.http import api_app
from portal_app.clock import utcnow
from portal_app.models import AuthSession, CookieHandoff
from portal_app.services.identity import cookies, handoff, sessions
from tests.factories import make_user


def _code(db, found, *, next_path="/home", client_ip="testclient", now=None) -> str:
    with Session(db) as s:
        code = handoff.issue(s, found, next_path=next_path, client_ip=client_ip, now=now or utcnow())
        s.commit()
    return code


def _set_cookies(response) -> list[str]:
    return response.headers.get_list("set-cookie")


def _client(https: bool = False) -> TestClient:
    base = "https://portal.example" if https else "http://portal.example"
    return TestClient(api_app(), base_url=base, follow_redirects=False)


def test_the_handoff_route_sets_an_http_only_strict_session_cookie_and_goes_on(db):
    code = _code(db, [cookies.SetCookie(cookies.SESSION, "tok-123", 43200)], next_path="/account?account=X1")
    response = _client().get(f"/api/handoff?code={code}")
    assert response.status_code == 303
    assert response.headers["location"] == "/account?account=X1"
    assert response.headers["cache-control"] == "no-store"
    session_cookie = next(c for c in _set_cookies(response) if c.startswith("doorstep_session="))
    assert session_cookie == "doorstep_session=tok-123; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200"
    hint = next(c for c in _set_cookies(response) if c.startswith("doorstep_signed_in="))
    assert hint.startswith("doorstep_signed_in=1;") and "HttpOnly" not in hint and "tok-123" not in hint


def test_over_https_the_cookie_is_secure_with_a_host_prefix_and_no_domain(db):
    code = _code(db, [cookies.SetCookie(cookies.SESSION, "tok-456", 43200)])
    response = _client(https=True).get(f"/api/handoff?code={code}")
    session_cookie = next(c for c in _set_cookies(response) if "doorstep_session=" in c)
    assert session_cookie.startswith("__Host-doorstep_session=tok-456;")
    for attribute in ("Path=/", "HttpOnly", "SameSite=Strict", "Secure"):
        assert attribute in session_cookie.split("; ")
    assert "Domain" not in session_cookie


def test_a_kiosk_session_cookie_has_no_lifetime_so_it_goes_with_the_browser(db):
    code = _code(db, [cookies.SetCookie(cookies.SESSION, "tok-kiosk", None)])
    response = _client().get(f"/api/handoff?code={code}")
    session_cookie = next(c for c in _set_cookies(response) if c.startswith("doorstep_session="))
    assert "Max-Age" not in session_cookie and "Expires" not in session_cookie


def test_a_handoff_code_works_once_and_then_sends_the_browser_to_sign_in_again(db):
    code = _code(db, [cookies.SetCookie(cookies.SESSION, "tok-once", 60)])
    assert _client().get(f"/api/handoff?code={code}").status_code == 303
    again = _client().get(f"/api/handoff?code={code}")
    assert again.headers["location"] == "/sign-in?again=1"
    assert _set_cookies(again) == []
    with Session(db) as s:  # what it carried is gone from the database once used
        assert s.exec(select(CookieHandoff)).one().cookies_enc == ""


def test_a_staff_sign_ins_code_that_no_longer_works_goes_back_to_the_staff_sign_in_page(db):
    from portal_app import routes

    code = _code(db, [cookies.SetCookie(cookies.STAFF, "tok-staff", None)])
    assert _client().get(routes.handoff(code, staff=True)).status_code == 303
    again = _client().get(routes.handoff(code, staff=True))
    assert again.headers["location"] == "/staff/sign-in?again=1"
    assert _set_cookies(again) == []


def test_a_handoff_code_a_minute_old_or_used_from_another_address_sets_nothing(db):
    late = _code(db, [cookies.SetCookie(cookies.SESSION, "tok-late", 60)], now=utcnow() - timedelta(seconds=61))
    elsewhere = _code(db, [cookies.SetCookie(cookies.SESSION, "tok-far", 60)], client_ip="203.0.113.9")
    for code in (late, elsewhere, "not-a-code", ""):
        response = _client().get(f"/api/handoff?code={code}")
        assert response.headers["location"] == "/sign-in?again=1"
        assert _set_cookies(response) == []


def test_the_handoff_code_is_stored_only_as_a_hash_and_its_cookie_encrypted(db):
    code = _code(db, [cookies.SetCookie(cookies.SESSION, "tok-secret-value", 60)])
    with Session(db) as s:
        row = s.exec(select(CookieHandoff)).one()
    assert code not in row.code_hash and "tok-secret-value" not in row.cookies_enc


def test_the_handoff_route_never_sends_the_browser_to_another_site(db):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example/"):
        code = _code(db, [cookies.SetCookie(cookies.SESSION, "tok", 60)], next_path=target)
        assert _client().get(f"/api/handoff?code={code}").headers["location"] == "/home"


def test_sign_out_ends_the_session_its_cookie_names_and_clears_every_residents_cookie_but_not_staffs(db):
    with Session(db) as s:
        user = make_user(s)
        token = sessions.create_session(s, user.id, client="t", now=utcnow())
        s.commit()
    client = _client()
    client.cookies.set("doorstep_session", token)
    response = client.get("/api/signed-out")
    assert response.status_code == 303
    cleared = {c.split("=", 1)[0]: c for c in _set_cookies(response)}
    for kind in cookies.RESIDENT_KINDS:
        assert "Max-Age=0" in cleared[f"doorstep_{kind}"]
    assert "Max-Age=0" in cleared["doorstep_signed_in"]
    assert "doorstep_staff" not in cleared  # an officer signed in to the back office here stays signed in
    with Session(db) as s:
        assert s.exec(select(AuthSession)).one().ended_reason == "signed_out"


def test_staff_sign_out_ends_the_staff_session_and_clears_only_the_staff_cookie(db):
    from portal_app.services.staff import sessions as staff_sessions
    from tests.factories import make_staff

    with Session(db) as s:
        officer = make_staff(s)
        staff_token = staff_sessions.start(s, officer.id, now=utcnow())
        user = make_user(s)
        resident_token = sessions.create_session(s, user.id, client="t", now=utcnow())
        s.commit()
    client = _client()
    client.cookies.set("doorstep_staff", staff_token)
    client.cookies.set("doorstep_session", resident_token)
    response = client.get("/api/staff/signed-out")
    assert response.status_code == 303
    assert response.headers["location"] == "/staff/sign-in?signed_out=1"
    cleared = {c.split("=", 1)[0]: c for c in _set_cookies(response)}
    assert set(cleared) == {"doorstep_staff"} and "Max-Age=0" in cleared["doorstep_staff"]
    with Session(db) as s:
        assert staff_sessions.resolve(s, staff_token, now=utcnow()) is None
        assert sessions.resolve_session(s, resident_token, now=utcnow()) is not None


def test_the_reset_email_link_keeps_the_token_in_a_cookie_and_out_of_the_page_address(db):
    response = _client().get("/api/reset?token=reset-tok-789")
    assert response.status_code == 303
    assert response.headers["location"] == "/reset-password"
    reset = next(c for c in _set_cookies(response) if c.startswith("doorstep_reset="))
    assert reset.startswith("doorstep_reset=reset-tok-789;") and "HttpOnly" in reset and "SameSite=Strict" in reset


def test_a_reset_link_in_the_older_form_is_redirected_to_the_cookie_route_before_any_page_sees_it():
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from portal_app.api.http import old_reset_links

    pages = Starlette(routes=[Route("/reset-password", lambda request: PlainTextResponse("the page"))])
    client = TestClient(old_reset_links(pages), follow_redirects=False)
    old = client.get("/reset-password?token=old-tok-1")
    assert old.status_code == 303 and old.headers["location"] == "/api/reset?token=old-tok-1"
    assert client.get("/reset-password").text == "the page"  # the page itself, as the new route leaves it
