"""Your household (seed 002: residents update their household): who lives in the home now,
and telling us of a change, each a household change request in the housing officer's queue
(``requests.resident.submit_tenancy_request``), with the evidence the resident added
(``evidence.attach``).

* The household now: the current parties of the resident's own tenancy (``home.home_of``'s
  rules) with their place in words, as the tenancy page shows them (``details.ROLE_WORDS``).
  Names and places only, never contact details or dates of birth.
* The changes:

  - someone moved in: their name, date of birth, relationship to you, the date they moved
    in, their National Insurance number (optional: kept from the resident's own screens,
    shown to the officer), and whether they pay you rent as a lodger (a lodger needs our
    permission first: the request says so and points to ``routes.PERMISSIONS``);
  - someone moved out: who (one of the household, never the resident themselves: that is
    giving notice), the date, a forwarding address (optional);
  - a birth: the baby's name and date of birth; a birth certificate may be added;
  - a death: who, the date they died; a death certificate may be added (a family may not
    have it yet). The confirmation starts with our sympathy, and says what happens next:
    the tenancy (survivorship for a joint tenant, succession for a household member), the
    rent account, and whom to phone.

* Dates are real dates. A birth or death is today or earlier (a birth in the last year: an
  older child "moved in"). A move in or out may be up to ``AHEAD_DAYS`` (28) ahead, so
  residents can tell us before it happens, and not before the tenancy started (moved in:
  not before their date of birth either).
* Whom a change is about is chosen from the resident's own household list by its key (the
  tenancy party's id); any other key is "select who", never someone else's household.

Residents never change the landlord's records here: the officer does, and the feed brings
the change back. No reflex import; nothing here commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from portal_app import routes
from portal_app.clock import uk_date_words, uk_today
from portal_app.models import MoneyRequest, Person, Tenancy, TenancyParty
from portal_app.services.requests.common import HOUSEHOLD_CHANGE, settings_or_default
from portal_app.services.requests.resident import reply_promise, submit_tenancy_request
from portal_app.services.tenancy import evidence
from portal_app.services.tenancy.details import ROLE_WORDS
from portal_app.services.tenancy.home import home_of
from portal_app.services.validation import period_date_from_form

MOVED_IN, MOVED_OUT, BIRTH, DEATH = "moved_in", "moved_out", "birth", "death"
CHANGES: tuple[tuple[str, str], ...] = (
    (MOVED_IN, "Someone has moved in"),
    (MOVED_OUT, "Someone has moved out"),
    (BIRTH, "A baby has been born"),
    (DEATH, "Someone has died"),
)
CHANGE_WORDS = dict(CHANGES)
AHEAD_DAYS = 28
NAME_MAX = 100
RELATIONSHIP_MAX = 60
ADDRESS_MAX = 300
FIELD_CHANGE = "change"  # which change; also where the daily limit's message goes
YES, NO = "yes", "no"
TENANT_ROLES = ("lead_tenant", "joint_tenant", "leaseholder", "joint_leaseholder")
JOINT_ROLES = ("joint_tenant", "joint_leaseholder")
_NI = re.compile(r"^(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$")


@dataclass(frozen=True)
class Member:
    key: str  # the tenancy party's id, as text: what the moved out and death forms send
    name: str
    role_words: str  # "Joint tenant", "Lives here"
    is_you: bool


@dataclass(frozen=True)
class Household:
    address: str
    members: tuple[Member, ...]

    @property
    def others(self) -> tuple[Member, ...]:
        """Whom a moved out or death change may be about: everyone but the resident."""
        return tuple(m for m in self.members if not m.is_you)


@dataclass(frozen=True)
class ChangeResult:
    errors: dict[str, str] = field(default_factory=dict)
    reference: str = ""
    reply_promise: str = ""
    next_steps: tuple[str, ...] = ()
    email: str = ""
    evidence_count: int = 0

    @property
    def ok(self) -> bool:
        return bool(self.reference)


def _name(person: Person) -> str:
    return " ".join(p for p in (person.first_name, person.last_name) if p)


def _parties(session: Session, caller, today: date, settings) -> tuple[Tenancy, list[tuple[TenancyParty, Person]]]:
    home = home_of(session, caller, today, settings)
    if home is None:
        return None, []
    rows = session.exec(
        select(TenancyParty, Person)
        .join(Person, Person.id == TenancyParty.person_id)
        .where(TenancyParty.tenancy_id == home.tenancy_id)
        .order_by(TenancyParty.id)
    ).all()
    return session.get(Tenancy, home.tenancy_id), [(p, person) for p, person in rows if p.is_current(today)]


def household(session: Session, caller, *, today: date, settings) -> Household | None:
    """Who lives in the caller's home now, or None when they have no home here."""
    home = home_of(session, caller, today, settings)
    if home is None:
        return None
    _, rows = _parties(session, caller, today, settings)
    members = tuple(
        Member(
            str(party.id),
            _name(person),
            ROLE_WORDS.get(party.role, party.role.replace("_", " ").capitalize()),
            party.person_id == caller.person_id,
        )
        for party, person in rows
    )
    return Household(home.address, members)


