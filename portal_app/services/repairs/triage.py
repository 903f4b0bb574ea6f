"""The repairs triage tree: the questions a resident answers to report a repair, kept as data
the landlord can edit (``portal_app/data/repairs/triage.json``; ``docs/repairs-triage.md``
describes every key).

The rules:

- **Emergencies first.** Before anything else the resident sees the list of emergencies. An
  emergency of kind ``gas`` (a smell of gas, a carbon monoxide alarm) offers no form at all:
  only the gas emergency service's number (the file's ``gas_emergency``, the National Gas
  Emergency Service's 0800 111 999 when it says none), because a gas leak is for the gas
  network to make safe, not for the landlord. An emergency of kind ``emergency`` shows the
  landlord's emergency number (a setting) and can still be logged.
- **Then where, what, and the problem.** An *area* of the home (its ``scope``: ``home``, a
  room or the whole home; ``communal``, the shared parts of a block; ``outside``), an
  *element* in it (taps, the roof), then a *problem*: a leaf, with one outcome.
  ``report``: a repair is raised with the leaf's ``priority`` (emergency, urgent, routine or
  planned), and its ``sor_code`` (the landlord's schedule of rates code for the job; the
  bundled codes are examples) and ``right_to_repair_days`` (1, 3 or 7: the Right to Repair
  Regulations 1994's period for a qualifying repair) when it has them. ``damp_mould``: a
  damp and mould report, always urgent and always an Awaab's Law case (``targets.py``).
  ``not_ours``: the resident's own responsibility (their appliance, a light bulb, their
  garden); ``why`` says so in plain words and no repair is raised. ``contact_us``: something
  a form cannot decide (asbestos, adaptations, pests); ``why`` says what happens next.
- **A leaf's path** is its three ids, ``area/element/problem`` (``kitchen/taps/leaking_tap``):
  what the browser sends back and what a repair records. Ids are lower_snake_case, unique
  among their siblings, so every path is unique. ``Triage.leaf`` answers ``None`` for any
  path it does not know, however malformed, and never raises: the path comes from a browser.
- **The schema check** (``check``) refuses a tree a resident could get lost in, listing every
  problem with where it is: a missing, mistyped or unknown key (a typo in a key is refused,
  not ignored; keys starting with ``_`` are notes and are skipped), a key given twice in one
  object, a value outside its allowed words, a duplicate id or label among siblings, an
  empty or over-long label (120 characters; hints and whys 500), an area with no element
  or an element with no problem (a dead end), a ``report`` without a priority, a
  ``not_ours`` or ``contact_us`` without a ``why`` or with a priority, no gas emergency,
  and no ``damp_mould`` leaf (damp and mould must always be reportable).
- ``load`` reads the bundled file, or the landlord's own (the setting
  ``REPAIRS_TRIAGE_FILE``), once per version of the file (its modification time and size),
  and raises ``TriageError`` listing every problem when the check fails, so the portal
  stops at start-up with a clear message instead of showing residents a broken tree.

No database, no reflex: plain functions over a JSON file and small frozen dataclasses.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from portal_app.services.repairs.targets import PRIORITIES, PRIORITY_WORDS, RIGHT_TO_REPAIR_PERIODS, URGENT

BUNDLED_FILE = Path(__file__).resolve().parents[2] / "data" / "repairs" / "triage.json"

# What a leaf leads to.
REPORT, DAMP_MOULD, NOT_OURS, CONTACT_US = "report", "damp_mould", "not_ours", "contact_us"
OUTCOMES = (REPORT, DAMP_MOULD, NOT_OURS, CONTACT_US)
OFFERS_FORM = frozenset({REPORT, DAMP_MOULD})  # the outcomes that raise a repair
# Where an area is.
SCOPES = ("home", "communal", "outside")
# What an emergency is: gas goes to the gas emergency service only; emergency can be logged.
GAS, EMERGENCY = "gas", "emergency"
KINDS = (GAS, EMERGENCY)

GAS_EMERGENCY_SERVICE = "National Gas Emergency Service"
GAS_EMERGENCY_PHONE = "0800 111 999"

LABEL_MAX = 120  # a label is one line a resident reads in a list
TEXT_MAX = 500  # a hint or a why: a sentence or three
ID_MAX = 40
PATH_MAX = 3 * ID_MAX + 2

_ID = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_SOR_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./-]{0,19}$")  # the repair's sor_code column holds 20
_PHONE = re.compile(r"^\+?[0-9][0-9 ]{4,18}[0-9]$")

# The keys of each object: required, then optional. Anything else is refused (a typo).
_TOP_KEYS = (("version", "emergencies", "areas"), ("gas_emergency",))
_GAS_KEYS = (("service", "phone"), ())
_EMERGENCY_KEYS = (("id", "label", "kind"), ("hint", "right_to_repair_days"))
_AREA_KEYS = (("id", "label", "scope", "elements"), ("hint",))
_ELEMENT_KEYS = (("id", "label", "problems"), ("hint",))
_LEAF_KEYS = (("id", "label", "outcome"), ("priority", "sor_code", "right_to_repair_days", "why", "hint"))


class TriageError(ValueError):
    """A triage file that cannot be used: every problem found, each with where it is."""

    def __init__(self, source: str | Path, problems: Iterable[str]):
        self.source = str(source)
        self.problems = list(problems)
        count = len(self.problems)
        listed = "\n".join(f"- {problem}" for problem in self.problems)
        super().__init__(
            f"The repairs triage file {self.source} cannot be used: "
            f"{count} problem{'s' if count != 1 else ''} to fix:\n{listed}"
        )


@dataclass(frozen=True)
class Emergency:
    id: str
    label: str
    kind: str  # gas | emergency
    hint: str | None = None
    right_to_repair_days: int | None = None  # when logged: the Right to Repair's period

    @property
    def is_gas(self) -> bool:
        """Gas: the gas emergency number only, and no form."""
        return self.kind == GAS

    @property
    def offers_form(self) -> bool:
        """It can be logged (after the landlord's emergency number is shown): never gas."""
        return self.kind == EMERGENCY


@dataclass(frozen=True)
class Leaf:
    """A problem the resident can choose, with the words of each level as shown to them."""

    path: str  # "kitchen/taps/leaking_tap"
    area_id: str
    element_id: str
    id: str
    area_label: str
    element_label: str
    label: str
    outcome: str  # one of OUTCOMES
    scope: str  # the area's: home | communal | outside
    priority: str | None = None  # report: one of PRIORITIES; damp_mould: always urgent; else None
    sor_code: str | None = None
    right_to_repair_days: int | None = None  # 1, 3 or 7, for a qualifying repair
    why: str | None = None  # not_ours, contact_us: why no repair is raised here
    hint: str | None = None

    @property
    def offers_form(self) -> bool:
        """A repair can be reported from here (report, damp_mould)."""
        return self.outcome in OFFERS_FORM

    @property
    def is_damp_mould(self) -> bool:
        """Damp and mould: an Awaab's Law case."""
        return self.outcome == DAMP_MOULD

    @property
    def communal(self) -> bool:
        return self.scope == "communal"

    @property
    def priority_words(self) -> str:  # "Routine"; "" when nothing is raised
        return PRIORITY_WORDS.get(self.priority or "", "")


@dataclass(frozen=True)
class Element:
    area_id: str
    id: str
    label: str
    problems: tuple[Leaf, ...]
    hint: str | None = None

    def leaf(self, leaf_id: object) -> Leaf | None:
        return next((leaf for leaf in self.problems if leaf.id == leaf_id), None)


@dataclass(frozen=True)
class Area:
    id: str
    label: str
    scope: str  # home | communal | outside
    elements: tuple[Element, ...]
    hint: str | None = None

    def element(self, element_id: object) -> Element | None:
        return next((element for element in self.elements if element.id == element_id), None)


@dataclass(frozen=True)
class Triage:
    version: int
    emergencies: tuple[Emergency, ...]
    areas: tuple[Area, ...]
    gas_service: str = GAS_EMERGENCY_SERVICE
    gas_phone: str = GAS_EMERGENCY_PHONE
    source: str = ""  # the file it was read from
    _by_path: Mapping[str, Leaf] = field(default_factory=dict, compare=False, repr=False)

    @property
    def gas_emergencies(self) -> tuple[Emergency, ...]:
        return tuple(emergency for emergency in self.emergencies if emergency.is_gas)

    def emergency(self, emergency_id: object) -> Emergency | None:
        """The emergency with this id, or None (whatever the browser sent)."""
        return next((emergency for emergency in self.emergencies if emergency.id == emergency_id), None)

    def area(self, area_id: object) -> Area | None:
        """The area with this id, or None (whatever the browser sent)."""
        return next((area for area in self.areas if area.id == area_id), None)

    def element(self, area_id: object, element_id: object) -> Element | None:
        area = self.area(area_id)
        return area.element(element_id) if area else None

    def leaf(self, path: object) -> Leaf | None:
        """The leaf at ``area/element/problem``, or None for any other value: an unknown or
        malformed path, a path to an area or element, anything that is not text."""
        if not isinstance(path, str) or len(path) > PATH_MAX:
            return None
        return self._by_path.get(path)

    def leaves(self) -> tuple[Leaf, ...]:
        """Every leaf, in the file's order."""
        return tuple(self._by_path.values())


# The schema check ----------------------------------------------------------------------------


class _Object(dict):
    """A JSON object that remembers the keys it was given more than once."""

    duplicate_keys: tuple[str, ...] = ()


def _object_pairs(pairs: list[tuple[str, Any]]) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        keys = [key for key, _value in pairs]
        obj.duplicate_keys = tuple(dict.fromkeys(key for key in keys if keys.count(key) > 1))
    return obj


def _words(values: Iterable[str]) -> str:
    return ", ".join(values)


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def say(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def keys(self, obj: dict, where: str, allowed: tuple[tuple[str, ...], tuple[str, ...]]) -> None:
        required, optional = allowed
        for key in getattr(obj, "duplicate_keys", ()):
            self.say(where, f"'{key}' is given twice (JSON would keep only the last)")
        for key in required:
            if key not in obj:
                self.say(where, f"'{key}' is missing")
        for key in obj:
            if not isinstance(key, str) or key.startswith("_"):
                continue  # "_comment" and the like: the landlord's notes
            if key not in required and key not in optional:
                self.say(where, f"'{key}' is not a key used here (a typo?): use {_words(required + optional)}")

    def text(self, obj: dict, key: str, where: str, *, limit: int, one_line: bool = False) -> str | None:
        if key not in obj:
            return None
        value = obj[key]
        if not isinstance(value, str):
            self.say(where, f"'{key}' must be text in quotes")
            return None
        value = value.strip()
        if not value:
            self.say(where, f"'{key}' is empty")
        elif len(value) > limit:
            self.say(where, f"'{key}' is {len(value)} characters long: at most {limit}")
        elif one_line and ("\n" in value or "\r" in value):
            self.say(where, f"'{key}' must be one line")
        return value

    def place(self, obj: dict, base: str, *parent_ids: str | None) -> tuple[str | None, str]:
        """The object's id (None when it has none it may use) and where it is, for every
        message about it: "areas[0].elements[1] (kitchen/taps)", "?" for an unusable id."""
        value = obj.get("id")
        usable = isinstance(value, str) and bool(_ID.match(value)) and len(value) <= ID_MAX
        ident = value if usable else None
        where = f"{base} ({'/'.join(i or '?' for i in (*parent_ids, ident))})"
        if "id" in obj and not usable:
            self.say(
                where,
                f"id {value!r} must be lower_snake_case (small letters, digits and single underscores, "
                f"starting with a letter), at most {ID_MAX} characters",
            )
        return ident, where

    def choice(self, obj: dict, key: str, where: str, allowed: tuple[str, ...]) -> str | None:
        if key not in obj:
            return None
        value = obj[key]
        if value not in allowed:
            self.say(where, f"{key} {value!r} is not one of {_words(allowed)}")
            return None
        return value

    def integer(self, obj: dict, key: str, where: str, allowed: tuple[int, ...]) -> None:
        if key in obj:
            value = obj[key]
            if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
                self.say(where, f"{key} {value!r} is not one of {_words(str(n) for n in allowed)}")

    def siblings(self, items: list[tuple[str, str | None, str | None]], what: str) -> None:
        """``items``: (where, id, label) of siblings: each id and each label once."""
        ids: dict[str, str] = {}
        labels: dict[str, str] = {}
        for where, ident, label in items:
            if ident is not None:
                if ident in ids:
                    self.say(where, f"id '{ident}' is already used by another {what} here, {ids[ident]}")
                ids.setdefault(ident, where)
            if label:
                folded = " ".join(label.casefold().split())
                if folded in labels:
                    self.say(where, f"label {label!r} is already used by another {what} here, {labels[folded]}")
                labels.setdefault(folded, where)

    def items(self, obj: dict, key: str, where: str, base: str, why: str) -> list[tuple[int, dict]]:
        """The objects in the list ``obj[key]`` (``where`` is ``obj``'s place, ``base`` the
        list's, "areas[0].elements"); a missing, empty or non-list list is a problem."""
        if key not in obj:
            return []
        value = obj[key]
        if not isinstance(value, list):
            self.say(where, f"'{key}' must be a list in square brackets")
            return []
        if not value:
            self.say(where, f"'{key}' is empty: {why}")
        found = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                found.append((index, item))
            else:
                self.say(f"{base}[{index}]", "must be an object in {}")
        return found


def check(data: dict) -> list[str]:
    """Every problem with this tree, in plain words, each starting with where it is
    ("areas[2].elements[0].problems[3] (kitchen/taps/x): outcome 'report' needs a priority");
    an empty list when the tree can be used."""
    c = _Checker()
    if not isinstance(data, dict):
        return ["the file: must be one JSON object in {}, with version, emergencies and areas"]
    c.keys(data, "the file", _TOP_KEYS)
    if "version" in data:
        version = data["version"]
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            c.say("the file", f"version {version!r} must be a whole number, 1 or more")
    if "gas_emergency" in data:
        gas = data["gas_emergency"]
        if not isinstance(gas, dict):
            c.say("gas_emergency", "must be an object in {} with service and phone")
        else:
            c.keys(gas, "gas_emergency", _GAS_KEYS)
            c.text(gas, "service", "gas_emergency", limit=LABEL_MAX, one_line=True)
            phone = c.text(gas, "phone", "gas_emergency", limit=20, one_line=True)
            if phone and not _PHONE.match(phone):
                c.say("gas_emergency", f"phone {phone!r} must be a phone number: digits and spaces")

    gas_found = False
    siblings = []
    for i, emergency in c.items(data, "emergencies", "the file", "emergencies", "at least the gas emergency is needed"):
        ident, at = c.place(emergency, f"emergencies[{i}]")
        c.keys(emergency, at, _EMERGENCY_KEYS)
        label = c.text(emergency, "label", at, limit=LABEL_MAX, one_line=True)
        c.text(emergency, "hint", at, limit=TEXT_MAX)
        kind = c.choice(emergency, "kind", at, KINDS)
        gas_found = gas_found or kind == GAS
        c.integer(emergency, "right_to_repair_days", at, RIGHT_TO_REPAIR_PERIODS)
        if kind == GAS and "right_to_repair_days" in emergency:
            c.say(at, "a gas emergency is never logged, so it takes no right_to_repair_days")
        siblings.append((at, ident, label))
    c.siblings(siblings, "emergency")
    if isinstance(data.get("emergencies"), list) and not gas_found:
        c.say("emergencies", "none has kind 'gas': a smell of gas must send residents to the gas emergency number")

    damp_found = False
    areas = []
    for a, area in c.items(data, "areas", "the file", "areas", "residents need areas to choose from"):
        area_id, area_at = c.place(area, f"areas[{a}]")
        c.keys(area, area_at, _AREA_KEYS)
        areas.append((area_at, area_id, c.text(area, "label", area_at, limit=LABEL_MAX, one_line=True)))
        c.text(area, "hint", area_at, limit=TEXT_MAX)
        c.choice(area, "scope", area_at, SCOPES)
        elements = []
        elements_base = f"areas[{a}].elements"
        for e, element in c.items(area, "elements", area_at, elements_base, "an area needs at least one element"):
            element_id, element_at = c.place(element, f"{elements_base}[{e}]", area_id)
            c.keys(element, element_at, _ELEMENT_KEYS)
            elements.append(
                (element_at, element_id, c.text(element, "label", element_at, limit=LABEL_MAX, one_line=True))
            )
            c.text(element, "hint", element_at, limit=TEXT_MAX)
            leaves = []
            leaves_base = f"{elements_base}[{e}].problems"
            for p, leaf in c.items(
                element, "problems", element_at, leaves_base, "an element needs at least one problem"
            ):
                leaf_id, leaf_at = c.place(leaf, f"{leaves_base}[{p}]", area_id, element_id)
                leaves.append((leaf_at, leaf_id, _check_leaf(c, leaf, leaf_at)))
                damp_found = damp_found or leaf.get("outcome") == DAMP_MOULD
            c.siblings(leaves, "problem")
        c.siblings(elements, "element")
    c.siblings(areas, "area")
    if isinstance(data.get("areas"), list) and data["areas"] and not damp_found:
        c.say("areas", "no problem has outcome 'damp_mould': residents must always be able to report damp and mould")
    return c.problems


def _check_leaf(c: _Checker, leaf: dict, where: str) -> str | None:
    c.keys(leaf, where, _LEAF_KEYS)
    label = c.text(leaf, "label", where, limit=LABEL_MAX, one_line=True)
    c.text(leaf, "hint", where, limit=TEXT_MAX)
    why = c.text(leaf, "why", where, limit=TEXT_MAX)
    outcome = c.choice(leaf, "outcome", where, OUTCOMES)
    if "priority" in leaf and outcome not in (DAMP_MOULD, NOT_OURS, CONTACT_US):  # those say their own
        c.choice(leaf, "priority", where, PRIORITIES)
    c.integer(leaf, "right_to_repair_days", where, RIGHT_TO_REPAIR_PERIODS)
    if "sor_code" in leaf:
        code = leaf["sor_code"]
        if not isinstance(code, str) or not _SOR_CODE.match(code.strip()):
            c.say(where, f"sor_code {code!r} must be text of letters, digits, '.', '/' or '-', at most 20")
    if outcome == REPORT and "priority" not in leaf:
        c.say(where, f"outcome 'report' needs a priority ({_words(PRIORITIES)})")
    if outcome == DAMP_MOULD:
        if "priority" in leaf and leaf["priority"] != URGENT:
            c.say(where, "outcome 'damp_mould' is always urgent (Awaab's Law): leave out priority or make it 'urgent'")
        if "right_to_repair_days" in leaf:
            c.say(where, "outcome 'damp_mould' follows Awaab's Law's deadlines: leave out right_to_repair_days")
    if outcome in OFFERS_FORM and "why" in leaf:
        c.say(where, f"outcome '{outcome}' takes no why (that is for not_ours and contact_us): use hint")
    if outcome in (NOT_OURS, CONTACT_US):
        if why is None:
            c.say(where, f"outcome '{outcome}' needs a why: the words telling the resident why no repair is raised")
        for key in ("priority", "sor_code", "right_to_repair_days"):
            if key in leaf:
                c.say(where, f"outcome '{outcome}' raises no repair, so it takes no {key}")
    return label


# Loading ---------------------------------------------------------------------------------------


def _optional(obj: Mapping[str, Any], key: str) -> Any:
    value = obj.get(key)
    return value.strip() if isinstance(value, str) else value


def _build(data: dict, source: str) -> Triage:
    """The dataclasses for a tree that passed ``check``."""
    by_path: dict[str, Leaf] = {}
    areas = []
    for area in data["areas"]:
        elements = []
        for element in area["elements"]:
            leaves = []
            for leaf in element["problems"]:
                outcome = leaf["outcome"]
                made = Leaf(
                    path=f"{area['id']}/{element['id']}/{leaf['id']}",
                    area_id=area["id"],
                    element_id=element["id"],
                    id=leaf["id"],
                    area_label=area["label"].strip(),
                    element_label=element["label"].strip(),
                    label=leaf["label"].strip(),
                    outcome=outcome,
                    scope=area["scope"],
                    priority=URGENT if outcome == DAMP_MOULD else leaf.get("priority"),
                    sor_code=_optional(leaf, "sor_code"),
                    right_to_repair_days=leaf.get("right_to_repair_days"),
                    why=_optional(leaf, "why"),
                    hint=_optional(leaf, "hint"),
                )
                leaves.append(made)
                by_path[made.path] = made
            elements.append(
                Element(area["id"], element["id"], element["label"].strip(), tuple(leaves), _optional(element, "hint"))
            )
        areas.append(Area(area["id"], area["label"].strip(), area["scope"], tuple(elements), _optional(area, "hint")))
    emergencies = tuple(
        Emergency(e["id"], e["label"].strip(), e["kind"], _optional(e, "hint"), e.get("right_to_repair_days"))
        for e in data["emergencies"]
    )
    gas = data.get("gas_emergency") or {}
    return Triage(
        version=data["version"],
        emergencies=emergencies,
        areas=tuple(areas),
        gas_service=_optional(gas, "service") or GAS_EMERGENCY_SERVICE,
        gas_phone=_optional(gas, "phone") or GAS_EMERGENCY_PHONE,
        source=source,
        _by_path=MappingProxyType(by_path),
    )


def parse(text: str, source: str = "the triage file") -> Triage:
    """A tree from the JSON ``text``, checked; ``TriageError`` lists every problem."""
    try:
        data = json.loads(text, object_pairs_hook=_object_pairs)
    except json.JSONDecodeError as error:
        raise TriageError(
            source, [f"line {error.lineno}, column {error.colno}: not valid JSON ({error.msg})"]
        ) from None
    problems = check(data)
    if problems:
        raise TriageError(source, problems)
    return _build(data, source)


@lru_cache(maxsize=8)
def _load(path: str, _mtime_ns: int, _size: int) -> Triage:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a byte order mark from Notepad is fine
    except UnicodeDecodeError:
        raise TriageError(path, ["the file: is not UTF-8 text (save it as UTF-8)"]) from None
    except OSError as error:
        raise TriageError(path, [f"the file: cannot be read ({error.strerror or error})"]) from None
    return parse(text, path)


def load(path: str | Path | None = None) -> Triage:
    """The triage tree: the bundled one, or the landlord's file at ``path`` (None or an empty
    string: the bundled one). Read once per version of the file; a file edited in place is
    read again. ``TriageError`` (a ValueError) lists every problem of a file that cannot be
    used, so start-up can stop with it."""
    file = Path(path) if path else BUNDLED_FILE
    try:
        info = file.stat()
    except OSError as error:
        raise TriageError(file, [f"the file: cannot be read ({error.strerror or error})"]) from None
    return _load(str(file), info.st_mtime_ns, info.st_size)


__all__ = [
    "BUNDLED_FILE",
    "CONTACT_US",
    "DAMP_MOULD",
    "EMERGENCY",
    "GAS",
    "GAS_EMERGENCY_PHONE",
    "GAS_EMERGENCY_SERVICE",
    "KINDS",
    "LABEL_MAX",
    "NOT_OURS",
    "OUTCOMES",
    "PRIORITIES",
    "PRIORITY_WORDS",
    "REPORT",
    "SCOPES",
    "TEXT_MAX",
    "Area",
    "Element",
    "Emergency",
    "Leaf",
    "Triage",
    "TriageError",
    "check",
    "load",
    "parse",
]
