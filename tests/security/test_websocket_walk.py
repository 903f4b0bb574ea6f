"""The walk over every handler, over a real websocket: every event handler of every state
(the portal's and Reflex's own: the list comes from walking the states, so a new
handler is walked without being listed) is called on a running portal (``walk_portal``)

* by a stranger (no session), with arguments of the right shape;
* by resident B, signed in, with resident A's ids and references in every argument
  and in the page's address;
* by B with hostile values in each argument in turn (a non-dict form, 40-digit
  numbers, lone surrogates, 1,000 levels of nesting, 20,000-character strings, an
  argument the handler does not take, one missing).

After each handler: the server wrote no traceback and no line but the guard's own, no
update sent to either caller holds anything of A's (name, address, email, account and
tenancy references, request reference, balance figures), and the database is as it
was (``wire.database_picture`` says what is left out, and why).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import typing
from urllib.parse import urlencode

import pytest
import reflex as rx

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app import routes
from portal_app.components.layout import PAGES
from tests.security.handlers import every_handler, run
from tests.security.wire import (
    NAMESPACE,
    Update,
    WireClient,
    anonymous_client,
    changed_tables,
    database_picture,
    new_session,
    router_data,
    signed_in_client,
    unexpected_lines,
)

# A connection is disconnected after 10 refused messages (socket_guard.STRIKES_TO_DISCONNECT).
CALLS_PER_CONNECTION = 8

HOSTILE_JSON = {
    "a string": '"x"',
    "a list": '["x"]',
    "an object": '{"x":"y"}',
    "a number": "7",
    "null": "null",
    "true": "true",
    "a 40-digit number": "1" + "0" * 39,
    "a lone surrogate": '"\\ud800"',
    "1,000 levels of nesting": "[" * 1000 + "]" * 1000,
    "a 20,000-character string": '"' + "a" * 20_000 + '"',
    "form entries that are not pairs": '{"__reflex_form_data__":"x"}',
    "a form with a lone surrogate": '{"__reflex_form_data__":[["email","\\ud800"]]}',
    "a form with a nested value": '{"__reflex_form_data__":[["email",[[["x"]]]]]}',
}


def _label(state: type[rx.State], name: str) -> str:
    return f"{state.__name__}.{name}"


HANDLERS = every_handler()


def _parameters(state: type[rx.State], name: str) -> dict[str, typing.Any]:
    """The handler's arguments and their annotations, from its own signature."""
    handler = state.event_handlers[name]
    hints = handler._type_hints or typing.get_type_hints(handler.fn)
    params = list(inspect.signature(handler.fn).parameters.values())[1:]
    return {p.name: hints.get(p.name, typing.Any) for p in params}


def _plausible(hint) -> object:
    """A value of the shape the frontend would send for an argument."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, __import__("types").UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return None if type(None) in typing.get_args(hint) else _plausible(args[0])
    if hint is bool:
        return True
    if hint is int:
        return 1
    if hint is dict or origin is dict:
        return {"__reflex_form_data__": []}
    if hint is list or origin is list:
        return []
    return "x"


def _page_of(state: type[rx.State]) -> str:
    for render, route, _title, _loaders in PAGES:
        if render.__module__ == state.__module__:
            return route
    return "/home"


def _secrets_of(a: dict) -> list[str]:
    """Strings that would only reach B (or a stranger) if A's data leaked."""
    return [
        a["account_ref"],
        a["tenancy_ref"],
        a["first_name"],
        a["last_name"],
        a["address"],
        a["email"],
        "£114.01",
        "114.01",
        a["request_ref"],
    ]


def _hostile_address(a: dict) -> dict[str, str]:
    """A page address a hostile browser might open: A's account, transaction, request."""
    return {
        "account": a["account_ref"],
        "transaction": str(a["transaction_id"]),
        "ref": a["request_ref"],
        "kind": "query",
        "token": a["request_ref"],
    }


