"""The HTTP repairs system adapter (portal_app/integrations/repairs/http.py) against a local
contractor system speaking the documented API (tests/repairs_system_server.py), and the
signed status callbacks (``verify_notification``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from portal_app.integrations import repairs
from portal_app.integrations.repairs.base import NotFound, RepairJob, SlotTaken, SystemRefused, SystemUnavailable
from portal_app.integrations.repairs.http import (
    HttpConfig,
    HttpRepairsSystem,
    idempotency_header,
    sign_notification,
    verify_notification,
)
from tests.repairs_system_server import RepairsSystemServer

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
CHRISTMAS_2026 = frozenset({date(2026, 12, 25), date(2026, 12, 28)})


def job(priority: str = "routine", ref: str = "RP-100001", sor_code: str | None = "603101") -> RepairJob:
    return RepairJob(
        repair_ref=ref,
        property_ref="PR-0042",
        priority=priority,
        sor_code=sor_code,
        summary="Kitchen tap dripping",
        access_notes="Dog in the garden",
    )


@pytest.fixture
def server():
    with RepairsSystemServer(now=NOW) as running:
        yield running


@pytest.fixture
def waits() -> list[float]:
    return []


def adapter(server: RepairsSystemServer, waits: list[float], **config) -> HttpRepairsSystem:
    config.setdefault("timeout_seconds", 2.0)
    return HttpRepairsSystem(
        HttpConfig(server.base_url, config.pop("api_key", server.api_key), **config), sleep=waits.append
    )


@pytest.fixture
def system(server, waits) -> HttpRepairsSystem:
    """The adapter against the local server; its waits between attempts are written down, not slept."""
    return adapter(server, waits)


def december(server: RepairsSystemServer, capacity: int = 1) -> list[str]:
    return server.open_weekdays(date(2026, 12, 1), date(2026, 12, 31), capacity=capacity, closed=CHRISTMAS_2026)


# --- slots ---------------------------------------------------------------------------------------


def test_slots_are_listed_between_earliest_and_latest_in_utc(server, system):
    december(server)
    slots = system.slots(job(), earliest=date(2026, 12, 23), latest=date(2026, 12, 29))
    assert [s.slot_id for s in slots] == [
        "20261223-am",
        "20261223-pm",
        "20261224-am",
        "20261224-pm",
        "20261229-am",
        "20261229-pm",
    ]
    assert slots[0].starts_at == datetime(2026, 12, 23, 8, tzinfo=UTC) and slots[0].starts_at.tzinfo is UTC
    query = server.requests[-1].path
    for part in (
        "property_ref=PR-0042",
        "priority=routine",
        "sor_code=603101",
        "earliest=2026-12-23",
        "latest=2026-12-29",
    ):
        assert part in query


def test_slot_times_with_a_summer_offset_are_read_as_utc(server, system):
    server.set_clock(datetime(2027, 3, 20, tzinfo=UTC))
    server.open_weekdays(date(2027, 3, 26), date(2027, 3, 29))
    slots = system.slots(job(sor_code=None), earliest=date(2027, 3, 26), latest=date(2027, 3, 29))
    assert [(s.starts_at, s.ends_at) for s in slots][-2:] == [
        (datetime(2027, 3, 29, 7, tzinfo=UTC), datetime(2027, 3, 29, 11, tzinfo=UTC)),
        (datetime(2027, 3, 29, 11, tzinfo=UTC), datetime(2027, 3, 29, 17, tzinfo=UTC)),
    ]
    assert "sor_code" not in server.requests[-1].path


def test_full_and_started_slots_are_not_listed_nor_any_for_an_emergency(server, system):
    december(server)
    system.book(job(), "20261202-am", idempotency_key="k1")
    ids = [s.slot_id for s in system.slots(job(), earliest=date(2026, 12, 1), latest=date(2026, 12, 2))]
    assert ids == ["20261201-pm", "20261202-pm"]  # 09:00 on the 1st: its morning has started
    assert system.slots(job("emergency"), earliest=date(2026, 12, 1), latest=date(2026, 12, 31)) == []


def test_slots_the_system_sends_outside_the_dates_or_unreadable_are_left_out(server, system, monkeypatch):
    december(server)
    real = server._list_slots

    def careless(query):
        reply = real(query)
        data = json.loads(reply.body)
        data["slots"] += [
            {"slot_id": "late", "starts_at": "2027-01-05T08:00:00+00:00", "ends_at": "2027-01-05T12:00:00+00:00"},
            {"slot_id": "naive", "starts_at": "2026-12-03T08:00:00", "ends_at": "2026-12-03T12:00:00"},
            {"slot_id": "backwards", "starts_at": "2026-12-03T12:00:00Z", "ends_at": "2026-12-03T08:00:00Z"},
            "nonsense",
        ]
        reply.body = json.dumps(data).encode()
        return reply

    monkeypatch.setattr(server, "_list_slots", careless)
    slots = system.slots(job(), earliest=date(2026, 12, 3), latest=date(2026, 12, 3))
    assert [s.slot_id for s in slots] == ["20261203-am", "20261203-pm"]


# --- book, change, cancel ----------------------------------------------------------------------


def test_book_change_and_cancel_go_to_the_system(server, system):
    december(server)
    booking = system.book(job(), "20261202-am", idempotency_key="book-1")
    assert booking.slot.slot_id == "20261202-am" and booking.job_ref.startswith("JOB-")
    assert booking.slot.starts_at == datetime(2026, 12, 2, 8, tzinfo=UTC)
    sent = json.loads(server.booking_requests("POST")[-1].body)
    assert sent == {
        "repair_ref": "RP-100001",
        "property_ref": "PR-0042",
        "priority": "routine",
        "sor_code": "603101",
        "summary": "Kitchen tap dripping",
        "access_notes": "Dog in the garden",
        "slot_id": "20261202-am",
    }
    assert server.places_left("20261202-am") == 0

    moved = system.change(booking.booking_id, "20261203-pm", idempotency_key="change-1")
    assert (moved.booking_id, moved.job_ref, moved.slot.slot_id) == (booking.booking_id, booking.job_ref, "20261203-pm")
    assert (server.places_left("20261202-am"), server.places_left("20261203-pm")) == (1, 0)

    system.cancel(booking.booking_id, idempotency_key="cancel-1")
    assert server.places_left("20261203-pm") == 1
    system.cancel(booking.booking_id, idempotency_key="cancel-1")  # a repeat
    system.cancel(booking.booking_id, idempotency_key="cancel-2")  # already cancelled: fine
    assert server.bookings() == []


def test_a_slot_taken_meanwhile_raises_slot_taken(server, system):
    december(server)
    system.book(job(ref="RP-1"), "20261202-am", idempotency_key="k1")
    with pytest.raises(SlotTaken):
        system.book(job(ref="RP-2"), "20261202-am", idempotency_key="k2")
    mine = system.book(job(ref="RP-2"), "20261202-pm", idempotency_key="k3")
    with pytest.raises(SlotTaken):
        system.change(mine.booking_id, "20261202-am", idempotency_key="k4")
    assert server.booking(mine.booking_id)["slot"]["slot_id"] == "20261202-pm"


def test_unknown_bookings_and_slots_are_not_found(server, system):
    december(server)
    with pytest.raises(NotFound):
        system.book(job(), "no-such-slot", idempotency_key="k1")
    with pytest.raises(NotFound):
        system.change("bk_nothing", "20261202-am", idempotency_key="k2")
    with pytest.raises(NotFound):
        system.cancel("bk_nothing", idempotency_key="k3")


def test_an_emergency_is_refused_by_the_system(server, system):
    december(server)
    with pytest.raises(SystemRefused) as refused:
        system.book(job("emergency"), "20261202-am", idempotency_key="k1")
    assert "not_bookable" in str(refused.value)


# --- exactly once ----------------------------------------------------------------------------------


def test_booking_twice_with_the_same_key_books_once(server, system):
    december(server, capacity=2)
    first = system.book(job(), "20261202-am", idempotency_key="press-1")
    again = system.book(job(), "20261202-am", idempotency_key="press-1")
    assert again == first
    assert len(server.bookings()) == 1 and server.places_left("20261202-am") == 1


def test_the_same_key_for_another_booking_is_refused(server, system):
    december(server)
    system.book(job(), "20261202-am", idempotency_key="press-1")
    with pytest.raises(SystemRefused) as refused:
        system.book(job(), "20261202-pm", idempotency_key="press-1")
    assert "idempotency_key_reused" in str(refused.value)


def test_a_booking_whose_answer_was_lost_is_retried_and_booked_once(server, system, waits):
    december(server)
    server.fail_next(1, 503, after_processing=True, path="/v1/bookings")
    booking = system.book(job(), "20261202-am", idempotency_key="press-1")
    assert len(server.booking_requests("POST")) == 2 and len(waits) == 1
    assert [b["booking_id"] for b in server.bookings()] == [booking.booking_id]


def test_a_booking_whose_connection_dropped_is_retried_and_booked_once(server, system):
    december(server)
    server.drop_next(1, path="/v1/bookings")
    booking = system.book(job(), "20261202-am", idempotency_key="press-1")
    assert [r.status for r in server.booking_requests("POST")] == [0, 201]
    assert [b["booking_id"] for b in server.bookings()] == [booking.booking_id]


def test_a_booking_answered_too_late_is_retried_and_booked_once(server, waits):
    december(server)
    system = adapter(server, waits, timeout_seconds=0.3)
    server.stall_next(1, seconds=1.0, path="/v1/bookings")
    booking = system.book(job(), "20261202-am", idempotency_key="press-1")
    assert len(server.booking_requests("POST")) == 2
    assert [b["booking_id"] for b in server.bookings()] == [booking.booking_id]


def test_a_change_whose_answer_was_lost_is_retried_and_moves_once(server, system):
    december(server)
    booking = system.book(job(), "20261202-am", idempotency_key="k1")
    server.fail_next(1, 502, after_processing=True, path="/v1/bookings/")
    moved = system.change(booking.booking_id, "20261202-pm", idempotency_key="k2")
    assert moved.slot.slot_id == "20261202-pm" and server.places_left("20261202-am") == 1


# --- rate limits, failures, keys -------------------------------------------------------------------


def test_a_429_is_waited_out_as_retry_after_asks_and_books_once(server, system, waits):
    december(server)
    server.fail_next(1, 429, retry_after="2", path="/v1/bookings")
    booking = system.book(job(), "20261202-am", idempotency_key="press-1")
    assert waits == [2.0]
    assert [r.status for r in server.booking_requests("POST")] == [429, 201]
    assert [b["booking_id"] for b in server.bookings()] == [booking.booking_id]


def test_a_booking_still_in_progress_is_waited_for_and_booked_once(server, system, waits):
    december(server)
    server.fail_next(1, 409, retry_after="1", path="/v1/bookings")
    booking = system.book(job(), "20261202-am", idempotency_key="press-1")
    assert waits == [1.0]
    assert [b["booking_id"] for b in server.bookings()] == [booking.booking_id]


def test_a_retry_after_longer_than_the_longest_wait_gives_up_at_once(server, system, waits):
    december(server)
    server.fail_next(1, 429, retry_after="120")
    with pytest.raises(SystemUnavailable):
        system.slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))
    assert waits == [] and len(server.requests) == 1


def test_a_system_answering_5xx_every_time_is_unavailable_after_three_attempts(server, system, waits):
    december(server)
    server.fail_next(10, 503)
    with pytest.raises(SystemUnavailable) as unavailable:
        system.book(job(), "20261202-am", idempotency_key="press-1")
    assert not isinstance(unavailable.value, SystemRefused)
    assert len(server.requests) == 3 and len(waits) == 2
    assert waits[0] < waits[1] <= 5.0
    assert server.bookings() == []


def test_a_system_that_cannot_be_reached_is_unavailable(waits):
    with RepairsSystemServer(now=NOW) as gone:
        base_url, key = gone.base_url, gone.api_key
    system = HttpRepairsSystem(HttpConfig(base_url, key, timeout_seconds=0.5), sleep=waits.append)
    with pytest.raises(SystemUnavailable):
        system.slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))
    assert len(waits) == 2


def test_a_wrong_api_key_is_refused_with_words_that_say_so_and_never_the_key(server, waits):
    december(server)
    wrong = adapter(server, waits, api_key="rs_test_wrong_key_123")
    with pytest.raises(SystemRefused) as refused:
        wrong.book(job(), "20261202-am", idempotency_key="k1")
    words = str(refused.value)
    assert "401" in words and "REPAIRS_SYSTEM_API_KEY" in words and "rs_test_wrong_key_123" not in words
    assert waits == [] and server.bookings() == []
    with pytest.raises(SystemRefused):
        adapter(server, waits, api_key="").slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))


def test_the_api_key_goes_as_a_bearer_token_and_only_over_https_or_to_this_machine(server, system):
    december(server)
    system.slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))
    assert server.requests[-1].headers["authorization"] == f"Bearer {server.api_key}"
    plain = HttpRepairsSystem(HttpConfig("http://repairs.example.org", "secret-key"))
    with pytest.raises(SystemRefused):
        plain.slots(job(), earliest=date(2026, 12, 2), latest=date(2026, 12, 2))
    assert "secret-key" not in repr(plain) + repr(plain.config)


def test_a_wrong_address_is_refused_not_taken_for_an_unknown_booking(server, waits):
    wrong = HttpRepairsSystem(HttpConfig(server.base_url + "/elsewhere", server.api_key), sleep=waits.append)
    with pytest.raises(SystemRefused):
        wrong.cancel("bk_1", idempotency_key="k1")


def test_an_idempotency_key_the_api_would_refuse_is_sent_as_its_hash():
    assert idempotency_header("book:RP-1:2026-12-02") == "book:RP-1:2026-12-02"
    long = idempotency_header("x" * 300)
    assert len(long) == 64 and long == idempotency_header("x" * 300)
    assert idempotency_header("a key with spaces") != "a key with spaces"


def test_system_named_builds_the_adapter_from_the_settings(server):
    settings = SimpleNamespace(repairs_system="http", repairs_system_url=server.base_url, repairs_system_api_key="k")
    system = repairs.current(settings)
    assert isinstance(system, HttpRepairsSystem) and system.base_url == server.base_url
    assert system.config.timeout_seconds == 5.0


# --- status callbacks ---------------------------------------------------------------------------------


def test_a_notification_signed_with_the_shared_secret_is_believed(server, system):
    december(server)
    booking = system.book(job(), "20261202-am", idempotency_key="k1")
    body, headers = server.notification(booking.booking_id, "on_the_way", "About 20 minutes away")
    message = verify_notification(body, headers["X-Signature"], server.webhook_secret)
    assert message is not None
    assert (message["booking_id"], message["job_ref"], message["status"], message["note"]) == (
        booking.booking_id,
        booking.job_ref,
        "on_the_way",
        "About 20 minutes away",
    )
    assert message["event_id"] and message["at"]
    assert verify_notification(
        body, headers["X-Signature"].upper().replace("SHA256=", "sha256="), server.webhook_secret
    )


def test_a_notification_with_a_bad_or_missing_signature_is_refused(server):
    body, headers = server.notification("bk_1", "completed")
    secret = server.webhook_secret
    assert verify_notification(body, None, secret) is None
    assert verify_notification(body, "", secret) is None
    assert verify_notification(body, server.sign(body, "another-secret"), secret) is None
    assert verify_notification(body + b" ", headers["X-Signature"], secret) is None  # the body changed
    assert verify_notification(body, headers["X-Signature"].removeprefix("sha256="), secret) is None
    assert verify_notification(body, "sha256=zz", secret) is None
    assert verify_notification(body, headers["X-Signature"], "") is None  # no secret set: nothing is believed


def test_a_signed_notification_that_is_not_a_status_message_is_refused():
    secret = "s3cret"
    for body in (b"not json", b"[1, 2]", json.dumps({"booking_id": "bk_1", "status": "completed"}).encode()):
        assert verify_notification(body, sign_notification(body, secret), secret) is None
