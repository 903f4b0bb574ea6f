"""Faults survived on the production profile: Redis restarted, a backend killed mid-event
(PostgreSQL restarted: test_database_restart.py). The deployment has a Redis of its own
(``own_redis``), so the shared one is never restarted."""

from __future__ import annotations

import re
import shutil

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.steps import VIEWPORTS, signed_in_resident
from tests.scale.conftest import SHARED_PG, _create_database, deployment_on
from tests.scale.test_two_machines import on_backend


@pytest.fixture(scope="module")
def faulty(frontend, scale_mailbox, own_redis):
    """Two backends on their own Redis (restartable) and their own database, shared by the
    Redis and backend faults (the Redis test leaves Redis running again; the backend test,
    which leaves one backend dead, comes after it)."""
    d = deployment_on(frontend, scale_mailbox, _create_database(SHARED_PG, "doorstep_scale_faults"), own_redis.url)
    try:
        d.start()
        yield d
    finally:
        d.stop()
        shutil.rmtree(d.work, ignore_errors=True)


def _resident(scale_browser, d, index):
    context = scale_browser.new_context(viewport=VIEWPORTS["desktop"], base_url=d.base_url, locale="en-GB")
    context.set_default_timeout(20_000)
    page = context.new_page()
    signed_in_resident(page, d.portal, index)
    return context, page


def test_when_redis_restarts_i_stay_signed_in_and_my_page_fills_in_again(scale_browser, faulty, own_redis):
    context, page = _resident(scale_browser, faulty, 4)
    try:
        expect(page.get_by_role("region").filter(has_text="Rent account").first).to_be_visible()
        own_redis.stop()
        own_redis.start()  # empty: every tab's state is gone
        # The next event on the open page (a link within the app) and a fresh load both
        # find the resident signed in (the session lives in PostgreSQL) and fill the page again.
        page.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
        expect(page.get_by_role("heading", name="Transactions", exact=True)).to_be_visible(timeout=30_000)
        page.goto("/home")
        expect(page.get_by_role("heading", name="Your accounts")).to_be_visible(timeout=30_000)
        expect(page.get_by_role("region").filter(has_text="Rent account").first).to_be_visible()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    finally:
        context.close()


def _half_written(database_url: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as c:
        n = c.execute(
            text(
                "SELECT count(*) FROM money_request r "
                "WHERE NOT EXISTS (SELECT 1 FROM request_update u WHERE u.request_id = r.id)"
            )
        ).scalar_one()
    engine.dispose()
    return int(n)


def _requests_of(database_url: str, account_ref: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as c:
        n = c.execute(
            text(
                "SELECT count(*) FROM money_request r JOIN account a ON a.id = r.account_id WHERE a.account_ref = :ref"
            ),
            {"ref": account_ref},
        ).scalar_one()
    engine.dispose()
    return int(n)


def _benefits_request(page, account: str) -> None:
    page.goto(f"/requests/new?account={account}&kind=benefits_advice")
    expect(page.get_by_role("heading", name="Get advice about benefits")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_enabled()
    _fill_benefits(page)


def _fill_benefits(page) -> None:
    page.get_by_role("radio", name="Housing Benefit").check()
    page.get_by_role("radio", name="Any time").check()
    page.get_by_role("radio", name="Email", exact=True).check()
    page.get_by_label("Email address (if by email)").fill("resident@example.com")


def test_when_the_machine_serving_me_dies_mid_request_my_next_try_works_on_the_other(scale_browser, faulty):
    context, page = _resident(scale_browser, faulty, 5)
    try:
        page.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
        expect(page.get_by_role("heading", name="Transactions", exact=True)).to_be_visible()
        account = re.search(r"account=([^&]+)", page.url).group(1)
        _benefits_request(page, account)
        serving = on_backend(faulty, page, page.url.replace(faulty.base_url, ""))
        _fill_benefits(page)
        page.get_by_role("button", name="Send").click()
        faulty.kill_backend(serving)  # while the event is on its way or running
        before = _requests_of(faulty.database_url, account)
        assert before in (0, 1), f"{before} requests from one click"
        # The page reconnects to the other backend; the resident's next event works there.
        if before == 0:
            _benefits_request(page, account)
            page.get_by_role("button", name="Send").click()
        else:
            page.goto("/requests")
        expect(page.get_by_role("heading", name=re.compile("^(Request sent|Your requests)$"))).to_be_visible(
            timeout=30_000
        )
        assert faulty.active_backends()[1 - serving] >= 1, "the page is not on the other backend"
        assert _requests_of(faulty.database_url, account) == 1
        assert _half_written(faulty.database_url) == 0
    finally:
        context.close()
