"""Giving notice in a real browser, on a phone and a desktop, with axe-core on every page:
from the tenancy page to the notice form, which shows the day we receive the notice and the
earliest end date; a form sent empty says what is missing; the check page shows the dates
worked out and explained; the confirmation gives a reference. The notice is then refused a
second time."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal_app.clock import utcnow
from portal_app.services.tenancy import notice
from portal_app.settings import get_settings
from tests.e2e.steps import accessible, signed_in_resident

pytestmark = pytest.mark.e2e


def test_a_resident_gives_notice_and_sees_the_dates_worked_out(page: Page, portal, width):
    signed_in_resident(page, portal, 6 if width == "desktop" else 7)
    settings = get_settings()
    received = notice.received_on(utcnow(), settings)
    earliest = notice.earliest_end(received, settings.notice_end_day)
    page.get_by_role("link", name="Your tenancy and who is on it").click()
    expect(page.get_by_role("heading", name="Your tenancy", level=1)).to_be_visible()
    page.get_by_role("link", name="Give notice to end your tenancy").click()

    expect(page.get_by_role("heading", name="Give notice to end your tenancy", level=1)).to_be_visible()
    summary = page.locator(".summary-list")
    expect(summary).to_contain_text(notice.day_words(received))
    expect(summary).to_contain_text(notice.day_words(earliest))
    expect(page.get_by_text("at least four weeks' notice")).to_be_visible()
    expect(page.get_by_role("button", name="Continue")).to_be_enabled()
    accessible(page)

    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#error-summary")).to_contain_text("Choose the day your tenancy ends")
    expect(page.locator("#error-summary")).to_contain_text("Enter the address we can write to after you move out")
    accessible(page)

    page.get_by_label(f"{notice.day_words(earliest)} (the earliest)").check()
    page.get_by_label("Your forwarding address").fill("12 New Street, Southtown ST1 2AB")
    page.get_by_label("Buying a home").check()
    joint = page.locator("#joint-confirmed")
    if joint.count():
        joint.check()
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Check your notice", level=1)).to_be_visible()
    checked = page.locator(".summary-list")
    expect(checked).to_contain_text(notice.day_words(earliest))
    expect(checked).to_contain_text(f"{(earliest - received).days} days after we receive your notice")
    expect(checked).to_contain_text("12 New Street, Southtown ST1 2AB")
    expect(page.get_by_text(f"Rent is due up to and including {notice.day_words(earliest)}.")).to_be_visible()
    expect(page.get_by_text(f"by 12 noon on {notice.day_words(earliest)}")).to_be_visible()
    accessible(page)

    page.get_by_role("button", name="Give notice").click()
    expect(page.get_by_role("heading", name="Notice given", level=1)).to_be_visible()
    expect(page.locator(".panel--success")).to_contain_text("RQ-")
    expect(page.get_by_text("meter readings")).to_be_visible()
    accessible(page)

    page.goto("/tenancy/give-notice")
    expect(page.get_by_text("You have already given notice to end this tenancy")).to_be_visible()
    accessible(page)


def test_a_resident_reads_about_swapping_and_applies_with_the_decision_deadline(page: Page, portal, width):
    signed_in_resident(page, portal, 8 if width == "desktop" else 9)
    page.goto("/tenancy/mutual-exchange")
    expect(page.get_by_role("heading", name="Swap your home (mutual exchange)", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Why we might say no")).to_be_visible()
    expect(page.get_by_role("link", name="www.homeswapper.co.uk")).to_be_visible()
    expect(page.get_by_role("button", name="Apply to swap")).to_be_enabled()
    accessible(page)

    page.get_by_label("The other tenant's full name").fill("Sam Rivera")
    page.get_by_label("Their landlord").fill("Eastfield Housing Association")
    page.get_by_label("Their home's address").fill("4 Mill Lane, Eastfield EF2 3CD")
    page.get_by_label("Assured (housing association) tenancy").check()
    page.get_by_role("button", name="Apply to swap").click()
    expect(page.locator("#error-summary")).to_contain_text("Enter how many bedrooms their home has")
    accessible(page)

    page.get_by_label("How many bedrooms does their home have?").fill("2")
    page.get_by_role("button", name="Apply to swap").click()
    expect(page.get_by_role("heading", name="Application sent", level=1)).to_be_visible()
    expect(page.get_by_text("We will decide by")).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="See all your requests").click()
    expect(page.get_by_text("Swap with Sam Rivera (Eastfield Housing Association): we decide by")).to_be_visible()
    accessible(page)
