"""The embedded default's tab states on disk (Reflex's ``StateManagerDisk``, ``.states/``):
its folder looked through for expired states once a minute, not after every write.

Reflex 0.10.1 lists the whole folder and reads the time of every file in it each time it
writes a batch of changed states, and under load that is several times a second: with
100 residents (some 2,000 state files) it was 12% of the busy process's time, and a
further 3% listing the folder (py-spy, ``bench/load.py``). A state expires only after
``redis_token_expiration`` (30 minutes or more, rxconfig.py), so looking once a minute
deletes each expired file within a minute of its expiry, as before to the minute.
``install()`` is called once at import in ``portal_app.py``; it leaves a second call,
and Reflex's other state managers, as they are.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

# The most often the folder is looked through for expired states, per process.
PURGE_EVERY_SECONDS = 60.0


def once_a_minute(purge: Callable, clock: Callable[[], float] = time.monotonic) -> Callable:
    """``purge`` (``StateManagerDisk._purge_expired_states``), run at most once in
    ``PURGE_EVERY_SECONDS`` for each state manager; the calls in between do nothing."""

    last: dict[int, float] = {}  # id(manager) -> when it last looked (one manager a process)

    @functools.wraps(purge)
    def purge_expired_states(manager) -> None:
        now = clock()
        before = last.get(id(manager))
        if before is not None and now - before < PURGE_EVERY_SECONDS:
            return
        last[id(manager)] = now
        purge(manager)

    purge_expired_states.doorstep_once_a_minute = True  # type: ignore[attr-defined]
    return purge_expired_states


def install() -> None:
    from reflex.istate.manager.disk import StateManagerDisk

    if not getattr(StateManagerDisk._purge_expired_states, "doorstep_once_a_minute", False):
        StateManagerDisk._purge_expired_states = once_a_minute(StateManagerDisk._purge_expired_states)
