"""Requests residents make: what officers do with them in the back office.

The queue (``request_queue``): every resident request of every kind in one list, oldest
first, 50 a page, filtered by kind, status, who it is assigned to, patch and age. Kinds
come from ``common.KIND_LABELS``, so a kind a later issue adds is listed without a change
here; a kind in ``common.KIND_PERMISSIONS`` (residents' data-rights requests) is shown
only to staff whose role grants that permission, and is "not found" to the others. Such
a request is about the resident, not an account (``account_id`` is NULL): its tenancy
is the resident's own (``PortalUser.tenancy_id``).

The patch is the landlord's own: the officers the feed names on the tenancy (its income
officer and its housing officer), live from the feed, so a patch moved from one officer
to another brings its open requests with it. (Postcode districts were the other choice;
landlords draw patches by estate, and the feed already says whose each tenancy is.)

One request (``open_request``): its whole story, every step with who wrote it, its wait
against the target (``targets.py``), the joint tenant's answer for a joint refund
(``consent.py``). Opening it writes ``request_viewed`` to the audit log with the
resident as its subject. What an officer does with it, each in one unit of work with its
audit line, and with errors nothing written:

* ``assign_request``: to any active member of staff who manages requests (and may see
  the kind), themselves included; the assignee is emailed the reference, the kind and a
  link (``routing.assign``), unless they assigned it to themselves.
* ``update_request``: a reply or a change of status (``common.TRANSITIONS``); the note is
  shown to the resident under "My requests" with the officer's name, and the resident is
  emailed that there is an update (never the note). Declining, waiting_for_you,
  reopening and repeating the status need a note. An unassigned request is assigned to
  the officer who updates it. The first move of a joint refund asks the other tenant
  (``consent.ask_all``).
* ``decide_request``: approve or decline a kind that needs a decision
  (``common.NEEDS_DECISION``: refunds; later payment plans). Declining needs a reason.
  Approving a joint refund is refused until the other tenant has agreed. A refund is
  "completed" only by ``mark_refund_paid`` (after approval), which deletes its bank
  details (``bank_details_enc`` NULL; the masked line stays).
* ``reveal_bank_details``: only for the member of staff the refund is assigned to, whose
  role may (``reveal_bank_details``); audited (``bank_details_revealed``), the details
  never in the audit line; nothing once the refund is paid.

Staff are identified by ``staff_member.id`` (``staff_id``); each function checks in the
database that they are active and what their role allows, whatever the page believed.
Nothing outside the back office imports this module (import-linter; the resident's side
is ``resident.py``). No reflex import; the caller (``in_transaction``) commits.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_, update
from sqlmodel import Session, select

from portal_app.clock import uk_date_words, uk_time_words, uk_today
from portal_app.models import (
    Account,
    JointConsent,
    MoneyRequest,
    Officer,
    Person,
    PortalUser,
    RequestUpdate,
    StaffMember,
    Tenancy,
)
from portal_app.services import audit
from portal_app.services.mail import templates as mail_templates
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.money import format_pence
from portal_app.services.requests import consent, routing
from portal_app.services.requests.common import (
    BENEFIT_TOPICS,
    BENEFITS_ADVICE,
    CLOSED_STATUSES,
    DECLINED,
    DONE,
    IN_PROGRESS,
    KIND_LABELS,
    KIND_PERMISSIONS,
    MAIL_UPDATED,
    NEEDS_DECISION,
    OPEN_STATUSES,
    PAPER_STATEMENT,
    PAYMENT_PLAN,
    QUERY,
    RECEIVED,
    REFUND,
    STANDING_ORDER,
    STATUS_LABELS,
    TRANSITIONS,
    WAITING_FOR_YOU,
    DetailLine,
    NotYours,
    RequestNotFound,
    account_label,
    account_words,
    as_utc,
    detail_lines,
    kind_label,
    mask_bank_details,
    may_see_kind,
    normalise_request_reference,
    settings_or_default,
    text_of,
)
from portal_app.services.requests.targets import (
    CALENDAR_TARGETS,
    Wait,
    arrived_before,
    arrived_before_calendar,
    kinds_with_own_target,
    target_days,
    wait_of,
)
from portal_app.services.roles import permissions_of
from portal_app.services.tokens import decrypt
from portal_app.settings import Settings

OFFICER_NOTE_MAX_LENGTH = 2000
PAGE_SIZE = 50
MANAGE = "manage_requests"
REVEAL = "reveal_bank_details"
CONFLICT = "Someone else has just changed this request. Reload it and try again."

# Filter values (the queue page's query parameters).
OPEN, CLOSED, ALL = "open", "closed", "all"
ME, UNASSIGNED, ANYONE = "me", "unassigned", "anyone"
OVERDUE = "overdue"
AGE_CHOICES = (
    ("", "Any age"),
    (OVERDUE, "Overdue"),
    ("5", "Waited more than 5 working days"),
    ("10", "Waited more than 10 working days"),
    ("20", "Waited more than 20 working days"),
)
APPROVE, DECLINE = "approve", "decline"

# What the resident reads when their request is approved (the step's note, and the email).
APPROVED_NOTES = {
    REFUND: "We have approved your refund. We will pay it into the bank account you gave us and tell you when we have.",
    # common.PERMISSION: the officer's message that follows is the permission's conditions
    # (services/tenancy/permissions.py shows them to the resident as such).
    "permission": "We have given you permission.",
}
APPROVED_NOTE = "We have approved your request."


# ---------------------------------------------------------------------------
# What goes back to the pages
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class BankDetails:
    account_name: str
    sort_code: str  # "12-34-56"
    account_number: str  # 8 digits

    def __repr__(self) -> str:  # never print bank details into a log
        return f"BankDetails({mask_bank_details(self.account_name, self.sort_code, self.account_number)})"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class QueueFilters:
    kind: str = ""  # "" any, else a kind
    status: str = OPEN  # open | closed | all | one status
    assigned: str = ANYONE  # me | unassigned | anyone | a staff id
    patch: str = ""  # "" any, else an officer id (the feed's)
    age: str = ""  # "" any | overdue | a number of working days waited (more than)
    page: int = 1

    def query(self) -> dict[str, str]:
        """The filters as the queue page's query parameters (defaults left out)."""
        default = QueueFilters()
        found = {
            name: str(getattr(self, name))
            for name in ("kind", "status", "assigned", "patch", "age", "page")
            if getattr(self, name) != getattr(default, name)
        }
        return found


