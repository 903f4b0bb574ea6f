"""The back office's repairs queue and repair pages, driven through their real handlers with
one browser's state each (tests/security/state_browser.py): the queue in its address with
Awaab's Law overdue repairs first and marked in words, the repair page's forms (priority,
notes, status, Awaab's Law steps) with their errors next to their own fields, an internal
note the resident never sees, and a member of staff whose role does not deal with repairs
refused by every handler with nothing changed."""

from __future__ import annotations

import inspect
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app import routes
from portal_app.clock import utcnow
from portal_app.models import AuditEvent, OutboxMessage, Repair, RepairEvent, RepairPhoto
from portal_app.pages.staff.repair import RepairPageState
from portal_app.pages.staff.repairs import RepairsQueueState
from portal_app.services.repairs import following, reporting
from portal_app.services.staff import sessions as staff_sessions
from portal_app.settings import get_settings
from portal_app.state.access import STAFF, Access, access_of
from tests.factories import make_resident, make_staff
from tests.security.state_browser import Browser, run_journey

TAP = {
    "path": "kitchen/taps/leaking_tap",
    "description": "The hot tap drips all the time, even when turned off hard.",
    "pets": "A friendly dog",
    "contact_way": "phone",
    "contact_phone": "07700 900 982",
}
DAMP = {
    **TAP,
    "path": "bathroom/walls_ceiling/damp_mould",
    "description": "Black mould on the ceiling above the bath, coming back after cleaning.",
    "damp_where": "Bathroom ceiling above the bath",
    "damp_size": "medium",
    "damp_how_long": "months",
    "damp_health": "no",
}

EXPECTED_MARKS = {
    (RepairsQueueState, "load"): "manage_repairs",
    (RepairsQueueState, "apply_filters"): "manage_repairs",
    (RepairPageState, "load"): "manage_repairs",
    (RepairPageState, "change_priority"): "manage_repairs",
    (RepairPageState, "add_note"): "manage_repairs",
    (RepairPageState, "set_status"): "manage_repairs",
    (RepairPageState, "record_awaab_step"): "manage_repairs",
}


@pytest.fixture
def repairs(db):
    """Ann's tap (reported today) and her damp (reported 20 days ago: Awaab's Law's
    investigation is late); Rosa (repairs officer) and Ian (income officer) signed in to
    the back office."""
    now = utcnow()
    with Session(db, expire_on_commit=False) as s:
        ann = make_resident(s, email="ann@example.org", first="Ann", last="Lee", ref="RPPAGE1")
        caller = SimpleNamespace(user_id=ann.user.id, person_id=ann.person.id, tenancy_id=ann.tenancy.id)
        damp = reporting.report(s, caller, DAMP, now=now - timedelta(days=20), settings=get_settings()).reference
        tap = reporting.report(s, caller, TAP, now=now, settings=get_settings()).reference
        rosa = make_staff(s, "repairs_officer", name="Rosa Diaz")
        ian = make_staff(s, "income_officer", name="Ian Moss")
        found = SimpleNamespace(
            ann=caller,
            tap=tap,
            damp=damp,
            rosa=rosa.id,
            rosa_token=staff_sessions.start(s, rosa.id, now=now),
            ian_token=staff_sessions.start(s, ian.id, now=now),
        )
        s.commit()
    return found


def _picture(db) -> tuple:
    """What an officer's action could change."""
    with Session(db) as s:
        rows = s.exec(select(Repair).order_by(Repair.id)).all()
        return (
            [(r.status, r.priority, r.target_at, r.investigated_at) for r in rows],
            len(s.exec(select(RepairEvent)).all()),
            len(s.exec(select(OutboxMessage)).all()),
            len(s.exec(select(AuditEvent).where(AuditEvent.actor_kind == "staff")).all()),
        )


def test_every_handler_of_the_two_pages_names_manage_repairs():
    def own(state) -> set[str]:
        return {n for n, h in state.event_handlers.items() if h.fn.__module__ == state.__module__}

    assert {(s, n) for s in (RepairsQueueState, RepairPageState) for n in own(s)} == set(EXPECTED_MARKS)
    for (state, name), permission in EXPECTED_MARKS.items():
        assert access_of(state.event_handlers[name].fn) == Access(STAFF, permission), name


