"""The landlord's feed sends repairs raised by phone or in the office (``repairs.csv``,
docs/repairs-feed.md): each appears under "My repairs" for the home's tenants, with its
status, appointment and target date; a damp and mould one starts Awaab's Law's clock; a
communal one shows to every home of its block (``properties.csv``'s ``block_ref``)."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from sqlmodel import Session, select

from portal_app.models import Person, Repair, Tenancy, TenancyParty
from portal_app.services.records.importer import import_feed
from portal_app.services.repairs import following
from portal_app.settings import get_settings
from tests.factories import make_portal_user
from tests.unit.records.test_importer import GOOD, NOW, good_feed, write_feed

REPAIR = {
    "repair_ref": "JOB-1001",
    "property_ref": "P1",
    "communal": "",
    "block_ref": "",
    "reported_at": "2026-11-16T09:30",
    "summary": "Kitchen tap dripping",
    "description": "Reported by phone: the cold tap drips",
    "priority": "routine",
    "status": "booked",
    "target_date": "2026-12-14",
    "sor_code": "630101",
    "damp_mould": "false",
    "appointment_start": "2026-12-02T08:00",
    "appointment_end": "2026-12-02T12:00",
    "completed_at": "",
}
WHEN = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def _properties(block: str = "") -> list[dict[str, str]]:
    rows = [dict(r) for r in GOOD["properties.csv"]]
    for row in rows:
        row["block_ref"] = block
    return rows


def _import(db, tmp_path, rows, name="feed", block=""):
    return import_feed(db, write_feed(tmp_path / name, good_feed(repairs=rows, properties=_properties(block))), now=NOW)


def _tenant(db):
    """A portal account for the lead tenant of P1's tenancy (TEN1)."""
    with Session(db, expire_on_commit=False) as s:
        tenancy = s.exec(select(Tenancy).where(Tenancy.tenancy_ref == "TEN1")).one()
        party = s.exec(
            select(TenancyParty).where(TenancyParty.tenancy_id == tenancy.id, TenancyParty.role == "lead_tenant")
        ).one()
        user = make_portal_user(s, s.get(Person, party.person_id), tenancy)
        s.commit()
    return SimpleNamespace(user_id=user.id, person_id=party.person_id, tenancy_id=tenancy.id)


def test_a_repair_raised_by_phone_shows_under_my_repairs_with_its_appointment_and_target(db, tmp_path):
    report = _import(db, tmp_path, [REPAIR])
    assert report.ok, report.errors
    with Session(db) as s:
        repair = s.exec(select(Repair)).one()
    assert (repair.feed_ref, repair.source, repair.user_id, repair.status) == ("JOB-1001", "feed", None, "booked")
    assert repair.reference.startswith("RP-") and repair.problem_words == "Kitchen tap dripping"
    caller = _tenant(db)
    with Session(db) as s:
        [mine] = following.my_repairs(s, caller, now=WHEN, settings=get_settings())
        page = following.detail(s, caller, repair.reference, now=WHEN, settings=get_settings())
    assert mine.by_phone and mine.status_words == "Appointment booked"
    assert mine.target_words == "Monday 14 December 2026" and not mine.late
    assert mine.appointment_words == "Wednesday 2 December 2026, 8am to 12 noon"
    assert page.history[0].status_words == "Reported"


def test_re_importing_the_same_repair_changes_nothing_and_a_new_status_updates_it(db, tmp_path):
    assert _import(db, tmp_path, [REPAIR]).ok
    again = _import(db, tmp_path, [REPAIR], name="again")
    assert again.ok and again.files["repairs.csv"].unchanged == 1
    done = _import(db, tmp_path, [REPAIR | {"status": "completed", "completed_at": "2026-12-02T11:15"}], name="done")
    assert done.ok and done.files["repairs.csv"].updated == 1
    with Session(db) as s:
        repair = s.exec(select(Repair)).one()
    assert repair.status == "completed" and repair.completed_at == datetime(2026, 12, 2, 11, 15, tzinfo=UTC)


def test_damp_and_mould_by_phone_starts_awaabs_law_clock_from_when_it_was_reported(db, tmp_path):
    assert _import(db, tmp_path, [REPAIR | {"damp_mould": "true", "status": "reported"}]).ok
    with Session(db) as s:
        repair = s.exec(select(Repair)).one()
    assert repair.kind == "damp_mould" and repair.awaab
    # Monday 16 November 2026: 10 working days on is Monday 30 November; late from 1 December.
    assert repair.investigate_by == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


def test_a_communal_repair_shows_to_the_homes_of_its_block(db, tmp_path):
    communal = REPAIR | {"repair_ref": "JOB-2002", "property_ref": "P2", "communal": "true", "block_ref": "ELM"}
    assert _import(db, tmp_path, [communal], block="ELM").ok
    caller = _tenant(db)  # of P1, in the same block
    with Session(db) as s:
        [mine] = following.my_repairs(s, caller, now=WHEN, settings=get_settings())
        page = following.detail(s, caller, mine.reference, now=WHEN, settings=get_settings())
    assert mine.communal and page is not None and page.photo_keys == () and page.access_notes == ""


def test_a_bad_repair_row_is_refused_with_its_line_and_nothing_is_written(db, tmp_path):
    report = _import(
        db, tmp_path, [REPAIR | {"priority": "soon"}, REPAIR | {"repair_ref": "JOB-2", "property_ref": "NOPE"}]
    )
    assert not report.ok
    assert any(e.startswith("repairs.csv:2:priority") for e in report.errors)
    assert any("repairs.csv:3:property_ref" in e and "'NOPE'" in e for e in report.errors)
    with Session(db) as s:
        assert s.exec(select(Repair)).all() == []
