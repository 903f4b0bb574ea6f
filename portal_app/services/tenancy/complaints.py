"""Complaints, compliments and comments (seed 001; issue 18 item 5).

Complaints follow the Housing Ombudsman's statutory Complaint Handling Code (2024):

* a complaint is "an expression of dissatisfaction, however made, about the standard of
  service, actions or lack of action by the organisation" (the Code, 1.2): the resident says
  what went wrong and what they would like us to do to put it right;
* stage 1 is acknowledged, defined and logged within 5 working days of the complaint being
  received (6.2) and answered within 10 working days of the complaint being acknowledged
  (6.3);
* a resident not satisfied with the stage 1 answer (or whose answer is late) may escalate
  to stage 2, which is acknowledged within 5 working days of the escalation request (6.11)
  and answered within 20 working days of being acknowledged; residents must not be made to
  explain why they want stage 2 (6.12), so "why you are still unhappy" is optional here;
* at either stage the landlord may extend the answer's deadline by up to 10 working days,
  saying why (6.4, and the same for stage 2), and must then give the Ombudsman's contact
  details (6.5); at the end of stage 2, or if the landlord refuses to escalate, the resident
  is told they may go to the Housing Ombudsman (``HOUSING_OMBUDSMAN``).

Which way the deadlines are counted (the brief asked us to say): **as the Code says**. The
acknowledgement is due 5 working days after the day the complaint (or the escalation
request) arrived; the answer is due 10 (stage 1) or 20 (stage 2) working days after the day
it was acknowledged (``MoneyRequest.acknowledged_at``), plus any extension. Before it is
acknowledged we show the acknowledgement deadline and the latest answer date, which is the
answer date if it were acknowledged on the last day allowed. Working days skip weekends and
England and Wales bank holidays (``services/working_days.py``); a landlord may set shorter
targets in settings, never longer ones (``targets.target_days``).

Compliments and comments name the team they are about (``FEEDBACK_TEAMS``) and go to the
back office queue like every request, with the team in the request's summary and lines, so
the officer passes them on; there is no team-to-address setting (the queue is where an
officer sees, answers and counts them).

Ownership: every function acting for a resident takes the principal (``user_id``,
``person_id``, ``tenancy_id``) and raises ``NotYours`` for another resident's complaint; a
repair or request reference typed into the complaint form that is not theirs is refused with
the same words as an unknown one, so references cannot be probed. Extensions live in the
request's ``details`` JSON (``extended_by``, ``extension_reason``): no column for them.

Times: ``now`` is an aware UTC datetime; "today" is the UK date. No reflex import; the
caller commits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, select

from portal_app.clock import uk_date_words, uk_today
from portal_app.models import MoneyRequest, PortalUser, Repair
from portal_app.services.requests.common import (
    CLOSED_STATUSES,
    COMMENT,
    COMPLAINT,
    COMPLAINT_STAGE_2,
    COMPLIMENT,
    DECLINED,
    OPEN_STATUSES,
    STATUS_LABELS,
    NotYours,
    as_utc,
    normalise_request_reference,
    settings_or_default,
    text_of,
)
from portal_app.services.requests.resident import SubmitResult, submit_tenancy_request
from portal_app.services.requests.targets import COMPLAINT_ACK_WORKING_DAYS, add_working_days, closed_days, target_days
from portal_app.settings import Settings

COMPLAINT_KINDS = (COMPLAINT, COMPLAINT_STAGE_2)
FEEDBACK_KINDS = (COMPLIMENT, COMMENT)
STAGES = {COMPLAINT: 1, COMPLAINT_STAGE_2: 2}

# The Code (6.4, and the same for stage 2): no more than 10 working days more, with a reason.
MAX_EXTENSION_WORKING_DAYS = 10

TEXT_MIN_LENGTH = 10
TEXT_MAX_LENGTH = 3000
SHORT_MAX_LENGTH = 200

# The Housing Ombudsman's contact details, as the Ombudsman publishes them
# (www.housing-ombudsman.org.uk, "Contact us"). The Code (6.5 and at the end of stage 2)
# says residents are given them with an extension and with the final answer.
HOUSING_OMBUDSMAN: dict[str, str] = {
    "name": "Housing Ombudsman Service",
    "address": "PO Box 1484, Unit D, Preston, PR2 0ET",
    "phone": "0300 111 3000",
    "email": "info@housing-ombudsman.org.uk",
    "website": "https://www.housing-ombudsman.org.uk",
    "website_words": "www.housing-ombudsman.org.uk",
}

# Who a compliment or comment can be about: (value, label), in page order.
FEEDBACK_TEAMS = (
    ("repairs", "Repairs and maintenance"),
    ("rent", "Rent and income"),
    ("housing", "Your housing officer or housing management"),
    ("estates", "Caretaking, cleaning and estates"),
    ("customer_services", "Customer services (phone, email or this portal)"),
    ("someone_else", "Someone else, or I am not sure"),
)
FEEDBACK_LABELS = {COMPLIMENT: "compliment", COMMENT: "comment or suggestion"}

# How to contact the resident about their complaint: (value, label).
CONTACT_CHOICES = (("email", "By email"), ("phone", "By phone"), ("letter", "By letter"))

_REPAIR_REF = re.compile(r"^RP-?[A-Z0-9]{4,16}$")


# ---------------------------------------------------------------------------
# Deadlines (pure: dates and settings only)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintDeadlines:
    """A complaint's deadlines at one stage, in working days, as the Code counts them."""

    stage: int  # 1 or 2
    arrived_on: date  # the complaint, or the escalation request
    acknowledge_by: date
    acknowledged_on: date | None
    answer_within: int  # working days after the acknowledgement: 10 or 20
    extended_by: int  # working days added by the officer (0 to 10)
    answer_by: date  # after acknowledgement; before it, the latest it can be
    words: tuple[str, ...]  # what the resident reads, one sentence each

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_on is not None


