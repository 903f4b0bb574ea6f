"""Hostile websocket clients: what a browser may send to the event handlers, and what
it can make the server write to its log.

Any program can open the portal's websocket (``/_event``, Socket.IO over Engine.IO)
and send anything. Reflex 0.10.1 passes a malformed frame, an unknown handler name or
a wrong argument on until something raises, and each of those writes a traceback (a
10,000-message flood wrote 9,410 of them, 300 KB/s of log); its warnings quote client
text as it came, so a newline in it forges a log line. ``install(app)`` (one call in
``portal_app.py``, at import, so in every worker process) puts a guard at each layer:

* **Engine.IO frames** (the websocket wrapper): text frames only, of a known packet
  type, at most ``MAX_MESSAGE_CHARS`` (Reflex allows 1,000,000; the largest message
  the portal's pages send is 11,704, see ``docs/measurements.md``). A longer
  frame closes the connection, as Engine.IO itself does, but now with a line saying so.
  (Engine.IO tells the frontend the limit when it connects; state.js reports a hydrate
  that would not fit instead of sending it.)
* **Socket.IO packets** (the packet class): a CONNECT, a DISCONNECT or an EVENT named
  ``event``, ``ping`` or ``client_error`` with the right number of arguments; anything
  that does not decode (bad JSON, 1,000 levels of nesting, a 5,000-digit number) is
  refused, not raised.
* **Reflex events** (the namespace's ``on_event``, and the hydrate that rides in the
  CONNECT packet): an object with a handler name Reflex has registered, a payload whose
  argument names and JSON types fit the handler's signature and annotations (read from
  the handler itself, so a new handler is covered without listing it), and router data
  of the shape the frontend sends. Every value: no lone surrogates, no number a browser
  could not send (beyond 2**53), no string over ``MAX_STRING_CHARS``, no nesting deeper
  than ``MAX_DEPTH``.

A refused message reaches no handler and changes no state. It writes at most one short
warning line per connection per ``WARNING_PERIOD_SECONDS`` (and at most
``WARNINGS_PER_PERIOD`` for the whole process), with the client's text escaped by
``shown()`` (``repr``, truncated) so it cannot start a line of its own. A connection
that has ``STRIKES_TO_DISCONNECT`` messages refused within ``STRIKE_WINDOW_SECONDS``
is disconnected, with one line. Reports a browser makes of its own errors
(``client_error``, ``handle_frontend_exception``) go to ``log_frontend_error``: one
escaped line each, rate-limited. An error raised inside a handler is still reported as
Reflex reports it (a traceback): after the guard, a traceback means a bug of ours.
Updates for a tab that hung up before its events were answered are dropped with one
line a minute (Reflex writes a warning for each: fifty slow events and a hang-up, fifty).

Kept as Reflex 0.10.1 has it: the handshake's Origin check (only the portal's own
origins, ``rxconfig.py``), and ``client_error``'s own sanitising and rate limits (five
reports per connection, twenty a minute), which run before ``log_frontend_error``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import inspect
import logging
import math
import re
import time
import types
import typing
import urllib.parse
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from reflex.state import EventHandlerSetVar, State, UpdateVarsInternalState
from reflex.utils.token_manager import RedisTokenManager
from reflex_base.constants.state import FIELD_MARKER
from reflex_base.registry import RegistrationContext
from reflex_base.utils.form import FORM_DATA_ENTRIES_KEY
from socketio import packet as sio_packet
from socketio.exceptions import ConnectionRefusedError as SocketRefused
from typing_extensions import is_typeddict

log = logging.getLogger("doorstep.socket")

# The largest message (an Engine.IO frame, counted in characters as Engine.IO counts
# it) the server reads. The portal's largest real message is the new-request form with
# every field at its limit, 11,704 characters; the hydrate, with the browser storage and
# the state hashes, 1,093 (docs/measurements.md). Reflex's default is 1,000,000.
MAX_MESSAGE_CHARS = 64 * 1024
# Any one string in a message (the longest field the pages have is 2,000 characters).
MAX_STRING_CHARS = 16 * 1024
MAX_KEY_CHARS = 256
# Containers inside containers, counting the event object itself: event > payload >
# form > entries > [name, value] is 5; router_data > query is 3.
MAX_DEPTH = 6
MAX_VALUES = 2_000
# The largest integer a browser's JSON can carry exactly (Number.MAX_SAFE_INTEGER).
SAFE_INTEGER = 2**53 - 1

STRIKES_TO_DISCONNECT = 10
STRIKE_WINDOW_SECONDS = 60.0
WARNING_PERIOD_SECONDS = 60.0
WARNINGS_PER_PERIOD = 60  # refusal lines for the whole process (each worker process)
FRONTEND_ERRORS_PER_PERIOD = 20  # browser error reports, likewise

# What the frontend sends over the socket: the Socket.IO event name and how many
# arguments it carries (state.js: socket.emit("event", ...), "ping", "client_error").
CLIENT_EVENTS: dict[str, tuple[int, int]] = {"event": (1, 1), "ping": (0, 0), "client_error": (0, 1)}
# The fields of an event as state.js sends it (ReflexEvent: name, payload, event_actions,
# handler; withRouterData: router_data; reflex-otel: traceparent, tracestate).
EVENT_FIELDS = frozenset({"name", "payload", "event_actions", "handler", "router_data", "traceparent", "tracestate"})
ROUTER_FIELDS = frozenset({"pathname", "asPath", "query"})
# The tab's client token: a UUID from the frontend (or Reflex's new_token).
_TAB_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")
_SURROGATE = re.compile("[\ud800-\udfff]")
_NUMBER = re.compile(r"-?\d{1,15}(\.\d{1,15})?")
# Engine.IO packet types a client sends: CLOSE, PING, PONG, MESSAGE, UPGRADE.
_CLIENT_FRAME_TYPES = frozenset("12345")
_SOCKETIO_TYPES = frozenset("0123456")


class Refused(Exception):
    """A message the guard will not pass on. ``reason`` is in our words; any client
    text in it has been through ``shown()``."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def shown(value: Any, limit: int = 60) -> str:
    """Client-supplied text as it may appear in a log line: truncated first (so the
    cost is bounded), then ``repr``, which escapes newlines, control and unprintable
    characters and lone surrogates."""
    text = value if isinstance(value, str) else type(value).__name__
    cut = text[:limit]
    return repr(cut) + ("..." if len(text) > limit else "")


