"""A resident who chose no repair updates (Your details, issue 18) is not emailed that a
repair is complete or has a note; an appointment booked, a repair cancelled and anything
about an emergency still reach them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlmodel import Session, select

from portal_app.models import OutboxMessage, PortalUser, Repair
from portal_app.services.repairs import office, reporting
from portal_app.settings import get_settings
from tests.factories import make_resident, make_staff

NOW = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
SETTINGS = get_settings()
FORM = {
    "path": "kitchen/taps/leaking_tap",
    "description": "The hot tap drips all the time, even when turned off hard.",
    "in_when": "Weekday mornings",
    "pets": "None",
    "contact_way": "phone",
    "contact_phone": "07700 900 982",
}


@pytest.fixture
def ann(db):
    with Session(db, expire_on_commit=False) as s:
        resident = make_resident(s, email="ann@example.org", ref="RPPREF1")
        rosa = make_staff(s, "repairs_officer", name="Rosa Diaz", email="rosa@northbrook-homes.example")
        s.commit()
        done = reporting.report(s, resident_principal(resident), FORM, now=NOW, settings=SETTINGS)
        s.commit()
    assert done.outcome == "done", done
    return {"user_id": resident.user.id, "rosa": rosa.id, "reference": done.reference}


def resident_principal(resident):
    from types import SimpleNamespace

    return SimpleNamespace(user_id=resident.user.id, person_id=resident.person.id, tenancy_id=resident.tenancy.id)


def updates_sent(db) -> int:
    with Session(db) as s:
        return len(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "repair_update")).all())


def choose(db, user_id: int, wanted: bool, priority: str | None = None, reference: str | None = None) -> None:
    with Session(db) as s:
        user = s.get(PortalUser, user_id)
        user.wants_repair_updates = wanted
        s.add(user)
        if priority:
            repair = s.exec(select(Repair).where(Repair.reference == reference)).one()
            repair.priority = priority
            s.add(repair)
        s.commit()


def move(db, ann, status: str, note: str = "") -> None:
    with Session(db) as s:
        done = office.set_status(s, ann["reference"], status, note, staff_id=ann["rosa"], now=NOW, settings=SETTINGS)
        s.commit()
    assert done.ok, done


def test_a_resident_who_wants_repair_updates_is_told_it_is_complete(db, ann):
    move(db, ann, "completed")

    assert updates_sent(db) == 1


def test_a_resident_who_chose_no_repair_updates_is_not_told_it_is_complete(db, ann):
    choose(db, ann["user_id"], False)

    move(db, ann, "completed")

    assert updates_sent(db) == 0


def test_an_appointment_or_a_cancellation_is_always_sent(db, ann):
    choose(db, ann["user_id"], False)

    move(db, ann, "booked")
    move(db, ann, "cancelled", "Fixed by the resident")

    assert updates_sent(db) == 2


def test_an_emergency_is_always_sent(db, ann):
    choose(db, ann["user_id"], False, priority="emergency", reference=ann["reference"])

    move(db, ann, "completed")

    assert updates_sent(db) == 1
