"""The command line answers a mistake with one line saying what to do and an exit code,
never a traceback. Each test runs the real command (``python -m portal_app ...``) in a
process of its own, against a fresh SQLite file or a database server that is not there."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from portal_app.db import migrate
from portal_app.settings import PROJECT_ROOT


def run(tmp_path, *args: str, database_url: str | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{tmp_path}/portal.db",
        "PORTAL_DATA_DIR": str(tmp_path),
    }
    return subprocess.run(
        [sys.executable, "-m", "portal_app", *args],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=env,
        timeout=120,
    )


def one_line(done: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.mark.parametrize("args", [["import", "feed"], ["seed-demo"], ["mailbox"], ["send-mail"], ["worker"]])
def test_every_command_on_an_unmigrated_database_says_to_run_make_migrate(tmp_path, args):
    (tmp_path / "feed").mkdir()

    done = run(tmp_path, *[str(tmp_path / a) if a == "feed" else a for a in args])

    assert done.returncode == 3
    line = one_line(done)
    assert line.startswith(f"python -m portal_app {args[0]}: ")
    assert "`make migrate`" in line


def test_importing_a_feed_that_is_not_there_names_the_path_to_check(tmp_path):
    migrate(f"sqlite:///{tmp_path}/portal.db")

    done = run(tmp_path, "import", str(tmp_path / "no-such-feed.zip"))

    assert done.returncode == 1
    assert one_line(done) == (
        f"python -m portal_app import: There is no feed at {tmp_path / 'no-such-feed.zip'}: "
        "give the path of a feed folder or .zip file."
    )


def test_a_database_that_cannot_be_reached_says_to_check_database_url_and_hides_the_password(tmp_path):
    done = run(tmp_path, "mailbox", database_url="postgresql+psycopg://doorstep:s3cret@127.0.0.1:1/doorstep")

    assert done.returncode == 4
    line = one_line(done)
    assert line.startswith("python -m portal_app mailbox: Cannot reach the database at ")
    assert "check DATABASE_URL and that the database server is running" in line
    assert "s3cret" not in done.stderr


@pytest.mark.parametrize(
    "args, error",
    [
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["import"], "the following arguments are required: feed"),
        (["mailbox", "--limit", "lots"], "invalid int value: 'lots'"),
    ],
)
def test_a_bad_command_or_option_gives_the_usage_and_one_error_line(tmp_path, args, error):
    done = run(tmp_path, *args)

    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    usage, line = done.stderr.strip().splitlines()
    assert usage.startswith("usage: python -m portal_app")
    assert error in line and line.endswith("--help`.")


def test_the_demo_landlord_loaded_today_has_its_rent_charged_up_to_this_week(tmp_path):
    """A demo frozen on the day it was written (22 November 2026) showed missed rent and,
    a few days on, "overdue" instalments a leaseholder never missed."""
    from datetime import date, timedelta

    from sqlalchemy import create_engine, text

    from portal_app.clock import uk_today

    url = f"sqlite:///{tmp_path}/portal.db"
    migrate(url)

    done = run(tmp_path, "seed-demo", database_url=url)

    assert done.returncode == 0, done.stderr
    with create_engine(url).connect() as db:
        latest = db.execute(
            text(
                "SELECT max(t.posted_on) FROM ledger_transaction t JOIN account a ON a.id = t.account_id "
                "JOIN tenancy y ON y.id = a.tenancy_id WHERE y.tenancy_ref = 'TEN100001' AND t.amount_pence > 0"
            )
        ).scalar_one()
    latest = date.fromisoformat(str(latest)[:10])
    assert uk_today() - timedelta(days=7) < latest <= uk_today()