def _text(form: dict, name: str, limit: int) -> str:
    value = form.get(name, "")
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _date(form: dict, prefix: str, label: str, today: date, errors: dict, key: str) -> date | None:
    value, error = period_date_from_form(form, prefix, label=label, today=today + timedelta(days=AHEAD_DAYS))
    if error and error.endswith("must be today or in the past"):
        error = f"{label} must be today or in the next {AHEAD_DAYS // 7} weeks"
    if error:
        errors[key] = error
    return value


def _past_date(form: dict, prefix: str, label: str, today: date, errors: dict, key: str) -> date | None:
    value, error = period_date_from_form(form, prefix, label=label, today=today)
    if error:
        errors[key] = error
    return value


def normalise_ni(raw: str) -> str | None:
    """A National Insurance number as HMRC writes it (QQ123456C), or None when it is not one."""
    text = "".join((raw or "").split()).upper()
    return text if _NI.match(text) else None


def _masked_ni(ni: str) -> str:
    return f"Given, ending {ni[-3:]}"


def _words(day: date) -> str:
    return uk_date_words(day)


def _chosen(members: tuple[Member, ...], key: object) -> Member | None:
    if not isinstance(key, str):
        return None
    return next((m for m in members if m.key == key), None)


def _check(
    change: str, form: dict, found: Household, tenancy: Tenancy, today: date, settings
) -> tuple[dict[str, str], dict]:
    """The errors, and when there are none what the request says: summary, what_you_asked,
    lines, staff_lines, next_steps, details."""
    errors: dict[str, str] = {}
    started = tenancy.start_date
    started_words = _words(started)
    out: dict = {}
    if change == MOVED_IN:
        name = _text(form, "in_name", NAME_MAX)
        if not name:
            errors["in_name"] = "Enter their full name"
        born, error = period_date_from_form(form, "in_dob", label="Date of birth", today=today)
        if error:
            errors["in_dob"] = error
        relationship = _text(form, "in_relationship", RELATIONSHIP_MAX)
        if not relationship:
            errors["in_relationship"] = "Enter how they are related to you, for example partner, son or friend"
        moved = _date(form, "in_date", "Date they moved in", today, errors, "in_date")
        if moved is not None and "in_date" not in errors:
            if moved < started:
                errors["in_date"] = (
                    f"Date they moved in must be the same as or after {started_words}, when your tenancy started"
                )
            elif born is not None and moved < born:
                errors["in_date"] = "Date they moved in must be the same as or after their date of birth"
        ni_raw = _text(form, "in_ni", 20)
        ni = normalise_ni(ni_raw) if ni_raw else ""
        if ni is None:
            errors["in_ni"] = "Enter a National Insurance number in the correct format, like QQ 12 34 56 C"
        lodger = form.get("in_lodger", "")
        if lodger not in (YES, NO):
            errors["in_lodger"] = "Select yes if they pay you rent as a lodger"
        if errors:
            return errors, {}
        lines = [
            ("Change", CHANGE_WORDS[MOVED_IN]),
            ("Name", name),
            ("Date of birth", _words(born)),
            ("Relationship to you", relationship),
            ("Date they moved in", _words(moved)),
            ("National Insurance number", _masked_ni(ni) if ni else "Not given"),
            ("Pays you rent as a lodger", "Yes" if lodger == YES else "No"),
        ]
        staff = [*lines[:5], ("National Insurance number", ni or "Not given"), lines[6]]
        steps = [
            "Your housing officer will check the details and add them to your household.",
            "They may ask to see proof of who they are, and will tell you if your rent or Housing Benefit "
            "or Universal Credit housing costs could change.",
        ]
        if lodger == YES:
            steps.insert(
                0,
                "A lodger needs our permission before they move in. If you have not asked yet, ask for "
                f"permission to take in a lodger: {settings.base_url}{routes.ask_permission('lodger')}",
            )
        out = dict(
            summary=f"Moved in: {name}",
            what_you_asked=f"To add {name} to your household from {_words(moved)}.",
            lines=lines,
            staff_lines=staff,
            next_steps=tuple(steps),
            details={"change": MOVED_IN, "lodger": lodger == YES},
        )
    elif change == MOVED_OUT:
        who = _chosen(found.others, form.get("out_person"))
        if who is None:
            errors["out_person"] = "Select who has moved out"
        moved = _date(form, "out_date", "Date they moved out", today, errors, "out_date")
        if moved is not None and "out_date" not in errors and moved < started:
            errors["out_date"] = (
                f"Date they moved out must be the same as or after {started_words}, when your tenancy started"
            )
        address = _text(form, "out_address", ADDRESS_MAX)
        if errors:
            return errors, {}
        joint = who.role_words in (ROLE_WORDS["joint_tenant"], ROLE_WORDS["joint_leaseholder"])
        lines = [
            ("Change", CHANGE_WORDS[MOVED_OUT]),
            ("Who", f"{who.name} ({who.role_words})"),
            ("Date they moved out", _words(moved)),
            ("Forwarding address", address or "Not given"),
        ]
        steps = ["Your housing officer will check the details and update your household."]
        if joint:
            steps.append(
                f"{who.name} is a joint tenant, so they stay a tenant, responsible for the rent with you, until "
                "the tenancy is changed. Your housing officer will explain how that can be done."
            )
        steps.append("Your rent, and any Housing Benefit or Universal Credit housing costs, may change.")
        out = dict(
            summary=f"Moved out: {who.name}",
            what_you_asked=f"To take {who.name} off your household from {_words(moved)}.",
            lines=lines,
            next_steps=tuple(steps),
            details={"change": MOVED_OUT, "party": int(who.key)},
        )
    elif change == BIRTH:
        name = _text(form, "baby_name", NAME_MAX)
        if not name:
            errors["baby_name"] = "Enter the baby's full name"
        born = _past_date(form, "baby_dob", "Date of birth", today, errors, "baby_dob")
        if born is not None and "baby_dob" not in errors and born < today - timedelta(days=366):
            errors["baby_dob"] = (
                "Date of birth must be in the last year. For an older child, tell us someone has moved in"
            )
        if errors:
            return errors, {}
        lines = [("Change", CHANGE_WORDS[BIRTH]), ("Baby's name", name), ("Date of birth", _words(born))]
        out = dict(
            summary=f"Birth: {name}",
            what_you_asked=f"To add {name}, born on {_words(born)}, to your household.",
            lines=lines,
            next_steps=(
                "Congratulations. Your housing officer will add your baby to your household.",
                "If you did not add the birth certificate, they may ask to see it.",
            ),
            details={"change": BIRTH},
        )
    elif change == DEATH:
        who = _chosen(found.others, form.get("died_person"))
        if who is None:
            errors["died_person"] = "Select who has died"
        died = _past_date(form, "died_date", "Date they died", today, errors, "died_date")
        if errors:
            return errors, {}
        tenant = who.role_words in {ROLE_WORDS[r] for r in TENANT_ROLES}
        tenancy_step = (
            f"As {who.name} was a joint tenant, the tenancy passes to you. Your housing officer will change "
            "the tenancy into your name."
            if tenant
            else "Your housing officer will update your household. If anyone else is named on the tenancy, "
            "they will explain what it means for them."
        )
        lines = [
            ("Change", CHANGE_WORDS[DEATH]),
            ("Who", f"{who.name} ({who.role_words})"),
            ("Date they died", _words(died)),
        ]
        out = dict(
            summary=f"Death: {who.name}",
            what_you_asked=f"To tell us that {who.name} died on {_words(died)}.",
            lines=lines,
            next_steps=(
                "We are very sorry for your loss.",
                tenancy_step,
                "Your rent account stays open. If you are worried about paying the rent, or Housing Benefit or "
                "Universal Credit was paid for them, tell your housing officer: they can help.",
                "The registrar can tell other government services for you through Tell Us Once.",
            ),
            details={"change": DEATH, "party": int(who.key)},
        )
    else:
        errors[FIELD_CHANGE] = "Select what has changed"
    return errors, out


