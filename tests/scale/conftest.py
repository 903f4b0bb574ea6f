"""The production profile in miniature: two backend processes ("two machines": separate
ports, the same PostgreSQL and Redis), the background worker as its own process, and
one front end (Caddy with ``deploy/Caddyfile.scale`` itself) serving the static
frontend and sending each new connection to the next backend in turn.

Runs when PostgreSQL and Redis answer on 127.0.0.1:5432 and :6379 (``make test`` says
loudly when they do not). The scale tests get a database of their own on that server
(``doorstep_scale``) and Redis database ``SCALE_REDIS_DB``, flushed first; the fault
tests start throwaway servers of their own (``throwaway_postgres``, ``throwaway_redis``)
so that the shared ones are never restarted.

The frontend is built once per run (``reflex export``, about 20 s) for the front end's
port, and every deployment of the run is served on that same port, one after another.
Which backend holds a page's websocket is read from Caddy's admin API (its active
requests per upstream).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, VENV_BIN, Mailbox, Portal, _free_port, _wait_http

ROOT = Path(__file__).resolve().parents[2]
CADDY = os.environ.get("CADDY_PATH", "/usr/bin/caddy")
SHARED_PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
SCALE_REDIS_DB = 13
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def answers(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", port)) == 0


MISSING = [name for name, port in (("PostgreSQL", 5432), ("Redis", 6379)) if not answers(port)]
if not Path(CADDY).exists():
    MISSING.append(f"Caddy ({CADDY}: `make caddy`)")
SKIP_REASON = f"SKIPPED: the scale and fault tests need {' and '.join(MISSING)} on 127.0.0.1" if MISSING else ""


def pytest_collection_modifyitems(config, items):
    if not SKIP_REASON:
        return
    for item in items:
        if "tests/scale" in str(item.fspath):
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


def pytest_terminal_summary(terminalreporter):
    if SKIP_REASON and any("tests/scale" in str(r.fspath) for r in terminalreporter.stats.get("skipped", [])):
        terminalreporter.write_line("")
        terminalreporter.write_line(f"!!!!!! {SKIP_REASON} !!!!!!", red=True, bold=True)
        terminalreporter.write_line("")


def _stop(proc: subprocess.Popen | None, sig=signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=15)
    except Exception:  # noqa: BLE001 - not stopping in time: kill it
        try:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        except Exception:  # noqa: BLE001
            pass


def _create_database(server: str, name: str) -> str:
    import psycopg

    with psycopg.connect(server.replace("postgresql+psycopg://", "postgresql://") + "/postgres", autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


@dataclass
class Frontend:
    folder: Path  # the static build
    port: int  # the front end's port it was built for
    admin_port: int


def build_frontend(work: Path) -> Frontend:
    """The static frontend, built once into ``work``, its websocket pointed at a free port
    the front end will listen on."""
    port, admin = _free_port(), _free_port()
    env = _base_env(work) | {
        "REFLEX_API_URL": f"http://127.0.0.1:{port}",
        "PORTAL_BASE_URL": f"http://127.0.0.1:{port}",
    }
    log = work / "export.log"
    with open(log, "wb") as out:
        done = subprocess.run(
            [str(VENV_BIN / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    assert done.returncode == 0, log.read_text()[-3000:]
    folder = work / "frontend"
    shutil.copytree(ROOT / ".web" / "build" / "client", folder)
    return Frontend(folder, port, admin)


@pytest.fixture(scope="session")
def frontend() -> Frontend:
    """One static frontend build for the run."""
    work = Path(tempfile.mkdtemp(prefix="doorstep-scale-build-"))
    yield build_frontend(work)
    shutil.rmtree(work, ignore_errors=True)


def _base_env(data_dir: Path) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_DATABASE", "REDIS_URL"))} | {
        "PORTAL_DATA_DIR": str(data_dir),
        "REFLEX_STATES_WORKDIR": str(data_dir / "states"),
        "PORTAL_ENV": "prod",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
        # The shared secrets every machine of one deployment has (settings.py).
        "SECRET_KEY": "scale-test-secret-key-the-same-on-every-machine",
        "ENCRYPTION_KEY": "scale-test-encryption-key-the-same-on-every-machine",
    }


@dataclass
class Deployment:
    """Two backends, the worker and Caddy, on one database and one Redis."""

    frontend: Frontend
    database_url: str
    redis_url: str
    mail: Mailbox
    work: Path
    backend_ports: list[int] = field(default_factory=list)
    backends: list[subprocess.Popen | None] = field(default_factory=list)
    worker: subprocess.Popen | None = None
    caddy: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.frontend.port}"

    @property
    def portal(self) -> Portal:
        return Portal(self.base_url, self.database_url, self.mail)

    def env(self) -> dict[str, str]:
        return _base_env(self.work) | {
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SMTP_URL": f"smtp://127.0.0.1:{self.mail.port}",
            "PORTAL_BASE_URL": self.base_url,
            "REFLEX_API_URL": self.base_url,
            "WORKER_IN_WEB": "false",
            "REFLEX_TRUSTED_PROXY_HOPS": "1",
        }

    def prepare(self) -> None:
        for step in (["migrate"], ["seed-demo"]):
            subprocess.run(
                [sys.executable, "-m", "portal_app", *step],
                cwd=ROOT,
                env=self.env(),
                check=True,
                stdout=subprocess.DEVNULL,
            )

    def start_backend(self, index: int) -> None:
        port = self.backend_ports[index]
        log = self.work / f"backend-{index}.log"
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                [
                    str(VENV_BIN / "reflex"),
                    "run",
                    "--env",
                    "prod",
                    "--backend-only",
                    "--backend-port",
                    str(port),
                    "--backend-host",
                    "127.0.0.1",
                ],
                cwd=ROOT,
                env=self.env() | {"GRANIAN_WORKERS": "1"},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.backends[index] = proc
        _wait_http(f"http://127.0.0.1:{port}/api/health", 180, proc, log)

    def start(self, backends: int = 2) -> None:
        self.backend_ports = [_free_port() for _ in range(backends)]
        self.backends = [None] * backends
        log = self.work / "worker.log"
        with open(log, "ab") as out:
            self.worker = subprocess.Popen(
                [sys.executable, "-m", "portal_app", "worker"],
                cwd=ROOT,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        for i in range(backends):
            self.start_backend(i)
        self.start_caddy()

    def start_caddy(self) -> None:
        sys.path.insert(0, str(ROOT / "deploy"))
        from front_end_env import front_end_env

        env = (
            os.environ.copy()
            | front_end_env(self.frontend.folder)
            | {
                "DOORSTEP_SITE": self.base_url,
                "DOORSTEP_BACKENDS": " ".join(f"127.0.0.1:{p}" for p in self.backend_ports),
                "DOORSTEP_CADDY_ADMIN": f"127.0.0.1:{self.frontend.admin_port}",
                "HOME": str(self.work),
                "XDG_DATA_HOME": str(self.work / "caddy-data"),
                "XDG_CONFIG_HOME": str(self.work / "caddy-config"),
            }
        )
        log = self.work / "caddy.log"
        with open(log, "ab") as out:
            self.caddy = subprocess.Popen(
                [CADDY, "run", "--config", str(ROOT / "deploy" / "Caddyfile.scale"), "--adapter", "caddyfile"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        _wait_http(f"{self.base_url}/api/health", 30, self.caddy, log)
        _wait_http(f"{self.base_url}/", 30, self.caddy, log)

    def active_backends(self) -> dict[int, int]:
        """Backend index -> its active requests through Caddy (an open websocket is one)."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.frontend.admin_port}/reverse_proxy/upstreams") as r:
            found = {u["address"]: u["num_requests"] for u in json.load(r)}
        return {i: found.get(f"127.0.0.1:{p}", 0) for i, p in enumerate(self.backend_ports)}

    def kill_backend(self, index: int) -> None:
        _stop(self.backends[index], signal.SIGKILL)
        self.backends[index] = None

    def stop(self) -> None:
        _stop(self.caddy)
        for proc in self.backends:
            _stop(proc)
        _stop(self.worker)


