"""Reporting a repair: the form's answers checked, the repair written with its priority,
target and legal deadlines, its photos attached, the day's limit kept, the officers' queue
told, and the confirmation queued.

The rules:

* Ownership first: the home is the caller's (``common.home_of``); without one, ``refused``,
  before anything is checked or written.
* What was chosen is a leaf of the triage tree (``triage.py``) that may be reported
  online: ``report`` or ``damp_mould``. A ``not_ours`` or ``contact_us`` leaf, or a path
  that is not in the tree, is refused with its message (the page never offers a form for
  one, so only a hand-made message gets here). Gas never gets here: the page offers no
  form for it (``triage``'s gas emergencies), and ``log_emergency`` refuses one.
* Up to ``REPAIRS_PER_HOME_PER_DAY`` reports a home a UK day (seed 001: six), counted under
  the home's row lock so two at the same moment cannot both be the last; then a clear
  message with the phone number, and nothing is written.
* Each field gets its own message (GOV.UK's patterns) and nothing is written while any is
  wrong: the description (what is wrong, 10 to 1,000 characters); access (when someone is
  in, a key safe, pets, anything else: each optional, each with a limit); how to contact
  the resident (phone or email; a phone number must be a UK one); for damp and mould the
  investigator's questions (where, how big, how long, anyone in the home with a health
  condition, and which).
* The priority is the leaf's; the target is ``targets.priority_target``'s. Damp and mould
  always starts an Awaab's Law case (``awaab``; investigate within 10 working days); an
  emergency logged for the record has Awaab's 24 hours. A council's secure tenant's
  qualifying repair (the leaf's ``right_to_repair_days``, with ``RIGHT_TO_REPAIR`` on) gets
  its Right to Repair deadline.
* Photos are the resident's drafts (``photos.add_draft``, cleaned when added), at most 3,
  attached to the repair in the same unit of work; another resident's draft is never
  attached (it is simply not found).
* The confirmation email (reference, priority in words, the target date, the appointment
  when one is booked, what happens next) is queued by ``confirm``, after the appointment is
  booked or not: the page calls ``report``, then books (``appointments.book``, outside any
  transaction: it calls the contractor's system), then ``confirm``. A repair whose
  confirmation was never queued (the worker stopped between) is confirmed by the worker's
  ``repairs.confirm_unsent``.

Times: ``now`` is an aware UTC datetime; "today" is its UK date. Nothing here commits.
No reflex import.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, func, select

from portal_app.clock import uk_day_in_utc, uk_today
from portal_app.models import Property, Repair, RepairEvent, RepairPhoto
from portal_app.services import audit
from portal_app.services.repairs import common, targets, triage
from portal_app.services.validation import normalise_uk_phone
from portal_app.settings import Settings

# The form's fields, in page order (the names its inputs send, and the keys of its errors).
FIELD_PATH = "path"
FIELD_DESCRIPTION = "description"
FIELD_IN_WHEN = "in_when"
FIELD_KEY_SAFE = "key_safe"
FIELD_PETS = "pets"
FIELD_ACCESS_OTHER = "access_other"
FIELD_CONTACT_WAY = "contact_way"
FIELD_PHONE = "contact_phone"
FIELD_DAMP_WHERE = "damp_where"
FIELD_DAMP_SIZE = "damp_size"
FIELD_DAMP_HOW_LONG = "damp_how_long"
FIELD_DAMP_HEALTH = "damp_health"
FIELD_DAMP_HEALTH_DETAILS = "damp_health_details"
FIELD_LIMIT = "limit"  # the day's limit: shown at the top of the form
FIELDS = (
    FIELD_PATH,
    FIELD_DAMP_WHERE,
    FIELD_DAMP_SIZE,
    FIELD_DAMP_HOW_LONG,
    FIELD_DAMP_HEALTH,
    FIELD_DAMP_HEALTH_DETAILS,
    FIELD_DESCRIPTION,
    FIELD_IN_WHEN,
    FIELD_KEY_SAFE,
    FIELD_PETS,
    FIELD_ACCESS_OTHER,
    FIELD_CONTACT_WAY,
    FIELD_PHONE,
)
DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 1000
SHORT_MAX, LONG_MAX = 200, 500

CONTACT_WAYS = (("phone", "By phone"), ("email", "By email"))
DAMP_SIZES = (
    ("small", "Smaller than a sheet of A4 paper"),
    ("medium", "Bigger than a sheet of A4, smaller than a door"),
    ("large", "Bigger than a door"),
)
DAMP_HOW_LONG = (("under_month", "Less than a month"), ("months", "1 to 6 months"), ("longer", "More than 6 months"))
YES_NO = (("yes", "Yes"), ("no", "No"))


@dataclass(frozen=True)
class Reported:
    outcome: str  # done | invalid | refused | limit | not_online
    errors: tuple[tuple[str, str], ...] = ()
    reference: str = ""
    message: str = ""  # not_online: why it cannot be reported here (the leaf's words)


def _text(form: Mapping[str, object], name: str) -> str:
    value = form.get(name, "")
    return " ".join(value.split()) if isinstance(value, str) else ""


def _long_text(form: Mapping[str, object], name: str) -> str:
    """Free text keeping the resident's line breaks, trimmed."""
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _limit_message(made: int, settings: Settings) -> str:
    return (
        f"Your home has reported {made} repairs today, the most we take online in a day. We will deal with them. "
        f"To report another today, phone us on {settings.landlord_phone} ({settings.landlord_hours}); "
        f"for an emergency, phone {settings.repairs_emergency_phone} ({settings.repairs_emergency_hours})."
    )


