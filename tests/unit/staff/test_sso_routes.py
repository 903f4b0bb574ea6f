"""Officers' single sign-on through its HTTP routes (api/staff_sso.py, services/staff/sso.py),
against a real OpenID provider: pytest-iam's Canaille server (tests/oidc_provider.py).

Starlette's TestClient is the officer's browser at the portal (it keeps the cookies the
routes set); a second real HTTP client is the same browser at the provider, signing in
on its own login form. Staff are matched on the provider's (issuer, subject), never on
the email; what the officer sees when refused is the staff sign-in page's message.
"""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import reflex as rx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy import update
from sqlmodel import Session, select
from starlette.testclient import TestClient

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app import routes
from portal_app.api import staff_sso
from portal_app.api.http import api_app
from portal_app.clock import utcnow
from portal_app.integrations import oidc
from portal_app.models import AuditEvent, StaffMember, StaffSession, StaffSignInStart
from portal_app.pages.staff.sign_in import StaffSignInState
from portal_app.services import tokens
from portal_app.services.staff import sessions as staff_sessions
from portal_app.services.staff import sso
from portal_app.settings import reset_settings_cache
from tests.browsers import connect
from tests.factories import make_staff
from tests.oidc_provider import (
    fresh_provider_cache,  # noqa: F401 - a fixture
    issuer_of,
    make_officer,
    register_client,
    sign_in_at_provider,
)
from tests.security.handlers import run as _run

pytestmark = pytest.mark.usefixtures("fresh_provider_cache")

PORTAL = "http://testserver"


def _configure(monkeypatch, *, issuer: str, client_id: str = "", client_secret: str = "", base: str = PORTAL):
    monkeypatch.setenv("OIDC_ISSUER", issuer)
    monkeypatch.setenv("OIDC_CLIENT_ID", client_id)
    monkeypatch.setenv("OIDC_CLIENT_SECRET", client_secret)
    monkeypatch.setenv("OIDC_PROVIDER_NAME", "Sign in with Contoso Council account")
    monkeypatch.setenv("PORTAL_BASE_URL", base)
    reset_settings_cache()


@pytest.fixture(autouse=True)
def _settings_back():
    yield
    reset_settings_cache()


@pytest.fixture
def provider_client(iam_server, monkeypatch):
    """The portal registered at the provider, and configured to use it."""
    registration, client = register_client(iam_server, redirect_uri=PORTAL + routes.API_STAFF_SSO_CALLBACK)
    _configure(
        monkeypatch,
        issuer=registration.issuer,
        client_id=registration.client_id,
        client_secret=registration.client_secret,
    )
    return client


@pytest.fixture
def browser(db):
    with TestClient(api_app(), base_url=PORTAL, follow_redirects=False) as client:
        yield client


def _start(browser, next_path: str | None = None):
    response = browser.get(routes.staff_sso_start(next_path))
    assert response.status_code == 303, response.text
    return response


def _sign_in(browser, user_name: str, next_path: str | None = None):
    """Press the button, sign in at the provider, and come back: the callback's response."""
    at_provider = _start(browser, next_path).headers["location"]
    answer = sign_in_at_provider(at_provider, user_name)
    return browser.get(routes.API_STAFF_SSO_CALLBACK, params=answer), answer


def _staff_cookie(response) -> str:
    for header in response.headers.get_list("set-cookie"):
        if header.startswith("doorstep_staff="):
            return header
    return ""


def _staff_sessions(db) -> list[StaffSession]:
    with Session(db) as s:
        return list(s.exec(select(StaffSession)).all())


def _audit(db, action: str) -> list[AuditEvent]:
    with Session(db) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action)).all())


def _linked_staff(db, iam_server, officer, **fields):
    with Session(db, expire_on_commit=False) as s:
        member = make_staff(
            s, oidc_issuer=issuer_of(iam_server), oidc_subject=officer.user_name, name="Priya Natarajan", **fields
        )
        s.commit()
    return member


def _refused_to(response, reason: str) -> None:
    assert response.status_code == 303
    assert response.headers["location"] == routes.staff_sign_in_sso_refused(reason)
    assert _staff_cookie(response) == ""


