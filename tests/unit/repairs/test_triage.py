"""The repairs triage tree (services/repairs/triage.py): the bundled tree passes its own
schema check and holds the paths the pages and browser tests rely on; the check refuses a
broken tree with every problem and where it is; a landlord's own file is loaded, and a
broken one stops with every problem listed; a path from a browser that is not a leaf finds
nothing, without an exception."""

from __future__ import annotations

import copy
import json
import os

import pytest

from portal_app.services.repairs import triage
from portal_app.services.repairs.triage import PRIORITY_WORDS, TriageError


def bundled_data() -> dict:
    return json.loads(triage.BUNDLED_FILE.read_text(encoding="utf-8"))


def small_tree() -> dict:
    """A landlord's smallest sensible tree: one of each outcome."""
    return {
        "version": 3,
        "emergencies": [
            {"id": "gas_smell", "label": "You can smell gas", "kind": "gas"},
            {"id": "flooding", "label": "Your home is flooding", "kind": "emergency", "right_to_repair_days": 1},
        ],
        "areas": [
            {
                "id": "kitchen",
                "label": "Kitchen",
                "scope": "home",
                "elements": [
                    {
                        "id": "taps",
                        "label": "Taps",
                        "problems": [
                            {
                                "id": "leaking_tap",
                                "label": "A tap is dripping",
                                "outcome": "report",
                                "priority": "routine",
                                "sor_code": "X-100",
                            },
                            {
                                "id": "blocked_sink",
                                "label": "The sink is blocked",
                                "outcome": "not_ours",
                                "why": "Clear it.",
                            },
                        ],
                    },
                    {
                        "id": "walls",
                        "label": "Walls",
                        "problems": [{"id": "damp_mould", "label": "Damp or mould", "outcome": "damp_mould"}],
                    },
                ],
            },
            {
                "id": "communal",
                "label": "Shared areas",
                "scope": "communal",
                "elements": [
                    {
                        "id": "safety",
                        "label": "Safety",
                        "problems": [
                            {"id": "asbestos", "label": "Asbestos", "outcome": "contact_us", "why": "Call us first."}
                        ],
                    }
                ],
            },
        ],
    }


def tap(tree: dict) -> dict:  # areas[0].elements[0].problems[0], kitchen/taps/leaking_tap
    return tree["areas"][0]["elements"][0]["problems"][0]


def sink(tree: dict) -> dict:  # areas[0].elements[0].problems[1], kitchen/taps/blocked_sink
    return tree["areas"][0]["elements"][0]["problems"][1]


TAP_AT = "areas[0].elements[0].problems[0] (kitchen/taps/leaking_tap)"
SINK_AT = "areas[0].elements[0].problems[1] (kitchen/taps/blocked_sink)"


# The bundled tree ------------------------------------------------------------------------------


def test_the_bundled_tree_passes_its_schema_check():
    assert triage.check(bundled_data()) == []
    tree = triage.load()
    assert tree.source == str(triage.BUNDLED_FILE)
    assert 8 <= len(tree.areas) <= 12
    assert 40 <= len(tree.leaves()) <= 75
    assert {area.scope for area in tree.areas} == {"home", "communal", "outside"}
    assert {leaf.outcome for leaf in tree.leaves()} == set(triage.OUTCOMES)


def test_every_leaf_is_reachable_from_an_area_and_no_element_is_a_dead_end():
    tree = triage.load()
    walked = []
    for area in tree.areas:
        assert area.elements, area.id
        for element in area.elements:
            assert element.problems, f"{area.id}/{element.id}"
            for leaf in element.problems:
                walked.append(leaf)
                assert tree.leaf(leaf.path) is leaf
                assert tree.element(area.id, element.id).leaf(leaf.id) is leaf
                assert leaf.path == f"{area.id}/{element.id}/{leaf.id}"
                assert (leaf.area_label, leaf.element_label) == (area.label, element.label)
    assert tuple(walked) == tree.leaves()
    # And the check refuses a dead end: an element with no problem, an area with no element.
    broken = small_tree()
    broken["areas"][0]["elements"][1]["problems"] = []
    broken["areas"][1]["elements"] = []
    assert triage.check(broken) == [
        "areas[0].elements[1] (kitchen/walls): 'problems' is empty: an element needs at least one problem",
        "areas[1] (communal): 'elements' is empty: an area needs at least one element",
        "areas: no problem has outcome 'damp_mould': residents must always be able to report damp and mould",
    ]


