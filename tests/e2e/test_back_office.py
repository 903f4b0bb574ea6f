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