@pytest.fixture(scope="session")
def scale_mailbox() -> Mailbox:
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port  # type: ignore[attr-defined]
    yield box
    controller.stop()


def deployment_on(frontend: Frontend, mail: Mailbox, database_url: str, redis_url: str) -> Deployment:
    work = Path(tempfile.mkdtemp(prefix="doorstep-scale-"))
    d = Deployment(frontend, database_url, redis_url, mail, work)
    d.prepare()
    return d


@pytest.fixture(scope="module")
def deployment(frontend, scale_mailbox):
    """Two backends on the shared PostgreSQL (database doorstep_scale) and Redis (db 13)."""
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=SCALE_REDIS_DB).flushdb()
    d = deployment_on(
        frontend,
        scale_mailbox,
        _create_database(SHARED_PG, "doorstep_scale"),
        f"redis://127.0.0.1:6379/{SCALE_REDIS_DB}",
    )
    try:
        d.start()
        yield d
    finally:
        d.stop()
        if not os.environ.get("SCALE_KEEP"):
            shutil.rmtree(d.work, ignore_errors=True)


@pytest.fixture(scope="session")
def scale_browser(playwright_driver):
    b = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


class ThrowawayRedis:
    """A redis-server of its own on a free port, nothing saved: restarted, it is empty."""

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
