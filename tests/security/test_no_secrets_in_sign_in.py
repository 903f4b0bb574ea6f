"""No secret in Reflex state on the way in: signing in with a password, with a second
factor, registering, and resetting a password leave no password, token, code or
handoff code in any delta or state file (the scan and the browser are
tests/security/secrets_scan.py and state_browser.py).

Each step that changes who the browser is sends it through the handoff route
(api/handoff.py); here the route's part is ``handoff.redeem`` and the browser's next
page is ``Browser.arrive_with`` the cookies it set. The handoff code itself must reach
the browser (in the script that navigates), and nowhere else."""

from __future__ import annotations

import re
from datetime import date

import pyotp
import pytest
from sqlmodel import Session, select

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app import routes
from portal_app.clock import utcnow
from portal_app.db import session_scope
from portal_app.models import OutboxMessage
from portal_app.pages.accounts.home import HomeState
from portal_app.pages.identity.register import RegisterState
from portal_app.pages.identity.reset_password import ResetPasswordState
from portal_app.pages.identity.sign_in import SignInState
from portal_app.services.identity import auth, cookies, handoff, registration, sessions, two_step
from tests.factories import PASSWORD, make_account, make_party, make_person, make_tenancy, make_user
from tests.security.secrets_scan import assert_nowhere, reached
from tests.security.state_browser import Browser, run_journey


@pytest.fixture
def made(monkeypatch):
    """Every session token, two-step token and handoff code the services make."""
    found: dict[str, list[str]] = {"session": [], "two_step": [], "handoff": []}

    def spy(module, name, kind):
        real = getattr(module, name)

        def wrapper(*args, **kwargs):
            value = real(*args, **kwargs)
            found[kind].append(value)
            return value

        monkeypatch.setattr(module, name, wrapper)

    spy(sessions, "create_session", "session")
    spy(auth, "create_session", "session")
    spy(two_step, "issue_two_step_token", "two_step")
    spy(handoff, "issue", "handoff")
    return found


def _follow(browser: Browser, code: str) -> None:
    """What the handoff route does with the code, then the next page's connection."""
    with session_scope() as s:
        given = handoff.redeem(s, code, client_ip="127.0.0.1", now=utcnow())
    assert given is not None, "the handoff code did not work"
    browser.arrive_with(**{c.kind: c.value or "" for c in given.cookies})


async def _password_step(browser: Browser, made: dict) -> None:
    """Ada types her email and password on the sign-in page; the handoff route does its part."""
    await browser.open(routes.SIGN_IN)
    await browser.run(SignInState, "open_form")
    await browser.run(SignInState, "submit", {"email": "ada@example.org", "password": PASSWORD})
    _follow(browser, made["handoff"][-1])


def test_signing_in_with_a_password_leaves_neither_it_nor_the_session_token_in_any_delta_or_state_file(
    tmp_path, db, made
):
    with Session(db) as s:
        make_user(s, email="ada@example.org")

    async def journey():
        async with Browser(tmp_path) as browser:
            await _password_step(browser, made)
            await browser.open(routes.HOME)
            await browser.run(HomeState, "load")
            return browser, (await browser.state(SignInState)).signed_in

    browser, signed_in = run_journey(journey())
    assert signed_in and len(made["session"]) == 1
    assert reached(made["handoff"][0], browser.events)  # the browser was sent through the route
    assert_nowhere(
        {"the password": PASSWORD, "the session token": made["session"][0], "the handoff code": made["handoff"][0]},
        deltas=browser.deltas,
        pickles=browser.pickles(),
    )


