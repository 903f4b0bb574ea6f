"""The portal as an app on a resident's own phone: installable, working offline where it
can, saying calmly where it cannot, keeping statements on the device until sign-out, and
offering a reload when a new version arrives. Plus the headers on real responses."""

from __future__ import annotations

import os
import re
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import VIEWPORTS, accessible, signed_in_resident

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def _controlled(page: Page) -> None:
    """The service worker has installed, precached the app and controls the page."""
    page.wait_for_function("navigator.serviceWorker && !!navigator.serviceWorker.controller", timeout=30_000)


def _head(portal, path: str, headers: dict | None = None):
    request = urllib.request.Request(portal.base_url + path, method="GET", headers=headers or {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, {k.lower(): v for k, v in response.headers.items()}


def test_chromium_reports_no_installability_errors_and_reads_the_manifest(device, portal):
    device.goto("/")
    _controlled(device)
    cdp = device.context.new_cdp_session(device)
    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
    manifest = cdp.send("Page.getAppManifest")
    assert manifest["errors"] == []
    assert '"display": "standalone"' in manifest["data"]
    # The icons the manifest names are real PNGs of the stated sizes.
    for name, size in (("icon-192.png", 192), ("icon-512.png", 512), ("icon-maskable-512.png", 512)):
        with urllib.request.urlopen(f"{portal.base_url}/icons/{name}") as r:
            body = r.read()
        assert body[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(body[16:20], "big") == size


def test_the_start_page_offers_to_install_where_the_browser_can_and_explains_it_on_an_iphone(device, portal, browser):
    device.goto("/")
    # Chromium fires beforeinstallprompt once the worker is in place: the offer appears.
    expect(device.get_by_role("button", name="Install the app")).to_be_visible(timeout=30_000)
    accessible(device)
    iphone = browser.new_context(
        base_url=portal.base_url,
        viewport={"width": 390, "height": 844},
        locale="en-GB",
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1",
    )
    page = iphone.new_page()
    page.goto("/")
    expect(page.get_by_text("Add to Home Screen")).to_be_visible()
    expect(page.get_by_role("button", name="Install the app")).to_be_hidden()
    iphone.close()


def test_offline_the_portal_shows_its_own_calm_banner_instead_of_reflexs_toast_and_no_made_up_figures(device, portal):
    signed_in_resident(device, portal, 7)
    _controlled(device)
    device.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
    expect(device.get_by_role("heading", name="Balance", exact=True)).to_be_visible()
    expect(device.get_by_role("heading", name="Transactions", exact=True)).to_be_visible()
    device.wait_for_function("Object.keys(JSON.parse(localStorage.getItem('doorstep_last_seen') || '{}')).length > 0")
    seen = device.evaluate("Object.values(JSON.parse(localStorage.getItem('doorstep_last_seen')))[0]")

    device.context.set_offline(True)
    device.goto("/home")
    banner = device.locator("#offline-banner")
    expect(banner).to_contain_text("You're offline.")
    expect(banner).to_contain_text(seen)  # "Rent account RA…: your balance was £… at 10:42 on 22 November 2026."
    expect(device.get_by_text("You're offline. Connect to the internet to see your accounts.")).to_be_visible()
    body = device.inner_text("body")
    assert "Cannot connect to server" not in body
    # No made-up figure on the page (the banner's remembered balance may truly be £0.00).
    assert "£0.00" not in device.inner_text("main")
    assert device.locator("[data-sonner-toaster], section[aria-label^='Notifications']").count() == 0
    accessible(device)

    device.goto("/account")
    expect(device.get_by_text("Connect to the internet to see your balance")).to_be_visible()
    assert "£0.00" not in device.inner_text("main")

    # A page that was never in the app (a typed address) gets the offline page, not the browser's error.
    device.goto("/no-such-page-xyz")
    expect(device.get_by_role("heading", name="You're offline")).to_be_visible()
    device.context.set_offline(False)


def test_a_statement_opened_online_is_kept_on_the_device_opens_offline_and_is_gone_after_sign_out(device, portal):
    signed_in_resident(device, portal, 8)
    _controlled(device)
    device.goto("/account/statement")
    period = device.locator(".summary-list").filter(has_text="Period").locator("dd").nth(1)
    expect(period).not_to_have_text("")
    period_text = period.inner_text()
    device.wait_for_function("JSON.parse(localStorage.getItem('doorstep_saved_statements') || '[]').length > 0")

    device.context.set_offline(True)
    device.goto("/saved-statements")
    expect(device.get_by_role("heading", name="Statements saved on this device")).to_be_visible()
    saved = device.get_by_role("link", name=re.compile(re.escape(period_text)))
    expect(saved).to_be_visible()
    accessible(device)
    saved.click()
    expect(device.get_by_role("heading", name=re.compile("statement$"))).to_be_visible()
    expect(device.get_by_text(period_text).first).to_be_visible()
    expect(device.get_by_text(re.compile(r"This statement was produced at \d\d:\d\d on"))).to_be_visible()
    assert device.get_by_role("table").get_by_role("row").count() >= 3
    accessible(device)

    device.context.set_offline(False)
    # Nothing personal in the worker's own caches: no /api/ response, and no page kept
    # there mentions this resident's account.
    reference = re.search(r"[A-Z]{2}\d{6}", device.evaluate("localStorage.getItem('doorstep_saved_statements')")).group(
        0
    )
    kept = device.evaluate(
        """async (ref) => {
        const out = [];
        for (const name of await caches.keys()) {
            if (name === 'doorstep-saved-statements') continue;
            const cache = await caches.open(name);
            for (const request of await cache.keys()) {
                const body = await (await cache.match(request)).text();
                out.push([request.url, body.includes(ref)]);
            }
        }
        return out;
    }""",
        reference,
    )
    assert kept, "the worker precached nothing"
    assert not [url for url, _ in kept if "/api/" in url]
    assert not [url for url, personal in kept if personal]
    device.goto("/home")
    expect(device.get_by_role("button", name="Sign out")).to_be_enabled()
    device.get_by_role("button", name="Sign out").click()
    expect(device.get_by_role("heading", name="You have signed out")).to_be_visible()
    device.wait_for_function("localStorage.getItem('doorstep_saved_statements') === null")
    assert device.evaluate("caches.has('doorstep-saved-statements')") is False
    assert device.evaluate("localStorage.getItem('doorstep_saved_statements')") is None
    assert device.evaluate("localStorage.getItem('doorstep_last_seen')") is None
    device.goto("/saved-statements")
    expect(device.get_by_text("There are no statements saved on this device.")).to_be_visible()
    # The old address of the saved copy no longer opens it.
    device.context.set_offline(True)
    device.goto("/saved/" + "x")
    expect(device.get_by_role("heading", name="This statement is no longer saved on this device")).to_be_visible()
    device.context.set_offline(False)


def test_the_remove_button_deletes_saved_statements_from_the_device(device, portal):
    signed_in_resident(device, portal, 9)
    device.goto("/account/statement")
    device.wait_for_function("JSON.parse(localStorage.getItem('doorstep_saved_statements') || '[]').length > 0")
    device.goto("/saved-statements")
    device.get_by_role("button", name="Remove saved statements").click()
    expect(device.get_by_role("status").filter(has_text="removed from this device")).to_be_visible()
    expect(device.get_by_text("There are no statements saved on this device.")).to_be_visible()
    assert device.evaluate("caches.has('doorstep-saved-statements')") is False


def test_a_new_version_is_offered_with_a_reload_button_instead_of_mixing_old_and_new(device, portal):
    if os.environ.get("E2E_BASE_URL") or not (ROOT / ".web" / "build" / "client" / "sw.js").exists():
        pytest.skip("needs the portal this test run built (it changes the build's sw.js)")
    device.goto("/")
    _controlled(device)
    sw = ROOT / ".web" / "build" / "client" / "sw.js"
    original = sw.read_bytes()
    # The server prefers precompressed copies: set them aside so the new script is served.
    sidecars = {
        p: p.read_bytes()
        for p in (sw.with_name("sw.js.gz"), sw.with_name("sw.js.br"), sw.with_name("sw.js.zst"))
        if p.exists()
    }
    try:
        for p in sidecars:
            p.unlink()
        # A new build: the worker script changes.
        sw.write_bytes(original + f"\n// build {uuid.uuid4().hex}\n".encode())
        device.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
        update = device.get_by_role("region", name="New version")
        expect(update).to_be_visible(timeout=30_000)
        expect(update).to_contain_text("A new version of the portal is ready.")
        old = device.evaluate("navigator.serviceWorker.controller.scriptURL + performance.timeOrigin")
        update.get_by_role("button", name="Reload to use it").click()
        device.wait_for_function(
            f"navigator.serviceWorker.controller && (navigator.serviceWorker.controller.scriptURL + performance.timeOrigin) !== {old!r}"
        )
        expect(device.get_by_role("region", name="New version")).to_be_hidden()
    finally:
        sw.write_bytes(original)
        for p, body in sidecars.items():
            p.write_bytes(body)


def test_responses_carry_the_security_and_caching_headers(portal):
    status, page = _head(portal, "/")
    assert status == 200
    csp = page["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert page["x-content-type-options"] == "nosniff"
    assert page["referrer-policy"] == "same-origin"
    assert page["cache-control"] == "no-cache"

    index = ROOT / ".web" / "build" / "client" / "index.html"
    if index.exists():
        asset = re.search(r'/assets/[^"]+\.js', index.read_text()).group(0)
        _, hashed = _head(portal, asset)
        assert hashed["cache-control"] == "public, max-age=31536000, immutable"
    _, worker = _head(portal, "/sw.js")
    assert worker["cache-control"] == "no-cache"
    assert "javascript" in worker["content-type"]

    _, api = _head(portal, "/api/health")
    assert api["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in api["content-security-policy"]

    # CORS: the configured origin only, never "*".
    _, foreign = _head(portal, "/api/health", {"Origin": "https://evil.example"})
    assert foreign.get("access-control-allow-origin") in (None, "")
    _, own = _head(portal, "/api/health", {"Origin": portal.base_url})
    assert own.get("access-control-allow-origin") == portal.base_url


def test_after_one_online_visit_the_budget_planner_opens_and_sums_with_the_network_off(device, portal):
    device.goto("/")
    _controlled(device)
    # The worker precached the planner (and Plotly) in the background on the first visit.
    device.context.set_offline(True)
    device.goto("/budget-planner")
    expect(device.get_by_role("heading", name="Budget planner", level=1)).to_be_visible()
    expect(device.get_by_role("button", name="Clear the planner")).to_be_enabled()
    expect(device.locator("#offline-banner")).to_contain_text("You're offline.")
    for line, amount, how_often in (
        ("Earnings from work", "1,500", "Every month"),  # 1,500.00
        ("Rent", "95.50", "Every week"),  # 95.50 x 52 / 12 = 413.83
        ("Council Tax", "62", "Every 4 weeks"),  # 62 x 13 / 12 = 67.17 (67.1666…, rounded)
        ("Gas and electricity", "80", "Every 2 weeks"),  # 80 x 26 / 12 = 173.33
    ):
        device.get_by_label(line, exact=True).fill(amount)
        device.get_by_label(f"{line}: how often").select_option(label=how_often)
    # Left: 1,500.00 - (413.83 + 67.17 + 173.33) = 845.67
    expect(device.locator("#budget-left")).to_have_text("You have £845.67 left each month")
    # The chart of where the money goes draws offline too (Plotly came from the precache).
    expect(device.locator(".js-plotly-plot").first).to_be_visible()
    accessible(device)
    device.context.set_offline(False)


def test_offline_home_still_shows_the_balances_this_phone_last_showed_and_when_without_opening_an_account_first(
    device, portal, browser
):
    signed_in_resident(device, portal, 0)
    _controlled(device)
    cards = device.locator("main .card")
    expect(cards.first.locator(".balance")).not_to_have_text("")
    shown = [cards.nth(i).locator(".balance").inner_text() for i in range(cards.count())]
    assert shown

    device.context.set_offline(True)
    device.goto("/home")
    banner = device.locator("#offline-banner")
    expect(banner).to_contain_text("You're offline.")
    for balance in shown:
        expect(banner).to_contain_text(balance)
    # It says when: these are the figures as they were, not live ones.
    expect(banner).to_contain_text(re.compile(r"as at \d\d:\d\d on \d{1,2} [A-Z][a-z]+ \d{4}"))
    expect(banner).not_to_contain_text("Connect to see your balance.")
    accessible(device)
    device.context.set_offline(False)

    # Signing out takes them off the device.
    device.goto("/home")
    expect(device.get_by_role("button", name="Sign out")).to_be_enabled()
    device.get_by_role("button", name="Sign out").click()
    expect(device.get_by_role("heading", name="You have signed out")).to_be_visible()
    device.wait_for_function("localStorage.getItem('doorstep_last_seen') === null")

    # A shared screen in an office keeps nothing.
    if portal.kiosk_url:
        kiosk = browser.new_context(viewport=VIEWPORTS["phone"], base_url=portal.kiosk_url, locale="en-GB")
        page = kiosk.new_page()
        signed_in_resident(page, portal, 1)
        expect(page.locator("main .card .balance").first).not_to_have_text("")
        page.wait_for_timeout(1000)
        assert page.evaluate("localStorage.getItem('doorstep_last_seen')") is None
        kiosk.close()


# Whether the offline banner is drawn over any part of the focused element (WCAG 2.4.11):
# what the browser hit-tests at the element's corners and centre, inside the screen.
COVERED = """(selector) => {
  const el = document.activeElement, banner = document.querySelector(selector || '#offline-banner');
  if (!el || el === document.body || banner.contains(el)) return null;  // the banner's own links
  const r = el.getBoundingClientRect(), w = innerWidth, h = innerHeight;
  const xs = [r.left + 1, (r.left + r.right) / 2, r.right - 1], ys = [r.top + 1, (r.top + r.bottom) / 2, r.bottom - 1];
  let hidden = 0;
  for (const x of xs) for (const y of ys) {
    if (x < 0 || y < 0 || x >= w || y >= h) continue;
    const hit = document.elementFromPoint(x, y);
    if (hit && banner.contains(hit) && !el.contains(hit)) hidden++;
  }
  const name = (el.textContent || el.getAttribute('aria-label') || el.id || '').trim().slice(0, 40);
  return {name, hidden, banner: Math.round(banner.getBoundingClientRect().height)};
}"""


def _tab_through_under(device, banner: str) -> tuple[list[str], list[str]]:
    """Tab 30 stops forwards and 30 back: the names focused, and each stop ``banner`` covered."""
    covered, names = [], []
    for key in ["Tab"] * 30 + ["Shift+Tab"] * 30:
        device.keyboard.press(key)
        seen = device.evaluate(COVERED, banner)
        if seen is None:
            continue
        names.append(seen["name"])
        if seen["hidden"] > 0:
            covered.append(f"{key} {seen['name']!r} under the {seen['banner']}px banner")
    return names, covered


def test_offline_at_400_percent_zoom_the_banner_never_covers_the_link_or_button_a_keyboard_user_is_on(device, portal):
    signed_in_resident(device, portal, 2)
    _controlled(device)
    device.context.set_offline(True)
    device.set_viewport_size({"width": 320, "height": 256})  # 1280 x 1024 at 400%
    device.goto("/home")
    expect(device.locator("#offline-banner")).to_contain_text("You're offline.")
    expect(device.get_by_role("button", name="Sign out")).to_be_visible()
    names, covered = _tab_through_under(device, "#offline-banner")
    assert "Sign out" in names
    assert covered == [], "\n".join(covered)
    device.set_viewport_size(VIEWPORTS["phone"])
    accessible(device)
    device.context.set_offline(False)


def test_at_400_percent_zoom_the_new_version_banner_never_covers_what_a_keyboard_user_is_on(device, portal):
    """The "new version" banner was fixed to the foot of the screen, over the page."""
    signed_in_resident(device, portal, 3)
    device.set_viewport_size({"width": 320, "height": 256})  # 1280 x 1024 at 400%
    device.goto("/home")
    expect(device.get_by_role("button", name="Sign out")).to_be_visible()
    device.evaluate("document.getElementById('pwa-update').hidden = false")  # as pwa.js does when one waits
    expect(device.get_by_role("region", name="New version")).to_be_visible()
    names, covered = _tab_through_under(device, "#pwa-update")
    assert "Sign out" in names
    assert covered == [], "\n".join(covered)