def test_the_leaking_tap_and_the_damp_and_mould_paths_exist():
    tree = triage.load()
    tap_leaf = tree.leaf("kitchen/taps/leaking_tap")
    assert tap_leaf is not None
    assert (tap_leaf.outcome, tap_leaf.priority, tap_leaf.priority_words) == ("report", "routine", "Routine")
    assert tap_leaf.offers_form and tap_leaf.sor_code
    damp = tree.leaf("bathroom/walls_ceiling/damp_mould")
    assert damp is not None
    assert (damp.outcome, damp.priority, damp.is_damp_mould, damp.offers_form) == ("damp_mould", "urgent", True, True)
    # Damp and mould can be reported from every room of the home.
    for room in ("kitchen", "bathroom", "bedroom", "living_room", "hallway_stairs"):
        assert any(leaf.is_damp_mould for leaf in tree.leaves() if leaf.area_id == room), room


def test_the_emergencies_come_first_and_cover_what_cannot_wait():
    tree = triage.load()
    assert {e.id for e in tree.emergencies} >= {
        "gas_smell",
        "carbon_monoxide",
        "no_heating_or_hot_water",
        "no_water",
        "no_electricity",
        "water_near_electrics",
        "home_not_secure",
        "exposed_wires",
        "smoke_alarm",
        "flooding",
    }
    heating = tree.emergency("no_heating_or_hot_water")
    assert "October and April" in heating.label  # winter only: the rest of the year it is a repair
    assert heating.offers_form and not heating.is_gas
    assert tree.emergency("nonsense") is None and tree.emergency(["gas_smell"]) is None


def test_the_gas_path_offers_no_form_only_the_gas_emergency_number():
    tree = triage.load()
    assert [e.id for e in tree.gas_emergencies] == ["gas_smell", "carbon_monoxide"]
    assert all(e.is_gas and not e.offers_form and e.right_to_repair_days is None for e in tree.gas_emergencies)
    assert (tree.gas_service, tree.gas_phone) == ("National Gas Emergency Service", "0800 111 999")
    assert tree.leaf("gas_smell") is None  # an emergency is no leaf: there is no form to reach
    # A tree that names none uses the national number; one with no gas emergency is refused.
    assert triage.parse(json.dumps(small_tree())).gas_phone == "0800 111 999"
    no_gas = small_tree()
    no_gas["emergencies"][0]["kind"] = "emergency"
    assert triage.check(no_gas) == [
        "emergencies: none has kind 'gas': a smell of gas must send residents to the gas emergency number"
    ]
    logged_gas = small_tree()
    logged_gas["emergencies"][0]["right_to_repair_days"] = 1
    assert triage.check(logged_gas) == [
        "emergencies[0] (gas_smell): a gas emergency is never logged, so it takes no right_to_repair_days"
    ]


def test_every_priority_has_words_for_residents():
    assert PRIORITY_WORDS == {
        "emergency": "Emergency",
        "urgent": "Urgent",
        "routine": "Routine",
        "planned": "Planned work",
    }
    for leaf in triage.load().leaves():
        if leaf.offers_form:
            assert leaf.priority_words == PRIORITY_WORDS[leaf.priority]
        else:
            assert (leaf.priority, leaf.priority_words, leaf.sor_code) == (None, "", None)
            assert leaf.why


# The schema check ------------------------------------------------------------------------------


def test_a_report_leaf_without_a_priority_is_refused_with_where_it_is():
    tree = small_tree()
    del tap(tree)["priority"]
    assert triage.check(tree) == [f"{TAP_AT}: outcome 'report' needs a priority (emergency, urgent, routine, planned)"]
    tap(tree)["priority"] = "soon"
    assert triage.check(tree) == [f"{TAP_AT}: priority 'soon' is not one of emergency, urgent, routine, planned"]


def test_not_ours_and_contact_us_need_a_why_and_take_no_priority():
    tree = small_tree()
    del sink(tree)["why"]
    sink(tree)["priority"] = "routine"
    tree["areas"][1]["elements"][0]["problems"][0]["why"] = "   "
    assert triage.check(tree) == [
        f"{SINK_AT}: outcome 'not_ours' needs a why: the words telling the resident why no repair is raised",
        f"{SINK_AT}: outcome 'not_ours' raises no repair, so it takes no priority",
        "areas[1].elements[0].problems[0] (communal/safety/asbestos): 'why' is empty",
    ]
    misplaced = small_tree()
    tap(misplaced)["why"] = "Because."
    assert triage.check(misplaced) == [
        f"{TAP_AT}: outcome 'report' takes no why (that is for not_ours and contact_us): use hint"
    ]


