"""Faults survived on the production profile: PostgreSQL restarted while a resident is
signed in. The database is a throwaway cluster of its own (the shared server is never
restarted), in a module of its own so that no other deployment holds the front end's
port while it runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _free_port
from tests.scale.conftest import PG_BIN, _create_database, deployment_on
from tests.scale.test_faults import _benefits_request, _half_written, _requests_of, _resident


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
