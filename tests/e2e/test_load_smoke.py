"""The load bench's 30-second smoke (``bench/load.py --smoke``, issue 15) on the suite's own
running portal: twenty residents at once over the real websocket, each signed in with
their own session, next to an empty Reflex app under the same load."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT


def test_twenty_residents_at_once_each_see_their_own_pages_with_no_errors_or_drops(portal):
    if portal.states_dir is None or not portal.database_url:
        pytest.skip("the smoke needs the portal this suite starts (E2E_BASE_URL is set)")
    done = subprocess.run(
        [
            sys.executable,
            "bench/load.py",
            "--smoke",
            "--doorstep",
            portal.base_url,
            "--doorstep-database",
            portal.database_url,
            "--doorstep-data",
            str(portal.states_dir.parent),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = done.stdout[-6000:] + done.stderr[-3000:]
    assert done.returncode == 0, report
    assert "Doorstep, embedded, 20 residents" in done.stdout, report
    assert "empty Reflex app, embedded, 20 residents" in done.stdout, report
