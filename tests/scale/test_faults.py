"""Faults survived on the production profile: Redis restarted, a backend killed mid-event,
PostgreSQL restarted. Each fault gets servers of its own, so the shared ones never are."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import create_engine, text

from tests.e2e.conftest import _free_port
from tests.e2e.steps import VIEWPORTS, signed_in_resident
from tests.scale.conftest import PG_BIN, SHARED_PG, _create_database, _stop, answers, deployment_on
from tests.scale.test_two_machines import on_backend


class ThrowawayRedis:
    def __init__(self, work: Path) -> None:
        self.port = _free_port()
        self.work = work
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.work,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(50):
            if answers(self.port):
                return
            time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        _stop(self.proc)


@pytest.fixture(scope="module")
def own_redis(tmp_path_factory):
    r = ThrowawayRedis(tmp_path_factory.mktemp("redis"))
    r.start()
    yield r
    r.stop()


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


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own (initdb + pg_ctl, as the postgres user when run as
    root) on a free port, so restarting it never touches the shared server."""

    def __init__(self, work: Path) -> None:
        self.port = _free_port()
        self.work = work
        self.data = work / "pgdata"
        work.chmod(0o777)

    def _run(self, *args: str) -> None:
        cmd = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def server(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.work} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.work / "pg.log"), "-w", "start")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture
def own_postgres():
    work = Path(tempfile.mkdtemp(prefix="doorstep-pg-"))
    pg = ThrowawayPostgres(work)
    pg.init()
    pg.start()
    yield pg
    pg.stop()
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def on_own_postgres(frontend, scale_mailbox, own_postgres, own_redis):
    d = deployment_on(frontend, scale_mailbox, _create_database(own_postgres.server, "doorstep"), own_redis.url)
    try:
        d.start()
        yield d
    finally:
        d.stop()
        shutil.rmtree(d.work, ignore_errors=True)


def test_when_the_database_restarts_under_me_i_am_told_calmly_and_my_next_try_works(
    scale_browser, on_own_postgres, own_postgres
):
    d = on_own_postgres
    context, page = _resident(scale_browser, d, 6)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        page.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
        expect(page.get_by_role("heading", name="Transactions", exact=True)).to_be_visible()
        account = re.search(r"account=([^&]+)", page.url).group(1)
        _benefits_request(page, account)
        page.wait_for_timeout(1500)  # the form's choices reach the server before the database goes
        own_postgres.stop()
        try:
            # The request is sent while the database is down: a calm message on the page,
            # no browser alert, no traceback, no button left waiting.
            page.get_by_role("button", name="Send").click()
            problem = page.get_by_role("alert").filter(has_text="Something went wrong on our side")
            expect(problem).to_be_visible(timeout=30_000)
            expect(problem).to_contain_text("Please try again")
            assert not dialogs, f"a browser alert: {dialogs}"
            expect(page.get_by_text("Traceback")).to_have_count(0)
            expect(page.get_by_role("button", name="Send")).to_be_enabled()
        finally:
            own_postgres.start()
        # The next try works, and the request was written once, whole.
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("heading", name="Request sent")).to_be_visible(timeout=30_000)
        assert _requests_of(d.database_url, account) == 1
        assert _half_written(d.database_url) == 0
    finally:
        context.close()