def complaint_deadlines(
    stage: int,
    arrived_on: date,
    *,
    acknowledged_on: date | None = None,
    extended_by: int = 0,
    settings: Settings | None = None,
) -> ComplaintDeadlines:
    """The acknowledgement and answer deadlines of a complaint at ``stage`` (1 or 2) that
    arrived on ``arrived_on`` (UK date). The answer is due ``answer_within`` working days
    after the day it was acknowledged, plus ``extended_by``; before acknowledgement, the
    answer date shown is the one if it were acknowledged on the last day allowed."""
    settings = settings_or_default(settings)
    kind = COMPLAINT if stage == 1 else COMPLAINT_STAGE_2
    closed = closed_days(settings)
    within = target_days(kind, settings)
    extra = max(0, min(int(extended_by or 0), MAX_EXTENSION_WORKING_DAYS))
    ack_by = add_working_days(arrived_on, COMPLAINT_ACK_WORKING_DAYS, closed)
    counted_from = acknowledged_on or ack_by
    answer_by = add_working_days(counted_from, within + extra, closed)
    what = "complaint" if stage == 1 else "request to take your complaint to stage 2"
    words: list[str] = []
    if acknowledged_on is None:
        words.append(f"We will acknowledge your {what} by {uk_date_words(ack_by)}.")
        words.append(
            f"We will answer within {within} working days of acknowledging it: "
            f"by {uk_date_words(answer_by)} at the latest."
        )
    else:
        words.append(f"We acknowledged your {what} on {uk_date_words(acknowledged_on)}.")
        if extra:
            words.append(
                f"We need more time: we will answer by {uk_date_words(answer_by)} "
                f"({within} working days after acknowledging it, and {extra} more)."
            )
        else:
            words.append(f"We will answer by {uk_date_words(answer_by)}: {within} working days after acknowledging it.")
    return ComplaintDeadlines(stage, arrived_on, ack_by, acknowledged_on, within, extra, answer_by, tuple(words))