def over_daily_limit(session: Session, property_id: int, now: datetime, settings: Settings) -> str | None:
    """The refusal when the home has already made the day's reports (UK day), else None.
    Counts under the home's row lock (PostgreSQL; SQLite has one writer anyway)."""
    limit = settings.repairs_per_home_per_day
    if limit <= 0:
        return None
    session.exec(select(Property.id).where(Property.id == property_id).with_for_update()).first()
    start, end = uk_day_in_utc(uk_today(now))
    made = session.exec(
        select(func.count(Repair.id)).where(
            Repair.property_id == property_id,
            Repair.source == "portal",
            Repair.reported_at >= start,
            Repair.reported_at < end,
        )
    ).one()
    return _limit_message(made, settings) if made >= limit else None


def _check_contact(form: Mapping[str, object], errors: dict[str, str]) -> tuple[str, str]:
    way = _text(form, FIELD_CONTACT_WAY)
    if way not in dict(CONTACT_WAYS):
        errors[FIELD_CONTACT_WAY] = "Select how we should contact you about this repair"
    raw = _text(form, FIELD_PHONE)[:40]
    phone = ""
    if raw:
        national = normalise_uk_phone(raw)
        if national is None:
            errors[FIELD_PHONE] = "Enter a UK phone number, like 07700 900 982 or 01632 960 001"
        else:
            phone = national
    elif way == "phone":
        errors[FIELD_PHONE] = "Enter the phone number we should call you on"
    return way, phone


def _check_access(form: Mapping[str, object], errors: dict[str, str]) -> str:
    parts = []
    for name, label, most in (
        (FIELD_IN_WHEN, "When someone is in", SHORT_MAX),
        (FIELD_KEY_SAFE, "Key safe", SHORT_MAX),
        (FIELD_PETS, "Pets", SHORT_MAX),
        (FIELD_ACCESS_OTHER, "Anything else", LONG_MAX),
    ):
        value = _long_text(form, name)
        if len(value) > most:
            errors[name] = f"{label} must be {most} characters or fewer"
        elif value:
            parts.append(f"{label}: {value}")
    return "\n".join(parts)


