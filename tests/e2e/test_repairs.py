"""Repairs in a real browser, on a phone and a desktop, with axe-core on every step: report a
leaking tap with a photo and book a time, then change it; report damp and mould and see
Awaab's Law's deadlines; say "No, it is not fixed" after completion and see it reopened; and
gas offers no form at all."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from portal_app.services.repairs import triage
from tests.e2e.steps import accessible, signed_in_resident

pytestmark = pytest.mark.e2e

TREE = triage.load()
TAP = TREE.leaf("kitchen/taps/leaking_tap")
DAMP = TREE.leaf("bathroom/walls_ceiling/damp_mould")
GAS = TREE.gas_emergencies[0]


def _photo(tmp_path) -> str:
    path = tmp_path / "dripping-tap.jpg"
    out = io.BytesIO()
    Image.new("RGB", (800, 600), (90, 120, 200)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return str(path)


def _start(page: Page) -> None:
    page.goto("/repairs")
    expect(page.get_by_role("heading", name="My repairs", level=1)).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="Report a repair").click()
    expect(page.get_by_role("heading", name="Report a repair", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Continue")).to_be_enabled()


def _not_an_emergency(page: Page) -> None:
    page.get_by_label("No, none of these").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Where is the problem?", level=1)).to_be_visible()


def _choose(page: Page, leaf: triage.Leaf) -> None:
    page.get_by_label(leaf.area_label, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="What is the problem?", level=1)).to_be_visible()
    page.get_by_label(leaf.element_label, exact=True).check()
    page.get_by_label(leaf.label, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Tell us about the problem", level=1)).to_be_visible()


def test_a_resident_reports_a_leaking_tap_with_a_photo_books_a_time_and_changes_it(page: Page, portal, width, tmp_path):
    email = signed_in_resident(page, portal, 4 if width == "desktop" else 5)
    _start(page)
    accessible(page)
    # Nothing chosen: the message is next to the radios and in the summary.
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#emergency-error")).to_contain_text("Select an emergency, or no, none of these")
    accessible(page)
    _not_an_emergency(page)
    accessible(page)
    _choose(page, TAP)
    accessible(page)

    # Too short a description: the message, and what was typed stays.
    page.get_by_label("Describe the problem").fill("Drips")
    page.get_by_label("Phone number", exact=True).fill("07700 900 982")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#description-error")).to_contain_text("at least 10 characters")
    expect(page.get_by_label("Describe the problem")).to_have_value("Drips")
    accessible(page)

    page.get_by_label("Describe the problem").fill("The kitchen hot tap drips all day and night.")
    page.locator("#photo-upload input[type=file]").set_input_files(_photo(tmp_path))
    page.get_by_role("button", name="Add the photo").click()
    added = page.get_by_role("list", name="Photos added")
    expect(added).to_contain_text("dripping-tap.jpg")
    expect(added.locator("img")).to_have_js_property("complete", True)
    assert added.locator("img").evaluate("img => img.naturalWidth") > 0  # served back, cleaned, to its owner
    accessible(page)
    page.get_by_role("button", name="Continue").click()

    expect(page.get_by_role("heading", name="Choose a time for the repair", level=1)).to_be_visible()
    accessible(page)
    first = page.locator("input[name=slot]").first
    first_words = page.locator("label[for=slot]").inner_text()
    first.check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check your answers", level=1)).to_be_visible()
    expect(page.locator(".summary-list")).to_contain_text(first_words)
    expect(page.locator(".summary-list")).to_contain_text("1 added")
    accessible(page)
    page.get_by_role("button", name="Report the repair").click()

    expect(page.get_by_role("heading", name="Repair reported", level=1)).to_be_visible()
    reference = re.search(r"RP-[A-Z0-9]{8}", page.locator(".panel").inner_text()).group(0)
    done = page.locator(".summary-list")
    expect(done).to_contain_text("Routine")
    expect(done).to_contain_text(first_words)
    expect(done).to_contain_text(re.compile(r"We will fix this by\s*\w+day \d{1,2} \w+ 20\d\d"))
    accessible(page)
    body = portal.mail.body(portal.mail.wait_for(email, reference))
    assert "Priority: Routine" in body and f"Appointment: {first_words}" in body

    page.get_by_role("link", name="See this repair").click()
    expect(page.get_by_role("heading", name=TAP.area_label, level=1)).to_be_visible()
    expect(page.get_by_text(first_words, exact=True)).to_be_visible()
    expect(page.get_by_role("img", name="Photo 1 of the problem")).to_be_visible()
    accessible(page)

    page.get_by_role("button", name="Change the appointment").click()
    expect(page.get_by_role("heading", name="Choose a time")).to_be_focused()
    other = page.locator("input[name=slot]").nth(2)
    other_words = page.locator(f"label[for='{other.get_attribute('id')}']").inner_text()
    other.check()
    accessible(page)
    page.get_by_role("button", name="Book this time").click()
    expect(page.get_by_text(f"Appointment changed to {other_words}.")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text(f"Appointment changed to {other_words}")
    accessible(page)

    page.goto("/repairs")
    card = page.locator(".card").filter(has_text=reference)
    expect(card).to_contain_text("Appointment booked")
    expect(card).to_contain_text(other_words)
    accessible(page)


def test_damp_and_mould_asks_the_investigators_questions_and_shows_awaabs_law_deadlines(page: Page, portal, width):
    signed_in_resident(page, portal, 4 if width == "desktop" else 5)
    _start(page)
    _not_an_emergency(page)
    _choose(page, DAMP)
    expect(page.get_by_role("heading", name="About the damp or mould")).to_be_visible()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#damp-where-error")).to_contain_text("Enter where the damp or mould is")
    expect(page.locator("#damp-size-error")).to_be_visible()
    accessible(page)
    page.get_by_label("Where exactly is it?").fill("Bathroom ceiling above the bath")
    page.get_by_label("Bigger than a sheet of A4, smaller than a door").check()
    page.get_by_label("More than 6 months").check()
    page.locator("input[name=damp_health][value=yes]").check()
    page.get_by_label("Tell us about their condition (optional)").fill("My son has asthma")
    page.get_by_label("Describe the problem").fill("Black mould keeps coming back on the ceiling.")
    page.get_by_label("Phone number", exact=True).fill("07700 900 982")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Choose a time for the repair", level=1)).to_be_visible()
    page.get_by_label("None of these: phone me to arrange a time").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Report the repair").click()

    expect(page.get_by_role("heading", name="Repair reported", level=1)).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"Investigate the damp and mould \(Awaab's Law: 10 working days\): by \w+day"))
    ).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="See this repair").click()
    expect(page.get_by_role("heading", name="What the law says we must do")).to_be_visible()
    expect(page.get_by_text("My son has asthma")).to_be_visible()
    accessible(page)

    # No longer needed: the resident cancels it, and says why.
    page.get_by_role("button", name="Cancel this repair").click()
    page.get_by_label("Why are you cancelling it? (optional)").fill("Reported it twice")
    accessible(page)
    page.get_by_role("button", name="Yes, cancel the repair").click()
    expect(page.get_by_text("You have cancelled this repair.")).to_be_visible()
    expect(page.locator(".summary-list").first).to_contain_text("Cancelled")
    expect(page.get_by_role("button", name="Cancel this repair")).to_have_count(0)
    accessible(page)


def test_after_completion_no_it_is_not_fixed_reopens_the_repair(page: Page, portal, width):
    signed_in_resident(page, portal, 4 if width == "desktop" else 5)
    _start(page)
    _not_an_emergency(page)
    _choose(page, TAP)
    page.get_by_label("Describe the problem").fill("The kitchen hot tap drips all day and night.")
    page.get_by_label("By email").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("None of these: phone me to arrange a time").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Report the repair").click()
    reference = re.search(r"RP-[A-Z0-9]{8}", page.locator(".panel").inner_text()).group(0)

    # The contractor finishes the job (the back office marks it completed).
    engine = create_engine(portal.database_url)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE repair SET status = 'completed', completed_at = :at WHERE reference = :ref"),
            {"at": datetime.now(UTC), "ref": reference},
        )
    engine.dispose()

    page.goto(f"/repairs/view?repair={reference}")
    expect(page.get_by_role("heading", name="Is it fixed?")).to_be_visible()
    accessible(page)
    page.get_by_label("No, it is not fixed").check()
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#reason-error")).to_contain_text("Tell us what is still wrong")
    accessible(page)
    page.get_by_label("What is still wrong?").fill("It still drips at night")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("We have reopened the repair")).to_be_visible()
    expect(page.locator(".summary-list")).to_contain_text("Reopened: not fixed")
    expect(
        page.locator(".inset").filter(has_text="You told us it is not fixed: It still drips at night")
    ).to_be_visible()
    accessible(page)


def test_a_smell_of_gas_gets_the_gas_emergency_number_and_no_form(page: Page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough for a page with no form")
    signed_in_resident(page, portal, 4)
    _start(page)
    page.get_by_label(GAS.label, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Leave your home and phone the gas emergency line")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text(TREE.gas_phone)
    assert page.locator("main form, main textarea, main input").count() == 0
    accessible(page)


def test_a_housing_officer_finds_the_repair_in_the_queue_completes_it_and_the_resident_is_asked_if_it_is_fixed(
    browser, portal, width
):
    from portal_app.services.staff.demo import DEMO_STAFF
    from tests.e2e.steps import VIEWPORTS, signed_in_staff

    staff = {role: (email, key) for email, _name, role, _ref, key in DEMO_STAFF}
    resident_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    office_side = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    resident, officer = resident_side.new_page(), office_side.new_page()
    try:
        signed_in_resident(resident, portal, 6 if width == "desktop" else 7)
        _start(resident)
        _not_an_emergency(resident)
        _choose(resident, TAP)
        resident.get_by_label("Describe the problem").fill("The kitchen hot tap drips all day and night.")
        resident.get_by_label("By email").check()
        resident.get_by_role("button", name="Continue").click()
        resident.get_by_label("None of these: phone me to arrange a time").check()
        resident.get_by_role("button", name="Continue").click()
        resident.get_by_role("button", name="Report the repair").click()
        reference = re.search(r"RP-[A-Z0-9]{8}", resident.locator(".panel").inner_text()).group(0)

        signed_in_staff(officer, *staff["housing_officer"])
        officer.get_by_role("link", name="Repairs", exact=True).first.click()
        expect(officer.get_by_role("heading", name="Repairs", level=1)).to_be_visible()
        accessible(officer)
        officer.get_by_role("link", name=reference).click()
        expect(officer.get_by_role("heading", name=f"Repair {reference}", level=1)).to_be_visible()
        accessible(officer)
        officer.get_by_label("Completed", exact=True).check()
        officer.get_by_role("button", name="Change the status").click()
        expect(officer.locator("main")).to_contain_text("Completed")
        accessible(officer)

        resident.goto(f"/repairs/view?repair={reference}")
        expect(resident.get_by_role("heading", name="Is it fixed?")).to_be_visible()
        expect(resident.locator(".summary-list")).to_contain_text("Completed")
        accessible(resident)
    finally:
        resident_side.close()
        office_side.close()
