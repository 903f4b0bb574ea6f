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


def signed_in_resident(page: Page, portal, index: int, *, started_before=None, owing_pence=None) -> str:
    """Register the index-th unregistered demo resident (of those whose tenancy began
    before ``started_before``, and whose rent account owes more than ``owing_pence``, when
    given) and sign in; returns their email."""
    resident = portal.unregistered_residents(limit=12, started_before=started_before, owing_pence=owing_pence)[index]
    email = f"resident-{uuid.uuid4().hex[:8]}@example.com"
    before = register(page, portal, resident, email)
    code = portal.mail.code_in(portal.mail.wait_for(email, "code", after=before))
    page.get_by_label("Enter the code").fill(code)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()
    return email


_USED_STEPS: dict[str, int] = {}  # authenticator key -> the last 30-second step signed in with


def remember_code_used(key: str) -> None:
    """This run has just used the authenticator code of ``key`` showing now (set-up does)."""
    import time

    _USED_STEPS[key] = int(time.time()) // 30


def signed_in_staff(page: Page, email: str, key: str, *, password: str | None = None) -> None:
    """Sign in to the back office as a demo member of staff (services/staff/demo.py) with
    the code their authenticator app would show now, checking each page on the way."""
    import time

    import pyotp

    from portal_app.services.staff.demo import DEMO_STAFF_PASSWORD

    page.goto("/staff/sign-in")
    expect(page.get_by_role("heading", name="Sign in to the back office")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    accessible(page)
    totp = pyotp.TOTP(key)
    # A code works once (the portal refuses a replay): wait for a fresh one when this run
    # already used the current one for this member of staff, or when it is about to change.
    while int(time.time()) // 30 <= _USED_STEPS.get(key, -1) or 30 - int(time.time()) % 30 < 3:
        time.sleep(0.5)
    _USED_STEPS[key] = int(time.time()) // 30
    page.get_by_label("Work email address").fill(email)
    page.get_by_label("Password").fill(password or DEMO_STAFF_PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(totp.now())
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Back office", exact=True)).to_be_visible()
