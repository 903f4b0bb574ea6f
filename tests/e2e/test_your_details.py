"""Your details in a real browser, on a phone and a desktop, with axe-core on every page:
letters changed to online and the choice still there after a reload, a name change asked
for, and the email address changed with the code sent to the new address (the old one is
told)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import accessible, signed_in_resident

pytestmark = pytest.mark.e2e

ONLINE = "Online: we email you when there is a new letter to read in your account"


def _open_your_details(page: Page) -> None:
    page.get_by_role("link", name="Your details and how we contact you").click()
    expect(page.get_by_role("heading", name="Your details", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Save letters choice")).to_be_enabled()
    accessible(page)


def test_a_resident_changes_letters_to_online_and_sees_the_choice_kept(page: Page, portal, width):
    signed_in_resident(page, portal, 3 if width == "desktop" else 4)
    _open_your_details(page)
    expect(page.get_by_label("By post")).to_be_checked()  # the choice made at registration

    page.get_by_label(ONLINE).check()
    page.get_by_role("button", name="Save letters choice").click()

    expect(page.get_by_role("status").filter(has_text="your letters will be online")).to_be_visible()
    accessible(page)
    page.reload()
    expect(page.get_by_role("button", name="Save letters choice")).to_be_enabled()
    expect(page.get_by_label(ONLINE)).to_be_checked()
    expect(page.get_by_label("By post")).not_to_be_checked()
    accessible(page)

    # Texts need a mobile: with the mobile taken away, choosing texts says what to do.
    page.get_by_label("UK mobile number (optional unless you want texts)").fill("")
    page.get_by_role("button", name="Save phone numbers").click()
    expect(page.get_by_role("status").filter(has_text="We have saved your phone numbers.")).to_be_visible()
    page.get_by_label("Text message").check()
    page.get_by_role("button", name="Save how we contact you").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_contain_text("Enter a mobile number to get texts from us")
    expect(page).to_have_title(re.compile(r"^Error: Your details · "))
    accessible(page)

    page.get_by_role("link", name="Ask us to change your name or date of birth").click()
    expect(page.get_by_role("heading", name="Ask us to change your name or date of birth")).to_be_visible()
    expect(page.get_by_role("button", name="Send request")).to_be_enabled()
    accessible(page)
    page.get_by_label("My name", exact=True).check()
    page.get_by_label("What should it be?").fill("Sam Example-Smith")
    page.get_by_label("Why does it need to change?").fill("I got married in October.")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    expect(page.get_by_text("We aim to reply within")).to_be_visible()
    accessible(page)


def test_a_resident_changes_their_email_with_the_code_sent_to_the_new_address(page: Page, portal, width):
    old = signed_in_resident(page, portal, 5 if width == "desktop" else 6)
    new = f"new-{uuid.uuid4().hex[:8]}@example.com"
    _open_your_details(page)
    page.get_by_role("link", name="Change your email address").click()
    expect(page.get_by_role("heading", name="Change your email address")).to_be_visible()
    expect(page.get_by_role("button", name="Send a code")).to_be_enabled()
    accessible(page)

    before = portal.mail.count()
    page.get_by_label("New email address", exact=True).fill(new)
    page.get_by_role("button", name="Send a code").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    accessible(page)
    code = portal.mail.code_in(portal.mail.wait_for(new, "code", after=before))

    page.get_by_label("Enter the code").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Change my email address").click()
    expect(page.get_by_role("alert").filter(has_text="The code is not right")).to_be_visible()
    accessible(page)

    page.get_by_label("Enter the code").fill(code)
    page.get_by_role("button", name="Change my email address").click()
    expect(page.get_by_role("heading", name="Your email address has been changed")).to_be_visible()
    accessible(page)
    told = portal.mail.wait_for(old, "email address was changed", after=before)
    assert new in portal.mail.body(told)

    page.get_by_role("link", name="Back to your details").click()
    expect(page.locator(".summary-list").get_by_text(new)).to_be_visible()
    accessible(page)
