"""Appointments for a repair with the built-in sandbox contractor, its diary in the
database (services/repairs/appointments.py, integrations/repairs/sandbox_db.py): only slots
before the target day, booked once however often pressed, changed, cancelled, the last
place of a slot taken by one resident only, another home refused, and none for an emergency.

Today is Monday 14 December 2026, 10am; Ann's leaking tap is routine, due by Thursday 14
January 2027."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlmodel import Session, select

from portal_app.integrations.repairs.sandbox import SandboxConfig, SandboxRepairsSystem
from portal_app.integrations.repairs.sandbox_db import DatabaseStore
from portal_app.models import OutboxMessage, Repair, RepairAppointment, RepairSlotBooking
from portal_app.services.repairs import appointments, following, reporting
from portal_app.settings import get_settings
from tests.unit.repairs.test_reporting import NOW

TAP_TARGET_DAY = "Thursday 14 January 2027"


def _offer(caller, ref):
    return appointments.offer(caller, ref, now=NOW, settings=get_settings())


def test_only_slots_from_the_next_working_day_to_the_target_day_are_offered(two):
    offer = _offer(two.ann, two.ann_ref)
    assert offer.outcome == "slots" and offer.latest_words == TAP_TARGET_DAY
    first, last = offer.slots[0], offer.slots[-1]
    assert first.words == "Tuesday 15 December 2026, 8am to 12 noon"
    assert last.words == "Thursday 14 January 2027, 12 noon to 6pm"
    assert not any("25 December" in s.words or "Saturday" in s.words for s in offer.slots)


def test_a_slot_is_booked_once_however_often_pressed_and_the_repair_shows_it(db, two):
    slot = _offer(two.ann, two.ann_ref).slots[0]
    first = appointments.book(two.ann, two.ann_ref, slot.slot_id, now=NOW, settings=get_settings())
    again = appointments.book(two.ann, two.ann_ref, slot.slot_id, now=NOW, settings=get_settings())

    assert first.outcome == "booked" and first.words == slot.words
    assert again.outcome == "exists"
    with Session(db) as s:
        assert len(s.exec(select(RepairSlotBooking)).all()) == 1
        [row] = s.exec(select(RepairAppointment)).all()
        repair = s.exec(select(Repair).where(Repair.reference == two.ann_ref)).one()
        page = following.detail(s, two.ann, two.ann_ref, now=NOW, settings=get_settings())
    assert (row.status, repair.status) == ("booked", "booked")
    assert page.summary.appointment_words == slot.words and page.appointment_id is not None


def test_the_confirmation_sent_after_booking_carries_the_appointment(db, two):
    slot = _offer(two.ann, two.ann_ref).slots[0]
    appointments.book(two.ann, two.ann_ref, slot.slot_id, now=NOW, settings=get_settings())
    with Session(db) as s:
        following.confirm(s, two.ann_ref, now=NOW, settings=get_settings())
        s.commit()
        [mail] = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "repair_reported")).all()
    assert f"Appointment: {slot.words}" in mail.body_text


def test_the_last_place_in_a_slot_goes_to_one_resident_and_the_other_is_offered_the_rest(two):
    slot = _offer(two.ann, two.ann_ref).slots[0]
    results = {}
    start = threading.Barrier(2)

    def press(name, caller, ref):
        start.wait()
        results[name] = appointments.book(caller, ref, slot.slot_id, now=NOW, settings=get_settings())

    threads = [
        threading.Thread(target=press, args=("ann", two.ann, two.ann_ref)),
        threading.Thread(target=press, args=("bea", two.bea, two.bea_ref)),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    outcomes = sorted(r.outcome for r in results.values())
    assert outcomes == ["booked", "taken"]
    taken = next(r for r in results.values() if r.outcome == "taken")
    assert slot.slot_id not in {s.slot_id for s in taken.offer.slots} and taken.offer.slots


def test_changing_an_appointment_frees_the_old_slot_and_keeps_the_old_one_in_the_record(db, two):
    offered = _offer(two.ann, two.ann_ref).slots
    appointments.book(two.ann, two.ann_ref, offered[0].slot_id, now=NOW, settings=get_settings())
    moved = appointments.change(two.ann, two.ann_ref, offered[3].slot_id, now=NOW, settings=get_settings())

    assert moved.outcome == "changed" and moved.words == offered[3].words
    # The old slot is free again (capacity 1), for Bea.
    assert offered[0].slot_id in {s.slot_id for s in _offer(two.bea, two.bea_ref).slots}
    with Session(db) as s:
        rows = s.exec(select(RepairAppointment).order_by(RepairAppointment.id)).all()
        page = following.detail(s, two.ann, two.ann_ref, now=NOW, settings=get_settings())
    assert sorted(r.status for r in rows) == ["booked", "changed"]
    assert page.summary.appointment_words == offered[3].words
    assert page.history[-1].note == f"Appointment changed to {offered[3].words}"


def test_cancelling_the_appointment_frees_the_slot_and_the_repair_stays_open(db, two):
    slot = _offer(two.ann, two.ann_ref).slots[0]
    appointments.book(two.ann, two.ann_ref, slot.slot_id, now=NOW, settings=get_settings())
    done = appointments.cancel(two.ann, two.ann_ref, now=NOW, settings=get_settings())
    again = appointments.cancel(two.ann, two.ann_ref, now=NOW, settings=get_settings())

    assert done.outcome == "cancelled" and again.outcome == "not_bookable"
    assert slot.slot_id in {s.slot_id for s in _offer(two.bea, two.bea_ref).slots}
    with Session(db) as s:
        repair = s.exec(select(Repair).where(Repair.reference == two.ann_ref)).one()
    assert repair.status == "reported"


def test_another_homes_repair_cannot_be_offered_booked_changed_or_cancelled(db, two):
    slot = _offer(two.ann, two.ann_ref).slots[0]
    appointments.book(two.ann, two.ann_ref, slot.slot_id, now=NOW, settings=get_settings())
    other = _offer(two.ann, two.ann_ref).slots[1] if len(_offer(two.ann, two.ann_ref).slots) > 1 else slot

    assert _offer(two.bea, two.ann_ref).outcome == "refused"
    assert appointments.book(two.bea, two.ann_ref, other.slot_id, now=NOW, settings=get_settings()).outcome == "refused"
    assert (
        appointments.change(two.bea, two.ann_ref, other.slot_id, now=NOW, settings=get_settings()).outcome == "refused"
    )
    assert appointments.cancel(two.bea, two.ann_ref, now=NOW, settings=get_settings()).outcome == "refused"
    assert appointments.book(two.bea, ["RP-X"], other.slot_id, now=NOW, settings=get_settings()).outcome == "refused"
    with Session(db) as s:
        [row] = s.exec(select(RepairAppointment)).all()
    assert (row.status, row.slot_id) == ("booked", slot.slot_id)


def test_an_emergency_is_never_booked_online(db, two):
    with Session(db) as s:
        logged = reporting.log_emergency(
            s, two.ann, "flooding", {"contact_phone": "07700900982"}, now=NOW, settings=get_settings()
        )
        s.commit()
    assert _offer(two.ann, logged.reference).outcome == "not_bookable"


def test_a_repair_due_before_the_next_working_day_has_no_slots_to_offer(db, two):
    with Session(db) as s:
        repair = s.exec(select(Repair).where(Repair.reference == two.ann_ref)).one()
        repair.target_at = NOW + timedelta(hours=3)
        s.add(repair)
        s.commit()
    assert _offer(two.ann, two.ann_ref).outcome == "none"


def test_the_diary_is_in_the_database_so_another_worker_sees_the_same_places(db, two):
    slot = _offer(two.ann, two.ann_ref).slots[0]
    appointments.book(two.ann, two.ann_ref, slot.slot_id, now=NOW, settings=get_settings())
    # Another worker: a sandbox of its own over the same database.
    elsewhere = SandboxRepairsSystem(SandboxConfig(capacity=1), DatabaseStore(db), now=lambda: NOW)
    assert elsewhere.store.taken([slot.slot_id]) == {slot.slot_id: 1}
    assert slot.slot_id not in {
        s.slot_id for s in appointments.offer(two.bea, two.bea_ref, now=NOW, settings=get_settings()).slots
    }


def test_the_resident_cancels_their_repair_and_its_appointment_once_and_another_home_cannot(db, two):
    slot = _offer(two.ann, two.ann_ref).slots[0]
    appointments.book(two.ann, two.ann_ref, slot.slot_id, now=NOW, settings=get_settings())

    refused = appointments.cancel_repair(two.bea, two.ann_ref, "", now=NOW, settings=get_settings())
    done = appointments.cancel_repair(two.ann, two.ann_ref, "Fixed it myself", now=NOW, settings=get_settings())
    again = appointments.cancel_repair(two.ann, two.ann_ref, "", now=NOW, settings=get_settings())

    assert (refused.outcome, done.outcome, again.outcome) == ("refused", "cancelled", "not_bookable")
    with Session(db) as s:
        repair = s.exec(select(Repair).where(Repair.reference == two.ann_ref)).one()
        page = following.detail(s, two.ann, two.ann_ref, now=NOW, settings=get_settings())
        [row] = s.exec(select(RepairAppointment)).all()
    assert (repair.status, row.status) == ("cancelled", "cancelled")
    assert slot.slot_id in {s.slot_id for s in _offer(two.bea, two.bea_ref).slots}  # the place is free again
    assert page.history[-1].note == "You cancelled this repair: Fixed it myself" and not page.can_cancel