def test_damp_and_mould_is_always_urgent_and_always_reachable():
    assert triage.parse(json.dumps(small_tree())).leaf("kitchen/walls/damp_mould").priority == "urgent"
    tree = small_tree()
    tree["areas"][0]["elements"][1]["problems"][0]["priority"] = "routine"
    assert triage.check(tree) == [
        "areas[0].elements[1].problems[0] (kitchen/walls/damp_mould): outcome 'damp_mould' is always urgent "
        "(Awaab's Law): leave out priority or make it 'urgent'"
    ]
    tree["areas"][0]["elements"][1]["problems"][0]["outcome"] = "report"
    assert triage.check(tree)[-1] == (
        "areas: no problem has outcome 'damp_mould': residents must always be able to report damp and mould"
    )


def test_an_unknown_key_or_a_duplicate_id_is_refused():
    tree = small_tree()
    tap(tree)["priorty"] = "routine"  # a typo
    tap(tree)["_note"] = "the landlord's own note: allowed"
    sink(tree)["id"] = "leaking_tap"
    tree["areas"][1]["id"] = "kitchen"
    tree["emergencies"][1]["id"] = "gas_smell"
    problems = triage.check(tree)
    assert problems == [
        "emergencies[1] (gas_smell): id 'gas_smell' is already used by another emergency here, emergencies[0] (gas_smell)",
        f"{TAP_AT}: 'priorty' is not a key used here (a typo?): use id, label, outcome, priority, sor_code, "
        "right_to_repair_days, why, hint",
        "areas[0].elements[0].problems[1] (kitchen/taps/leaking_tap): id 'leaking_tap' is already used by another "
        f"problem here, {TAP_AT}",
        "areas[1] (kitchen): id 'kitchen' is already used by another area here, areas[0] (kitchen)",
    ]
    # The same id in different places is fine: ids are unique among siblings, so paths are unique.
    assert triage.check(bundled_data()) == [] and triage.load().leaf("bathroom/bath_shower_basin/leaking_tap")
    # A key given twice in one object is refused too (JSON would silently keep the last).
    text = json.dumps(small_tree()).replace('"priority": "routine"', '"priority": "routine", "priority": "planned"')
    with pytest.raises(TriageError) as refused:
        triage.parse(text)
    assert refused.value.problems == [f"{TAP_AT}: 'priority' is given twice (JSON would keep only the last)"]


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda t: t.update(version=0), "the file: version 0 must be a whole number, 1 or more"),
        (lambda t: t.update(version="1"), "the file: version '1' must be a whole number, 1 or more"),
        (lambda t: t.pop("areas"), "the file: 'areas' is missing"),
        (lambda t: t.update(areas={}), "the file: 'areas' must be a list in square brackets"),
        (lambda t: t["areas"].append("bathroom"), "areas[2]: must be an object in {}"),
        (
            lambda t: t["areas"][1].update(scope="garden"),
            "areas[1] (communal): scope 'garden' is not one of home, communal, outside",
        ),
        (
            lambda t: t["emergencies"][1].update(kind="urgent"),
            "emergencies[1] (flooding): kind 'urgent' is not one of gas, emergency",
        ),
        (
            lambda t: tap(t).update(outcome="fix"),
            f"{TAP_AT}: outcome 'fix' is not one of report, damp_mould, not_ours, contact_us",
        ),
        (lambda t: tap(t).update(right_to_repair_days=2), f"{TAP_AT}: right_to_repair_days 2 is not one of 1, 3, 7"),
        (
            lambda t: tap(t).update(sor_code="60 30 11"),
            f"{TAP_AT}: sor_code '60 30 11' must be text of letters, digits, '.', '/' or '-', at most 20",
        ),
        (
            lambda t: sink(t).update(sor_code="631201"),
            f"{SINK_AT}: outcome 'not_ours' raises no repair, so it takes no sor_code",
        ),
        (
            lambda t: tap(t).update(id="Leaking-Tap"),
            "areas[0].elements[0].problems[0] (kitchen/taps/?): id 'Leaking-Tap' must be lower_snake_case (small letters, digits and single underscores, starting with a letter), at most 40 characters",
        ),
        (lambda t: tap(t).pop("id"), "areas[0].elements[0].problems[0] (kitchen/taps/?): 'id' is missing"),
        (lambda t: tap(t).update(label=""), f"{TAP_AT}: 'label' is empty"),
        (lambda t: tap(t).update(label=7), f"{TAP_AT}: 'label' must be text in quotes"),
        (lambda t: tap(t).update(label="A" * 121), f"{TAP_AT}: 'label' is 121 characters long: at most 120"),
        (lambda t: tap(t).update(label="A tap\nis dripping"), f"{TAP_AT}: 'label' must be one line"),
        (lambda t: tap(t).update(hint="H" * 501), f"{TAP_AT}: 'hint' is 501 characters long: at most 500"),
        (
            lambda t: sink(t).update(label=" a tap IS dripping "),
            f"{SINK_AT}: label 'a tap IS dripping' is already used by another problem here, {TAP_AT}",
        ),
        (
            lambda t: t.update(gas_emergency={"service": "Gas", "phone": "call now"}),
            "gas_emergency: phone 'call now' must be a phone number: digits and spaces",
        ),
    ],
)
def test_values_outside_the_allowed_words_are_refused(change, problem):
    tree = small_tree()
    change(tree)
    assert triage.check(tree) == [problem]


