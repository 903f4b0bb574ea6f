"""The built-in sandbox repairs system: the embedded default, for demonstrations and tests.

It stands for a contractor's diary with no contractor behind it: nobody comes. Its rules:

* Slots are on working days only: Monday to Friday, not England and Wales bank holidays
  nor the landlord's closures (``SandboxConfig.closed``; built from
  ``services.working_days.closed_days(settings)``).
* Within the working hours (``working_hours``, UK local time, 08:00 to 18:00 by
  default), either a morning slot (start to 12:00) and an afternoon slot (12:00 to the
  end), when ``slot_hours`` is 0, or slots of ``slot_hours`` hours one after another from
  the start, as many as fit before the end. The hours are UK clock hours all year: 08:00
  is 08:00 UTC in winter (GMT) and 07:00 UTC in summer (BST); ``Slot`` holds UTC.
* Each slot takes ``capacity`` jobs. A booked (not cancelled) job counts against its
  slot; a full slot is not offered, and booking it raises ``SlotTaken``, as does a slot
  that has already started. A slot id the sandbox never made (or for a day that is not a
  working day, or hours that are not a slot) is ``NotFound``.
* No slots for an ``emergency``: an emergency is attended within 24 hours and arranged
  by phone, not booked online; booking one raises ``SystemRefused``.
* The SOR code and the rest of the job are kept with the booking but change nothing:
  every slot suits every job.
* The idempotency rules of ``base``: the same book, change or cancel with the same key
  answers the first answer; the same key with another request is ``SystemRefused``;
  only successes are remembered.

Where the bookings are kept: a ``SandboxStore``. ``MemoryStore`` keeps them in this
process (a lock makes each book, change and cancel whole: twenty threads after the last
place get one booking between them); that is right for tests and a one-process
demonstration, not for several workers, which would each have a diary of their own. A
store that keeps them in the portal's database, ``atomically()`` holding a lock every
worker respects, gives one diary to all of them.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from portal_app.clock import UK, utcnow
from portal_app.integrations.repairs import base
from portal_app.services import working_days

NOON = time(12, 0)
MAX_DAYS = 366  # the furthest ahead the sandbox's diary is open, from ``earliest``
_SLOT_ID = re.compile(r"^sandbox-(\d{8})-(\d{4})-(\d{4})$")


@dataclass(frozen=True)
class SandboxConfig:
    """How the sandbox makes its slots (from REPAIRS_WORKING_HOURS, REPAIRS_SLOT_HOURS,
    REPAIRS_SLOT_CAPACITY and the closed days)."""

    working_hours: tuple[time, time] = (time(8, 0), time(18, 0))  # UK local time
    slot_hours: int = 0  # 0: a morning and an afternoon slot; N: slots of N hours
    capacity: int = 2  # jobs per slot
    # Closed days besides weekends: England and Wales bank holidays (and the landlord's
    # closures, when built from the settings).
    closed: frozenset[date] = field(default_factory=working_days.bank_holidays)

    def __post_init__(self) -> None:
        start, end = self.working_hours
        if not start < end:
            raise ValueError(f"the working hours must start before they end, not {start:%H:%M}-{end:%H:%M}")
        hours = (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds() / 3600
        if not 0 <= self.slot_hours <= hours:
            raise ValueError(f"slot hours must be 0 (morning and afternoon) or 1 to {hours:g}, not {self.slot_hours}")
        if self.capacity < 1:
            raise ValueError(f"a slot's capacity must be at least 1, not {self.capacity}")
        if not isinstance(self.closed, frozenset):
            object.__setattr__(self, "closed", frozenset(self.closed))

    def day_hours(self) -> list[tuple[time, time]]:
        """The slots of a working day, as (start, end) UK local times."""
        start, end = self.working_hours
        if self.slot_hours == 0:
            if start < NOON < end:
                return [(start, NOON), (NOON, end)]
            return [(start, end)]
        found: list[tuple[time, time]] = []
        at = datetime.combine(date.min, start)
        step = timedelta(hours=self.slot_hours)
        while (at + step).time() <= end and (at + step).date() == date.min:
            found.append((at.time(), (at + step).time()))
            at += step
        return found


def parse_working_hours(text: str) -> tuple[time, time]:
    """ "08:00-18:00" as two times; ValueError with a sentence for anything else."""
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text or "")
    if match is None:
        raise ValueError(f"working hours must look like 08:00-18:00, not {text!r}")
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    try:
        start, end = time(h1, m1), time(h2, m2)
    except ValueError:
        raise ValueError(f"working hours must be times of day (00:00 to 23:59), not {text!r}") from None
    if not start < end:
        raise ValueError(f"working hours must start before they end, not {text!r}")
    return start, end


# --- where the bookings are kept ----------------------------------------------------------


@dataclass(frozen=True)
class SandboxBooking:
    """One booking as the sandbox keeps it."""

    booking: base.Booking  # what book and change answered last
    job: base.RepairJob
    cancelled: bool = False


@dataclass(frozen=True)
class KeptAnswer:
    """What a book, change or cancel answered, under its idempotency key."""

    request: str  # what was asked (the operation and its arguments, as JSON), to compare a repeat with
    booking: base.Booking | None  # the answer (None for a cancel)


class SandboxStore(Protocol):
    """Where the sandbox keeps its bookings and the answers under idempotency keys.

    ``atomically()`` is held around each book, change and cancel, which read and write
    through the other methods inside it: while one holds it, no other (in any thread or,
    for a shared store, any process) reads or writes. ``taken`` is also called outside it
    to list slots (a count out of date by then only means a slot offered is full when
    booked: ``SlotTaken``)."""

    def atomically(self) -> AbstractContextManager[object]: ...

    def get(self, booking_id: str) -> SandboxBooking | None: ...

    def put(self, record: SandboxBooking) -> None:
        """Add or replace the booking with ``record.booking.booking_id``."""

    def taken(self, slot_ids: Collection[str]) -> Mapping[str, int]:
        """How many live (not cancelled) bookings each slot has; a slot with none may be left out."""

    def answer(self, idempotency_key: str) -> KeptAnswer | None: ...

    def keep(self, idempotency_key: str, answer: KeptAnswer) -> None: ...


class MemoryStore:
    """A ``SandboxStore`` in this process's memory, safe across its threads (one lock)."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._bookings: dict[str, SandboxBooking] = {}
        self._answers: dict[str, KeptAnswer] = {}
        self._counts: dict[str, int] = {}

    @contextmanager
    def atomically(self) -> Iterator[None]:
        with self._lock:
            yield

    def get(self, booking_id: str) -> SandboxBooking | None:
        with self._lock:
            return self._bookings.get(booking_id)

    def put(self, record: SandboxBooking) -> None:
        with self._lock:
            before = self._bookings.get(record.booking.booking_id)
            if before is not None and not before.cancelled:
                self._counts[before.booking.slot.slot_id] -= 1
            if not record.cancelled:
                slot_id = record.booking.slot.slot_id
                self._counts[slot_id] = self._counts.get(slot_id, 0) + 1
            self._bookings[record.booking.booking_id] = record

    def taken(self, slot_ids: Collection[str]) -> Mapping[str, int]:
        with self._lock:
            return {slot_id: self._counts.get(slot_id, 0) for slot_id in slot_ids}

    def answer(self, idempotency_key: str) -> KeptAnswer | None:
        with self._lock:
            return self._answers.get(idempotency_key)

    def keep(self, idempotency_key: str, answer: KeptAnswer) -> None:
        with self._lock:
            self._answers[idempotency_key] = answer

    def bookings(self) -> list[SandboxBooking]:
        """Every booking kept, cancelled ones too (for tests and the demonstration)."""
        with self._lock:
            return list(self._bookings.values())


