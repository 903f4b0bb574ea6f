"""Small helpers shared by the page states."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from portal_app.db import session_scope

T = TypeVar("T")


def in_transaction(work: Callable[..., T], *args, **kwargs) -> T:
    """Run one service call in its own unit of work (commit on success, roll back on error)."""
    with session_scope() as s:
        return work(s, *args, **kwargs)


async def in_transaction_async(work: Callable[..., T], *args, **kwargs) -> T:
    """The same, off the event loop: argon2 and mail queueing must not stall other residents."""
    return await asyncio.to_thread(in_transaction, work, *args, **kwargs)
