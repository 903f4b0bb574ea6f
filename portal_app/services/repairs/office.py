"""Repairs in the back office: what repairs officers see and do.

Who: an active member of staff whose role grants ``manage_repairs``
(``services/roles.py``: the repairs officer and the housing officer). Every function takes
their ``staff_id`` and checks it in the database, whatever the page believed; anyone else
gets the same answer as an unknown repair (``None``, or the outcome ``refused``).

**The queue** (``queue``): every repair, 25 a page, the open ones by default, filtered by
status (open, closed, all, or one status), priority, kind (repair, emergency, damp and
mould) and "overdue only". In this order: Awaab's Law overdue first (the law's deadlines
are the ones that must not slip), then open before closed, then the soonest target.
Listing is audited (``repairs_listed``), as the requests queue is.

**Overdue** means any of:

* the target has passed and the repair is still open;
* an Awaab's Law step is late (Hazards in Social Housing (Prescribed Requirements)
  (England) Regulations 2025): investigate (``investigate_by``) without
  ``investigated_at``, the written summary (``summary_by``) without ``summary_sent_at``,
  the safety work (``safety_by``) without ``safety_done_at``. These count whatever the
  repair's status, unless it was cancelled: a summary owed to the resident is still owed
  once the repair is completed, so the digest keeps asking until it is recorded;
* the Right to Repair's date has passed and the repair is still open.

A deadline is the instant it passes (``targets.Due.at``), so "late" is "now is at or
after it", as the resident's pages count it.

**One repair** (``view``): the resident (name, email, how to contact them, how to get in),
the home, what and why, priority, status, target, every legal deadline with the Right to
Repair's compensation, the appointment, photos, the whole history with officers' internal
notes marked, the damp and mould answers, "Is it fixed?", and what the officer may do
next. Opening it is audited (``repair_viewed``, the resident as its subject).

**What officers do**, each one unit of work with its history line and audit line, and
with errors nothing written:

* ``change_priority``: with a reason (1 to 1,000 characters, shown to the resident); the
  target is worked out again from when it was reported (``targets.priority_target``),
  keeping the Right to Repair's date when that is sooner, as reporting does.
* ``add_note``: 1 to 2,000 characters, for the resident or internal. An internal note is
  never on the resident's pages (``following.detail`` shows only ``for_resident`` lines);
  a note for the resident emails them that there is one (never the note itself).
* ``set_status``: only along ``common.TRANSITIONS``; cancelling and reopening need a
  note. One conditional UPDATE on the old status, so two officers at once cannot both move
  it (the second is told to reload). The note is up to 1,000 characters. The resident is
  emailed (``repair_update``): for "completed" that it is complete and to tell us if it is
  not fixed; the resident's pages then ask "Is it fixed?" (the earlier answer is cleared
  for a repair completed again).
* ``record_awaab_step``: investigated (which sets the summary's deadline and, when a
  significant hazard was found, the safety work's, ``targets.awaab_after_investigation``),
  summary sent, safety work started; each once, in order.

**The digest** (``overdue_for_digest``): one line a late repair, Awaab's Law first, with
the reference and our words only (never what the resident wrote), for the daily email
(``services/repairs/jobs.py``).

Anything from a browser that is not text is empty; every reference is checked for its
shape before it reaches a query. No reflex import; nothing here commits.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, case, func, or_, update
from sqlmodel import Session, select

from portal_app import routes
from portal_app.clock import UK, to_uk, uk_date_words, uk_time_words, uk_today
from portal_app.models import (
    Person,
    PortalUser,
    Property,
    Repair,
    RepairAppointment,
    RepairEvent,
    RepairPhoto,
    StaffMember,
    Tenancy,
    TenancyParty,
)
from portal_app.services import audit
from portal_app.services.mail import outbox, texts
from portal_app.services.mail import templates as mail_templates
from portal_app.services.money import format_pence
from portal_app.services.repairs import common, targets
from portal_app.services.repairs.following import RATINGS, slot_words, what_words
from portal_app.services.roles import permissions_of
from portal_app.settings import Settings

MANAGE = "manage_repairs"
PAGE_SIZE = 25
NOTE_MAX = 2000  # a note of its own
# A note that goes with something else (a priority's reason, a status's note, a step's
# note): shorter, so the repair page's forms, filled to their limits, stay well inside the
# websocket's 64 KiB message cap (tests/unit/integrations/test_socket_guard.py).
REASON_MAX = 1000
MAIL_UPDATE = "repair_update"  # OutboxMessage.kind of the resident's email
CONFLICT = "Someone else has just changed this repair. Reload it and try again."

# The queue's filters (its address's query parameters).
OPEN, CLOSED, ALL = "open", "closed", "all"
YES = "yes"

# Awaab's Law steps an officer records.
INVESTIGATED, SUMMARY_SENT, SAFETY_STARTED = "investigated", "summary_sent", "safety_started"
AWAAB_STEP_WORDS = {
    INVESTIGATED: "The investigation is done",
    SUMMARY_SENT: "The written summary is sent to the resident",
    SAFETY_STARTED: "The work to make it safe has started",
}

KIND_WORDS = {common.KIND_REPAIR: "Repair", common.KIND_EMERGENCY: "Emergency", common.KIND_DAMP: "Damp and mould"}
SOURCE_WORDS = {"portal": "Online", "feed": "By phone"}
BY_WORDS = {
    "resident": "the resident",
    "contractor": "the contractor",
    "feed": "our repairs system",
    "system": "the portal",
}

# The fields errors are keyed by (the names the pages' inputs send).
FIELD_PRIORITY = "priority"
FIELD_REASON = "reason"
FIELD_NOTE = "note"
FIELD_STATUS = "status"
FIELD_STEP = "step"
FIELD_AT = "at"
FIELD_HAZARD = "significant_hazard"

DONE, INVALID, REFUSED, CONFLICTED = "done", "invalid", "refused", "conflict"

_REFERENCE = re.compile(r"^RP-[A-Z0-9]{4,16}$")


# ---------------------------------------------------------------------------
# What goes back to the pages
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class RepairFilters:
    status: str = OPEN  # open | closed | all | one status
    priority: str = ""  # "" any, else one of targets.PRIORITIES
    kind: str = ""  # "" any, else repair | emergency | damp_mould
    overdue: bool = False
    page: int = 1

    def query(self) -> dict[str, str]:
        """The filters as the queue page's query parameters (defaults left out)."""
        found: dict[str, str] = {}
        if self.status != OPEN:
            found["status"] = self.status
        if self.priority:
            found["priority"] = self.priority
        if self.kind:
            found["kind"] = self.kind
        if self.overdue:
            found["overdue"] = YES
        if self.page != 1:
            found["page"] = str(self.page)
        return found


