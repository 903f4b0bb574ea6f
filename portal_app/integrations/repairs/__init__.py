"""Repairs contractor systems behind one interface (``base.RepairsSystem``): where the
appointment slots residents are offered come from, and where their bookings go.

``REPAIRS_SYSTEM`` names the one in use: ``sandbox`` (the embedded default: slots made
from the working hours and a capacity, nobody comes; ``sandbox.py``) or ``http`` (a
contractor system, or a bridge in front of one, offering the JSON API of
``docs/repairs-system-api.md``; ``http.py``). A booking remembers the system it was made
with, so changing the setting never strands a booking: ``system_named`` finds the one
it needs to change or cancel it.

What feeds them (``settings_like`` is the portal's settings, or anything with these
attributes; a missing one takes the default shown):

* sandbox: ``repairs_working_hours`` ("08:00-18:00", UK time), ``repairs_slot_hours``
  (0: a morning and an afternoon slot; N: slots of N hours), ``repairs_slot_capacity``
  (2 jobs per slot), and the closed days: England and Wales bank holidays and
  ``bank_holidays_extra``. Its bookings are kept in ``use_sandbox_store``'s store, a
  ``MemoryStore`` for this process until another is given (one for the database makes
  it one diary for every worker);
* http: ``repairs_system_url``, ``repairs_system_api_key``,
  ``repairs_system_timeout_seconds`` (5).

To add a system: write one module here with a class that has ``base.RepairsSystem``'s
methods, and add a line to ``_FACTORIES`` building it from the settings. Nothing else
changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from portal_app.integrations.repairs import base
from portal_app.integrations.repairs.http import HttpConfig, HttpRepairsSystem
from portal_app.integrations.repairs.sandbox import (
    MemoryStore,
    SandboxConfig,
    SandboxRepairsSystem,
    SandboxStore,
    parse_working_hours,
)
from portal_app.services import working_days

_sandbox_store: list[SandboxStore] = [MemoryStore()]


def sandbox_config(settings_like: Any) -> SandboxConfig:
    """The sandbox's ``SandboxConfig`` from the settings."""
    extra = tuple(getattr(settings_like, "bank_holidays_extra", ()) or ())
    return SandboxConfig(
        working_hours=parse_working_hours(getattr(settings_like, "repairs_working_hours", "08:00-18:00")),
        slot_hours=int(getattr(settings_like, "repairs_slot_hours", 0)),
        capacity=int(getattr(settings_like, "repairs_slot_capacity", 2)),
        closed=working_days.bank_holidays() | frozenset(extra),
    )


def http_config(settings_like: Any) -> HttpConfig:
    """The HTTP adapter's ``HttpConfig`` from the settings."""
    return HttpConfig(
        base_url=str(getattr(settings_like, "repairs_system_url", "") or ""),
        api_key=str(getattr(settings_like, "repairs_system_api_key", "") or ""),
        timeout_seconds=float(getattr(settings_like, "repairs_system_timeout_seconds", 5.0)),
    )


def _sandbox(settings_like: Any) -> base.RepairsSystem:
    return SandboxRepairsSystem(sandbox_config(settings_like), _sandbox_store[0])


def _http(settings_like: Any) -> base.RepairsSystem:
    return HttpRepairsSystem(http_config(settings_like))


_FACTORIES: dict[str, Callable[[Any], base.RepairsSystem]] = {"sandbox": _sandbox, "http": _http}
SYSTEMS = NAMES = tuple(_FACTORIES)
_override: dict[str, base.RepairsSystem] = {}


def system_named(name: str, settings_like: Any) -> base.RepairsSystem:
    """The system a booking was made with (the name kept with it)."""
    if name in _override:
        return _override[name]
    if name not in _FACTORIES:
        raise base.SystemRefused(f"no repairs system called {name!r} (there are: {', '.join(NAMES)})")
    return _FACTORIES[name](settings_like)


def current(settings_like: Any) -> base.RepairsSystem:
    """The system new bookings are made with (``REPAIRS_SYSTEM``, ``sandbox`` when unset)."""
    return system_named(getattr(settings_like, "repairs_system", "sandbox") or "sandbox", settings_like)


def use_sandbox_store(store: SandboxStore | None) -> None:
    """Keep the sandbox's bookings in ``store`` (one in the database, for several
    workers), or in a fresh ``MemoryStore`` again with None."""
    _sandbox_store[0] = store if store is not None else MemoryStore()


def use_for_tests(system: base.RepairsSystem | None, name: str | None = None) -> None:
    """Tests: make ``system_named(name)`` (``name`` defaults to ``system.name``) answer
    with ``system`` (a sandbox with a fixed clock, the HTTP adapter pointed at a local
    server); None puts the settings' own back, for ``name``, or for every name."""
    if system is None:
        if name is None:
            _override.clear()
        else:
            _override.pop(name, None)
        return
    _override[name or system.name] = system


__all__ = [
    "NAMES",
    "SYSTEMS",
    "base",
    "current",
    "http_config",
    "sandbox_config",
    "system_named",
    "use_for_tests",
    "use_sandbox_store",
]


def current_sandbox_store() -> SandboxStore:
    """The store the sandbox keeps its diary in now."""
    return _sandbox_store[0]