@dataclass(frozen=True)
class QueueRow:
    reference: str
    kind: str
    kind_label: str
    summary: str
    status: str
    status_label: str
    is_open: bool
    resident_name: str
    account_ref: str  # "" for a request about the resident rather than an account
    tenancy_ref: str
    patch: str  # the feed's officers for the tenancy, "Priya Shah" or "Priya Shah and Tom Reid"
    assigned_staff_id: int | None
    assigned_name: str  # "" unassigned
    created_at: datetime
    arrived_words: str  # "22 November 2026"
    waited: int
    target: int
    waited_words: str  # "Waited 3 of 10 working days"
    due_words: str
    overdue: bool


@dataclass(frozen=True)
class QueuePage:
    rows: tuple[QueueRow, ...]
    total: int
    page: int
    pages: int
    filters: QueueFilters
    kinds: tuple[Choice, ...]
    statuses: tuple[Choice, ...]
    assignees: tuple[Choice, ...]
    patches: tuple[Choice, ...]
    ages: tuple[Choice, ...]

    @property
    def first_shown(self) -> int:
        return 0 if not self.rows else (self.page - 1) * PAGE_SIZE + 1

    @property
    def last_shown(self) -> int:
        return 0 if not self.rows else self.first_shown + len(self.rows) - 1


@dataclass(frozen=True)
class QueueCounts:
    mine_open: int
    mine_overdue: int
    unassigned: int


@dataclass(frozen=True)
class UpdateLine:
    at_words: str
    status_label: str
    note: str
    by: str  # "Rachel Adeyemi", or "the resident" (read after "by")


@dataclass(frozen=True)
class RequestView:
    reference: str
    kind: str
    kind_label: str
    summary: str
    status: str
    status_label: str
    is_open: bool
    resident_name: str
    resident_email: str
    resident_user_id: int
    account_label: str  # "" when about the resident rather than an account
    account_ref: str
    tenancy_ref: str
    patch: str
    raised_by: str  # assisted digital: the member of staff who raised it for the resident
    assigned_staff_id: int | None
    assigned_name: str
    assigned_to_viewer: bool
    assignees: tuple[Choice, ...]  # who else it can be assigned to
    created_words: str
    wait: Wait
    lines: tuple[DetailLine, ...]
    updates: tuple[UpdateLine, ...]
    next_statuses: tuple[Choice, ...]  # what the reply form offers
    needs_decision: bool
    approved_words: str  # "Approved by Rachel Adeyemi at 10:42 on 24 November 2026", or ""
    can_approve: bool
    approve_blocker: str  # why approving is refused now, in words
    is_refund: bool
    amount_words: str  # "£40.00" for a refund
    paid_words: str
    can_mark_paid: bool
    bank_details_masked: str
    has_bank_details: bool  # still held (deleted once paid)
    can_reveal: bool  # this viewer may reveal them now
    consent: consent.ConsentSummary


@dataclass(frozen=True)
class UpdateResult:
    item: RequestView | None
    errors: dict[str, str] = field(default_factory=dict)  # field -> message

    @property
    def ok(self) -> bool:
        return self.item is not None


@dataclass(frozen=True)
class QueueItem:
    """A request in a feed officer's patch (``officer_queue``)."""

    reference: str
    kind: str
    kind_label: str
    summary: str
    status: str
    status_label: str
    officer_id: int | None
    officer_name: str | None
    account_id: int | None
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


# ---------------------------------------------------------------------------
# Who is asking, and which request
# ---------------------------------------------------------------------------


