"""The budget planner in a real browser: sums done in the page, kept on the device,
cleared, printed, and (signed in) rent filled in from the resident's own account."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import accessible, signed_in_resident

pytestmark = pytest.mark.e2e


def _open_planner(page: Page) -> None:
    page.goto("/budget-planner")
    expect(page.get_by_role("heading", name="Budget planner", level=1)).to_be_visible()
    # The planner runs in the browser: its buttons are enabled once the page has started
    # there and read what this device kept (no server needed for that).
    expect(page.get_by_role("button", name="Clear the planner")).to_be_enabled()


def _enter(page: Page, line: str, amount: str, how_often: str) -> None:
    page.get_by_label(line, exact=True).fill(amount)
    page.get_by_label(f"{line}: how often").select_option(label=how_often)


def _left(page: Page):
    return page.locator("#budget-left")


def test_a_visitor_plans_a_budget_that_is_kept_on_the_device_and_can_be_cleared(page, portal, width):
    _open_planner(page)
    accessible(page)

    _enter(page, "Earnings from work", "£1,200", "Every month")  # 1,200.00
    _enter(page, "Benefits", "100", "Every week")  # 100 x 52 / 12 = 433.33
    _enter(page, "Rent", "100", "Every week")  # 433.33
    _enter(page, "Council Tax", "1,200", "Every year")  # 100.00
    _enter(page, "Food and housekeeping", "100", "Every 4 weeks")  # 100 x 13 / 12 = 108.33
    # In: 1,633.33. Out: 433.33 + 100.00 + 108.33 = 641.66. Left: 991.67.
    expect(_left(page)).to_have_text("You have £991.67 left each month")
    summary = page.get_by_role("region", name="Your budget each month, line by line")
    expect(summary.get_by_role("row", name=re.compile(r"^Total coming in"))).to_contain_text("£1,633.33")
    expect(summary.get_by_role("row", name=re.compile(r"^Total going out"))).to_contain_text("£641.66")
    expect(summary.get_by_role("row", name=re.compile(r"^Rent "))).to_contain_text("£433.33")

    # Without the earnings: 433.33 - 641.66 = 208.33 short, with rent and Council Tax to pay.
    page.get_by_label("Earnings from work", exact=True).fill("")
    expect(_left(page)).to_have_text("You are £208.33 short each month")
    expect(page.get_by_text("you have priority bills to pay")).to_be_visible()

    # An amount that cannot be read is explained next to the field and counted as 0.
    page.get_by_label("Water", exact=True).fill("12.505")
    expect(page.locator("#budget-water-error")).to_contain_text("Enter an amount in pounds, like 12.50")
    expect(page.get_by_label("Water", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(_left(page)).to_have_text("You are £208.33 short each month")
    accessible(page)
    page.get_by_label("Water", exact=True).fill("")

    # Kept on this device: a reload shows the same figures.
    page.reload()
    _open_planner(page)
    expect(page.get_by_label("Rent", exact=True)).to_have_value("100")
    expect(page.get_by_label("Rent: how often")).to_have_value("weekly")
    expect(page.get_by_label("Council Tax", exact=True)).to_have_value("1,200")
    expect(_left(page)).to_have_text("You are £208.33 short each month")
    stored = page.evaluate("localStorage.getItem('doorstep_budget_v1')")
    assert stored and '"a_rent":"100"' in stored

    # Printing shows the figures, not the buttons.
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Clear the planner")).to_be_hidden()
    expect(summary).to_be_visible()
    expect(_left(page)).to_be_visible()
    page.emulate_media(media="screen")

    page.get_by_role("button", name="Clear the planner").click()
    expect(page.get_by_label("Rent", exact=True)).to_have_value("")
    expect(page.get_by_label("Rent: how often")).to_have_value("weekly")
    expect(_left(page)).to_have_text("You have £0.00 left each month")
    assert page.evaluate("localStorage.getItem('doorstep_budget_v1')") is None
    page.reload()
    _open_planner(page)
    expect(page.get_by_label("Rent", exact=True)).to_have_value("")


def test_on_a_kiosk_nothing_is_written_to_the_device(page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough for the kiosk contract")
    if not portal.kiosk_url:
        pytest.skip("needs a kiosk host (E2E_KIOSK_URL)")
    page.goto(portal.kiosk_url + "/budget-planner")
    expect(page.get_by_role("button", name="Clear the planner")).to_be_enabled()
    assert page.evaluate("window.doorstep.kiosk") is True
    _enter(page, "Rent", "95.50", "Every week")
    expect(_left(page)).to_have_text("You are £413.83 short each month")  # 95.50 x 52 / 12 = 413.833...
    assert page.evaluate("localStorage.getItem('doorstep_budget_v1')") is None


def test_the_planner_is_linked_from_the_start_page_and_says_how_to_fill_from_an_account(page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough for the links")
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Open the budget planner").click()
    _open_planner(page)
    expect(page.get_by_role("button", name=re.compile("Fill in rent"))).to_have_count(0)
    expect(page.get_by_role("main").get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("contentinfo").get_by_role("link", name="Budget planner")).to_be_visible()


def test_a_signed_in_resident_fills_in_rent_from_their_own_account(page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough for filling from the account")
    signed_in_resident(page, portal, 9)
    page.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
    charges = page.get_by_role("region", name="Your regular charges")
    expect(charges).to_be_visible()
    weekly_rent = (
        charges.get_by_role("row").filter(has_text=re.compile("rent", re.I)).first.locator("td").nth(1).inner_text()
    )
    assert re.fullmatch(r"£[\d,]+\.\d{2}", weekly_rent), weekly_rent

    page.goto("/")
    page.get_by_role("main").get_by_role("link", name="Open the budget planner").click()
    _open_planner(page)
    fill = page.get_by_role("button", name="Fill in rent and service charges from my account")
    expect(fill).to_be_enabled()
    fill.click()
    expect(page.get_by_role("status").filter(has_text="Filled in from your rent account")).to_be_visible()
    expect(page.get_by_label("Rent", exact=True)).to_have_value(weekly_rent.lstrip("£").replace(",", ""))
    expect(page.get_by_label("Rent: how often")).to_have_value("weekly")
    accessible(page)


def test_the_sums_work_with_no_server_connection_at_all(page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough for the no-server check")
    # Every websocket to the backend is refused: no event can reach the server, as offline.
    page.route_web_socket(re.compile(r"/_event"), lambda ws: ws.close())
    _open_planner(page)
    _enter(page, "Pensions", "250", "Every 2 weeks")  # 250 x 26 / 12 = 541.666... -> 541.67
    _enter(page, "Gas and electricity", "30", "Every week")  # 30 x 52 / 12 = 130.00
    expect(_left(page)).to_have_text("You have £411.67 left each month")
    expect(page.locator(".budget__chart .main-svg").first).to_be_attached()
    page.reload()
    _open_planner(page)
    expect(page.get_by_label("Pensions", exact=True)).to_have_value("250")
    expect(_left(page)).to_have_text("You have £411.67 left each month")
    page.get_by_role("button", name="Clear the planner").click()
    expect(_left(page)).to_have_text("You have £0.00 left each month")


def test_a_screen_reader_user_hears_what_is_left_once_they_stop_typing_not_at_every_key(page, portal, width):
    if width == "phone":
        pytest.skip("one width is enough for what is announced")
    _open_planner(page)
    page.get_by_label("Earnings from work: how often").select_option(label="Every month")
    said = page.get_by_role("status").filter(has_text=re.compile(r"each month: £"))
    expect(said).to_have_text("You have £0.00 left each month: £0.00 coming in, £0.00 going out.")
    # Count every change to what is announced while the resident types four keys.
    page.evaluate(
        """() => { window.__said = []; const el = document.getElementById('budget-announcement');
        new MutationObserver(() => window.__said.push(el.textContent))
            .observe(el, {childList: true, characterData: true, subtree: true}); }"""
    )
    page.get_by_label("Earnings from work", exact=True).press_sequentially("1200", delay=150)
    expect(said).to_have_text("You have £1,200.00 left each month: £1,200.00 coming in, £0.00 going out.")
    assert page.evaluate("window.__said.filter(Boolean)") == [
        "You have £1,200.00 left each month: £1,200.00 coming in, £0.00 going out."
    ]
    _enter(page, "Rent", "1,300", "Every month")
    expect(said).to_have_text("You are £100.00 short each month: £1,200.00 coming in, £1,300.00 going out.")
    accessible(page)
