"""Paying by card in a real browser, with the built-in sandbox's card page: the receipt,
the payment pending on the account and home, a declined card, and the form's messages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import accessible, signed_in_resident

pytestmark = pytest.mark.e2e

SUCCESS, DECLINED = "4444333322221111", "4000000000000002"


def _to_card_page(page: Page, amount: str) -> None:
    page.goto("/home")
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()
    page.goto("/pay")
    expect(page.get_by_role("heading", name="Make a payment", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Continue")).to_be_enabled()
    accessible(page)
    # Nothing chosen: the message is next to the question, and the summary links to it.
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#choice-error")).to_contain_text("Choose how much you want to pay")
    accessible(page)
    page.get_by_role("radio", name=re.compile("^(Another amount|An amount of your choice)$")).check()
    page.locator("#other-amount").fill("0.50")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#other-amount-error")).to_contain_text("at least £1.00")
    expect(page.locator("#other-amount")).to_have_value("0.50")  # what was typed is kept
    page.locator("#other-amount").fill(amount)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Check your payment")).to_be_visible()
    expect(page.locator(".summary-list")).to_contain_text(f"£{amount}")
    accessible(page)
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_role("heading", name="Enter card details")).to_be_visible()
    expect(page.get_by_text("This is a test payment page.")).to_be_visible()
    assert "/api/sandbox-pay/" in page.url
    accessible(page)


def _card(page: Page, number: str, amount: str) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry month").fill("04")
    page.get_by_label("Expiry year").fill("30")
    page.get_by_label("Name on card").fill("A Resident")
    page.get_by_label("Card security code").fill("123")
    page.get_by_label("Postcode").fill("NB1 1AA")
    page.get_by_role("button", name=f"Pay £{amount}").click()


def test_a_resident_pays_25_pounds_sees_the_receipt_and_the_payment_pending_on_account_and_home(page, portal, width):
    email = signed_in_resident(page, portal, 8 if width == "desktop" else 9)
    _to_card_page(page, "25.00")
    _card(page, SUCCESS, "25.00")
    expect(page.get_by_role("heading", name="Payment received")).to_be_visible()
    receipt = page.locator(".summary-list")
    expect(receipt).to_contain_text("£25.00")
    expect(receipt.get_by_text("Authorisation code")).to_be_visible()
    expect(receipt).to_contain_text(re.compile(r"DP-[A-Z0-9]{10}"))
    reference = re.search(r"DP-[A-Z0-9]{10}", receipt.inner_text()).group(0)
    expect(page.get_by_role("button", name="Print this receipt")).to_be_visible()
    accessible(page)
    body = portal.mail.body(portal.mail.wait_for(email, "Payment received"))
    assert reference in body and "Authorisation code" in body

    page.get_by_role("link", name="See your account").click()
    expect(page.get_by_text("Payments you made here that we have not added yet")).to_be_visible()
    expect(page.get_by_text("£25.00 paid on")).to_be_visible()
    expect(page.get_by_text(reference)).to_be_visible()
    accessible(page)
    page.goto("/home")
    expect(page.get_by_text(re.compile("£25.00.*pending|pending.*£25.00", re.S)).first).to_be_visible()


def test_a_declined_card_takes_nothing_and_the_resident_can_try_again(page, portal, width):
    signed_in_resident(page, portal, 10 if width == "desktop" else 11)
    _to_card_page(page, "12.34")
    _card(page, DECLINED, "12.34")
    expect(page.get_by_role("heading", name="Your payment was declined")).to_be_visible()
    expect(page.get_by_text("No money has been taken.")).to_be_visible()
    accessible(page)
    page.get_by_role("link", name="Try again").click()
    expect(page.get_by_role("heading", name="Make a payment", level=1)).to_be_visible()
    expect(page.get_by_text("You have a payment that is not finished")).to_have_count(0)
    page.goto("/account")
    expect(page.get_by_text("Payments you made here that we have not added yet")).to_have_count(0)


def test_a_resident_in_arrears_proposes_a_payment_plan_and_sees_it_under_my_payment_plans(page, portal, width):
    signed_in_resident(page, portal, 0 if width == "desktop" else 1, owing_pence=50_000)
    page.goto("/pay")
    expect(page.get_by_role("heading", name="Make a payment", level=1)).to_be_visible()
    page.get_by_role("link", name="Set up a payment plan").click()
    expect(page.get_by_role("heading", name="Set up a payment plan", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Work out my plan")).to_be_enabled()
    accessible(page)
    # How often starts as the tenancy's rent frequency; nothing else filled in: each
    # message is next to its field.
    expect(page.get_by_label("Every week")).to_be_checked()
    page.get_by_role("button", name="Work out my plan").click()
    expect(page.locator("#extra-error")).to_contain_text("Enter how much you will pay")
    expect(page.locator("#start-date-error")).to_be_visible()
    accessible(page)
    page.get_by_label("Every week").check()
    page.locator("#extra").fill("50.00")
    start = page.evaluate(
        "(() => { const d = new Date(); d.setDate(d.getDate() + 7); return [d.getDate(), d.getMonth() + 1, d.getFullYear()]; })()"
    )
    page.locator("#start-date-day").fill(str(start[0]))
    page.locator("#start-date-month").fill(str(start[1]))
    page.locator("#start-date-year").fill(str(start[2]))
    page.get_by_role("button", name="Work out my plan").click()
    expect(page.get_by_role("heading", name="Your plan")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Your arrears of £[\d,.]+ would be cleared on"))).to_be_visible()
    expect(page.get_by_role("table", name="What each payment will be")).to_be_visible()
    accessible(page)
    page.get_by_role("button", name="Send my plan").click()
    expect(
        page.get_by_role("heading", name=re.compile("Your payment plan has started|Plan sent to your income officer"))
    ).to_be_visible()
    reference = re.search(r"PP-[A-Z0-9]{8}", page.locator(".panel").inner_text()).group(0)
    accessible(page)
    page.get_by_role("link", name="See your payment plans").click()
    expect(page.get_by_role("heading", name="My payment plans")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(f"Plan {reference}"))).to_be_visible()
    expect(page.get_by_text("£50.00 towards arrears of")).to_be_visible()
    accessible(page)
