"""Repairs in the back office (services/repairs/office.py and jobs.py) as a repairs officer
meets them: the queue's order and filters, what counts as overdue (each of Awaab's Law's
steps, the Right to Repair), changing the priority, notes for the resident and for the
team only, moving a repair along its transitions (and two officers at once), the
resident's email when it is complete, Awaab's Law's steps, and the daily email of what is
overdue, in our words only.

Today is Monday 14 December 2026, 10am. Ann Lee's home (a secure tenancy) reports a
leaking tap (routine: Thursday 14 January 2027), damp and mould in the bathroom (urgent:
Monday 21 December; Awaab's Law: investigate by Wednesday 30 December) and a leaking pipe
under the sink (urgent, and a Right to Repair qualifying repair: 1 working day, Tuesday
15 December)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from portal_app import worker
from portal_app.models import AuditEvent, OutboxMessage, Repair, RepairEvent
from portal_app.services.repairs import following, jobs, office, reporting
from portal_app.settings import get_settings
from tests.factories import make_resident, make_staff

if jobs.__name__ not in worker.DOMAIN_JOBS:
    # Importing the module registered its job; until the worker lists the module, the
    # worker's own tests (tests/unit/test_worker.py) expect only the listed domains' jobs.
    worker.REGISTRY._jobs.pop("repairs.overdue_digest", None)  # noqa: SLF001

NOW = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
TAP = "kitchen/taps/leaking_tap"
DAMP = "bathroom/walls_ceiling/damp_mould"
PIPE = "kitchen/sink/leaking_pipe"
DESCRIPTION = "The hot tap drips all the time, even when turned off hard."
SETTINGS = get_settings()


def _form(**changes) -> dict[str, str]:
    form = {
        "path": TAP,
        "description": DESCRIPTION,
        "in_when": "Weekday mornings",
        "pets": "A friendly dog",
        "contact_way": "phone",
        "contact_phone": "07700 900 982",
    }
    return {**form, **changes}


def _damp() -> dict[str, str]:
    return _form(
        path=DAMP,
        description="Black mould on the ceiling above the bath, coming back after cleaning.",
        damp_where="Bathroom ceiling above the bath",
        damp_size="medium",
        damp_how_long="months",
        damp_health="yes",
        damp_health_details="My son has asthma",
    )


@pytest.fixture
def place(db):
    """Ann's home; Rosa (repairs officer), Tom (housing officer) and Ian (income officer)."""
    with Session(db, expire_on_commit=False) as s:
        ann = make_resident(s, email="ann@example.org", first="Ann", last="Lee", ref="RPOFF1")
        rosa = make_staff(s, "repairs_officer", name="Rosa Diaz", email="rosa@northbrook-homes.example")
        tom = make_staff(s, "housing_officer", name="Tom Reid", email="tom@northbrook-homes.example")
        ian = make_staff(s, "income_officer", name="Ian Moss", email="ian@northbrook-homes.example")
        s.commit()
    caller = SimpleNamespace(user_id=ann.user.id, person_id=ann.person.id, tenancy_id=ann.tenancy.id)
    return SimpleNamespace(ann=caller, ann_user_id=ann.user.id, rosa=rosa.id, tom=tom.id, ian=ian.id)


def _report(db, caller, form=None, *, now=NOW, settings=SETTINGS) -> str:
    with Session(db) as s:
        done = reporting.report(s, caller, form or _form(), now=now, settings=settings)
        s.commit()
    assert done.outcome == "done", done
    return done.reference


def _three(db, place) -> SimpleNamespace:
    return SimpleNamespace(
        tap=_report(db, place.ann), damp=_report(db, place.ann, _damp()), pipe=_report(db, place.ann, _form(path=PIPE))
    )


def _do(db, fn, *args, **kwargs):
    with Session(db, expire_on_commit=False) as s:
        found = fn(s, *args, **kwargs)
        s.commit()
    return found