def stage_words(settings: Settings | None = None) -> tuple[str, str]:
    """The two stages in words, for the complaints page."""
    settings = settings_or_default(settings)
    one, two = target_days(COMPLAINT, settings), target_days(COMPLAINT_STAGE_2, settings)
    return (
        f"Stage 1: we acknowledge your complaint within {COMPLAINT_ACK_WORKING_DAYS} working days of receiving it, "
        f"and tell you how we understand it. We answer within {one} working days of acknowledging it.",
        f"Stage 2: if you are not happy with our stage 1 answer, or it is late, you can ask us to look again. "
        f"A different person looks at it. We acknowledge it within {COMPLAINT_ACK_WORKING_DAYS} working days "
        f"and answer within {two} working days of acknowledging it. This is our final answer.",
    )


def extension_of(request: MoneyRequest) -> tuple[int, str]:
    """The extension an officer recorded on a complaint: (working days, reason)."""
    details = _details(request)
    try:
        days = int(details.get("extended_by", 0) or 0)
    except (TypeError, ValueError):
        days = 0
    return max(0, min(days, MAX_EXTENSION_WORKING_DAYS)), str(details.get("extension_reason", ""))


def deadlines_of(request: MoneyRequest, settings: Settings | None = None) -> ComplaintDeadlines:
    """The deadlines of a complaint request (stage 1 or 2) as it stands."""
    extended, _reason = extension_of(request)
    return complaint_deadlines(
        STAGES.get(request.kind, 1),
        uk_today(as_utc(request.created_at)),
        acknowledged_on=uk_today(as_utc(request.acknowledged_at)) if request.acknowledged_at else None,
        extended_by=extended,
        settings=settings,
    )


