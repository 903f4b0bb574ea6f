"""Asking permission (services/tenancy/permissions.py): the landlord's policy file and its
check, every kind's questions, the messages for each answer, the request landing in the
housing officer's queue with its target, the decision and its conditions or reasons
reaching the resident, and who may ask (a tenant, not a household member or a stranger)."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from portal_app.models import MoneyRequest, OutboxMessage
from portal_app.services.requests import office, targets
from portal_app.services.requests.common import NotYours
from portal_app.services.requests.office import QueueFilters, request_queue
from portal_app.services.requests.resident import my_requests, request_detail
from portal_app.services.tenancy import permissions
from portal_app.settings import get_settings

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # Monday 30 November 2026
TODAY = date(2026, 11, 30)
SETTINGS = dataclasses.replace(get_settings(), allow_former_tenants=False)
PET = {
    "animal": "A dog",
    "breed": "Labrador",
    "how_many": "1",
    "where": "Indoors, with walks in the park",
    "neutered": "yes",
    "microchipped": "yes",
}


def _file_data() -> dict:
    return json.loads(permissions.BUNDLED_FILE.read_text(encoding="utf-8"))


@pytest.fixture
def housing(records):
    return records.officer(name="Hana Osei", role="housing_officer")


@pytest.fixture
def hana(records, housing):
    """The housing officer in the back office, linked to the feed's officer."""
    return records.staff("housing_officer", name="Hana Osei", officer=housing)


@pytest.fixture
def ann(records, housing):
    who = records.resident(officer=records.officer(), ref="RENT00420042")
    who.tenancy.housing_officer_id = housing.id
    return who


def _caller(who):
    return dataclasses.replace(_Caller(), **who.principal)


@dataclasses.dataclass
class _Caller:
    user_id: int = 0
    person_id: int = 0
    tenancy_id: int = 0


def _ask(session, who, kind="pet", answers=None, now=NOW):
    return permissions.ask(session, _caller(who), kind, PET if answers is None else answers, now=now, settings=SETTINGS)


# --- the policy file -------------------------------------------------------------------


def test_the_bundled_policy_covers_the_five_kinds_each_with_its_main_points_and_questions():
    policy = permissions.load()

    assert [k.id for k in policy.kinds] == ["pet", "alteration", "business", "lodger", "vehicle"]
    for kind in policy.kinds:
        assert kind.title and kind.covers and kind.summary.startswith("Permission to ")
        assert len(kind.points) >= 3
        assert any(q.required for q in kind.questions)
        for q in kind.questions:
            assert q.kind in permissions.QUESTION_KINDS and q.label
            assert (q.error != "") == q.required
            assert (len(q.options) >= 2) == (q.kind == "radio")
    pet = policy.kind("pet")
    assert [q.id for q in pet.questions][:6] == ["animal", "breed", "how_many", "where", "neutered", "microchipped"]
    assert any("Dangerous Dogs Act" in p for p in pet.points)
    assert any("one cat or one small dog" in p for p in pet.points)
    assert any("Gas Safe" in p for p in policy.kind("alteration").points)
    assert any("Housing Benefit or Universal Credit" in p for p in policy.kind("lodger").points)
    assert {q.kind for q in policy.kind("lodger").questions} >= {"text", "date"}


def test_a_kind_the_policy_does_not_have_is_none_whatever_the_browser_sends():
    policy = permissions.load()

    for odd in ("", "dragon", None, 3, ["pet"], {"id": "pet"}, "pet " * 1000):
        assert policy.kind(odd) is None


def test_a_policy_file_with_mistakes_is_refused_with_every_problem_and_where():
    data = _file_data()
    broken = copy.deepcopy(data)
    broken["kinds"][0]["questions"][0]["kind"] = "checkbox"
    broken["kinds"][0]["questions"][1]["colour"] = "red"
    broken["kinds"][1]["questions"][3]["options"] = [{"value": "yes", "label": "Yes"}]
    broken["kinds"][2]["questions"][0].pop("error")
    del broken["kinds"][4]

    policy, problems = permissions.check(broken)

    assert policy is None
    assert "kinds[0] (pet).questions[0].kind: must be one of text, textarea, radio, date" in problems
    assert "kinds[0] (pet).questions[1]: unknown key 'colour'" in problems
    assert "kinds[1] (alteration).questions[3].options: a radio question needs at least 2 options" in problems
    assert "kinds[2] (business).questions[0].error: must not be empty" in problems
    assert "kinds: 'vehicle' is missing" in problems
    assert permissions.check(data)[1] == []


