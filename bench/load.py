"""Many residents at once, over the real websocket, next to an empty Reflex app in the same run.

    make bench-load                                  # 50, 100, 200, 500 residents; both profiles
    .venv/bin/python bench/load.py --residents 200 --profiles production --hold 60
    .venv/bin/python bench/load.py --smoke           # the 30-second run make test does

What one simulated resident does (each with its own websocket, its own Reflex client
token and its own signed-in server session, made for the run in the portal's database):
opens home (a new page: the socket's CONNECT packet carries the hydrate, as a browser's
does), goes to the account page, pages to the next fifty lines of history, goes to the
statement page, waits, and starts again with a new page. Between events it thinks for 2
to 5 seconds (uniform). The frames it sends are those a real Chromium sent for the same
journey, recorded with Playwright at the start of the run, with the account reference
and token made the resident's own; so the bench speaks the framework's protocol exactly,
whatever version of it is installed.

The empty app (built here: one state var, one handler) gets the same load: open a page
(its on_load is the handler), go to a second page, press its button, go back. Same kinds
of event (a page opened, a page changed to, a handler), same think time, same counts.

Profiles:

* ``embedded``: ``reflex run --env prod --single-port`` on SQLite, one process (``make run``);
* ``production``: ``reflex run --env prod --backend-only`` with ``GRANIAN_WORKERS`` (default
  2 x cores + 1) on PostgreSQL (database ``doorstep_load_bench``, made afresh) and Redis
  (database 12, emptied first), with the background worker as its own process
  (``make run-prod`` without Caddy: the load goes straight to the backend port).

Each level ramps up over ``--ramp`` seconds and is measured over ``--hold`` seconds. It
prints, per target: events per second; p50/p95/p99 round trip per kind of event (send
to the last update the event produces); errors (an event answered with the framework's
error, a page that did not show the resident's own data, a server log line with a
traceback or a lock held too long) and drops (an event with no answer in 30 s, a socket
closed under it, a connection refused); server CPU (% of one core, and milliseconds per
event) and memory per process; Redis memory per resident. The ratios to the empty app
come from the same run.

Needs Chromium (``make chromium``) for the recording; the production profile needs
PostgreSQL and Redis on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DATABASE = "doorstep_load_bench"
REDIS_DB = 12
ANSWER_TIMEOUT = 30.0
THINK = (2.0, 5.0)
KINDS = ("open page", "change page", "handler", "change page 2")
# What each kind is in Doorstep's journey.
DOORSTEP_KINDS = {
    "open page": "home",
    "change page": "account",
    "handler": "older history",
    "change page 2": "statement",
}
# Server log lines that are an error a resident saw or nearly saw.
LOG_ERRORS = re.compile(r"Traceback|LockExpiredError|held too long|Exception in|ERROR", re.IGNORECASE)
HYDRATED = '"is_hydrated_rx_state_":true'
# Skip the demo accounts the README names (and the e2e suite registers): start past them.
FIRST_RESIDENT_OFFSET = 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def say(msg: str) -> None:
    print(msg, flush=True)


def base_env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_DATABASE", "REDIS_URL", "GRANIAN"))
    } | {
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
    }


# --------------------------------------------------------------------------- servers


@dataclass
class Server:
    name: str
    procs: list[subprocess.Popen]
    logs: list[Path]
    base_url: str  # where the websocket is (and, single-port, the pages)

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.poll() is None]

    def log_errors(self, since: dict[Path, int]) -> list[str]:
        found = []
        for log in self.logs:
            text = log.read_text(errors="replace") if log.exists() else ""
            found += [line for line in text[since.get(log, 0) :].splitlines() if LOG_ERRORS.search(line)]
        return found

    def log_marks(self) -> dict[Path, int]:
        return {log: (len(log.read_text(errors="replace")) if log.exists() else 0) for log in self.logs}

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                    proc.wait(timeout=20)
                except Exception:  # noqa: BLE001 - gone, or will not go: make sure
                    try:
                        os.killpg(proc.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass


def _spawn(cmd: list[str], cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_http(url: str, server: Server, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    while True:
        for proc, log in zip(server.procs, server.logs, strict=False):
            if proc.poll() is not None:
                raise RuntimeError(f"{server.name} exited:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=3) as r:
                if r.status == 200:
                    return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{server.name} did not answer {url} in {timeout:.0f}s")
        time.sleep(1)


def reflex_run(name: str, cwd: Path, env: dict[str, str], log: Path, *, single_port: bool, port: int = 0) -> Server:
    port = port or free_port()
    if single_port:
        args = ["--single-port", "--frontend-port", str(port), "--backend-port", str(port)]
    else:
        args = ["--backend-only", "--backend-port", str(port)]
    proc = _spawn(
        [str(VENV_BIN / "reflex"), "run", "--env", "prod", *args, "--backend-host", "127.0.0.1"], cwd, env, log
    )
    return Server(name, [proc], [log], f"http://127.0.0.1:{port}")


EMPTY_CONFIG = """import reflex as rx