def test_signing_in_with_a_second_factor_leaves_no_waiting_token_code_or_session_token_in_state(tmp_path, db, made):
    key = pyotp.random_base32()
    with Session(db) as s:
        user = make_user(s, email="ada@example.org")
        # Set up with the code of the step before (still accepted), so the code typed at sign-in is a later one.
        assert two_step.confirm_setup(s, user.id, key, pyotp.TOTP(key).at(utcnow().timestamp() - 30), now=utcnow())
        s.commit()
    made["session"].clear()

    async def journey():
        async with Browser(tmp_path) as browser:
            await _password_step(browser, made)
            await browser.open(routes.SIGN_IN_TWO_STEP)
            code = pyotp.TOTP(key).now()
            await browser.run(SignInState, "submit_two_step", {"code": code})
            _follow(browser, made["handoff"][-1])
            await browser.open(routes.HOME)
            await browser.run(HomeState, "load")
            return browser, code

    browser, code = run_journey(journey())
    assert len(made["two_step"]) == 1 and len(made["session"]) == 1 and len(made["handoff"]) == 2
    assert browser.cookies.get(cookies.TWO_STEP) == ""  # the last handoff cleared the waiting sign-in
    assert_nowhere(
        {
            "the password": PASSWORD,
            "the waiting sign-in's token": made["two_step"][0],
            "the code from the app": code,
            "the session token": made["session"][0],
            **{f"handoff code {n + 1}": c for n, c in enumerate(made["handoff"])},
        },
        deltas=browser.deltas,
        pickles=browser.pickles(),
    )


def test_registering_leaves_no_attempt_token_email_code_password_or_session_token_in_state(
    tmp_path, db, made, monkeypatch
):
    with Session(db) as s:
        tenancy = make_tenancy(s, ref="SCANREG1")
        make_account(s, tenancy, ref="SCANREG1-R")
        make_party(s, tenancy, make_person(s, "Sam", "Taylor", dob=date(1980, 2, 1)), "lead_tenant")
        s.commit()
    attempts: list[str] = []
    original = registration.start_registration

    def spy(*args, **kwargs):
        outcome = original(*args, **kwargs)
        attempts.append(outcome.attempt_token)
        return outcome

    monkeypatch.setattr(registration, "start_registration", spy)
    form = {
        "tenancy_reference": "SCANREG1",
        "dob_day": "1",
        "dob_month": "2",
        "dob_year": "1980",
        "email": "sam@example.com",
        "mobile": "07700 900123",
        "password": "plum-kettle-orbit-42",
    }

    async def journey():
        async with Browser(tmp_path) as browser:
            await browser.open(routes.REGISTER)
            await browser.run(RegisterState, "open_form")
            await browser.run(RegisterState, "choose_paper", "no")
            await browser.run(RegisterState, "submit", form)
            _follow(browser, made["handoff"][-1])
            await browser.open(routes.REGISTER_CODE)
            with Session(db) as s:
                mail = s.exec(select(OutboxMessage).where(OutboxMessage.to_address == "sam@example.com")).all()[-1]
            code = re.search(r"^(\d{6})$", mail.body_text, flags=re.MULTILINE).group(1)
            await browser.run(RegisterState, "submit_code", {"code": code})
            _follow(browser, made["handoff"][-1])
            await browser.open(routes.HOME)
            await browser.run(HomeState, "load")
            return browser, code

    browser, code = run_journey(journey())
    assert attempts and attempts[0] and len(made["session"]) == 1
    assert "SCANREG1-R" in "\n".join(browser.deltas)  # signed in: the home page shows the account
    assert_nowhere(
        {
            "the password": form["password"],
            "the attempt's token": attempts[0],
            "the emailed code": code,
            "the session token": made["session"][0],
            **{f"handoff code {n + 1}": c for n, c in enumerate(made["handoff"])},
        },
        deltas=browser.deltas,
        pickles=browser.pickles(),
    )


def test_resetting_a_password_leaves_no_reset_token_or_new_password_in_state(tmp_path, db):
    with Session(db) as s:
        make_user(s, email="ada@example.org")
        auth.request_password_reset(s, "ada@example.org", client_ip="192.0.2.10", now=utcnow())
        s.commit()
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "password_reset")).all()[-1]
    token = re.search(r"\?token=([A-Za-z0-9_\-]+)", mail.body_text).group(1)
    new_password = "quiet-harbour-lantern-77"

    async def journey():
        # The emailed link went through /api/reset, which put the token in a cookie.
        async with Browser(tmp_path, reset=token) as browser:
            await browser.open(routes.RESET_PASSWORD)
            await browser.run(ResetPasswordState, "open_reset")
            ok = (await browser.state(ResetPasswordState)).token_ok
            await browser.run(ResetPasswordState, "choose_password", {"password": new_password})
            return browser, ok, (await browser.state(ResetPasswordState)).done

    browser, token_ok, done = run_journey(journey())
    assert token_ok and done
    assert_nowhere(
        {"the reset token": token, "the new password": new_password}, deltas=browser.deltas, pickles=browser.pickles()
    )
