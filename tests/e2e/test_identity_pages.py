"""Registration's code page, "Not you?" and the not-found page, in a real browser with
axe-core (issue 13 items 21, 23 and 24)."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import PASSWORD, accessible, register, signed_in_resident

pytestmark = pytest.mark.e2e


def test_a_resident_who_says_a_sign_in_was_not_them_is_told_what_was_done_and_what_to_do_next(page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough for the journey; the page itself is checked at 320px by accessible()")
    email = signed_in_resident(page, portal, 7)
    # "Not you?" sits beside "You last signed in at ...": sign in a second time to see it.
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    page.goto("/sign-in")
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible(timeout=30_000)

    before = portal.mail.count()
    page.get_by_role("button", name="Sign out everywhere and change your password").click()

    expect(page.get_by_role("heading", name="We have signed you out everywhere")).to_be_visible()
    assert page.url.endswith("/signed-out/not-you")
    expect(page).to_have_title(f"We have signed you out everywhere · {portal_landlord(page)}")
    main = page.get_by_role("main")
    expect(main).to_contain_text("ended every session of your account, on every device")
    expect(main).to_contain_text("emailed you a link to choose a new password")
    expect(page.get_by_role("heading", name="What to do next")).to_be_visible()
    expect(main.get_by_role("link", name="ask for a new link")).to_have_attribute("href", "/forgot-password")
    accessible(page)

    message = portal.mail.wait_for(email, "You told us a sign-in was not you", after=before)
    body = portal.mail.body(message)
    assert "Someone, probably you" not in body
    assert "/api/reset?token=" in body


def portal_landlord(page) -> str:
    return page.title().rsplit(" · ", 1)[-1]


def test_the_code_page_says_each_person_needs_their_own_email_address(page, portal, width):
    if width == "phone":
        pytest.skip("the words are the same at every width")
    register(page, portal, portal.unregistered_residents(limit=12)[8], "shared-home@example.com")
    expect(page.get_by_role("main")).to_contain_text("Each person needs their own email address")


def test_an_unknown_address_shows_page_not_found_with_a_way_back(page, portal, width):
    page.goto("/no-such-page")
    expect(page.get_by_role("heading", name="Page not found", level=1)).to_be_visible()
    landlord = portal_landlord(page)
    expect(page).to_have_title(f"Page not found · {landlord}")
    main = page.get_by_role("main")
    expect(main).to_contain_text("If you typed the web address, check it is correct.")
    expect(main).to_contain_text("If you pasted the web address, check you copied the entire address.")
    expect(main.get_by_role("link", name="Go to the start page")).to_have_attribute("href", "/")
    # The portal's own header, with its way to sign in, is there too.
    expect(page.get_by_role("navigation", name="Account").get_by_role("link", name="Sign in")).to_be_visible()
    # The page keeps its connection (the websocket guard once refused its events and the
    # offline banner covered it).
    page.wait_for_timeout(2500)
    expect(page.locator("#offline-banner")).to_be_empty()
    accessible(page)


def test_an_unknown_address_answers_with_http_status_404(portal):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{portal.base_url}/no-such-page", timeout=30)
    # The production server sends Reflex's 404.html (the app's shell, which draws the page
    # above in the browser) with the status a link checker or a search engine reads.
    assert refused.value.code == 404
