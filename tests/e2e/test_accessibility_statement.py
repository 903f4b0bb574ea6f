"""The accessibility statement, as anyone opens it from the footer: the axe check and the
320px reflow check, and the compliance status the regulations ask for (issue 13 item 19)."""

from __future__ import annotations

from playwright.sync_api import expect

from portal_app.services.rights import accessibility
from tests.e2e.steps import accessible


def test_anyone_can_read_the_accessibility_statement_and_see_how_far_the_portal_complies(page, portal):
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Accessibility statement", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Accessibility statement for the Northbrook Homes resident portal"
    )
    expect(page.get_by_role("heading", name="Compliance status")).to_be_visible()
    expect(page.locator("#compliance-status")).to_have_text(accessibility.compliance_status())
    expect(page.get_by_role("link", name="Equality Advisory and Support Service (EASS)")).to_have_attribute(
        "href", accessibility.EASS_URL
    )
    accessible(page)
