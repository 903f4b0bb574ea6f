"""What the portal needs from the landlord's repairs contractor system, and nothing more.

A resident who reports a repair is offered appointment slots and may book one, change it
and cancel it. The slots are the contractor's: the portal asks its system for them and
shows them; it keeps no diary of its own. The portal asks for ``slots`` for a job (what
the repair is, where, how urgent) between two dates: the earliest it may be (today or
tomorrow) and the latest the repair priority's response time allows, which the caller
works out. Only slots that start on or after ``earliest`` and end on or before
``latest`` (UK days) come back. It then ``book``s one by its ``slot_id``, and may later
``change`` the booking to another slot or ``cancel`` it.

The rules every implementation keeps:

* Times are aware datetimes in UTC (``Slot`` refuses a naive one and turns any other
  zone into UTC); the words residents read ("Tuesday 3 March, morning") are made by the
  caller from them, in UK time, not here.
* Every book, change and cancel carries an idempotency key. The same call again with the
  same key (a double click, a retry after a dropped connection) answers what the first
  one answered and never books twice. The same key with a different request is a
  mistake of ours: ``SystemRefused``. Only a success is remembered: after ``SlotTaken``
  the same request again is tried afresh.
* An ``emergency`` is attended within 24 hours and arranged by phone, not booked online:
  a system may offer no slots for one (the sandbox offers none).
* Errors are these, never anything else: ``SlotTaken`` (the slot went meanwhile, or has
  already started: offer the others), ``NotFound`` (no such booking, or no such slot: for
  a slot, offer the others too), ``SystemUnavailable`` (timeouts, 5xx, rate limits, after
  the retries: "we cannot book online at the moment, we will phone you"), and its
  subclass ``SystemRefused`` (the system said our request itself was wrong: a bad API
  key, a reused idempotency key, a job it will not book online): a page that handles
  ``SystemUnavailable`` says the same words for it, and the log says which.

Each implementation is one module in this package (``sandbox.py``: slots made from
working hours and a capacity, the embedded default; ``http.py``: the documented JSON API,
``docs/repairs-system-api.md``, that a contractor system or a small bridge in front of
one offers), registered in ``_FACTORIES`` in ``__init__.py`` under the name
``REPAIRS_SYSTEM`` chooses.

Nothing here touches the database or Reflex; calls block (the portal makes them off the
event loop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol

# Repair priorities, most urgent first (the landlord's repairs policy gives each a response time).
EMERGENCY = "emergency"
URGENT = "urgent"
ROUTINE = "routine"
PLANNED = "planned"
PRIORITIES = (EMERGENCY, URGENT, ROUTINE, PLANNED)


class RepairsSystemError(Exception):
    """Anything the repairs system interface raises."""


class SlotTaken(RepairsSystemError):
    """The slot went meanwhile (full, or already started): offer the others."""


class NotFound(RepairsSystemError):
    """No such booking (or it was cancelled, for ``change``), or no such slot."""


class SystemUnavailable(RepairsSystemError):
    """The system could not be reached, timed out, answered 5xx or kept answering 429,
    after the retries: nothing is known to have happened. "We cannot book online at the
    moment, we will phone you." """


class SystemRefused(SystemUnavailable):
    """The system said the request itself was wrong (a missing or wrong API key, an
    idempotency key reused for another request, a job it does not book online, an answer
    we cannot read): a mistake in the set-up or in the portal, logged as one. It is a
    ``SystemUnavailable``, so the resident is told the same words."""


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, not {moment!r}")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class Slot:
    """One appointment slot: the time window the operative arrives in."""

    slot_id: str  # the system's own id for it, opaque: given back to book or change
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC

    def __post_init__(self) -> None:
        if not self.slot_id:
            raise ValueError("a slot needs its slot_id")
        starts, ends = _utc(self.starts_at, "starts_at"), _utc(self.ends_at, "ends_at")
        if ends <= starts:
            raise ValueError(f"slot {self.slot_id!r} ends before it starts")
        object.__setattr__(self, "starts_at", starts)
        object.__setattr__(self, "ends_at", ends)


@dataclass(frozen=True)
class Booking:
    """A booked appointment: the same ``booking_id`` after a change, with the new slot."""

    booking_id: str  # the system's id for the booking: kept, to change or cancel it
    slot: Slot
    job_ref: str  # the contractor's job reference (for the resident to quote, and the back office)


@dataclass(frozen=True)
class RepairJob:
    """What is booked: one repair the resident reported."""

    repair_ref: str  # the portal's reference for the repair, "RP-..."
    property_ref: str  # the property, as the landlord's systems know it
    priority: str  # one of PRIORITIES
    sor_code: str | None  # the schedule of rates code, when the repair has one (it says the trade and time)
    summary: str  # a few words: "Kitchen tap dripping"
    access_notes: str = ""  # what the operative should know: "Dog in the garden; ring twice"

    def __post_init__(self) -> None:
        if self.priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}, not {self.priority!r}")
        if not self.repair_ref or not self.property_ref:
            raise ValueError("a repair job needs its repair_ref and property_ref")


class RepairsSystem(Protocol):
    name: str  # the key in __init__'s _FACTORIES, kept with each booking

    def slots(self, job: RepairJob, *, earliest: date, latest: date) -> list[Slot]:
        """Slots free for ``job`` that start on or after ``earliest`` and end on or before
        ``latest`` (UK days, both included), soonest first; [] when there are none (and,
        in the sandbox, always for an emergency)."""

    def book(self, job: RepairJob, slot_id: str, *, idempotency_key: str) -> Booking:
        """Book ``job`` into the slot; ``SlotTaken`` when it went meanwhile."""

    def change(self, booking_id: str, slot_id: str, *, idempotency_key: str) -> Booking:
        """Move a booking to another slot (the old one is freed); ``NotFound`` for an
        unknown or cancelled booking, ``SlotTaken`` when the new slot went (the booking
        stays where it was)."""

    def cancel(self, booking_id: str, *, idempotency_key: str) -> None:
        """Cancel a booking, freeing its slot; a booking already cancelled is fine,
        ``NotFound`` for one the system never had."""


__all__ = [
    "EMERGENCY",
    "PLANNED",
    "PRIORITIES",
    "ROUTINE",
    "URGENT",
    "Booking",
    "NotFound",
    "RepairJob",
    "RepairsSystem",
    "RepairsSystemError",
    "Slot",
    "SlotTaken",
    "SystemRefused",
    "SystemUnavailable",
]
