"""Requests residents make about their money: what the income officers do with them.

The officer's queue (``officer_queue``: theirs, or the unassigned ones), moving a
request on (``update_request``, following ``common.TRANSITIONS``; the resident is
emailed that there is an update, never the note itself), and the refund's bank details,
decrypted only for the officer the request is assigned to (``reveal_bank_details``).

Declining, waiting_for_you, reopening and repeating the current status need a note;
notes are shown to the resident. The caller (the back office) checks that its user is
an officer with the right permission; nothing outside the back office imports this
module (the resident's side is ``resident.py``, which never does). No reflex import.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from portal_app.clock import uk_date_words
from portal_app.models import Account, MoneyRequest, Officer, Person, PortalUser, RequestUpdate, Tenancy
from portal_app.services.mail import templates as mail_templates
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.money import format_pence
from portal_app.services.requests.common import (
    BENEFIT_TOPICS,
    BENEFITS_ADVICE,
    CLOSED_STATUSES,
    DECLINED,
    DONE,
    IN_PROGRESS,
    KIND_LABELS,
    MAIL_UPDATED,
    OPEN_STATUSES,
    PAPER_STATEMENT,
    QUERY,
    REFUND,
    STANDING_ORDER,
    STATUS_LABELS,
    TRANSITIONS,
    WAITING_FOR_YOU,
    DetailLine,
    NotYours,
    RequestNotFound,
    account_words,
    as_utc,
    detail_lines,
    mask_bank_details,
    normalise_request_reference,
    settings_or_default,
    text_of,
)
from portal_app.services.tokens import decrypt
from portal_app.settings import Settings

OFFICER_NOTE_MAX_LENGTH = 2000


@dataclass(frozen=True)
class BankDetails:
    account_name: str
    sort_code: str  # "12-34-56"
    account_number: str  # 8 digits

    def __repr__(self) -> str:  # never print bank details into a log
        return f"BankDetails({mask_bank_details(self.account_name, self.sort_code, self.account_number)})"


@dataclass(frozen=True)
class QueueItem:
    reference: str
    kind: str
    kind_label: str
    summary: str
    status: str
    status_label: str
    officer_id: int | None
    officer_name: str | None
    account_id: int
    account_ref: str
    tenancy_ref: str
    resident_name: str
    resident_email: str
    amount_pence: int | None
    needs_joint_consent: bool
    has_bank_details: bool
    lines: tuple[DetailLine, ...]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class UpdateResult:
    item: QueueItem | None
    errors: dict[str, str] = field(default_factory=dict)  # "status" | "note"

    @property
    def ok(self) -> bool:
        return self.item is not None


# ---------------------------------------------------------------------------
# The officers' queue
# ---------------------------------------------------------------------------


def _queue_item(session: Session, request: MoneyRequest) -> QueueItem:
    account = session.get(Account, request.account_id)
    tenancy = session.get(Tenancy, account.tenancy_id)
    person = session.get(Person, request.person_id)
    user = session.get(PortalUser, request.user_id)
    officer = session.get(Officer, request.officer_id) if request.officer_id else None
    return QueueItem(
        reference=request.reference,
        kind=request.kind,
        kind_label=KIND_LABELS.get(request.kind, request.kind),
        summary=request.summary,
        status=request.status,
        status_label=STATUS_LABELS.get(request.status, request.status),
        officer_id=request.officer_id,
        officer_name=officer.name if officer else None,
        account_id=account.id,
        account_ref=account.account_ref,
        tenancy_ref=tenancy.tenancy_ref,
        resident_name=f"{person.first_name} {person.last_name}",
        resident_email=user.email,
        amount_pence=request.amount_pence,
        needs_joint_consent=request.needs_joint_consent,
        has_bank_details=request.bank_details_enc is not None,
        lines=detail_lines(session, request),
        created_at=request.created_at,
        updated_at=request.updated_at,
    )


def officer_queue(session: Session, officer_id: int | None, statuses: Iterable[str] | None = None) -> list[QueueItem]:
    """An officer's requests (``officer_id=None``: the unassigned ones), oldest first.
    ``statuses`` defaults to the open ones; unknown statuses raise ValueError."""
    wanted = tuple(OPEN_STATUSES if statuses is None else statuses)
    unknown = [s for s in wanted if s not in STATUS_LABELS]
    if unknown:
        raise ValueError(f"unknown statuses: {unknown}")
    stmt = select(MoneyRequest).where(MoneyRequest.status.in_(wanted))
    stmt = stmt.where(
        MoneyRequest.officer_id.is_(None) if officer_id is None else MoneyRequest.officer_id == officer_id
    )
    rows = session.exec(stmt.order_by(MoneyRequest.created_at, MoneyRequest.id)).all()
    return [_queue_item(session, r) for r in rows]


_WHAT_IT_MEANS = {
    IN_PROGRESS: "We are working on your request.",
    WAITING_FOR_YOU: "We need something from you before we can carry on.",  # always with a note
    DONE: "We have finished dealing with your request.",
    DECLINED: "We could not do what you asked.",  # always with a note saying why
}


def _what_you_asked_for_mail(session: Session, request: MoneyRequest) -> str:
    account = session.get(Account, request.account_id)
    words = account_words(account)
    if request.kind == QUERY:
        return f"a question about {words}."
    if request.kind == STANDING_ORDER:
        return f"our standing order details for {words}, by post."
    if request.kind == REFUND:
        return f"a refund of {format_pence(request.amount_pence or 0)} from {words}."
    if request.kind == BENEFITS_ADVICE:
        try:
            topic = json.loads(request.details or "{}").get("topic", "")
        except ValueError:
            topic = ""
        return f"advice about {dict(BENEFIT_TOPICS).get(topic, 'benefits')}."
    if request.kind == PAPER_STATEMENT and request.period_from and request.period_to:
        return (
            f"a paper statement of {words} from {uk_date_words(request.period_from)} "
            f"to {uk_date_words(request.period_to)}, by post."
        )
    return f"{KIND_LABELS.get(request.kind, 'a request').lower()}."


def update_request(
    session: Session,
    reference: str,
    *,
    status: str,
    note: str,
    officer_id: int,
    now: datetime,
    settings: Settings | None = None,
) -> UpdateResult:
    """An officer moves a request on (see TRANSITIONS) and the resident is emailed.

    ``note`` is shown to the resident; it is required to decline, to ask the resident for
    something, to reopen a closed request, and to repeat the current status. An
    unassigned request is assigned to the officer who updates it. Raises RequestNotFound
    for an unknown reference and NotYours for an unknown officer. Errors: ``status``,
    ``note``; with errors nothing is written."""
    settings = settings_or_default(settings)
    officer = (
        session.get(Officer, officer_id) if isinstance(officer_id, int) and not isinstance(officer_id, bool) else None
    )
    if officer is None:
        raise NotYours("no such officer")
    request = session.exec(
        select(MoneyRequest).where(MoneyRequest.reference == normalise_request_reference(reference))
    ).first()
    if request is None:
        raise RequestNotFound(reference)

    errors: dict[str, str] = {}
    old = request.status
    new = text_of(status)
    text = text_of(note).strip()
    if new not in STATUS_LABELS:
        errors["status"] = "Select a status"
    elif new not in TRANSITIONS.get(old, ()):
        if old in CLOSED_STATUSES:
            errors["status"] = (
                f"This request is {STATUS_LABELS[old].lower()}. To reopen it, choose "
                f"{STATUS_LABELS[IN_PROGRESS]} and say why"
            )
        else:
            errors["status"] = f"A request cannot go from {STATUS_LABELS[old]} to {STATUS_LABELS[new]}"
    if len(text) > OFFICER_NOTE_MAX_LENGTH:
        errors["note"] = f"Note must be {OFFICER_NOTE_MAX_LENGTH} characters or fewer"
    elif not text and "status" not in errors:
        if old in CLOSED_STATUSES:
            errors["note"] = "Say why you are reopening this request"
        elif new == DECLINED:
            errors["note"] = "Say why you are declining this request"
        elif new == WAITING_FOR_YOU:
            errors["note"] = "Say what you need from the resident"
        elif new == old:
            errors["note"] = "Add a note, or choose a different status"
    if errors:
        return UpdateResult(None, errors)

    now = as_utc(now)
    # Only from the status we checked: two officers at once cannot both move it.
    values = {"status": new, "updated_at": now}
    if request.officer_id is None:
        values["officer_id"] = officer.id
    moved = session.execute(
        update(MoneyRequest)
        .where(MoneyRequest.id == request.id, MoneyRequest.status == old)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return UpdateResult(None, {"status": "Someone else has just changed this request. Reload it and try again."})
    session.refresh(request)
    session.add(RequestUpdate(request_id=request.id, at=now, status=new, note=text, officer_id=officer.id))
    user = session.get(PortalUser, request.user_id)
    meaning = (
        "We have reopened your request and are working on it again." if old in CLOSED_STATUSES else _WHAT_IT_MEANS[new]
    )
    mail = mail_templates.request_updated(
        reference=request.reference,
        kind_label=KIND_LABELS.get(request.kind, request.kind),
        what_you_asked=_what_you_asked_for_mail(session, request),
        status_label=STATUS_LABELS[new],
        what_it_means=meaning,
        has_message=bool(text),
        settings=settings,
    )
    queue_mail(session, to=user.email, subject=mail.subject, body=mail.body, kind=MAIL_UPDATED, now=now)
    session.flush()
    return UpdateResult(_queue_item(session, request))


def reveal_bank_details(session: Session, reference: str, officer_id: int) -> BankDetails:
    """The refund's bank details, decrypted, for the officer the request is assigned to.
    Raises RequestNotFound (unknown reference, or no bank details on it) or NotYours
    (any other officer, or an unassigned request)."""
    request = session.exec(
        select(MoneyRequest).where(MoneyRequest.reference == normalise_request_reference(reference))
    ).first()
    if request is None or request.bank_details_enc is None:
        raise RequestNotFound(reference)
    if request.officer_id is None or request.officer_id != officer_id or isinstance(officer_id, bool):
        raise NotYours("only the assigned officer may see these bank details")
    data = json.loads(decrypt(request.bank_details_enc))
    sort = data["sort_code"]
    return BankDetails(data["account_name"], f"{sort[:2]}-{sort[2:4]}-{sort[4:]}", data["account_number"])


__all__ = ["BankDetails", "QueueItem", "UpdateResult", "officer_queue", "reveal_bank_details", "update_request"]