def _a_ids(a: dict) -> list[object]:
    return [
        str(a["account_id"]),
        a["account_id"],
        a["account_ref"],
        a["tenancy_ref"],
        a["request_ref"],
        str(a["transaction_id"]),
        str(a["person_id"]),
        str(a["user_id"]),
    ]


def _a_form(a: dict) -> dict:
    keys = (
        "id account_id account account_ref tenancy_id tenancy_ref person_id user_id reference ref "
        "transaction_id request code password current_password new_password email message"
    ).split()
    return {"__reflex_form_data__": [[key, str(a["account_id"]) if "id" in key else a["account_ref"]] for key in keys]}


def _raw_frame(full_name: str, payload_json: str, path: str, query: dict) -> str:
    route = json.dumps(router_data(path, query))
    return f'42{NAMESPACE},["event",{{"name":{json.dumps(full_name)},"payload":{payload_json},"router_data":{route}}}]'


def _payload_json(params: dict, replace: str | None = None, with_json: str | None = None) -> str:
    parts = []
    for key, hint in params.items():
        value = with_json if key == replace else json.dumps(_plausible(hint))
        parts.append(f"{json.dumps(key)}:{value}")
    return "{" + ",".join(parts) + "}"


class Walk:
    """One handler's walk: the frames to send as each caller, and what came back."""

    def __init__(self, portal, state: type[rx.State], name: str):
        self.portal, self.state, self.name = portal, state, name
        self.full = f"{state.get_full_name()}.{name}"
        self.params = _parameters(state, name)
        self.path = _page_of(state)
        self.a, self.b = portal.people["a"], portal.people["b"]
        self.query = _hostile_address(self.a)
        self.received: list[tuple[str, str]] = []  # (caller, text of each update)

    def frame(self, payload_json: str) -> str:
        return _raw_frame(self.full, payload_json, self.path, self.query)

    def stranger_frames(self) -> list[str]:
        return [self.frame(_payload_json(self.params))]

    def a_ids_frames(self) -> list[str]:
        if not self.params:
            return [self.frame("{}")]
        tries = [json.dumps(dict.fromkeys(self.params, _a_form(self.a)))]
        tries += [json.dumps(dict.fromkeys(self.params, value)) for value in _a_ids(self.a)]
        return [self.frame(t) for t in tries]

    def hostile_frames(self) -> list[str]:
        frames = [self.frame('{"not_an_argument":1}'), self.frame("[]")]
        if self.params:
            frames.append(self.frame(_payload_json(dict(list(self.params.items())[1:]))))  # one missing
        for key in self.params:
            frames += [self.frame(_payload_json(self.params, key, value)) for value in HOSTILE_JSON.values()]
        return frames

    async def call(self, caller: str, frames: list[str], open_client) -> None:
        """Send ``frames`` on as few connections as the guard allows (side by side, as
        several tabs would); keep what came back."""

        async def one(chunk: list[str]) -> None:
            client: WireClient = await open_client()
            for frame in chunk:
                await client.send(frame)
            settled = await client.settle()
            whole = Update("", await client.full_state(), []).without_router() if settled else ""
            self.received.append((caller, client.received_text() + whole))
            errors = [f for f in client.frames if "An error occurred" in f]
            assert not errors, f"{caller}: {_label(self.state, self.name)} raised in the server: {errors[0][:300]}"
            assert settled, f"{caller}: the socket stopped answering after {_label(self.state, self.name)}"
            await client.close()

        chunks = [frames[i : i + CALLS_PER_CONNECTION] for i in range(0, len(frames), CALLS_PER_CONNECTION)]
        await asyncio.gather(*(one(chunk) for chunk in chunks))

    def leaks(self) -> list[str]:
        secrets = _secrets_of(self.a)
        # A refused call sends the browser to sign in with the page it asked for as ``next``
        # (issue 13 item 14: back to the same form with its query): that echoes the address
        # the caller itself sent, as the router vars do, and tells it nothing of A.
        address = self.path + "?" + "&".join(f"{k}={v}" for k, v in self.query.items())
        echo = urlencode({"next": routes.safe_next(address)}, safe="/")
        received = [(caller, text.replace(echo, "next=<the caller's own address>")) for caller, text in self.received]
        return sorted({f"{caller}: {s}" for caller, text in received for s in secrets if s in text})


