"""Hostile websocket clients, against a real portal backend (``wire_portal``): a raw
Socket.IO client sends what no browser would, and the server's own log is read back.

Each kind of garbage is refused before any handler: the tab's state is as it was, the
log has one short line about it (client text escaped) and no traceback, and the socket
still answers. A client that keeps at it is disconnected with one more line, and
another resident's events are answered as fast as before while it floods.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time

import pytest
from simple_websocket.errors import ConnectionError as HandshakeRefused

from portal_app.integrations import socket_guard
from tests.security.handlers import run
from tests.security.wire import (
    NAMESPACE,
    ROOT,
    ROOT_STATE,
    SESSION_STATE,
    SIGN_IN_STATE,
    WireClient,
    anonymous_client,
    event_frame,
    unexpected_lines,
)

SIGN_OUT = f"{SESSION_STATE}.sign_out"
SIGN_IN_SUBMIT = f"{SIGN_IN_STATE}.submit"
TOGGLE = f"{SIGN_IN_STATE}.toggle_password"
RESET_STATE = f"{SESSION_STATE}.portal_app___pages___identity___reset_password____reset_password_state"
FORGED = "FORGED: officer 7 revealed bank details"


def _raw(name: str, payload_json: str) -> str:
    """An event frame whose payload is JSON text as given (what json.dumps cannot write)."""
    return f'42{NAMESPACE},["event",{{"name":{json.dumps(name)},"payload":{payload_json},"router_data":{{}}}}]'


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


# Every kind of garbage the issue lists, at each layer: Engine.IO frames, Socket.IO
# packets, Reflex events, handler arguments, values.
HOSTILE = {
    "an empty frame": "",
    "a frame that is not Engine.IO, with a newline": f"hello\n{FORGED}",
    "an unknown Engine.IO packet type": "9",
    "a base64 binary frame": "bAAECAw==",
    "a binary frame": b"\x00\x01\x02",
    "a message that is not Socket.IO": "4x",
    "a message that is JSON to Engine.IO": '4{"a":1}',
    "truncated JSON": f'42{NAMESPACE},["event",{{"name":',
    "a binary attachment": f'451-{NAMESPACE},["event",{{"_placeholder":true,"num":0}}]',
    "an acknowledgement nobody asked for": f"431{NAMESPACE},[]",
    "a Socket.IO event that is not a list": f"42{NAMESPACE},{{}}",
    "the Socket.IO event disconnect": f'42{NAMESPACE},["disconnect"]',
    "the Socket.IO event connect": f'42{NAMESPACE},["connect"]',
    "an event without its data": f'42{NAMESPACE},["event"]',
    "an event with two data": f'42{NAMESPACE},["event",{{}},{{}}]',
    "an event that is a JSON string": f'42{NAMESPACE},["event","{{\\"name\\": 1}}"]',
    "an event that is a list": f'42{NAMESPACE},["event",[1,2]]',
    "an unknown handler, with a newline": event_frame(f"nope.nope\n{FORGED}"),
    "a handler of an unknown state": event_frame(f"{ROOT_STATE}.nope.load"),
    "a handler name that is a number": f'42{NAMESPACE},["event",{{"name":5}}]',
    "an unknown field beside the event": f'42{NAMESPACE},["event",{{"name":"{SIGN_OUT}","evil":1}}]',
    "arguments that are a list": _raw(SIGN_OUT, "[]"),
    "an argument the handler does not take": event_frame(SIGN_OUT, {"x": 1}),
    "a missing argument": event_frame(TOGGLE, {}),
    "a form that is not a dict": event_frame(SIGN_IN_SUBMIT, {"form_data": "email=a@b.c"}),
    "a form whose entries are not pairs": event_frame(SIGN_IN_SUBMIT, {"form_data": {"__reflex_form_data__": "x"}}),
    "an object for a checkbox": event_frame(TOGGLE, {"checked": {"a": 1}}),
    "a 40-digit number": event_frame(SIGN_IN_SUBMIT, {"form_data": {"email": 10**40}}),
    "a lone surrogate": _raw(SIGN_IN_SUBMIT, '{"form_data":{"email":"\\ud800","password":"x"}}'),
    "1,000 levels of nesting": _raw(SIGN_OUT, '{"x":' + _deep(1000) + "}"),
    "10 levels of nesting": _raw(SIGN_IN_SUBMIT, '{"form_data":{"email":' + _deep(10) + "}}"),
    "a 20,000-character string": event_frame(SIGN_IN_SUBMIT, {"form_data": {"email": "a" * 20_000}}),
    "NaN": _raw(SIGN_IN_SUBMIT, '{"form_data":{"email":NaN}}'),
    "a 5,000-digit number": _raw(SIGN_IN_SUBMIT, '{"form_data":{"email":' + "9" * 5000 + "}}"),
    "router data that is not an object": f'42{NAMESPACE},["event",{{"name":"{SIGN_OUT}","router_data":"x"}}]',
    "a pathname that is a number": f'42{NAMESPACE},["event",{{"name":"{SIGN_OUT}","router_data":{{"pathname":5}}}}]',
    "a query that is a list": f'42{NAMESPACE},["event",{{"name":"{SIGN_OUT}","router_data":{{"query":["x"]}}}}]',
    "browser storage for a var that is not one": event_frame(
        f"{ROOT_STATE}.hydrate_and_load", {"vars": {f"{ROOT_STATE}.nope": "1"}}
    ),
    "setvar for a var that is not there": event_frame(f"{RESET_STATE}.setvar", {"var_name": "password", "value": "x"}),
    "setvar for a var with no setter": event_frame(f"{ROOT_STATE}.setvar", {"var_name": "router", "value": "x"}),
}


def _router_free(state: dict) -> dict:
    return {name: {k: v for k, v in values.items() if not k.startswith("rx_router")} for name, values in state.items()}


def _refusals(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("Refused a websocket message")]


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_each_kind_of_garbage_is_refused_with_one_short_escaped_line_and_changes_nothing(wire_portal, kind):
    async def go():
        client = await anonymous_client(wire_portal, path="/sign-in")
        before_state = _router_free(await client.full_state())
        mark = wire_portal.log_size()
        await client.send(HOSTILE[kind])
        assert await client.settle(), "the socket stopped answering after one bad message"
        after_state = _router_free(await client.full_state())
        await client.close()
        await asyncio.sleep(0.05)
        return before_state, after_state, wire_portal.log_since(mark)

    before_state, after_state, log = run(go())
    lines = log.splitlines()
    assert "Traceback" not in log
    assert unexpected_lines(log) == [], f"{kind}: the server wrote {unexpected_lines(log)}"
    # The portal's budget is 60 lines a minute; this module spends about 45 before the flood.
    assert len(_refusals(lines)) == 1, f"{kind}: expected one line about it, got {lines}"
    assert len(lines[0]) < 300
    assert not any(line.startswith("FORGED") for line in lines)
    assert after_state == before_state, f"{kind} changed the tab's state"


def test_a_newline_in_a_browser_error_report_does_not_start_a_log_line_of_its_own(wire_portal):
    async def go():
        client = await anonymous_client(wire_portal)
        mark = wire_portal.log_size()
        report = {"error_type": "TypeError", "message": f"x is undefined\n{FORGED}\r\n\x1b[31mred"}
        await client.send(f"42{NAMESPACE}," + json.dumps(["client_error", report]))
        await client.emit(
            f"{ROOT_STATE}.reflex___state____frontend_event_exception_state.handle_frontend_exception",
            {"info": f"Error: boom\n{FORGED}", "component_stack": "at Page\n at App"},
        )
        assert await client.settle()
        await client.close()
        await asyncio.sleep(0.05)
        return wire_portal.log_since(mark)

    lines = run(go()).splitlines()
    reports = [line for line in lines if line.startswith("A browser reported an error: ")]
    assert len(reports) == 2, lines
    assert all(FORGED in line for line in reports)  # reported, on the report's own line
    assert not any(line.startswith(("FORGED", "\x1b")) for line in lines)
    assert all(line.isprintable() for line in lines)


def test_the_socket_accepts_the_portals_own_origin_and_refuses_another_sites(wire_portal):
    async def go():
        own = await WireClient.open(wire_portal, headers={"Origin": wire_portal.base_url})
        own_ok = await own.is_open()
        await own.close()
        try:
            await WireClient.open(wire_portal, headers={"Origin": "https://evil.example"})
        except HandshakeRefused as refused:
            return own_ok, str(refused)
        return own_ok, None

    own_ok, refused = run(go())
    assert own_ok
    # Engine.IO closes the handshake before accepting it; the server answers 403.
    assert refused == "Connection error: 403", "a page on https://evil.example could open the portal's socket"


def test_the_socket_announces_a_64_kib_limit_and_closes_a_connection_that_sends_more(wire_portal):
    async def go():
        client = await anonymous_client(wire_portal)
        limit = client.opening.get("maxPayload")
        mark = wire_portal.log_size()
        await client.send(event_frame(SIGN_IN_SUBMIT, {"form_data": {"email": "a" * 70_000}}))
        still_open = await client.is_open()
        await asyncio.sleep(0.05)
        return limit, still_open, wire_portal.log_since(mark)

    limit, still_open, log = run(go())
    assert limit == socket_guard.MAX_MESSAGE_CHARS == 65_536  # Reflex's default is 1,000,000
    assert not still_open
    assert unexpected_lines(log) == []
    assert len(_refusals(log.splitlines())) == 1 and "(the limit is 65,536)" in log


def test_the_largest_form_a_page_sends_is_accepted_and_reaches_its_handler(wire_portal):
    from tests.security.page_messages import largest_request_form

    form, size = largest_request_form()

    async def go():
        client = await anonymous_client(wire_portal, path="/requests/new")
        mark = wire_portal.log_size()
        count = len(client.updates)
        await client.emit(
            f"{SESSION_STATE}.portal_app___state___accounts____account_choice_state."
            "portal_app___pages___requests___new____request_form_state.submit",
            {"form_data": form},
            path="/requests/new",
        )
        assert await client.settle()
        await client.close()
        return client.updates[count:], wire_portal.log_since(mark)

    updates, log = run(go())
    assert size > 10_000  # it is the large one
    assert log == ""
    # Signed out, so the handler's mark sends the browser to sign in: it was reached.
    assert any("/sign-in?next=/requests/new" in json.dumps(u.events) for u in updates)


def test_a_connection_without_a_proper_tab_token_or_with_a_hostile_hydrate_is_refused(wire_portal):
    async def go():
        mark = wire_portal.log_size()
        no_token = await WireClient.open(wire_portal, tab_token="a%0Ab")  # a newline in the token
        hostile_boot = await WireClient.open(wire_portal, storage={f"{ROOT_STATE}.nope": "1"})
        await asyncio.sleep(0.05)
        for client in (no_token, hostile_boot):
            await client.close()
        return no_token.connect_reply, hostile_boot.connect_reply, hostile_boot.updates, wire_portal.log_since(mark)

    no_token_reply, hostile_reply, updates, log = run(go())
    assert no_token_reply.startswith(f"44{NAMESPACE}")  # CONNECT_ERROR: no namespace, no state
    assert hostile_reply.startswith(f"44{NAMESPACE}")
    assert updates == []  # the hydrate in the CONNECT packet never ran
    assert unexpected_lines(log) == [] and len(_refusals(log.splitlines())) == 2


def test_a_client_that_keeps_sending_garbage_is_disconnected_and_the_log_stays_small(wire_portal):
    async def go():
        client = await anonymous_client(wire_portal)
        mark = wire_portal.log_size()
        for i in range(2_000):
            await client.send(event_frame(f"nope.{i}\n{FORGED}"))
            if client.closed:
                break
        still_open = await client.is_open()
        await asyncio.sleep(0.2)
        return still_open, wire_portal.log_since(mark)

    still_open, log = run(go())
    print(f"\n2,000 garbage messages: {len(log.encode())} bytes of log, {len(log.splitlines())} lines")
    assert not still_open
    assert unexpected_lines(log) == []
    lines = log.splitlines()
    assert len(lines) == 2 and lines[1].startswith("Disconnected 127.0.0.1")
    assert f"{socket_guard.STRIKES_TO_DISCONNECT} refused websocket messages" in lines[1]
    assert len(log.encode()) < 600  # Reflex 0.10.1 alone: about 2,000 tracebacks, 2 MB


def test_while_one_client_floods_another_residents_events_are_answered_as_quickly(wire_portal):
    async def round_trips(client: WireClient, seconds: float) -> list[float]:
        times, stop = [], time.monotonic() + seconds
        while time.monotonic() < stop:
            started = time.perf_counter()
            assert await client.settle(timeout=5)
            times.append(time.perf_counter() - started)
        return times

    async def go():
        client = await anonymous_client(wire_portal)
        quiet = await round_trips(client, 1.0)
        mark = wire_portal.log_size()
        flooder = subprocess.Popen(
            [sys.executable, "-m", "tests.security.wire", str(wire_portal.port), "3"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        await asyncio.sleep(0.5)
        flooded = await round_trips(client, 2.0)
        out, _ = flooder.communicate(timeout=30)
        await client.close()
        await asyncio.sleep(0.2)
        return quiet, flooded, json.loads(out), wire_portal.log_since(mark)

    quiet, flooded, flood, log = run(go())
    q50, f50 = statistics.median(quiet) * 1000, statistics.median(flooded) * 1000
    f95 = sorted(flooded)[int(0.95 * (len(flooded) - 1))] * 1000
    print(
        f"\nround trip quiet {q50:.1f} ms, during a flood of {flood['sent']:,} messages on "
        f"{flood['connections']} connections {f50:.1f} ms (95th percentile {f95:.1f} ms); "
        f"log {len(log.encode()):,} bytes"
    )
    assert flood["connections"] > 5  # it was disconnected, again and again
    assert f50 < max(5 * q50, 50)
    assert f95 < 250
    assert unexpected_lines(log) == []
    assert len(log.splitlines()) <= socket_guard.WARNINGS_PER_PERIOD + 1


# Last: the events it leaves behind still run (each a password hash) after it hangs up.
def test_a_client_that_sends_fifty_slow_events_and_hangs_up_writes_one_line_not_fifty(wire_portal):
    form = {"__reflex_form_data__": [["email", "someone@example.org"], ["password", "not the password"]]}

    async def go():
        client = await anonymous_client(wire_portal, path="/sign-in")
        mark = wire_portal.log_size()
        for _ in range(50):  # each a failed sign-in, which takes a password hash's time
            await client.emit(SIGN_IN_SUBMIT, {"form_data": form}, path="/sign-in")
        await asyncio.sleep(0.3)
        await client.close()
        await asyncio.sleep(1.5)
        return wire_portal.log_since(mark)

    log = run(go())
    assert unexpected_lines(log) == []
    assert len(log.splitlines()) <= 1  # Reflex 0.10.1 alone: a warning for each answer it could not send