def _queue(db, staff_id, now=NOW, **filters) -> office.RepairQueuePage:
    return _do(db, office.queue, filters=office.parse_filters(filters), staff_id=staff_id, now=now, settings=SETTINGS)


def _repair(db, reference) -> Repair:
    with Session(db) as s:
        return s.exec(select(Repair).where(Repair.reference == reference)).one()


def _audit(db, action) -> list[AuditEvent]:
    with Session(db) as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all())


def _resident_sees(db, caller, reference, now=NOW) -> following.RepairDetail:
    with Session(db) as s:
        return following.detail(s, caller, reference, now=now, settings=SETTINGS)


def _step(db, place, reference, step, *, now, at=None, hazard=None, note=""):
    return _do(
        db,
        office.record_awaab_step,
        reference,
        step,
        at=at,
        significant_hazard=hazard,
        note=note,
        staff_id=place.rosa,
        now=now,
        settings=SETTINGS,
    )


# ---------------------------------------------------------------------------
# The queue


def test_the_queue_lists_open_repairs_soonest_target_first_and_awaabs_law_overdue_before_everything(db, place):
    made = _three(db, place)
    _do(db, office.set_status, made.tap, "completed", "", staff_id=place.rosa, now=NOW, settings=SETTINGS)
    later = _report(db, place.ann, _form(description="The cold tap drips as well, all night long."))

    today = _queue(db, place.rosa)
    after_new_year = _queue(db, place.rosa, now=datetime(2026, 12, 31, 10, 0, tzinfo=UTC))
    everything = _queue(db, place.rosa, status="all")

    # Today: open only, the soonest target first (the pipe's Right to Repair day, the damp's 5 days, the tap's 20).
    assert [r.reference for r in today.rows] == [made.pipe, made.damp, later]
    damp = today.rows[1]
    assert (damp.what, damp.address, damp.priority_words, damp.status_words, damp.source_words) == (
        "Bathroom or toilet: Walls, ceiling or extractor fan: There is damp, mould or condensation on the walls or ceiling",
        "Flat 12, Elm Court, Northbrook NB1 2AB",
        "Urgent",
        "Reported",
        "Online",
    )
    assert (damp.target_words, damp.late, damp.overdue) == ("Monday 21 December 2026", False, False)
    assert (damp.deadline_words, damp.deadline_late) == (
        "Awaab's Law: investigate by Wednesday 30 December 2026",
        False,
    )
    assert today.rows[0].deadline_words == "Right to Repair: by Tuesday 15 December 2026"
    # On 31 December the investigation is late: the damp comes first, though the pipe's target is sooner.
    assert [r.reference for r in after_new_year.rows] == [made.damp, made.pipe, later]
    first = after_new_year.rows[0]
    assert first.awaab_late and first.overdue and first.deadline_late
    assert first.deadline_words == "Awaab's Law: investigate was due Wednesday 30 December 2026"
    # Open and closed: the open ones first, the completed tap last.
    assert [r.reference for r in everything.rows][-1] == made.tap and not everything.rows[-1].is_open
    assert today.total == 3 and _audit(db, "repairs_listed")[0].actor_id == place.rosa


def test_the_queue_filters_by_status_priority_kind_and_overdue(db, place):
    made = _three(db, place)
    _do(db, office.set_status, made.tap, "booked", "", staff_id=place.rosa, now=NOW, settings=SETTINGS)

    def refs(**filters):
        return {r.reference for r in _queue(db, place.rosa, now=NOW + timedelta(days=2), **filters).rows}

    assert refs(priority="urgent") == {made.damp, made.pipe}
    assert refs(kind="damp_mould") == {made.damp}
    assert refs(status="booked") == {made.tap}
    assert refs(status="closed") == set()
    assert refs(overdue="yes") == {made.pipe}  # its Right to Repair day, Tuesday 15 December, has passed
    assert refs(priority="lost", kind="<script>", status="nonsense") == {made.tap, made.damp, made.pipe}
    assert office.parse_filters({"status": ["open"], "page": "-3", "overdue": True}) == office.RepairFilters()


