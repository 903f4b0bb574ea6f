"""Pages that stay still while they load: the header and panels are right before the
server answers (the boot script's signed-in hint), and a private page's figures land in
space held for them, so nothing a resident is reading or about to tap jumps."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import signed_in_resident

pytestmark = pytest.mark.e2e

# Every layout shift the page makes, with what moved (Layout Instability API).
WATCH_SHIFTS = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    if (e.hadRecentInput) continue;
    window.__shifts.push({value: e.value, moved: e.sources.map((s) =>
      (s.node && (s.node.id || s.node.tagName + "." + s.node.className)) || "?")});
  }
}).observe({type: "layout-shift", buffered: true});
"""

# Google's "good" cumulative layout shift is below 0.1; these pages should not move at all.
STILL = 0.01


def _shifts(page: Page) -> tuple[float, list]:
    page.wait_for_timeout(1500)  # a late shift would land here
    shifts = page.evaluate("window.__shifts")
    return sum(s["value"] for s in shifts), shifts


def _never_answered(page: Page) -> None:
    """The app's websocket connects to nothing: the page stays as the server sent it."""
    page.route_web_socket("**/_event**", lambda ws: None)


def test_a_signed_in_residents_home_page_and_planner_do_not_jump_when_their_figures_arrive(page, portal, width):
    signed_in_resident(page, portal, 10 if width == "desktop" else 11)
    page.context.add_init_script(WATCH_SHIFTS)

    page.goto("/home")
    expect(page.get_by_role("heading", name="Rent account")).to_be_visible()
    total, shifts = _shifts(page)
    assert total < STILL, f"the home page moved while loading: {shifts}"

    page.goto("/budget-planner")
    expect(page.get_by_role("button", name="Fill in rent and service charges from my account")).to_be_enabled()
    total, shifts = _shifts(page)
    assert total < STILL, f"the budget planner moved while loading: {shifts}"


def test_before_the_server_answers_the_header_is_the_signed_in_one_only_where_this_tab_holds_a_session(page, portal):
    _never_answered(page)
    page.goto("/budget-planner")
    header = page.get_by_role("navigation", name="Account")
    expect(header.get_by_role("link", name="Sign in")).to_be_visible()
    expect(header.get_by_role("link", name="Your accounts")).to_have_count(0)
    expect(page.get_by_text("Have a rent or service charge account with us?")).to_be_visible()

    # What a signed-in browser holds: the HttpOnly session cookie, and the hint the boot script reads.
    page.evaluate("document.cookie = 'doorstep_signed_in=1; path=/'")
    page.reload()
    expect(header.get_by_role("link", name="Your accounts")).to_be_visible()
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    expect(header.get_by_role("link", name="Sign in")).to_have_count(0)
    expect(page.get_by_role("button", name="Fill in rent and service charges from my account")).to_be_disabled()


def test_once_the_server_answers_a_stale_token_on_the_device_does_not_keep_the_signed_in_header(page, portal):
    page.goto("/budget-planner")
    page.context.add_cookies(
        [
            {
                "name": "doorstep_session",
                "value": "a-token-the-server-never-issued",
                "url": portal.base_url,
                "httpOnly": True,
            },
            {"name": "doorstep_signed_in", "value": "1", "url": portal.base_url},
        ]
    )
    page.reload()
    header = page.get_by_role("navigation", name="Account")
    expect(header.get_by_role("link", name="Sign in")).to_be_visible()
    expect(header.get_by_role("link", name="Your accounts")).to_have_count(0)
    expect(page.get_by_role("button", name="Fill in rent and service charges from my account")).to_have_count(0)