def _check_damp(form: Mapping[str, object], errors: dict[str, str]) -> dict[str, str]:
    where = _text(form, FIELD_DAMP_WHERE)
    if not where:
        errors[FIELD_DAMP_WHERE] = "Enter where the damp or mould is, like the bedroom wall behind the wardrobe"
    elif len(where) > SHORT_MAX:
        errors[FIELD_DAMP_WHERE] = f"Where the damp or mould is must be {SHORT_MAX} characters or fewer"
    size = _text(form, FIELD_DAMP_SIZE)
    if size not in dict(DAMP_SIZES):
        errors[FIELD_DAMP_SIZE] = "Select how big the damp or mould is"
    how_long = _text(form, FIELD_DAMP_HOW_LONG)
    if how_long not in dict(DAMP_HOW_LONG):
        errors[FIELD_DAMP_HOW_LONG] = "Select how long it has been there"
    health = _text(form, FIELD_DAMP_HEALTH)
    if health not in dict(YES_NO):
        errors[FIELD_DAMP_HEALTH] = "Select yes if anyone in your home has a health condition the damp could affect"
    details = _long_text(form, FIELD_DAMP_HEALTH_DETAILS)
    if len(details) > LONG_MAX:
        errors[FIELD_DAMP_HEALTH_DETAILS] = f"The health condition must be {LONG_MAX} characters or fewer"
    return {
        "where": where,
        "size": dict(DAMP_SIZES).get(size, ""),
        "how_long": dict(DAMP_HOW_LONG).get(how_long, ""),
        "health_condition": dict(YES_NO).get(health, ""),
        "health_details": details if health == "yes" else "",
    }


def check(form: Mapping[str, object], leaf: triage.Leaf) -> tuple[dict, dict[str, str]]:
    """The answers checked for ``leaf``: what to write, and a message for each field to put right."""
    errors: dict[str, str] = {}
    description = _long_text(form, FIELD_DESCRIPTION)
    if len(description) < DESCRIPTION_MIN:
        errors[FIELD_DESCRIPTION] = (
            "Enter a description of the problem"
            if not description
            else f"Describe the problem in at least {DESCRIPTION_MIN} characters"
        )
    elif len(description) > DESCRIPTION_MAX:
        errors[FIELD_DESCRIPTION] = f"Description must be {DESCRIPTION_MAX:,} characters or fewer"
    damp = _check_damp(form, errors) if leaf.outcome == triage.DAMP_MOULD else {}
    access = _check_access(form, errors)
    way, phone = _check_contact(form, errors)
    return {"description": description, "access": access, "way": way, "phone": phone, "damp": damp}, errors


def _deadlines(repair: Repair, leaf_rtr_days: int | None, home: common.Home, settings: Settings) -> None:
    if repair.kind == common.KIND_DAMP:
        repair.awaab = True
        repair.investigate_by = targets.awaab_on_report(repair.reported_at, settings).investigate.at
    elif repair.kind == common.KIND_EMERGENCY:
        repair.awaab = True
        repair.investigate_by = targets.awaab_on_report(repair.reported_at, settings, emergency=True).investigate.at
    if settings.right_to_repair and home.tenure == "secure" and leaf_rtr_days in targets.RIGHT_TO_REPAIR_PERIODS:
        repair.right_to_repair_days = leaf_rtr_days
        rtr = targets.right_to_repair(
            leaf_rtr_days, repair.reported_at, now=repair.reported_at, completed_at=None, settings=settings
        )
        repair.right_to_repair_by = rtr.first.at
        # The law's period, when it is sooner than the landlord's own target, is the target.
        repair.target_at = min(repair.target_at, rtr.first.at)


