"""The sandbox contractor's diary in the portal's database (``sandbox.SandboxStore``): one
diary for every worker on every machine, where ``MemoryStore`` is one per process.

``atomically()`` is one transaction holding the diary's lock: on PostgreSQL a
transaction-scoped advisory lock (``pg_advisory_xact_lock``), on SQLite the database's
write lock, taken at once by a write that changes nothing (SQLite has one writer at a time).
So two book presses in two workers for the last place in a slot are taken one after the
other, and the second finds it full (``SlotTaken``). The rows: ``RepairSlotBooking`` (a
booking, its slot, the job, cancelled or not) and ``RepairSystemAnswer`` (what a book,
change or cancel answered under its idempotency key, so a repeat gets the same answer).

Nothing here is used by the HTTP adapter: a real contractor system keeps its own diary.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import func, text, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal_app.integrations.repairs import base
from portal_app.integrations.repairs.sandbox import KeptAnswer, SandboxBooking
from portal_app.models import RepairSlotBooking, RepairSystemAnswer

_LOCK_KEY = 0x52504452  # "RPDR": the diary's advisory lock on PostgreSQL


def _slot_json(slot: base.Slot) -> dict:
    return {"slot_id": slot.slot_id, "starts_at": slot.starts_at.isoformat(), "ends_at": slot.ends_at.isoformat()}


def _slot(data: dict) -> base.Slot:
    return base.Slot(
        data["slot_id"], datetime.fromisoformat(data["starts_at"]), datetime.fromisoformat(data["ends_at"])
    )


def _booking_json(booking: base.Booking) -> dict:
    return {"booking_id": booking.booking_id, "job_ref": booking.job_ref, "slot": _slot_json(booking.slot)}


def _booking(data: dict) -> base.Booking:
    return base.Booking(data["booking_id"], _slot(data["slot"]), data["job_ref"])


def _job_json(job: base.RepairJob) -> dict:
    return {
        "repair_ref": job.repair_ref,
        "property_ref": job.property_ref,
        "priority": job.priority,
        "sor_code": job.sor_code,
        "summary": job.summary,
        "access_notes": job.access_notes,
    }


class DatabaseStore:
    """A ``SandboxStore`` in the database ``engine`` points at."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._local = threading.local()  # the session of the atomic block this thread is in

    @property
    def engine(self) -> Engine:
        return self._engine

    def __repr__(self) -> str:
        return f"DatabaseStore({self._engine.url.render_as_string(hide_password=True)})"

    @contextmanager
    def atomically(self) -> Iterator[Session]:
        with Session(self._engine, expire_on_commit=False) as session:
            if self._engine.dialect.name == "postgresql":
                session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            else:  # SQLite: a write that changes nothing takes the one write lock now, not later
                session.execute(
                    update(RepairSlotBooking)
                    .where(RepairSlotBooking.id == -1)
                    .values(cancelled=False)
                    .execution_options(synchronize_session=False)
                )
            self._local.session = session
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise
            finally:
                self._local.session = None

    @contextmanager
    def _session(self) -> Iterator[Session]:
        held = getattr(self._local, "session", None)
        if held is not None:
            yield held
            return
        with Session(self._engine, expire_on_commit=False) as session:
            yield session
            session.commit()

    def get(self, booking_id: str) -> SandboxBooking | None:
        with self._session() as s:
            row = s.exec(select(RepairSlotBooking).where(RepairSlotBooking.booking_id == booking_id)).first()
            if row is None:
                return None
            data = json.loads(row.record)
            return SandboxBooking(_booking(data["booking"]), base.RepairJob(**data["job"]), row.cancelled)

    def put(self, record: SandboxBooking) -> None:
        booking = record.booking
        body = json.dumps({"booking": _booking_json(booking), "job": _job_json(record.job)}, sort_keys=True)
        now = datetime.now(UTC)
        with self._session() as s:
            row = s.exec(select(RepairSlotBooking).where(RepairSlotBooking.booking_id == booking.booking_id)).first()
            if row is None:
                row = RepairSlotBooking(
                    booking_id=booking.booking_id, slot_id=booking.slot.slot_id, record=body, updated_at=now
                )
            row.slot_id, row.cancelled, row.record, row.updated_at = booking.slot.slot_id, record.cancelled, body, now
            s.add(row)
            s.flush()

    def taken(self, slot_ids: Collection[str]) -> Mapping[str, int]:
        wanted = list(slot_ids)
        if not wanted:
            return {}
        with self._session() as s:
            rows = s.exec(
                select(RepairSlotBooking.slot_id, func.count(RepairSlotBooking.id))
                .where(RepairSlotBooking.slot_id.in_(wanted), RepairSlotBooking.cancelled.is_(False))
                .group_by(RepairSlotBooking.slot_id)
            ).all()
        return {slot_id: int(n) for slot_id, n in rows}

    def answer(self, idempotency_key: str) -> KeptAnswer | None:
        with self._session() as s:
            row = s.exec(
                select(RepairSystemAnswer).where(RepairSystemAnswer.idempotency_key == idempotency_key)
            ).first()
            if row is None:
                return None
            return KeptAnswer(row.request, _booking(json.loads(row.booking)) if row.booking else None)

    def keep(self, idempotency_key: str, answer: KeptAnswer) -> None:
        with self._session() as s:
            s.add(
                RepairSystemAnswer(
                    idempotency_key=idempotency_key,
                    request=answer.request,
                    booking=json.dumps(_booking_json(answer.booking), sort_keys=True) if answer.booking else "",
                    created_at=datetime.now(UTC),
                )
            )
            s.flush()


__all__ = ["DatabaseStore"]
