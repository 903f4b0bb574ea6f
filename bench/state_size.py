"""Bytes of Reflex state one browser tab keeps in Redis: a signed-in resident after home,
an account with its history, a statement and a request form, next to a visitor who has
opened only the start page (the app's smallest state), in the same run.

    .venv/bin/python bench/state_size.py
    .venv/bin/python bench/state_size.py --in-process

Needs PostgreSQL and Redis on 127.0.0.1 (database doorstep_state_bench, Redis database
14, both emptied first) and Caddy: it runs the production profile of tests/scale with one
backend.

``--in-process`` needs none of them: it loads the demo landlord (a small feed; its
longest account is demo resident 6's, RA100006, whatever the size) into a throwaway
SQLite file, runs the account page's load for that account and then a change of history
page on an ``AccountState`` in this process, and prints the bytes the state would take in
Redis (what Reflex pickles for it) and the bytes of each event's delta to the browser.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

REDIS_DB = 14


def account_state_sizes(tenancies: int = 12) -> dict[str, int]:
    """The account page's state for the demo's longest account, in bytes: pickled as
    Reflex keeps it (``stored``), and as JSON, the delta of its load event (``load_delta``)
    and of a change of history page after it (``page_delta``). Uses the database that
    ``DATABASE_URL`` names, which it fills with the demo landlord."""
    from tests.account_state import account_state_after_load

    loaded = account_state_after_load(tenancies=tenancies)
    return {**loaded.sizes, **{f"{name}_statements": n for name, n in loaded.statements.items()}}


def in_process() -> int:
    import os

    work = Path(tempfile.mkdtemp(prefix="doorstep-state-bench-"))
    os.environ["PORTAL_DATA_DIR"] = str(work / "data")
    os.environ["DATABASE_URL"] = f"sqlite:///{work / 'state.db'}"
    try:
        from portal_app.db import migrate

        migrate()
        sizes = account_state_sizes()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("The account page's state, the demo's longest account (RA100006), in this process:")
    print(f"    stored (pickled, as in Redis) after load: {sizes['stored']:>7} bytes")
    print(f"    of which the chart:                       {sizes['chart']:>7} bytes")
    print(f"    of which the history page:                {sizes['history']:>7} bytes")
    print(f"    delta sent to the browser by the load:    {sizes['load_delta']:>7} bytes")
    print(f"    delta sent by a change of history page:   {sizes['page_delta']:>7} bytes")
    print(
        f"SQL statements run by the load: {sizes['load_statements']}; by a change of page: {sizes['page_statements']}"
    )
    return 0


def main() -> int:
    if "--in-process" in sys.argv[1:]:
        return in_process()
    import redis
    from aiosmtpd.controller import Controller
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, Mailbox, _free_port
    from tests.e2e.steps import VIEWPORTS, signed_in_resident
    from tests.scale.conftest import MISSING, SHARED_PG, _create_database, build_frontend, deployment_on
    from tests.scale.state_size import state_bytes, tab_token, visit_the_resident_pages

    if MISSING:
        print(f"state_size: needs {' and '.join(MISSING)}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="doorstep-state-bench-"))
    mail = Mailbox()
    mail.port = _free_port()  # type: ignore[attr-defined]
    smtp = Controller(mail, hostname="127.0.0.1", port=mail.port)
    smtp.start()
    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    d = deployment_on(build_frontend(work), mail, _create_database(SHARED_PG, "doorstep_state_bench"), redis_url)
    try:
        d.start(backends=1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            visitor = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=d.base_url).new_page()
            visitor.goto("/")
            expect(visitor.get_by_role("link", name="Sign in").first).to_be_visible()
            visitor.wait_for_timeout(1000)
            visitor_bytes = sum(state_bytes(redis_url, tab_token(visitor)).values())
            resident = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=d.base_url).new_page()
            resident.set_default_timeout(20_000)
            signed_in_resident(resident, d.portal, 0)
            visit_the_resident_pages(resident)
            sizes = state_bytes(redis_url, tab_token(resident))
            browser.close()
    finally:
        d.stop()
        smtp.stop()
        shutil.rmtree(work, ignore_errors=True)
    total = sum(sizes.values())
    print(f"Signed-in resident (home, account, statement, request form): {total:>7} bytes in {len(sizes)} keys")
    for key, n in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"    {n:>7}  {key.split('_', 1)[1].rsplit('.', 1)[-1]}")
    print(f"Visitor on the start page (the app's smallest state):   {visitor_bytes:>7} bytes")
    print("Reflex warns at 1 MB; tests/scale/test_state_size.py fails above 64 KB.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
