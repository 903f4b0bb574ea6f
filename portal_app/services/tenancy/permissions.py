"""Asking the landlord's permission (seed 000: "request permissions related to tenancy (e.g.
permission for a pet)"): keep a pet, make an alteration, run a business from home, take in a
lodger, park a vehicle.

The rules:

- **The policy is data the landlord edits**: ``portal_app/data/tenancy/permissions.json``
  (``docs/permissions.md`` describes every key): for each kind its title, one line of what it
  covers, the policy's main points in plain words, and the questions the officer needs
  answered. ``load`` reads it once per version of the file (its modification time and size)
  and ``check`` refuses a file with any mistake, listing every problem with where it is, so
  the portal stops with a clear message instead of showing residents a broken form.
- **Only a tenant asks.** Permission is the tenant's to ask for (the tenancy agreement is
  theirs): the resident must have a home here (``tenancy.home.home_of``: a current party with
  a role that may use the portal, the tenancy not ended) and be named on the tenancy as a
  tenant, leaseholder or licensee (``requests.common.JOINT_ROLES``), never a household member
  or occupant without a tenancy, whatever the registration settings allow.
- **Validation first** (``check_answers``): each question's own message when a required one
  is not answered (GOV.UK: "Enter ...", "Select ..."), a radio's value must be one of its
  options, a date a real one today or later, text cut to ``TEXT_MAX``/``TEXTAREA_MAX``
  characters. With any error nothing is written.
- **The request** is a ``PERMISSION`` request made by ``requests.resident.submit_tenancy_request``
  (ownership, routing to the housing officer, the email, My requests): its summary the kind's
  ("Permission to keep a pet"), its lines the questions and answers, its ``details``
  ``{"permission": kind}``.
- **The decision** is the officer's (``office.decide_request``: ``PERMISSION`` needs one).
  An approval's note is ``office.APPROVED_NOTES[PERMISSION]`` then the officer's conditions;
  a refusal's is the officer's reasons (required). ``my_permissions`` reads them back from the
  request's last step: "Permission given" with the conditions, "Permission refused" with the
  reasons and what the resident can do next.

No reflex import. The caller commits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from portal_app.clock import uk_date_words, uk_today
from portal_app.models import MoneyRequest, RequestUpdate, TenancyParty
from portal_app.services.requests.common import (
    DECLINED,
    DONE,
    JOINT_ROLES,
    OPEN_STATUSES,
    PERMISSION,
    STATUS_LABELS,
    as_utc,
    settings_or_default,
    text_of,
)
from portal_app.services.requests.resident import SubmitResult, reply_promise, submit_tenancy_request
from portal_app.services.tenancy.home import home_of
from portal_app.services.validation import parse_date_parts
from portal_app.settings import Settings

BUNDLED_FILE = Path(__file__).resolve().parents[2] / "data" / "tenancy" / "permissions.json"

KINDS = ("pet", "alteration", "business", "lodger", "vehicle")  # every policy file has each
QUESTION_KINDS = ("text", "textarea", "radio", "date")
TEXT_MAX = 200
TEXTAREA_MAX = 2000
LABEL_MAX = 200
POINT_MAX = 600
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

# The message that goes with an approval: office.decide_request writes it, then the
# officer's conditions (kept here too, so the resident's page can tell them apart).
APPROVED_WORDS = "We have given you permission."
GIVEN, REFUSED, WAITING = "given", "refused", "waiting"
DECISION_WORDS = {GIVEN: "Permission given", REFUSED: "Permission refused", WAITING: "Waiting for a decision"}


class PolicyError(ValueError):
    """The policy file cannot be used; ``problems`` says every reason, with where."""

    def __init__(self, file: Path | str, problems: list[str]):
        self.file, self.problems = str(file), list(problems)
        super().__init__(f"{file}: " + "; ".join(self.problems))


class NotATenant(PermissionError):
    """The resident is not a tenant on the tenancy: only a tenant may ask permission."""


# ---------------------------------------------------------------------------
# The policy
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    value: str
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    label: str
    hint: str
    kind: str  # text | textarea | radio | date
    required: bool
    error: str  # the message when a required question is not answered
    options: tuple[Option, ...] = ()


@dataclass(frozen=True)
class PermissionKind:
    id: str
    title: str  # "Keep a pet"
    covers: str  # one line of what it covers
    summary: str  # "Permission to keep a pet": the request's summary
    points: tuple[str, ...]
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Policy:
    kinds: tuple[PermissionKind, ...]

    def kind(self, kind_id: object) -> PermissionKind | None:
        """The kind with this id, or None for anything else a browser sends."""
        return next((k for k in self.kinds if isinstance(kind_id, str) and k.id == kind_id), None)


_KIND_KEYS = {"id", "title", "covers", "summary", "points", "questions"}
_QUESTION_KEYS = {"id", "label", "hint", "kind", "required", "error", "options"}


def _text(problems: list[str], where: str, value: Any, limit: int, *, empty_ok: bool = False) -> str:
    if not isinstance(value, str):
        problems.append(f"{where}: must be text")
        return ""
    if not value.strip() and not empty_ok:
        problems.append(f"{where}: must not be empty")
    if len(value) > limit:
        problems.append(f"{where}: is longer than {limit} characters")
    return value.strip()


def _keys(problems: list[str], where: str, obj: Mapping, allowed: set[str], needed: set[str]) -> None:
    for key in obj:
        if not key.startswith("_") and key not in allowed:
            problems.append(f"{where}: unknown key {key!r}")
    for key in sorted(needed - set(obj)):
        problems.append(f"{where}: missing {key!r}")


def _question(problems: list[str], where: str, raw: Any) -> Question | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: must be an object")
        return None
    _keys(problems, where, raw, _QUESTION_KEYS, {"id", "label", "hint", "kind", "required"})
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        problems.append(f"{where}: id must be lower_snake_case")
    label = _text(problems, f"{where}.label", raw.get("label", ""), LABEL_MAX)
    hint = _text(problems, f"{where}.hint", raw.get("hint", ""), POINT_MAX, empty_ok=True)
    kind = raw.get("kind")
    if kind not in QUESTION_KINDS:
        problems.append(f"{where}.kind: must be one of {', '.join(QUESTION_KINDS)}")
    required = raw.get("required")
    if not isinstance(required, bool):
        problems.append(f"{where}.required: must be true or false")
    error = ""
    if required is True:
        error = _text(problems, f"{where}.error", raw.get("error", ""), LABEL_MAX)
    options: list[Option] = []
    if kind == "radio":
        raw_options = raw.get("options")
        if not isinstance(raw_options, list) or len(raw_options) < 2:
            problems.append(f"{where}.options: a radio question needs at least 2 options")
            raw_options = []
        for j, opt in enumerate(raw_options):
            at = f"{where}.options[{j}]"
            if not isinstance(opt, dict) or set(opt) != {"value", "label"}:
                problems.append(f"{at}: must have exactly a value and a label")
                continue
            if not isinstance(opt["value"], str) or not _ID.match(opt["value"]):
                problems.append(f"{at}.value: must be lower_snake_case")
                continue
            options.append(Option(opt["value"], _text(problems, f"{at}.label", opt["label"], LABEL_MAX)))
        if len({o.value for o in options}) != len(options):
            problems.append(f"{where}.options: a value is given twice")
    elif "options" in raw:
        problems.append(f"{where}.options: only a radio question has options")
    if not isinstance(qid, str) or kind not in QUESTION_KINDS or not isinstance(required, bool):
        return None
    return Question(qid, label, hint, kind, required, error, tuple(options))


def check(data: Any) -> tuple[Policy | None, list[str]]:
    """The policy in ``data`` (the file's JSON), and every problem that stops it being used."""
    problems: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("kinds"), list):
        return None, ["the file: must be an object with a list of kinds"]
    _keys(problems, "the file", data, {"version", "kinds"}, {"version", "kinds"})
    kinds: list[PermissionKind] = []
    for i, raw in enumerate(data["kinds"]):
        where = f"kinds[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where}: must be an object")
            continue
        _keys(problems, where, raw, _KIND_KEYS, _KIND_KEYS)
        kid = raw.get("id")
        if kid not in KINDS:
            problems.append(f"{where}.id: must be one of {', '.join(KINDS)}")
        else:
            where = f"kinds[{i}] ({kid})"
        title = _text(problems, f"{where}.title", raw.get("title", ""), LABEL_MAX)
        covers = _text(problems, f"{where}.covers", raw.get("covers", ""), POINT_MAX)
        summary = _text(problems, f"{where}.summary", raw.get("summary", ""), LABEL_MAX)
        raw_points = raw.get("points")
        if not isinstance(raw_points, list) or not raw_points:
            problems.append(f"{where}.points: must list the policy's main points")
            raw_points = []
        points = tuple(_text(problems, f"{where}.points[{j}]", p, POINT_MAX) for j, p in enumerate(raw_points))
        raw_questions = raw.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            problems.append(f"{where}.questions: must list at least one question")
            raw_questions = []
        questions = [_question(problems, f"{where}.questions[{j}]", q) for j, q in enumerate(raw_questions)]
        found = [q for q in questions if q is not None]
        ids = [q.id for q in found]
        for dup in sorted({x for x in ids if ids.count(x) > 1}):
            problems.append(f"{where}.questions: the id {dup!r} is used twice")
        if found and not any(q.required for q in found):
            problems.append(f"{where}.questions: at least one question must be required")
        if kid in KINDS:
            kinds.append(PermissionKind(kid, title, covers, summary, points, tuple(found)))
    seen = [k.id for k in kinds]
    for dup in sorted({x for x in seen if seen.count(x) > 1}):
        problems.append(f"kinds: {dup!r} is given twice")
    for missing in [k for k in KINDS if k not in seen]:
        problems.append(f"kinds: {missing!r} is missing")
    if problems:
        return None, problems
    return Policy(tuple(sorted(kinds, key=lambda k: KINDS.index(k.id)))), []


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict:
    found: dict = {}
    for key, value in pairs:
        if key in found:
            raise ValueError(f"the key {key!r} is given twice in one object")
        found[key] = value
    return found