def test_the_queue_shows_25_repairs_a_page(db, place):
    unlimited = dataclasses.replace(SETTINGS, repairs_per_home_per_day=0)
    made = [_report(db, place.ann, now=NOW + timedelta(minutes=i), settings=unlimited) for i in range(27)]

    first, second = _queue(db, place.rosa), _queue(db, place.rosa, page="2")

    assert (len(first.rows), first.pages, first.first_shown, first.last_shown) == (25, 2, 1, 25)
    assert [r.reference for r in second.rows] == made[25:] and second.filters.query() == {"page": "2"}


def test_a_reopened_repair_says_so_in_the_queue(db, place):
    tap = _report(db, place.ann)
    _do(db, office.set_status, tap, "completed", "", staff_id=place.rosa, now=NOW, settings=SETTINGS)
    with Session(db) as s:
        following.answer_fixed(s, place.ann, tap, {"fixed": "no", "reason": "Still drips"}, now=NOW, settings=SETTINGS)
        s.commit()

    [row] = _queue(db, place.rosa).rows

    assert row.reopened and row.status_words == "Reopened: not fixed"


# ---------------------------------------------------------------------------
# Overdue


def test_each_awaabs_law_step_is_overdue_until_it_is_recorded_and_the_counts_say_so(db, place):
    damp = _report(db, place.ann, _damp())

    def counts(now):
        return _do(db, office.overdue_counts, staff_id=place.rosa, now=now, settings=SETTINGS)

    assert counts(datetime(2026, 12, 30, 23, 59, tzinfo=UTC)) == office.OverdueCounts(total=1, awaab=0)  # its target
    assert counts(datetime(2026, 12, 31, 0, 0, tzinfo=UTC)) == office.OverdueCounts(total=1, awaab=1)
    investigated = datetime(2026, 12, 31, 11, 0, tzinfo=UTC)
    assert _step(db, place, damp, "investigated", now=investigated, hazard=True).ok
    assert counts(investigated) == office.OverdueCounts(total=1, awaab=0)
    # The summary: 3 working days after Thursday 31 December (1 January a bank holiday): Wednesday 6 January.
    assert counts(datetime(2027, 1, 7, 9, 0, tzinfo=UTC)).awaab == 1
    assert _step(db, place, damp, "summary_sent", now=datetime(2027, 1, 7, 9, 0, tzinfo=UTC)).ok
    assert counts(datetime(2027, 1, 7, 10, 0, tzinfo=UTC)).awaab == 0
    # The safety work: 5 working days after: Friday 8 January.
    assert counts(datetime(2027, 1, 9, 9, 0, tzinfo=UTC)).awaab == 1
    assert _step(db, place, damp, "safety_started", now=datetime(2027, 1, 9, 9, 0, tzinfo=UTC)).ok
    assert counts(datetime(2027, 1, 9, 10, 0, tzinfo=UTC)) == office.OverdueCounts(total=1, awaab=0)  # still open
    assert _queue(db, place.rosa, now=datetime(2027, 1, 9, 10, 0, tzinfo=UTC), overdue="yes").total == 1
    assert _do(db, office.overdue_counts, staff_id=place.ian, now=NOW, settings=SETTINGS) is None


def test_the_right_to_repair_day_passing_makes_a_repair_overdue(db, place):
    pipe = _report(db, place.ann, _form(path=PIPE))

    before = _queue(db, place.rosa, now=datetime(2026, 12, 15, 23, 0, tzinfo=UTC), overdue="yes")
    after = _queue(db, place.rosa, now=datetime(2026, 12, 16, 9, 0, tzinfo=UTC), overdue="yes")

    assert before.total == 0
    [row] = after.rows
    assert row.reference == pipe and row.overdue and row.deadline_late
    assert row.deadline_words == (
        "Right to Repair: missed Tuesday 15 December 2026; a second contractor by Wednesday 16 December 2026"
    )


# ---------------------------------------------------------------------------
# Priority


