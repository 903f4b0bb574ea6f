"""What a resident does, in a real browser, checked with axe-core on every page visited."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.steps import PASSWORD, accessible, register, signed_in_resident

pytestmark = pytest.mark.e2e


def _money_to_pence(text: str) -> int:
    m = re.search(r"£([\d,]+)\.(\d{2})\s*(DR|CR)?", text)
    assert m, f"no amount in {text!r}"
    pence = int(m.group(1).replace(",", "")) * 100 + int(m.group(2))
    return -pence if m.group(3) == "CR" else pence


def test_a_new_resident_registers_with_the_emailed_code_and_sees_a_balance_equal_to_their_ledger(page, portal):
    resident = portal.unregistered_residents(limit=4)[0 if page.viewport_size["width"] > 500 else 1]
    email = f"resident-{uuid.uuid4().hex[:8]}@example.com"
    before = register(page, portal, resident, email)
    code = portal.mail.code_in(portal.mail.wait_for(email, "code", after=before))
    page.get_by_label("Enter the code").fill(code)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()
    card = page.get_by_role("region").filter(has_text="Rent account").first
    expect(card).to_be_visible()
    accessible(page)
    text = card.inner_text()
    reference = re.search(r"Payment reference\s+(\S+)", text).group(1)
    shown = _money_to_pence(text)
    assert shown == portal.ledger_balance(reference)
    expect(card.get_by_text(re.compile(r"As at \d{2}:\d{2} on"))).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()
    accessible(page)
    page.go_back()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_text(reference)).to_have_count(0)

    page.goto("/home")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_a_wrong_code_is_refused_next_to_the_field_and_the_right_one_still_works(page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough for the wrong-code path; the registration journey covers both")
    resident = portal.unregistered_residents(limit=6)[2]
    email = f"resident-{uuid.uuid4().hex[:8]}@example.com"
    before = register(page, portal, resident, email)
    code = portal.mail.code_in(portal.mail.wait_for(email, "code", after=before))
    # A slip of the keyboard is told as such and uses up no try.
    page.get_by_label("Enter the code").fill("12ab")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_contain_text("Enter the 6 numbers")
    accessible(page)
    wrong = "000000" if code != "000000" else "111111"
    page.get_by_label("Enter the code").fill(wrong)
    page.get_by_role("button", name="Create my account").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name=re.compile("The code is not right"))).to_be_visible()
    expect(page.get_by_text("4 tries left").first).to_be_visible()
    accessible(page)
    page.get_by_label("Enter the code").fill(code)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()


def test_a_resident_who_mistypes_many_times_is_asked_to_wait_a_few_seconds_never_locked_out(page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough for the waiting path")
    email = signed_in_resident(page, portal, 3)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()

    page.goto("/sign-in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    accessible(page)
    too_many = page.get_by_role("link", name=re.compile(r"Too many tries\. Wait \d+ seconds?, then try again"))
    vague = page.get_by_role("link", name=re.compile("Enter the email address and password you registered with"))
    # Five wrong passwords are answered as usual; soon after, the page asks for a short wait
    # (each try spends argon2 time on the server: allow for a slow machine).
    for attempt in range(12):
        page.get_by_label("Email address").fill(email)
        page.get_by_label("Password", exact=True).fill(f"not my password {attempt}")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_timeout(200)  # the answer replaces the last one's message: let this one arrive
        expect(page.get_by_role("button", name="Please wait…")).to_have_count(0, timeout=30_000)
        expect(too_many.or_(vague)).to_be_visible()
        if too_many.is_visible():
            break
        assert attempt < 11, "never asked to wait"
    assert attempt >= 5
    accessible(page)
    expect(page.get_by_role("heading", name="Your account is locked")).to_have_count(0)
    seconds = int(re.search(r"Wait (\d+) second", too_many.inner_text()).group(1))

    page.wait_for_timeout((seconds + 1) * 1000)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible(timeout=30_000)


def test_bad_registration_input_is_explained_next_to_each_field_and_what_was_typed_is_kept(page, portal, width):
    page.goto("/register")
    expect(page.get_by_role("heading", name="Register for an account")).to_be_visible()
    page.get_by_label("Email address").fill("not-an-email")
    page.get_by_label("Create a password").fill("short")
    page.get_by_role("button", name="Continue").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link")).to_have_count(6)
    expect(page.get_by_label("Email address")).to_have_value("not-an-email")
    accessible(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Tenancy reference or service charge account number")).to_be_focused()


def test_the_start_and_sign_in_pages_are_accessible_and_keyboard_reachable(page, portal, width):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    accessible(page)
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.goto("/forgot-password")
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    accessible(page)


def test_a_resident_who_forgot_the_password_chooses_a_new_one_from_the_emailed_link_and_signs_in(page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough for the reset path")
    email = signed_in_resident(page, portal, 5)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out")).to_be_visible()

    page.goto("/forgot-password")
    expect(page.get_by_role("button", name="Send me a link")).to_be_enabled()
    accessible(page)
    before = portal.mail.count()
    page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    link = portal.mail.link_in(portal.mail.wait_for(email, "new password", after=before))
    assert "/api/reset?token=" in link

    # The link keeps its token in a cookie: the page's address never shows it.
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    assert page.url.endswith("/reset-password") and "token" not in page.url
    reset_cookie = next(c for c in page.context.cookies() if c["name"] == "doorstep_reset")
    assert reset_cookie["httpOnly"] and reset_cookie["sameSite"] == "Strict"
    accessible(page)
    new_password = "quiet-harbour-lantern-77"
    page.get_by_role("textbox", name="New password").fill(new_password)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_role("heading", name="Your password has been changed")).to_be_visible()
    accessible(page)

    # Used once: the same link now says so.
    page.goto(link)
    expect(page.get_by_role("heading", name="This link has expired or has been used")).to_be_visible()

    page.get_by_role("link", name="Sign in").first.click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(new_password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible(timeout=30_000)


def test_a_phone_in_dark_mode_gets_the_portals_light_colours_and_checkboxes_it_can_read(browser, portal, width):
    """Reflex's theme follows the system and sets color-scheme: dark, which draws native
    checkboxes and radios as dark squares on the portal's white page (issue 13 item 17)."""
    if width == "desktop":
        pytest.skip("one width is enough")
    context = browser.new_context(color_scheme="dark", base_url=portal.base_url, locale="en-GB")
    try:
        page = context.new_page()
        page.goto("/sign-in")
        expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
        assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") == "light"
        assert page.evaluate("getComputedStyle(document.getElementById('password-show')).colorScheme") == "light"
    finally:
        context.close()


def test_the_skip_link_takes_keyboard_focus_to_the_main_content(page, portal, width):
    """Issue 13 item 11: the skip link scrolled, but left focus on itself."""
    if width == "desktop":
        pytest.skip("one width is enough")
    page.goto("/sign-in")
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    page.keyboard.press("Tab")  # the next stop is inside main, not the header
    assert page.evaluate("document.getElementById('main-content').contains(document.activeElement)")


def test_the_skip_link_keeps_me_on_the_same_page_with_what_i_typed(page, portal, width):
    """The skip link's ``#main-content`` was resolved against the bare route, so on a page
    with a query it opened the page again without its query or what was typed."""
    if width == "desktop":
        pytest.skip("one width is enough")
    page.goto("/sign-in?next=%2Frequests")
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    page.get_by_label("Email address").fill("someone@example.com")
    page.locator(".skip-link").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    assert page.url.endswith("/sign-in?next=%2Frequests")
    expect(page.get_by_label("Email address")).to_have_value("someone@example.com")