# --- the system ------------------------------------------------------------------------------


class SandboxRepairsSystem:
    name = "sandbox"

    def __init__(
        self,
        config: SandboxConfig | None = None,
        store: SandboxStore | None = None,
        *,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config or SandboxConfig()
        self.store: SandboxStore = store if store is not None else MemoryStore()
        self._now = now
        self._calendar = working_days.calendar_of(self.config.closed)

    def __repr__(self) -> str:
        return f"SandboxRepairsSystem({self.config!r})"

    # --- the interface ------------------------------------------------------------------

    def slots(self, job: base.RepairJob, *, earliest: date, latest: date) -> list[base.Slot]:
        if job.priority == base.EMERGENCY:
            return []  # attended within 24 hours, arranged by phone
        now = self._utc_now()
        first = max(earliest, now.astimezone(UK).date())
        last = min(latest, earliest + timedelta(days=MAX_DAYS))
        candidates: list[base.Slot] = []
        day = first
        while day <= last:
            if self._calendar.is_working_day(day):
                for start, end in self.config.day_hours():
                    slot = _slot(day, start, end)
                    if slot.starts_at > now and slot.ends_at.astimezone(UK).date() <= latest:
                        candidates.append(slot)
            day += timedelta(days=1)
        taken = self.store.taken([slot.slot_id for slot in candidates])
        return [slot for slot in candidates if taken.get(slot.slot_id, 0) < self.config.capacity]

    def book(self, job: base.RepairJob, slot_id: str, *, idempotency_key: str) -> base.Booking:
        request = _request("book", asdict(job), slot_id)
        if job.priority == base.EMERGENCY:
            raise base.SystemRefused("sandbox: an emergency repair is arranged by phone, not booked online")
        with self.store.atomically():
            kept = self._kept(idempotency_key, request)
            if kept is not None:
                assert kept.booking is not None
                return kept.booking
            slot = self._open_slot(slot_id)
            booking = base.Booking(
                booking_id=f"sbk_{secrets.token_hex(8)}", slot=slot, job_ref=f"SBX-{secrets.randbelow(10**6):06d}"
            )
            self.store.put(SandboxBooking(booking=booking, job=job))
            self.store.keep(idempotency_key, KeptAnswer(request, booking))
            return booking

    def change(self, booking_id: str, slot_id: str, *, idempotency_key: str) -> base.Booking:
        request = _request("change", booking_id, slot_id)
        with self.store.atomically():
            kept = self._kept(idempotency_key, request)
            if kept is not None:
                assert kept.booking is not None
                return kept.booking
            record = self.store.get(booking_id)
            if record is None or record.cancelled:
                raise base.NotFound(f"sandbox: no booking {booking_id!r} to change")
            booking = record.booking
            if booking.slot.slot_id != slot_id:
                booking = replace(booking, slot=self._open_slot(slot_id))
                self.store.put(replace(record, booking=booking))  # frees the old slot
            self.store.keep(idempotency_key, KeptAnswer(request, booking))
            return booking

    def cancel(self, booking_id: str, *, idempotency_key: str) -> None:
        request = _request("cancel", booking_id)
        with self.store.atomically():
            if self._kept(idempotency_key, request) is not None:
                return
            record = self.store.get(booking_id)
            if record is None:
                raise base.NotFound(f"sandbox: no booking {booking_id!r} to cancel")
            if not record.cancelled:
                self.store.put(replace(record, cancelled=True))
            self.store.keep(idempotency_key, KeptAnswer(request, None))

    # --- inside ---------------------------------------------------------------------------

    def _utc_now(self) -> datetime:
        now = self._now()
        return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)

    def _kept(self, idempotency_key: str, request: str) -> KeptAnswer | None:
        if not idempotency_key:
            raise base.SystemRefused("sandbox: an idempotency key is needed")
        kept = self.store.answer(idempotency_key)
        if kept is not None and kept.request != request:
            raise base.SystemRefused("sandbox: the idempotency key was used before for another request")
        return kept

    def _open_slot(self, slot_id: str) -> base.Slot:
        """The slot, when it is one the sandbox offers and has a place; inside ``atomically()``."""
        slot = self._slot_named(slot_id)
        if slot.starts_at <= self._utc_now():
            raise base.SlotTaken(f"sandbox: slot {slot_id} has already started")
        if self.store.taken([slot_id]).get(slot_id, 0) >= self.config.capacity:
            raise base.SlotTaken(f"sandbox: slot {slot_id} is full")
        return slot

    def _slot_named(self, slot_id: str) -> base.Slot:
        match = _SLOT_ID.fullmatch(slot_id or "")
        if match is None:
            raise base.NotFound(f"sandbox: no slot {slot_id!r}")
        day_text, start_text, end_text = match.groups()
        try:
            day = datetime.strptime(day_text, "%Y%m%d").date()
            start = datetime.strptime(start_text, "%H%M").time()
            end = datetime.strptime(end_text, "%H%M").time()
        except ValueError:
            raise base.NotFound(f"sandbox: no slot {slot_id!r}") from None
        if not self._calendar.is_working_day(day) or (start, end) not in self.config.day_hours():
            raise base.NotFound(f"sandbox: no slot {slot_id!r}")
        return _slot(day, start, end)


def _request(*parts: object) -> str:
    return json.dumps(parts, sort_keys=True, separators=(",", ":"))


def _slot(day: date, start: time, end: time) -> base.Slot:
    """The slot on a UK day between two UK clock times, held in UTC."""
    return base.Slot(
        slot_id=f"sandbox-{day:%Y%m%d}-{start:%H%M}-{end:%H%M}",
        starts_at=datetime.combine(day, start, tzinfo=UK).astimezone(UTC),
        ends_at=datetime.combine(day, end, tzinfo=UK).astimezone(UTC),
    )


__all__ = [
    "KeptAnswer",
    "MemoryStore",
    "SandboxBooking",
    "SandboxConfig",
    "SandboxRepairsSystem",
    "SandboxStore",
    "parse_working_hours",
]