def test_changing_the_priority_needs_a_reason_works_the_target_out_again_and_is_audited(db, place):
    tap = _report(db, place.ann)

    def change(priority, reason):
        return _do(db, office.change_priority, tap, priority, reason, staff_id=place.rosa, now=NOW, settings=SETTINGS)

    no_reason = change("urgent", "  ")
    same = change("routine", "Because")
    hostile = change(["urgent"], {"reason": "x"})
    assert _repair(db, tap).priority == "routine" and _audit(db, "repair_priority_changed") == []
    changed = change("urgent", "Water is getting into the floor")

    assert no_reason.outcome == "invalid" and dict(no_reason.errors) == {
        "reason": "Say why you are changing the priority"
    }
    assert dict(same.errors)["priority"] == "This repair is already routine"
    assert set(dict(hostile.errors)) == {"priority", "reason"}
    assert changed.ok and changed.view.priority_words == "Urgent"
    # Urgent: 5 working days after Monday 14 December.
    assert changed.view.target_words == "Monday 21 December 2026"
    [line] = _audit(db, "repair_priority_changed")
    detail = json.loads(line.detail)
    assert (detail["from"], detail["to"], line.actor_id, line.subject_user_id) == (
        "routine",
        "urgent",
        place.rosa,
        place.ann_user_id,
    )
    seen = _resident_sees(db, place.ann, tap)
    assert seen.history[-1].note == "Priority changed to Urgent: Water is getting into the floor"
    assert seen.summary.target_words == "Monday 21 December 2026"


def test_a_priority_change_keeps_the_sooner_right_to_repair_day_as_the_target(db, place):
    pipe = _report(db, place.ann, _form(path=PIPE))

    done = _do(
        db,
        office.change_priority,
        pipe,
        "planned",
        "Not urgent after all",
        staff_id=place.rosa,
        now=NOW,
        settings=SETTINGS,
    )

    assert done.ok and done.view.target_words == "Tuesday 15 December 2026"


# ---------------------------------------------------------------------------
# Notes


def test_an_internal_note_never_reaches_the_resident_and_a_note_for_them_does(db, place):
    tap = _report(db, place.ann)

    def note(text, for_resident):
        return _do(
            db, office.add_note, tap, text, for_resident=for_resident, staff_id=place.rosa, now=NOW, settings=SETTINGS
        )

    internal = note("Refused access twice before: phone first", False)
    sneaky = note("Ask the contractor about the dog", "yes")  # only True is for the resident
    shown = note("We have ordered a new tap", True)
    empty, too_long = note("   ", True), note("x" * 2001, False)

    assert internal.ok and sneaky.ok and shown.ok
    assert dict(empty.errors) == {"note": "Enter the note"}
    assert dict(too_long.errors) == {"note": "Note must be 2,000 characters or fewer"}
    notes = [h.note for h in _resident_sees(db, place.ann, tap).history]
    assert "We have ordered a new tap" in notes
    assert not any("Refused access" in n or "the dog" in n for n in notes)
    history = {h.note: h for h in shown.view.history}
    assert history["Refused access twice before: phone first"].internal
    assert history["Ask the contractor about the dog"].internal
    assert not history["We have ordered a new tap"].internal and history["We have ordered a new tap"].by == "Rosa Diaz"
    with Session(db) as s:
        [mail] = s.exec(select(OutboxMessage).where(OutboxMessage.kind == office.MAIL_UPDATE)).all()
    assert mail.to_address == "ann@example.org" and "ordered a new tap" not in mail.body_text


# ---------------------------------------------------------------------------
# Status