# --- signing in --------------------------------------------------------------------------


def test_an_officer_linked_to_their_organisation_account_is_signed_in_and_sent_on(
    db, iam_server, provider_client, browser
):
    officer = make_officer(iam_server, provider_client)
    member = _linked_staff(db, iam_server, officer)

    response, _ = _sign_in(browser, officer.user_name, next_path=routes.STAFF_QUEUE)

    assert response.status_code == 303
    assert response.headers["location"] == routes.STAFF_QUEUE
    cookie = _staff_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age" not in cookie
    token = cookie.split(";", 1)[0].split("=", 1)[1]
    with Session(db) as s:
        who = staff_sessions.resolve(s, token, now=utcnow())
    assert who is not None and (who.staff_id, who.name) == (member.id, "Priya Natarajan")
    assert [(row.staff_id, row.method) for row in _staff_sessions(db)] == [(member.id, "sso")]
    line = _audit(db, "staff_signed_in")
    assert [(e.actor_id, json.loads(e.detail)) for e in line] == [(member.id, {"method": "sso"})]
    # The pending sign-in is spent, its secrets wiped, and its cookie cleared.
    with Session(db) as s:
        row = s.exec(select(StaffSignInStart)).one()
    assert row.used_at is not None and row.nonce_enc == "" and row.verifier_enc == ""
    assert any(
        h.startswith("doorstep_staff_sso=;") and "Max-Age=0" in h for h in response.headers.get_list("set-cookie")
    )