config = rx.Config(app_name="empty_load", plugins=[], disable_plugins=[rx.plugins.SitemapPlugin],
                   telemetry_enabled=False, show_built_with_reflex=False)
"""

EMPTY_APP = '''"""An empty Reflex app: one state var, one handler (bench/load.py)."""

import reflex as rx


class State(rx.State):
    count: int = 0

    @rx.event
    def bump(self):
        self.count += 1


def index() -> rx.Component:
    return rx.el.main(
        rx.el.h1("Empty app"),
        rx.el.p("Count: ", State.count),
        rx.el.button("Add one", on_click=State.bump),
        rx.el.a("Second page", href="/two"),
    )


def two() -> rx.Component:
    return rx.el.main(rx.el.h1("Second page"), rx.el.p("Count: ", State.count), rx.el.a("Back", href="/"))


app = rx.App()
app.add_page(index, on_load=State.bump)
app.add_page(two, route="/two", on_load=State.bump)
'''


def make_empty_app(work: Path) -> Path:
    app = work / "empty_load"
    (app / "empty_load").mkdir(parents=True)
    (app / "rxconfig.py").write_text(EMPTY_CONFIG)
    (app / "empty_load" / "__init__.py").write_text("")
    (app / "empty_load" / "empty_load.py").write_text(EMPTY_APP)
    (app / "requirements.txt").write_text("reflex\n")
    return app


def pg_database() -> str:
    import psycopg

    admin = PG_SERVER.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        c.execute(f"CREATE DATABASE {PG_DATABASE}")
    return f"{PG_SERVER}/{PG_DATABASE}"


def doorstep_env(data_dir: Path, database_url: str, base_url: str, redis_url: str = "") -> dict[str, str]:
    env = base_env() | {
        "PORTAL_DATA_DIR": str(data_dir),
        "REFLEX_STATES_WORKDIR": str(data_dir / "states"),
        "DATABASE_URL": database_url,
        "PORTAL_BASE_URL": base_url,
        "PORTAL_ENV": "prod",
        "SMTP_URL": "",
        "PYTHONPATH": str(ROOT),
    }
    if redis_url:
        env |= {"REDIS_URL": redis_url, "WORKER_IN_WEB": "false"}
    return env


def prepare_doorstep(env: dict[str, str]) -> None:
    for step in (["migrate"], ["seed-demo"]):
        subprocess.run(
            [sys.executable, "-m", "portal_app", *step], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
        )


def start_doorstep(work: Path, profile: str, workers: int) -> tuple[Server, dict[str, str]]:
    """Doorstep in ``profile``, the demo landlord loaded; waits until it answers."""
    data = work / f"doorstep-{profile}"
    data.mkdir()
    port = free_port()
    # The address the pages and the websocket are served from: the portal allows its
    # websocket only from there (CORS, CSP), as a deployment's PORTAL_BASE_URL.
    base_url = f"http://127.0.0.1:{port}"
    if profile == "embedded":
        env = doorstep_env(data, f"sqlite:///{data}/portal.db", base_url)
    else:
        import redis

        redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
        redis.Redis.from_url(redis_url).flushdb()
        env = doorstep_env(data, pg_database(), base_url, redis_url) | {"GRANIAN_WORKERS": str(workers)}
    say(f"  loading the demo landlord ({profile}) ...")
    prepare_doorstep(env)
    server = reflex_run(
        f"Doorstep ({profile})", ROOT, env, data / "web.log", single_port=profile == "embedded", port=port
    )
    if profile != "embedded":
        server.procs.append(_spawn([sys.executable, "-m", "portal_app", "worker"], ROOT, env, data / "worker.log"))
        server.logs.append(data / "worker.log")
    wait_http(server.base_url + "/api/health", server)
    if profile == "embedded":
        wait_http(server.base_url + "/", server)
    return server, env


def start_empty(work: Path, app: Path, profile: str, workers: int) -> Server:
    env = base_env()
    if profile != "embedded":
        # Reflex reads its own settings from REFLEX_*: the empty app's state in Redis, as Doorstep's.
        env |= {"REFLEX_REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}", "GRANIAN_WORKERS": str(workers)}
        import redis

        redis.Redis.from_url(env["REFLEX_REDIS_URL"]).flushdb()
    server = reflex_run(
        f"empty Reflex app ({profile})", app, env, work / f"empty-{profile}.log", single_port=profile == "embedded"
    )
    wait_http(server.base_url + "/ping" if profile != "embedded" else server.base_url + "/", server)
    return server


# --------------------------------------------------------------------------- residents

RESIDENTS_SNIPPET = textwrap.dedent("""
    import json, sys
    from sqlalchemy import text
    from portal_app.clock import utcnow
    from portal_app.db import session_scope
    from portal_app.models.identity import PortalUser
    from portal_app.services.identity import passwords, sessions

    n, offset = int(sys.argv[1]), int(sys.argv[2])
    now = utcnow()
    password_hash = passwords.hash_password("bench load resident 42")
    out = []
    with session_scope() as s:
        rows = s.execute(text(
            "SELECT t.id, p.id, p.first_name, a.account_ref FROM tenancy t "
            "JOIN tenancy_party tp ON tp.tenancy_id = t.id JOIN person p ON p.id = tp.person_id "
            "JOIN account a ON a.tenancy_id = t.id AND a.account_type = 'rent' "
            "WHERE t.end_date IS NULL AND tp.role = 'lead_tenant' AND tp.end_date IS NULL "
            "AND t.tenure IN ('secure', 'introductory', 'flexible', 'assured', 'starter') "
            "AND NOT EXISTS (SELECT 1 FROM portal_user u WHERE u.person_id = p.id) "
            "AND (SELECT COUNT(*) FROM account o WHERE o.tenancy_id = t.id) = 1 "
            "AND (SELECT COUNT(*) FROM ledger_transaction l WHERE l.account_id = a.id) > 60 "
            "ORDER BY t.tenancy_ref LIMIT :n OFFSET :o"), {"n": n, "o": offset}).all()
        for i, (tenancy_id, person_id, first_name, account_ref) in enumerate(rows):
            user = PortalUser(email=f"load-{offset + i}@bench.example", mobile="+447700900000",
                              password_hash=password_hash, person_id=person_id, tenancy_id=tenancy_id,
                              status="active", paper_correspondence=False, created_at=now)
            s.add(user)
            s.flush()
            token = sessions.create_session(s, user.id, client="bench/load.py", now=now)
            out.append({"session": token, "account": account_ref, "first_name": first_name})
    print(json.dumps(out))