@dataclass(frozen=True)
class RepairRow:
    reference: str
    what: str  # "Kitchen: Taps: Leaking tap"
    kind: str
    kind_words: str
    address: str  # "12 Elm Court, Northbrook NB1 2AB"
    communal: bool
    priority: str
    priority_words: str
    status: str
    status_words: str
    is_open: bool
    reopened: bool  # "Reopened: not fixed": the resident told us it is not fixed
    reported_words: str
    target_words: str
    late: bool  # open and past its target
    deadline_words: str  # the next legal deadline: "Awaab's Law: investigate by Wednesday 30 December 2026"
    deadline_late: bool
    awaab_late: bool  # any Awaab's Law step late
    overdue: bool  # late, an Awaab's Law step late, or the Right to Repair's date passed
    appointment_words: str
    source_words: str  # "Online" | "By phone"


@dataclass(frozen=True)
class RepairQueuePage:
    rows: tuple[RepairRow, ...]
    total: int
    page: int
    pages: int
    filters: RepairFilters
    statuses: tuple[Choice, ...]
    priorities: tuple[Choice, ...]
    kinds: tuple[Choice, ...]
    overdue_choices: tuple[Choice, ...]

    @property
    def first_shown(self) -> int:
        return 0 if not self.rows else (self.page - 1) * PAGE_SIZE + 1

    @property
    def last_shown(self) -> int:
        return 0 if not self.rows else self.first_shown + len(self.rows) - 1


@dataclass(frozen=True)
class OverdueCounts:
    total: int  # every overdue repair
    awaab: int  # of them, with an Awaab's Law step late


@dataclass(frozen=True)
class DeadlineLine:
    label: str  # "Awaab's Law: investigate (10 working days)"
    words: str  # "Wednesday 30 December 2026"
    late: bool
    done: str = ""  # "Done at 10:42 on 29 December 2026", or ""


@dataclass(frozen=True)
class HistoryLine:
    when: str
    status_words: str
    note: str
    by: str  # "Rachel Adeyemi", "the resident", ...
    internal: bool  # an officer's note the resident does not see


@dataclass(frozen=True)
class RepairOfficeView:
    reference: str
    what: str
    kind: str
    kind_words: str
    description: str
    priority: str
    priority_words: str
    status: str
    status_words: str
    is_open: bool
    reopened: bool
    communal: bool
    source_words: str
    reported_words: str
    target_words: str
    late: bool
    resident_name: str  # "" when our records name nobody
    resident_email: str
    resident_user_id: int | None  # their portal account, when they have one
    contact_words: str  # "By phone on 07700900982" | "By email" | ""
    access_notes: str
    address: str
    deadlines: tuple[DeadlineLine, ...]
    awaab: bool
    awaab_late: bool
    right_to_repair_words: str
    compensation_words: str
    appointment_words: str
    photo_keys: tuple[str, ...]
    history: tuple[HistoryLine, ...]  # oldest first, internal notes included (marked)
    damp_answers: tuple[tuple[str, str], ...]
    fixed_words: str  # "The resident told us it is fixed." / "... not fixed", or ""
    fixed_reason: str
    rating_words: str  # "4 out of 5: Good", or ""
    next_statuses: tuple[Choice, ...]  # what the status form offers now
    priorities: tuple[Choice, ...]  # what the priority form offers (not the current one)
    awaab_steps: tuple[Choice, ...]  # the Awaab's Law steps that can be recorded now


@dataclass(frozen=True)
class Outcome:
    """What an officer's action came to: ``done`` (with the repair as it is now),
    ``invalid`` (a message for each field to put right; nothing written), ``refused``
    (no such repair, or not someone who may) or ``conflict`` (someone else moved it first)."""

    outcome: str
    errors: tuple[tuple[str, str], ...] = ()
    view: RepairOfficeView | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == DONE


# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------


def _text(value: object) -> str:
    """Text from a browser: anything that is not a str is empty."""
    return value if isinstance(value, str) else ""


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _due_words(at: datetime | None) -> str:
    """A stored deadline (the instant it passes) as the last day allowed, in words (as the
    resident's pages say it: ``following._due_words``)."""
    if at is None:
        return ""
    local = to_uk(_aware(at))
    if local.hour == 0 and local.minute == 0:  # a working-day deadline: the day before it passes
        return targets.day_words((local - timedelta(minutes=1)).date())
    return f"{local:%H:%M} on {targets.day_words(local.date())}"


def _passed(at: datetime | None, now: datetime) -> bool:
    return at is not None and now >= _aware(at)


def _member(session: Session, staff_id: object) -> StaffMember | None:
    """The active member of staff ``staff_id`` whose role grants manage_repairs; else None."""
    if isinstance(staff_id, bool) or not isinstance(staff_id, int):
        return None
    member = session.get(StaffMember, staff_id)
    if member is None or member.status != "active" or MANAGE not in permissions_of(member.role):
        return None
    return member


def normalise_reference(reference: object) -> str | None:
    """ "rp-abcd2345 " -> "RP-ABCD2345"; None for anything not shaped like a repair's reference."""
    text = _text(reference).strip().upper()
    return text if _REFERENCE.match(text) else None


def _find(session: Session, reference: object) -> Repair | None:
    wanted = normalise_reference(reference)
    if wanted is None:
        return None
    return session.exec(select(Repair).where(Repair.reference == wanted)).first()


def _address(prop: Property | None) -> str:
    if prop is None:
        return ""
    lines = [p for p in (prop.address_line_1, prop.address_line_2, prop.address_line_3) if p]
    return ", ".join([*lines, f"{prop.town} {prop.postcode}".strip()])


def _words(mapping: Mapping[str, str], key: str) -> str:
    return mapping.get(key, key)


# ---------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    label: str  # "Awaab's Law: investigate"
    at: datetime
    done_at: datetime | None
    late: bool  # passed without being done (or done after it)
    pending: bool  # not done yet
    awaab: bool


