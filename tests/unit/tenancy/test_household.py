"""Your household (services/tenancy/household.py, seed 002): who lives in the home now, and
telling us someone moved in or out, a birth or a death. Each becomes a household change
request in the housing officer's queue, with the evidence the resident added, and nothing
is written when anything is wrong."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import Session, func, select

from portal_app.models import MoneyRequest, RequestEvidence, TenancyParty
from portal_app.services.requests.office import QueueFilters, request_queue
from portal_app.services.requests.resident import my_requests, request_detail
from portal_app.services.tenancy import evidence, household
from portal_app.settings import get_settings
from tests.factories import make_officer, make_party, make_person, make_resident, make_staff

NOW = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # Friday 4 December 2026
TODAY = date(2026, 12, 4)
SETTINGS = get_settings()


@pytest.fixture
def home(db):
    with Session(db, expire_on_commit=False) as s:
        housing = make_officer(s, "Hana Osei", "housing_officer")
        ann = make_resident(s, email="ann@example.org", ref="HHRENT1", start=date(2020, 4, 6))
        ann.tenancy.housing_officer_id = housing.id
        bea = make_person(s, "Bea", "Lee")
        cal = make_person(s, "Cal", "Lee")
        dee = make_person(s, "Dee", "Lee")
        joint = make_party(s, ann.tenancy, bea, "joint_tenant")
        member = make_party(s, ann.tenancy, cal, "household_member")
        make_party(s, ann.tenancy, dee, "household_member", end=date(2025, 1, 1))
        zed = make_resident(s, email="zed@example.org", first="Zed", ref="HHRENT2")
        zoe = make_party(s, zed.tenancy, make_person(s, "Zoe", "Other"), "household_member")
        s.commit()
    return SimpleNamespace(
        ann=SimpleNamespace(**ann.principal),
        ann_user=ann.user.id,
        joint=str(joint.id),
        member=str(member.id),
        zed=SimpleNamespace(**zed.principal),
        zoe=str(zoe.id),
        housing=housing.id,
    )


def _date(prefix: str, day: date) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def _tell(db, who, change, form, now=NOW):
    with Session(db) as s:
        done = household.tell_us(s, who, change, form, now=now, settings=SETTINGS)
        s.commit()
    return done


def _requests(db) -> int:
    with Session(db) as s:
        return s.exec(select(func.count()).select_from(MoneyRequest)).one()


MOVED_IN = {
    "in_name": "Sam Lee",
    **_date("in_dob", date(1998, 5, 17)),
    "in_relationship": "Partner",
    **_date("in_date", date(2026, 11, 20)),
    "in_ni": "ab 12 34 56 c",
    "in_lodger": "no",
}


def test_the_household_lists_the_people_living_there_now_with_their_place_in_words(db, home):
    with Session(db) as s:
        found = household.household(s, home.ann, today=TODAY, settings=SETTINGS)
    assert [(m.name, m.role_words, m.is_you) for m in found.members] == [
        ("Ann Lee", "Tenant", True),
        ("Bea Lee", "Joint tenant", False),
        ("Cal Lee", "Lives here", False),
    ]
    assert [m.name for m in found.others] == ["Bea Lee", "Cal Lee"]  # Dee moved out in 2025


def test_someone_moving_in_becomes_a_household_change_for_the_housing_officer_with_what_we_were_told(db, home):
    done = _tell(db, home.ann, household.MOVED_IN, MOVED_IN)

    assert done.ok and done.errors == {}
    assert done.reply_promise.startswith("We aim to reply within")
    with Session(db) as s:
        request = s.exec(select(MoneyRequest)).one()
        assert (request.kind, request.officer_id, request.summary) == (
            "household_change",
            home.housing,
            "Moved in: Sam Lee",
        )
        detail = request_detail(s, home.ann_user, done.reference)
        lines = {line.label: line.value for line in detail.lines}
        staff_lines = dict(json.loads(request.details)["staff_lines"])
        assert [r.reference for r in my_requests(s, home.ann_user)] == [done.reference]
        # Residents never change the landlord's records: the officer does, and the feed brings it back.
        assert s.exec(select(func.count()).select_from(TenancyParty)).one() == 6
    assert lines["Name"] == "Sam Lee" and lines["Date they moved in"] == "20 November 2026"
    assert lines["National Insurance number"] == "Given, ending 56C"  # shown back masked
    assert staff_lines["National Insurance number"] == "AB123456C"  # the officer sees it in full
    assert lines["Pays you rent as a lodger"] == "No"


def test_a_lodger_moving_in_is_told_that_a_lodger_needs_our_permission_and_where_to_ask(db, home):
    done = _tell(db, home.ann, household.MOVED_IN, {**MOVED_IN, "in_lodger": "yes"})

    assert done.ok
    assert (
        "A lodger needs our permission" in done.next_steps[0] and "/permissions/ask?kind=lodger" in done.next_steps[0]
    )


@pytest.mark.parametrize(
    "change,form,field,message",
    [
        (household.MOVED_IN, {**MOVED_IN, "in_name": "  "}, "in_name", "Enter their full name"),
        (household.MOVED_IN, {**MOVED_IN, "in_dob_day": ""}, "in_dob", "Date of birth must include a day"),
        (household.MOVED_IN, {**MOVED_IN, "in_relationship": ""}, "in_relationship", "Enter how they are related"),
        (household.MOVED_IN, {**MOVED_IN, **_date("in_date", TODAY + timedelta(days=29))}, "in_date", "next 4 weeks"),
        (household.MOVED_IN, {**MOVED_IN, **_date("in_date", date(2019, 1, 1))}, "in_date", "6 April 2020"),
        (household.MOVED_IN, {**MOVED_IN, "in_ni": "12345"}, "in_ni", "National Insurance number in the correct"),
        (household.MOVED_IN, {**MOVED_IN, "in_lodger": ""}, "in_lodger", "Select yes if they pay you rent"),
        (household.MOVED_OUT, _date("out_date", TODAY), "out_person", "Select who has moved out"),
        (household.BIRTH, {"baby_name": "Ada", **_date("baby_dob", TODAY + timedelta(days=1))}, "baby_dob", "past"),
        (household.BIRTH, {"baby_name": "Ada", **_date("baby_dob", date(2024, 1, 1))}, "baby_dob", "last year"),
        (household.BIRTH, {**_date("baby_dob", TODAY)}, "baby_name", "Enter the baby's full name"),
        (
            household.DEATH,
            {"died_person": "1", "died_date_day": "31", "died_date_month": "2", "died_date_year": "2026"},
            "died_date",
            "must be a real date",
        ),
        ("", {}, "change", "Select what has changed"),
    ],
)
def test_each_change_is_refused_with_a_message_next_to_the_field_and_nothing_written(
    db, home, change, form, field, message
):
    done = _tell(db, home.ann, change, form)

    assert not done.ok and message in done.errors[field]
    assert _requests(db) == 0


def test_a_move_can_be_told_up_to_four_weeks_ahead_but_a_death_only_once_it_has_happened(db, home):
    ahead = TODAY + timedelta(days=28)
    assert _tell(db, home.ann, household.MOVED_OUT, {"out_person": home.member, **_date("out_date", ahead)}).ok
    died = _tell(db, home.ann, household.DEATH, {"died_person": home.member, **_date("died_date", ahead)})
    assert died.errors == {"died_date": "Date they died must be today or in the past"}


def test_someone_moving_out_is_chosen_from_the_residents_own_household_only(db, home):
    # Another household's member, the resident themselves, and nonsense are all "select who".
    for key in (home.zoe, "", "999999", ["1"], {"id": home.member}):
        done = _tell(db, home.ann, household.MOVED_OUT, {"out_person": key, **_date("out_date", TODAY)})
        assert done.errors == {"out_person": "Select who has moved out"}
    with Session(db) as s:
        me = s.exec(select(TenancyParty).where(TenancyParty.person_id == home.ann.person_id)).one()
    assert _tell(db, home.ann, household.MOVED_OUT, {"out_person": str(me.id), **_date("out_date", TODAY)}).errors
    assert _requests(db) == 0

    done = _tell(
        db,
        home.ann,
        household.MOVED_OUT,
        {"out_person": home.joint, **_date("out_date", TODAY), "out_address": "1 New St"},
    )
    assert done.ok and any("joint tenant" in step for step in done.next_steps)


def test_another_residents_household_member_cannot_be_reported_as_having_died(db, home):
    done = _tell(db, home.zed, household.DEATH, {"died_person": home.member, **_date("died_date", TODAY)})

    assert done.errors == {"died_person": "Select who has died"} and _requests(db) == 0


def test_a_death_is_met_with_sympathy_and_says_what_happens_to_the_tenancy_and_the_rent(db, home):
    done = _tell(db, home.ann, household.DEATH, {"died_person": home.joint, **_date("died_date", date(2026, 11, 30))})

    assert done.ok
    assert done.next_steps[0] == "We are very sorry for your loss."
    words = " ".join(done.next_steps)
    assert "the tenancy passes to you" in words and "rent account stays open" in words and "Tell Us Once" in words


def _pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_birth_with_a_certificate_lands_in_the_queue_with_its_evidence_attached(db, home):
    with Session(db) as s:
        checked = evidence.clean(_pdf(), filename="birth-certificate.pdf")
        evidence.add_draft(s, home.ann.user_id, checked, "birth-certificate.pdf", now=NOW)
        s.commit()

    done = _tell(db, home.ann, household.BIRTH, {"baby_name": "Ada Lee", **_date("baby_dob", date(2026, 11, 28))})

    assert done.ok and done.evidence_count == 1
    with Session(db) as s:
        request = s.exec(select(MoneyRequest)).one()
        [sent] = s.exec(select(RequestEvidence)).all()
        tom = make_staff(s, "housing_officer", name="Tom Reid")
        s.commit()
        queue = request_queue(s, tom.id, QueueFilters(kind="household_change"), now=NOW, settings=SETTINGS)
        assert [(r.reference, r.summary) for r in queue.rows] == [(done.reference, "Birth: Ada Lee")]
        assert sent.request_id == request.id and sent.data == _pdf()
        assert [a.name for a in evidence.for_request(s, request.id)] == ["birth-certificate.pdf"]
        assert evidence.drafts(s, home.ann.user_id, now=NOW) == []  # nothing left to attach twice


def test_a_household_change_is_refused_for_someone_without_a_home_here(db, home):
    stranger = SimpleNamespace(user_id=home.ann.user_id, person_id=home.ann.person_id, tenancy_id=home.zed.tenancy_id)

    assert _tell(db, stranger, household.BIRTH, {"baby_name": "X", **_date("baby_dob", TODAY)}).errors
    assert _requests(db) == 0


def test_a_national_insurance_number_is_written_as_hmrc_writes_it_and_impossible_ones_are_refused():
    assert household.normalise_ni(" ab 12 34 56 c ") == "AB123456C"
    for wrong in ("QQ123456C", "AB123456", "DQ123456A", "GB123456A", "QQ123456E", "QQ12345A"):
        assert household.normalise_ni(wrong) is None
