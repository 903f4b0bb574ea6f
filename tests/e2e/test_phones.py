"""The portal on a resident's phone and by keyboard: the figures a resident comes for on
screen at 390px without sideways scrolling, lists without stray bullets, and a focus
style that can be read and survives Windows' forced colours (issue 13, items 8 and 10)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import VIEWPORTS, accessible, signed_in_resident

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}

# Every cell of a table's first rows that has something in it: inside the screen, and
# the table's region does not scroll sideways.
CELLS_ON_SCREEN = """(label) => {
  const wrap = document.querySelector(`.table-wrap[aria-label="${label}"]`);
  const width = document.documentElement.clientWidth;
  const off = [];
  for (const tr of [...wrap.querySelectorAll('tbody tr')].slice(0, 6)) {
    for (const c of tr.querySelectorAll('td, th')) {
      const r = c.getBoundingClientRect();
      if (!c.textContent.trim() || r.width === 0) continue;
      if (r.left < 0 || r.right > width + 1) off.push(`${c.dataset.label || c.textContent.trim()} ${Math.round(r.right)}px`);
    }
  }
  return {off, scrolls: wrap.scrollWidth - wrap.clientWidth};
}"""

# What a sighted resident sees of a list: a bullet drawn for an item (list-style) whose
# content is not a line of text (a block of cells, a card) is left on its own.
STRAY_BULLETS = """() => [...document.querySelectorAll('main li')]
  .filter(li => li.offsetParent !== null && getComputedStyle(li).display === 'list-item'
               && getComputedStyle(li).listStyleType !== 'none')
  .filter(li => { const first = li.firstElementChild; if (!first) return false;
                  const d = getComputedStyle(first).display;
                  return ['block', 'flex', 'grid', 'table'].includes(d); })
  .map(li => li.textContent.trim().slice(0, 40))"""


def _phone(browser, portal) -> Page:
    context = browser.new_context(viewport=PHONE, base_url=portal.base_url, locale="en-GB")
    context.set_default_timeout(20_000)
    return context.new_page()


def _semantics_kept(page: Page, label: str, headings: list[str]) -> None:
    """A screen reader still meets a table: its rows, its column headings and its cells."""
    region = page.get_by_role("region", name=label)
    table = region.get_by_role("table")
    expect(table).to_have_count(1)
    for heading in headings:
        expect(table.get_by_role("columnheader", name=heading, exact=True)).to_have_count(1)
    assert table.get_by_role("row").count() >= 3
    assert table.get_by_role("cell").count() >= 6


def test_on_a_phone_each_transaction_and_statement_line_shows_its_amount_and_balance_without_scrolling_sideways(
    browser, portal
):
    page = _phone(browser, portal)
    signed_in_resident(page, portal, 2)
    page.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
    expect(page.get_by_role("region", name="Transaction list")).to_be_visible()
    seen = page.evaluate(CELLS_ON_SCREEN, "Transaction list")
    assert seen["off"] == [] and seen["scrolls"] <= 0, f"off the phone's screen: {seen}"
    _semantics_kept(page, "Transaction list", ["Date", "Description", "Charged", "Paid", "Balance"])
    # Each line reads as a block: the date, then what it was, the amount, and the balance after
    # it, one under another, each beside its column's heading.
    first = page.get_by_role("region", name="Transaction list").locator("tbody tr").first
    tops = [first.locator(f"[data-label='{h}']").bounding_box()["y"] for h in ("Date", "Description", "Balance")]
    assert tops == sorted(tops) and len(set(tops)) == 3, tops
    label = first.locator("[data-label='Balance']").evaluate("c => getComputedStyle(c, '::before').content")
    assert label == '"Balance"'
    accessible(page)

    page.goto("/account/statement")
    expect(page.get_by_role("region", name="Statement lines")).to_be_visible()
    expect(page.get_by_role("region", name="Statement lines").locator("tbody tr").nth(1)).to_be_visible()
    seen = page.evaluate(CELLS_ON_SCREEN, "Statement lines")
    assert seen["off"] == [] and seen["scrolls"] <= 0, f"off the phone's screen: {seen}"
    _semantics_kept(page, "Statement lines", ["Date", "Description", "Debit", "Credit", "Balance"])
    assert page.evaluate(STRAY_BULLETS) == []
    accessible(page)
    page.context.close()


def test_on_a_phone_the_statement_periods_and_my_requests_have_no_bullets_left_on_their_own(browser, portal):
    page = _phone(browser, portal)
    signed_in_resident(page, portal, 3)
    page.goto("/account/statement")
    expect(page.get_by_role("button", name=re.compile("months|year", re.I)).first).to_be_visible()
    assert page.evaluate(STRAY_BULLETS) == []
    # The period choices: each bullet on the first line of its choice, not left beside the last.
    for li in page.locator("#period-heading ~ ul li").all():
        button = li.get_by_role("button")
        assert abs(button.bounding_box()["y"] - li.bounding_box()["y"]) < 4
    accessible(page)

    page.goto("/requests/new?kind=query")
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    page.get_by_label("Your question").fill("Why was this charged twice in the same week?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    page.goto("/requests")
    region = page.get_by_role("region", name="Your requests")
    expect(region).to_be_visible()
    seen = page.evaluate(CELLS_ON_SCREEN, "Your requests")
    assert seen["off"] == [] and seen["scrolls"] <= 0, f"off the phone's screen: {seen}"
    assert page.evaluate(STRAY_BULLETS) == []
    accessible(page)
    page.context.close()


# What the focused element looks like: its text against what is behind it (WCAG 1.4.3,
# 4.5:1), and its outline (the one focus indicator forced colours keeps).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const rgba = (s) => { const m = s.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const behind = (e) => { for (let n = e; n; n = n.parentElement) {
    const c = rgba(getComputedStyle(n).backgroundColor); if (c && c[3] > 0) return c; } return [255, 255, 255, 1]; };
  const lum = (c) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const cs = getComputedStyle(el);
  const a = lum(rgba(cs.color)), b = lum(behind(el));
  const name = (el.getAttribute('aria-label') || el.textContent || el.getAttribute('name') || el.id || '').trim().slice(0, 50);
  return {what: `${el.tagName.toLowerCase()}.${el.getAttribute('class') || ''} "${name}"`,
          text: !(el.tagName === 'INPUT' && /checkbox|radio/.test(el.type)) && el.getAttribute('role') !== 'region',
          ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
          outline: cs.outlineStyle, outlineWidth: parseFloat(cs.outlineWidth) || 0,
          shadow: cs.boxShadow, outlineColour: cs.outlineColor};
}"""