def _awaab_steps(repair: Repair, now: datetime) -> list[_Step]:
    if not repair.awaab or repair.status == common.CANCELLED:
        return []
    first = "Awaab's Law: make safe" if repair.kind == common.KIND_EMERGENCY else "Awaab's Law: investigate"
    found = []
    for label, at, done in (
        (first, repair.investigate_by, repair.investigated_at),
        ("Awaab's Law: written summary", repair.summary_by, repair.summary_sent_at),
        ("Awaab's Law: start safety work", repair.safety_by, repair.safety_done_at),
    ):
        if at is None:
            continue
        done = _aware(done)
        late = (done or now) >= _aware(at)
        found.append(_Step(label, _aware(at), done, late, done is None, True))
    return found


def _right_to_repair(repair: Repair, now: datetime, settings: Settings) -> targets.RightToRepair | None:
    if not repair.right_to_repair_days or repair.right_to_repair_days not in targets.RIGHT_TO_REPAIR_PERIODS:
        return None
    completed = _aware(repair.completed_at) if repair.status == common.COMPLETED else None
    return targets.right_to_repair(
        repair.right_to_repair_days, _aware(repair.reported_at), now=now, completed_at=completed, settings=settings
    )


def _late_awaab(repair: Repair, now: datetime) -> list[_Step]:
    return [s for s in _awaab_steps(repair, now) if s.pending and s.late]


def _target_late(repair: Repair, now: datetime) -> bool:
    return repair.status in common.OPEN and _passed(repair.target_at, now)


def _rtr_late(repair: Repair, now: datetime) -> bool:
    return repair.status in common.OPEN and _passed(repair.right_to_repair_by, now)


def _next_deadline(repair: Repair, now: datetime, settings: Settings) -> tuple[str, bool]:
    """The soonest legal deadline still to meet, in words, and whether it has passed."""
    pending = [s for s in _awaab_steps(repair, now) if s.pending]
    candidates: list[tuple[datetime, str, bool]] = [
        (s.at, f"{s.label} {'was due' if s.late else 'by'} {_due_words(s.at)}", s.late) for s in pending
    ]
    rtr = _right_to_repair(repair, now, settings) if repair.status in common.OPEN else None
    if rtr is not None:
        if rtr.missed == 0:
            candidates.append((rtr.first.at, f"Right to Repair: by {rtr.first.words}", False))
        elif rtr.missed == 1:
            words = f"Right to Repair: missed {rtr.first.words}; a second contractor by {rtr.second.words}"
            candidates.append((rtr.second.at, words, True))
        else:
            words = f"Right to Repair: both dates missed; {format_pence(rtr.compensation_pence)} compensation owed"
            candidates.append((rtr.second.at, words, True))
    if not candidates:
        return "", False
    # A late one first (the soonest of them), else the soonest to come.
    candidates.sort(key=lambda c: (not c[2], c[0]))
    _at, words, late = candidates[0]
    return words, late


def _deadline_lines(repair: Repair, now: datetime, settings: Settings) -> tuple[tuple[DeadlineLine, ...], str, str]:
    lines = []
    days_words = {
        "Awaab's Law: make safe": "Awaab's Law: make safe (24 hours)",
        "Awaab's Law: investigate": "Awaab's Law: investigate (10 working days)",
        "Awaab's Law: written summary": "Awaab's Law: written summary to the resident (3 working days after)",
        "Awaab's Law: start safety work": "Awaab's Law: start the safety work (5 working days after)",
    }
    for step in _awaab_steps(repair, now):
        done = f"Done at {uk_time_words(step.done_at)}" if step.done_at else ""
        lines.append(DeadlineLine(days_words.get(step.label, step.label), _due_words(step.at), step.late, done))
    rtr_words, compensation = "", ""
    rtr = _right_to_repair(repair, now, settings)
    if rtr is not None:
        days = "1 working day" if rtr.period_days == 1 else f"{rtr.period_days} working days"
        rtr_words = f"A qualifying repair under the Right to Repair: {days}, by {rtr.first.words}."
        if rtr.missed >= 1:
            rtr_words += f" That date was missed: a second contractor must do it by {rtr.second.words}."
        lines.append(
            DeadlineLine(
                f"Right to Repair ({days})",
                rtr.due.words,
                rtr.missed >= 1,
                f"Done at {uk_time_words(_aware(repair.completed_at))}"
                if repair.status == common.COMPLETED and repair.completed_at
                else "",
            )
        )
        if rtr.missed == 2:
            base, per_day, cap = settings.right_to_repair_compensation
            compensation = (
                f"Both dates were missed: {format_pence(rtr.compensation_pence)} compensation is owed "
                f"({format_pence(base)} and {format_pence(per_day)} a day since {rtr.second.words}, "
                f"up to {format_pence(cap)})."
            )
    return tuple(lines), rtr_words, compensation


# ---------------------------------------------------------------------------
# The queue
# ---------------------------------------------------------------------------


def parse_filters(raw: Mapping[str, object]) -> RepairFilters:
    """The queue's filters from what the browser sent (its address's query): anything
    unknown or malformed is the default."""
    raw = raw if isinstance(raw, Mapping) else {}

    def text(name: str) -> str:
        return _text(raw.get(name, "")).strip()[:30]

    status = text("status") or OPEN
    priority = text("priority")
    kind = text("kind")
    page = text("page")
    return RepairFilters(
        status=status if status in (OPEN, CLOSED, ALL) or status in common.STATUS_WORDS else OPEN,
        priority=priority if priority in targets.PRIORITIES else "",
        kind=kind if kind in KIND_WORDS else "",
        overdue=text("overdue") == YES,
        page=min(int(page), 100_000) if page.isdigit() and int(page) >= 1 else 1,
    )


def _awaab_late_clause(now: datetime):
    return and_(
        Repair.awaab.is_(True),
        Repair.status != common.CANCELLED,
        or_(
            and_(Repair.investigate_by.is_not(None), Repair.investigated_at.is_(None), Repair.investigate_by <= now),
            and_(Repair.summary_by.is_not(None), Repair.summary_sent_at.is_(None), Repair.summary_by <= now),
            and_(Repair.safety_by.is_not(None), Repair.safety_done_at.is_(None), Repair.safety_by <= now),
        ),
    )


def _overdue_clause(now: datetime):
    still_open = Repair.status.in_(common.OPEN)
    return or_(
        _awaab_late_clause(now),
        and_(still_open, Repair.target_at <= now),
        and_(still_open, Repair.right_to_repair_by.is_not(None), Repair.right_to_repair_by <= now),
    )