def one_line(text: str, limit: int = 500) -> str:
    """Text for a log line: unprintable characters (newlines, escapes) as spaces, cut to ``limit``."""
    cut = text[:limit]
    if not cut.isprintable():
        cut = "".join(ch if ch.isprintable() else " " for ch in cut)
    return cut + ("..." if len(text) > limit else "")


# --- values --------------------------------------------------------------------------


def _check_text(text: str, limit: int) -> None:
    if len(text) > limit:
        raise Refused(f"a string of {len(text):,} characters (the limit is {limit:,})")
    if not text.isascii() and _SURROGATE.search(text):
        raise Refused("a string with a lone surrogate")


def check_json(value: Any, *, max_depth: int = MAX_DEPTH) -> None:
    """Raise Refused unless ``value`` is JSON a browser could have sent: bounded
    depth, count, string length and numbers, and no lone surrogates."""
    count = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise Refused(f"more than {MAX_VALUES:,} values")
        kind = type(item)
        if kind is str:
            _check_text(item, MAX_STRING_CHARS)
        elif kind is dict:
            if depth > max_depth:
                raise Refused(f"values nested more than {max_depth} deep")
            for key, inner in item.items():
                if type(key) is not str:
                    raise Refused("an object key that is not a string")
                _check_text(key, MAX_KEY_CHARS)
                stack.append((inner, depth + 1))
        elif kind is list:
            if depth > max_depth:
                raise Refused(f"values nested more than {max_depth} deep")
            stack.extend((inner, depth + 1) for inner in item)
        elif kind is bool or item is None:
            continue
        elif kind is int:
            if not -SAFE_INTEGER <= item <= SAFE_INTEGER:
                raise Refused("a number larger than a browser can send")
        elif kind is float:
            if not math.isfinite(item):
                raise Refused("a number that is not finite")
        else:
            raise Refused(f"a value of type {kind.__name__}")


def _is_numeric_text(value: Any) -> bool:
    return type(value) is str and _NUMBER.fullmatch(value) is not None


