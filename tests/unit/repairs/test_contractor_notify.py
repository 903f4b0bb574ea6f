"""The contractor's signed status callbacks (api/repair_notify.py, services/repairs/contractor.py):
"on the way" and "completed" move the repair and the resident sees them; a repeat delivery acts
once; a late event is noted, not applied; a wrong signature or no secret believes nothing."""

from __future__ import annotations

import dataclasses
import json

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from portal_app.api.http import api_app
from portal_app.integrations.repairs.http import sign_notification
from portal_app.models import OutboxMessage, Repair, RepairAppointment, RepairEvent
from portal_app.services.repairs import appointments, following
from portal_app.settings import get_settings
from tests.unit.repairs.test_appointments import NOW, _offer

SECRET = "whsec_test"


def _secret(monkeypatch, secret: str) -> None:
    settings = dataclasses.replace(get_settings(), repairs_notify_secret=secret)
    monkeypatch.setattr("portal_app.api.repair_notify.get_settings", lambda: settings)


@pytest.fixture
def booked(db, two, monkeypatch):
    _secret(monkeypatch, SECRET)
    slot = _offer(two.ann, two.ann_ref).slots[0]
    appointments.book(two.ann, two.ann_ref, slot.slot_id, now=NOW, settings=get_settings())
    with Session(db) as s:
        row = s.exec(select(RepairAppointment)).one()
    return row.booking_id


def _send(event: dict, *, secret: str = SECRET, signature: str | None = None):
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json", "X-Signature": signature or sign_notification(body, secret)}
    return TestClient(api_app()).post("/api/repairs/notify", content=body, headers=headers)


def _repair(db) -> Repair:
    with Session(db) as s:
        return s.exec(select(Repair).order_by(Repair.id)).first()


def test_on_the_way_then_completed_move_the_repair_and_a_repeat_acts_once(db, two, booked):
    on_the_way = {"event_id": "evt_1", "booking_id": booked, "status": "on_the_way", "note": "About 20 minutes away"}
    first = _send(on_the_way)
    again = _send(on_the_way)
    assert (first.status_code, first.json()["outcome"]) == (200, "applied")
    assert (again.status_code, again.json()["outcome"]) == (200, "repeat")
    assert _repair(db).status == "on_the_way"
    with Session(db) as s:
        page = following.detail(s, two.ann, two.ann_ref, now=NOW, settings=get_settings())
        notes = s.exec(select(RepairEvent).where(RepairEvent.by == "contractor")).all()
    assert page.summary.status_words == "Operative on the way" and len(notes) == 1
    assert any("About 20 minutes away" in e.note for e in page.history)

    done = _send({"event_id": "evt_2", "booking_id": booked, "status": "completed", "at": "2026-12-15T11:30:00+00:00"})
    assert done.json()["outcome"] == "applied"
    repair = _repair(db)
    assert repair.status == "completed" and repair.completed_at is not None
    with Session(db) as s:
        page = following.detail(s, two.ann, two.ann_ref, now=NOW, settings=get_settings())
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "repair_update")).all()
    assert page.ask_fixed  # "Is it fixed?" is asked
    # The confirmation had not gone yet in this test, so the completion is the only update email.
    assert [m.subject.startswith(f"Repair {two.ann_ref}: Your repair is complete") for m in mail] == [True]


def test_an_event_out_of_order_is_noted_not_applied(db, two, booked):
    _send({"event_id": "evt_1", "booking_id": booked, "status": "completed"})
    late = _send({"event_id": "evt_0", "booking_id": booked, "status": "on_the_way"})
    assert late.json()["outcome"] == "noted" and _repair(db).status == "completed"


def test_a_wrong_signature_no_secret_or_an_unknown_booking_changes_nothing(db, two, booked, monkeypatch):
    event = {"event_id": "evt_9", "booking_id": booked, "status": "completed"}
    assert _send(event, signature="sha256=" + "0" * 64).status_code == 401
    assert _send(event, secret="another").status_code == 401
    signed_rubbish = b"[1, 2]"
    answer = TestClient(api_app()).post(
        "/api/repairs/notify",
        content=signed_rubbish,
        headers={"X-Signature": sign_notification(signed_rubbish, SECRET)},
    )
    assert answer.status_code == 400
    unknown = _send({"event_id": "evt_10", "booking_id": "bk_nobody", "status": "completed"})
    assert unknown.json()["outcome"] == "unknown_booking"
    _secret(monkeypatch, "")
    assert _send(event).status_code == 401
    assert _repair(db).status == "booked"