def _tab_through(page: Page, most: int = 120) -> list[dict]:
    page.locator("body").focus()
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen: list[dict] = []
    names: set[str] = set()
    for _ in range(most):
        page.keyboard.press("Tab")
        f = page.evaluate(FOCUSED)
        if f is None:
            break
        if f["what"] in names and seen and f["what"] == seen[0]["what"]:
            break  # round to the start again
        names.add(f["what"])
        seen.append(f)
    return seen


def _focus_problems(page: Page, forced: bool) -> list[str]:
    problems = []
    for f in _tab_through(page):
        if f["outline"] == "none" or f["outlineWidth"] < 2:
            problems.append(f"no outline: {f['what']}")
        if forced:
            # Windows draws the transparent outline in its own colour.
            if f["outlineColour"] in ("rgba(0, 0, 0, 0)", "transparent"):
                problems.append(f"outline not drawn in forced colours: {f['what']}")
            continue
        if f["text"] and f["ratio"] < 4.5:
            problems.append(f"text {f['ratio']:.2f}:1 when focused: {f['what']}")
        if f["shadow"] == "none" and f["outlineColour"] in ("rgba(0, 0, 0, 0)", "transparent"):
            problems.append(f"nothing drawn: {f['what']}")
    return problems


@pytest.mark.parametrize("forced", [False, True], ids=["ordinary colours", "forced colours"])
def test_a_keyboard_user_can_read_every_focused_link_button_and_box_and_see_its_outline_in_forced_colours(
    browser, portal, forced
):
    context = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=portal.base_url, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    signed_in_resident(page, portal, 4 if forced else 5)
    if forced:
        page.emulate_media(forced_colors="active")
    problems: list[str] = []
    expect(page.get_by_role("heading", name="Rent account").first).to_be_visible()
    problems += _focus_problems(page, forced)  # skip link, header links, Sign out, cards' links, footer
    page.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
    expect(page.get_by_role("region", name="Transaction list")).to_be_visible()
    problems += _focus_problems(page, forced)  # the filter's boxes and buttons, the table's links
    page.goto("/account/statement")
    expect(page.get_by_role("region", name="Statement lines")).to_be_visible()
    problems += _focus_problems(page, forced)  # the period buttons, Choose your own dates
    page.goto("/requests/new?kind=statement")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    problems += _focus_problems(page, forced)  # radios, text boxes
    context.clear_cookies()
    page.goto("/staff/sign-in")
    expect(page.get_by_role("heading", name="Sign in to the back office")).to_be_visible()
    problems += _focus_problems(page, forced)  # the back office's header
    assert problems == [], "\n".join(dict.fromkeys(problems))
    if not forced:
        accessible(page)
    context.close()
