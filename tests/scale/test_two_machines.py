"""Two backend processes behind one front end: a resident's session carries on when a
connection lands on the other process, and signing out on one ends it on both."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.steps import VIEWPORTS, signed_in_resident


def on_backend(deployment, page: Page, path: str) -> int:
    """Open ``path`` in ``page`` (a new websocket) and return which backend holds it."""
    page.goto(path)
    page.wait_for_function("() => !!document.querySelector('main')")
    # The page's previous socket may take a moment to close.
    for _ in range(150):
        active = {i: n for i, n in deployment.active_backends().items() if n}
        if len(active) == 1:
            return next(iter(active))
        page.wait_for_timeout(100)
    raise AssertionError(f"no single backend holds the page's websocket: {deployment.active_backends()}")


@pytest.fixture
def tab(scale_browser, deployment):
    context = scale_browser.new_context(viewport=VIEWPORTS["desktop"], base_url=deployment.base_url, locale="en-GB")
    context.set_default_timeout(20_000)
    yield context
    context.close()


def test_my_session_carries_on_when_my_next_connection_lands_on_the_other_machine(tab, deployment):
    page = tab.new_page()
    signed_in_resident(page, deployment.portal, 0)
    seen = {}
    for _ in range(6):
        served_by = on_backend(deployment, page, "/home")
        expect(page.get_by_role("heading", name="Your accounts")).to_be_visible(timeout=20_000)
        expect(page.get_by_role("region").filter(has_text="Rent account").first).to_be_visible(timeout=20_000)
        seen[served_by] = True
        if len(seen) == 2:
            break
    assert sorted(seen) == [0, 1], f"every connection went to one backend: {seen}"


def test_signing_out_on_one_machine_signs_my_other_tab_out_on_the_other(tab, deployment):
    first = tab.new_page()
    signed_in_resident(first, deployment.portal, 1)
    first_on = on_backend(deployment, first, "/home")
    second = tab.new_page()
    for _ in range(6):
        # Only the second tab's socket is counted: the first one's is open on first_on.
        second.goto("/account")
        expect(second.get_by_role("heading", name="Your accounts").or_(second.locator("h1"))).to_be_visible(
            timeout=20_000
        )
        counts = deployment.active_backends()
        if counts[1 - first_on] >= 1:
            break
        second.close()
        second = tab.new_page()
    else:
        raise AssertionError(f"the second tab never landed on the other backend: {deployment.active_backends()}")
    expect(second.get_by_text("Rent account").first).to_be_visible(timeout=20_000)

    first.get_by_role("button", name="Sign out").click()
    expect(first.get_by_role("heading", name="You have signed out")).to_be_visible(timeout=20_000)

    # The second tab's next event, on the other process, finds the session ended.
    second.get_by_role("link", name="Home").first.click()
    expect(second.get_by_role("banner").get_by_role("link", name="Sign in")).to_be_visible(timeout=20_000)
    expect(second.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(second.get_by_text("Rent account")).to_have_count(0)
