"""Setting up a Direct Debit in a real browser, on a phone and a desktop: the form's
messages next to each field (a sort code and account number that fail the modulus check
among them), what the payments will be and the Direct Debit Guarantee before confirming,
the confirmation and its email, the instruction shown masked, cancelling it, and the paper
form as a PDF. Every page is checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import accessible, signed_in_resident

pytestmark = pytest.mark.e2e

# Vocalink's published modulus checking test cases 1 (passes) and 29 (fails the modulus 10 check).
SORT_CODE, GOOD_NUMBER, BAD_NUMBER = "08-99-99", "66374958", "66374959"
AUTHORISE = "I am an account holder and I can authorise Direct Debits from this account on my own"


def test_a_resident_sets_up_a_direct_debit_sees_it_masked_and_cancels_it(page: Page, portal, width):
    email = signed_in_resident(page, portal, 2 if width == "desktop" else 3)
    page.goto("/pay")
    expect(page.get_by_role("heading", name="Make a payment", level=1)).to_be_visible()
    page.get_by_role("link", name="Pay by Direct Debit").click()
    expect(page.get_by_role("heading", name="Direct Debit", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="The Direct Debit Guarantee")).to_be_visible()
    expect(page.get_by_text("Please also notify us.")).to_be_visible()
    expect(page.get_by_role("button", name="Set up Direct Debit")).to_be_enabled()
    accessible(page)

    # Nothing filled in: each message is next to its field, and the summary links to them.
    page.get_by_role("button", name="Set up Direct Debit").click()
    expect(page.locator("#account-name-error")).to_contain_text("Enter the name on the account")
    expect(page.locator("#sort-code-error")).to_contain_text("Enter a sort code")
    expect(page.locator("#account-number-error")).to_contain_text("Enter an account number")
    expect(page.locator("#frequency-error")).to_contain_text("Select how often you want to pay")
    expect(page.locator("#collection-day-error")).to_contain_text("Select the day of the month")
    expect(page.locator("#authorise-error")).to_contain_text("Confirm that you can set up Direct Debits")
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    expect(page).to_have_title(re.compile("^Error: "))
    accessible(page)

    # A number that cannot be at this sort code.
    page.get_by_label("Name on the account", exact=True).fill("A Resident")
    page.get_by_label("Sort code", exact=True).fill(SORT_CODE)
    page.get_by_label("Account number", exact=True).fill(BAD_NUMBER)
    page.get_by_label(AUTHORISE).check()
    page.get_by_role("radio", name=re.compile("^Every month: £")).check()
    page.get_by_role("radio", name=re.compile("^The 1st of the month: first payment ")).check()
    check = page.locator(".summary-list").filter(has_text="First payment")
    expect(check).to_contain_text("every month")
    expect(check).to_contain_text(re.compile(r"First payment\s*\d{1,2} \w+ 20\d\d"))
    page.get_by_role("button", name="Set up Direct Debit").click()
    expect(page.locator("#account-number-error")).to_contain_text("this account number cannot be at this sort code")
    expect(page.locator("#account-name-error")).to_have_count(0)
    expect(page.locator("#sort-code")).to_have_value(SORT_CODE)  # what was typed is kept, in the page only
    accessible(page)

    page.get_by_label("Account number", exact=True).fill(GOOD_NUMBER)
    page.get_by_role("button", name="Set up Direct Debit").click()
    expect(page.get_by_role("heading", name="Your Direct Debit is set up")).to_be_visible()
    panel = page.locator(".panel").inner_text()
    reference = re.search(r"DD-[A-Z0-9]{8}", panel).group(0)
    summary = page.locator(".summary-list")
    expect(summary).to_contain_text("Sort code ending 99, account ending 4958")
    expect(summary).to_contain_text(re.compile(r"£[\d,]+\.\d\d every month"))
    expect(page.get_by_text(GOOD_NUMBER)).to_have_count(0)
    accessible(page)
    body = portal.mail.body(portal.mail.wait_for(email, "Your Direct Debit is set up"))
    assert reference in body and "Advance notice of your payments" in body and "Please also notify us." in body
    assert GOOD_NUMBER not in body and "089999" not in body

    page.get_by_role("link", name="See your Direct Debits").click()
    mine = page.get_by_role("heading", name=f"Direct Debit {reference}")
    expect(mine).to_be_visible()
    expect(page.get_by_text("Set up: we are sending it to your bank")).to_be_visible()
    expect(page.get_by_text("You already pay this account by Direct Debit.")).to_be_visible()
    accessible(page)

    # The paper form, filled in, fetched with this browser's own session.
    link = page.get_by_role("link", name="Download a paper form (PDF)")
    href = link.get_attribute("href")
    assert href.startswith("/api/direct-debit-form.pdf?ticket=")
    pdf = page.request.get(href)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    page.get_by_role("button", name=f"Cancel Direct Debit {reference}").click()
    expect(page.get_by_text(f"Are you sure you want to cancel Direct Debit {reference}?")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Yes, cancel this Direct Debit").click()
    expect(page.get_by_text(f"Direct Debit {reference} is cancelled.")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Cancelled on \d{1,2} \w+ 20\d\d"))).to_be_visible()
    expect(page.get_by_role("button", name=f"Cancel Direct Debit {reference}")).to_have_count(0)
    accessible(page)
    cancelled = portal.mail.body(portal.mail.wait_for(email, "Your Direct Debit is cancelled"))
    assert f"You cancelled your Direct Debit {reference}" in cancelled
