"""The walk over every state the portal defines and every event handler on it, shared
by the guard walk and the ownership tests (a helper module, not a test module)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import inspect
from collections.abc import Iterator

import reflex as rx

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app.state.access import RESIDENT, STAFF, access_of


def portal_states() -> list[type[rx.State]]:
    found: list[type[rx.State]] = []

    def walk(cls):
        for sub in cls.get_substates():
            if sub.__module__.startswith("portal_app"):
                found.append(sub)
            walk(sub)

    walk(rx.State)
    return found


def portal_handlers() -> Iterator[tuple[type[rx.State], str, object]]:
    for state in portal_states():
        for name, handler in state.event_handlers.items():
            fn = handler.fn
            if not getattr(fn, "__module__", "").startswith("portal_app"):
                continue  # Reflex's own (hydrate, setters of LocalStorage, ...)
            yield state, name, fn


def resident_handlers() -> list[tuple[type[rx.State], str, object]]:
    return [(s, n, f) for s, n, f in portal_handlers() if (access_of(f) or None) and access_of(f).kind == RESIDENT]


def staff_handlers() -> list[tuple[type[rx.State], str, object]]:
    return [(s, n, f) for s, n, f in portal_handlers() if (access_of(f) or None) and access_of(f).kind == STAFF]


async def _drain(steps) -> list:
    return [step async for step in steps]


def run(coro_or_value):
    """Run a handler's coroutine (or its steps, for a handler that yields: the list of
    what it yielded) to its end in a loop of its own, in a thread: Playwright may have a
    loop running in this one. The copied context carries Reflex's state registry into
    that thread."""
    if inspect.isasyncgen(coro_or_value):
        coro_or_value = _drain(coro_or_value)
    if inspect.iscoroutine(coro_or_value):
        context = contextvars.copy_context()
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(context.run, asyncio.run, coro_or_value).result()
    return coro_or_value


def every_handler() -> list[tuple[type[rx.State], str]]:
    """Every event handler of every state, Reflex's own included (hydrate, setvar, the
    frontend's exception report): a browser can send an event to any of them."""
    found: list[tuple[type[rx.State], str]] = []

    def walk(cls):
        found.extend((cls, name) for name in cls.event_handlers)
        for sub in cls.get_substates():
            walk(sub)

    walk(rx.State)
    return found