def _is_form_entries(value: dict) -> bool:
    """The wire shape of a submitted form (state.js encodeFormDataArgs): only
    ``{"__reflex_form_data__": [[name, value], ...]}``, each value a scalar."""
    entries = value.get(FORM_DATA_ENTRIES_KEY)
    if len(value) != 1 or type(entries) is not list:
        return False
    for pair in entries:
        if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
            return False
        if type(pair[1]) not in (str, bool, int, float) and pair[1] is not None:
            return False
    return True


_UNION_TYPES = (typing.Union, types.UnionType)
_MAPPINGS = (dict, Mapping, MutableMapping)
_SEQUENCES = (list, tuple, set, frozenset, Sequence)


def fits(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a handler's annotation, as Reflex would pass it on
    (it turns a numeric string into an int for an ``int`` argument, and form entries
    into a dict). An annotation the guard does not know passes: ``check_json`` has
    bounded the value already, and the handler validates what it reads."""
    # The plain types first: they are most arguments, and an identity test is cheap.
    if hint is str:
        return type(value) is str
    if hint is bool:
        return type(value) is bool
    if hint is int:
        return type(value) is int or (_is_numeric_text(value) and "." not in value)
    if hint is float:
        return type(value) in (int, float) or _is_numeric_text(value)
    if hint is Any or hint is inspect.Parameter.empty or hint is object:
        return True
    if hint is None or hint is type(None):
        return value is None
    origin = typing.get_origin(hint)
    if origin in _UNION_TYPES:
        return any(fits(value, arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return any(value == allowed and type(value) is type(allowed) for allowed in typing.get_args(hint))
    if origin is typing.Annotated:
        return fits(value, typing.get_args(hint)[0])
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return any(value == member.value for member in hint)
    base = origin or hint
    if base in _MAPPINGS or is_typeddict(base) or dataclasses.is_dataclass(base) or _is_model(base):
        if type(value) is not dict:
            return False
        if FORM_DATA_ENTRIES_KEY in value:
            return _is_form_entries(value)
        args = typing.get_args(hint)
        if base in _MAPPINGS and len(args) == 2:
            key_hint, value_hint = args
            return all(
                (key_hint is str or fits(key, key_hint)) and (value_hint is Any or fits(inner, value_hint))
                for key, inner in value.items()
            )
        return True
    if base in _SEQUENCES:
        if type(value) is not list:
            return False
        args = typing.get_args(hint)
        if len(args) == 1 or (base is tuple and len(args) == 2 and args[1] is Ellipsis):
            if args[0] is str:
                return all(type(inner) is str for inner in value)
            return all(fits(inner, args[0]) for inner in value)
        return True
    return True


def _is_model(hint: Any) -> bool:
    return isinstance(hint, type) and hasattr(hint, "model_fields")


# --- handlers ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class HandlerSpec:
    """What one event handler accepts, read from its signature and annotations."""

    name: str
    params: dict[str, Any]  # argument name -> annotation
    required: frozenset[str]
    any_name: bool  # takes **kwargs
    extra: typing.Callable[[dict], None] | None = None  # a further check for Reflex's own handlers

    def check(self, payload: dict) -> None:
        if not self.any_name:
            unknown = payload.keys() - self.params.keys()
            if unknown:
                raise Refused(f"an argument {shown(min(unknown))} that {self.name} does not take")
        missing = self.required - payload.keys()
        if missing:
            raise Refused(f"{self.name} without its argument {shown(min(missing))}")
        for key, value in payload.items():
            hint = self.params.get(key, Any)
            if not fits(value, hint):
                raise Refused(f"{self.name} given {_json_kind(value)} for {key!r} ({_hint_name(hint)})")
        if self.extra is not None:
            self.extra(payload)


def _json_kind(value: Any) -> str:
    kind = type(value)
    if kind is dict:
        return "an object"
    if kind is list:
        return "a list"
    if kind is str:
        return "a string"
    if kind is bool:
        return "true/false"
    if kind in (int, float):
        return "a number"
    return "null" if value is None else kind.__name__


def _hint_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def spec_for(handler: Any, state_cls: type, name: str) -> HandlerSpec:
    """Build the spec of a registered handler (``handler.fn``'s signature, following
    the access marks' ``functools.wraps`` to the function itself; the annotations
    Reflex resolved for it)."""
    hints = handler._type_hints
    if hints is None:
        hints = typing.get_type_hints(handler.fn)
    params: dict[str, Any] = {}
    required = set()
    any_name = False
    for index, param in enumerate(inspect.signature(handler.fn).parameters.values()):
        if index == 0:
            continue  # self
        if param.kind is inspect.Parameter.VAR_KEYWORD:
            any_name = True
            continue
        if param.kind is inspect.Parameter.VAR_POSITIONAL:
            continue
        params[param.name] = hints.get(param.name, Any)
        if param.default is inspect.Parameter.empty:
            required.add(param.name)
    short = f"{state_cls.__name__}.{name.rpartition('.')[2]}"
    extra = None
    if isinstance(handler, EventHandlerSetVar):
        extra = _setvar_check(state_cls, short)
    elif handler.fn in _client_storage_handlers():
        extra = _client_storage_check
    return HandlerSpec(short, params, frozenset(required), any_name, extra)


def _setvar_check(state_cls: type, short: str) -> typing.Callable[[dict], None]:
    """``setvar(var_name, value)`` calls ``set_<var_name>`` on the state, whatever that
    is (Reflex checks the name only when a page is compiled). The portal's pages send
    none; allow it only for a public var with a plain (not async) setter, and check the
    value against the setter's annotation."""

    def check(payload: dict) -> None:
        var_name = payload.get("var_name")
        fields = state_cls.get_fields()
        setter = getattr(state_cls, f"set_{var_name}", None) if isinstance(var_name, str) else None
        fn = getattr(setter, "fn", None)
        if (
            not isinstance(var_name, str)
            or var_name.startswith("_")
            or var_name not in fields
            or fn is None
            or inspect.iscoroutinefunction(fn)
        ):
            raise Refused(f"{short} for {shown(var_name)}, which has no setter")
        hints = getattr(setter, "_type_hints", None) or {}
        value_hint = next((hint for key, hint in hints.items() if key != "return"), Any)
        if not fits(payload.get("value"), value_hint):
            raise Refused(f"{short} given {_json_kind(payload.get('value'))} for {var_name!r}")

    return check


def _client_storage_keys() -> frozenset[str]:
    """Every cookie, localStorage and sessionStorage var, as the frontend names them
    (by the state that defines it: reflex/compiler/utils.py compile_client_storage)."""
    keys = set()

    def walk(cls):
        for name, field in cls.__fields__.items():
            if field._owner is cls and cls._is_client_storage(name):
                keys.add(f"{cls.get_full_name()}.{name}{FIELD_MARKER}")
        for sub in cls.get_substates():
            walk(sub)

    walk(State)
    return frozenset(keys)


def _client_storage_handlers() -> frozenset:
    """Reflex's handlers that set browser storage vars from a ``vars`` argument."""
    return frozenset({State.event_handlers["hydrate_and_load"].fn, UpdateVarsInternalState.update_vars_internal.fn})


def _client_storage_check(payload: dict) -> None:
    """``hydrate_and_load`` and ``update_vars_internal`` set the vars named in ``vars``
    (a name that is not a state raises in Reflex): only client storage vars, strings."""
    storage_vars = payload.get("vars")
    if not storage_vars:
        return
    allowed = _storage_keys_cached()
    for key, value in storage_vars.items():
        if key not in allowed:
            raise Refused(f"browser storage for {shown(key)}, which is not a storage var")
        if value is not None and type(value) is not str:
            raise Refused(f"browser storage {shown(key)} given {_json_kind(value)}")


_storage_keys: frozenset[str] | None = None


def _storage_keys_cached() -> frozenset[str]:
    global _storage_keys
    if _storage_keys is None:
        _storage_keys = _client_storage_keys()
    return _storage_keys


def check_router_data(router: Any) -> None:
    """The ``router_data`` the frontend sends (state.js withRouterData): pathname,
    asPath and a query of strings (and, on the catch-all route, ``splat``: a list of them)."""
    if type(router) is not dict:
        raise Refused("router data that is not an object")
    if not router.keys() <= ROUTER_FIELDS:
        raise Refused(f"router data with the field {shown(min(router.keys() - ROUTER_FIELDS))}")
    for key in ("pathname", "asPath"):
        value = router.get(key)
        if value is not None and type(value) is not str:
            raise Refused(f"a {key} that is not a string")
    query = router.get("query", {})
    if type(query) is not dict:
        raise Refused("a query that is not an object")
    for key, value in query.items():
        if type(value) is str:
            continue
        # The catch-all route (the "Page not found" page, pages/identity/not_found.py) gets
        # the unknown path from React Router as a list of strings (state.js: splat).
        if key == "splat" and type(value) is list and all(type(part) is str for part in value):
            continue
        raise Refused("a query value that is not a string")


# --- the guard -----------------------------------------------------------------------


@dataclasses.dataclass
class _Connection:
    client: str
    strikes: int = 0
    window_start: float = 0.0
    warned_at: float = -math.inf
    doomed: bool = False


class _Budget:
    """At most ``limit`` log lines per period, then one line saying the rest are not written."""

    def __init__(self, limit: int, what: str):
        self.limit, self.what = limit, what
        self.start, self.used = -math.inf, 0

    def take(self, now: float) -> bool:
        if now - self.start >= WARNING_PERIOD_SECONDS:
            self.start, self.used = now, 0
        self.used += 1
        if self.used == self.limit + 1:
            log.warning(
                "More than %d %s in %ds: the rest are not logged until the minute is up",
                self.limit,
                self.what,
                WARNING_PERIOD_SECONDS,
            )
        return self.used <= self.limit


class SocketGuard:
    """The checks and the counters; ``install`` wires them into Reflex's socket."""

    def __init__(self, registry: Any, sio: Any = None):
        self.registry = registry
        self.sio = sio
        self.specs: dict[str, HandlerSpec] = {}
        self.connections: dict[str, _Connection] = {}
        self.websockets: dict[str, Any] = {}  # eio_sid -> its GuardedWebSocket
        self.budget = _Budget(WARNINGS_PER_PERIOD, "refused websocket messages")
        self.dropped, self.dropped_logged_at = 0, -math.inf
        self._tasks: set[asyncio.Task] = set()

    # the checks

    def spec(self, name: str) -> HandlerSpec:
        found = self.specs.get(name)
        if found is not None:
            return found
        registered = self.registry.event_handlers.get(name)
        if registered is None:
            raise Refused(f"an event for the unknown handler {shown(name, 120)}")
        found = self.specs[name] = spec_for(registered.handler, registered.states[0], name)
        return found

    def check_event(self, data: Any) -> None:
        """Raise Refused unless ``data`` is a Reflex event the portal's handlers accept."""
        if type(data) is not dict:
            raise Refused(f"an event that is {_json_kind(data)}, not an object")
        check_json(data)
        if not data.keys() <= EVENT_FIELDS:
            raise Refused(f"an event with the field {shown(min(data.keys() - EVENT_FIELDS))}")
        name = data.get("name")
        if type(name) is not str:
            raise Refused("an event without a handler name")
        spec = self.spec(name)
        payload = data.get("payload", {})
        if type(payload) is not dict:
            raise Refused(f"{spec.name} given arguments that are {_json_kind(payload)}, not an object")
        spec.check(payload)
        check_router_data(data.get("router_data", {}))
        if type(data.get("event_actions", {})) is not dict:
            raise Refused("event actions that are not an object")
        for key in ("handler", "traceparent", "tracestate"):
            if data.get(key) is not None and type(data[key]) is not str:
                raise Refused(f"a {key} that is not a string")

    def check_frame(self, data: Any) -> None:
        """An Engine.IO frame as the websocket delivers it."""
        if type(data) is not str:
            raise Refused("a binary frame")
        if len(data) > MAX_MESSAGE_CHARS:
            raise Refused(f"a message of {len(data):,} characters (the limit is {MAX_MESSAGE_CHARS:,})")
        if not data or data[0] not in _CLIENT_FRAME_TYPES:
            raise Refused(f"a frame that is not Engine.IO: {shown(data, 20)}")
        # A MESSAGE must hold a Socket.IO packet (a digit first): Engine.IO would otherwise
        # try the rest as JSON itself, outside any error handling.
        if data[0] == "4" and (len(data) < 2 or data[1] not in _SOCKETIO_TYPES):
            raise Refused(f"a message that is not Socket.IO: {shown(data, 20)}")

    # the counters

    def refuse(self, eio_sid: str | None, refusal: Refused) -> None:
        """Count a refused message against its connection; warn (rate-limited); after
        ``STRIKES_TO_DISCONNECT`` in the window, disconnect it."""
        now = time.monotonic()
        conn = self._connection(eio_sid)
        if conn.doomed:
            return
        if now - conn.window_start > STRIKE_WINDOW_SECONDS:
            conn.window_start, conn.strikes = now, 0
        conn.strikes += 1
        if conn.strikes >= STRIKES_TO_DISCONNECT:
            conn.doomed = True
            websocket = self.websockets.get(eio_sid or "")
            if websocket is not None:
                websocket.doomed = True
            if self.budget.take(now):
                log.warning(
                    "Disconnected %s: %d refused websocket messages in %ds (the last: %s)",
                    conn.client,
                    conn.strikes,
                    STRIKE_WINDOW_SECONDS,
                    refusal.reason,
                )
            self._disconnect(eio_sid)
            return
        if now - conn.warned_at >= WARNING_PERIOD_SECONDS:
            conn.warned_at = now
            if self.budget.take(now):
                log.warning("Refused a websocket message from %s: %s", conn.client, refusal.reason)

    def dropped_update(self) -> None:
        """An update for a tab that disconnected before it was ready: one line a minute at most."""
        now = time.monotonic()
        self.dropped += 1
        if now - self.dropped_logged_at >= WARNING_PERIOD_SECONDS:
            log.warning("Dropped updates for tabs that had disconnected (%d since the portal started)", self.dropped)
            self.dropped_logged_at = now

    def is_doomed(self, eio_sid: str | None) -> bool:
        conn = self.connections.get(eio_sid or "")
        return conn is not None and conn.doomed

    def forget(self, eio_sid: str | None) -> None:
        self.connections.pop(eio_sid or "", None)
        self.websockets.pop(eio_sid or "", None)

    def _connection(self, eio_sid: str | None) -> _Connection:
        key = eio_sid or ""
        conn = self.connections.get(key)
        if conn is None:
            conn = self.connections[key] = _Connection(client=self._describe(eio_sid))
        return conn

    def _describe(self, eio_sid: str | None) -> str:
        """Who, for a log line: the peer address and the start of the (server-made) session id."""
        environ = (self.sio.environ.get(eio_sid) if self.sio is not None and eio_sid else None) or {}
        client = (environ.get("asgi.scope") or {}).get("client") or (environ.get("REMOTE_ADDR") or "?",)
        return f"{one_line(str(client[0]), 45)} (connection {one_line(eio_sid or '?', 8)})"

    def _disconnect(self, eio_sid: str | None) -> None:
        if self.sio is None or not eio_sid:
            return
        task = asyncio.get_running_loop().create_task(self.sio.eio.disconnect(eio_sid))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


# --- wiring into Reflex's socket -----------------------------------------------------


def _guarded_websocket(guard: SocketGuard, base: type) -> type:
    class GuardedWebSocket(base):
        """Engine.IO's websocket wrapper, reading only frames the guard passes."""

        def __init__(self, handler, server):
            super().__init__(handler, server)
            self.eio_sid = getattr(getattr(handler, "__self__", None), "sid", None)
            # Set by the guard when it disconnects this client; kept here, as the guard
            # forgets the connection as soon as Engine.IO reports it closed.
            self.doomed = False
            if self.eio_sid:
                guard.websockets[self.eio_sid] = self

        async def wait(self):
            while True:
                if self.doomed:
                    return None  # Engine.IO reads it as the client closing
                data = await super().wait()
                if self.doomed:
                    return None
                try:
                    guard.check_frame(data)
                except Refused as refusal:
                    guard.refuse(self.eio_sid, refusal)
                    if type(data) is str and len(data) > MAX_MESSAGE_CHARS:
                        return None  # as Engine.IO does with a frame over the limit: close
                    continue
                return data

    return GuardedWebSocket


def _guarded_packet(base: type) -> type:
    class GuardedPacket(base):
        """Socket.IO's packet, refusing (not raising) what does not decode, and every
        packet type but those a Reflex frontend sends."""

        def decode(self, encoded_packet):
            if type(encoded_packet) is not str:
                raise Refused("a binary Socket.IO packet")
            try:
                attachments = super().decode(encoded_packet)
            except Exception:  # noqa: BLE001 - anything that does not parse: JSON, depth, digits
                raise Refused(f"a message that does not decode: {shown(encoded_packet, 24)}") from None
            if attachments:
                raise Refused("a packet with binary attachments")
            if self.packet_type == sio_packet.EVENT:
                data = self.data
                if type(data) is not list or not data or type(data[0]) is not str:
                    raise Refused("a Socket.IO event without a name")
                arity = CLIENT_EVENTS.get(data[0])
                if arity is None:
                    raise Refused(f"the Socket.IO event {shown(data[0])}")
                if not arity[0] <= len(data) - 1 <= arity[1]:
                    raise Refused(f"the Socket.IO event {data[0]!r} with {len(data) - 1} arguments")
            elif self.packet_type not in (sio_packet.CONNECT, sio_packet.DISCONNECT):
                raise Refused(f"a Socket.IO packet of type {self.packet_type}")
            return attachments

    return GuardedPacket


def log_frontend_error(exception: Exception) -> None:
    """Reflex's frontend exception handler: a browser's report of its own error
    (``client_error``, or the ``handle_frontend_exception`` event), as one line with
    the browser's text escaped, at most ``FRONTEND_ERRORS_PER_PERIOD`` a minute."""
    if _frontend_budget.take(time.monotonic()):
        log.warning("A browser reported an error: %s", one_line(str(exception)))


_frontend_budget = _Budget(FRONTEND_ERRORS_PER_PERIOD, "browser error reports")


def install(app: Any) -> SocketGuard:
    """Guard the app's websocket. Call once, after ``rx.App(...)``, at import (so every
    worker process, forked or spawned, has it). Returns the guard."""
    existing = getattr(app, "_doorstep_socket_guard", None)
    if existing is not None:
        return existing
    sio, namespace = app.sio, app.event_namespace
    guard = SocketGuard(RegistrationContext.ensure_context(), sio)

    # The frame limit Engine.IO enforces and announces to the frontend (maxPayload).
    sio.eio.max_http_buffer_size = MAX_MESSAGE_CHARS
    sio.eio._async = {**sio.eio._async, "websocket": _guarded_websocket(guard, sio.eio._async["websocket"])}
    sio.packet_class = _guarded_packet(sio.packet_class)

    handle_message = sio.eio.handlers["message"]
    handle_disconnect = sio.eio.handlers["disconnect"]

    async def on_message(eio_sid, data):
        if guard.is_doomed(eio_sid) or eio_sid not in sio.eio.sockets:
            return  # disconnected for garbage, or closed: nothing more is read from it
        try:
            await handle_message(eio_sid, data)
        except Refused as refusal:
            guard.refuse(eio_sid, refusal)

    async def on_transport_closed(eio_sid, reason=None):
        try:
            return await handle_disconnect(eio_sid, reason)
        finally:
            guard.forget(eio_sid)

    sio.eio.handlers["message"] = on_message
    sio.eio.handlers["disconnect"] = on_transport_closed

    reflex_on_event = namespace.on_event
    reflex_on_connect = namespace.on_connect

    async def on_event(sid, data):
        if sid not in namespace.sid_to_token:
            raise Refused("an event on a connection that has no tab token")
        guard.check_event(data)
        await reflex_on_event(sid, data)

    async def on_connect(sid, environ, auth=None):
        eio_sid = sio.manager.eio_sid_from_sid(sid, namespace.namespace)
        try:
            tokens = urllib.parse.parse_qs(environ.get("QUERY_STRING", "")).get("token", [])
            if len(tokens) != 1 or not _TAB_TOKEN.fullmatch(tokens[0]):
                raise Refused("a connection without a tab token")
            if auth is not None and type(auth) is not dict:
                raise Refused("a connection whose CONNECT data is not an object")
            return await reflex_on_connect(sid, environ, auth)
        except Refused as refusal:
            guard.refuse(eio_sid, refusal)
            raise SocketRefused("refused") from None

    reflex_emit_update = namespace.emit_update

    async def emit_update(update, token):
        # Reflex warns once for every update to a tab that has gone: a client that
        # sends a hundred slow events and hangs up wrote a hundred warnings. Drop them
        # quietly here (a Redis token manager still passes them to another instance).
        if namespace._token_manager.token_to_socket.get(token) is None and not isinstance(
            namespace._token_manager, RedisTokenManager
        ):
            guard.dropped_update()
            return
        await reflex_emit_update(update, token)

    namespace.on_event = on_event
    namespace.on_connect = on_connect
    namespace.emit_update = emit_update
    app.frontend_exception_handler = log_frontend_error
    app._validate_exception_handlers()
    app._doorstep_socket_guard = guard
    return guard