def test_a_file_that_is_not_one_object_is_refused_not_crashed_on():
    assert triage.check([]) == ["the file: must be one JSON object in {}, with version, emergencies and areas"]  # type: ignore[arg-type]
    with pytest.raises(TriageError) as refused:
        triage.parse('{"version": 1,')
    assert refused.value.problems[0].startswith("line 1, column 15: not valid JSON")


# Paths from a browser --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        None,
        42,
        ["kitchen", "taps", "leaking_tap"],
        {"path": "kitchen/taps/leaking_tap"},
        "",
        "kitchen",
        "kitchen/taps",
        "kitchen/taps/",
        "kitchen/taps/leaking_tap/",
        "/kitchen/taps/leaking_tap",
        "kitchen/taps/leaking_tap/more",
        "Kitchen/Taps/Leaking_Tap",
        " kitchen/taps/leaking_tap",
        "kitchen/taps/leaking_tap\x00",
        "../kitchen/taps/leaking_tap",
        "kitchen//leaking_tap",
        "kitchen\\taps\\leaking_tap",
        "kitchen/taps/nothing",
        "kitchen/" * 5000 + "leaking_tap",
    ],
)
def test_an_unknown_or_malformed_path_from_a_browser_finds_nothing(path):
    tree = triage.load()
    assert tree.leaf(path) is None
    assert tree.area(path) is None or path == "kitchen"  # an area, but no leaf
    assert tree.element(path, path) is None
    assert tree.element("kitchen", path) is None
    assert tree.emergency(path) is None


# A landlord's own file -------------------------------------------------------------------------


def test_a_landlords_own_file_is_loaded_and_a_broken_one_stops_with_every_problem_listed(tmp_path):
    own = tmp_path / "our-triage.json"
    own.write_text(json.dumps(small_tree(), indent=2), encoding="utf-8")
    tree = triage.load(own)
    assert (tree.version, tree.source, len(tree.leaves())) == (3, str(own), 4)
    assert tree.leaf("kitchen/taps/leaking_tap").sor_code == "X-100"
    assert tree.leaf("communal/safety/asbestos").communal
    assert triage.load(str(own)) is tree  # read once per version of the file
    assert triage.load("") == triage.load(None) == triage.load()  # empty: the bundled tree

    broken = small_tree()
    del tap(broken)["priority"]
    sink(broken)["outcom"] = "not_ours"
    broken["emergencies"] = [{"id": "flooding", "label": "Flooding", "kind": "emergency"}]
    own.write_text(json.dumps(broken), encoding="utf-8")
    with pytest.raises(TriageError) as refused:
        triage.load(own)
    assert isinstance(refused.value, ValueError)
    assert refused.value.problems == [
        "emergencies: none has kind 'gas': a smell of gas must send residents to the gas emergency number",
        f"{TAP_AT}: outcome 'report' needs a priority (emergency, urgent, routine, planned)",
        f"{SINK_AT}: 'outcom' is not a key used here (a typo?): use id, label, outcome, priority, sor_code, "
        "right_to_repair_days, why, hint",
    ]
    message = str(refused.value)
    assert message.startswith(f"The repairs triage file {own} cannot be used: 3 problems to fix:\n- ")
    assert all(f"- {problem}" in message for problem in refused.value.problems)

    with pytest.raises(TriageError, match="cannot be read"):
        triage.load(tmp_path / "missing.json")
    own.write_bytes(b"\xff\xfe{}")
    with pytest.raises(TriageError, match="not UTF-8"):
        triage.load(own)


def test_a_file_edited_in_place_is_read_again(tmp_path):
    own = tmp_path / "triage.json"
    tree = small_tree()
    own.write_text(json.dumps(tree), encoding="utf-8")
    first = triage.load(own)
    changed = copy.deepcopy(tree)
    tap(changed)["label"] = "A tap is dripping or leaking"
    own.write_text(json.dumps(changed), encoding="utf-8")
    stat = own.stat()
    os.utime(own, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert triage.load(own).leaf("kitchen/taps/leaking_tap").label == "A tap is dripping or leaking"
    assert first.leaf("kitchen/taps/leaking_tap").label == "A tap is dripping"
    # A byte order mark (Windows Notepad's UTF-8) is fine.
    own.write_bytes(b"\xef\xbb\xbf" + json.dumps(tree).encode())
    assert triage.load(own).version == 3