""")


@dataclass
class Resident:
    session: str  # the server session's token: the cookie, never shown
    account: str
    first_name: str


def make_residents(env: dict[str, str], n: int, offset: int = FIRST_RESIDENT_OFFSET) -> list[Resident]:
    """``n`` residents signed in for the run: a portal account each (one password hash for
    all: the bench measures pages, not sign-in) and a server session, as a sign-in makes."""
    done = subprocess.run(
        [sys.executable, "-c", RESIDENTS_SNIPPET, str(n), str(offset)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    found = [Resident(r["session"], r["account"], r["first_name"]) for r in json.loads(done.stdout)]
    if len(found) < n:
        raise RuntimeError(f"the demo landlord has only {len(found)} residents free to sign in, not {n}")
    return found


# --------------------------------------------------------------------------- recording


@dataclass
class Step:
    kind: str
    frames: list[str]  # what the browser sent for this step (Socket.IO packets)
    updates: int  # how many updates the server sent back for it
    waits_for_hydrated: bool  # a page load: done when the page is hydrated


@dataclass
class Journey:
    connect: str  # the CONNECT packet (carries the hydrate of the page opened)
    steps: list[Step]
    path: str  # the websocket's path
    cookie_name: str = ""
    account: str = ""  # the recorded resident's account reference, replaced per resident
    expect: dict[str, str] = field(default_factory=dict)  # kind -> text the answer must hold ({account})


def record(base_url: str, actions, cookie: tuple[str, str] | None = None) -> tuple[str, list[list[str]], list[int]]:
    """Drive Chromium through ``actions(page, mark)`` and keep every websocket frame; returns
    the CONNECT packet, the frames sent per step, and the updates received per step."""
    from playwright.sync_api import sync_playwright

    log: list[tuple[str, str]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
        context = browser.new_context(base_url=base_url)
        if cookie:
            context.add_cookies([{"name": cookie[0], "value": cookie[1], "url": base_url}])
        page = context.new_page()
        page.set_default_timeout(30_000)

        def on_socket(ws):
            ws.on("framesent", lambda f: log.append(("sent", f if isinstance(f, str) else f.decode())))
            ws.on("framereceived", lambda f: log.append(("recv", f if isinstance(f, str) else f.decode())))

        page.on("websocket", on_socket)
        try:
            actions(page, lambda: (page.wait_for_timeout(1500), log.append(("mark", ""))))
        except Exception as e:
            text = page.locator("main").first.inner_text(timeout=2000) if page.locator("main").count() else ""
            raise RuntimeError(f"the recording stopped on {page.url}: {e}\nThe page said: {text[:1500]}") from e
        finally:
            browser.close()
    connect = next(f for k, f in log if k == "sent" and f.startswith("40"))
    steps_sent: list[list[str]] = [[]]
    steps_recv: list[int] = [0]
    for kind, frame in log:
        if kind == "mark":
            steps_sent.append([])
            steps_recv.append(0)
        elif kind == "sent" and frame.startswith("42"):
            steps_sent[-1].append(frame)
        elif kind == "recv" and frame.startswith("42") and '["event",' in frame[:20]:
            steps_recv[-1] += 1
    return connect, steps_sent[:-1], steps_recv[:-1]


def record_doorstep(base_url: str, resident: Resident) -> Journey:
    from playwright.sync_api import expect

    from portal_app.services.identity import cookies

    def actions(page, mark):
        page.goto("/home")
        expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()
        mark()
        page.get_by_role("link", name=re.compile("^Transactions and balance")).first.click()
        expect(page.get_by_role("table").first).to_be_visible()
        mark()
        page.get_by_role("button", name="Older").first.click()
        expect(page.get_by_text(re.compile(r"Page 2 of"))).to_be_visible()
        mark()
        page.get_by_role("link", name="Statements").first.click()
        expect(page.get_by_role("heading", name=re.compile("^Statement"))).to_be_visible()
        mark()

    cookie_name = cookies.cookie_name(cookies.SESSION, secure=False)
    connect, sent, received = record(base_url, actions, (cookie_name, resident.session))
    return _journey(
        connect,
        sent,
        received,
        cookie_name,
        resident.account,
        expect={
            "open page": '"signed_in_rx_state_":true',
            "change page": "{account}",
            "handler": "{account}",
            "change page 2": "{account}",
        },
    )


def record_empty(base_url: str) -> Journey:
    from playwright.sync_api import expect

    def actions(page, mark):
        page.goto("/")
        expect(page.get_by_text(re.compile(r"Count: 1"))).to_be_visible()
        mark()
        page.get_by_role("link", name="Second page").click()
        expect(page.get_by_text(re.compile(r"Count: 2"))).to_be_visible()
        mark()
        page.get_by_role("link", name="Back").click()
        expect(page.get_by_text(re.compile(r"Count: 3"))).to_be_visible()
        page.wait_for_timeout(1000)
        page.get_by_role("button", name="Add one").click()
        expect(page.get_by_text(re.compile(r"Count: 4"))).to_be_visible()
        mark()
        page.get_by_role("link", name="Second page").click()
        expect(page.get_by_text(re.compile(r"Count: 5"))).to_be_visible()
        mark()

    connect, sent, received = record(base_url, actions)
    # The journey's third step is the button alone (the way back to "/" only set it up).
    back_frames = sent[2]
    handler = [f for f in back_frames if ".bump" in f]
    sent[2] = handler[-1:]
    received[2] = 1
    return _journey(connect, sent, received, "", "", expect={k: "count_rx_state_" for k in KINDS})


def _journey(connect, sent, received, cookie_name, account, expect) -> Journey:
    if len(sent) != len(KINDS):
        raise RuntimeError(f"the recording has {len(sent)} steps, not {len(KINDS)}")
    steps = [
        Step(kind, frames, max(1, n), waits_for_hydrated=kind != "handler")
        for kind, frames, n in zip(KINDS, sent, received, strict=True)
    ]
    # The first step's frames are the CONNECT packet's hydrate: nothing else is sent for it.
    steps[0].frames = []
    return Journey(connect, steps, "/_event/", cookie_name, account, expect)


# --------------------------------------------------------------------------- the load


@dataclass
class Results:
    times: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, int] = field(default_factory=dict)
    drops: dict[str, int] = field(default_factory=dict)
    measuring: bool = False
    connected: int = 0

    def error(self, why: str) -> None:
        if self.measuring:
            self.errors[why] = self.errors.get(why, 0) + 1

    def drop(self, why: str) -> None:
        if self.measuring:
            self.drops[why] = self.drops.get(why, 0) + 1


class Dropped(Exception):
    pass


class Client:
    """One resident's tab: a websocket speaking Engine.IO 4 / Socket.IO 5 as the browser does."""

    def __init__(self, url: str, journey: Journey, resident: Resident | None, results: Results) -> None:
        self.url, self.journey, self.resident, self.results = url, journey, resident, results
        self.inbox: asyncio.Queue[str] = asyncio.Queue()
        # The tab's Reflex token (its sessionStorage): the same for every page the tab opens.
        self.token = str(uuid.uuid4())
        self.ws = None
        self.reader: asyncio.Task | None = None

    def _own(self, frame: str) -> str:
        if self.resident and self.journey.account:
            return frame.replace(self.journey.account, self.resident.account)
        return frame

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if message == "2":
                    await self.ws.send("3")
                elif message.startswith("42"):
                    await self.inbox.put(message)
        except Exception:  # noqa: BLE001 - the socket closed; the waiting step reports it
            pass
        await self.inbox.put("")

    async def open(self) -> None:
        import websockets

        token = self.token
        headers = {"Origin": self.url.replace("ws://", "http://").split("/_event")[0], "User-Agent": "bench/load.py"}
        if self.resident and self.journey.cookie_name:
            headers["Cookie"] = f"{self.journey.cookie_name}={self.resident.session}"
        try:
            self.ws = await websockets.connect(
                f"{self.url}?token={token}&EIO=4&transport=websocket",
                additional_headers=headers,
                max_size=None,
                open_timeout=ANSWER_TIMEOUT,
                ping_interval=None,
            )
            hello = await asyncio.wait_for(self.ws.recv(), ANSWER_TIMEOUT)
        except Exception as e:  # noqa: BLE001
            raise Dropped(f"connect: {type(e).__name__}") from e
        if not hello.startswith("0"):
            raise Dropped("connect: no Engine.IO open packet")
        self.reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await asyncio.wait([self.reader], timeout=5)
        self.ws = self.reader = None
        self.inbox = asyncio.Queue()

    async def step(self, step: Step) -> float:
        """Send the step's frames and wait for its answer; the round trip in seconds."""
        started = time.perf_counter()
        if step.kind == KINDS[0]:
            await self.ws.send(self._own(self.journey.connect))
        for frame in step.frames:
            await self.ws.send(self._own(frame))
        got, seen = 0, []
        deadline = started + ANSWER_TIMEOUT
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise Dropped("no answer in 30 s")
            try:
                message = await asyncio.wait_for(self.inbox.get(), left)
            except TimeoutError:
                raise Dropped("no answer in 30 s") from None
            if message == "":
                raise Dropped("socket closed")
            got += 1
            seen.append(message)
            if step.waits_for_hydrated and HYDRATED in message:
                break
            if not step.waits_for_hydrated and got >= step.updates:
                break
        elapsed = time.perf_counter() - started
        text = "".join(seen)
        want = self.journey.expect.get(step.kind, "").replace(
            "{account}", self.resident.account if self.resident else ""
        )
        if want and want not in text:
            self.results.error(f"{step.kind}: the page did not show the resident's own data")
        if "reflex___state____frontend_event_exception_state" in text or '"window_alert"' in text:
            self.results.error(f"{step.kind}: the framework's error")
        return elapsed

    async def run(self, stop_at: float, first_delay: float) -> None:
        await asyncio.sleep(first_delay)
        rng = random.Random(id(self))
        while time.monotonic() < stop_at:
            try:
                await self.open()
                self.results.connected += 1
                for step in self.journey.steps:
                    if time.monotonic() >= stop_at:
                        break
                    measuring = self.results.measuring
                    took = await self.step(step)
                    if measuring and self.results.measuring:
                        self.results.times[step.kind].append(took)
                    await asyncio.sleep(rng.uniform(*THINK))
            except Dropped as e:
                self.results.drop(str(e))
                await asyncio.sleep(rng.uniform(*THINK))
            finally:
                if self.ws is not None:
                    self.results.connected -= 1
                await self.close()