def test_loading_a_broken_file_stops_with_the_list_and_an_edited_file_is_read_again(tmp_path):
    file = tmp_path / "permissions.json"
    data = _file_data()
    data["kinds"][0]["title"] = "Keep an animal"
    file.write_text(json.dumps(data), encoding="utf-8")
    assert permissions.load(file).kind("pet").title == "Keep an animal"

    data["kinds"][0]["points"] = []
    file.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(permissions.PolicyError) as refused:
        permissions.load(file)
    assert "kinds[0] (pet).points: must list the policy's main points" in refused.value.problems

    file.write_text('{"version": 1, "version": 2, "kinds": []}', encoding="utf-8")
    with pytest.raises(permissions.PolicyError, match="given twice"):
        permissions.load(file)


# --- the answers -----------------------------------------------------------------------


def test_every_required_question_unanswered_has_its_own_message_and_optional_ones_none():
    pet = permissions.load().kind("pet")

    lines, errors = permissions.check_answers(pet, {}, today=TODAY)

    assert lines == []
    assert errors == {
        "animal": "Enter what kind of animal it is",
        "breed": "Enter its breed, or say you do not know",
        "how_many": "Enter how many animals you want to keep",
        "where": "Enter where it will live and sleep",
        "neutered": "Select whether it is neutered or spayed",
        "microchipped": "Select whether it is microchipped",
    }


def test_good_answers_become_lines_in_the_order_asked_with_the_options_words():
    pet = permissions.load().kind("pet")

    lines, errors = permissions.check_answers(pet, {**PET, "neutered": "planned", "animal": "  A   dog "}, today=TODAY)

    assert errors == {}
    assert lines[0] == ("What kind of animal is it?", "A dog")
    assert ("Is it neutered or spayed?", "Not yet, but it will be") in lines
    assert all(label != "Anything else we should know?" for label, _ in lines)  # optional, not answered


def test_a_radio_value_that_is_not_an_option_and_an_over_long_answer_are_refused():
    pet = permissions.load().kind("pet")

    _, errors = permissions.check_answers(
        pet, {**PET, "neutered": "maybe", "where": "x" * (permissions.TEXTAREA_MAX + 1)}, today=TODAY
    )

    assert errors == {
        "neutered": "Select whether it is neutered or spayed",
        "where": f"Your answer must be {permissions.TEXTAREA_MAX} characters or fewer",
    }


def test_a_date_must_be_real_and_not_in_the_past_and_is_shown_in_words():
    lodger = permissions.load().kind("lodger")
    answers = {"who": "Sam Green", "relationship": "A friend", "rent": "£90 a week", "room": "The back bedroom"}

    def date_error(day, month, year):
        _, errors = permissions.check_answers(
            lodger, {**answers, "from_day": day, "from_month": month, "from_year": year}, today=TODAY
        )
        return errors.get("from")

    assert date_error("", "", "") == "Enter the date they will move in"
    assert date_error("31", "2", "2027") == "The date must be a real date"
    assert date_error("1", "", "2027") == "The date must include a month"
    assert date_error("29", "11", "2026") == "The date must be today or in the future"
    assert date_error("30", "11", "2026") is None
    lines, _ = permissions.check_answers(
        lodger, {**answers, "from_day": "1", "from_month": "2", "from_year": "2027"}, today=TODAY
    )
    assert ("When will they move in?", "1 February 2027") in lines


def test_answers_that_are_not_text_count_as_not_given():
    pet = permissions.load().kind("pet")

    _, errors = permissions.check_answers(pet, {**PET, "animal": ["a dog"], "neutered": {"x": 1}}, today=TODAY)

    assert set(errors) == {"animal", "neutered"}


# --- asking ----------------------------------------------------------------------------


def test_asking_makes_a_permission_request_in_the_housing_officers_queue_with_its_target(session, ann, hana):
    asked = _ask(session, ann)

    assert asked.ok
    ack = asked.result.acknowledgement
    assert asked.reply_words == "We aim to reply within 10 working days, by 14 December 2026."
    assert asked.reply_words in ack.next_steps
    request = session.query(MoneyRequest).one()
    assert (request.kind, request.summary, request.assigned_staff_id) == (
        "permission",
        "Permission to keep a pet",
        hana.id,
    )
    assert json.loads(request.details)["permission"] == "pet"
    [row] = request_queue(session, hana.id, QueueFilters(), now=NOW, settings=SETTINGS).rows
    assert (row.reference, row.summary) == (ack.reference, "Permission to keep a pet")
    assert row.target == targets.target_days("permission", SETTINGS) == 10
    staff_view = office.open_request(session, ack.reference, staff_id=hana.id, now=NOW, settings=SETTINGS)
    assert ("What breed is it?", "Labrador") in [(line.label, line.value) for line in staff_view.lines]
    detail = request_detail(session, ann.user.id, ack.reference)
    assert ("Is it microchipped?", "Yes") in [(line.label, line.value) for line in detail.lines]
    [mail] = session.query(OutboxMessage).filter(OutboxMessage.kind == "request_received").all()
    assert ack.reference in mail.body_text and "14 December 2026" in mail.body_text