@lru_cache(maxsize=4)
def _load(file: str, _mtime_ns: int, _size: int) -> Policy:
    try:
        data = json.loads(Path(file).read_text(encoding="utf-8"), object_pairs_hook=_no_duplicate_keys)
    except (OSError, ValueError) as error:
        raise PolicyError(file, [f"the file: cannot be read as JSON ({error})"]) from None
    policy, problems = check(data)
    if policy is None:
        raise PolicyError(file, problems)
    return policy


def load(path: str | Path | None = None) -> Policy:
    """The policy: the bundled file, or the one at ``path``. Read again when the file changes;
    ``PolicyError`` lists every problem of a file that cannot be used."""
    file = Path(path) if path else BUNDLED_FILE
    try:
        info = file.stat()
    except OSError as error:
        raise PolicyError(file, [f"the file: cannot be read ({error.strerror or error})"]) from None
    return _load(str(file), info.st_mtime_ns, info.st_size)


# ---------------------------------------------------------------------------
# Who may ask
# ---------------------------------------------------------------------------


def may_ask(session: Session, caller, *, today: date, settings: Settings) -> bool:
    """Whether the caller is a tenant (not a household member) on a current tenancy here."""
    home = home_of(session, caller, today, settings)
    if home is None:
        return False
    party = session.exec(
        select(TenancyParty).where(
            TenancyParty.tenancy_id == caller.tenancy_id,
            TenancyParty.person_id == caller.person_id,
            TenancyParty.role.in_(JOINT_ROLES),
        )
    ).first()
    return party is not None and party.is_current(today)