def test_a_status_off_the_transitions_table_is_refused_and_nothing_changes(db, place):
    tap = _report(db, place.ann)

    def move(status, note=""):
        return _do(db, office.set_status, tap, status, note, staff_id=place.rosa, now=NOW, settings=SETTINGS)

    off_table = move("follow_on")
    unknown = move("lost")
    no_reason = move("cancelled")
    assert _repair(db, tap).status == "reported" and _audit(db, "repair_status_changed") == []
    cancelled = move("cancelled", "Reported twice: see the other repair")
    after = move("booked")

    assert dict(off_table.errors) == {"status": "A repair cannot go from reported to more work needed"}
    assert dict(unknown.errors) == {"status": "Select what has happened to the repair"}
    assert dict(no_reason.errors) == {"note": "Say why you are cancelling this repair"}
    assert cancelled.ok and _repair(db, tap).cancelled_at is not None
    assert after.outcome == "invalid" and "cancelled" in dict(after.errors)["status"]
    assert cancelled.view.next_statuses == ()


def test_two_officers_moving_a_repair_at_once_one_wins_and_the_other_is_told_to_reload(db, place):
    tap = _report(db, place.ann)
    with Session(db) as second:
        # Tom's request read the repair as "reported" just before Rosa's moved it on.
        seen = second.exec(select(Repair).where(Repair.reference == tap)).one()
        was = seen.status
        first = _do(db, office.set_status, tap, "booked", "", staff_id=place.rosa, now=NOW, settings=SETTINGS)
        late = office.set_status(second, tap, "cancelled", "Duplicate", staff_id=place.tom, now=NOW, settings=SETTINGS)
        second.commit()

    assert was == "reported" and first.ok and late.outcome == "conflict"
    assert dict(late.errors) == {"status": office.CONFLICT}
    assert _repair(db, tap).status == "booked"
    with Session(db) as s:
        events = s.exec(select(RepairEvent.status).join(Repair).where(Repair.reference == tap)).all()
    assert events == ["reported", "booked"]
    assert [a.actor_id for a in _audit(db, "repair_status_changed")] == [place.rosa]


def test_completing_a_repair_emails_the_resident_who_is_then_asked_if_it_is_fixed(db, place):
    tap = _report(db, place.ann)

    done = _do(
        db, office.set_status, tap, "completed", "Fitted a new washer", staff_id=place.rosa, now=NOW, settings=SETTINGS
    )

    assert done.ok and _repair(db, tap).completed_at == NOW
    with Session(db) as s:
        [mail] = s.exec(select(OutboxMessage).where(OutboxMessage.kind == office.MAIL_UPDATE)).all()
    assert mail.to_address == "ann@example.org" and "Your repair is complete" in mail.subject
    assert "Your repair is complete." in mail.body_text
    assert "If it is not fixed, tell us on your repair's page" in mail.body_text
    assert f"{SETTINGS.base_url}/repairs/view?repair={tap}" in mail.body_text
    assert "washer" not in mail.body_text  # the note is on the page, not in the email
    assert _resident_sees(db, place.ann, tap).ask_fixed
    # Not fixed, then completed again: asked afresh.
    with Session(db) as s:
        following.answer_fixed(s, place.ann, tap, {"fixed": "no", "reason": "Drips"}, now=NOW, settings=SETTINGS)
        s.commit()
    again = _do(db, office.set_status, tap, "completed", "", staff_id=place.rosa, now=NOW, settings=SETTINGS)
    assert again.ok and _resident_sees(db, place.ann, tap).ask_fixed


# ---------------------------------------------------------------------------
# Awaab's Law