def test_the_queue_page_puts_awaabs_law_overdue_first_in_words_and_the_filter_form_builds_its_address(
    tmp_path, repairs
):
    async def journey():
        async with Browser(tmp_path, staff=repairs.rosa_token) as browser:
            await browser.open(routes.STAFF_REPAIRS)
            await browser.run(RepairsQueueState, "load")
            page = await browser.state(RepairsQueueState)
            rows, words = [dict(r) for r in page.rows], page.shown_words
            await browser.open(routes.STAFF_REPAIRS, kind="damp_mould", status="nonsense")
            await browser.run(RepairsQueueState, "load")
            chosen = dict((await browser.state(RepairsQueueState)).chosen)
            sent = await browser.run(
                RepairsQueueState, "apply_filters", {"status": "all", "priority": "urgent", "overdue": "yes"}
            )
            hostile = await browser.run(RepairsQueueState, "apply_filters", ["not", "a", "form"])
            return rows, words, chosen, sent, hostile

    rows, words, chosen, sent, hostile = run_journey(journey())

    assert [r["reference"] for r in rows] == [repairs.damp, repairs.tap]
    damp = rows[0]
    assert (damp["awaab_late"], damp["href"], damp["source"]) == ("yes", routes.staff_repair(repairs.damp), "Online")
    assert damp["deadline"].startswith("Awaab's Law: investigate was due ")
    assert rows[1]["awaab_late"] == "" and rows[1]["deadline"] == "" and rows[1]["appointment"] == "None booked"
    assert words == "2 repairs."
    assert chosen == {"status": "open", "priority": "", "kind": "damp_mould", "overdue": ""}
    assert routes.staff_repairs(status="all", priority="urgent", overdue="yes") in sent
    assert f'"{routes.STAFF_REPAIRS}"' in hostile  # an empty form: the unfiltered queue


def test_an_officer_works_a_repair_from_its_page_and_the_resident_never_sees_the_internal_note(db, tmp_path, repairs):
    with Session(db) as s:
        repair_id = s.exec(select(Repair.id).where(Repair.reference == repairs.tap)).one()
        s.add(
            RepairPhoto(
                repair_id=repair_id,
                key="photo-key-1",
                data=b"jpeg",
                width=10,
                height=10,
                size_bytes=4,
                sha256="0" * 64,
                created_at=utcnow(),
            )
        )
        s.commit()

    async def officer():
        async with Browser(tmp_path, staff=repairs.rosa_token) as browser:
            await browser.open(routes.STAFF_REPAIR, ref=repairs.tap.lower())
            await browser.run(RepairPageState, "load")
            before = await browser.state(RepairPageState)
            loaded = dict(before.repair), [dict(p) for p in before.photos], [dict(c) for c in before.next_statuses]
            await browser.run(RepairPageState, "change_priority", {"priority": "urgent", "reason": ""})
            no_reason = dict((await browser.state(RepairPageState)).errors)
            await browser.run(RepairPageState, "change_priority", {"priority": "urgent", "reason": "Water damage"})
            await browser.run(RepairPageState, "add_note", {"note": "Refused access before: phone first"})
            await browser.run(RepairPageState, "add_note", {"note": "We have ordered the part", "for_resident": "yes"})
            await browser.run(RepairPageState, "set_status", {"status": "cancelled", "status_note": ""})
            cancel_errors = dict((await browser.state(RepairPageState)).errors)
            await browser.run(RepairPageState, "set_status", {"status": "completed", "status_note": ""})
            after = await browser.state(RepairPageState)
            return loaded, no_reason, cancel_errors, after.notice, dict(after.repair), [dict(h) for h in after.history]

    loaded, no_reason, cancel_errors, notice, after, history = run_journey(officer())

    repair, photos, statuses = loaded
    assert (repair["reference"], repair["resident"], repair["contact"]) == (
        repairs.tap,
        "Ann Lee",
        "By phone on 07700900982",
    )
    assert "A friendly dog" in repair["access"] and repair["address"] == "Flat 12, Elm Court, Northbrook NB1 2AB"
    assert photos == [
        {"src": routes.repair_photo("photo-key-1"), "alt": f"Photo 1 of 1 sent with repair {repairs.tap}"}
    ]
    assert [c["value"] for c in statuses] == ["booked", "on_the_way", "completed", "cancelled"]
    assert no_reason == {"reason": "Say why you are changing the priority"}
    assert cancel_errors == {"status_note": "Say why you are cancelling this repair"}
    assert notice.startswith("Status changed")
    assert (after["status_words"], after["priority_words"]) == ("Completed", "Urgent")
    internal = [h for h in history if h["internal"] == "yes"]
    assert [h["note"] for h in internal] == ["Refused access before: phone first"]
    with Session(db) as s:
        seen = following.detail(s, repairs.ann, repairs.tap, now=utcnow(), settings=get_settings())
        viewed = s.exec(select(AuditEvent).where(AuditEvent.action == "repair_viewed")).all()
    notes = [h.note for h in seen.history]
    assert "We have ordered the part" in notes and "Priority changed to Urgent: Water damage" in notes
    assert not any("Refused access" in n for n in notes)
    assert seen.ask_fixed and [v.target for v in viewed] == [repairs.tap]