def tell_us(session: Session, caller, change: object, form: dict, *, now: datetime, settings=None) -> ChangeResult:
    """Make the household change request (``HOUSEHOLD_CHANGE``) and attach the resident's
    draft evidence; the errors, nothing written, when anything is wrong."""
    settings = settings_or_default(settings)
    today = uk_today(now)
    found = household(session, caller, today=today, settings=settings)
    if found is None:
        return ChangeResult({FIELD_CHANGE: "We cannot find a home for you to tell us about"})
    tenancy, _ = _parties(session, caller, today, settings)
    change = change if isinstance(change, str) else ""
    form = form if isinstance(form, dict) else {}
    errors, request = _check(change, form, found, tenancy, today, settings)
    if errors:
        return ChangeResult(errors)
    made = submit_tenancy_request(
        session,
        user_id=caller.user_id,
        person_id=caller.person_id,
        tenancy_id=caller.tenancy_id,
        kind=HOUSEHOLD_CHANGE,
        summary=request["summary"],
        what_you_asked=request["what_you_asked"],
        lines=request["lines"],
        next_steps=request["next_steps"],
        now=now,
        settings=settings,
        details=request["details"],
        limit_field=FIELD_CHANGE,
        staff_lines=request.get("staff_lines"),
    )
    if not made.ok:
        return ChangeResult(dict(made.errors))
    ack = made.acknowledgement
    row = session.exec(select(MoneyRequest).where(MoneyRequest.reference == ack.reference)).one()
    attached = evidence.attach(session, caller.user_id, row.id, now=now)
    return ChangeResult(
        reference=ack.reference,
        reply_promise=reply_promise(HOUSEHOLD_CHANGE, now, settings),
        next_steps=ack.next_steps,
        email=ack.email,
        evidence_count=attached,
    )


__all__ = [
    "AHEAD_DAYS",
    "BIRTH",
    "CHANGES",
    "CHANGE_WORDS",
    "DEATH",
    "FIELD_CHANGE",
    "MOVED_IN",
    "MOVED_OUT",
    "ChangeResult",
    "Household",
    "Member",
    "household",
    "normalise_ni",
    "tell_us",
]
