"""Your household in a real browser, on a phone and a desktop, with axe-core on every page:
from the tenancy page to the household, tell us about a birth with the birth certificate as a
PDF, and see the request under My requests."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from fpdf import FPDF
from playwright.sync_api import Page, expect

from tests.e2e.steps import accessible, signed_in_resident

pytestmark = pytest.mark.e2e


def _certificate(tmp_path) -> str:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=14)
    doc.cell(text="Certified copy of an entry of birth")
    path = tmp_path / "birth-certificate.pdf"
    path.write_bytes(bytes(doc.output()))
    return str(path)


def test_a_resident_tells_us_about_a_birth_with_a_pdf_certificate_and_sees_it_under_my_requests(
    page: Page, portal, width, tmp_path
):
    signed_in_resident(page, portal, 0 if width == "desktop" else 1)
    page.get_by_role("link", name="Your tenancy and who is on it").click()
    expect(page.get_by_role("heading", name="Your tenancy", level=1)).to_be_visible()
    page.get_by_role("link", name="Tell us about a change to your household").click()

    expect(page.get_by_role("heading", name="Your household", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Who lives with you")).to_be_visible()
    expect(page.locator(".list").first).to_contain_text("(you)")
    accessible(page)

    page.get_by_label("A baby has been born").check()
    expect(page.get_by_label("Your baby's full name")).to_be_visible()
    # Sent with nothing filled in: a message next to each field, and in the summary.
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page.locator("#baby-name-error")).to_contain_text("Enter the baby's full name")
    accessible(page)

    born = date.today() - timedelta(days=2)
    page.get_by_label("Your baby's full name").fill("Ada Okafor")
    page.locator("#baby-dob-day").fill(str(born.day))
    page.locator("#baby-dob-month").fill(str(born.month))
    page.locator("#baby-dob-year").fill(str(born.year))
    page.locator("#evidence-upload input[type=file]").set_input_files(_certificate(tmp_path))
    page.get_by_role("button", name="Add the file").click()
    added = page.get_by_role("list", name="Documents added")
    expect(added).to_contain_text(re.compile(r"birth-certificate\.pdf \(\d+ KB\)"))
    expect(page.get_by_label("Your baby's full name")).to_have_value("Ada Okafor")
    accessible(page)

    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="We have your message")).to_be_visible()
    reference = re.search(r"RQ-[A-Z0-9]{6}", page.locator(".panel").inner_text()).group(0)
    expect(
        page.get_by_text(re.compile(r"We aim to reply within \d+ working days, by \d{1,2} \w+ 20\d\d\."))
    ).to_be_visible()
    expect(page.get_by_text("Congratulations.", exact=False)).to_be_visible()
    accessible(page)

    page.get_by_role("link", name="See your requests").click()
    expect(page.get_by_text(reference)).to_be_visible()
    expect(page.get_by_text("Birth: Ada Okafor").first).to_be_visible()
    accessible(page)