class Sampler:
    """CPU seconds and memory of the server's processes (each with its children)."""

    def __init__(self, pids: list[int]) -> None:
        import psutil

        self.psutil = psutil
        self.roots = [psutil.Process(p) for p in pids]

    def processes(self):
        found = []
        for root in self.roots:
            try:
                found += [root, *root.children(recursive=True)]
            except self.psutil.NoSuchProcess:
                continue
        return found

    def cpu(self) -> dict[int, float]:
        out = {}
        for p in self.processes():
            try:
                t = p.cpu_times()
                out[p.pid] = t.user + t.system
            except self.psutil.NoSuchProcess:
                continue
        return out

    def memory(self) -> dict[str, int]:
        out = {}
        for p in self.processes():
            try:
                rss = p.memory_info().rss
                if rss > 30 * 1024 * 1024:  # the servers, not the shells that started them
                    out[f"{p.pid} {' '.join(p.cmdline()[1:3])[:40]}"] = rss
            except self.psutil.NoSuchProcess:
                continue
        return out


@dataclass
class Level:
    target: str
    residents: int
    events_per_s: float
    times: dict[str, list[float]]
    errors: dict[str, int]
    drops: dict[str, int]
    cpu_percent: float
    cpu_ms_per_event: float
    memory: dict[str, int]
    redis_bytes_per_resident: float | None

    def all_times(self) -> list[float]:
        return [t for ts in self.times.values() for t in ts]


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def redis_used(url: str) -> int:
    import redis

    return int(redis.Redis.from_url(url).info("memory")["used_memory"])