def test_the_button_keeps_the_pending_sign_in_on_the_server_behind_a_lax_http_only_cookie(
    db, iam_server, provider_client, browser
):
    response = _start(browser, next_path=routes.STAFF_QUEUE)

    to_provider = urlsplit(response.headers["location"])
    assert f"{to_provider.scheme}://{to_provider.netloc}" == issuer_of(iam_server)
    asked = {k: v[0] for k, v in parse_qs(to_provider.query).items()}
    assert asked["redirect_uri"] == PORTAL + routes.API_STAFF_SSO_CALLBACK
    assert asked["code_challenge_method"] == "S256"
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("doorstep_staff_sso="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=600" in cookie
    browser_value = cookie.split(";", 1)[0].split("=", 1)[1]

    with Session(db) as s:
        row = s.exec(select(StaffSignInStart)).one()
    assert row.state_hash == tokens.hash_token(asked["state"], purpose=sso.STATE_PURPOSE)
    assert tokens.decrypt(row.nonce_enc) == asked["nonce"]
    assert create_s256_code_challenge(tokens.decrypt(row.verifier_enc)) == asked["code_challenge"]
    assert row.browser_hash == tokens.hash_token(browser_value, purpose=sso.BROWSER_PURPOSE)
    assert asked["state"] not in (row.state_hash, browser_value)
    assert (row.next_path, row.expires_at - row.created_at, row.used_at) == (
        routes.STAFF_QUEUE,
        timedelta(minutes=10),
        None,
    )


def test_over_https_the_pending_cookie_is_a_secure_host_cookie(db, iam_server, monkeypatch):
    registration, _ = register_client(iam_server, redirect_uri="https://portal.example/api/staff/sso/callback")
    _configure(
        monkeypatch,
        issuer=registration.issuer,
        client_id=registration.client_id,
        client_secret=registration.client_secret,
        base="https://portal.example",
    )
    with TestClient(api_app(), base_url="https://portal.example", follow_redirects=False) as https_browser:
        response = _start(https_browser)
    cookie = next(h for h in response.headers.get_list("set-cookie") if "staff_sso=" in h)
    assert cookie.startswith("__Host-doorstep_staff_sso=")
    assert "Secure" in cookie and "Path=/" in cookie and "SameSite=Lax" in cookie and "HttpOnly" in cookie


@pytest.mark.parametrize("asked", ["https://evil.example/staff", "//evil.example/staff", routes.HOME, ""])
def test_after_signing_in_an_officer_goes_only_to_a_back_office_page(db, iam_server, provider_client, browser, asked):
    officer = make_officer(iam_server, provider_client)
    _linked_staff(db, iam_server, officer)

    response, _ = _sign_in(browser, officer.user_name, next_path=asked or None)

    assert response.headers["location"] == routes.STAFF_HOME
    assert _staff_cookie(response)


# --- who it may sign in -------------------------------------------------------------------


def test_an_organisation_account_linked_to_no_member_of_staff_is_refused_with_a_plain_message(
    db, iam_server, provider_client, browser
):
    officer = make_officer(iam_server, provider_client)

    response, _ = _sign_in(browser, officer.user_name)

    _refused_to(response, "not_linked")
    assert _staff_sessions(db) == []
    (line,) = _audit(db, "staff_sign_in_failed")
    assert json.loads(line.detail) == {
        "method": "sso",
        "reason": "not_linked",
        "issuer": issuer_of(iam_server),
        "subject": officer.user_name,
    }
    assert sso.message_for("not_linked") == (
        "Your organisation account is not linked to a Doorstep staff account: ask an administrator."
    )


def test_an_organisation_account_with_a_staff_members_email_but_another_subject_is_refused(
    db, iam_server, provider_client, browser
):
    email = "priya.natarajan@northbrook-homes.example"
    officer = make_officer(iam_server, provider_client, email=email)
    with Session(db, expire_on_commit=False) as s:
        member = make_staff(s, email=email, oidc_issuer=issuer_of(iam_server), oidc_subject="someone-else-entirely")
        s.commit()

    response, answer = _sign_in(browser, officer.user_name)
    _refused_to(response, "not_linked")

    # Nor when that member of staff is linked to nobody at the provider.
    with Session(db) as s:
        s.exec(update(StaffMember).where(StaffMember.id == member.id).values(oidc_issuer=None, oidc_subject=None))
        s.commit()
    response, _ = _sign_in(browser, officer.user_name)
    _refused_to(response, "not_linked")
    assert _staff_sessions(db) == []


def test_a_subject_linked_at_another_provider_is_refused(db, iam_server, provider_client, browser):
    officer = make_officer(iam_server, provider_client)
    with Session(db) as s:
        make_staff(s, oidc_issuer="https://login.other-council.example", oidc_subject=officer.user_name)
        s.commit()

    response, _ = _sign_in(browser, officer.user_name)

    _refused_to(response, "not_linked")


def test_a_disabled_member_of_staff_is_refused(db, iam_server, provider_client, browser):
    officer = make_officer(iam_server, provider_client)
    member = _linked_staff(db, iam_server, officer, status="disabled")

    response, _ = _sign_in(browser, officer.user_name)

    _refused_to(response, "disabled")
    assert _staff_sessions(db) == []
    (line,) = _audit(db, "staff_sign_in_failed")
    assert (line.actor_id, json.loads(line.detail)) == (member.id, {"method": "sso", "reason": "disabled"})


# --- the pending sign-in: once, in time, for this browser ----------------------------------


def test_a_callback_with_a_state_we_did_not_send_is_refused_and_the_real_one_still_signs_in(
    db, iam_server, provider_client, browser
):
    officer = make_officer(iam_server, provider_client)
    _linked_staff(db, iam_server, officer)
    answer = sign_in_at_provider(_start(browser).headers["location"], officer.user_name)

    forged = browser.get(routes.API_STAFF_SSO_CALLBACK, params={**answer, "state": oidc._random()})
    _refused_to(forged, "expired")
    missing = browser.get(routes.API_STAFF_SSO_CALLBACK, params={"code": answer["code"]})
    _refused_to(missing, "expired")

    genuine = browser.get(routes.API_STAFF_SSO_CALLBACK, params=answer)
    assert genuine.headers["location"] == routes.STAFF_HOME and _staff_cookie(genuine)


def test_a_replayed_callback_is_refused(db, iam_server, provider_client, browser):
    officer = make_officer(iam_server, provider_client)
    _linked_staff(db, iam_server, officer)
    at_provider = _start(browser).headers["location"]
    pending_cookie = browser.cookies.get("doorstep_staff_sso")
    answer = sign_in_at_provider(at_provider, officer.user_name)
    assert _staff_cookie(browser.get(routes.API_STAFF_SSO_CALLBACK, params=answer))

    # The same answer again, with the pending cookie put back: nothing is exchanged.
    browser.cookies.set("doorstep_staff_sso", pending_cookie)
    replay = browser.get(routes.API_STAFF_SSO_CALLBACK, params=answer)

    _refused_to(replay, "expired")
    assert len(_staff_sessions(db)) == 1


def test_an_answer_brought_back_by_another_browser_is_refused_and_left_for_the_one_that_asked(
    db, iam_server, provider_client, browser
):
    officer = make_officer(iam_server, provider_client)
    _linked_staff(db, iam_server, officer)
    answer = sign_in_at_provider(_start(browser).headers["location"], officer.user_name)

    with TestClient(api_app(), base_url=PORTAL, follow_redirects=False) as other:
        _refused_to(other.get(routes.API_STAFF_SSO_CALLBACK, params=answer), "expired")
        other.cookies.set("doorstep_staff_sso", tokens.new_token())
        _refused_to(other.get(routes.API_STAFF_SSO_CALLBACK, params=answer), "expired")
    assert _staff_sessions(db) == []

    assert _staff_cookie(browser.get(routes.API_STAFF_SSO_CALLBACK, params=answer))


def test_a_sign_in_not_finished_within_ten_minutes_is_refused(db, iam_server, provider_client, browser):
    officer = make_officer(iam_server, provider_client)
    _linked_staff(db, iam_server, officer)
    answer = sign_in_at_provider(_start(browser).headers["location"], officer.user_name)
    with Session(db) as s:
        s.exec(update(StaffSignInStart).values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()

    _refused_to(browser.get(routes.API_STAFF_SSO_CALLBACK, params=answer), "expired")
    assert _staff_sessions(db) == []


# --- the ID token, checked at the callback ------------------------------------------------


def test_an_id_token_carrying_another_nonce_is_refused_at_the_callback(db, iam_server, provider_client, browser):
    officer = make_officer(iam_server, provider_client)
    _linked_staff(db, iam_server, officer)
    answer = sign_in_at_provider(_start(browser).headers["location"], officer.user_name)
    with Session(db) as s:
        s.exec(update(StaffSignInStart).values(nonce_enc=tokens.encrypt(oidc._random())))
        s.commit()

    _refused_to(browser.get(routes.API_STAFF_SSO_CALLBACK, params=answer), "refused")
    assert _staff_sessions(db) == []
    (line,) = _audit(db, "staff_sign_in_failed")
    assert json.loads(line.detail) == {"method": "sso", "reason": "wrong_nonce"}


def test_an_id_token_for_another_audience_is_refused_at_the_callback(db, iam_server, monkeypatch, browser):
    _, someone_else = register_client(iam_server)
    registration, client = register_client(
        iam_server, redirect_uri=PORTAL + routes.API_STAFF_SSO_CALLBACK, audience_of=someone_else
    )
    _configure(
        monkeypatch,
        issuer=registration.issuer,
        client_id=registration.client_id,
        client_secret=registration.client_secret,
    )
    officer = make_officer(iam_server, client)
    _linked_staff(db, iam_server, officer)

    response, _ = _sign_in(browser, officer.user_name)

    _refused_to(response, "refused")
    assert _staff_sessions(db) == []
    assert json.loads(_audit(db, "staff_sign_in_failed")[0].detail)["reason"] == "wrong_audience"


def test_an_expired_id_token_is_refused_at_the_callback(db, iam_server, provider_client, browser, monkeypatch):
    officer = make_officer(iam_server, provider_client)
    _linked_staff(db, iam_server, officer)
    answer = sign_in_at_provider(_start(browser).headers["location"], officer.user_name)
    # The callback's clock two hours on (the provider's ID tokens live one); the pending
    # sign-in is kept alive past that, so it is the token's expiry that refuses.
    later = utcnow() + timedelta(hours=2)
    with Session(db) as s:
        s.exec(update(StaffSignInStart).values(expires_at=later + timedelta(minutes=5)))
        s.commit()
    monkeypatch.setattr(staff_sso, "utcnow", lambda: later)

    _refused_to(browser.get(routes.API_STAFF_SSO_CALLBACK, params=answer), "refused")
    assert _staff_sessions(db) == []
    assert json.loads(_audit(db, "staff_sign_in_failed")[0].detail)["reason"] == "expired"


def test_an_officer_who_cancels_at_the_provider_is_told_so(db, iam_server, provider_client, browser):
    at_provider = _start(browser).headers["location"]
    state = parse_qs(urlsplit(at_provider).query)["state"][0]

    response = browser.get(routes.API_STAFF_SSO_CALLBACK, params={"error": "access_denied", "state": state})

    _refused_to(response, "cancelled")


# --- when single sign-on cannot be used ------------------------------------------------------


def test_with_single_sign_on_off_the_button_route_goes_back_to_the_sign_in_page(db, monkeypatch, browser):
    _configure(monkeypatch, issuer="")

    response = browser.get(routes.staff_sso_start())

    _refused_to(response, "unavailable")
    with Session(db) as s:
        assert s.exec(select(StaffSignInStart)).all() == []


def test_a_provider_that_does_not_answer_sends_the_officer_back_with_a_message(db, monkeypatch, browser):
    _configure(monkeypatch, issuer="http://127.0.0.1:9", client_id="doorstep", client_secret="x")

    response = browser.get(routes.staff_sso_start())

    _refused_to(response, "unavailable")


def test_many_sign_ins_begun_from_one_address_must_wait(db, iam_server, provider_client, browser):
    for _ in range(sso.STARTS_PER_ADDRESS):
        assert urlsplit(_start(browser).headers["location"]).netloc
    _refused_to(browser.get(routes.staff_sso_start()), "busy")


# --- the staff sign-in page ---------------------------------------------------------------


def _sign_in_page(path: str) -> StaffSignInState:
    root = rx.State(_reflex_internal_init=True)
    state = root.get_substate(StaffSignInState.get_full_name().split(".")[1:])
    connect(state, host="testserver", path=path)
    _run(StaffSignInState.event_handlers["open_form"].fn(state))
    return state


def test_the_staff_sign_in_page_shows_the_button_only_when_single_sign_on_is_set_up(db, monkeypatch):
    _configure(monkeypatch, issuer="https://login.contoso.example", client_id="doorstep")
    state = _sign_in_page(routes.staff_sign_in(routes.STAFF_QUEUE))
    assert state.sso_label == "Sign in with Contoso Council account"
    assert state.sso_href == routes.staff_sso_start(routes.STAFF_QUEUE)

    _configure(monkeypatch, issuer="")
    state = _sign_in_page(routes.STAFF_SIGN_IN)
    assert (state.sso_label, state.sso_href) == ("", "")


@pytest.mark.parametrize("reason", sorted(sso.MESSAGES))
def test_the_staff_sign_in_page_says_why_single_sign_on_did_not_sign_in(db, monkeypatch, reason):
    _configure(monkeypatch, issuer="")
    state = _sign_in_page(routes.staff_sign_in_sso_refused(reason))
    assert state.sso_refused == sso.MESSAGES[reason]


def test_an_unknown_reason_on_the_staff_sign_in_page_says_nothing(db, monkeypatch):
    _configure(monkeypatch, issuer="")
    assert _sign_in_page(routes.staff_sign_in_sso_refused("<script>")).sso_refused == ""


# --- what is kept afterwards -----------------------------------------------------------------


def test_single_sign_ons_begun_are_forgotten_a_day_after_they_ended(db, iam_server, provider_client, browser):
    from portal_app.services.staff import jobs

    for _ in range(3):
        _start(browser)
    now = utcnow()
    with Session(db) as s:
        old, late, fresh = s.exec(select(StaffSignInStart.id).order_by(StaffSignInStart.id)).all()
        s.exec(update(StaffSignInStart).where(StaffSignInStart.id == old).values(expires_at=now - timedelta(days=2)))
        s.exec(update(StaffSignInStart).where(StaffSignInStart.id == late).values(expires_at=now - timedelta(hours=2)))
        s.commit()

    assert jobs.purge_sso_starts(engine=db, now=now) == 1
    with Session(db) as s:
        assert s.exec(select(StaffSignInStart.id).order_by(StaffSignInStart.id)).all() == [late, fresh]