def _queue_statement(filters: RepairFilters, now: datetime):
    stmt = select(Repair, Property).join(Property, Property.id == Repair.property_id)
    if filters.status == OPEN:
        stmt = stmt.where(Repair.status.in_(common.OPEN))
    elif filters.status == CLOSED:
        stmt = stmt.where(Repair.status.in_(common.CLOSED))
    elif filters.status != ALL:
        stmt = stmt.where(Repair.status == filters.status)
    if filters.priority:
        stmt = stmt.where(Repair.priority == filters.priority)
    if filters.kind:
        stmt = stmt.where(Repair.kind == filters.kind)
    if filters.overdue:
        stmt = stmt.where(_overdue_clause(now))
    return stmt


def _ordered(stmt, now: datetime):
    return stmt.order_by(
        case((_awaab_late_clause(now), 0), else_=1),
        case((Repair.status.in_(common.OPEN), 0), else_=1),
        Repair.target_at,
        Repair.id,
    )


def _count(session: Session, stmt) -> int:
    return int(session.exec(select(func.count()).select_from(stmt.subquery())).one())


def _appointments(session: Session, repair_ids: list[int]) -> dict[int, RepairAppointment]:
    """Each repair's booked appointment (the latest, as the resident's pages show it)."""
    if not repair_ids:
        return {}
    found: dict[int, RepairAppointment] = {}
    rows = session.exec(
        select(RepairAppointment)
        .where(RepairAppointment.repair_id.in_(repair_ids), RepairAppointment.status == "booked")
        .order_by(RepairAppointment.starts_at)
    ).all()
    for row in rows:
        found[row.repair_id] = row  # the latest wins
    return found


def _appointment_words(repair: Repair, appointment: RepairAppointment | None) -> str:
    if repair.status not in common.OPEN:
        return ""
    if appointment is not None:
        return slot_words(_aware(appointment.starts_at), _aware(appointment.ends_at))
    if repair.feed_appointment_start and repair.feed_appointment_end:  # raised by phone: the landlord's diary
        return slot_words(_aware(repair.feed_appointment_start), _aware(repair.feed_appointment_end))
    return ""


def _row(repair: Repair, prop: Property | None, appointment, now: datetime, settings: Settings) -> RepairRow:
    awaab_late = bool(_late_awaab(repair, now))
    late = _target_late(repair, now)
    deadline, deadline_late = _next_deadline(repair, now, settings)
    return RepairRow(
        reference=repair.reference,
        what=what_words(repair),
        kind=repair.kind,
        kind_words=_words(KIND_WORDS, repair.kind),
        address=_address(prop),
        communal=repair.communal,
        priority=repair.priority,
        priority_words=_words(targets.PRIORITY_WORDS, repair.priority),
        status=repair.status,
        status_words=_words(common.STATUS_WORDS, repair.status),
        is_open=repair.status in common.OPEN,
        reopened=repair.status == common.REOPENED,
        reported_words=uk_time_words(_aware(repair.reported_at)),
        target_words=_due_words(repair.target_at),
        late=late,
        deadline_words=deadline,
        deadline_late=deadline_late,
        awaab_late=awaab_late,
        overdue=awaab_late or late or _rtr_late(repair, now),
        appointment_words=_appointment_words(repair, appointment),
        source_words=_words(SOURCE_WORDS, repair.source),
    )


def _filter_choices() -> dict[str, tuple[Choice, ...]]:
    return {
        "statuses": (Choice(OPEN, "Open"), Choice(CLOSED, "Closed"), Choice(ALL, "Open and closed"))
        + tuple(Choice(s, w) for s, w in common.STATUS_WORDS.items()),
        "priorities": (Choice("", "Any priority"),)
        + tuple(Choice(p, targets.PRIORITY_WORDS[p]) for p in targets.PRIORITIES),
        "kinds": (Choice("", "Any kind"),) + tuple(Choice(k, w) for k, w in KIND_WORDS.items()),
        "overdue_choices": (Choice("", "Overdue or not"), Choice(YES, "Overdue only")),
    }


