"""The sandbox repairs system (portal_app/integrations/repairs/sandbox.py): slots made from
working hours and a capacity on working days, and booking, changing and cancelling them
exactly once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime
from datetime import time as clock_time
from types import SimpleNamespace

import pytest

from portal_app.integrations import repairs
from portal_app.integrations.repairs.base import (
    Booking,
    NotFound,
    RepairJob,
    Slot,
    SlotTaken,
    SystemRefused,
    SystemUnavailable,
)
from portal_app.integrations.repairs.sandbox import (
    MemoryStore,
    SandboxConfig,
    SandboxRepairsSystem,
    parse_working_hours,
)
from portal_app.services import working_days

# England and Wales bank holidays around Christmas 2026: Christmas Day is a Friday and
# Boxing Day a Saturday, so its substitute day is Monday 28 December.
CHRISTMAS_2026 = frozenset({date(2026, 12, 25), date(2026, 12, 28)})
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def job(priority: str = "routine", ref: str = "RP-100001") -> RepairJob:
    return RepairJob(
        repair_ref=ref,
        property_ref="PR-0042",
        priority=priority,
        sor_code="603101",
        summary="Kitchen tap dripping",
        access_notes="Dog in the garden",
    )


def sandbox(*, capacity: int = 2, slot_hours: int = 0, store=None, now=NOW, **config) -> SandboxRepairsSystem:
    config.setdefault("closed", CHRISTMAS_2026)
    return SandboxRepairsSystem(
        SandboxConfig(capacity=capacity, slot_hours=slot_hours, **config), store or MemoryStore(), now=lambda: now
    )


def days_of(slots: list[Slot]) -> list[date]:
    return sorted({s.starts_at.date() for s in slots})


def first_slot(system: SandboxRepairsSystem, day: date = date(2026, 12, 2)) -> Slot:
    return system.slots(job(), earliest=day, latest=day)[0]


def test_slots_are_offered_only_on_working_days_across_christmas_and_a_weekend():
    slots = sandbox().slots(job(), earliest=date(2026, 12, 23), latest=date(2026, 12, 31))
    assert days_of(slots) == [
        date(2026, 12, 23),
        date(2026, 12, 24),
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
    ]


def test_the_default_config_closes_england_and_wales_bank_holidays():
    assert CHRISTMAS_2026 <= working_days.bank_holidays()  # Boxing Day, a Saturday, moved to the 28th
    system = SandboxRepairsSystem(SandboxConfig(), MemoryStore(), now=lambda: NOW)
    slots = system.slots(job(), earliest=date(2026, 12, 24), latest=date(2026, 12, 29))
    assert days_of(slots) == [date(2026, 12, 24), date(2026, 12, 29)]


def test_a_working_day_has_a_morning_and_an_afternoon_slot_within_the_working_hours():
    slots = sandbox().slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))
    assert [(s.starts_at.time(), s.ends_at.time()) for s in slots] == [
        (clock_time(8), clock_time(12)),
        (clock_time(12), clock_time(18)),
    ]  # December: UK time is UTC


def test_slots_of_n_hours_fill_the_working_hours_as_far_as_they_fit():
    day = date(2026, 12, 2)
    two = sandbox(slot_hours=2).slots(job(), earliest=day, latest=day)
    assert [(s.starts_at.hour, s.ends_at.hour) for s in two] == [(8, 10), (10, 12), (12, 14), (14, 16), (16, 18)]
    three = sandbox(slot_hours=3).slots(job(), earliest=day, latest=day)
    assert [(s.starts_at.hour, s.ends_at.hour) for s in three] == [(8, 11), (11, 14), (14, 17)]


def test_slots_start_on_or_after_earliest_and_end_on_or_before_latest():
    slots = sandbox().slots(job(), earliest=date(2026, 12, 8), latest=date(2026, 12, 10))
    assert days_of(slots) == [date(2026, 12, 8), date(2026, 12, 9), date(2026, 12, 10)]
    assert all(date(2026, 12, 8) <= s.starts_at.date() and s.ends_at.date() <= date(2026, 12, 10) for s in slots)
    assert sandbox().slots(job(), earliest=date(2026, 12, 10), latest=date(2026, 12, 8)) == []


def test_slots_that_have_started_are_not_offered():
    # 09:00 on Tuesday 1 December: the morning has started, the afternoon has not.
    slots = sandbox().slots(job(), earliest=date(2026, 11, 30), latest=date(2026, 12, 1))
    assert [s.slot_id for s in slots] == ["sandbox-20261201-1200-1800"]


def test_slots_keep_uk_clock_hours_across_the_change_to_british_summer_time():
    # The clocks go forward at 01:00 UTC on Sunday 28 March 2027.
    system = sandbox(now=datetime(2027, 3, 20, tzinfo=UTC))
    slots = system.slots(job(), earliest=date(2027, 3, 26), latest=date(2027, 3, 29))
    assert [(s.slot_id, s.starts_at, s.ends_at) for s in slots] == [
        ("sandbox-20270326-0800-1200", datetime(2027, 3, 26, 8, tzinfo=UTC), datetime(2027, 3, 26, 12, tzinfo=UTC)),
        ("sandbox-20270326-1200-1800", datetime(2027, 3, 26, 12, tzinfo=UTC), datetime(2027, 3, 26, 18, tzinfo=UTC)),
        ("sandbox-20270329-0800-1200", datetime(2027, 3, 29, 7, tzinfo=UTC), datetime(2027, 3, 29, 11, tzinfo=UTC)),
        ("sandbox-20270329-1200-1800", datetime(2027, 3, 29, 11, tzinfo=UTC), datetime(2027, 3, 29, 17, tzinfo=UTC)),
    ]
    assert all(s.starts_at.tzinfo is UTC for s in slots)


def test_no_slots_are_offered_for_an_emergency_and_one_cannot_be_booked():
    system = sandbox()
    assert system.slots(job("emergency"), earliest=date(2026, 12, 2), latest=date(2026, 12, 31)) == []
    with pytest.raises(SystemRefused):
        system.book(job("emergency"), "sandbox-20261202-0800-1200", idempotency_key="k1")


def test_a_full_slot_is_not_offered_and_booking_it_raises_slot_taken():
    system = sandbox(capacity=2)
    slot = first_slot(system)
    system.book(job(ref="RP-1"), slot.slot_id, idempotency_key="k1")
    assert slot in system.slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))
    system.book(job(ref="RP-2"), slot.slot_id, idempotency_key="k2")
    assert slot not in system.slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))
    with pytest.raises(SlotTaken):
        system.book(job(ref="RP-3"), slot.slot_id, idempotency_key="k3")


def test_booking_twice_with_the_same_idempotency_key_books_once():
    system = sandbox(capacity=2)
    slot = first_slot(system)
    first = system.book(job(), slot.slot_id, idempotency_key="press-1")
    again = system.book(job(), slot.slot_id, idempotency_key="press-1")
    assert first.slot == slot and first.booking_id and first.job_ref.startswith("SBX-")
    assert again == first
    assert len(system.store.bookings()) == 1
    assert system.store.taken([slot.slot_id])[slot.slot_id] == 1


def test_the_same_idempotency_key_for_another_request_is_refused():
    system = sandbox()
    morning, afternoon = sandbox().slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))
    system.book(job(), morning.slot_id, idempotency_key="press-1")
    with pytest.raises(SystemRefused):
        system.book(job(), afternoon.slot_id, idempotency_key="press-1")
    assert isinstance(SystemRefused("x"), SystemUnavailable)  # the page says the same words


def test_a_slot_the_sandbox_never_made_is_not_found():
    system = sandbox()
    for slot_id in (
        "nonsense",
        "sandbox-20261226-0800-1200",
        "sandbox-20261202-0900-1200",
        "sandbox-20261399-0800-1200",
    ):
        with pytest.raises(NotFound):
            system.book(job(), slot_id, idempotency_key=f"k-{slot_id}")


def test_a_slot_that_has_started_cannot_be_booked():
    with pytest.raises(SlotTaken):
        sandbox().book(job(), "sandbox-20261201-0800-1200", idempotency_key="k1")


def test_change_moves_the_booking_and_frees_the_old_slot():
    system = sandbox(capacity=1)
    morning, afternoon = system.slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))
    booking = system.book(job(), morning.slot_id, idempotency_key="k1")
    assert morning not in system.slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))
    moved = system.change(booking.booking_id, afternoon.slot_id, idempotency_key="k2")
    assert (moved.booking_id, moved.job_ref, moved.slot) == (booking.booking_id, booking.job_ref, afternoon)
    assert system.slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2)) == [morning]
    assert system.change(booking.booking_id, afternoon.slot_id, idempotency_key="k2") == moved  # a repeat


def test_change_to_a_full_slot_raises_slot_taken_and_keeps_the_booking():
    system = sandbox(capacity=1)
    morning, afternoon = system.slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))
    mine = system.book(job(ref="RP-1"), morning.slot_id, idempotency_key="k1")
    system.book(job(ref="RP-2"), afternoon.slot_id, idempotency_key="k2")
    with pytest.raises(SlotTaken):
        system.change(mine.booking_id, afternoon.slot_id, idempotency_key="k3")
    assert system.store.get(mine.booking_id).booking.slot == morning


def test_change_or_cancel_of_an_unknown_booking_is_not_found():
    system = sandbox()
    with pytest.raises(NotFound):
        system.change("sbk_nothing", "sandbox-20261202-0800-1200", idempotency_key="k1")
    with pytest.raises(NotFound):
        system.cancel("sbk_nothing", idempotency_key="k2")


def test_cancel_frees_the_slot_and_a_repeat_cancel_is_fine():
    system = sandbox(capacity=1)
    slot = first_slot(system)
    booking = system.book(job(), slot.slot_id, idempotency_key="k1")
    system.cancel(booking.booking_id, idempotency_key="k2")
    assert slot in system.slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))
    system.cancel(booking.booking_id, idempotency_key="k2")
    system.cancel(booking.booking_id, idempotency_key="k3")
    with pytest.raises(NotFound):
        system.change(booking.booking_id, slot.slot_id, idempotency_key="k4")
    assert system.store.taken([slot.slot_id])[slot.slot_id] == 0


class SlowStore(MemoryStore):
    """A store whose counting takes a moment, as a database's does: the window in which
    two bookings could both see the last place free."""

    def taken(self, slot_ids):
        counts = super().taken(slot_ids)
        time.sleep(0.002)  # counted; the answer is on its way back
        return counts


def test_twenty_threads_booking_the_last_place_of_a_slot_at_once_make_exactly_one_booking():
    system = sandbox(capacity=3, store=SlowStore())
    slot = first_slot(system)
    system.book(job(ref="RP-A"), slot.slot_id, idempotency_key="a")
    system.book(job(ref="RP-B"), slot.slot_id, idempotency_key="b")
    start = threading.Barrier(20)
    booked: list[Booking] = []
    taken: list[SlotTaken] = []

    def press(n: int) -> None:
        start.wait()
        try:
            booked.append(system.book(job(ref=f"RP-{n}"), slot.slot_id, idempotency_key=f"t{n}"))
        except SlotTaken as exc:
            taken.append(exc)

    threads = [threading.Thread(target=press, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(booked), len(taken)) == (1, 19)
    assert len([b for b in system.store.bookings() if b.booking.slot == slot]) == 3


def test_working_hours_are_read_from_the_setting_and_nonsense_is_refused():
    assert parse_working_hours("08:00-18:00") == (clock_time(8), clock_time(18))
    assert parse_working_hours(" 7:30 - 16:00 ") == (clock_time(7, 30), clock_time(16))
    for bad in ("", "8-6", "18:00-08:00", "25:00-26:00"):
        with pytest.raises(ValueError):
            parse_working_hours(bad)
    with pytest.raises(ValueError):
        SandboxConfig(slot_hours=11)
    with pytest.raises(ValueError):
        SandboxConfig(capacity=0)


def test_system_named_builds_the_sandbox_from_the_settings_and_keeps_one_diary():
    settings = SimpleNamespace(
        repairs_system="sandbox",
        repairs_working_hours="09:00-17:00",
        repairs_slot_hours=4,
        repairs_slot_capacity=1,
        bank_holidays_extra=(date(2026, 12, 24),),
    )
    repairs.use_sandbox_store(None)
    try:
        system = repairs.current(settings)
        assert system.name == "sandbox"
        assert system.config.working_hours == (clock_time(9), clock_time(17))
        assert (system.config.slot_hours, system.config.capacity) == (4, 1)
        assert system.config.day_hours() == [(clock_time(9), clock_time(13)), (clock_time(13), clock_time(17))]
        assert system.config.closed >= CHRISTMAS_2026 | {date(2026, 12, 24)}
        assert repairs.system_named("sandbox", settings).store is system.store  # one diary in the process
        with pytest.raises(SystemRefused):
            repairs.system_named("nothing", settings)
    finally:
        repairs.use_sandbox_store(None)


def test_use_for_tests_puts_a_system_in_and_takes_it_out():
    mine = sandbox()
    repairs.use_for_tests(mine)
    try:
        assert repairs.system_named("sandbox", SimpleNamespace()) is mine
    finally:
        repairs.use_for_tests(None)
    assert repairs.system_named("sandbox", SimpleNamespace()) is not mine


def test_a_slot_refuses_naive_times_and_holds_utc():
    with pytest.raises(ValueError):
        Slot("s", datetime(2026, 12, 2, 8), datetime(2026, 12, 2, 12))
    with pytest.raises(ValueError):
        RepairJob("RP-1", "PR-1", "whenever", None, "tap")
