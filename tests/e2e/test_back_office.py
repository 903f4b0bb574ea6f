"""The back office in a browser: an officer signs in with the code from their app,
finds a resident, answers a query, and the resident sees the reply and gets the email;
an administrator pauses registration and a newcomer joins the waiting list. axe-core
runs on every page visited (steps.accessible)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from portal_app.services.staff.demo import DEMO_STAFF
from tests.e2e.steps import accessible, signed_in_staff

STAFF = {role: (email, name, key) for email, name, role, _ref, key in DEMO_STAFF}


def test_an_officer_signs_in_with_the_code_from_their_app_and_a_wrong_code_is_refused_next_to_the_field(
    page: Page, portal
):
    email, name, key = STAFF["income_officer"]
    page.goto("/staff/sign-in")
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    page.get_by_label("Work email address").fill(email)
    page.get_by_label("Password").fill("not my password at all")
    page.get_by_label("Code from your authenticator app").fill("123456")
    page.get_by_role("button", name="Sign in").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("The email address, password or code is not right")
    expect(page.get_by_label("Work email address")).to_have_value(email)  # what was typed is kept
    accessible(page)
    signed_in_staff(page, email, key)
    expect(page.get_by_text(re.compile(f"Signed in as {name}"))).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out of the back office.")).to_be_visible()
    page.goto("/staff")
    expect(page.get_by_role("heading", name="Sign in to the back office")).to_be_visible()


def _resume_in_the_database(portal) -> None:
    """If the journey stopped half way, open registration again so the other journeys can register."""
    from sqlalchemy import create_engine, text

    engine = create_engine(portal.database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE registration_pause SET resumed_at = CURRENT_TIMESTAMP WHERE resumed_at IS NULL"))
    engine.dispose()


def test_an_administrator_pauses_registration_a_newcomer_joins_the_waiting_list_and_is_invited_once_on_resume(
    browser, portal, width
):
    from tests.e2e.steps import VIEWPORTS

    staff = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    newcomer = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    admin, resident = staff.new_page(), newcomer.new_page()
    email = f"waiting-{width}@example.com"
    try:
        signed_in_staff(admin, *STAFF["administrator"][::2])
        admin.get_by_role("link", name="Registration").first.click()
        expect(admin.get_by_role("heading", name="Registration", exact=True)).to_be_visible()
        accessible(admin)
        message = "We are checking our records after a system change. We expect to open again on Monday."
        admin.get_by_label("Message for the registration page").fill(message)
        admin.get_by_role("button", name="Pause new registrations").click()
        expect(admin.get_by_role("heading", name="New registrations are paused")).to_be_visible()
        accessible(admin)

        resident.goto("/register")
        expect(
            resident.get_by_role("heading", name="We are not taking new registrations at the moment")
        ).to_be_visible()
        expect(resident.get_by_text(message)).to_be_visible()
        accessible(resident)
        expect(resident.get_by_role("button", name="Join the waiting list")).to_be_enabled()
        resident.get_by_role("button", name="Join the waiting list").click()  # empty: errors beside the fields
        expect(resident.get_by_role("alert")).to_contain_text("name")
        accessible(resident)
        resident.get_by_label("Full name").fill("Nadia Okafor")
        resident.get_by_label("Tenancy reference or service charge account number").fill("TEN100099")
        resident.get_by_label("Email address").fill(email)
        before = portal.mail.count()
        resident.get_by_role("button", name="Join the waiting list").click()
        expect(resident.get_by_role("heading", name="You are on the waiting list")).to_be_visible()
        accessible(resident)
        portal.mail.wait_for(email, "waiting list", after=before)

        admin.reload()
        expect(admin.get_by_text("Nadia Okafor")).to_be_visible()
        invited_from = portal.mail.count()
        admin.get_by_role("button", name="Resume registrations").click()
        expect(admin.get_by_role("heading", name="Pause new registrations")).to_be_visible()
        invitation = portal.mail.wait_for(email, "You can now register", after=invited_from)
        assert "/register" in portal.mail.body(invitation)

        resident.goto("/register")
        expect(resident.get_by_role("heading", name="Register for an account")).to_be_visible()
        # Pausing and resuming again does not invite her a second time.
        admin.get_by_label("Message for the registration page").fill("A short pause.")
        admin.get_by_role("button", name="Pause new registrations").click()
        expect(admin.get_by_role("heading", name="New registrations are paused")).to_be_visible()
        again = portal.mail.count()
        admin.get_by_role("button", name="Resume registrations").click()
        expect(admin.get_by_role("heading", name="Pause new registrations")).to_be_visible()
        resident.wait_for_timeout(3000)  # the outbox is delivered every 2 seconds
        later = [m for m in portal.mail.messages[again:] if m["To"].lower() == email]
        assert later == [], [m["Subject"] for m in later]
    finally:
        _resume_in_the_database(portal)
        staff.close()
        newcomer.close()