def test_with_errors_nothing_is_written(session, ann):
    asked = _ask(session, ann, answers={**PET, "animal": ""})

    assert not asked.ok and asked.result.errors == {"animal": "Enter what kind of animal it is"}
    assert session.query(MoneyRequest).count() == 0 and session.query(OutboxMessage).count() == 0


def test_a_household_member_who_is_not_a_tenant_cannot_ask(session, records, ann):
    son = records.person("Kit", "Lee")
    records.party(ann.tenancy, son, "household_member")
    kit = records.user(son, ann.tenancy, email="kit@example.org")
    settings = dataclasses.replace(SETTINGS, eligible_roles=(*SETTINGS.eligible_roles, "household_member"))
    caller = _Caller(kit.id, son.id, ann.tenancy.id)

    assert permissions.may_ask(session, caller, today=TODAY, settings=settings) is False
    assert permissions.may_ask(session, _caller(ann), today=TODAY, settings=settings) is True
    with pytest.raises(permissions.NotATenant):
        permissions.ask(session, caller, "pet", PET, now=NOW, settings=settings)
    assert session.query(MoneyRequest).count() == 0


def test_a_former_tenant_cannot_ask(session, ann):
    ann.tenancy.end_date = TODAY - timedelta(days=1)

    with pytest.raises(permissions.NotATenant):
        _ask(session, ann)


def test_another_residents_tenancy_is_refused_and_nothing_is_written(session, records, ann):
    bob = records.resident(email="bob@example.org", first="Bob", ref="RENT00770077")
    mixed = _Caller(ann.user.id, ann.person.id, bob.tenancy.id)

    with pytest.raises((NotYours, permissions.NotATenant)):
        permissions.ask(session, mixed, "pet", PET, now=NOW, settings=SETTINGS)
    with pytest.raises(LookupError):
        _ask(session, ann, kind="dragon")
    assert session.query(MoneyRequest).count() == 0


# --- the decision ----------------------------------------------------------------------


def test_permission_given_reaches_the_resident_with_the_officers_conditions(session, ann, hana):
    ref = _ask(session, ann).result.acknowledgement.reference
    later = NOW + timedelta(days=2)

    decided = office.decide_request(
        session,
        ref,
        decision=office.APPROVE,
        note="Keep the dog on a lead in the shared garden.",
        staff_id=hana.id,
        now=later,
        settings=SETTINGS,
    )

    assert decided.ok
    [mine] = permissions.my_permissions(session, ann.user.id, settings=SETTINGS)
    assert (mine.title, mine.decision_words, mine.said, mine.decided_on) == (
        "Keep a pet",
        "Permission given",
        "Keep the dog on a lead in the shared garden.",
        "2 December 2026",
    )
    [update] = [m for m in session.query(OutboxMessage).all() if m.kind == "request_updated"]
    assert update.to_address == ann.user.email and ref in update.body_text
    assert "We have added a message for you" in update.body_text
    assert [r.status_label for r in my_requests(session, ann.user.id)] == ["Completed"]


def test_permission_refused_needs_reasons_and_the_resident_sees_them_and_how_to_ask_again(session, ann, hana):
    ref = _ask(session, ann).result.acknowledgement.reference

    no_reason = office.decide_request(
        session, ref, decision=office.DECLINE, note="  ", staff_id=hana.id, now=NOW, settings=SETTINGS
    )
    assert no_reason.errors == {"note": "Say why you are declining this request"}
    assert permissions.my_permissions(session, ann.user.id, settings=SETTINGS)[0].decision == "waiting"

    office.decide_request(
        session,
        ref,
        decision=office.DECLINE,
        note="Your block has a shared entrance and you already keep two cats.",
        staff_id=hana.id,
        now=NOW,
        settings=SETTINGS,
    )

    [mine] = permissions.my_permissions(session, ann.user.id, settings=SETTINGS)
    assert mine.decision_words == "Permission refused"
    assert mine.said == "Your block has a shared entrance and you already keep two cats."
    assert "ask again" in mine.next_words and "complaint" in mine.next_words


def test_a_request_waiting_for_a_decision_says_when_we_aim_to_reply(session, ann):
    _ask(session, ann)

    [mine] = permissions.my_permissions(session, ann.user.id, settings=SETTINGS)

    assert (mine.decision_words, mine.said, mine.decided_on) == ("Waiting for a decision", "", "")
    assert mine.next_words == "We aim to reply within 10 working days, by 14 December 2026."


def test_another_residents_permission_requests_are_not_listed(session, records, ann):
    bob = records.resident(email="bob@example.org", first="Bob", ref="RENT00770077")
    _ask(session, bob)

    assert permissions.my_permissions(session, ann.user.id, settings=SETTINGS) == []
    assert len(permissions.my_permissions(session, bob.user.id, settings=SETTINGS)) == 1
