"""The access marks: every event handler on every state carries exactly one.

Any connected browser can call any handler with any arguments (Reflex sends every
``@rx.event`` to whoever asks), so who may call what is decided here, on the server,
for every event:

* ``@public``: callable by anyone, by design (sign-in, registration, the start page).
  Each one is listed with its reason in ``tests/security/test_handler_guard.py``.
* ``@resident_only``: resolves the resident's server session first; with none, it
  clears every private var and sends the browser to sign in, and the handler itself
  does not run. Inside, ``current_principal()`` is the resident.
* ``@staff_only("permission")``: resolves a member of staff through the state's
  ``_resolve_staff()`` (the back office's staff state provides it; staff sessions are
  separate from residents'), and runs the handler only when their role grants the
  named permission. Without a staff session the browser goes to the staff sign-in
  page (a resident's own sign-in in the same browser is left alone); without the permission the handler does not run and the refusal is logged.
  Inside, ``current_staff()`` is the officer.

The guard walk (``tests/security/test_handler_guard.py``) fails for a handler with no
mark, for a staff handler whose permission is not one of ``PERMISSIONS``, and proves
for every guarded handler that the handler itself does not run for the wrong caller.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import reflex as rx

from portal_app import routes
from portal_app.services import roles
from portal_app.services.staff import sessions as staff_sessions

log = logging.getLogger("doorstep.access")

ACCESS_ATTR = "__doorstep_access__"

PUBLIC = "public"
RESIDENT = "resident"
STAFF = "staff"

# The named permissions a staff role grants (the roles are services/staff/roles.py).
PERMISSIONS = roles.PERMISSIONS


@dataclass(frozen=True)
class Access:
    """What a handler's mark says: who may call it, and for staff which permission."""

    kind: str
    permission: str | None = None


# The member of staff an event is for (resolved by the back office's StaffState).
StaffPrincipal = staff_sessions.StaffPrincipal


class _Guarded(Protocol):  # what the marks need from the state they guard
    router: Any

    async def _resolve_off_loop(self) -> Any: ...

    async def _forget_private(self) -> None: ...

    async def _why_ended(self) -> str | None: ...


_resident: contextvars.ContextVar[Any] = contextvars.ContextVar("doorstep_principal", default=None)
_staff: contextvars.ContextVar[StaffPrincipal | None] = contextvars.ContextVar("doorstep_staff", default=None)


def access_of(fn: Callable) -> Access | None:
    """The mark on a handler (None when it has none)."""
    return getattr(fn, ACCESS_ATTR, None)


def current_principal():
    """The resident this event is for; only valid inside a @resident_only handler."""
    principal = _resident.get()
    if principal is None:  # pragma: no cover - a programming error, not a user path
        raise RuntimeError("current_principal() called outside a @resident_only handler")
    return principal


def current_staff() -> StaffPrincipal:
    """The officer this event is for; only valid inside a @staff_only handler."""
    staff = _staff.get()
    if staff is None:  # pragma: no cover - a programming error, not a user path
        raise RuntimeError("current_staff() called outside a @staff_only handler")
    return staff


async def _call(wrapper: Callable, self: Any, args: tuple, kwargs: dict) -> Any:
    # The guarded function is looked up on the wrapper each call (not captured), so the
    # guard walk can put an instrumented one in its place and prove it is not reached.
    result = wrapper.__wrapped__(self, *args, **kwargs)
    if inspect.isawaitable(result):
        result = await result
    return result


def _path(self: Any) -> str:
    """The page the event came from, with its query (``/requests/new?kind=query&account=...``):
    after signing in the resident comes back to the same form, not a different one."""
    if not getattr(self, "router", None):
        return routes.HOME
    url = self.router.url
    query = getattr(url, "query", "")
    return url.path + (f"?{query}" if query else "")


def public(fn: Callable) -> Callable:
    """Mark a handler as callable by anyone, by design."""
    setattr(fn, ACCESS_ATTR, Access(PUBLIC))
    return fn


def _guard(fn: Callable, admit: Callable[[Any], Any], var: contextvars.ContextVar, access: Access) -> Callable:
    """Wrap a handler: ``admit(self)`` returns ``(who, None)`` to run it for ``who``
    (``var`` holds them inside), or ``(None, refusal)`` to answer with the refusal
    instead. A handler that yields (an async or plain generator: "Please wait…" first,
    then the answer) is run to its end with ``var`` set, so ``current_staff()`` and
    ``current_principal()`` work after a ``yield`` too."""
    if inspect.isasyncgenfunction(fn) or inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        async def stepping(self: Any, *args: Any, **kwargs: Any):
            who, refusal = await admit(self)
            if refusal is not None:
                yield refusal
                return
            token = var.set(who)
            try:
                steps = stepping.__wrapped__(self, *args, **kwargs)
                if inspect.isasyncgen(steps):
                    async for step in steps:
                        yield step
                elif inspect.isgenerator(steps):
                    for step in steps:
                        yield step
                else:  # the guard walk's recorder stands in with a plain function
                    if inspect.isawaitable(steps):
                        steps = await steps
                    if steps is not None:
                        yield steps
            finally:
                try:
                    var.reset(token)
                except ValueError:  # resumed in another context: that context ends with it
                    pass

        setattr(stepping, ACCESS_ATTR, access)
        return stepping

    @functools.wraps(fn)
    async def wrapper(self: Any, *args: Any, **kwargs: Any):
        who, refusal = await admit(self)
        if refusal is not None:
            return refusal
        token = var.set(who)
        try:
            return await _call(wrapper, self, args, kwargs)
        finally:
            var.reset(token)

    setattr(wrapper, ACCESS_ATTR, access)
    return wrapper


def resident_only(fn: Callable) -> Callable:
    """Run the handler only for a caller with a live resident session."""

    async def admit(self: _Guarded):
        principal = await self._resolve_off_loop()  # the database lookup in a worker thread
        if principal is None:
            why = await self._why_ended()  # "idle": the sign-in page says they were signed out for doing nothing
            await self._forget_private()
            return None, rx.redirect(routes.sign_in(next_path=_path(self), why=why))
        return principal, None

    return _guard(fn, admit, _resident, Access(RESIDENT))


def staff_only(permission: str) -> Callable[[Callable], Callable]:
    """Run the handler only for a signed-in member of staff whose role grants ``permission``."""
    if permission not in PERMISSIONS:
        raise ValueError(f"@staff_only needs one of the named permissions {sorted(PERMISSIONS)}, not {permission!r}")

    def mark(fn: Callable) -> Callable:
        async def admit(self: Any):
            resolve = getattr(self, "_resolve_staff", None)
            staff = await asyncio.to_thread(resolve) if resolve else None
            if staff is None:
                # Only the staff side is refused: a resident's own sign-in in this browser stays.
                # The path only, as before: keeping the query is the residents' side (issue 13 item 14).
                return None, rx.redirect(routes.staff_sign_in(next_path=_path(self).split("?", 1)[0]))
            if permission not in staff.permissions:
                log.warning("refused: staff %s lacks %s for %s", staff.staff_id, permission, fn.__qualname__)
                return None, rx.redirect(routes.STAFF_NOT_ALLOWED)
            return staff, None

        return _guard(fn, admit, _staff, Access(STAFF, permission))

    return mark
