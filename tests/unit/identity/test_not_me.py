""" "Not you?" on the home page (services/identity/auth.py ``not_me``, api/signout.py): every
session ends, a reset link is emailed in words that match what the resident did, and the
browser lands on a page that says what was done and what to do next."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from starlette.testclient import TestClient

from portal_app import routes
from portal_app.api import signout
from portal_app.api.http import api_app
from portal_app.services.identity import auth
from portal_app.settings import get_settings
from tests.factories import make_user
from tests.unit.identity.test_auth import mails, reset_token_from, signed_in_token

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def test_after_saying_a_sign_in_was_not_me_the_email_says_that_is_why_it_came(session):
    user = make_user(session)
    signed_in_token(session, at=NOW)

    auth.not_me(session, user.id, now=NOW + timedelta(minutes=1))
    session.commit()

    [message] = mails(session, "password_reset")
    assert (
        message.subject == f"You told us a sign-in was not you: choose a new password - {get_settings().landlord_name}"
    )
    body = message.body_text
    assert body.startswith("Dear Ada,\n\nYou told us a sign-in to your online account was not you.")
    assert "We have signed your account out on every device" in body
    assert "Someone, probably you, asked" not in body
    assert "Until you choose a new password, your current password still works" in body
    assert f"{get_settings().base_url}{routes.SIGN_IN_HISTORY}" in body
    assert auth.reset_token_is_valid(session, reset_token_from(message), now=NOW + timedelta(minutes=2))


def test_a_forgotten_password_email_still_says_someone_probably_me_asked(session):
    make_user(session)
    auth.request_password_reset(session, "ada@example.org", client_ip="198.51.100.7", now=NOW)
    session.commit()
    [message] = mails(session, "password_reset")
    assert "Someone, probably you, asked" in message.body_text


@pytest.fixture
def portal_host(monkeypatch):
    settings = dataclasses.replace(get_settings(), kiosk_hosts=("kiosk.northbrook.example",))
    monkeypatch.setattr(signout, "get_settings", lambda: settings)
    return settings


def test_after_not_me_the_browser_lands_on_the_page_that_says_what_was_done(portal_host):
    client = TestClient(api_app(), base_url="http://portal.example")
    response = client.get(routes.signed_out_not_me(), follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == routes.SIGNED_OUT_NOT_ME == "/signed-out/not-you"
    kiosk = TestClient(api_app(), base_url="http://kiosk.northbrook.example")
    assert kiosk.get(routes.signed_out_not_me(), follow_redirects=False).headers["location"] == routes.START
