"""Complaints in a real browser, on a phone and a desktop, with axe-core on every page: from
the tenancy page to Complaints, a complaint refused until it says what went wrong (with what
was typed kept), then sent, its reference and deadlines on the confirmation and on the
complaints list, with the Housing Ombudsman's details; and the compliment form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal_app.clock import uk_date_words, uk_today
from portal_app.services.staff.demo import DEMO_STAFF
from portal_app.services.tenancy.complaints import complaint_deadlines
from tests.e2e.steps import VIEWPORTS, accessible, signed_in_resident, signed_in_staff

STAFF = {role: (email, name, key) for email, name, role, _ref, key in DEMO_STAFF}

pytestmark = pytest.mark.e2e


def test_a_resident_makes_a_complaint_and_sees_its_deadlines(page: Page, portal, width):
    deadlines = complaint_deadlines(1, uk_today())
    ack_by, answer_by = uk_date_words(deadlines.acknowledge_by), uk_date_words(deadlines.answer_by)
    signed_in_resident(page, portal, 9 if width == "desktop" else 10)
    page.goto("/tenancy")
    page.get_by_role("link", name="Complaints, compliments and comments").click()
    expect(page.get_by_role("heading", name="Complaints, compliments and comments", level=1)).to_be_visible()
    expect(page.get_by_text("You have not made a complaint online.")).to_be_visible()
    expect(page.get_by_role("heading", name="The Housing Ombudsman")).to_be_visible()
    expect(page.get_by_text("0300 111 3000")).to_be_visible()
    accessible(page)

    page.get_by_role("link", name="Make a complaint").first.click()
    expect(page.get_by_role("heading", name="Make a complaint", level=1)).to_be_visible()
    page.get_by_label("What would you like us to do to put it right?").fill("Send someone this week to fix it.")
    page.get_by_role("button", name="Send complaint").click()
    summary = page.locator("#error-summary")
    expect(summary).to_contain_text("Tell us what went wrong")
    expect(page.get_by_label("What would you like us to do to put it right?")).to_have_value(
        "Send someone this week to fix it."
    )
    accessible(page)

    page.get_by_label("What went wrong?").fill("The repair to our front door was booked twice and nobody came.")
    page.get_by_role("button", name="Send complaint").click()
    expect(page.get_by_role("heading", name="Complaint sent")).to_be_visible()
    reference = page.locator(".panel--success strong").inner_text()
    assert reference.startswith("RQ-")
    expect(page.get_by_text(f"We will acknowledge your complaint by {ack_by}.")).to_be_visible()
    expect(page.get_by_text(f"by {answer_by} at the latest")).to_be_visible()
    accessible(page)

    page.get_by_role("link", name="See your complaints").click()
    card = page.locator(".card", has_text=reference)
    expect(card).to_contain_text("Stage 1")
    expect(card).to_contain_text("Received")
    expect(card).to_contain_text(f"We will acknowledge your complaint by {ack_by}.")
    expect(card).to_contain_text(answer_by)
    accessible(page)

    card.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="Complaint deadlines")).to_be_visible()
    expect(page.get_by_text(f"We will acknowledge your complaint by {ack_by}.")).to_be_visible()
    accessible(page)


def _complain(page: Page, what: str) -> str:
    page.goto("/complaints/new")
    expect(page.get_by_role("button", name="Send complaint")).to_be_enabled()
    page.get_by_label("What went wrong?").fill(what)
    page.get_by_label("What would you like us to do to put it right?").fill("Say sorry and put it right.")
    page.get_by_role("button", name="Send complaint").click()
    expect(page.get_by_role("heading", name="Complaint sent")).to_be_visible()
    return page.locator(".panel--success strong").inner_text()


def test_an_officer_acknowledges_a_complaint_and_the_resident_sees_the_answer_by_date(browser, portal, width):
    resident_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    office_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    resident, officer = resident_side.new_page(), office_side.new_page()
    try:
        email = signed_in_resident(resident, portal, 9 if width == "desktop" else 10)
        reference = _complain(resident, "The caretaker left rubbish in the stairwell for a week.")
        answer_by = uk_date_words(complaint_deadlines(1, uk_today(), acknowledged_on=uk_today()).answer_by)

        signed_in_staff(officer, *STAFF["income_officer"][::2])
        officer.goto(f"/staff/requests/view?ref={reference}")
        expect(officer.get_by_role("heading", name=re.compile("Complaint deadlines"))).to_be_visible()
        accessible(officer)
        officer.get_by_role("button", name="Acknowledge complaint").click()
        expect(officer.locator("#error-summary")).to_contain_text("Say how you understand the complaint")
        understood = "Rubbish was left in the stairwell for a week; you want it cleared and an apology."
        officer.get_by_label("How we understand the complaint").fill(understood)
        before = portal.mail.count()
        officer.get_by_role("button", name="Acknowledge complaint").click()
        expect(officer.get_by_text("Acknowledged. We have emailed the resident")).to_be_visible()
        expect(officer.get_by_text(f"Answer due by {answer_by}", exact=False)).to_be_visible()
        expect(officer.get_by_role("heading", name="Extend the deadline")).to_be_visible()
        accessible(officer)
        mail = portal.mail.wait_for(email, f"Update on your request {reference}", after=before)
        assert f"We will answer it by {answer_by}." in portal.mail.body(mail)

        resident.goto("/complaints")
        card = resident.locator(".card", has_text=reference)
        expect(card).to_contain_text(f"We will answer by {answer_by}")
        accessible(resident)
    finally:
        resident_side.close()
        office_side.close()


def test_a_resident_gives_a_compliment_to_a_team(page: Page, portal, width):
    signed_in_resident(page, portal, 9 if width == "desktop" else 10)
    page.goto("/complaints/compliment-or-comment")
    expect(page.get_by_role("heading", name="Give a compliment or comment", level=1)).to_be_visible()
    accessible(page)
    page.get_by_label("A compliment").check()
    page.get_by_label("Which team is it about?").select_option(label="Repairs and maintenance")
    page.get_by_label("What happened?").fill("The plumber fixed our leak quickly and tidied up.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()
    expect(page.get_by_text("We will pass your compliment on to the team")).to_be_visible()
    accessible(page)
