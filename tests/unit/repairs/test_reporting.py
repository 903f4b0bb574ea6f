"""Reporting and following a repair as residents meet it (services/repairs/reporting.py and
following.py): a leaking tap reported with its priority and target, each mistake's message
with nothing written, six reports a home a day, damp and mould's Awaab's Law case, the
leaves the portal does not take, emergencies logged but never gas, "My repairs" and one
repair's page for the home's tenants only, "Is it fixed?", the Right to Repair, and the
confirmation email sent once.

Today is Monday 14 December 2026, 10am. The home: a secure tenancy, Ann Lee (lead tenant)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select

from portal_app.models import AuditEvent, OutboxMessage, PortalUser, Repair, RepairEvent, RepairPhoto
from portal_app.services.repairs import common, following, reporting, triage
from portal_app.settings import get_settings
from tests.factories import make_party, make_person, make_portal_user, make_resident

NOW = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)
TAP = "kitchen/taps/leaking_tap"
DAMP = "bathroom/walls_ceiling/damp_mould"


def _form(**changes) -> dict[str, str]:
    form = {
        "path": TAP,
        "description": "The hot tap drips all the time, even when turned off hard.",
        "in_when": "Weekday mornings",
        "key_safe": "",
        "pets": "A friendly dog",
        "access_other": "",
        "contact_way": "phone",
        "contact_phone": "07700 900 982",
    }
    return {**form, **changes}


def _damp(**changes) -> dict[str, str]:
    answers = {
        "path": DAMP,
        "description": "Black mould on the ceiling above the bath, coming back after cleaning.",
        "damp_where": "Bathroom ceiling above the bath",
        "damp_size": "medium",
        "damp_how_long": "months",
        "damp_health": "yes",
        "damp_health_details": "My son has asthma",
    }
    return _form(**{**answers, **changes})


@pytest.fixture
def homes(db):
    """Ann's home (and Sam, a joint tenant there, registered too), and Bea's, another home."""
    with Session(db, expire_on_commit=False) as s:
        ann = make_resident(s, email="ann@example.org", first="Ann", last="Lee", ref="RPRENT1")
        sam_person = make_person(s, "Sam", "Lee")
        make_party(s, ann.tenancy, sam_person, "joint_tenant")
        sam = make_portal_user(s, sam_person, ann.tenancy, email="sam@example.org")
        bea = make_resident(s, email="bea@example.org", first="Bea", last="Okafor", ref="RPRENT2")
        s.commit()

    def caller(user, person, tenancy):
        return SimpleNamespace(user_id=user.id, person_id=person.id, tenancy_id=tenancy.id)

    return SimpleNamespace(
        ann=caller(ann.user, ann.person, ann.tenancy),
        sam=caller(sam, sam_person, ann.tenancy),
        bea=caller(bea.user, bea.person, bea.tenancy),
        ann_tenancy_id=ann.tenancy.id,
    )


def _report(db, caller, form=None, now=NOW, photo_keys=()) -> reporting.Reported:
    with Session(db) as s:
        done = reporting.report(s, caller, form or _form(), photo_keys=photo_keys, now=now, settings=get_settings())
        s.commit()
    return done


def _repairs(db) -> list[Repair]:
    with Session(db) as s:
        return list(s.exec(select(Repair).order_by(Repair.id)).all())


def _mail(db, kind="repair_reported") -> list[OutboxMessage]:
    with Session(db) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == kind)).all())


# ---------------------------------------------------------------------------
# Reporting


def test_a_leaking_tap_is_reported_as_routine_with_its_target_twenty_working_days_on(db, homes):
    done = _report(db, homes.ann)

    assert done.outcome == "done" and done.reference.startswith("RP-")
    [repair] = _repairs(db)
    assert (repair.priority, repair.kind, repair.status, repair.triage_path) == ("routine", "repair", "reported", TAP)
    assert repair.problem_words and repair.area_words == "Kitchen"
    assert repair.contact_phone == "07700900982" and "A friendly dog" in repair.access_notes
    # 20 working days after Monday 14 December: 15-18, 21-24 (8), 29-31 (11), 4-8 (16), 11-14 January (20).
    with Session(db) as s:
        page = following.detail(s, homes.ann, done.reference, now=NOW, settings=get_settings())
        events = s.exec(select(RepairEvent).where(RepairEvent.repair_id == repair.id)).all()
        audit = s.exec(select(AuditEvent).where(AuditEvent.action == "repair_reported")).all()
    assert page.summary.target_words == "Thursday 14 January 2027" and not page.summary.late
    assert page.priority_words == "Routine"
    assert [e.status for e in events] == ["reported"] and len(audit) == 1


def test_the_confirmation_email_gives_the_reference_priority_and_target_and_is_sent_once(db, homes):
    done = _report(db, homes.ann)
    with Session(db) as s:
        assert following.confirm(s, done.reference, now=NOW, settings=get_settings()) is True
        assert following.confirm(s, done.reference, now=NOW, settings=get_settings()) is False
        s.commit()

    [mail] = _mail(db)
    assert mail.to_address == "ann@example.org"
    assert done.reference in mail.subject and "Thursday 14 January 2027" in mail.subject
    for words in ("Priority: Routine", "We will fix this by: Thursday 14 January 2027", "What happens next"):
        assert words in mail.body_text
    assert "drips all the time" not in mail.body_text  # our words, never the resident's description


def test_a_confirmation_a_stopped_worker_never_queued_is_sent_by_the_job_once(db, homes):
    done = _report(db, homes.ann)
    with Session(db) as s:
        sent = following.confirm_unsent(
            s, now=NOW + timedelta(minutes=10), settings=get_settings(), older_than=timedelta(minutes=5)
        )
        again = following.confirm_unsent(
            s, now=NOW + timedelta(minutes=20), settings=get_settings(), older_than=timedelta(minutes=5)
        )
        s.commit()
    assert (sent, again) == (1, 0) and done.reference in _mail(db)[0].subject


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"description": ""}, "description", "Enter a description of the problem"),
        ({"description": "Drips"}, "description", "at least 10 characters"),
        ({"description": "x" * 1001}, "description", "1,000 characters or fewer"),
        ({"contact_way": ""}, "contact_way", "Select how we should contact you"),
        ({"contact_phone": ""}, "contact_phone", "Enter the phone number we should call you on"),
        ({"contact_phone": "12345"}, "contact_phone", "Enter a UK phone number"),
        ({"pets": "p" * 201}, "pets", "200 characters or fewer"),
        ({"path": "kitchen/taps/nothing"}, "path", "Choose what the problem is"),
    ],
)
def test_each_mistake_gets_its_own_message_and_nothing_is_written(db, homes, changes, field, words):
    done = _report(db, homes.ann, _form(**changes))
    assert done.outcome == "invalid"
    assert words in dict(done.errors)[field]
    assert _repairs(db) == []


def test_email_contact_needs_no_phone_number(db, homes):
    assert _report(db, homes.ann, _form(contact_way="email", contact_phone="")).outcome == "done"


def test_six_reports_a_home_a_day_then_a_clear_message_and_nothing_written_whoever_of_the_household_asks(db, homes):
    for n in range(6):
        assert _report(db, homes.ann if n % 2 else homes.sam, now=NOW + timedelta(minutes=n)).outcome == "done"
    seventh = _report(db, homes.sam, now=NOW + timedelta(hours=1))

    assert seventh.outcome == "limit"
    message = dict(seventh.errors)["limit"]
    assert "6 repairs today" in message and get_settings().landlord_phone in message
    assert len(_repairs(db)) == 6
    # Another home is not held back, and tomorrow (UK time) Ann's home may report again.
    assert _report(db, homes.bea, now=NOW + timedelta(hours=1)).outcome == "done"
    assert _report(db, homes.ann, now=datetime(2026, 12, 15, 0, 5, tzinfo=UTC)).outcome == "done"


def test_damp_and_mould_always_starts_an_awaabs_law_case_with_the_investigators_answers(db, homes):
    done = _report(db, homes.ann, _damp())
    [repair] = _repairs(db)
    assert repair.kind == "damp_mould" and repair.awaab and repair.priority == "urgent"
    with Session(db) as s:
        page = following.detail(s, homes.ann, done.reference, now=NOW, settings=get_settings())
    [investigate] = page.deadlines
    # 10 working days from Monday 14 December: 15-18, 21-24 (8), 29, 30 December.
    assert investigate.words == "Wednesday 30 December 2026" and "Awaab's Law" in investigate.label
    assert dict(page.damp_answers)["Their condition"] == "My son has asthma"
    assert json.loads(repair.damp_answers)["size"].startswith("Bigger than a sheet of A4")


def test_damp_and_mould_asks_where_how_big_how_long_and_about_health(db, homes):
    done = _report(db, homes.ann, _damp(damp_where="", damp_size="", damp_how_long="", damp_health=""))
    assert done.outcome == "invalid"
    assert set(dict(done.errors)) >= {"damp_where", "damp_size", "damp_how_long", "damp_health"}
    assert _repairs(db) == []


def test_a_leaf_that_is_not_ours_is_not_reported_and_says_why(db, homes):
    done = _report(db, homes.ann, _form(path="kitchen/sink/blocked_sink"))
    leaf = triage.load().leaf("kitchen/sink/blocked_sink")
    assert done.outcome == "not_online" and done.message == leaf.why and _repairs(db) == []


def test_an_emergency_is_logged_for_the_record_with_twenty_four_hours_but_gas_never_is(db, homes):
    with Session(db) as s:
        gas = reporting.log_emergency(
            s, homes.ann, "gas_smell", {"contact_phone": "07700900982"}, now=NOW, settings=get_settings()
        )
        flood = reporting.log_emergency(
            s,
            homes.ann,
            "flooding",
            {"contact_phone": "07700900982", "description": "Water pouring through the ceiling"},
            now=NOW,
            settings=get_settings(),
        )
        s.commit()
    assert gas.outcome == "not_online" and reporting.GAS_NUMBER in gas.message
    assert flood.outcome == "done"
    [repair] = _repairs(db)
    assert (repair.kind, repair.priority, repair.awaab) == ("emergency", "emergency", True)
    assert repair.target_at == NOW + timedelta(hours=24) and repair.investigate_by == NOW + timedelta(hours=24)


# ---------------------------------------------------------------------------
# Whose repairs


def test_my_repairs_shows_the_homes_repairs_to_each_tenant_and_nothing_of_another_home(db, homes):
    anns = _report(db, homes.ann)
    beas = _report(db, homes.bea)
    with Session(db) as s:
        for_sam = following.my_repairs(s, homes.sam, now=NOW, settings=get_settings())
        for_bea = following.my_repairs(s, homes.bea, now=NOW, settings=get_settings())
        assert following.detail(s, homes.bea, anns.reference, now=NOW, settings=get_settings()) is None
        assert following.detail(s, homes.bea, "RP-NOTHING", now=NOW, settings=get_settings()) is None
        assert following.detail(s, homes.bea, {"ref": anns.reference}, now=NOW, settings=get_settings()) is None
    assert [r.reference for r in for_sam] == [anns.reference]
    assert [r.reference for r in for_bea] == [beas.reference]


def test_a_former_tenant_may_not_report_nor_see_the_homes_repairs(db, homes):
    anns = _report(db, homes.ann)
    with Session(db) as s:
        from portal_app.models import Tenancy

        tenancy = s.get(Tenancy, homes.ann_tenancy_id)
        tenancy.end_date = date(2026, 12, 1)
        s.add(tenancy)
        s.commit()
    assert _report(db, homes.sam).outcome == "refused"
    with Session(db) as s:
        assert following.my_repairs(s, homes.ann, now=NOW, settings=get_settings()) is None
        assert following.detail(s, homes.ann, anns.reference, now=NOW, settings=get_settings()) is None


def test_a_repair_is_late_once_its_target_day_has_passed(db, homes):
    done = _report(db, homes.ann)
    with Session(db) as s:
        on_the_day = following.detail(
            s, homes.ann, done.reference, now=datetime(2027, 1, 14, 23, 0, tzinfo=UTC), settings=get_settings()
        )
        after = following.detail(
            s, homes.ann, done.reference, now=datetime(2027, 1, 15, 0, 1, tzinfo=UTC), settings=get_settings()
        )
    assert not on_the_day.summary.late and after.summary.late


# ---------------------------------------------------------------------------
# Is it fixed?


def _complete(db, reference: str, at=NOW + timedelta(days=3)) -> None:
    with Session(db) as s:
        repair = s.exec(select(Repair).where(Repair.reference == reference)).one()
        repair.status, repair.completed_at = common.COMPLETED, at
        s.add(repair)
        s.commit()


def test_no_it_is_not_fixed_reopens_the_repair_with_the_reason_once(db, homes):
    done = _report(db, homes.ann)
    _complete(db, done.reference)
    with Session(db) as s:
        asked = following.detail(s, homes.ann, done.reference, now=NOW, settings=get_settings())
        missing = following.answer_fixed(
            s, homes.ann, done.reference, {"fixed": "no"}, now=NOW, settings=get_settings()
        )
        no = following.answer_fixed(
            s,
            homes.ann,
            done.reference,
            {"fixed": "no", "reason": "Still drips at night"},
            now=NOW,
            settings=get_settings(),
        )
        again = following.answer_fixed(s, homes.sam, done.reference, {"fixed": "yes"}, now=NOW, settings=get_settings())
        s.commit()
    assert asked.ask_fixed
    assert missing.outcome == "invalid" and "Tell us what is still wrong" in dict(missing.errors)["reason"]
    assert no.outcome == "reopened" and again.outcome == "already"
    [repair] = _repairs(db)
    assert (repair.status, repair.fixed, repair.fixed_reason) == ("reopened", "no", "Still drips at night")
    assert repair.completed_at is None  # not done after all: the Right to Repair's clock runs on
    with Session(db) as s:
        page = following.detail(s, homes.ann, done.reference, now=NOW, settings=get_settings())
    assert not page.ask_fixed and page.summary.open and "Still drips at night" in page.fixed_words
    assert page.history[-1].status_words == "Reopened: not fixed"


def test_yes_it_is_fixed_with_an_optional_rating_and_another_home_cannot_answer(db, homes):
    done = _report(db, homes.ann)
    _complete(db, done.reference)
    with Session(db) as s:
        refused = following.answer_fixed(
            s, homes.bea, done.reference, {"fixed": "no", "reason": "x"}, now=NOW, settings=get_settings()
        )
        yes = following.answer_fixed(
            s, homes.ann, done.reference, {"fixed": "yes", "rating": "4"}, now=NOW, settings=get_settings()
        )
        s.commit()
    assert refused.outcome == "refused" and yes.outcome == "fixed"
    [repair] = _repairs(db)
    assert (repair.status, repair.fixed, repair.rating) == ("completed", "yes", 4)


def test_a_repair_not_yet_completed_is_not_asked_about(db, homes):
    done = _report(db, homes.ann)
    with Session(db) as s:
        assert (
            following.answer_fixed(
                s, homes.ann, done.reference, {"fixed": "yes"}, now=NOW, settings=get_settings()
            ).outcome
            == "already"
        )


# ---------------------------------------------------------------------------
# The Right to Repair


def test_a_secure_tenants_qualifying_repair_shows_its_right_to_repair_deadline_and_then_compensation(db, homes):
    # A leaking pipe under the kitchen sink: a 1-working-day qualifying repair.
    done = _report(db, homes.ann, _form(path="kitchen/sink/leaking_pipe"))
    [repair] = _repairs(db)
    assert repair.right_to_repair_days == 1
    # The target is the sooner of the priority's (urgent: 5 working days) and the Right to Repair's.
    with Session(db) as s:
        page = following.detail(s, homes.ann, done.reference, now=NOW, settings=get_settings())
        late = following.detail(
            s, homes.ann, done.reference, now=datetime(2026, 12, 21, 9, 0, tzinfo=UTC), settings=get_settings()
        )
    assert page.summary.target_words == "Tuesday 15 December 2026"
    assert "within 1 working day, by Tuesday 15 December 2026" in page.right_to_repair_words
    assert page.compensation_words == ""
    # Both contractors missed it (15th and 16th): on Monday 21st, 5 days after the 16th: £10 + 5 x £2.
    assert "£20.00 compensation" in late.compensation_words


def test_photos_the_resident_added_are_attached_and_another_residents_draft_never_is(db, homes):
    with Session(db) as s:
        for key, user in (("ann-photo-1", homes.ann.user_id), ("bea-photo-1", homes.bea.user_id)):
            s.add(
                RepairPhoto(
                    key=key,
                    user_id=user,
                    data=b"\xff\xd8jpeg",
                    width=1,
                    height=1,
                    size_bytes=6,
                    sha256="0" * 64,
                    created_at=NOW,
                )
            )
        s.commit()
    done = _report(db, homes.ann, photo_keys=["ann-photo-1", "bea-photo-1"])
    with Session(db) as s:
        page = following.detail(s, homes.ann, done.reference, now=NOW, settings=get_settings())
        bea_draft = s.exec(select(RepairPhoto).where(RepairPhoto.key == "bea-photo-1")).one()
    assert page.photo_keys == ("ann-photo-1",) and bea_draft.repair_id is None


def test_the_user_of_a_caller_is_the_one_the_report_names(db, homes):
    _report(db, homes.sam)
    [repair] = _repairs(db)
    with Session(db) as s:
        assert s.get(PortalUser, repair.user_id).email == "sam@example.org"
