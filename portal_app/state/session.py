"""The shared base state: who is calling, checked on the server for every event.

The browser keeps only an opaque token (``session_token``); the server keeps the
session (hashed token, idle and absolute expiry). Every event handler on every
state is marked with exactly one of:

* ``@public``: callable by anyone by design (sign-in, registration, the start page);
* ``@resident_only``: resolves the server session first; with none, it clears every
  private var, and sends the browser to the sign-in page without running the handler.

``tests/unit/test_handler_guard.py`` walks every state and fails for a handler that
has neither mark.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from collections.abc import Callable
from typing import Any

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.db import session_scope
from portal_app.services import auth

ACCESS_ATTR = "__doorstep_access__"
_current: contextvars.ContextVar[auth.Principal | None] = contextvars.ContextVar("doorstep_principal", default=None)


def current_principal() -> auth.Principal:
    """The resident this event is for; only valid inside a @resident_only handler."""
    principal = _current.get()
    if principal is None:  # pragma: no cover - a programming error, not a user path
        raise RuntimeError("current_principal() called outside a @resident_only handler")
    return principal


def public(fn: Callable) -> Callable:
    """Mark a handler as callable by anyone, by design."""
    setattr(fn, ACCESS_ATTR, "public")
    return fn


def resident_only(fn: Callable) -> Callable:
    """Run the handler only for a caller with a live server session."""

    @functools.wraps(fn)
    async def wrapper(self: SessionState, *args: Any, **kwargs: Any):
        principal = await asyncio.to_thread(self._resolve)
        if principal is None:
            await self._forget_private()
            path = self.router.url.path if self.router else routes.HOME
            return rx.redirect(f"{routes.SIGN_IN}?next={routes.safe_next(path)}")
        token = _current.set(principal)
        try:
            result = fn(self, *args, **kwargs)
            if inspect.isawaitable(result):
                result = await result
            return result
        finally:
            _current.reset(token)

    setattr(wrapper, ACCESS_ATTR, "resident")
    return wrapper


class SessionState(rx.State):
    """Thin shared state: the opaque session token and what the header shows."""

    session_token: str = rx.LocalStorage("", name="doorstep_session")
    signed_in: bool = False
    first_name: str = ""

    def _client(self) -> str:
        ip = self.router.session.client_ip if self.router else ""
        agent = ""
        if self.router:
            agent = (self.router.headers.user_agent or "")[:120]
        return f"{ip} {agent}".strip()[:200]

    def _client_key(self) -> str:
        if self.router and self.router.session.client_ip:
            return self.router.session.client_ip
        return self.router.session.client_token if self.router else "unknown"

    def _resolve(self) -> auth.Principal | None:
        token = self.session_token
        if not token:
            return None
        with session_scope() as s:
            principal = auth.resolve_session(s, token, now=utcnow())
        if principal is None:
            self.session_token = ""
            self.signed_in = False
            self.first_name = ""
            return None
        self.signed_in = True
        self.first_name = principal.first_name
        return principal

    def _start_session(self, token: str, first_name: str) -> None:
        self.session_token = token
        self.signed_in = True
        self.first_name = first_name

    async def _forget_private(self) -> None:
        """Clear every var that may hold a resident's data, on every state that keeps any."""
        self.signed_in = False
        self.first_name = ""
        for cls in _states_with_private_data():
            state = await self.get_state(cls)
            state.signed_in = False
            state.first_name = ""
            state._forget()

    @public
    @rx.event
    def check_session(self):
        """On every page load: keep the header honest about who is signed in."""
        self._resolve()

    @resident_only
    @rx.event
    async def sign_out(self):
        token = self.session_token
        with session_scope() as s:
            auth.sign_out(s, token, now=utcnow())
        self.session_token = ""
        await self._forget_private()
        return rx.redirect(routes.SIGNED_OUT)


def _states_with_private_data() -> list[type[SessionState]]:
    found: list[type[SessionState]] = []

    def walk(cls: type[rx.State]) -> None:
        for sub in cls.get_substates():
            if "_forget" in vars(sub):
                found.append(sub)
            walk(sub)

    walk(SessionState)
    return found
