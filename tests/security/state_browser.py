"""One browser's state tree, driven through the portal's real handlers and a real
``StateManagerDisk``, to collect what Reflex would send and write for a journey (a
helper module, not a test module; the scan itself is tests/security/secrets_scan.py).

Adding a journey (tests/security/test_no_secrets_in_state.py has five):

1. Build what the journey needs with tests/factories.py and sign a resident in (a
   session token; any other of the portal's cookies as keywords: ``two_step=...``).
2. ``async with Browser(tmp_path, token) as browser:`` then, for each step the browser
   would take, ``await browser.open(route, **query)`` (a page load: the address and its
   query go into ``router_data`` as Reflex puts them) and
   ``await browser.run(SomeState, "handler", *args)``, which runs the handler as
   Reflex's event processor does (under the state lock: the router data, the handler,
   the delta, then the touched states written to disk). ``run`` returns the events the
   browser is sent (its scripts) as JSON text; ``await browser.state(SomeState)`` is
   the state as it is now. Run the journey with ``run_journey(journey())``.
3. Learn the journey's secrets the way the test can (what it typed, a spy on the service
   that makes them, a known random source), and check that they did reach the browser
   where they must (a positive control: a scan that finds nothing because the journey
   never made the secret proves nothing).
4. ``assert_nowhere({"what it is": value, ...}, deltas=browser.deltas,
   pickles=browser.pickles())``: each value as text or bytes; digits-only values are
   matched as whole numbers, so "123456" does not match inside "91234567".
   ``browser.pickles()`` is every version of every state file written during the
   journey, not just the last, since a secret overwritten later was on disk meanwhile.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import dataclasses
import os
import urllib.parse
import uuid
from pathlib import Path
from typing import Any

import reflex as rx
from reflex.istate.manager.disk import StateManagerDisk
from reflex.istate.manager.token import BaseStateToken
from reflex_base import constants
from reflex_base.event import Event
from reflex_base.utils import format

from portal_app import routes
from portal_app.services.identity import cookies as cookie_kinds
from portal_app.state import cookie_jar
from tests.security.secrets_scan import state_files


class Browser:
    """One browser tab's state tree in a real ``StateManagerDisk`` (written at once, no
    debounce), its own state folder under ``folder``, and its connection's cookies in the
    portal's cookie jar, as the websocket's handshake would bring them. ``deltas`` is every delta the handlers
    produced, as the websocket would carry it (JSON), and the full state a reconnect would
    hydrate with after each event; ``events`` every event sent back (call_script and the like)."""

    def __init__(self, folder: Path, session_token: str = "", *, client_token: str = "scan-browser", **cookies: str):
        self.folder = Path(folder) / "states"
        self.session_token = session_token
        self.cookies = cookies  # the portal's other cookies the browser holds (two_step=..., reset=...)
        self.client_token = client_token
        self.sid = f"scan-{uuid.uuid4().hex}"  # the websocket connection's id
        self.router_data: dict[str, Any] = {}
        self.deltas: list[str] = []
        self.events: list[str] = []
        self._written: dict[str, list[bytes]] = {}
        self._manager: StateManagerDisk | None = None
        self._env: str | None = None

    async def __aenter__(self) -> Browser:
        self._env = os.environ.get("REFLEX_STATES_WORKDIR")
        os.environ["REFLEX_STATES_WORKDIR"] = str(self.folder)
        self._manager = StateManagerDisk(_write_debounce_seconds=0)
        # The cookies the websocket's handshake brings, kept out of Reflex state as the
        # portal keeps them (state/cookie_jar.py).
        cookie_jar.remember(self.sid, {cookie_kinds.SESSION: self.session_token, **self.cookies})
        await self.open(routes.HOME)
        return self

    async def __aexit__(self, *exc) -> None:
        cookie_jar.forget(self.sid)
        await self._manager.close()
        if self._env is None:
            os.environ.pop("REFLEX_STATES_WORKDIR", None)
        else:
            os.environ["REFLEX_STATES_WORKDIR"] = self._env

    def arrive_with(self, **cookies: str) -> None:
        """The handoff route set ``cookies`` and the browser loaded a new page: a new
        websocket connection, whose handshake brings them (``session=...``, ``two_step=...``);
        the tab, and so its state, is the same."""
        cookie_jar.forget(self.sid)
        self.sid = f"scan-{uuid.uuid4().hex}"
        self.session_token = cookies.pop(cookie_kinds.SESSION, self.session_token)
        self.cookies = {**self.cookies, **cookies}
        cookie_jar.remember(self.sid, {cookie_kinds.SESSION: self.session_token, **self.cookies})

    def _token(self, cls: type[rx.State]) -> BaseStateToken:
        return BaseStateToken(ident=self.client_token, cls=cls)

    async def open(self, path: str, **query: str) -> None:
        """Go to ``path?query``: what the next events' router data says."""
        search = urllib.parse.urlencode(query)
        self.router_data = {
            constants.RouteVar.PATH: path,
            constants.RouteVar.ORIGIN: f"{path}?{search}" if search else path,
            constants.RouteVar.QUERY: dict(query),
            constants.RouteVar.CLIENT_TOKEN: self.client_token,
            constants.RouteVar.SESSION_ID: self.sid,
            constants.RouteVar.CLIENT_IP: "127.0.0.1",
            constants.RouteVar.HEADERS: {
                "host": "portal.example",
                "origin": "https://portal.example",
                "user-agent": "Mozilla/5.0 (scan)",
            },
        }

    async def run(self, cls: type[rx.State], handler: str, *args: Any) -> str:
        """Run ``cls.handler(*args)`` as Reflex's event processor does; the events it
        sends back, as JSON text."""
        async with self._manager.modify_state(self._token(cls)) as root:
            previous = root.router_data
            if self.router_data and previous != self.router_data:
                merged = root._update_router_vars(self.router_data, previous)
                if merged != previous:
                    root.router_data = merged
            state = await root.get_state(cls)
            result = cls.event_handlers[handler].fn(state, *args)
            if hasattr(result, "__await__"):
                result = await result
            steps = [result]
            if hasattr(result, "__anext__"):
                steps = [step async for step in result]
            sent = []
            for step in steps:
                self.deltas.append(format.json_dumps(await root._get_resolved_delta()))
                root._clean()
                sent += [format.json_dumps(dataclasses.asdict(e)) for e in Event.from_event_type(step)]
            self.deltas.append(format.json_dumps(root.dict()))  # what a reconnect would hydrate with
        self.events += sent
        self._snapshot()
        return "\n".join(sent)

    def _snapshot(self) -> None:
        """Keep every version of every state file written so far (a secret that sat on
        disk between two events was on disk, even if a later event overwrote it)."""
        for name, blob in state_files(self.folder).items():
            versions = self._written.setdefault(name, [])
            if not versions or versions[-1] != blob:
                versions.append(blob)

    async def state(self, cls: type[rx.State]) -> rx.State:
        """The state of ``cls`` as it is now (to check what the page shows)."""
        root = await self._manager.get_state(self._token(cls))
        return await root.get_state(cls)

    def pickles(self) -> dict[str, bytes]:
        """Every version of every file written to this browser's state folder, by name
        (and version, from 1, when it was written more than once)."""
        self._snapshot()
        return {
            name if len(versions) == 1 else f"{name} (version {n + 1})": blob
            for name, versions in self._written.items()
            for n, blob in enumerate(versions)
        }


def run_journey(journey) -> Any:
    """Run an async journey to its end in a loop of its own, in a thread (as
    tests/security/handlers.run does for one handler)."""
    context = contextvars.copy_context()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(context.run, asyncio.run, journey).result()


__all__ = ["Browser", "run_journey"]
