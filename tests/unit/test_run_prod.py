"""`make run-prod` (deploy/run-prod.sh) refuses, in one line, to run at scale on what
cannot be shared between processes; and the production profile's front end is told the
same headers the portal gives its own pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "run-prod.sh"


def _run(env: dict[str, str]) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return subprocess.run(
        ["bash", str(SCRIPT)], env=base | {"PY": sys.executable} | env, capture_output=True, text=True, timeout=60
    )


def test_run_prod_on_sqlite_is_refused_with_what_to_set():
    done = _run({})
    assert done.returncode == 2
    assert "needs PostgreSQL: set DATABASE_URL=postgresql" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_prod_without_redis_is_refused_with_what_to_set():
    done = _run({"DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:5432/nowhere"})
    assert done.returncode == 2
    assert "needs Redis: set REDIS_URL=" in done.stderr


def test_the_front_end_gets_the_portals_own_page_policy_for_the_build(tmp_path):
    (tmp_path / "index.html").write_text("<html><script>window.x=1</script></html>")
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "front_end_env.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    values = dict(line.split("=", 1) for line in done.stdout.splitlines())
    from portal_app.api.http import content_security_policy

    assert values["DOORSTEP_CSP_PAGE"] == content_security_policy("/home", tmp_path).decode()
    assert "'sha256-" in values["DOORSTEP_CSP_PAGE"]
    assert values["DOORSTEP_CACHE_ASSET"].endswith("immutable")