def _as_id(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = text_of(value).strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


def _member(session: Session, staff_id: object, permission: str = MANAGE) -> StaffMember:
    """The active member of staff ``staff_id`` whose role grants ``permission``; else NotYours."""
    wanted = _as_id(staff_id)
    member = session.get(StaffMember, wanted) if wanted is not None else None
    if member is None or member.status != "active" or permission not in permissions_of(member.role):
        raise NotYours("not a member of staff who may do this")
    return member


def _permissions(member: StaffMember) -> frozenset[str]:
    return permissions_of(member.role)


def _find(session: Session, reference: object, member: StaffMember, *, lock: bool = False) -> MoneyRequest:
    """The request with this reference that this member of staff may see; else RequestNotFound
    (an unknown reference and a kind they may not see get the same answer)."""
    stmt = select(MoneyRequest).where(MoneyRequest.reference == normalise_request_reference(reference))
    if lock:
        stmt = stmt.with_for_update()
    request = session.exec(stmt).first()
    if request is None or not may_see_kind(request.kind, _permissions(member)):
        raise RequestNotFound(text_of(reference)[:32])
    return request


def _hidden_kinds(member: StaffMember) -> list[str]:
    allowed = _permissions(member)
    return [kind for kind in KIND_PERMISSIONS if not may_see_kind(kind, allowed)]


# ---------------------------------------------------------------------------
# The queue
# ---------------------------------------------------------------------------

_KIND_SHAPE = re.compile(r"^[a-z_]{1,30}$")


def parse_filters(raw: Mapping[str, object]) -> QueueFilters:
    """The queue's filters from what the browser sent (its address's query): anything
    unknown or malformed is the default."""

    def text(name: str) -> str:
        return text_of(raw.get(name, "")).strip()[:30]

    kind = text("kind")
    status = text("status") or OPEN
    assigned = text("assigned") or ANYONE
    patch = text("patch")
    age = text("age")
    page = text("page")
    return QueueFilters(
        kind=kind if _KIND_SHAPE.match(kind) else "",
        status=status if status in (OPEN, CLOSED, ALL) or status in STATUS_LABELS else OPEN,
        assigned=assigned
        if assigned in (ME, UNASSIGNED, ANYONE) or (assigned.isdigit() and len(assigned) < 12)
        else ANYONE,
        patch=patch if patch.isdigit() and len(patch) < 12 else "",
        age=age if age == OVERDUE or (age.isdigit() and len(age) <= 3) else "",
        page=min(int(page), 100_000) if page.isdigit() and int(page) >= 1 else 1,
    )


def _overdue_clause(today, settings: Settings):
    """Open requests past their kind's target (each kind's own, else the default)."""
    own = kinds_with_own_target(settings)
    parts = [
        and_(MoneyRequest.kind == kind, MoneyRequest.created_at < arrived_before(today, days, settings))
        for kind, days in own.items()
    ]
    # Kinds counted in days, not working days (a mutual exchange's 42).
    parts += [
        and_(
            MoneyRequest.kind == kind,
            MoneyRequest.created_at < arrived_before_calendar(today, target_days(kind, settings)),
        )
        for kind in CALENDAR_TARGETS
    ]
    special = [*own, *CALENDAR_TARGETS]
    rest = MoneyRequest.created_at < arrived_before(today, max(settings.request_target_working_days, 1), settings)
    rest = and_(MoneyRequest.kind.not_in(special), rest)
    return and_(MoneyRequest.status.in_(OPEN_STATUSES), or_(*parts, rest))


def _queue_statement(member: StaffMember, filters: QueueFilters, *, today, settings: Settings):
    stmt = (
        select(MoneyRequest, Account, Tenancy)
        .join(PortalUser, PortalUser.id == MoneyRequest.user_id)
        .outerjoin(Account, Account.id == MoneyRequest.account_id)
        .join(Tenancy, Tenancy.id == func.coalesce(Account.tenancy_id, PortalUser.tenancy_id))
    )
    hidden = _hidden_kinds(member)
    if hidden:
        stmt = stmt.where(MoneyRequest.kind.not_in(hidden))
    if filters.kind:
        stmt = stmt.where(MoneyRequest.kind == filters.kind)
    if filters.status == OPEN:
        stmt = stmt.where(MoneyRequest.status.in_(OPEN_STATUSES))
    elif filters.status == CLOSED:
        stmt = stmt.where(MoneyRequest.status.in_(CLOSED_STATUSES))
    elif filters.status != ALL:
        stmt = stmt.where(MoneyRequest.status == filters.status)
    if filters.assigned == ME:
        stmt = stmt.where(MoneyRequest.assigned_staff_id == member.id)
    elif filters.assigned == UNASSIGNED:
        stmt = stmt.where(MoneyRequest.assigned_staff_id.is_(None))
    elif filters.assigned != ANYONE:
        stmt = stmt.where(MoneyRequest.assigned_staff_id == int(filters.assigned))
    if filters.patch:
        officer_id = int(filters.patch)
        stmt = stmt.where(or_(Tenancy.income_officer_id == officer_id, Tenancy.housing_officer_id == officer_id))
    if filters.age == OVERDUE:
        stmt = stmt.where(_overdue_clause(today, settings))
    elif filters.age:
        stmt = stmt.where(MoneyRequest.created_at < arrived_before(today, int(filters.age), settings))
    return stmt


def _count(session: Session, stmt) -> int:
    return int(session.exec(select(func.count()).select_from(stmt.subquery())).one())


def _name(person: Person | None) -> str:
    return f"{person.first_name} {person.last_name}" if person else ""


def _patch_words(session: Session, tenancy: Tenancy | None) -> str:
    if tenancy is None:
        return ""
    names: list[str] = []
    for officer_id in (tenancy.income_officer_id, tenancy.housing_officer_id):
        officer = session.get(Officer, officer_id) if officer_id else None
        if officer is not None and officer.name not in names:
            names.append(officer.name)
    return " and ".join(names)


def _staff_name(session: Session, staff_id: int | None) -> str:
    member = session.get(StaffMember, staff_id) if staff_id else None
    return member.name if member else ""


def _wait(request: MoneyRequest, now: datetime, settings: Settings) -> Wait:
    is_open = request.status in OPEN_STATUSES
    return wait_of(
        request.kind,
        request.created_at,
        now=as_utc(now),
        is_open=is_open,
        closed_at=None if is_open else request.updated_at,
        settings=settings,
    )


def _row(session: Session, request: MoneyRequest, account: Account | None, tenancy: Tenancy, now, settings) -> QueueRow:
    wait = _wait(request, now, settings)
    return QueueRow(
        reference=request.reference,
        kind=request.kind,
        kind_label=kind_label(request.kind),
        summary=request.summary,
        status=request.status,
        status_label=STATUS_LABELS.get(request.status, request.status),
        is_open=request.status in OPEN_STATUSES,
        resident_name=_name(session.get(Person, request.person_id)),
        account_ref=account.account_ref if account is not None else "",
        tenancy_ref=tenancy.tenancy_ref,
        patch=_patch_words(session, tenancy),
        assigned_staff_id=request.assigned_staff_id,
        assigned_name=_staff_name(session, request.assigned_staff_id),
        created_at=request.created_at,
        arrived_words=uk_date_words(uk_today(request.created_at)),
        waited=wait.waited,
        target=wait.target,
        waited_words=wait.words,
        due_words=wait.due_words,
        overdue=wait.overdue,
    )


def assignable_staff(session: Session, kind: str = "") -> list[StaffMember]:
    """Active staff who manage requests (and may see ``kind``), by name."""
    found = session.exec(select(StaffMember).where(StaffMember.status == "active").order_by(StaffMember.name)).all()
    return [m for m in found if routing.can_work(m, kind)]


def _choices(session: Session, member: StaffMember) -> dict[str, tuple[Choice, ...]]:
    allowed = _permissions(member)
    kinds = (Choice("", "Any kind"),) + tuple(
        Choice(kind, label) for kind, label in KIND_LABELS.items() if may_see_kind(kind, allowed)
    )
    statuses = (Choice(OPEN, "Open"), Choice(CLOSED, "Closed"), Choice(ALL, "Open and closed")) + tuple(
        Choice(status, label) for status, label in STATUS_LABELS.items()
    )
    assignees = (Choice(ANYONE, "Anyone or nobody"), Choice(ME, "Me"), Choice(UNASSIGNED, "Nobody yet")) + tuple(
        Choice(str(m.id), m.name) for m in assignable_staff(session) if m.id != member.id
    )
    officers = session.exec(select(Officer).order_by(Officer.name, Officer.id)).all()
    patches = (Choice("", "Every patch"),) + tuple(Choice(str(o.id), o.name) for o in officers)
    return {
        "kinds": kinds,
        "statuses": statuses,
        "assignees": assignees,
        "patches": patches,
        "ages": tuple(Choice(v, label) for v, label in AGE_CHOICES),
    }


def request_queue(
    session: Session,
    staff_id: int,
    filters: QueueFilters,
    *,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> QueuePage:
    """One page of the queue, oldest first. The listing is audited (who looked, with which
    filters, how many requests were shown). Raises NotYours for staff who may not manage requests."""
    settings = settings_or_default(settings)
    member = _member(session, staff_id)
    now = as_utc(now)
    stmt = _queue_statement(member, filters, today=uk_today(now), settings=settings)
    total = _count(session, stmt)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(filters.page, 1), pages)
    found = session.exec(
        stmt.order_by(MoneyRequest.created_at, MoneyRequest.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).all()
    rows = tuple(_row(session, r, a, t, now, settings) for r, a, t in found)
    filters = QueueFilters(filters.kind, filters.status, filters.assigned, filters.patch, filters.age, page)
    audit.record(
        session,
        action=audit.REQUESTS_LISTED,
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        detail={"filters": filters.query(), "shown": len(rows), "total": total},
        client_ip=client_ip,
        now=now,
    )
    return QueuePage(rows=rows, total=total, page=page, pages=pages, filters=filters, **_choices(session, member))


def request_counts(session: Session, staff_id: int, *, now: datetime, settings: Settings | None = None) -> QueueCounts:
    """For the back office's first page: this officer's open requests, how many of them are
    overdue, and how many requests nobody has yet (of the kinds they may see)."""
    settings = settings_or_default(settings)
    member = _member(session, staff_id)
    today = uk_today(as_utc(now))

    def count(**kw) -> int:
        return _count(session, _queue_statement(member, QueueFilters(**kw), today=today, settings=settings))

    return QueueCounts(
        mine_open=count(assigned=ME),
        mine_overdue=count(assigned=ME, age=OVERDUE),
        unassigned=count(assigned=UNASSIGNED),
    )


def overdue_for(session: Session, member: StaffMember, *, now: datetime, settings: Settings) -> list[QueueRow]:
    """Every open request assigned to this member of staff that is past its target, oldest first."""
    stmt = _queue_statement(member, QueueFilters(assigned=ME, age=OVERDUE), today=uk_today(now), settings=settings)
    found = session.exec(stmt.order_by(MoneyRequest.created_at, MoneyRequest.id)).all()
    return [_row(session, r, a, t, now, settings) for r, a, t in found]


def unassigned_overdue_count(session: Session, member: StaffMember, *, now: datetime, settings: Settings) -> int:
    stmt = _queue_statement(
        member, QueueFilters(assigned=UNASSIGNED, age=OVERDUE), today=uk_today(now), settings=settings
    )
    return _count(session, stmt)


def officer_queue(session: Session, officer_id: int | None, statuses: Iterable[str] | None = None) -> list[QueueItem]:
    """The requests routed to one of the landlord's officers in the feed (``officer_id=None``:
    to nobody), oldest first. ``statuses`` defaults to the open ones; unknown ones raise ValueError."""
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


def _tenancy_of(session: Session, request: MoneyRequest, account: Account | None) -> Tenancy | None:
    if account is not None:
        return session.get(Tenancy, account.tenancy_id)
    user = session.get(PortalUser, request.user_id)
    return session.get(Tenancy, user.tenancy_id) if user else None


def _queue_item(session: Session, request: MoneyRequest) -> QueueItem:
    account = session.get(Account, request.account_id) if request.account_id is not None else None
    tenancy = _tenancy_of(session, request, account)
    user = session.get(PortalUser, request.user_id)
    officer = session.get(Officer, request.officer_id) if request.officer_id else None
    return QueueItem(
        reference=request.reference,
        kind=request.kind,
        kind_label=kind_label(request.kind),
        summary=request.summary,
        status=request.status,
        status_label=STATUS_LABELS.get(request.status, request.status),
        officer_id=request.officer_id,
        officer_name=officer.name if officer else None,
        account_id=account.id if account else None,
        account_ref=account.account_ref if account else "",
        tenancy_ref=tenancy.tenancy_ref if tenancy else "",
        resident_name=_name(session.get(Person, request.person_id)),
        resident_email=user.email,
        amount_pence=request.amount_pence,
        needs_joint_consent=request.needs_joint_consent,
        has_bank_details=request.bank_details_enc is not None,
        lines=detail_lines(session, request, for_staff=True),
        created_at=request.created_at,
        updated_at=request.updated_at,
    )


# ---------------------------------------------------------------------------
# One request
# ---------------------------------------------------------------------------


def _by(session: Session, update_row: RequestUpdate, request: MoneyRequest) -> str:
    if update_row.staff_id is not None:
        return _staff_name(session, update_row.staff_id) or "a member of staff"
    if update_row.officer_id is not None:
        officer = session.get(Officer, update_row.officer_id)
        return officer.name if officer else "an officer"
    if update_row.status == RECEIVED and request.raised_by_staff_id:
        return f"{_staff_name(session, request.raised_by_staff_id)}, for the resident"
    return "the resident"


def _next_statuses(request: MoneyRequest) -> tuple[Choice, ...]:
    found = []
    for status in TRANSITIONS.get(request.status, ()):
        if status == DONE and request.kind in NEEDS_DECISION:
            continue  # completed by a decision (and for a refund, by marking it paid)
        if status == DECLINED and request.kind in NEEDS_DECISION:
            continue  # declined with the decision form, which asks for the reason
        label = STATUS_LABELS[status]
        if status == request.status:
            label = f"{label} (no change: send a message only)"
        elif request.status in CLOSED_STATUSES:
            label = f"Reopen: {label}"
        found.append(Choice(status, label))
    return tuple(found)


def _approve_blocker(request: MoneyRequest, summary: consent.ConsentSummary) -> str:
    if request.kind not in NEEDS_DECISION:
        return ""
    if request.status in CLOSED_STATUSES:
        return f"This request is {STATUS_LABELS[request.status].lower()}."
    if request.approved_at is not None:
        return "This request has been approved."
    if summary.needed and not summary.agreed:
        if not summary.asked:
            return "Ask the other joint tenant to agree first."
        if summary.refused:
            return "The other joint tenant does not agree, so this refund cannot be approved."
        return "You can approve this refund once the other joint tenant agrees."
    return ""


def _view(
    session: Session, request: MoneyRequest, member: StaffMember, now: datetime, settings: Settings
) -> RequestView:
    now = as_utc(now)
    account = session.get(Account, request.account_id) if request.account_id is not None else None
    tenancy = _tenancy_of(session, request, account)
    user = session.get(PortalUser, request.user_id)
    updates = session.exec(
        select(RequestUpdate).where(RequestUpdate.request_id == request.id).order_by(RequestUpdate.at, RequestUpdate.id)
    ).all()
    summary = consent.summary_for(session, request, uk_today(now))
    blocker = _approve_blocker(request, summary)
    is_open = request.status in OPEN_STATUSES
    is_refund = request.kind == REFUND
    approved = request.approved_at is not None
    approved_words = (
        f"Approved by {_staff_name(session, request.approved_by_staff_id) or 'a member of staff'} "
        f"at {uk_time_words(request.approved_at)}"
        if approved
        else ""
    )
    has_details = request.bank_details_enc is not None
    return RequestView(
        reference=request.reference,
        kind=request.kind,
        kind_label=kind_label(request.kind),
        summary=request.summary,
        status=request.status,
        status_label=STATUS_LABELS.get(request.status, request.status),
        is_open=is_open,
        resident_name=_name(session.get(Person, request.person_id)),
        resident_email=user.email if user else "",
        resident_user_id=request.user_id,
        account_label=account_label(account) if account is not None else "",
        account_ref=account.account_ref if account is not None else "",
        tenancy_ref=tenancy.tenancy_ref if tenancy else "",
        patch=_patch_words(session, tenancy),
        raised_by=_staff_name(session, request.raised_by_staff_id),
        assigned_staff_id=request.assigned_staff_id,
        assigned_name=_staff_name(session, request.assigned_staff_id),
        assigned_to_viewer=request.assigned_staff_id == member.id,
        assignees=tuple(
            Choice(str(m.id), m.name)
            for m in assignable_staff(session, request.kind)
            if m.id != request.assigned_staff_id
        ),
        created_words=uk_time_words(request.created_at),
        wait=_wait(request, now, settings),
        lines=detail_lines(session, request, for_staff=True),
        updates=tuple(
            UpdateLine(uk_time_words(u.at), STATUS_LABELS.get(u.status, u.status), u.note, _by(session, u, request))
            for u in updates
        ),
        next_statuses=_next_statuses(request),
        needs_decision=request.kind in NEEDS_DECISION,
        approved_words=approved_words,
        can_approve=request.kind in NEEDS_DECISION and not blocker,
        approve_blocker=blocker,
        is_refund=is_refund,
        amount_words=format_pence(request.amount_pence or 0) if is_refund else "",
        paid_words=f"Paid at {uk_time_words(request.paid_at)}" if request.paid_at else "",
        can_mark_paid=is_refund and is_open and approved and request.paid_at is None,
        bank_details_masked=request.bank_details_masked or "",
        has_bank_details=has_details,
        can_reveal=has_details and request.assigned_staff_id == member.id and REVEAL in _permissions(member),
        consent=summary,
    )


def open_request(
    session: Session,
    reference: str,
    staff_id: int,
    *,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> RequestView:
    """One request for the back office's request page. Writes ``request_viewed`` (the
    resident as its subject). Raises RequestNotFound (unknown, or a kind this member of
    staff may not see) or NotYours (not staff who manage requests)."""
    settings = settings_or_default(settings)
    member = _member(session, staff_id)
    request = _find(session, reference, member)
    audit.record(
        session,
        action=audit.REQUEST_VIEWED,
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        subject_user_id=request.user_id,
        subject_person_id=request.person_id,
        target=request.reference,
        detail={"kind": request.kind, "status": request.status},
        client_ip=client_ip,
        now=as_utc(now),
    )
    return _view(session, request, member, now, settings)


# ---------------------------------------------------------------------------
# Assigning
# ---------------------------------------------------------------------------


def assign_request(
    session: Session,
    reference: str,
    *,
    staff_id: int,
    to_staff_id: object,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> UpdateResult:
    """Assign (or reassign) a request to a member of staff who manages requests, the caller
    included ("assign to me"). The assignee is emailed unless they assigned it themselves.
    Errors: ``assignee``."""
    settings = settings_or_default(settings)
    now = as_utc(now)
    member = _member(session, staff_id)
    request = _find(session, reference, member, lock=True)
    wanted = _as_id(to_staff_id)
    target = session.get(StaffMember, wanted) if wanted is not None else None
    if not routing.can_work(target, request.kind):
        return UpdateResult(None, {"assignee": "Choose a member of staff who deals with requests"})
    if request.status in CLOSED_STATUSES:
        return UpdateResult(
            None, {"assignee": f"This request is {STATUS_LABELS[request.status].lower()}. Reopen it to assign it"}
        )
    if request.assigned_staff_id == target.id:
        who = "you" if target.id == member.id else target.name
        return UpdateResult(None, {"assignee": f"This request is already assigned to {who}"})
    before = request.assigned_staff_id
    routing.assign(session, request, target, now=now, settings=settings, by=member)
    audit.record(
        session,
        action=audit.REQUEST_ASSIGNED,
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        subject_user_id=request.user_id,
        target=request.reference,
        detail={"from_staff_id": before, "to_staff_id": target.id, "to": target.name},
        client_ip=client_ip,
        now=now,
    )
    return UpdateResult(_view(session, request, member, now, settings))


# ---------------------------------------------------------------------------
# Moving a request on
# ---------------------------------------------------------------------------

_WHAT_IT_MEANS = {
    IN_PROGRESS: "We are working on your request.",
    WAITING_FOR_YOU: "We need something from you before we can carry on.",  # always with a note
    DONE: "We have finished dealing with your request.",
    DECLINED: "We could not do what you asked.",  # always with a note saying why
}


def _what_you_asked_for_mail(session: Session, request: MoneyRequest) -> str:
    account = session.get(Account, request.account_id) if request.account_id is not None else None
    if account is None:
        return f"{kind_label(request.kind).lower()}."
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
    return f"{kind_label(request.kind).lower()}."


def _note_error(text: str) -> str | None:
    if len(text) > OFFICER_NOTE_MAX_LENGTH:
        return f"Note must be {OFFICER_NOTE_MAX_LENGTH} characters or fewer"
    return None


def _move(
    session: Session,
    request: MoneyRequest,
    member: StaffMember,
    *,
    new: str,
    note: str,
    now: datetime,
    settings: Settings,
    client_ip: str | None,
    action: str = audit.REQUEST_UPDATED,
    meaning: str | None = None,
    values: dict | None = None,
    only_if: tuple = (),
) -> UpdateResult:
    """Move the request from the status it has now to ``new``, in one conditional update
    (two officers at once cannot both move it), with the step, the resident's email, the
    joint tenants' question when due, and the audit line."""
    old = request.status
    changes = {"status": new, "updated_at": now, **(values or {})}
    if request.assigned_staff_id is None:
        changes.update(assigned_staff_id=member.id, assigned_at=now)
    moved = session.execute(
        update(MoneyRequest)
        .where(MoneyRequest.id == request.id, MoneyRequest.status == old, *only_if)
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return UpdateResult(None, {"status": CONFLICT})
    session.refresh(request)
    session.add(
        RequestUpdate(
            request_id=request.id, at=now, status=new, note=note, staff_id=member.id, officer_id=member.officer_id
        )
    )
    user = session.get(PortalUser, request.user_id)
    if meaning is None:
        meaning = (
            "We have reopened your request and are working on it again."
            if old in CLOSED_STATUSES
            else _WHAT_IT_MEANS[new]
        )
    mail = mail_templates.request_updated(
        reference=request.reference,
        kind_label=kind_label(request.kind),
        what_you_asked=_what_you_asked_for_mail(session, request),
        status_label=STATUS_LABELS[new],
        what_it_means=meaning,
        has_message=bool(note),
        settings=settings,
    )
    queue_mail(session, to=user.email, subject=mail.subject, body=mail.body, kind=MAIL_UPDATED, now=now)
    session.flush()
    if new in (IN_PROGRESS, WAITING_FOR_YOU):
        consent.ask_all(session, request, now=now, settings=settings)
    audit.record(
        session,
        action=action,
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        subject_user_id=request.user_id,
        target=request.reference,
        detail={"from": old, "to": new, "with_message": bool(note)},
        client_ip=client_ip,
        now=now,
    )
    return UpdateResult(_view(session, request, member, now, settings))


def update_request(
    session: Session,
    reference: str,
    *,
    status: str,
    note: str,
    staff_id: int,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> UpdateResult:
    """A member of staff replies or moves a request on (see TRANSITIONS); the resident is
    emailed that there is an update.

    ``note`` is shown to the resident; it is required to decline, to ask the resident for
    something, to reopen a closed request, and to repeat the current status. A request that
    needs a decision (a refund) is declined and completed only through ``decide_request``
    and ``mark_refund_paid``. Raises RequestNotFound for an unknown reference and NotYours
    for anyone but active staff who manage requests. Errors: ``status``, ``note``; with
    errors nothing is written."""
    settings = settings_or_default(settings)
    now = as_utc(now)
    member = _member(session, staff_id)
    request = _find(session, reference, member)

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
    elif new == DONE and request.kind == REFUND:
        errors["status"] = "A refund is completed when you mark it paid, after approving it"
    elif new == DONE and request.kind in NEEDS_DECISION and request.approved_at is None:
        errors["status"] = "Approve or decline this request first"
    elif new == DECLINED and request.kind in NEEDS_DECISION:
        errors["status"] = "Decline this request with the decision form, saying why"
    if (problem := _note_error(text)) is not None:
        errors["note"] = problem
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
    return _move(session, request, member, new=new, note=text, now=now, settings=settings, client_ip=client_ip)


def decide_request(
    session: Session,
    reference: str,
    *,
    decision: str,
    note: str,
    staff_id: int,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> UpdateResult:
    """Approve or decline a request that needs a decision (``NEEDS_DECISION``). Declining
    needs a reason (shown to the resident). Approving records who and when, moves it on
    (a refund to in progress: it still has to be paid) and tells the resident; it is
    refused for a joint refund until the other tenant has agreed, and once decided.
    Errors: ``decision``, ``note``; with errors nothing is written."""
    settings = settings_or_default(settings)
    now = as_utc(now)
    member = _member(session, staff_id)
    request = _find(session, reference, member)
    text = text_of(note).strip()
    choice = text_of(decision)
    if request.kind not in NEEDS_DECISION:
        return UpdateResult(None, {"decision": "This request does not need approving or declining"})
    if choice not in (APPROVE, DECLINE):
        return UpdateResult(None, {"decision": "Choose whether to approve or decline this request"})
    if request.status in CLOSED_STATUSES:
        return UpdateResult(None, {"decision": f"This request is {STATUS_LABELS[request.status].lower()}"})
    if (problem := _note_error(text)) is not None:
        return UpdateResult(None, {"note": problem})
    if choice == DECLINE:
        if not text:
            return UpdateResult(None, {"note": "Say why you are declining this request"})
        moved = _move(
            session, request, member, new=DECLINED, note=text, now=now, settings=settings, client_ip=client_ip
        )
        _decided(session, request, moved, approved=False, note=text, staff_id=member.id, now=now, settings=settings)
        return moved
    blocker = _approve_blocker(request, consent.summary_for(session, request, uk_today(now)))
    if blocker:
        return UpdateResult(None, {"decision": blocker})
    said = APPROVED_NOTES.get(request.kind, APPROVED_NOTE)
    moved = _move(
        session,
        request,
        member,
        new=NEEDS_DECISION[request.kind],
        note=f"{said}\n\n{text}" if text else said,
        now=now,
        settings=settings,
        client_ip=client_ip,
        action=audit.REQUEST_APPROVED,
        meaning="We have approved your request.",
        values={"approved_at": now, "approved_by_staff_id": member.id},
        only_if=(MoneyRequest.approved_at.is_(None),),
    )
    _decided(session, request, moved, approved=True, note=text, staff_id=member.id, now=now, settings=settings)
    return moved


def _decided(session: Session, request: MoneyRequest, moved: UpdateResult, **decision) -> None:
    """A decided payment plan request starts or declines its plan, in the same transaction."""
    if request.kind == PAYMENT_PLAN and moved.ok:
        from portal_app.services.payments import plans  # noqa: PLC0415

        plans.request_decided(session, request, **decision)


def mark_refund_paid(
    session: Session,
    reference: str,
    *,
    staff_id: int,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> UpdateResult:
    """An approved refund has been paid: it is completed, the resident is told, and its
    bank details are deleted (the masked line stays, so the resident and the officer can
    still see where it went). Errors: ``paid``."""
    settings = settings_or_default(settings)
    now = as_utc(now)
    member = _member(session, staff_id)
    request = _find(session, reference, member)
    if request.kind != REFUND:
        return UpdateResult(None, {"paid": "Only a refund can be marked paid"})
    if request.paid_at is not None:
        return UpdateResult(None, {"paid": "This refund has already been marked paid"})
    if request.status in CLOSED_STATUSES:
        return UpdateResult(None, {"paid": f"This refund is {STATUS_LABELS[request.status].lower()}"})
    if request.approved_at is None:
        return UpdateResult(None, {"paid": "Approve this refund before you mark it paid"})
    amount = format_pence(request.amount_pence or 0)
    return _move(
        session,
        request,
        member,
        new=DONE,
        note=f"We have paid your refund of {amount} into the bank account you gave us.",
        now=now,
        settings=settings,
        client_ip=client_ip,
        action=audit.REFUND_PAID,
        meaning=f"We have paid your refund of {amount}.",
        values={"paid_at": now, "bank_details_enc": None},
        only_if=(MoneyRequest.paid_at.is_(None), MoneyRequest.approved_at.is_not(None)),
    )


# ---------------------------------------------------------------------------
# Joint tenants
# ---------------------------------------------------------------------------


def ask_joint_consent(
    session: Session,
    reference: str,
    *,
    staff_id: int,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> UpdateResult:
    """Ask the other joint tenant(s) now, without moving the refund on. Errors: ``consent``."""
    settings = settings_or_default(settings)
    now = as_utc(now)
    member = _member(session, staff_id)
    request = _find(session, reference, member, lock=True)
    summary = consent.summary_for(session, request, uk_today(now))
    if not summary.needed or (summary.agreed and not summary.asked):
        return UpdateResult(None, {"consent": "Nobody else needs to agree to this request"})
    if summary.asked:
        return UpdateResult(None, {"consent": "The other joint tenant has already been asked"})
    if request.status in CLOSED_STATUSES:
        return UpdateResult(None, {"consent": f"This request is {STATUS_LABELS[request.status].lower()}"})
    consent.ask_all(session, request, now=now, settings=settings)
    return UpdateResult(_view(session, request, member, now, settings))


def record_joint_answer(
    session: Session,
    reference: str,
    *,
    consent_id: object,
    answer: object,
    staff_id: int,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> UpdateResult:
    """The other joint tenant answered by phone or letter: the officer records it (once,
    audited with their name). Errors: ``consent``."""
    settings = settings_or_default(settings)
    now = as_utc(now)
    member = _member(session, staff_id)
    request = _find(session, reference, member)
    wanted = _as_id(consent_id)
    row = session.get(JointConsent, wanted) if wanted is not None else None
    if row is None or row.request_id != request.id:
        raise RequestNotFound(text_of(reference)[:32])
    value = text_of(answer)
    if value not in consent.ANSWERS:
        return UpdateResult(None, {"consent": "Choose whether they agree"})
    if request.status in CLOSED_STATUSES:
        return UpdateResult(None, {"consent": f"This request is {STATUS_LABELS[request.status].lower()}"})
    if not consent.record_answer(session, row, value, now=now):
        return UpdateResult(None, {"consent": "They have already answered"})
    audit.record(
        session,
        action=audit.JOINT_CONSENT_RECORDED,
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        subject_user_id=request.user_id,
        target=request.reference,
        detail={"answer": value, "joint_person_id": row.person_id},
        client_ip=client_ip,
        now=now,
    )
    return UpdateResult(_view(session, request, member, now, settings))


# ---------------------------------------------------------------------------
# Bank details
# ---------------------------------------------------------------------------


def reveal_bank_details(
    session: Session, reference: str, staff_id: int, *, now: datetime, client_ip: str | None = None
) -> BankDetails:
    """The refund's bank details, decrypted, for the member of staff it is assigned to,
    whose role may see them; audited (``bank_details_revealed``: who, which request, when,
    from where; never the details). Raises NotYours (anyone else, or an unassigned
    request) or RequestNotFound (unknown reference, or no bank details on it: none given,
    or deleted once the refund was paid)."""
    member = _member(session, staff_id, REVEAL)
    request = _find(session, reference, member)
    if request.bank_details_enc is None:
        raise RequestNotFound(request.reference)
    if request.assigned_staff_id is None or request.assigned_staff_id != member.id:
        raise NotYours("only the member of staff the refund is assigned to may see these bank details")
    audit.record(
        session,
        action=audit.BANK_DETAILS_REVEALED,
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        subject_user_id=request.user_id,
        target=request.reference,
        client_ip=client_ip,
        now=as_utc(now),
    )
    data = json.loads(decrypt(request.bank_details_enc))
    sort = data["sort_code"]
    return BankDetails(data["account_name"], f"{sort[:2]}-{sort[2:4]}-{sort[4:]}", data["account_number"])


__all__ = [
    "ALL",
    "ANYONE",
    "APPROVE",
    "BankDetails",
    "CLOSED",
    "Choice",
    "DECLINE",
    "ME",
    "OPEN",
    "OVERDUE",
    "PAGE_SIZE",
    "QueueCounts",
    "QueueFilters",
    "QueueItem",
    "QueuePage",
    "QueueRow",
    "RequestView",
    "UNASSIGNED",
    "UpdateLine",
    "UpdateResult",
    "ask_joint_consent",
    "assign_request",
    "assignable_staff",
    "decide_request",
    "mark_refund_paid",
    "officer_queue",
    "open_request",
    "overdue_for",
    "parse_filters",
    "record_joint_answer",
    "request_counts",
    "request_queue",
    "reveal_bank_details",
    "unassigned_overdue_count",
    "update_request",
]