async def _load(
    url: str,
    journey: Journey,
    residents: list[Resident | None],
    ramp: float,
    hold: float,
    sampler: Sampler,
    redis_url: str = "",
) -> tuple[Results, float, float, int, dict[str, int]]:
    results = Results()
    start = time.monotonic()
    stop_at = start + ramp + hold
    n = len(residents)
    tasks = [
        asyncio.create_task(Client(url, journey, r, results).run(stop_at, ramp * i / max(1, n)))
        for i, r in enumerate(residents)
    ]
    await asyncio.sleep(ramp)
    before_cpu, t0 = sampler.cpu(), time.monotonic()
    results.measuring = True
    await asyncio.sleep(hold)
    results.measuring = False
    after_cpu, t1 = sampler.cpu(), time.monotonic()
    # Redis and memory while every resident is still connected, before they leave.
    redis_after = redis_used(redis_url) if redis_url else 0
    memory = sampler.memory()
    await asyncio.wait(tasks, timeout=ANSWER_TIMEOUT + THINK[1] + 10)
    for t in tasks:
        t.cancel()
    cpu = sum(after_cpu.get(p, 0.0) - before_cpu.get(p, 0.0) for p in after_cpu)
    return results, cpu, t1 - t0, redis_after, memory


def measure(
    target: str,
    server: Server,
    journey: Journey,
    residents: list[Resident | None],
    *,
    ramp: float,
    hold: float,
    redis_url: str = "",
) -> Level:
    url = server.base_url.replace("http://", "ws://") + journey.path
    if redis_url:  # each level starts from an empty Redis, so its bytes are this level's
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    sampler = Sampler(server.pids())
    marks = server.log_marks()
    redis_before = redis_used(redis_url) if redis_url else 0
    results, cpu, wall, redis_after, memory = asyncio.run(
        _load(url, journey, residents, ramp, hold, sampler, redis_url)
    )
    events = sum(len(ts) for ts in results.times.values())
    errors = dict(results.errors)
    logged = server.log_errors(marks)
    if logged:
        errors["server log: " + logged[0][:80]] = len(logged)
    return Level(
        target=target,
        residents=len(residents),
        events_per_s=events / wall if wall else 0.0,
        times=results.times,
        errors=errors,
        drops=dict(results.drops),
        cpu_percent=100 * cpu / wall if wall else 0.0,
        cpu_ms_per_event=1000 * cpu / events if events else float("nan"),
        memory=memory,
        redis_bytes_per_resident=(redis_after - redis_before) / len(residents) if redis_url else None,
    )


