"""The one way a handler opens a database session: ``await in_transaction(work, ...)``.

``work`` is a service function taking the session first; it runs in a worker thread
(not on the event loop, where a slow query or argon2 would stall every resident on
this worker) inside one unit of work that commits on success and rolls back
everything on error, so a failed write leaves no trace.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from portal_app.db import session_scope

T = TypeVar("T")


def in_transaction_here(work: Callable[..., T], *args, **kwargs) -> T:
    """``in_transaction`` for code that already runs in a worker thread (the access marks
    run ``SessionState._resolve`` there); never call it on the event loop."""
    with session_scope() as s:
        return work(s, *args, **kwargs)


async def in_transaction(work: Callable[..., T], *args, **kwargs) -> T:
    """Run one service call in its own unit of work, off the event loop."""
    return await asyncio.to_thread(in_transaction_here, work, *args, **kwargs)
