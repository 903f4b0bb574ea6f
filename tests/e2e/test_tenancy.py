"""Your tenancy in a real browser, on a phone and a desktop, with axe-core: from home to the
tenancy page, which says what the tenancy is, who is on it, the charges and the officers."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import accessible, signed_in_resident

pytestmark = pytest.mark.e2e


def test_a_resident_sees_their_tenancy_who_is_on_it_the_charges_and_their_officers(page: Page, portal, width):
    signed_in_resident(page, portal, 10 if width == "desktop" else 11)
    page.get_by_role("link", name="Your tenancy and who is on it").click()
    expect(page.get_by_role("heading", name="Your tenancy", level=1)).to_be_visible()
    summary = page.locator(".summary-list")
    expect(summary).to_contain_text("Secure tenancy")
    expect(summary).to_contain_text("Started")
    expect(page.get_by_role("heading", name="Who is on the tenancy")).to_be_visible()
    expect(page.get_by_role("table", name="The charges on your accounts today")).to_be_visible()
    expect(page.get_by_role("heading", name="What we must do as your landlord")).to_be_visible()
    expect(page.get_by_role("heading", name="Your officers")).to_be_visible()
    accessible(page)