def _attach_photos(session: Session, repair: Repair, user_id: int, keys: object) -> int:
    from portal_app.services.repairs import photos

    if not isinstance(keys, (list, tuple)):
        return 0
    wanted = [k for k in keys if isinstance(k, str) and 0 < len(k) <= 40][: photos.MAX_PHOTOS]
    if not wanted:
        return 0
    rows = session.exec(
        select(RepairPhoto).where(
            RepairPhoto.key.in_(wanted), RepairPhoto.user_id == user_id, RepairPhoto.repair_id.is_(None)
        )
    ).all()
    for row in rows:
        row.repair_id = repair.id
        session.add(row)
    return len(rows)


def report(
    session: Session, caller, form: Mapping[str, object], *, photo_keys: object = (), now: datetime, settings: Settings
) -> Reported:
    """Write the repair the resident described (see the module's rules). The caller commits."""
    today = uk_today(now)
    home = common.home_of(session, caller, today, settings)
    if home is None:
        return Reported("refused")
    tree = triage.load(settings.repairs_triage_file or None)
    path = form.get(FIELD_PATH, "")
    leaf = tree.leaf(path) if isinstance(path, str) else None
    if leaf is None:
        return Reported("invalid", errors=((FIELD_PATH, "Choose what the problem is"),))
    if leaf.outcome not in (triage.REPORT, triage.DAMP_MOULD):
        return Reported("not_online", message=leaf.why or "")
    answers, errors = check(form, leaf)
    if errors:
        return Reported("invalid", errors=tuple((f, errors[f]) for f in FIELDS if f in errors))
    limit = over_daily_limit(session, home.property_id, now, settings)
    if limit:
        return Reported("limit", errors=((FIELD_LIMIT, limit),))
    kind = common.KIND_DAMP if leaf.outcome == triage.DAMP_MOULD else common.KIND_REPAIR
    priority = leaf.priority or targets.URGENT
    repair = Repair(
        reference=common.unused_reference(session),
        property_id=home.property_id,
        tenancy_id=home.tenancy_id,
        user_id=caller.user_id,
        source="portal",
        communal=leaf.scope == "communal",
        kind=kind,
        triage_path=leaf.path,
        area_words=leaf.area_label,
        element_words=leaf.element_label,
        problem_words=leaf.label,
        description=answers["description"],
        priority=priority,
        sor_code=leaf.sor_code,
        status=common.REPORTED,
        reported_at=now,
        target_at=targets.priority_target(priority, now, settings).at,
        access_notes=answers["access"],
        contact_phone=answers["phone"],
        contact_way=answers["way"],
        damp_answers=json.dumps(answers["damp"], sort_keys=True) if answers["damp"] else "",
        updated_at=now,
    )
    _deadlines(repair, getattr(leaf, "right_to_repair_days", None), home, settings)
    session.add(repair)
    session.flush()
    session.add(RepairEvent(repair_id=repair.id, at=now, status=common.REPORTED, note="", by="resident"))
    attached = _attach_photos(session, repair, caller.user_id, photo_keys)
    audit.record(
        session,
        action="repair_reported",
        actor_kind=audit.RESIDENT,
        actor_id=caller.user_id,
        subject_user_id=caller.user_id,
        target=repair.reference,
        detail={"path": leaf.path, "priority": priority, "kind": kind, "photos": attached},
        now=now,
    )
    return Reported("done", reference=repair.reference)