def test_awaabs_law_steps_are_recorded_once_each_in_order_and_set_the_next_deadlines(db, place):
    damp, tap = _report(db, place.ann, _damp()), _report(db, place.ann)
    at = datetime(2026, 12, 17, 14, 0, tzinfo=UTC)

    too_soon = _step(db, place, damp, "summary_sent", now=at)
    no_answer = _step(db, place, damp, "investigated", now=at)
    future = _step(db, place, damp, "investigated", now=at, at=at + timedelta(days=1), hazard=False)
    not_awaab = _step(db, place, tap, "investigated", now=at, hazard=True)
    done = _step(db, place, damp, "investigated", now=at, hazard=True, note="Extractor fan broken")
    twice = _step(db, place, damp, "investigated", now=at, hazard=False)

    assert dict(too_soon.errors) == {"step": "Record the investigation first"}
    assert dict(no_answer.errors) == {
        "significant_hazard": "Select whether the investigation found a significant hazard"
    }
    assert dict(future.errors) == {"at": "When it happened must be now or in the past"}
    assert dict(not_awaab.errors)["step"] == "Awaab's Law's steps do not apply to this repair"
    assert done.ok and dict(twice.errors) == {"step": "The investigation is already recorded"}
    repair = _repair(db, damp)
    # Thursday 17 December: summary in 3 working days (Tuesday 22nd), safety work in 5 (Thursday 24th).
    words = {d.label: (d.words, d.done) for d in done.view.deadlines}
    assert words["Awaab's Law: investigate (10 working days)"][1] == "Done at 14:00 on 17 December 2026"
    assert words["Awaab's Law: written summary to the resident (3 working days after)"][0] == "Tuesday 22 December 2026"
    assert words["Awaab's Law: start the safety work (5 working days after)"][0] == "Thursday 24 December 2026"
    assert repair.investigated_at == at and repair.safety_by is not None
    assert [c.value for c in done.view.awaab_steps] == ["summary_sent", "safety_started"]
    resident = [h.note for h in _resident_sees(db, place.ann, damp).history]
    assert any(
        n.startswith("Awaab's Law: we investigated on 17 December 2026. We found a significant hazard")
        for n in resident
    )
    assert "Extractor fan broken" not in resident  # the officer's note is the team's
    assert [json.loads(a.detail)["step"] for a in _audit(db, "repair_awaab_step")] == ["investigated"]


def test_no_safety_work_is_due_when_the_investigation_found_no_significant_hazard(db, place):
    damp = _report(db, place.ann, _damp())
    at = datetime(2026, 12, 17, 14, 0, tzinfo=UTC)
    _step(db, place, damp, "investigated", now=at, hazard=False)

    refused = _step(db, place, damp, "safety_started", now=at)

    assert dict(refused.errors) == {"step": "No safety work is due: the investigation found no significant hazard"}
    assert _repair(db, damp).safety_by is None and _repair(db, damp).summary_by is not None


# ---------------------------------------------------------------------------
# One repair, and who may


def test_viewing_a_repair_shows_the_resident_the_home_and_everything_on_it_and_is_audited(db, place):
    damp = _report(db, place.ann, _damp())

    found = _do(db, office.view, damp.lower(), staff_id=place.tom, now=NOW, settings=SETTINGS)

    assert (found.reference, found.resident_name, found.resident_email, found.contact_words) == (
        damp,
        "Ann Lee",
        "ann@example.org",
        "By phone on 07700900982",
    )
    assert found.address == "Flat 12, Elm Court, Northbrook NB1 2AB" and "A friendly dog" in found.access_notes
    assert dict(found.damp_answers)["Their condition"] == "My son has asthma"
    assert [c.value for c in found.next_statuses] == ["booked", "on_the_way", "completed", "cancelled"]
    assert [c.value for c in found.awaab_steps] == ["investigated"]
    assert found.deadlines[0].words == "Wednesday 30 December 2026" and not found.deadlines[0].late
    [line] = _audit(db, "repair_viewed")
    assert (line.actor_id, line.subject_user_id, line.target) == (place.tom, place.ann_user_id, damp)


@pytest.mark.parametrize("reference", ["RP-ZZZZZZZZ", "", None, 42, ["RP-X"], "RP-' OR 1=1 --", "x" * 500])
def test_an_unknown_or_malformed_reference_is_refused_cleanly_and_nothing_is_written(db, place, reference):
    _report(db, place.ann)

    found = _do(db, office.view, reference, staff_id=place.rosa, now=NOW, settings=SETTINGS)
    moved = _do(db, office.set_status, reference, "booked", "", staff_id=place.rosa, now=NOW, settings=SETTINGS)
    noted = _do(db, office.add_note, reference, "Hello", for_resident=True, staff_id=place.rosa, now=NOW)

    assert found is None and moved.outcome == noted.outcome == "refused"
    with Session(db) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.actor_kind == "staff")).all() == []


