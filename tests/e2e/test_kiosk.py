"""Kiosk mode in a real browser: the e2e portal runs with KIOSK_HOSTS=localhost, so
http://localhost:PORT is a shared screen in an office and http://127.0.0.1:PORT is not.

Idle time is fast-forwarded with Playwright's clock (page.clock), so the real
3-minute timeout and 60-second warning are what is tested.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import VIEWPORTS, accessible, signed_in_resident

pytestmark = pytest.mark.e2e

SESSION_COOKIE = "doorstep_session"  # HttpOnly (plain http here; __Host-doorstep_session on https)
# What the framework writes again as soon as the start page loads, none of it about the
# resident: Reflex's per-tab connection id and reload time, React Router's scroll
# positions (sessionStorage), and Reflex's colour mode (localStorage).
FRAMEWORK_SESSION_KEYS = {"token", "reflex_last_reloaded_on_error", "react-router-scroll-positions"}
FRAMEWORK_LOCAL = {"theme": "system"}


@pytest.fixture
def kiosk(browser, portal):
    if not portal.kiosk_url:
        pytest.skip("set E2E_KIOSK_URL to a KIOSK_HOSTS address of the portal under test")
    context = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=portal.kiosk_url, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.clock.install()
    yield page
    context.close()


@pytest.fixture
def ordinary(browser, portal):
    context = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=portal.base_url, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def _register_and_sign_in(page: Page, portal) -> str:
    return signed_in_resident(page, portal, 0)


def _storage(page: Page) -> dict:
    return page.evaluate("""() => ({
        session: Object.fromEntries(Object.keys(sessionStorage).map(k => [k, sessionStorage.getItem(k)])),
        local: Object.fromEntries(Object.keys(localStorage).map(k => [k, localStorage.getItem(k)])),
    })""")


def _leaving_links(page: Page) -> list[str]:
    """Visible links that would take the resident off the portal."""
    return page.evaluate("""() => [...document.querySelectorAll('a[href]')]
        .filter(a => a.offsetParent !== null && getComputedStyle(a).pointerEvents !== 'none')
        .map(a => a.getAttribute('href'))
        .filter(h => /^(mailto|tel|sms):/i.test(h) || new URL(h, location.href).origin !== location.origin)""")


def _start_page_heading(page: Page):
    return page.get_by_role("heading", level=1, name=re.compile("account online"))


def _session_cookie(page: Page) -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == SESSION_COOKIE), None)


def test_a_kiosk_keeps_the_session_only_until_the_browser_closes_warns_before_signing_out_and_leaves_nothing_behind(
    kiosk, portal
):
    page = kiosk
    _register_and_sign_in(page, portal)
    assert page.evaluate("window.doorstep.kiosk") is True
    assert page.evaluate("document.documentElement.dataset.kiosk") == "1"
    finish = page.get_by_role("button", name="Finish and sign out")
    expect(finish).to_be_visible()
    expect(page.get_by_role("button", name="Sign out", exact=True)).to_have_count(0)
    accessible(page)

    # The session is an HttpOnly cookie that ends with the browser; no script can read it.
    cookie = _session_cookie(page)
    assert cookie and cookie["httpOnly"] is True and cookie["sameSite"] == "Strict", cookie
    assert cookie["expires"] == -1, cookie  # a session cookie: no lifetime
    token = cookie["value"]
    assert token not in page.evaluate("document.cookie")
    stored = _storage(page)
    assert token not in str(stored), stored

    card = page.get_by_role("region").filter(has_text="Rent account").first
    reference = re.search(r"Payment reference\s+(\S+)", card.inner_text()).group(1)
    assert _leaving_links(page) == []

    # Statements print on a kiosk, but nothing is downloaded onto it.
    page.get_by_role("link", name=re.compile("^Statements for")).first.click()
    expect(page.get_by_role("heading", name=re.compile("statement$"))).to_be_visible()
    expect(page.get_by_role("button", name="Print this statement")).to_be_visible()
    expect(page.get_by_text("Downloads are switched off on this shared screen")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Download"))).to_have_count(0)
    assert _leaving_links(page) == []
    accessible(page)
    page.get_by_role("link", name="Your accounts").click()
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()

    # Something the resident's visit left in CacheStorage, to see it cleared.
    page.evaluate("caches.open('left-behind').then(c => c.put('/left-behind', new Response('private')))")

    # Two minutes without input: a focused warning with a live countdown.
    page.clock.fast_forward("02:01")
    dialog = page.get_by_role("alertdialog", name="Are you still there?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(re.compile(r"You will be signed out in (59|60) seconds"))
    more = dialog.get_by_role("button", name="I need more time")
    expect(more).to_be_focused()
    accessible(page)
    first = dialog.locator(".kiosk-timeout__count").inner_text()
    page.clock.fast_forward("00:10")
    expect(dialog.locator(".kiosk-timeout__count")).not_to_have_text(first)
    expect(dialog).to_contain_text(re.compile(r"You will be signed out in [45]\d seconds"))

    # "I need more time" keeps the resident in, for another full period.
    more.click()
    expect(dialog).to_have_count(0)
    page.clock.fast_forward("01:30")
    page.wait_for_timeout(1500)
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()
    expect(page.get_by_text(reference).first).to_be_visible()

    # Walking away: the warning, then signed out to the start page.
    page.clock.fast_forward("00:35")
    expect(page.get_by_role("alertdialog", name="Are you still there?")).to_be_visible()
    page.clock.fast_forward("01:01")
    expect(_start_page_heading(page)).to_be_visible()
    assert re.search(r"://localhost:\d+/$", page.url), page.url
    accessible(page)

    # Nothing of the resident's is left on the device.
    stored = _storage(page)
    assert {k: v for k, v in stored["local"].items() if FRAMEWORK_LOCAL.get(k) != v} == {}, stored
    assert set(stored["session"]) - FRAMEWORK_SESSION_KEYS == set(), stored
    assert token not in str(stored)
    assert _session_cookie(page) is None
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0
    assert page.evaluate("caches.keys()") == []

    # Back shows nothing private.
    page.go_back()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text(reference)).to_have_count(0)

    # The server session has ended: the old token no longer opens anything.
    other = page.context.browser.new_context(base_url=portal.kiosk_url, locale="en-GB")
    try:
        other.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": portal.kiosk_url, "httpOnly": True}])
        thief = other.new_page()
        thief.goto("/home")
        expect(thief.get_by_role("heading", name="Sign in")).to_be_visible(timeout=20_000)
        expect(thief.get_by_text(reference)).to_have_count(0)
    finally:
        other.close()


def test_a_half_filled_form_on_a_kiosk_is_cleared_when_the_screen_is_left_alone(kiosk, portal):
    page = kiosk
    page.goto("/register")
    expect(page.get_by_role("heading", name="Register for an account")).to_be_visible()
    expect(page.get_by_role("button", name="Continue")).to_be_enabled()
    expect(page.get_by_role("button", name="Finish and sign out")).to_be_visible()
    accessible(page)
    page.get_by_label("Email address").fill("someone-else@example.com")
    page.get_by_label("Tenancy reference or service charge account number").fill("TEN100001")

    page.clock.fast_forward("02:01")
    dialog = page.get_by_role("alertdialog", name="Are you still there?")
    expect(dialog).to_contain_text(re.compile(r"This screen will be cleared in (59|60) seconds"))
    page.clock.fast_forward("01:01")
    expect(_start_page_heading(page)).to_be_visible()

    page.go_back()
    expect(page.get_by_role("heading", name="Register for an account")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value("")
    expect(page.get_by_label("Tenancy reference or service charge account number")).to_have_value("")


def test_finish_and_sign_out_on_a_kiosk_with_nobody_signed_in_goes_back_to_the_start_page(kiosk, portal):
    page = kiosk
    for path, heading in (("/", None), ("/sign-in", "Sign in"), ("/accessibility", "Accessibility statement")):
        page.goto(path)
        if heading:
            expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
        else:
            expect(_start_page_heading(page)).to_be_visible()
        expect(page.get_by_role("button", name="Finish and sign out")).to_be_visible()
        assert _leaving_links(page) == [], path
    page.get_by_role("button", name="Finish and sign out").click()
    expect(_start_page_heading(page)).to_be_visible()
    assert re.search(r"://localhost:\d+/$", page.url), page.url


def test_signing_out_sends_clear_site_data_storage_on_a_kiosk_and_cache_only_elsewhere(kiosk, ordinary, portal):
    on_kiosk = kiosk.request.get(f"{portal.kiosk_url}/api/signed-out", max_redirects=0)
    assert on_kiosk.status == 303
    assert on_kiosk.headers["clear-site-data"] == '"cache", "storage"'
    assert on_kiosk.headers["location"] == "/"
    elsewhere = ordinary.request.get(f"{portal.base_url}/api/signed-out", max_redirects=0)
    assert elsewhere.status == 303
    assert elsewhere.headers["clear-site-data"] == '"cache"'
    assert elsewhere.headers["location"] == "/signed-out"


def test_on_an_ordinary_host_the_session_cookie_outlives_the_browser_and_there_is_no_kiosk_button(ordinary, portal):
    page = ordinary
    _register_and_sign_in(page, portal)
    assert page.evaluate("window.doorstep.kiosk") is False
    assert page.evaluate("document.documentElement.dataset.kiosk") is None
    expect(page.get_by_role("button", name="Finish and sign out")).to_have_count(0)
    cookie = _session_cookie(page)
    assert cookie and cookie["httpOnly"] is True and cookie["sameSite"] == "Strict", cookie
    assert cookie["expires"] > time.time() + 3600, cookie  # kept across browser restarts, for the session's life
    assert cookie["value"] not in str(_storage(page)) and cookie["value"] not in page.evaluate("document.cookie")
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    assert _session_cookie(page) is None