def log_emergency(
    session: Session, caller, emergency_id: object, form: Mapping[str, object], *, now: datetime, settings: Settings
) -> Reported:
    """Log, for the record, an emergency the resident has phoned (or will phone) us about:
    never instead of the phone call, which the page asks for first. Gas is never logged here:
    the gas emergency number is the only answer to it. The caller commits."""
    home = common.home_of(session, caller, uk_today(now), settings)
    if home is None:
        return Reported("refused")
    tree = triage.load(settings.repairs_triage_file or None)
    emergency = (
        next((e for e in tree.emergencies if e.id == emergency_id), None) if isinstance(emergency_id, str) else None
    )
    if emergency is None:
        return Reported("invalid", errors=((FIELD_PATH, "Choose the emergency"),))
    if emergency.kind == "gas":
        return Reported("not_online", message=gas_words(tree))
    errors: dict[str, str] = {}
    description = _long_text(form, FIELD_DESCRIPTION)
    if len(description) > DESCRIPTION_MAX:
        errors[FIELD_DESCRIPTION] = f"Description must be {DESCRIPTION_MAX:,} characters or fewer"
    raw = _text(form, FIELD_PHONE)[:40]
    national = normalise_uk_phone(raw) if raw else None
    if not raw:
        errors[FIELD_PHONE] = "Enter the phone number we should call you on"
    elif national is None:
        errors[FIELD_PHONE] = "Enter a UK phone number, like 07700 900 982 or 01632 960 001"
    if errors:
        return Reported("invalid", errors=tuple(errors.items()))
    limit = over_daily_limit(session, home.property_id, now, settings)
    if limit:
        return Reported("limit", errors=((FIELD_LIMIT, limit),))
    repair = Repair(
        reference=common.unused_reference(session),
        property_id=home.property_id,
        tenancy_id=home.tenancy_id,
        user_id=caller.user_id,
        source="portal",
        kind=common.KIND_EMERGENCY,
        triage_path=f"emergency/{emergency.id}",
        area_words="Emergency",
        problem_words=emergency.label,
        description=description,
        priority=targets.EMERGENCY,
        status=common.REPORTED,
        reported_at=now,
        target_at=targets.priority_target(targets.EMERGENCY, now, settings).at,
        contact_phone=national or "",
        contact_way="phone",
        updated_at=now,
    )
    _deadlines(repair, None, home, settings)
    session.add(repair)
    session.flush()
    session.add(RepairEvent(repair_id=repair.id, at=now, status=common.REPORTED, note="", by="resident"))
    audit.record(
        session,
        action="repair_emergency_logged",
        actor_kind=audit.RESIDENT,
        actor_id=caller.user_id,
        subject_user_id=caller.user_id,
        target=repair.reference,
        detail={"emergency": emergency.id},
        now=now,
    )
    return Reported("done", reference=repair.reference)


GAS_NUMBER = triage.GAS_EMERGENCY_PHONE


def gas_words(tree: triage.Triage) -> str:
    """What a resident who smells gas is told, and nothing else: the gas emergency line."""
    return (
        "If you smell gas or your carbon monoxide alarm is sounding: open doors and windows, turn off the gas at "
        "the meter if you can, do not use electrical switches or naked flames, leave your home and phone the "
        f"{tree.gas_service} on {tree.gas_phone} (free, 24 hours a day)."
    )


__all__ = [
    "CONTACT_WAYS",
    "GAS_NUMBER",
    "gas_words",
    "log_emergency",
    "DAMP_HOW_LONG",
    "DAMP_SIZES",
    "FIELDS",
    "Reported",
    "YES_NO",
    "check",
    "over_daily_limit",
    "report",
]


def check_answers(
    session: Session, caller, form: Mapping[str, object], *, now: datetime, settings: Settings
) -> tuple[triage.Leaf | None, dict[str, str]]:
    """The report's answers checked as ``report`` will check them, writing nothing (the
    page's "Continue" before the appointment and check-your-answers steps)."""
    home = common.home_of(session, caller, uk_today(now), settings)
    if home is None:
        return None, {}
    tree = triage.load(settings.repairs_triage_file or None)
    path = form.get(FIELD_PATH, "")
    leaf = tree.leaf(path) if isinstance(path, str) else None
    if leaf is None or not leaf.offers_form:
        return None, {FIELD_PATH: "Choose what the problem is"}
    _answers, errors = check(form, leaf)
    limit = over_daily_limit(session, home.property_id, now, settings) if not errors else None
    if limit:
        errors[FIELD_LIMIT] = limit
    return leaf, {f: errors[f] for f in (*FIELDS, FIELD_LIMIT) if f in errors}