# --------------------------------------------------------------------------- printing


def ms(seconds: float) -> str:
    if seconds != seconds:  # nan
        return "-"
    value = seconds * 1000
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def print_level(level: Level, empty: Level | None) -> None:
    every = level.all_times()
    p50, p95, p99 = (_pct(every, q) for q in (50, 95, 99))
    say(
        f"  {level.target}, {level.residents} residents: {level.events_per_s:.1f} events/s, "
        f"p50 {ms(p50)}, p95 {ms(p95)}, p99 {ms(p99)}; server CPU {level.cpu_percent:.0f}% "
        f"({level.cpu_ms_per_event:.1f} ms per event); errors {sum(level.errors.values())}, "
        f"drops {sum(level.drops.values())}"
    )
    for kind in KINDS:
        ts = level.times[kind]
        name = DOORSTEP_KINDS[kind] if "Doorstep" in level.target else kind
        say(
            f"      {name:<14} n={len(ts):<5} p50 {ms(_pct(ts, 50)):>9}  p95 {ms(_pct(ts, 95)):>9}  "
            f"p99 {ms(_pct(ts, 99)):>9}"
        )
    for why, n in {**level.errors, **level.drops}.items():
        say(f"      ! {n} x {why}")
    for name, rss in sorted(level.memory.items()):
        say(f"      memory {rss / 2**20:6.0f} MiB  {name}")
    if level.redis_bytes_per_resident is not None:
        say(f"      Redis: {level.redis_bytes_per_resident / 1024:.1f} KiB per resident")
    if empty is not None:
        ep95 = _pct(empty.all_times(), 95)
        ratio = p95 / ep95 if ep95 else float("nan")
        cpu_ratio = level.cpu_ms_per_event / empty.cpu_ms_per_event if empty.cpu_ms_per_event else float("nan")
        say(
            f"      against the empty app in this run: p95 x {ratio:.1f} (target <= 2.5 and <= 100 ms), "
            f"CPU per event x {cpu_ratio:.1f} (target <= 2)"
        )


