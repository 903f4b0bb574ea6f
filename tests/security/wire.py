"""A raw websocket client for the portal's event socket, and a throwaway portal backend
to point it at (a helper module, not a test module).

The client speaks what the frontend speaks (reflex_base's ``state.js``): Engine.IO 4 over
a websocket at ``/_event/?EIO=4&transport=websocket&token=<tab token>``, Socket.IO
packets on the namespace ``/_event``, the hydrate riding in the CONNECT packet
(``{"event": hydrate_and_load}``), then ``42/_event,["event", {name, payload,
router_data}]`` for each event; the server answers ``["event", {"delta": ..., "events":
...}]``. It is built on ``simple_websocket`` (pinned in requirements.txt), so it can also
send what no browser would.

How a client is signed in is one function, ``signed_in_client``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from simple_websocket import AioClient, ConnectionClosed
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"
SESSION_STATE = f"{ROOT_STATE}.portal_app___state___session____session_state"
SIGN_IN_STATE = f"{SESSION_STATE}.portal_app___pages___identity___sign_in____sign_in_state"
FIELD_MARKER = "_rx_state_"
# The HttpOnly session cookie the handshake carries (plain http; ``__Host-doorstep_session``
# on https: services/identity/cookies.py).
SESSION_COOKIE = "doorstep_session"

# Lines the server may write while a test talks to it: the guard's and nothing else.
EXPECTED_LINES = (
    "Refused a websocket message from ",
    "Disconnected ",
    "More than ",
    "A browser reported an error: ",
    "Dropped updates for tabs that had disconnected ",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the portal ----------------------------------------------------------------------


@dataclass
class RunningPortal:
    """A portal backend in its own process, its log captured to a file."""

    name: str
    port: int
    database_url: str
    log_path: Path
    proc: subprocess.Popen | None = None
    people: dict = field(default_factory=dict)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def engine(self):
        if not hasattr(self, "_engine"):
            self._engine = create_engine(self.database_url)
        return self._engine

    def log_size(self) -> int:
        return self.log_path.stat().st_size

    def log_since(self, offset: int) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            f.seek(offset)
            return f.read()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except Exception:  # noqa: BLE001
                os.killpg(self.proc.pid, signal.SIGKILL)
        if hasattr(self, "_engine"):
            self._engine.dispose()
        if self.database_url.startswith("postgresql"):
            import psycopg

            server, database = self.database_url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)
            with psycopg.connect(f"{server}/postgres", autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def unexpected_lines(log_text: str) -> list[str]:
    """Lines of the server's log that are not the guard's own (a traceback, a Reflex
    error, a warning quoting what a client sent)."""
    return [line for line in log_text.splitlines() if line.strip() and not line.startswith(EXPECTED_LINES)]


def _database_url(name: str, data_dir: Path) -> str:
    pg = os.environ.get("TEST_DATABASE_URL")
    if not pg:
        return f"sqlite:///{data_dir}/portal.db"
    import psycopg

    # Named after the test database (doorstep_test -> doorstep_test_wire), so two
    # checkouts testing against one server on databases of their own do not collide.
    server, test_database = pg.rsplit("/", 1)
    database = f"{test_database.split('?')[0]}_{name}"
    admin = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{database}"')
    return f"{server}/{database}"


def start_portal(name: str, seed: Callable[[RunningPortal], None] | None = None) -> RunningPortal:
    """Migrate a fresh database (SQLite, or a database of its own beside TEST_DATABASE_URL),
    run ``seed`` on it, and start ``reflex run --env prod --backend-only`` on a free port.
    The portal shares this process's SECRET_KEY, so sessions made here are valid there."""
    from portal_app.settings import get_settings

    data_dir = Path(tempfile.mkdtemp(prefix=f"doorstep-{name}-"))
    port = free_port()
    portal = RunningPortal(name, port, _database_url(name, data_dir), data_dir / "portal.log")
    settings = get_settings()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_DATABASE"))} | {
        "PORTAL_DATA_DIR": str(data_dir),
        "DATABASE_URL": portal.database_url,
        "PORTAL_BASE_URL": portal.base_url,
        "PORTAL_ENV": "prod",
        "SECRET_KEY": settings.secret_key,
        "ENCRYPTION_KEY": settings.encryption_key,
        "REFLEX_STATES_WORKDIR": str(data_dir / "states"),
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
    }
    env.pop("SMTP_URL", None)
    subprocess.run(
        [sys.executable, "-m", "portal_app", "migrate"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    if seed is not None:
        seed(portal)
    with open(portal.log_path, "wb") as out:
        portal.proc = subprocess.Popen(
            [str(VENV_BIN / "reflex"), "run", "--env", "prod", "--backend-only"]
            + ["--backend-port", str(port), "--backend-host", "127.0.0.1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if portal.proc.poll() is not None:
            raise RuntimeError(f"the portal exited with {portal.proc.returncode}:\n{portal.log_since(0)[-4000:]}")
        try:
            with urllib.request.urlopen(f"{portal.base_url}/api/health", timeout=2) as r:
                if r.status == 200:
                    break
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.25)
    else:
        portal.stop()
        raise RuntimeError(f"the portal did not start:\n{portal.log_since(0)[-4000:]}")
    # Everything printed while starting (Reflex's deprecation notices) is before this mark.
    portal.log_start = portal.log_size()
    return portal


# --- the client ----------------------------------------------------------------------


def router_data(path: str = "/", query: dict[str, str] | None = None) -> dict:
    """What state.js withRouterData sends with every event."""
    search = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    data = {"pathname": path, "asPath": path + search}
    if query:
        data["query"] = dict(query)
    return data


def event(name: str, payload: dict | None = None, *, path: str = "/", query: dict | None = None) -> dict:
    return {"name": name, "payload": payload or {}, "router_data": router_data(path, query)}


def event_frame(name: str, payload: dict | None = None, **route) -> str:
    return f"42{NAMESPACE}," + json.dumps(["event", event(name, payload, **route)])


@dataclass
class Update:
    """One ``event`` message from the server: a delta and/or frontend events."""

    raw: str
    delta: dict
    events: list

    def var(self, state: str, name: str, default=None):
        return self.delta.get(state, {}).get(name + FIELD_MARKER, default)

    def without_router(self) -> str:
        """The update as text, without the router vars (they echo the path and query
        the client itself sent)."""
        delta = {
            state: {k: v for k, v in values.items() if not k.startswith("rx_router")}
            for state, values in self.delta.items()
        }
        return json.dumps({"delta": delta, "events": self.events}, ensure_ascii=False)


class WireClient:
    """One tab's websocket, spoken by hand."""

    def __init__(self, ws: AioClient, tab_token: str):
        self.ws = ws
        self.tab_token = tab_token
        self.frames: list[str] = []  # every frame received, in order
        self.updates: list[Update] = []
        self.opening: dict = {}
        self.connect_reply: str | None = None
        self.closed = False

    @classmethod
    async def open(
        cls,
        portal: RunningPortal,
        *,
        storage: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        path: str = "/",
        query: dict | None = None,
        hydrate: bool = True,
        tab_token: str | None = None,
    ) -> WireClient:
        """Open the socket and send the CONNECT packet; with ``hydrate`` it carries the
        boot event (``hydrate_and_load`` with the browser ``storage`` vars), as the
        frontend does, and returns once the page is hydrated."""
        tab_token = tab_token or str(uuid.uuid4())
        url = f"ws://127.0.0.1:{portal.port}{NAMESPACE}/?EIO=4&transport=websocket&token={tab_token}"
        ws = await AioClient.connect(url, headers=headers or {})
        client = cls(ws, tab_token)
        auth = ""
        if hydrate:
            payload = {"vars": storage} if storage else {}
            auth = json.dumps({"event": event(f"{ROOT_STATE}.hydrate_and_load", payload, path=path, query=query)})
        await ws.send(f"40{NAMESPACE},{auth}")
        await client.read_until(lambda f: f.startswith((f"40{NAMESPACE}", f"44{NAMESPACE}")), timeout=10)
        if hydrate and client.connect_reply and client.connect_reply.startswith(f"40{NAMESPACE}"):
            await client.read_until(lambda f: '"is_hydrated_rx_state_":true' in f, timeout=10)
        return client

    async def send(self, frame: str) -> None:
        if not self.ws.connected:
            self.closed = True
            return
        try:
            await self.ws.send(frame)
        except ConnectionClosed:
            self.closed = True

    async def emit(self, name: str, payload: dict | None = None, **route) -> None:
        await self.send(event_frame(name, payload, **route))

    def _take(self, frame: str) -> None:
        self.frames.append(frame)
        if frame.startswith("0{"):
            self.opening = json.loads(frame[1:])
        elif frame.startswith((f"40{NAMESPACE}", f"44{NAMESPACE}")):
            self.connect_reply = frame
        elif frame.startswith(f"42{NAMESPACE},"):
            name, *args = json.loads(frame[len(f"42{NAMESPACE},") :])
            if name == "event" and args and isinstance(args[0], dict):
                self.updates.append(Update(frame, args[0].get("delta") or {}, args[0].get("events") or []))

    async def read_until(self, done: Callable[[str], bool] | None, timeout: float = 5.0) -> bool:
        """Read frames (answering the server's pings) until ``done`` says so, the socket
        closes, or ``timeout``; True if ``done`` was met."""
        deadline = time.monotonic() + timeout
        while not self.closed:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                frame = await self.ws.receive(timeout=left)
            except ConnectionClosed:
                self.closed = True
                return False
            if frame is None:
                continue
            if frame == "2":
                await self.send("3")
                continue
            self._take(frame)
            if done is not None and done(frame):
                return True
        return False

    async def settle(self, timeout: float = 10.0) -> bool:
        """Wait until the server has dealt with everything sent so far: events of one
        tab run in order, so once a later event's delta arrives the earlier ones are
        done. The later events set SignInState.show_password to true, then to false,
        so the second always changes it, whatever the events before did."""
        await self.emit(f"{SIGN_IN_STATE}.toggle_password", {"checked": True})
        await self.emit(f"{SIGN_IN_STATE}.toggle_password", {"checked": False})
        return await self.read_until(lambda f: f'"show_password{FIELD_MARKER}":false' in f, timeout)

    async def full_state(self, timeout: float = 10.0) -> dict:
        """The whole state tree of this tab, as ``State.hydrate`` sends it (it also puts
        the browser storage vars back to their defaults: call it last)."""
        count = len(self.updates)
        await self.emit(f"{ROOT_STATE}.hydrate")
        ok = await self.read_until(lambda f: '"is_hydrated_rx_state_":false' in f and ROOT_STATE in f, timeout)
        assert ok, "no full state came back"
        return next(u.delta for u in reversed(self.updates[count:]) if u.var(ROOT_STATE, "is_hydrated") is False)

    def received_text(self) -> str:
        return "\n".join(u.without_router() for u in self.updates)

    async def is_open(self) -> bool:
        """Whether the server still answers on this socket (a Socket.IO ping)."""
        if self.closed:
            return False
        await self.send(f'42{NAMESPACE},["ping"]')
        return await self.read_until(lambda f: '"pong"' in f, timeout=3)

    async def close(self) -> None:
        if not self.closed:
            try:
                await self.ws.close()
            except Exception:  # noqa: BLE001 - already gone
                pass
            self.closed = True


async def anonymous_client(portal: RunningPortal, **kw) -> WireClient:
    return await WireClient.open(portal, **kw)


async def signed_in_client(portal: RunningPortal, session_token: str, **kw) -> WireClient:
    """A tab signed in with the server session ``session_token``: the one place that
    says how a browser presents its session. The token is the HttpOnly session cookie,
    sent with the websocket's handshake (``doorstep_session`` over plain http, as here;
    ``__Host-doorstep_session`` on https: services/identity/cookies.py)."""
    headers = {**kw.pop("headers", {}), "Cookie": f"{SESSION_COOKIE}={session_token}"}
    return await WireClient.open(portal, headers=headers, **kw)


STAFF_COOKIE = "doorstep_staff"


async def staff_client(
    portal: RunningPortal, staff_token: str, *, resident_token: str | None = None, **kw
) -> WireClient:
    """A tab signed in to the back office with the staff session ``staff_token`` (its own
    HttpOnly cookie, ``doorstep_staff`` over plain http), and to the residents' side too
    when ``resident_token`` is given."""
    cookie = f"{STAFF_COOKIE}={staff_token}"
    if resident_token:
        cookie += f"; {SESSION_COOKIE}={resident_token}"
    headers = {**kw.pop("headers", {}), "Cookie": cookie}
    return await WireClient.open(portal, headers=headers, **kw)


def new_staff_session(portal: RunningPortal, staff_id: int) -> str:
    """A fresh back-office session for ``staff_id`` in the portal's database; its token."""
    from sqlmodel import Session

    from portal_app.clock import utcnow
    from portal_app.services.staff.sessions import start

    with Session(portal.engine()) as s:
        token = start(s, staff_id, now=utcnow(), client="wire test")
        s.commit()
    return token


def new_session(portal: RunningPortal, user_id: int) -> str:
    """A fresh server session for ``user_id`` in the portal's database; its token."""
    from sqlmodel import Session

    from portal_app.clock import utcnow
    from portal_app.services.identity.sessions import create_session

    with Session(portal.engine()) as s:
        token = create_session(s, user_id, client="wire test", now=utcnow())
        s.commit()
    return token


# --- the database --------------------------------------------------------------------

# What may change while hostile clients call handlers, and why:
# - auth_session: the walk signs B in afresh for each connection, every event moves a
#   session's last_seen_at, and sign-out style handlers end B's sessions;
# - staff_session: as auth_session, for the back office's matrix (a fresh staff session per call);
# - throttle_hit: failed sign-ins and registration tries are counted, by design;
# - audit_event: every sign-in try (residents' and staff's) is recorded, by design; the
#   database refuses to change or delete a line (migration 0007), so new lines are all
#   a call can add there;
# - portal_user's last and previous sign-in times: a new session moves them (B's);
# - outbox_message's delivery columns: the background worker delivers queued mail (a
#   new message, its address, subject and body, is still a change), claiming each first;
# - job_run: the background worker's record of which periodic job ran in which period.
# Everything else is checked, row by row; ``leave_out_user`` leaves out B's own rows
# when B calls handlers that may change them by design ("sign out everywhere", new
# recovery codes, "Not you?" queueing a reset link to B).
UNCHECKED_TABLES = frozenset({"auth_session", "staff_session", "throttle_hit", "audit_event", "job_run"})
UNCHECKED_COLUMNS = {
    "portal_user": {"last_sign_in_at", "previous_sign_in_at"},
    "staff_member": {"last_sign_in_at"},
    "outbox_message": {"status", "attempts", "next_attempt_at", "sent_at", "last_error", "claimed_by", "lease_until"},
}


def database_picture(portal: RunningPortal, *, leave_out_user: int | None = None) -> dict[str, tuple[int, str]]:
    """Each table that matters: its row count and a checksum of its rows. With
    ``leave_out_user``, that resident's own rows (their portal_user row, rows with their
    user_id, mail to their address) are left out: what a handler they call may change."""
    from sqlmodel import SQLModel

    import portal_app.models  # noqa: F401

    picture = {}
    with portal.engine().connect() as conn:
        email = None
        if leave_out_user is not None:
            email = conn.execute(text("SELECT email FROM portal_user WHERE id = :id"), {"id": leave_out_user}).scalar()
        for table in SQLModel.metadata.sorted_tables:
            if table.name in UNCHECKED_TABLES:
                continue
            skip = UNCHECKED_COLUMNS.get(table.name, set())
            columns = [c.name for c in table.columns if c.name not in skip]
            where, params = "", {}
            if leave_out_user is not None:
                if table.name == "portal_user":
                    where, params = " WHERE id <> :user", {"user": leave_out_user}
                elif "user_id" in table.columns:
                    where, params = " WHERE user_id <> :user", {"user": leave_out_user}
                elif table.name == "outbox_message":
                    where, params = " WHERE to_address <> :email", {"email": email}
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = conn.execute(text(f'SELECT {quoted} FROM "{table.name}"{where} ORDER BY 1'), params).all()
            digest = hashlib.sha256(repr([tuple(map(str, r)) for r in rows]).encode()).hexdigest()[:16]
            picture[table.name] = (len(rows), digest)
    return picture


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


# --- a flood from another process ----------------------------------------------------


def flood_forever(port: int, seconds: float) -> None:
    """Connect and send garbage as fast as possible, reconnecting when disconnected,
    for ``seconds`` (run in a process of its own: ``python -m tests.security.wire``)."""

    logging.getLogger("asyncio").setLevel(logging.ERROR)  # writes after the server hung up

    async def run():
        sent = connections = 0
        stop = time.monotonic() + seconds
        while time.monotonic() < stop:
            try:
                url = f"ws://127.0.0.1:{port}{NAMESPACE}/?EIO=4&transport=websocket&token={uuid.uuid4()}"
                ws = await AioClient.connect(url)
                await ws.send(f"40{NAMESPACE},")
                connections += 1
                while time.monotonic() < stop and ws.connected:
                    await ws.send(f'42{NAMESPACE},["event",{{"name":"nope.{sent}"}}]')
                    sent += 1
                    if sent % 100 == 0:
                        await asyncio.sleep(0)
            except Exception:  # noqa: BLE001 - disconnected: connect again
                await asyncio.sleep(0)
        print(json.dumps({"sent": sent, "connections": connections}), flush=True)

    asyncio.run(run())


if __name__ == "__main__":  # the flooding process
    flood_forever(int(sys.argv[1]), float(sys.argv[2]))