# ---------------------------------------------------------------------------
# The answers
# ---------------------------------------------------------------------------


def _date_answer(question: Question, answers: Mapping[str, str], today: date) -> tuple[str, str | None]:
    parts = [text_of(answers.get(f"{question.id}_{p}", "")) for p in ("day", "month", "year")]
    if not any(p.strip() for p in parts):
        return "", (question.error or None) if question.required else None
    value, error = parse_date_parts(*parts, label="The date", today=date(9999, 12, 31))
    if error:
        return "", error
    if value < today:
        return "", "The date must be today or in the future"
    return uk_date_words(value), None


def check_answers(
    kind: PermissionKind, answers: Mapping[str, object], *, today: date
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The answers as (question, answer) lines in the order asked, and the errors by
    question id (empty when all is well). A date's boxes are ``{id}_day``, ``_month``, ``_year``."""
    sent = answers if isinstance(answers, Mapping) else {}
    lines: list[tuple[str, str]] = []
    errors: dict[str, str] = {}
    for q in kind.questions:
        if q.kind == "date":
            words, error = _date_answer(q, {k: text_of(v) for k, v in sent.items()}, today)
        elif q.kind == "radio":
            value = text_of(sent.get(q.id, ""))
            option = next((o for o in q.options if o.value == value), None)
            words, error = (option.label, None) if option else ("", q.error if q.required else None)
            if value and option is None:
                error = q.error or "Select one of the options"
        else:
            limit = TEXTAREA_MAX if q.kind == "textarea" else TEXT_MAX
            words = " ".join(text_of(sent.get(q.id, "")).split()) if q.kind == "text" else text_of(sent.get(q.id, ""))
            words = words.strip()
            error = q.error if (q.required and not words) else None
            if len(words) > limit:
                error = f"Your answer must be {limit} characters or fewer"
        if error:
            errors[q.id] = error
        elif words:
            lines.append((_plain_label(q.label), words))
    return lines, errors


def _plain_label(label: str) -> str:
    return label.removesuffix(" (optional)")


# ---------------------------------------------------------------------------
# Asking
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Asked:
    result: SubmitResult  # errors by question id; the acknowledgement when made
    reply_words: str = ""  # "We aim to reply within 10 working days, by 18 December 2026."

    @property
    def ok(self) -> bool:
        return self.result.ok


def ask(
    session: Session,
    caller,
    kind_id: object,
    answers: Mapping[str, object],
    *,
    now: datetime,
    settings: Settings | None = None,
    policy: Policy | None = None,
) -> Asked:
    """Ask permission of ``kind_id`` with these answers. ``NotATenant`` for a resident who is
    not a tenant here, ``LookupError`` for a kind the policy does not have; with errors,
    nothing is written."""
    settings = settings_or_default(settings)
    now = as_utc(now)
    today = uk_today(now)
    kind = (policy or load()).kind(kind_id)
    if kind is None:
        raise LookupError("no such permission")
    if not may_ask(session, caller, today=today, settings=settings):
        raise NotATenant("only a tenant may ask permission")
    lines, errors = check_answers(kind, answers, today=today)
    if errors:
        return Asked(SubmitResult(None, errors))
    promise = reply_promise(PERMISSION, now, settings)
    result = submit_tenancy_request(
        session,
        user_id=caller.user_id,
        person_id=caller.person_id,
        tenancy_id=caller.tenancy_id,
        kind=PERMISSION,
        summary=kind.summary,
        what_you_asked=f"{kind.summary[:1].lower()}{kind.summary[1:]}.",
        lines=lines,
        next_steps=(
            "Your housing officer will look at your request and may contact you to ask more, or to visit.",
            promise,
            "We will email you when we have decided. You can see our decision and any conditions "
            "under Permissions when you sign in.",
        ),
        now=now,
        settings=settings,
        details={"permission": kind.id},
        limit_field=kind.questions[0].id,
    )
    return Asked(result, promise if result.ok else "")


# ---------------------------------------------------------------------------
# What the resident asked, and what we decided
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PermissionRequest:
    reference: str
    title: str  # "Keep a pet"
    asked_on: str  # "4 December 2026"
    status_label: str  # "Received", "Completed", "Declined"
    decision: str  # given | refused | waiting
    decision_words: str  # "Permission given"
    said: str  # the officer's conditions (given) or reasons (refused); "" when none
    decided_on: str  # "" while waiting
    next_words: str  # what the resident can do next


def _kind_of(request: MoneyRequest) -> str:
    try:
        found = json.loads(request.details or "{}").get("permission", "")
    except (ValueError, AttributeError):
        found = ""
    return found if isinstance(found, str) else ""


def _last_decision(session: Session, request: MoneyRequest) -> RequestUpdate | None:
    return session.exec(
        select(RequestUpdate)
        .where(RequestUpdate.request_id == request.id, RequestUpdate.status.in_((DONE, DECLINED)))
        .order_by(RequestUpdate.at.desc(), RequestUpdate.id.desc())
    ).first()


def conditions_of(note: str) -> str:
    """The officer's own words of an approval's note (the standard approval words taken off)."""
    from_office = note.strip()
    for lead in (APPROVED_WORDS, "We have approved your request."):
        if from_office.startswith(lead):
            return from_office[len(lead) :].strip()
    return from_office


def my_permissions(
    session: Session, user_id: int, *, settings: Settings | None = None, policy: Policy | None = None
) -> list[PermissionRequest]:
    """The permission requests this portal user made, newest first, with our decision."""
    settings = settings_or_default(settings)
    titles = {k.id: k.title for k in (policy or load()).kinds}
    rows = session.exec(
        select(MoneyRequest)
        .where(MoneyRequest.user_id == user_id, MoneyRequest.kind == PERMISSION)
        .order_by(MoneyRequest.created_at.desc(), MoneyRequest.id.desc())
    ).all()
    found = []
    for r in rows:
        step = _last_decision(session, r) if r.status not in OPEN_STATUSES else None
        if r.status == DONE:
            decision, said = GIVEN, conditions_of(step.note if step else "")
            after = "Keep to any conditions we set. If things change, ask us again."
        elif r.status == DECLINED:
            decision, said = REFUSED, (step.note.strip() if step else "")
            after = (
                "You can ask again if things change, for example with more details. If you think our decision "
                f"is wrong, you can make a complaint, or phone us on {settings.landlord_phone}."
            )
        else:
            decision, said, after = WAITING, "", reply_words_for(r, settings)
        found.append(
            PermissionRequest(
                reference=r.reference,
                title=titles.get(_kind_of(r), r.summary),
                asked_on=uk_date_words(uk_today(r.created_at)),
                status_label=STATUS_LABELS.get(r.status, r.status),
                decision=decision,
                decision_words=DECISION_WORDS[decision],
                said=said,
                decided_on=uk_date_words(uk_today(step.at)) if step is not None else "",
                next_words=after,
            )
        )
    return found


def reply_words_for(request: MoneyRequest, settings: Settings) -> str:
    """'We aim to reply within 10 working days, by 18 December 2026.' for an open request."""
    return reply_promise(PERMISSION, request.created_at, settings)


__all__ = [
    "APPROVED_WORDS",
    "BUNDLED_FILE",
    "DECISION_WORDS",
    "GIVEN",
    "KINDS",
    "QUESTION_KINDS",
    "REFUSED",
    "WAITING",
    "Asked",
    "NotATenant",
    "Option",
    "PermissionKind",
    "PermissionRequest",
    "Policy",
    "PolicyError",
    "Question",
    "ask",
    "check",
    "check_answers",
    "conditions_of",
    "load",
    "may_ask",
    "my_permissions",
]
