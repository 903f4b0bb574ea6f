"""The warning before a resident's session ends for want of use (issue 13 item 14, WCAG 2.2.1).

The journey shortens this one resident's session to a 1-minute idle limit in the portal's
database (the column kiosk sessions use, ``auth_session.idle_minutes``), so the warning comes
after 30 seconds (half a short limit) and the end after a minute, without changing the
setting for every other journey in the run."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.steps import PASSWORD, VIEWPORTS, accessible, signed_in_resident

FORM = "/requests/new?kind=query"
TYPED = "My rent went up twice in April and I do not know why."


@pytest.fixture
def desktop(browser, portal):
    context = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=portal.base_url, locale="en-GB")
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()


def _shorten_session(portal, email: str) -> None:
    engine = create_engine(portal.database_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE auth_session SET idle_minutes = 1 WHERE ended_at IS NULL AND user_id = "
                "(SELECT id FROM portal_user WHERE email = :email)"
            ),
            {"email": email},
        )
    engine.dispose()


def _last_seen(portal, email: str):
    engine = create_engine(portal.database_url)
    with engine.connect() as conn:
        seen = conn.execute(
            text(
                "SELECT MAX(last_seen_at) FROM auth_session WHERE ended_at IS NULL AND user_id = "
                "(SELECT id FROM portal_user WHERE email = :email)"
            ),
            {"email": email},
        ).scalar_one()
    engine.dispose()
    return seen


def test_a_resident_is_warned_before_being_signed_out_can_stay_and_keeps_what_they_typed(desktop, portal):
    page = desktop
    email = signed_in_resident(page, portal, 7)
    _shorten_session(portal, email)
    page.goto(FORM)
    question = page.get_by_label("Your question")
    expect(question).to_be_visible()
    question.fill(TYPED)

    # The warning: a modal alert dialog, focus inside it, the time left in words.
    dialog = page.get_by_role("alertdialog", name="You will be signed out soon")
    expect(dialog).to_be_visible(timeout=45_000)
    expect(dialog).to_contain_text("You will be signed out in")
    expect(dialog).to_contain_text("seconds")
    expect(page.get_by_role("button", name="Stay signed in")).to_be_focused()
    accessible(page)

    # Escape is "Stay signed in": the dialog closes, focus goes back to the question.
    before = _last_seen(portal, email)
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(question).to_be_focused()
    deadline = time.monotonic() + 10
    while _last_seen(portal, email) == before and time.monotonic() < deadline:
        time.sleep(0.3)
    assert _last_seen(portal, email) != before, "Stay signed in did not keep the session on the server"

    # The second warning: the button itself.
    expect(dialog).to_be_visible(timeout=45_000)
    page.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()
    assert page.url.endswith(FORM)

    # Then nothing more: the session ends, the resident is told why, and signing in again comes
    # back to the same form, with its query and what they typed.
    page.wait_for_url("**/sign-in?**", timeout=90_000)
    expect(page.get_by_text("You were signed out because you did nothing for 30 minutes")).to_be_visible()
    expect(page.get_by_text("We signed you out to protect your account")).to_be_visible()
    accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{FORM}")
    expect(page.get_by_label("Your question")).to_have_value(TYPED)
    expect(page.get_by_text("We kept what you typed before you were signed out")).to_be_visible()
    accessible(page)

    # Sent: the draft is gone.
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    page.wait_for_timeout(1000)
    kept = page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('doorstep-draft:'))")
    assert kept == []
