"""The websocket guard's rules, in process: what a handler accepts is read from its own
signature, what no browser sends is refused, and the log lines stay few and one line each.
(The guard against a running portal: tests/security/test_hostile_clients.py.)"""

from __future__ import annotations

import logging
import time
from types import SimpleNamespace
from typing import Any

import pytest

import portal_app.portal_app as portal
from portal_app.integrations import socket_guard as guard_module
from portal_app.integrations.socket_guard import (
    MAX_MESSAGE_CHARS,
    STRIKES_TO_DISCONNECT,
    WARNINGS_PER_PERIOD,
    Refused,
    SocketGuard,
    check_json,
    fits,
    log_frontend_error,
    spec_for,
)

GUARD: SocketGuard = portal.app._doorstep_socket_guard
SIGN_IN = (
    "reflex___state____state.portal_app___state___session____session_state."
    "portal_app___pages___identity___sign_in____sign_in_state"
)
FORM = {"__reflex_form_data__": [["email", "someone@example.org"], ["password", "kettle orbit marmalade"]]}
ROUTE = {"pathname": "/sign-in", "asPath": "/sign-in", "query": {}}


class SomeNewState:  # stands in for a state class: the guard reads only its name
    pass


def _handler(fn):
    return SimpleNamespace(fn=fn, _type_hints=None)


def test_what_a_new_handler_accepts_is_read_from_its_own_signature_without_listing_it():
    async def report_repair(self, form_data: dict, urgent: bool = False, room: int | str = 1):
        pass

    spec = spec_for(_handler(report_repair), SomeNewState, "x.some_new_state.report_repair")
    assert spec.params == {"form_data": dict, "urgent": bool, "room": int | str}
    assert spec.required == {"form_data"}
    spec.check({"form_data": FORM, "urgent": True, "room": "3"})
    for payload, says in [
        ({}, "without its argument 'form_data'"),
        ({"form_data": FORM, "colour": "red"}, "an argument 'colour' that SomeNewState.report_repair does not take"),
        ({"form_data": "a=1"}, "given a string for 'form_data'"),
        ({"form_data": [FORM]}, "given a list for 'form_data'"),
        ({"form_data": FORM, "urgent": "yes"}, "given a string for 'urgent'"),
        ({"form_data": {"__reflex_form_data__": [["a"]]}}, "given an object for 'form_data'"),
    ]:
        with pytest.raises(Refused, match=says):
            spec.check(payload)


@pytest.mark.parametrize(
    "value,hint,ok",
    [
        ("x", str, True),
        (1, str, False),
        (True, bool, True),
        ("true", bool, False),
        (3, int, True),
        ("3", int, True),  # Reflex turns a numeric string into an int for an int argument
        (True, int, False),
        ("3.5", int, False),
        ("3", int | str, True),
        ({}, dict, True),
        ([], dict, False),
        (None, dict[str, Any] | None, True),
        ({"k": 1}, dict[str, str], False),
        (["a", "b"], list[str], True),
        (["a", 1], list[str], False),
        ({"__reflex_form_data__": [["name", "value"], ["n", 1]]}, dict, True),
        ({"__reflex_form_data__": [["name", {"nested": 1}]]}, dict, False),
        ({"__reflex_form_data__": "x", "other": 1}, dict, False),
    ],
)
def test_a_value_fits_an_argument_only_in_the_shape_the_frontend_sends(value, hint, ok):
    assert fits(value, hint) is ok


@pytest.mark.parametrize(
    "value,says",
    [
        (2**53, "larger than a browser can send"),
        (-(10**40), "larger than a browser can send"),
        (float("nan"), "not finite"),
        (float("inf"), "not finite"),
        ("\ud800", "lone surrogate"),
        ({"\udfff": 1}, "lone surrogate"),
        ("a" * (16 * 1024 + 1), "16,385 characters"),
        ([[[[[[["deep"]]]]]]], "nested more than 6 deep"),
        (list(range(2_001)), "more than 2,000 values"),
    ],
)
def test_values_no_browser_sends_are_refused(value, says):
    with pytest.raises(Refused, match=says):
        check_json(value)


def test_an_ordinary_sign_in_event_passes_the_guard():
    GUARD.check_event({"name": f"{SIGN_IN}.submit", "payload": {"form_data": FORM}, "router_data": ROUTE})
    GUARD.check_event({"name": f"{SIGN_IN}.submit", "payload": {"form_data": FORM}, "event_actions": {}})


def test_the_page_not_found_page_keeps_its_connection_with_the_unknown_path_in_its_query():
    # React Router gives the catch-all "Page not found" route the unknown path as a list
    # (state.js: splat); every event sent from that page carries it.
    hydrate = "reflex___state____state.hydrate_and_load"
    route = {
        "pathname": "/no/such-page",
        "asPath": "/no/such-page?x=1",
        "query": {"x": "1", "splat": ["no", "such-page"]},
    }
    GUARD.check_event({"name": hydrate, "payload": {}, "router_data": route})
    for odd in ({"splat": [1]}, {"splat": [["no"]]}, {"other": ["no"]}):
        with pytest.raises(Refused):
            guard_module.check_router_data({"pathname": "/x", "asPath": "/x", "query": odd})


