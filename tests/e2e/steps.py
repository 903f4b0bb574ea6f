"""Steps the browser journeys share: the accessibility check, registering, and signing a
new resident in. Plain functions over a Playwright page (any page: the ``page`` and
``device`` fixtures' alike), imported by the e2e test modules."""

from __future__ import annotations

import uuid

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

AXE = Axe()
PASSWORD = "marble kettle orchard 42"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def accessible(page: Page) -> None:
    """axe-core finds no violations, and the page reflows at 320px with no sideways scrolling."""
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 640})
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    culprits = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
        .filter(e => !e.closest('.table-wrap, .chart') || e.matches('.table-wrap, .chart'))
        .slice(0, 8).map(e => `${e.tagName.toLowerCase()}.${e.getAttribute('class') || ''}#${e.id} ${Math.round(e.getBoundingClientRect().right)}px`)""")
    page.set_viewport_size(size)
    assert overflow <= 0, f"the page scrolls sideways at 320px by {overflow}px: {culprits}"


def register(page: Page, portal, resident: dict, email: str) -> int:
    """Fill in and send the registration form for ``resident`` (a row of
    portal.unregistered_residents()) as ``email``, up to "Check your email"; returns the
    mailbox count before sending, to wait for the code email after it."""
    page.goto("/register")
    expect(page.get_by_role("heading", name="Register for an account")).to_be_visible()
    # The letters-by-post radios live in server state: wait until the page is connected
    # (the button is enabled only then), as a resident would for the button to work.
    expect(page.get_by_role("button", name="Continue")).to_be_enabled()
    accessible(page)
    page.get_by_label("Tenancy reference or service charge account number").fill(resident["tenancy_ref"])
    dob = resident["dob"]
    page.get_by_label("Day").fill(str(dob.day))
    page.get_by_label("Month").fill(str(dob.month))
    page.get_by_label("Year").fill(str(dob.year))
    page.get_by_label("Email address").fill(email)
    page.get_by_label("UK mobile number").fill("07700 900 982")
    page.get_by_label("Create a password").fill(PASSWORD)
    page.get_by_label("Yes, keep sending me letters by post").check()
    before = portal.mail.count()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    accessible(page)
    return before


def signed_in_resident(page: Page, portal, index: int) -> str:
    """Register the index-th unregistered demo resident and sign in; returns their email."""
    resident = portal.unregistered_residents(limit=12)[index]
    email = f"resident-{uuid.uuid4().hex[:8]}@example.com"
    before = register(page, portal, resident, email)
    code = portal.mail.code_in(portal.mail.wait_for(email, "code", after=before))
    page.get_by_label("Enter the code").fill(code)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()
    return email
