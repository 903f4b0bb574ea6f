"""How many bytes of Reflex state one browser tab keeps in Redis (tests/scale and
bench/state_size.py share it)."""

from __future__ import annotations

import re

import redis as redis_lib
from playwright.sync_api import Page, expect


def tab_token(page: Page) -> str:
    """The Reflex client token of the tab (sessionStorage), which keys its states in Redis."""
    token = page.evaluate("() => window.sessionStorage.getItem('token')")
    assert token, "the tab has no Reflex token yet"
    return token


def state_bytes(redis_url: str, token: str) -> dict[str, int]:
    """Every Redis value stored for ``token`` (the pickled states; not its lock), by key."""
    client = redis_lib.Redis.from_url(redis_url)
    sizes = {}
    for key in client.scan_iter(match=f"*{token}*", count=1000):
        name = key.decode()
        if "lock" in name or client.type(key) != b"string":
            continue
        sizes[name] = client.strlen(key)
    return sizes


def visit_the_resident_pages(page: Page) -> None:
    """Home, the account with its history, a statement, a request form: what a resident
    opens on a Monday morning."""
    page.goto("/home")
    expect(page.get_by_role("heading", name="Your accounts")).to_be_visible(timeout=20_000)
    page.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
    expect(page.get_by_role("heading", name="Transactions", exact=True)).to_be_visible(timeout=20_000)
    expect(page.get_by_role("table").first).to_be_visible(timeout=20_000)
    account = re.search(r"account=([^&]+)", page.url).group(1)
    page.get_by_role("link", name="Statements").first.click()
    expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=20_000)
    page.wait_for_url(re.compile(r"/account/statement"))
    page.goto(f"/requests/new?account={account}&kind=query")
    expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=20_000)
    expect(page.get_by_role("button", name="Send")).to_be_enabled(timeout=20_000)