@pytest.mark.parametrize("state,name", HANDLERS, ids=[_label(s, n) for s, n in HANDLERS])
def test_no_handler_called_by_a_stranger_by_another_resident_or_with_garbage_raises_leaks_or_changes_anything(
    walk_portal, state, name
):
    walk = Walk(walk_portal, state, name)
    mark = walk_portal.log_size()
    everything = database_picture(walk_portal)

    def b_signed_in():
        return signed_in_client(
            walk_portal, new_session(walk_portal, walk.b["user_id"]), path=walk.path, query=walk.query
        )

    def stranger():
        return anonymous_client(walk_portal, path=walk.path, query=walk.query)

    async def go():
        await walk.call("a stranger", walk.stranger_frames(), stranger)
        after_stranger = database_picture(walk_portal)
        not_b = database_picture(walk_portal, leave_out_user=walk.b["user_id"])
        await walk.call("B with A's ids", walk.a_ids_frames(), b_signed_in)
        await walk.call("B with garbage", walk.hostile_frames(), b_signed_in)
        await asyncio.sleep(0.05)
        return after_stranger, not_b, database_picture(walk_portal, leave_out_user=walk.b["user_id"])

    after_stranger, not_b_before, not_b_after = run(go())
    log = walk_portal.log_since(mark)
    assert "Traceback" not in log and unexpected_lines(log) == [], f"the server wrote: {unexpected_lines(log)[:20]}"
    assert walk.leaks() == [], f"{_label(state, name)} sent A's data: {walk.leaks()}"
    assert changed_tables(everything, after_stranger) == [], "a stranger's call changed the database"
    assert changed_tables(not_b_before, not_b_after) == [], "B's calls changed rows that are not B's"


def test_the_walk_reaches_every_handler_of_every_state_the_portals_and_reflexs():
    names = {_label(s, n) for s, n in HANDLERS}
    assert {"HomeState.load", "SignInState.submit", "RequestFormState.submit", "SecurityState.everywhere"} <= names
    assert {"State.hydrate_and_load", "State.setvar", "FrontendEventExceptionState.handle_frontend_exception"} <= names
    assert len(names) >= 70


def test_b_signed_in_over_the_socket_sees_b_s_own_account_and_the_checks_would_see_a_s(walk_portal):
    """The controls for the walk: the way it signs B in works (B's home page shows B's
    own account), its leak check finds A's data where A may see it, and its database
    check sees what "Not you?" writes for B but leaves B's rows out when asked."""
    a, b = walk_portal.people["a"], walk_portal.people["b"]
    home = "reflex___state____state.portal_app___state___session____session_state.portal_app___pages___accounts___home____home_state"

    async def go():
        as_b = await signed_in_client(walk_portal, new_session(walk_portal, b["user_id"]), path="/home")
        as_a = await signed_in_client(walk_portal, new_session(walk_portal, a["user_id"]), path="/home")
        seen = as_b.received_text(), as_a.received_text()
        everything, not_b = database_picture(walk_portal), database_picture(walk_portal, leave_out_user=b["user_id"])
        await as_b.emit(f"{home}.not_me", path="/home")
        assert await as_b.settle()
        for client in (as_a, as_b):
            await client.close()
        return seen, everything, not_b

    (b_saw, a_saw), everything, not_b = run(go())
    assert b["account_ref"] in b_saw and a["account_ref"] not in b_saw
    print("\nA's home page over the socket shows:", [s for s in _secrets_of(a) if s in a_saw])
    assert a["account_ref"] in a_saw and a["first_name"] in a_saw  # what the leak check looks for
    assert "password_reset" in changed_tables(everything, database_picture(walk_portal))
    assert changed_tables(not_b, database_picture(walk_portal, leave_out_user=b["user_id"])) == []