def test_recording_awaabs_law_investigation_from_the_page_needs_the_hazard_answer_and_a_real_date(
    db, tmp_path, repairs
):
    async def journey():
        async with Browser(tmp_path, staff=repairs.rosa_token) as browser:
            await browser.open(routes.STAFF_REPAIR, ref=repairs.damp)
            await browser.run(RepairPageState, "load")
            steps = [dict(c) for c in (await browser.state(RepairPageState)).awaab_steps]
            await browser.run(RepairPageState, "record_awaab_step", {"step": "investigated"})
            no_hazard = dict((await browser.state(RepairPageState)).errors)
            await browser.run(
                RepairPageState,
                "record_awaab_step",
                {"step": "investigated", "significant_hazard": "yes", "awaab_at_day": "31", "awaab_at_month": "2"},
            )
            bad_date = dict((await browser.state(RepairPageState)).errors)
            await browser.run(
                RepairPageState,
                "record_awaab_step",
                {"step": "investigated", "significant_hazard": "no", "awaab_note": "Vent blocked by furniture"},
            )
            page = await browser.state(RepairPageState)
            return steps, no_hazard, bad_date, page.notice, [dict(c) for c in page.awaab_steps], dict(page.repair)

    steps, no_hazard, bad_date, notice, after_steps, repair = run_journey(journey())

    assert [c["value"] for c in steps] == ["investigated"]
    assert no_hazard == {"significant_hazard": "Select whether the investigation found a significant hazard"}
    assert set(bad_date) == {"at"}
    assert notice.startswith("Awaab's Law step recorded")
    assert [c["value"] for c in after_steps] == ["summary_sent"]  # no significant hazard: no safety work due
    assert repair["awaab_late"] == ""
    with Session(db) as s:
        row = s.exec(select(Repair).where(Repair.reference == repairs.damp)).one()
    assert row.investigated_at is not None and row.summary_by is not None and row.safety_by is None


def _arguments(fn) -> list:
    count = len(inspect.signature(inspect.unwrap(fn)).parameters) - 1
    return [
        {"priority": "emergency", "reason": "x", "note": "x", "status": "cancelled", "step": "investigated"}
    ] * count


def test_a_member_of_staff_without_manage_repairs_is_refused_by_every_handler_and_nothing_changes(
    db, tmp_path, repairs
):
    before = _picture(db)

    async def journey():
        refused = {}
        async with Browser(tmp_path, staff=repairs.ian_token) as browser:
            for (state, name), _permission in EXPECTED_MARKS.items():
                page = routes.STAFF_REPAIRS if state is RepairsQueueState else routes.STAFF_REPAIR
                await browser.open(page, ref=repairs.damp)
                sent = await browser.run(state, name, *_arguments(state.event_handlers[name].fn))
                refused[name if state is RepairPageState else f"queue.{name}"] = routes.STAFF_NOT_ALLOWED in sent
            shown = (await browser.state(RepairPageState)).repair, (await browser.state(RepairsQueueState)).rows
        return refused, shown

    refused, (repair, rows) = run_journey(journey())

    assert refused == {
        "queue.load": True,
        "queue.apply_filters": True,
        "load": True,
        "change_priority": True,
        "add_note": True,
        "set_status": True,
        "record_awaab_step": True,
    }
    assert dict(repair) == {} and list(rows) == []
    assert _picture(db) == before


def test_a_repair_page_for_an_unknown_reference_says_it_cannot_be_found_and_its_forms_do_nothing(db, tmp_path, repairs):
    before = _picture(db)

    async def journey():
        async with Browser(tmp_path, staff=repairs.rosa_token) as browser:
            await browser.open(routes.STAFF_REPAIR, ref="RP-ZZZZZZZZ")
            await browser.run(RepairPageState, "load")
            page = await browser.state(RepairPageState)
            found = (page.loaded, page.found, dict(page.repair))
            await browser.run(RepairPageState, "set_status", {"status": "cancelled", "status_note": "Gone"})
            await browser.run(RepairPageState, "add_note", {"note": "Hello", "for_resident": "yes"})
            return found

    assert run_journey(journey()) == (True, False, {})
    assert _picture(db) == before