def _details(request: MoneyRequest) -> dict:
    try:
        found = json.loads(request.details or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


# ---------------------------------------------------------------------------
# The resident's complaints
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ComplaintView:
    reference: str
    stage: int
    stage_words: str  # "Stage 1"
    summary: str
    status: str
    status_label: str
    is_open: bool
    made_on: str  # "21 December 2026"
    deadlines: ComplaintDeadlines
    extension_reason: str
    overdue: bool  # open and past its answer date
    can_escalate: bool
    escalate_blocker: str  # why not, in words ("" when it can, or for stage 2)
    escalated_to: str  # the stage 2's reference, "" if none
    escalated_from: str  # for a stage 2, the stage 1's reference
    ombudsman_now: bool  # the resident may go to the Ombudsman: stage 2 answered or refused


def _user(session: Session, user_id: object, person_id: object, tenancy_id: object) -> PortalUser:
    user = session.get(PortalUser, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if user is None or user.status != "active" or user.person_id != person_id or user.tenancy_id != tenancy_id:
        raise NotYours("the principal does not hang together")
    return user


def _stage_2_of(session: Session, request: MoneyRequest) -> MoneyRequest | None:
    return session.exec(
        select(MoneyRequest).where(MoneyRequest.parent_request_id == request.id, MoneyRequest.kind == COMPLAINT_STAGE_2)
    ).first()


def _view(session: Session, request: MoneyRequest, today: date, settings: Settings) -> ComplaintView:
    deadlines = deadlines_of(request, settings)
    stage = deadlines.stage
    is_open = request.status in OPEN_STATUSES
    overdue = is_open and today > deadlines.answer_by
    _days, reason = extension_of(request)
    escalated_to, escalated_from, blocker = "", "", ""
    if stage == 1:
        later = _stage_2_of(session, request)
        escalated_to = later.reference if later is not None else ""
        if later is not None:
            blocker = f"You have already asked us to take this complaint to stage 2 ({later.reference})."
        elif is_open and not overdue:
            blocker = (
                f"You can ask for stage 2 once we have answered, or if we have not answered by "
                f"{uk_date_words(deadlines.answer_by)}."
            )
    else:
        parent = session.get(MoneyRequest, request.parent_request_id) if request.parent_request_id else None
        escalated_from = parent.reference if parent is not None else ""
    return ComplaintView(
        reference=request.reference,
        stage=stage,
        stage_words=f"Stage {stage}",
        summary=request.summary,
        status=request.status,
        status_label=STATUS_LABELS.get(request.status, request.status),
        is_open=is_open,
        made_on=uk_date_words(uk_today(as_utc(request.created_at))),
        deadlines=deadlines,
        extension_reason=reason,
        overdue=overdue,
        can_escalate=stage == 1 and not blocker,
        escalate_blocker=blocker,
        escalated_to=escalated_to,
        escalated_from=escalated_from,
        ombudsman_now=stage == 2 and request.status in CLOSED_STATUSES,
    )


def my_complaints(
    session: Session, *, user_id: int, person_id: int, tenancy_id: int, now: datetime, settings: Settings | None = None
) -> list[ComplaintView]:
    """The resident's own complaints (both stages), newest first, each with its deadlines."""
    settings = settings_or_default(settings)
    user = _user(session, user_id, person_id, tenancy_id)
    rows = session.exec(
        select(MoneyRequest)
        .where(MoneyRequest.user_id == user.id, MoneyRequest.kind.in_(COMPLAINT_KINDS))
        .order_by(MoneyRequest.created_at.desc(), MoneyRequest.id.desc())
    ).all()
    today = uk_today(as_utc(now))
    return [_view(session, r, today, settings) for r in rows]


def complaint_for(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    reference: object,
    now: datetime,
    settings: Settings | None = None,
) -> ComplaintView:
    """One of the resident's own complaints; NotYours for an unknown reference, another
    kind, or someone else's (the same answer, so references cannot be probed)."""
    settings = settings_or_default(settings)
    user = _user(session, user_id, person_id, tenancy_id)
    request = _own_complaint(session, user, reference)
    return _view(session, request, uk_today(as_utc(now)), settings)


def _own_complaint(session: Session, user: PortalUser, reference: object) -> MoneyRequest:
    ref = text_of(reference).strip()[:32]
    request = (
        session.exec(select(MoneyRequest).where(MoneyRequest.reference == normalise_request_reference(ref))).first()
        if ref
        else None
    )
    if request is None or request.user_id != user.id or request.kind not in COMPLAINT_KINDS:
        raise NotYours("not one of this resident's complaints")
    return request


def _text(errors: dict[str, str], field: str, value: object, empty: str, what: str, *, required: bool = True) -> str:
    text = text_of(value).strip()
    if not text:
        if required:
            errors[field] = empty
    elif required and len(text) < TEXT_MIN_LENGTH:
        errors[field] = f"{what} must be {TEXT_MIN_LENGTH} characters or more"
    elif len(text) > TEXT_MAX_LENGTH:
        errors[field] = f"{what} must be {TEXT_MAX_LENGTH} characters or fewer"
    return text


def _about_reference(session: Session, user: PortalUser, raw: object) -> tuple[str, str | None]:
    """(the reference as we write it, an error or None) for the optional repair or request
    the complaint is about: it must be one of the resident's own (their home's repairs, or
    requests they made); an unknown one and someone else's get the same words."""
    text = re.sub(r"\s", "", text_of(raw)).upper()[:32]
    if not text:
        return "", None
    refused = "We cannot find a repair or request of yours with that reference. Check it, or leave this empty"
    if _REPAIR_REF.match(text):
        ref = text if text.startswith("RP-") else "RP-" + text[2:]
        repair = session.exec(select(Repair).where(Repair.reference == ref)).first()
        if repair is None or not (repair.user_id == user.id or repair.tenancy_id == user.tenancy_id):
            return "", refused
        return ref, None
    ref = normalise_request_reference(text)
    request = session.exec(select(MoneyRequest).where(MoneyRequest.reference == ref)).first()
    if request is None or request.user_id != user.id:
        return "", refused
    return ref, None


def _contact(errors: dict[str, str], contact_by: object, phone: object) -> tuple[str, str]:
    way = text_of(contact_by).strip() or "email"
    if way not in dict(CONTACT_CHOICES):
        errors["contact_by"] = "Choose how we should contact you"
        return "", ""
    number = text_of(phone).strip()
    if way == "phone":
        if not number:
            errors["phone"] = "Enter the phone number to call you on"
        elif len(number) > 30 or not re.fullmatch(r"\+?[\d ()-]{10,20}", number):
            errors["phone"] = "Enter a UK phone number, like 01632 960 001 or 07700 900 982"
    return way, number if way == "phone" else ""


def _steps(stage: int, deadlines: ComplaintDeadlines) -> tuple[str, ...]:
    return (
        *deadlines.words,
        "When we acknowledge it, we will tell you how we understand your complaint and what you want us to do.",
        "You can follow it under My requests and on the Complaints page.",
        *(
            ("If you are not happy with our answer, you can ask us to take it to stage 2.",)
            if stage == 1
            else ("Stage 2 is our final answer. After it, you can go to the Housing Ombudsman.",)
        ),
    )


def make_complaint(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    what_went_wrong: object,
    put_right: object,
    about: object = "",
    contact_by: object = "email",
    phone: object = "",
    now: datetime,
    settings: Settings | None = None,
) -> SubmitResult:
    """Make a stage 1 complaint: what went wrong and what the resident would like us to do
    to put it right, optionally which repair or request of theirs it is about and how to
    contact them. Errors: ``what_went_wrong``, ``put_right``, ``about``, ``contact_by``,
    ``phone``; with errors nothing is written. NotYours for a principal that does not hang
    together. The acknowledgement's next steps carry the deadlines."""
    settings = settings_or_default(settings)
    user = _user(session, user_id, person_id, tenancy_id)
    errors: dict[str, str] = {}
    wrong = _text(errors, "what_went_wrong", what_went_wrong, "Tell us what went wrong", "What went wrong")
    right = _text(
        errors, "put_right", put_right, "Tell us what you would like us to do to put it right", "What you would like"
    )
    about_ref, problem = _about_reference(session, user, about)
    if problem:
        errors["about"] = problem
    way, number = _contact(errors, contact_by, phone)
    if errors:
        return SubmitResult(None, errors)
    now = as_utc(now)
    deadlines = complaint_deadlines(1, uk_today(now), settings=settings)
    lines = [("What went wrong", wrong), ("What you would like us to do", right)]
    if about_ref:
        lines.append(("About", about_ref))
    lines.append(("How to contact you", dict(CONTACT_CHOICES)[way] + (f": {number}" if number else "")))
    return submit_tenancy_request(
        session,
        user_id=user.id,
        person_id=person_id,
        tenancy_id=tenancy_id,
        kind=COMPLAINT,
        summary="Complaint: " + wrong,
        what_you_asked="To look into your complaint and put things right.",
        lines=lines,
        next_steps=_steps(1, deadlines),
        now=now,
        settings=settings,
        details={"about": about_ref, "contact_by": way},
        limit_field="what_went_wrong",
    )


def escalate_complaint(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    reference: object,
    why: object = "",
    now: datetime,
    settings: Settings | None = None,
) -> SubmitResult:
    """Ask for the resident's own stage 1 complaint ``reference`` to go to stage 2: only one
    we have answered (completed or declined) or whose answer is overdue, and only once.
    ``why`` they are still unhappy is optional (the Code, 6.12). Makes a COMPLAINT_STAGE_2
    request whose ``parent_request_id`` is the stage 1. NotYours for anyone else's
    complaint or an unknown reference; errors: ``complaint`` (it cannot be escalated now),
    ``why``."""
    settings = settings_or_default(settings)
    user = _user(session, user_id, person_id, tenancy_id)
    stage_1 = _own_complaint(session, user, reference)
    now = as_utc(now)
    view = _view(session, stage_1, uk_today(now), settings)
    if view.stage != 1:
        return SubmitResult(None, {"complaint": "This complaint is already at stage 2, our final stage"})
    if not view.can_escalate:
        return SubmitResult(None, {"complaint": view.escalate_blocker})
    errors: dict[str, str] = {}
    reason = _text(errors, "why", why, "", "Why you are still unhappy", required=False)
    if errors:
        return SubmitResult(None, errors)
    deadlines = complaint_deadlines(2, uk_today(now), settings=settings)
    lines = [("Stage 1 complaint", stage_1.reference)]
    if reason:
        lines.append(("Why you are still unhappy", reason))
    answered = "answered" if stage_1.status in CLOSED_STATUSES else "not answered in time"
    return submit_tenancy_request(
        session,
        user_id=user.id,
        person_id=person_id,
        tenancy_id=tenancy_id,
        kind=COMPLAINT_STAGE_2,
        summary=f"Stage 2 of complaint {stage_1.reference}",
        what_you_asked=f"To look again at your complaint {stage_1.reference} at stage 2.",
        lines=lines,
        next_steps=_steps(2, deadlines),
        now=now,
        settings=settings,
        details={"stage_1": stage_1.reference, "stage_1_was": answered},
        parent_request_id=stage_1.id,
        limit_field="why",
    )


def give_feedback(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    kind: object,
    team: object,
    who: object = "",
    what_happened: object,
    now: datetime,
    settings: Settings | None = None,
) -> SubmitResult:
    """A compliment (``COMPLIMENT``) or a comment or suggestion (``COMMENT``) about a team
    (``FEEDBACK_TEAMS``), optionally naming who, with what happened. It reaches the named
    team through the back office queue (the team is in its summary). Errors: ``kind``,
    ``team``, ``who``, ``what_happened``; with errors nothing is written."""
    settings = settings_or_default(settings)
    user = _user(session, user_id, person_id, tenancy_id)
    errors: dict[str, str] = {}
    chosen = text_of(kind)
    if chosen not in FEEDBACK_KINDS:
        errors["kind"] = "Choose whether it is a compliment or a comment"
    team_value = text_of(team)
    teams = dict(FEEDBACK_TEAMS)
    if team_value not in teams:
        errors["team"] = "Choose which team it is about"
    person = text_of(who).strip()
    if len(person) > SHORT_MAX_LENGTH:
        errors["who"] = f"Who it is about must be {SHORT_MAX_LENGTH} characters or fewer"
    happened = _text(errors, "what_happened", what_happened, "Tell us what happened", "What happened")
    if errors:
        return SubmitResult(None, errors)
    label = FEEDBACK_LABELS[chosen]
    lines = [("About", teams[team_value])]
    if person:
        lines.append(("Who", person))
    lines.append(("What happened", happened))
    thanks = (
        "We will pass your compliment on to the team and the people you named."
        if chosen == COMPLIMENT
        else "We will pass your comment to the team, and tell you if it changes what we do."
    )
    return submit_tenancy_request(
        session,
        user_id=user.id,
        person_id=person_id,
        tenancy_id=tenancy_id,
        kind=chosen,
        summary=f"{label.capitalize()} for {teams[team_value]}",
        what_you_asked=f"To pass your {label} to {teams[team_value].lower()}.",
        lines=lines,
        next_steps=(thanks, "You can see it under My requests."),
        now=as_utc(now),
        settings=settings,
        details={"team": team_value, "who": person},
        limit_field="what_happened",
    )


__all__ = [
    "COMPLAINT_KINDS",
    "CONTACT_CHOICES",
    "DECLINED",
    "FEEDBACK_KINDS",
    "FEEDBACK_TEAMS",
    "HOUSING_OMBUDSMAN",
    "MAX_EXTENSION_WORKING_DAYS",
    "ComplaintDeadlines",
    "ComplaintView",
    "complaint_deadlines",
    "complaint_for",
    "deadlines_of",
    "escalate_complaint",
    "extension_of",
    "give_feedback",
    "make_complaint",
    "my_complaints",
    "stage_words",
]
