"""Asking permission in a real browser, on a phone and a desktop, with axe-core on every
page: a resident asks to keep a pet (the policy's main points, the questions, the error
summary, check your answers, the reference), an officer approves it with a condition in the
back office, and the resident sees "Permission given" with the condition."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from portal_app import routes
from portal_app.services.staff.demo import DEMO_STAFF
from tests.e2e.steps import VIEWPORTS, accessible, signed_in_resident, signed_in_staff

pytestmark = pytest.mark.e2e

STAFF = {role: (email, name, key) for email, name, role, _ref, key in DEMO_STAFF}
CONDITION = "Keep the dog on a lead in the shared garden and clean up after it."


def _ask_for_a_pet(page) -> str:
    page.goto(routes.TENANCY)
    expect(page.get_by_role("heading", name="Your tenancy", level=1)).to_be_visible()
    page.get_by_role("link", name="Ask for permission").click()
    expect(page.get_by_role("heading", name="Ask for permission", level=1)).to_be_visible()
    expect(page.get_by_text("You have not asked us for permission online yet.")).to_be_visible()
    accessible(page)

    page.get_by_role("link", name="Keep a pet").click()
    expect(page.get_by_role("heading", name="Keep a pet", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile("Dangerous Dogs Act"))).to_be_visible()
    expect(page.get_by_role("button", name="Continue")).to_be_enabled()
    accessible(page)

    page.get_by_label("What kind of animal is it?").fill("A dog")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name="Enter its breed, or say you do not know")).to_be_visible()
    expect(summary.get_by_role("link", name="Select whether it is microchipped")).to_be_visible()
    expect(page).to_have_title(re.compile("^Error: "))
    expect(page.get_by_label("What kind of animal is it?")).to_have_value("A dog")  # kept
    accessible(page)

    summary.get_by_role("link", name="Enter its breed, or say you do not know").click()
    expect(page.get_by_label("What breed is it?")).to_be_focused()
    page.get_by_label("What breed is it?").fill("Labrador cross")
    page.get_by_label("How many animals do you want to keep?").fill("1")
    page.get_by_label("Where will it live and sleep?").fill("Indoors, with walks in the park")
    page.get_by_role("group", name="Is it neutered or spayed?").get_by_label("Yes").check()
    page.get_by_role("group", name="Is it microchipped?").get_by_label("Yes").check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check your answers")).to_be_visible()
    answers = page.locator(".summary-list")
    expect(answers).to_contain_text("Labrador cross")
    expect(answers).to_contain_text("Is it microchipped?")
    accessible(page)
    page.get_by_role("button", name="Send the request").click()

    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    expect(page.get_by_text(re.compile(r"We aim to reply within \d+ working days, by "))).to_be_visible()
    accessible(page)
    return page.locator(".panel--success strong").inner_text().strip()


def test_a_resident_asks_to_keep_a_pet_an_officer_gives_it_with_a_condition_and_the_resident_sees_it(
    browser, portal, width
):
    resident_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    office_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    resident, officer = resident_side.new_page(), office_side.new_page()
    try:
        email = signed_in_resident(resident, portal, 2 if width == "desktop" else 3)
        reference = _ask_for_a_pet(resident)
        assert re.fullmatch(r"RQ-[A-Z0-9]{6}", reference)
        portal.mail.wait_for(email, reference)

        resident.goto(routes.PERMISSIONS)
        expect(resident.get_by_text("Waiting for a decision")).to_be_visible()
        accessible(resident)

        signed_in_staff(officer, *STAFF["income_officer"][::2])
        officer.goto(routes.staff_request(reference))
        expect(officer.get_by_role("heading", name=re.compile(f"Request {reference}"))).to_be_visible()
        expect(officer.get_by_text("Labrador cross")).to_be_visible()
        accessible(officer)
        officer.get_by_label("Conditions of the permission (optional)").fill(CONDITION)
        before = portal.mail.count()
        officer.get_by_role("button", name="Approve").click()
        expect(officer.get_by_text("Approved. We have told the resident.")).to_be_visible()
        accessible(officer)
        portal.mail.wait_for(email, f"Update on your request {reference}", after=before)

        resident.goto(routes.PERMISSIONS)
        expect(resident.get_by_text("Permission given")).to_be_visible()
        expect(resident.get_by_text(CONDITION)).to_be_visible()
        expect(resident.get_by_text(reference)).to_be_visible()
        accessible(resident)
    finally:
        resident_side.close()
        office_side.close()