def queue(
    session: Session,
    *,
    filters: RepairFilters,
    staff_id: int,
    now: datetime,
    settings: Settings,
    client_ip: str | None = None,
) -> RepairQueuePage | None:
    """One page of the repairs queue (see the module's order and filters); None for anyone
    but active staff who manage repairs. The listing is audited (``repairs_listed``)."""
    member = _member(session, staff_id)
    if member is None:
        return None
    if not isinstance(filters, RepairFilters):
        filters = RepairFilters()
    now = _aware(now)
    stmt = _queue_statement(filters, now)
    total = _count(session, stmt)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(filters.page, 1), pages)
    found = session.exec(_ordered(stmt, now).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    appointments = _appointments(session, [r.id for r, _p in found])
    rows = tuple(_row(r, p, appointments.get(r.id), now, settings) for r, p in found)
    filters = RepairFilters(filters.status, filters.priority, filters.kind, filters.overdue, page)
    audit.record(
        session,
        action="repairs_listed",
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        detail={"filters": filters.query(), "shown": len(rows), "total": total},
        client_ip=client_ip,
        now=now,
    )
    return RepairQueuePage(rows=rows, total=total, page=page, pages=pages, filters=filters, **_filter_choices())


def overdue_totals(session: Session, *, now: datetime) -> OverdueCounts:
    """The counts themselves, for the worker's digest (no member of staff is asking)."""
    now = _aware(now)
    total = _count(session, select(Repair.id).where(_overdue_clause(now)))
    awaab = _count(session, select(Repair.id).where(_awaab_late_clause(now)))
    return OverdueCounts(total=total, awaab=awaab)


def overdue_counts(session: Session, *, staff_id: int, now: datetime, settings: Settings) -> OverdueCounts | None:
    """For the back office's first page and the digest: how many repairs are overdue, and
    how many of them have an Awaab's Law step late. Counts only (no resident's data, so
    not audited); None for anyone but staff who manage repairs."""
    if _member(session, staff_id) is None:
        return None
    return overdue_totals(session, now=now)


def overdue_for_digest(session: Session, *, now: datetime, settings: Settings) -> list[str]:
    """The daily email's lines: Awaab's Law's late steps first, then the other late
    repairs, each "RP-XXXXXXXX: <our words>": references, dates and priorities only, never
    what a resident wrote."""
    now = _aware(now)
    found = session.exec(_ordered(select(Repair).where(_overdue_clause(now)), now)).all()
    awaab_lines, other_lines = [], []
    for repair in found:
        late_steps = _late_awaab(repair, now)
        if late_steps:
            said = "; ".join(f"{s.label} was due {_due_words(s.at)}" for s in late_steps)
            awaab_lines.append(f"{repair.reference}: {said}")
            continue
        parts = []
        if _target_late(repair, now):
            priority = _words(targets.PRIORITY_WORDS, repair.priority)
            parts.append(f"{priority} repair, target was {_due_words(repair.target_at)}")
        if _rtr_late(repair, now):
            parts.append(f"Right to Repair: due {_due_words(repair.right_to_repair_by)}")
        if parts:
            other_lines.append(f"{repair.reference}: {'; '.join(parts)}")
    return awaab_lines + other_lines


# ---------------------------------------------------------------------------
# One repair
# ---------------------------------------------------------------------------


def _resident(session: Session, repair: Repair, today) -> tuple[str, str, int | None, int | None]:
    """Who the repair is for: (name, email, portal user id, person id). A repair raised by
    phone names nobody: the home's current lead tenant (or first current tenant) is shown."""
    if repair.user_id is not None:
        user = session.get(PortalUser, repair.user_id)
        person = session.get(Person, user.person_id) if user else None
        name = f"{person.first_name} {person.last_name}" if person else ""
        return name, user.email if user else "", repair.user_id, person.id if person else None
    tenancy = session.get(Tenancy, repair.tenancy_id) if repair.tenancy_id else None
    if tenancy is None:
        tenancy = session.exec(
            select(Tenancy)
            .where(
                Tenancy.property_id == repair.property_id,
                Tenancy.start_date <= today,
                or_(Tenancy.end_date.is_(None), Tenancy.end_date >= today),
            )
            .order_by(Tenancy.start_date.desc(), Tenancy.id.desc())
        ).first()
    if tenancy is None:
        return "", "", None, None
    found = session.exec(
        select(Person, TenancyParty)
        .join(TenancyParty, TenancyParty.person_id == Person.id)
        .where(
            TenancyParty.tenancy_id == tenancy.id, or_(TenancyParty.end_date.is_(None), TenancyParty.end_date >= today)
        )
        .order_by(case((TenancyParty.role == "lead_tenant", 0), else_=1), TenancyParty.id)
    ).first()
    if found is None:
        return "", "", None, None
    person, _party = found
    return f"{person.first_name} {person.last_name}", person.email or "", None, person.id


def _damp_rows(repair: Repair) -> tuple[tuple[str, str], ...]:
    if not repair.damp_answers:
        return ()
    try:
        answers = json.loads(repair.damp_answers)
    except ValueError:
        return ()
    if not isinstance(answers, dict):
        return ()
    rows = [
        ("Where it is", answers.get("where", "")),
        ("How big", answers.get("size", "")),
        ("How long it has been there", answers.get("how_long", "")),
        ("Anyone with a health condition it could affect", answers.get("health_condition", "")),
        ("Their condition", answers.get("health_details", "")),
    ]
    return tuple((label, str(value)) for label, value in rows if value)


def _history(session: Session, repair: Repair) -> tuple[HistoryLine, ...]:
    events = session.exec(
        select(RepairEvent).where(RepairEvent.repair_id == repair.id).order_by(RepairEvent.at, RepairEvent.id)
    ).all()
    if not events:  # raised by phone: the feed sends where it stands, not each step
        events = [RepairEvent(repair_id=repair.id, at=repair.reported_at, status=common.REPORTED, by="feed")]
        if repair.completed_at:
            events.append(RepairEvent(repair_id=repair.id, at=repair.completed_at, status=common.COMPLETED, by="feed"))
    staff_ids = {e.staff_id for e in events if e.staff_id is not None}
    names = (
        dict(session.exec(select(StaffMember.id, StaffMember.name).where(StaffMember.id.in_(staff_ids))).all())
        if staff_ids
        else {}
    )

    def by(event: RepairEvent) -> str:
        if event.staff_id is not None:
            return names.get(event.staff_id) or "a member of staff"
        return BY_WORDS.get(event.by, "a member of staff" if event.by == "staff" else "the portal")

    return tuple(
        HistoryLine(
            when=uk_time_words(_aware(e.at)),
            status_words=_words(common.STATUS_WORDS, e.status),
            note=e.note or "",
            by=by(e),
            internal=not e.for_resident,
        )
        for e in events
    )


def _status_choices(repair: Repair) -> tuple[Choice, ...]:
    found = []
    for status in common.TRANSITIONS.get(repair.status, ()):
        label = common.STATUS_WORDS[status]
        if status == repair.status:
            label = f"{label} (again: a new appointment)"
        elif status == common.REPORTED:
            label = f"{label} (back to waiting for an appointment)"
        found.append(Choice(status, label))
    return tuple(found)


def _awaab_choices(repair: Repair) -> tuple[Choice, ...]:
    if not repair.awaab or repair.status == common.CANCELLED:
        return ()
    found = []
    if repair.investigated_at is None:
        found.append(Choice(INVESTIGATED, AWAAB_STEP_WORDS[INVESTIGATED]))
    else:
        if repair.summary_sent_at is None:
            found.append(Choice(SUMMARY_SENT, AWAAB_STEP_WORDS[SUMMARY_SENT]))
        if repair.safety_by is not None and repair.safety_done_at is None:
            found.append(Choice(SAFETY_STARTED, AWAAB_STEP_WORDS[SAFETY_STARTED]))
    return tuple(found)


def _view(session: Session, repair: Repair, now: datetime, settings: Settings) -> RepairOfficeView:
    now = _aware(now)
    prop = session.get(Property, repair.property_id)
    name, email, user_id, _person_id = _resident(session, repair, uk_today(now))
    deadlines, rtr_words, compensation = _deadline_lines(repair, now, settings)
    photos = session.exec(
        select(RepairPhoto.key).where(RepairPhoto.repair_id == repair.id).order_by(RepairPhoto.id)
    ).all()
    appointment = _appointments(session, [repair.id]).get(repair.id)
    is_open = repair.status in common.OPEN
    fixed_words = {"yes": "The resident told us it is fixed.", "no": "The resident told us it is not fixed."}.get(
        repair.fixed, ""
    )
    rating_words = ""
    if repair.rating in (1, 2, 3, 4, 5):
        rating_words = f"{repair.rating} out of 5: {dict(RATINGS)[str(repair.rating)]}"
    contact = {"phone": f"By phone on {repair.contact_phone}", "email": "By email"}.get(repair.contact_way, "")
    return RepairOfficeView(
        reference=repair.reference,
        what=what_words(repair),
        kind=repair.kind,
        kind_words=_words(KIND_WORDS, repair.kind),
        description=repair.description,
        priority=repair.priority,
        priority_words=_words(targets.PRIORITY_WORDS, repair.priority),
        status=repair.status,
        status_words=_words(common.STATUS_WORDS, repair.status),
        is_open=is_open,
        reopened=repair.status == common.REOPENED,
        communal=repair.communal,
        source_words=_words(SOURCE_WORDS, repair.source),
        reported_words=uk_time_words(_aware(repair.reported_at)),
        target_words=_due_words(repair.target_at),
        late=_target_late(repair, now),
        resident_name=name,
        resident_email=email,
        resident_user_id=user_id,
        contact_words=contact,
        access_notes=repair.access_notes,
        address=_address(prop),
        deadlines=deadlines,
        awaab=repair.awaab,
        awaab_late=bool(_late_awaab(repair, now)),
        right_to_repair_words=rtr_words,
        compensation_words=compensation,
        appointment_words=_appointment_words(repair, appointment),
        photo_keys=tuple(photos),
        history=_history(session, repair),
        damp_answers=_damp_rows(repair),
        fixed_words=fixed_words,
        fixed_reason=repair.fixed_reason if repair.fixed == "no" else "",
        rating_words=rating_words,
        next_statuses=_status_choices(repair),
        priorities=tuple(
            Choice(p, targets.PRIORITY_WORDS[p]) for p in targets.PRIORITIES if p != repair.priority and is_open
        ),
        awaab_steps=_awaab_choices(repair),
    )


def _audit(session: Session, member: StaffMember, repair: Repair, action: str, now, client_ip, **detail) -> None:
    subject_person = None
    if repair.user_id is None:  # raised by phone: the person our records name for the home
        subject_person = _resident(session, repair, uk_today(now))[3]
    audit.record(
        session,
        action=action,
        actor_kind=audit.STAFF,
        actor_id=member.id,
        actor_label=member.name,
        subject_user_id=repair.user_id,
        subject_person_id=subject_person,
        target=repair.reference,
        detail=detail,
        client_ip=client_ip,
        now=now,
    )


def view(
    session: Session,
    reference: object,
    *,
    staff_id: int,
    now: datetime,
    settings: Settings,
    client_ip: str | None = None,
) -> RepairOfficeView | None:
    """Everything about one repair, for the back office's repair page; writes
    ``repair_viewed`` (the resident as its subject). None for an unknown or malformed
    reference, and for anyone but staff who manage repairs."""
    member = _member(session, staff_id)
    if member is None:
        return None
    repair = _find(session, reference)
    if repair is None:
        return None
    now = _aware(now)
    _audit(session, member, repair, "repair_viewed", now, client_ip, status=repair.status, kind=repair.kind)
    return _view(session, repair, now, settings)


# ---------------------------------------------------------------------------
# What officers do
# ---------------------------------------------------------------------------


def _note_error(text: str, *, required: str | None, label: str = "Note", most: int = REASON_MAX) -> str | None:
    if not text:
        return required
    if len(text) > most:
        return f"{label} must be {most:,} characters or fewer"
    return None


def _tell_resident(
    session: Session,
    repair: Repair,
    *,
    headline: str,
    lines: list[str],
    now: datetime,
    settings: Settings,
    always: bool = False,
) -> bool:
    """Email the resident who reported it (a repair raised by phone has nobody to email).
    A resident who chose no repair updates (Your details) is not emailed, except for an
    emergency and when ``always`` (an appointment booked, the repair cancelled)."""
    if repair.user_id is None:
        return False
    user = session.get(PortalUser, repair.user_id)
    if user is None or not user.email:
        return False
    if not (always or user.wants_repair_updates or repair.priority == targets.EMERGENCY):
        return False
    mail = mail_templates.repair_update(
        reference=repair.reference,
        what=what_words(repair),
        headline=headline,
        lines=lines,
        link=f"{settings.base_url}{routes.repair_detail(repair.reference)}",
        settings=settings,
    )
    outbox.queue_mail(session, to=user.email, subject=mail.subject, body=mail.body, kind=MAIL_UPDATE, now=now)
    if always:  # an appointment booked or the repair cancelled: a text too, if the resident chose texts
        words = texts.repair_text(
            landlord=settings.landlord_name,
            reference=repair.reference,
            headline=headline,
            line=lines[0] if lines else "",
        )
        texts.text_resident(session, user, body=words, kind=MAIL_UPDATE, now=now)
    return True


def change_priority(
    session: Session,
    reference: object,
    new_priority: object,
    reason: object,
    *,
    staff_id: int,
    now: datetime,
    settings: Settings,
    client_ip: str | None = None,
) -> Outcome:
    """Change an open repair's priority, with a reason the resident sees; the target is
    worked out again from when it was reported (the Right to Repair's date kept when sooner).
    Errors: ``priority``, ``reason``."""
    member = _member(session, staff_id)
    repair = _find(session, reference) if member is not None else None
    if repair is None:
        return Outcome(REFUSED)
    now = _aware(now)
    wanted = _text(new_priority).strip()
    text = _text(reason).strip()
    errors: dict[str, str] = {}
    if repair.status not in common.OPEN:
        errors[FIELD_PRIORITY] = f"This repair is {common.STATUS_WORDS[repair.status].lower()}: its priority stays"
    elif wanted not in targets.PRIORITIES:
        errors[FIELD_PRIORITY] = "Select the new priority"
    elif wanted == repair.priority:
        errors[FIELD_PRIORITY] = f"This repair is already {targets.PRIORITY_WORDS[wanted].lower()}"
    if (problem := _note_error(text, required="Say why you are changing the priority", label="Reason")) is not None:
        errors[FIELD_REASON] = problem
    if errors:
        return Outcome(INVALID, tuple(errors.items()))
    old, old_target = repair.priority, _aware(repair.target_at)
    target = targets.priority_target(wanted, _aware(repair.reported_at), settings).at
    if repair.right_to_repair_by is not None:
        # The law's period, when it is sooner than the landlord's own target, is the target.
        target = min(target, _aware(repair.right_to_repair_by))
    moved = session.execute(
        update(Repair)
        .where(Repair.id == repair.id, Repair.priority == old, Repair.status == repair.status)
        .values(priority=wanted, target_at=target, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return Outcome(CONFLICTED, ((FIELD_PRIORITY, CONFLICT),))
    session.refresh(repair)
    session.add(
        RepairEvent(
            repair_id=repair.id,
            at=now,
            status=repair.status,
            note=f"Priority changed to {targets.PRIORITY_WORDS[wanted]}: {text}",
            for_resident=True,
            by="staff",
            staff_id=member.id,
        )
    )
    session.flush()
    _audit(
        session,
        member,
        repair,
        "repair_priority_changed",
        now,
        client_ip,
        **{"from": old, "to": wanted, "target_from": old_target.isoformat(), "target_to": target.isoformat()},
    )
    return Outcome(DONE, view=_view(session, repair, now, settings))


def add_note(
    session: Session,
    reference: object,
    note: object,
    *,
    for_resident: object,
    staff_id: int,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> Outcome:
    """A note on the repair's history: for the resident (``for_resident is True``: they see
    it on their repair's page and are emailed that there is one, never the note itself) or
    internal (anything else: the team only). Errors: ``note``."""
    member = _member(session, staff_id)
    repair = _find(session, reference) if member is not None else None
    if repair is None:
        return Outcome(REFUSED)
    now = _aware(now)
    text = _text(note).strip()
    if (problem := _note_error(text, required="Enter the note", most=NOTE_MAX)) is not None:
        return Outcome(INVALID, ((FIELD_NOTE, problem),))
    shown = for_resident is True
    session.add(
        RepairEvent(
            repair_id=repair.id,
            at=now,
            status=repair.status,
            note=text,
            for_resident=shown,
            by="staff",
            staff_id=member.id,
        )
    )
    session.flush()
    emailed = False
    if shown and settings is not None:
        emailed = _tell_resident(
            session,
            repair,
            headline="We have added a note to your repair.",
            lines=["Read it on your repair's page."],
            now=now,
            settings=settings,
        )
    _audit(session, member, repair, "repair_note_added", now, client_ip, for_resident=shown, emailed=emailed)
    return Outcome(DONE, view=_view(session, repair, now, settings) if settings is not None else None)


# What the resident's email says for each status an officer moves a repair to.
_HEADLINES = {
    common.REPORTED: ("Your repair is waiting for an appointment.", "We will contact you to arrange a time."),
    common.BOOKED: ("Your repair has an appointment.", ""),
    common.ON_THE_WAY: ("The operative is on the way.", "Please make sure someone is in to let them in."),
    common.FOLLOW_ON: ("Your repair needs more work.", "We will contact you to arrange another visit."),
    common.COMPLETED: (
        "Your repair is complete.",
        "If it is not fixed, tell us on your repair's page and we will come back.",
    ),
    common.CANCELLED: ("Your repair has been cancelled.", "You can read why on your repair's page."),
    common.REOPENED: ("We have reopened your repair.", "We will contact you about what happens next."),
}


def set_status(
    session: Session,
    reference: object,
    status: object,
    note: object,
    *,
    staff_id: int,
    now: datetime,
    settings: Settings,
    client_ip: str | None = None,
) -> Outcome:
    """Move the repair on along ``common.TRANSITIONS``, in one conditional UPDATE on the
    status it has now (two officers at once: one wins, the other gets ``conflict``). The
    note is shown to the resident; cancelling and reopening need one. The resident is
    emailed. Errors: ``status``, ``note``."""
    member = _member(session, staff_id)
    repair = _find(session, reference) if member is not None else None
    if repair is None:
        return Outcome(REFUSED)
    now = _aware(now)
    old = repair.status
    new = _text(status).strip()
    text = _text(note).strip()
    errors: dict[str, str] = {}
    if new not in common.STATUS_WORDS:
        errors[FIELD_STATUS] = "Select what has happened to the repair"
    elif new not in common.TRANSITIONS.get(old, ()):
        if old == common.CANCELLED:
            errors[FIELD_STATUS] = "This repair is cancelled: it cannot be moved on. Report a new one if needed"
        else:
            errors[FIELD_STATUS] = (
                f"A repair cannot go from {common.STATUS_WORDS[old].lower()} to {common.STATUS_WORDS[new].lower()}"
            )
    required = None
    if new == common.CANCELLED:
        required = "Say why you are cancelling this repair"
    elif new == common.REOPENED:
        required = "Say why you are reopening this repair"
    if (problem := _note_error(text, required=required if FIELD_STATUS not in errors else None)) is not None:
        errors[FIELD_NOTE] = problem
    if errors:
        return Outcome(INVALID, tuple(errors.items()))
    values: dict[str, object] = {"status": new, "updated_at": now}
    if new == common.COMPLETED:
        # Completed (again): the resident's pages ask "Is it fixed?" afresh.
        values |= {"completed_at": now, "fixed": "", "fixed_reason": "", "rating": None}
    elif new == common.CANCELLED:
        values["cancelled_at"] = now
    moved = session.execute(
        update(Repair)
        .where(Repair.id == repair.id, Repair.status == old)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if moved.rowcount != 1:
        return Outcome(CONFLICTED, ((FIELD_STATUS, CONFLICT),))
    session.refresh(repair)
    session.add(
        RepairEvent(
            repair_id=repair.id, at=now, status=new, note=text, for_resident=True, by="staff", staff_id=member.id
        )
    )
    session.flush()
    headline, line = _HEADLINES[new]
    lines = [line] if line else []
    if new == common.BOOKED:
        when = _appointment_words(repair, _appointments(session, [repair.id]).get(repair.id))
        lines = [f"When: {when}"] if when else ["We will tell you the time."]
    if text and new != common.CANCELLED:
        lines.append("We have added a note about it on your repair's page.")
    emailed = _tell_resident(
        session,
        repair,
        headline=headline,
        lines=lines,
        now=now,
        settings=settings,
        always=new in (common.BOOKED, common.CANCELLED),
    )
    _audit(
        session,
        member,
        repair,
        "repair_status_changed",
        now,
        client_ip,
        **{"from": old, "to": new, "with_note": bool(text), "emailed": emailed},
    )
    return Outcome(DONE, view=_view(session, repair, now, settings))


def _moment(at: object, now: datetime) -> datetime | None:
    """When a step happened: a datetime as given (naive meaning UTC); a UK day: now when it
    is today, else midday of it (only the day counts for the deadlines that follow); None:
    now. Anything else: None (an error)."""
    if at is None:
        return now
    if isinstance(at, datetime):
        return _aware(at)
    if isinstance(at, date):
        if at == uk_today(now):
            return now
        return datetime.combine(at, time(12, 0), tzinfo=UK).astimezone(UTC)
    return None


def record_awaab_step(
    session: Session,
    reference: object,
    step: object,
    *,
    at: object = None,
    significant_hazard: object = None,
    note: object = "",
    staff_id: int,
    now: datetime,
    settings: Settings,
    client_ip: str | None = None,
) -> Outcome:
    """Record an Awaab's Law step, once each and in order: ``investigated`` (with whether a
    significant hazard was found: that sets the written summary's deadline and, for a
    significant hazard, the safety work's), then ``summary_sent`` and ``safety_started``.
    ``at`` is when it happened (a datetime, or a UK day; not in the future nor before the
    report; None: now). The step goes on the resident's history in our words; the officer's note,
    if any, is an internal note. Errors: ``step``, ``at``, ``significant_hazard``, ``note``."""
    member = _member(session, staff_id)
    repair = _find(session, reference) if member is not None else None
    if repair is None:
        return Outcome(REFUSED)
    now = _aware(now)
    chosen = _text(step).strip()
    text = _text(note).strip()
    when = _moment(at, now)
    if when is not None and isinstance(at, date) and not isinstance(at, datetime):
        # A day given: on the day it was reported (or investigated), no earlier than that.
        floor = _aware(repair.reported_at)
        if chosen in (SUMMARY_SENT, SAFETY_STARTED) and repair.investigated_at is not None:
            floor = _aware(repair.investigated_at)
        if to_uk(floor).date() == at and when < floor:
            when = floor
    errors: dict[str, str] = {}
    if not repair.awaab or repair.status == common.CANCELLED:
        errors[FIELD_STEP] = "Awaab's Law's steps do not apply to this repair"
    elif chosen not in AWAAB_STEP_WORDS:
        errors[FIELD_STEP] = "Select the step to record"
    elif chosen == INVESTIGATED and repair.investigated_at is not None:
        errors[FIELD_STEP] = "The investigation is already recorded"
    elif chosen in (SUMMARY_SENT, SAFETY_STARTED) and repair.investigated_at is None:
        errors[FIELD_STEP] = "Record the investigation first"
    elif chosen == SUMMARY_SENT and repair.summary_sent_at is not None:
        errors[FIELD_STEP] = "The written summary is already recorded"
    elif chosen == SAFETY_STARTED and repair.safety_by is None:
        errors[FIELD_STEP] = "No safety work is due: the investigation found no significant hazard"
    elif chosen == SAFETY_STARTED and repair.safety_done_at is not None:
        errors[FIELD_STEP] = "The start of the safety work is already recorded"
    if when is None:
        errors[FIELD_AT] = "Enter when it happened"
    elif when > now:
        errors[FIELD_AT] = "When it happened must be now or in the past"
    elif when < _aware(repair.reported_at):
        errors[FIELD_AT] = "When it happened must be after the repair was reported"
    elif chosen in (SUMMARY_SENT, SAFETY_STARTED) and repair.investigated_at and when < _aware(repair.investigated_at):
        errors[FIELD_AT] = "When it happened must be after the investigation"
    if chosen == INVESTIGATED and not isinstance(significant_hazard, bool) and FIELD_STEP not in errors:
        errors[FIELD_HAZARD] = "Select whether the investigation found a significant hazard"
    if (problem := _note_error(text, required=None)) is not None:
        errors[FIELD_NOTE] = problem
    if errors:
        return Outcome(
            INVALID, tuple((f, errors[f]) for f in (FIELD_STEP, FIELD_AT, FIELD_HAZARD, FIELD_NOTE) if f in errors)
        )
    day = uk_date_words(to_uk(when).date())
    if chosen == INVESTIGATED:
        after = targets.awaab_after_investigation(_aware(repair.reported_at), when, settings)
        values = {"investigated_at": when, "summary_by": after.summary.at}
        values["safety_by"] = after.safety.at if significant_hazard else None
        only_if = (Repair.investigated_at.is_(None),)
        what = "made it safe" if repair.kind == common.KIND_EMERGENCY else "investigated"
        said = f"Awaab's Law: we {what} on {day}."
        if significant_hazard:
            said += f" We found a significant hazard: we will start the work to make it safe by {after.safety.words}."
        said += f" We will send you a written summary of what we found by {after.summary.words}."
    elif chosen == SUMMARY_SENT:
        values = {"summary_sent_at": when}
        only_if = (Repair.summary_sent_at.is_(None), Repair.investigated_at.is_not(None))
        said = f"Awaab's Law: we sent you a written summary of what we found on {day}."
    else:
        values = {"safety_done_at": when}
        only_if = (Repair.safety_done_at.is_(None), Repair.safety_by.is_not(None))
        said = f"Awaab's Law: we started the work to make it safe on {day}."
    done = session.execute(
        update(Repair)
        .where(Repair.id == repair.id, *only_if)
        .values(**values, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return Outcome(CONFLICTED, ((FIELD_STEP, CONFLICT),))
    session.refresh(repair)
    session.add(
        RepairEvent(repair_id=repair.id, at=now, status=repair.status, note=said, by="staff", staff_id=member.id)
    )
    if text:
        session.add(
            RepairEvent(
                repair_id=repair.id,
                at=now,
                status=repair.status,
                note=text,
                for_resident=False,
                by="staff",
                staff_id=member.id,
            )
        )
    session.flush()
    _audit(
        session,
        member,
        repair,
        "repair_awaab_step",
        now,
        client_ip,
        step=chosen,
        at=when.isoformat(),
        significant_hazard=significant_hazard if chosen == INVESTIGATED else None,
    )
    return Outcome(DONE, view=_view(session, repair, now, settings))


__all__ = [
    "ALL",
    "AWAAB_STEP_WORDS",
    "CLOSED",
    "CONFLICT",
    "CONFLICTED",
    "Choice",
    "DONE",
    "DeadlineLine",
    "HistoryLine",
    "INVALID",
    "INVESTIGATED",
    "KIND_WORDS",
    "MANAGE",
    "NOTE_MAX",
    "OPEN",
    "Outcome",
    "OverdueCounts",
    "PAGE_SIZE",
    "REASON_MAX",
    "REFUSED",
    "RepairFilters",
    "RepairOfficeView",
    "RepairQueuePage",
    "RepairRow",
    "SAFETY_STARTED",
    "SUMMARY_SENT",
    "YES",
    "add_note",
    "change_priority",
    "normalise_reference",
    "overdue_counts",
    "overdue_for_digest",
    "overdue_totals",
    "parse_filters",
    "queue",
    "record_awaab_step",
    "set_status",
    "view",
]