def table(levels: list[Level]) -> None:
    say("\n| residents | target | events/s | p50 | p95 | p99 | server CPU | CPU/event | errors | drops |")
    say("|---|---|---|---|---|---|---|---|---|---|")
    for lv in levels:
        t = lv.all_times()
        say(
            f"| {lv.residents} | {lv.target} | {lv.events_per_s:.1f} | {ms(_pct(t, 50))} | {ms(_pct(t, 95))} | "
            f"{ms(_pct(t, 99))} | {lv.cpu_percent:.0f}% | {lv.cpu_ms_per_event:.1f} ms | "
            f"{sum(lv.errors.values())} | {sum(lv.drops.values())} |"
        )


# --------------------------------------------------------------------------- main


def run_profile(profile: str, work: Path, levels: list[int], args, journeys: dict[str, Journey]) -> list[Level]:
    """The empty app, then Doorstep, at each level, in ``profile``."""
    workers = args.workers
    say(
        f"\n== {profile} profile"
        + (f" ({workers} workers, PostgreSQL + Redis)" if profile != "embedded" else " (one process, SQLite)")
    )
    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}" if profile != "embedded" else ""
    out: list[Level] = []
    empty = journeys.pop("empty server", None) if profile == "embedded" else None
    empty = empty or start_empty(work, args.empty_app, profile, workers)
    try:
        for n in levels:
            level = measure(
                f"empty Reflex app, {profile}",
                empty,
                journeys["empty"],
                [None] * n,
                ramp=args.ramp,
                hold=args.hold,
                redis_url=redis_url,
            )
            print_level(level, None)
            out.append(level)
    finally:
        empty.stop()
    if args.only == "empty":
        return out
    doorstep, env = args.running or start_doorstep(work, profile, workers)
    try:
        residents = make_residents(env, max(levels) + 1)
        if "doorstep" not in journeys:
            journeys["doorstep"] = record_doorstep(doorstep.base_url, residents[-1])
        for n in levels:
            level = measure(
                f"Doorstep, {profile}",
                doorstep,
                journeys["doorstep"],
                residents[:n],
                ramp=args.ramp,
                hold=args.hold,
                redis_url=redis_url,
            )
            print_level(level, next(e for e in out if e.residents == n))
            out.append(level)
            if args.py_spy and n == max(levels):
                profile_under_load(doorstep, journeys["doorstep"], residents[:n], args, work)
    finally:
        if not args.running:
            doorstep.stop()
    return out


def running_doorstep(url: str, database_url: str, data_dir: str) -> tuple[Server, dict[str, str]]:
    """A Doorstep someone else started (embedded; the e2e suite's): its processes found by
    the port they listen on, for the CPU and memory figures."""
    import psutil

    port = int(url.rsplit(":", 1)[1].split("/")[0])
    pids = {c.pid for c in psutil.net_connections(kind="tcp") if c.laddr and c.laddr.port == port and c.pid}
    server = Server("Doorstep (running)", [], [], url.rstrip("/"))
    server.pids = lambda: sorted(pids)  # type: ignore[method-assign]
    env = doorstep_env(Path(data_dir), database_url, url)
    return server, env


def load_journeys(path: str) -> dict:
    """Journeys recorded by an earlier run (``--journeys FILE``): the same code records the same frames."""
    if not path or not Path(path).exists():
        return {}
    raw = json.loads(Path(path).read_text())
    return {
        name: Journey(**{**j, "steps": [Step(**st) for st in j["steps"]]})
        for name, j in raw.items()
        if name in ("empty", "doorstep")
    }


