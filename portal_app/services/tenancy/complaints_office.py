"""What an officer does with a complaint (the Housing Ombudsman's Complaint Handling Code,
2024; the rules and deadlines are ``complaints.py``'s), from the back office's request page:

* ``acknowledge_complaint``: once, with a note to the resident saying how we understand the
  complaint and what they want (the Code asks landlords to set that out when a complaint is
  logged at stage 1 or escalated to stage 2). It sets ``MoneyRequest.acknowledged_at``, from
  which the answer's 10 (stage 1) or 20 (stage 2) working days count; the resident sees the
  note under My requests and is emailed the answer-by date; audited (``complaint_acknowledged``).
* ``extend_deadline``: once per stage, up to 10 working days, with a reason the resident sees
  together with the Housing Ombudsman's contact details (the Code, 6.4 and 6.5); emailed and
  audited (``complaint_extended``). Only after acknowledgement (the answer's date counts from
  it). The extension is kept in the request's ``details`` JSON (no column for it).
* ``complaint_for_staff``: the deadlines and what may be done now, for the request page.

Staff are checked in the database (active, a role that manages requests), whatever the page
believed. This module does not import ``services/requests/office.py`` (import-linter: only
the back office's own modules may); the page asks office.py for the refreshed request.
No reflex import; the caller commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from portal_app.clock import uk_date_words
from portal_app.models import MoneyRequest, PortalUser, RequestUpdate, StaffMember
from portal_app.services import audit
from portal_app.services.mail import templates as mail_templates
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.requests.common import (
    IN_PROGRESS,
    MAIL_UPDATED,
    OPEN_STATUSES,
    RECEIVED,
    STATUS_LABELS,
    NotYours,
    RequestNotFound,
    as_utc,
    kind_label,
    may_see_kind,
    normalise_request_reference,
    settings_or_default,
    text_of,
)
from portal_app.services.roles import permissions_of
from portal_app.services.tenancy.complaints import (
    COMPLAINT_KINDS,
    HOUSING_OMBUDSMAN,
    MAX_EXTENSION_WORKING_DAYS,
    ComplaintDeadlines,
    complaint_deadlines,
    deadlines_of,
    extension_of,
)
from portal_app.settings import Settings

MANAGE = "manage_requests"
NOTE_MAX_LENGTH = 2000
CONFLICT = "Someone else has just changed this complaint. Reload the page and try again."

COMPLAINT_ACKNOWLEDGED = "complaint_acknowledged"
COMPLAINT_EXTENDED = "complaint_extended"
audit.ACTION_LABELS.setdefault(COMPLAINT_ACKNOWLEDGED, "Acknowledged a complaint")
audit.ACTION_LABELS.setdefault(COMPLAINT_EXTENDED, "Extended a complaint's deadline")


@dataclass(frozen=True)
class StaffComplaint:
    reference: str
    stage: int
    deadlines: ComplaintDeadlines
    words: tuple[str, ...]  # for the officer: "Acknowledge by ...", "Answer by ..."
    can_acknowledge: bool
    can_extend: bool
    extension_words: str  # "Extended by 5 working days: <reason>", or ""


@dataclass(frozen=True)
class ComplaintStep:
    complaint: StaffComplaint | None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.complaint is not None


def _member(session: Session, staff_id: object) -> StaffMember:
    wanted = staff_id if isinstance(staff_id, int) and not isinstance(staff_id, bool) else None
    member = session.get(StaffMember, wanted) if wanted is not None else None
    if member is None or member.status != "active" or MANAGE not in permissions_of(member.role):
        raise NotYours("not a member of staff who may do this")
    return member


def _find(session: Session, reference: object, member: StaffMember) -> MoneyRequest:
    request = session.exec(
        select(MoneyRequest).where(MoneyRequest.reference == normalise_request_reference(reference))
    ).first()
    if request is None or not may_see_kind(request.kind, permissions_of(member.role)):
        raise RequestNotFound(text_of(reference)[:32])
    return request


def _staff_view(request: MoneyRequest, settings: Settings) -> StaffComplaint:
    d = deadlines_of(request, settings)
    days, reason = extension_of(request)
    is_open = request.status in OPEN_STATUSES
    if d.acknowledged:
        words = (
            f"Acknowledged on {uk_date_words(d.acknowledged_on)} (due by {uk_date_words(d.acknowledge_by)}).",
            f"Answer due by {uk_date_words(d.answer_by)}: {d.answer_within} working days after acknowledging it"
            + (f", and {days} more." if days else "."),
        )
    else:
        words = (
            f"Acknowledge by {uk_date_words(d.acknowledge_by)} (the Code: 5 working days from arrival).",
            f"Answer due {d.answer_within} working days after you acknowledge it: by "
            f"{uk_date_words(d.answer_by)} at the latest.",
        )
    return StaffComplaint(
        reference=request.reference,
        stage=d.stage,
        deadlines=d,
        words=words,
        can_acknowledge=is_open and not d.acknowledged,
        can_extend=is_open and d.acknowledged and days == 0,
        extension_words=f"Extended by {days} working days: {reason}" if days else "",
    )


def complaint_for_staff(
    session: Session, reference: object, staff_id: object, *, settings: Settings | None = None
) -> StaffComplaint | None:
    """A complaint's deadlines for the request page; None when the request is not a
    complaint. RequestNotFound / NotYours as the rest of the back office."""
    settings = settings_or_default(settings)
    member = _member(session, staff_id)
    request = _find(session, reference, member)
    if request.kind not in COMPLAINT_KINDS:
        return None
    return _staff_view(request, settings)


def _note_error(text: str, empty: str) -> str | None:
    if not text:
        return empty
    if len(text) > NOTE_MAX_LENGTH:
        return f"Your note must be {NOTE_MAX_LENGTH} characters or fewer"
    return None


def _tell(
    session: Session, request: MoneyRequest, member: StaffMember, *, note: str, meaning: str, now, settings
) -> None:
    session.add(
        RequestUpdate(
            request_id=request.id,
            at=now,
            status=request.status,
            note=note,
            staff_id=member.id,
            officer_id=member.officer_id,
        )
    )
    user = session.get(PortalUser, request.user_id)
    mail = mail_templates.request_updated(
        reference=request.reference,
        kind_label=kind_label(request.kind),
        what_you_asked=f"{kind_label(request.kind).lower()}.",
        status_label=STATUS_LABELS.get(request.status, request.status),
        what_it_means=meaning,
        has_message=True,
        settings=settings,
    )
    queue_mail(session, to=user.email, subject=mail.subject, body=mail.body, kind=MAIL_UPDATED, now=now)


def acknowledge_complaint(
    session: Session,
    reference: object,
    *,
    staff_id: object,
    note: object,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> ComplaintStep:
    """Acknowledge a complaint (either stage), once, with ``note``: how we understand the
    complaint and what the resident wants. Moves a received complaint to in progress (and
    assigns it to the officer when nobody has it). Errors: ``ack_note``; nothing written
    with errors."""
    settings = settings_or_default(settings)
    now = as_utc(now)
    member = _member(session, staff_id)
    request = _find(session, reference, member)
    if request.kind not in COMPLAINT_KINDS:
        return ComplaintStep(None, {"ack_note": "This request is not a complaint"})
    if request.acknowledged_at is not None:
        return ComplaintStep(None, {"ack_note": "This complaint has already been acknowledged"})
    if request.status not in OPEN_STATUSES:
        return ComplaintStep(None, {"ack_note": f"This complaint is {STATUS_LABELS[request.status].lower()}"})
    text = text_of(note).strip()
    if (problem := _note_error(text, "Say how you understand the complaint and what the resident wants")) is not None:
        return ComplaintStep(None, {"ack_note": problem})
    changes: dict = {"acknowledged_at": now, "updated_at": now}
    if request.status == RECEIVED:
        changes["status"] = IN_PROGRESS
    if request.assigned_staff_id is None:
        changes.update(assigned_staff_id=member.id, assigned_at=now)
    moved = session.execute(
        update(MoneyRequest)
        .where(MoneyRequest.id == request.id, MoneyRequest.acknowledged_at.is_(None))
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return ComplaintStep(None, {"ack_note": CONFLICT})
    session.refresh(request)
    d = deadlines_of(request, settings)
    stage = f"stage {d.stage}"
    _tell(
        session,
        request,
        member,
        note=(
            f"We have acknowledged your complaint ({stage}). This is how we understand it:\n\n{text}\n\n"
            f"If we have got it wrong, reply to tell us. We will answer by {uk_date_words(d.answer_by)}."
        ),
        meaning=f"We have acknowledged your complaint ({stage}). We will answer it by {uk_date_words(d.answer_by)}.",
        now=now,
        settings=settings,
    )
    audit.record(
        session,
        action=COMPLAINT_ACKNOWLEDGED,
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        subject_user_id=request.user_id,
        target=request.reference,
        detail={"stage": d.stage, "answer_by": d.answer_by.isoformat()},
        client_ip=client_ip,
        now=now,
    )
    session.flush()
    return ComplaintStep(_staff_view(request, settings))


def _days(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = text_of(raw).strip()
    return int(text) if text.isdigit() and len(text) < 4 else None


def extend_deadline(
    session: Session,
    reference: object,
    *,
    staff_id: object,
    days: object,
    reason: object,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> ComplaintStep:
    """Extend an acknowledged, open complaint's answer deadline by ``days`` (1 to 10 working
    days), once, with ``reason`` (shown to the resident, with the Housing Ombudsman's
    details). Errors: ``extend_days``, ``extend_reason``; nothing written with errors."""
    settings = settings_or_default(settings)
    now = as_utc(now)
    member = _member(session, staff_id)
    request = _find(session, reference, member)
    if request.kind not in COMPLAINT_KINDS:
        return ComplaintStep(None, {"extend_days": "This request is not a complaint"})
    if request.status not in OPEN_STATUSES:
        return ComplaintStep(None, {"extend_days": f"This complaint is {STATUS_LABELS[request.status].lower()}"})
    if request.acknowledged_at is None:
        return ComplaintStep(None, {"extend_days": "Acknowledge the complaint first: its answer date counts from then"})
    if extension_of(request)[0]:
        return ComplaintStep(None, {"extend_days": "This complaint's deadline has already been extended once"})
    errors: dict[str, str] = {}
    n = _days(days)
    if n is None or not 1 <= n <= MAX_EXTENSION_WORKING_DAYS:
        errors["extend_days"] = f"Enter a number of working days from 1 to {MAX_EXTENSION_WORKING_DAYS}"
    text = text_of(reason).strip()
    if (problem := _note_error(text, "Say why you need more time")) is not None:
        errors["extend_reason"] = problem
    if errors:
        return ComplaintStep(None, errors)
    details = json.loads(request.details or "{}") if (request.details or "").startswith("{") else {}
    before = request.details
    details.update(extended_by=n, extension_reason=text, extended_at=now.isoformat(), extended_by_staff=member.id)
    moved = session.execute(
        update(MoneyRequest)
        .where(MoneyRequest.id == request.id, MoneyRequest.details == before)
        .values(details=json.dumps(details, sort_keys=True), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return ComplaintStep(None, {"extend_days": CONFLICT})
    session.refresh(request)
    d = deadlines_of(request, settings)
    o = HOUSING_OMBUDSMAN
    _tell(
        session,
        request,
        member,
        note=(
            f"We need more time to answer your complaint. We will now answer by {uk_date_words(d.answer_by)}, "
            f"{n} working days later than we said, because:\n\n{text}\n\n"
            f"If you are unhappy about this, you can contact the {o['name']}: {o['address']}; phone {o['phone']}; "
            f"email {o['email']}; {o['website_words']}."
        ),
        meaning=f"We need more time to answer your complaint. We will answer it by {uk_date_words(d.answer_by)}.",
        now=now,
        settings=settings,
    )
    audit.record(
        session,
        action=COMPLAINT_EXTENDED,
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        subject_user_id=request.user_id,
        target=request.reference,
        detail={"stage": d.stage, "working_days": n, "answer_by": d.answer_by.isoformat()},
        client_ip=client_ip,
        now=now,
    )
    session.flush()
    return ComplaintStep(_staff_view(request, settings))


__all__ = [
    "COMPLAINT_ACKNOWLEDGED",
    "COMPLAINT_EXTENDED",
    "ComplaintStep",
    "StaffComplaint",
    "acknowledge_complaint",
    "complaint_deadlines",
    "complaint_for_staff",
    "extend_deadline",
]
