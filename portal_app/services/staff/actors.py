"""Who is acting in the back office, as the services and the audit log need it: the
member of staff's id and name (at the time) and the address they acted from. The
states build one from ``current_staff()``; the HTTP routes from the staff session they
resolved. No reflex import."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StaffActor:
    staff_id: int
    name: str
    client_ip: str | None = None


__all__ = ["StaffActor"]