def _as_the_browser_fills_it(var_type):
    if var_type is bool:
        return True
    if var_type is int:
        return 2
    if var_type is str:
        return "yes"
    return FORM  # form_data: what an on_submit sends


def test_every_event_a_control_on_a_page_sends_passes_the_guard():
    from tests.security.page_messages import page_events

    events = page_events()
    assert len(events) >= 30  # the walk reached the pages' controls
    for (name, args), route in events.items():
        payload = {arg: _as_the_browser_fills_it(var_type) for arg, var_type in args}
        GUARD.check_event(
            {"name": name, "payload": payload, "router_data": {"pathname": route, "asPath": route, "query": {}}}
        )


def test_reflexs_own_handlers_take_only_browser_storage_vars_and_setvar_only_a_var_with_a_plain_setter():
    hydrate = "reflex___state____state.hydrate_and_load"
    session = "reflex___state____state.portal_app___state___session____session_state"
    GUARD.check_event({"name": hydrate, "payload": {}})
    # The portal keeps nothing in the browser's storage (the session is an HttpOnly cookie),
    # so a hydrate naming any var, the old token's included, is refused.
    for var, value in (("session_token", "t"), ("signed_in", True)):
        with pytest.raises(Refused, match="not a storage var"):
            GUARD.check_event({"name": hydrate, "payload": {"vars": {f"{session}.{var}_rx_state_": value}}})
    GUARD.check_event({"name": "reflex___state____state.setvar", "payload": {"var_name": "is_hydrated", "value": True}})
    reset = f"{session}.portal_app___pages___identity___reset_password____reset_password_state"
    with pytest.raises(Refused, match="which has no setter"):  # no such var, and no setter
        GUARD.check_event({"name": f"{reset}.setvar", "payload": {"var_name": "password", "value": "x"}})


def _guard() -> SocketGuard:
    return SocketGuard(GUARD.registry, sio=None)


def test_a_connection_is_warned_about_once_and_disconnected_at_its_tenth_refused_message(caplog):
    guard = _guard()
    with caplog.at_level(logging.WARNING, logger="doorstep.socket"):
        for i in range(25):
            guard.refuse("sid-1", Refused(f"an event for the unknown handler 'nope.{i}'"))
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "Refused a websocket message from ? (connection sid-1): an event for the unknown handler 'nope.0'",
        f"Disconnected ? (connection sid-1): {STRIKES_TO_DISCONNECT} refused websocket messages in 60s "
        "(the last: an event for the unknown handler 'nope.9')",
    ]
    assert guard.is_doomed("sid-1")


def test_the_whole_process_writes_at_most_sixty_refusal_lines_a_minute(caplog):
    guard = _guard()
    with caplog.at_level(logging.WARNING, logger="doorstep.socket"):
        for i in range(500):
            guard.refuse(f"sid-{i}", Refused("a frame that is not Engine.IO: 'x'"))
    assert len(caplog.records) == WARNINGS_PER_PERIOD + 1
    assert caplog.records[-1].getMessage().startswith("More than 60 refused websocket messages in 60s")


def test_client_text_in_a_log_line_is_escaped_so_it_cannot_start_a_line_of_its_own(caplog):
    with pytest.raises(Refused) as refused:
        GUARD.check_event({"name": "nope.nope\nFORGED: officer 7 signed in\x1b[2K"})
    assert "\n" not in refused.value.reason and "\x1b" not in refused.value.reason
    with caplog.at_level(logging.WARNING, logger="doorstep.socket"):
        log_frontend_error(Exception("Error: boom\nFORGED: officer 7 signed in\r\x1b[2K"))
    (line,) = [r.getMessage() for r in caplog.records]
    assert line.isprintable() and line.startswith("A browser reported an error: Error: boom FORGED")


def test_install_caps_messages_at_64_kib_keeps_reflexs_handler_error_reports_and_runs_once():
    from portal_app.components.pwa import calm_backend_error

    assert portal.app.sio.eio.max_http_buffer_size == MAX_MESSAGE_CHARS == 64 * 1024
    # An error inside a handler is still logged with its traceback (the page is told
    # calmly, tests/unit/components/test_calm_backend_error.py).
    assert portal.app.backend_exception_handler is calm_backend_error
    assert portal.app.frontend_exception_handler is log_frontend_error
    assert guard_module.install(portal.app) is GUARD


def test_the_largest_messages_the_pages_send_fit_the_limit_four_times_over():
    from tests.security import page_messages as sizes

    forms = sizes.page_forms()
    largest = max(forms.values())
    hydrate = sizes.hydrate_size()
    print(f"\nlargest form {max(forms, key=forms.get)}: {largest:,} characters; hydrate {hydrate:,}")
    assert max(largest, hydrate) * 4 < MAX_MESSAGE_CHARS


def test_the_guard_checks_an_event_in_well_under_a_tenth_of_a_millisecond():
    event = {"name": f"{SIGN_IN}.submit", "payload": {"form_data": FORM}, "router_data": ROUTE}
    rounds = 5_000
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(rounds):
            GUARD.check_event(event)
        best = min(best, (time.perf_counter() - started) / rounds)
    print(f"\nguard: {best * 1e6:.1f} microseconds per sign-in event")
    assert best < 100e-6