def save_journeys(path: str, journeys: dict) -> None:
    if path:
        import dataclasses

        kept = {k: dataclasses.asdict(v) for k, v in journeys.items() if isinstance(v, Journey)}
        Path(path).write_text(json.dumps(kept))


def record_journeys(work: Path, args, profiles: list[str]) -> dict:
    """Record both journeys in Chromium on embedded servers (the production profile's backends
    serve no pages); the empty app's embedded server is kept for its own measurement."""
    journeys: dict = load_journeys(args.journeys)
    if "empty" in journeys and ("doorstep" in journeys or "embedded" in profiles):
        if "embedded" in profiles:
            journeys["empty server"] = start_empty(work, args.empty_app, "embedded", 1)
        return journeys
    empty = start_empty(work, args.empty_app, "embedded", 1)
    journeys["empty"] = record_empty(empty.base_url)
    if "embedded" in profiles:
        journeys["empty server"] = empty
    elif args.running is None:
        empty.stop()
        doorstep, env = start_doorstep(work, "embedded", 1)
        try:
            journeys["doorstep"] = record_doorstep(doorstep.base_url, make_residents(env, 1)[0])
        finally:
            doorstep.stop()
    return journeys


def profile_under_load(server: Server, journey: Journey, residents, args, work: Path) -> None:
    """py-spy on the busiest server process while the load runs again (``--py-spy``)."""
    import threading

    sampler = Sampler(server.pids())
    busiest = max(sampler.processes(), key=lambda p: p.cpu_times().user)
    out = work / f"py-spy-{busiest.pid}.txt"
    seconds = int(args.hold)
    spy = subprocess.Popen(
        [
            str(VENV_BIN / "py-spy"),
            "record",
            "--pid",
            str(busiest.pid),
            "--duration",
            str(seconds),
            "--format",
            "raw",
            "--output",
            str(out),
            "--nonblocking",
            "--gil",  # only the thread holding the GIL: where the CPU goes, not where threads wait for it
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    threading.Thread(target=spy.wait, daemon=True).start()
    measure("Doorstep (profiled)", server, journey, residents, ramp=args.ramp, hold=args.hold)
    spy.wait(timeout=60)
    dest = Path(args.py_spy)
    shutil.copy(out, dest)
    say(f"  py-spy profile of process {busiest.pid}: {dest} (collapsed stacks)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", default="50,100,200,500", help="levels, comma-separated")
    parser.add_argument("--profiles", default="embedded,production")
    parser.add_argument("--ramp", type=float, default=20.0)
    parser.add_argument("--hold", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--smoke", action="store_true", help="20 residents, embedded, 10 s ramp + 20 s hold")
    parser.add_argument("--py-spy", default="", help="write a py-spy profile of the busiest worker here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    parser.add_argument("--only", choices=("empty", "both"), default="both", help="empty: the empty app alone")
    parser.add_argument("--journeys", default="", help="reuse the recorded journeys in this file (made when missing)")
    parser.add_argument("--doorstep", default="", help="measure this running embedded Doorstep (URL) instead")
    parser.add_argument("--doorstep-database", default="", help="its DATABASE_URL (with --doorstep)")
    parser.add_argument("--doorstep-data", default="", help="its PORTAL_DATA_DIR (with --doorstep)")
    args = parser.parse_args(argv)
    args.running = (
        running_doorstep(args.doorstep, args.doorstep_database, args.doorstep_data) if args.doorstep else None
    )
    if args.smoke:
        args.residents, args.profiles, args.ramp, args.hold = "20", "embedded", 10.0, 20.0
    levels = [int(x) for x in args.residents.split(",") if x]
    profiles = [p for p in args.profiles.split(",") if p]
    work = Path(tempfile.mkdtemp(prefix="doorstep-load-"))
    say(
        f"bench/load.py: {', '.join(map(str, levels))} residents; {', '.join(profiles)}; ramp {args.ramp:.0f} s, "
        f"hold {args.hold:.0f} s, think {THINK[0]:.0f}-{THINK[1]:.0f} s; this machine: {os.cpu_count()} cores"
    )
    args.empty_app = make_empty_app(work)
    all_levels: list[Level] = []
    journeys: dict = {}
    try:
        journeys = record_journeys(work, args, profiles)
        for profile in ("embedded", "production"):
            if profile in profiles:
                all_levels += run_profile(profile, work, levels, args, journeys)
        save_journeys(args.journeys, journeys)
    finally:
        if "empty server" in journeys:
            journeys["empty server"].stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"kept {work}")
    table(all_levels)
    failed = [lv for lv in all_levels if lv.errors or lv.drops or not all(lv.times.values())]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