def test_a_member_of_staff_without_manage_repairs_is_refused_everything_and_nothing_changes(db, place):
    tap, damp = _report(db, place.ann), _report(db, place.ann, _damp())

    seen = (
        _do(db, office.queue, filters=office.RepairFilters(), staff_id=place.ian, now=NOW, settings=SETTINGS),
        _do(db, office.view, tap, staff_id=place.ian, now=NOW, settings=SETTINGS),
        _do(db, office.change_priority, tap, "urgent", "x", staff_id=place.ian, now=NOW, settings=SETTINGS).outcome,
        _do(db, office.add_note, tap, "x", for_resident=True, staff_id=place.ian, now=NOW).outcome,
        _do(db, office.set_status, tap, "booked", "", staff_id=place.ian, now=NOW, settings=SETTINGS).outcome,
        _step(db, SimpleNamespace(rosa=place.ian), damp, "investigated", now=NOW, hazard=True).outcome,
        _do(db, office.view, tap, staff_id="1", now=NOW, settings=SETTINGS),
    )

    assert seen == (None, None, "refused", "refused", "refused", "refused", None)
    assert (_repair(db, tap).status, _repair(db, tap).priority, _repair(db, damp).investigated_at) == (
        "reported",
        "routine",
        None,
    )
    with Session(db) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.actor_kind == "staff")).all() == []
        assert len(s.exec(select(RepairEvent)).all()) == 2  # the two reports


# ---------------------------------------------------------------------------
# The daily email


def test_the_digest_lines_put_awaabs_law_first_and_hold_no_words_of_the_resident(db, place):
    tap, damp = _report(db, place.ann), _report(db, place.ann, _damp())
    with Session(db) as s:
        lines = office.overdue_for_digest(s, now=datetime(2027, 1, 15, 9, 0, tzinfo=UTC), settings=SETTINGS)

    assert lines == [
        f"{damp}: Awaab's Law: investigate was due Wednesday 30 December 2026",
        f"{tap}: Routine repair, target was Thursday 14 January 2027",
    ]
    text = "\n".join(lines)
    for theirs in ("drips", "Black mould", "asthma", "friendly dog", "Ann", "Lee", "Elm Court", "07700"):
        assert theirs not in text


def test_the_daily_email_goes_once_a_uk_day_to_each_member_of_staff_who_manages_repairs(db, place):
    _report(db, place.ann, _damp())
    morning = datetime(2026, 12, 31, 8, 0, tzinfo=UTC)

    early = jobs.send_overdue_digests(db, now=datetime(2026, 12, 31, 6, 30, tzinfo=UTC), settings=SETTINGS)
    first = jobs.send_overdue_digests(db, now=morning, settings=SETTINGS)
    again = jobs.send_overdue_digests(db, now=morning + timedelta(hours=8), settings=SETTINGS)
    next_day = jobs.send_overdue_digests(db, now=morning + timedelta(days=1), settings=SETTINGS)
    with Session(db) as s:
        sent = s.exec(select(OutboxMessage).where(OutboxMessage.kind == jobs.MAIL_DIGEST)).all()

    assert (early, first, again, next_day) == (0, 2, 0, 2)
    assert sorted({m.to_address for m in sent}) == ["rosa@northbrook-homes.example", "tom@northbrook-homes.example"]
    assert "Awaab's Law: investigate was due Wednesday 30 December 2026" in sent[0].body_text
    assert sent[0].subject == "Overdue repairs: 1, 1 under Awaab's Law"
    assert "/staff/repairs?status=all&overdue=yes" in sent[0].body_text


def test_no_daily_email_when_nothing_is_overdue(db, place):
    _report(db, place.ann)
    with Session(db) as s:
        assert jobs.repairs_overdue_digest(s, now=datetime(2026, 12, 15, 8, 0, tzinfo=UTC), settings=SETTINGS) == 0
