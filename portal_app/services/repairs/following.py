"""Following a repair: "My repairs", one repair's page, "Is it fixed?", and the
confirmation email.

* "My repairs" lists every repair of the resident's home (``common.home_of``), open ones
  first then closed, newest first within each: reported in the portal by anyone of the
  household, raised by phone (the landlord's feed) and communal ones of the home's block.
  Each with its status in words, the next appointment, and the target date with "late"
  once passed (``targets.Due.late``), and for damp and mould Awaab's Law's deadlines.
* One repair's page adds its history (the resident-facing events only: an officer's
  internal note is not shown), its photos (by key; ``api/repair_photos.py`` serves them
  only to the home's residents and staff), the access details and contact, and, for a
  council's secure tenant's qualifying repair, the Right to Repair's deadline and any
  compensation due (``targets.right_to_repair``).
* "Is it fixed?" is asked once the repair is completed: yes (with an optional rating, 1
  to 5) closes the question; no needs a reason and reopens the repair (status
  ``reopened``), which the back office sees in its queue. Answered once: a second answer
  changes nothing (a conditional UPDATE).
* ``confirm`` queues the confirmation email once (``Repair.confirmed_at``, a conditional
  UPDATE), with the appointment if one is booked; the worker's ``confirm_unsent`` sends
  the ones a stopped worker left.

Another home's repair, an unknown reference and a malformed one are refused alike.
Times: ``now`` aware UTC. Nothing here commits. No reflex import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, select

from portal_app import routes
from portal_app.clock import to_uk, uk_time_words, uk_today
from portal_app.models import PortalUser, Property, Repair, RepairAppointment, RepairEvent, RepairPhoto
from portal_app.services import audit
from portal_app.services.mail import outbox, texts
from portal_app.services.mail import templates as mail_templates
from portal_app.services.money import format_pence
from portal_app.services.repairs import common, targets
from portal_app.settings import Settings

FIELD_FIXED = "fixed"
FIELD_REASON = "reason"
FIELD_RATING = "rating"
REASON_MAX = 1000
RATINGS = (("5", "Very good"), ("4", "Good"), ("3", "Neither good nor poor"), ("2", "Poor"), ("1", "Very poor"))


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def slot_words(starts_at: datetime, ends_at: datetime) -> str:
    """ "Tuesday 8 December 2026, 8am to 12 noon" in UK time."""
    start, end = to_uk(starts_at), to_uk(ends_at)

    def hour(moment: datetime) -> str:
        if moment.hour == 12 and moment.minute == 0:
            return "12 noon"
        h = moment.hour % 12 or 12
        suffix = "am" if moment.hour < 12 else "pm"
        return f"{h}{suffix}" if moment.minute == 0 else f"{h}:{moment.minute:02d}{suffix}"

    return f"{targets.day_words(start.date())}, {hour(start)} to {hour(end)}"


def _due_words(at: datetime | None, *, exact: bool = False) -> str:
    """A stored deadline (the instant it passes) as the last day allowed, in words; with
    ``exact`` (an emergency's 24 hours) the time and day it passes, even at midnight."""
    if at is None:
        return ""
    at = _aware(at)
    local = to_uk(at)
    if not exact and local.hour == 0 and local.minute == 0:  # a working-day deadline: the day before it passes
        return targets.day_words((local - timedelta(minutes=1)).date())
    return f"{local:%H:%M} on {targets.day_words(local.date())}"


def _late(at: datetime | None, done: datetime | None, now: datetime) -> bool:
    if at is None:
        return False
    return (_aware(done) or now) >= _aware(at)


@dataclass(frozen=True)
class Deadline:
    label: str  # "Investigate the damp and mould (Awaab's Law)"
    words: str  # "Wednesday 6 January 2027"
    late: bool
    done: str = ""  # "Done on 5 January 2027" when it was met (or late)


@dataclass(frozen=True)
class RepairSummary:
    reference: str
    what: str  # "Kitchen: taps: leaking tap"
    status: str
    status_words: str
    open: bool
    reported_words: str
    target_words: str
    late: bool
    appointment_words: str  # the next appointment, or ""
    by_phone: bool  # raised by phone (the feed)
    communal: bool
    awaab: bool


@dataclass(frozen=True)
class RepairEventView:
    when: str
    status_words: str
    note: str


@dataclass(frozen=True)
class RepairDetail:
    summary: RepairSummary
    description: str
    priority_words: str
    access_notes: str
    contact_words: str
    deadlines: tuple[Deadline, ...]
    history: tuple[RepairEventView, ...]
    photo_keys: tuple[str, ...]
    appointment_id: int | None  # the booked appointment, to change or cancel
    can_book: bool  # open, no appointment, not an emergency
    ask_fixed: bool  # completed and not yet answered
    fixed_words: str  # "You told us it is fixed" / "You told us it is not fixed: ..."
    right_to_repair_words: str  # "" when the Right to Repair does not apply
    compensation_words: str
    damp_answers: tuple[tuple[str, str], ...]
    can_cancel: bool = False  # reported online, open, nobody on the way: the resident may cancel it


def phone_words(digits: str) -> str:
    """ "07700 900982": a UK number as people write it (the first five digits, then the rest)."""
    return f"{digits[:5]} {digits[5:]}" if len(digits) > 6 and digits.isdigit() else digits


def what_words(repair: Repair) -> str:
    parts = [p for p in (repair.area_words, repair.element_words, repair.problem_words) if p]
    return ": ".join(parts) if parts else "Repair"  # our words only: never the resident's description


def _appointment(session: Session, repair_id: int) -> RepairAppointment | None:
    return session.exec(
        select(RepairAppointment)
        .where(RepairAppointment.repair_id == repair_id, RepairAppointment.status == "booked")
        .order_by(RepairAppointment.starts_at.desc())
    ).first()


def _summary(session: Session, repair: Repair, now: datetime) -> RepairSummary:
    appointment = _appointment(session, repair.id)
    open_ = repair.status in common.OPEN
    when = ""
    if appointment is not None:
        when = slot_words(_aware(appointment.starts_at), _aware(appointment.ends_at))
    elif repair.feed_appointment_start and repair.feed_appointment_end:  # raised by phone: the landlord's diary
        when = slot_words(_aware(repair.feed_appointment_start), _aware(repair.feed_appointment_end))
    return RepairSummary(
        reference=repair.reference,
        what=what_words(repair),
        status=repair.status,
        status_words=common.STATUS_WORDS.get(repair.status, repair.status),
        open=open_,
        reported_words=uk_time_words(_aware(repair.reported_at)),
        target_words=_due_words(repair.target_at, exact=repair.priority == targets.EMERGENCY),
        late=open_ and _late(repair.target_at, None, now),
        appointment_words=when if open_ else "",
        by_phone=repair.source == "feed",
        communal=repair.communal,
        awaab=repair.awaab,
    )


def _home_repairs_query(home: common.Home, block_ref: str | None):
    where = [Repair.property_id == home.property_id]
    if block_ref:
        where.append((Repair.block_ref == block_ref) & Repair.communal.is_(True))
    return select(Repair).where(or_(*where))


def _block_ref(session: Session, home: common.Home) -> str | None:
    prop = session.get(Property, home.property_id)
    return getattr(prop, "block_ref", None) if prop else None


def my_repairs(session: Session, caller, *, now: datetime, settings: Settings) -> list[RepairSummary] | None:
    """Every repair of the caller's home, open first; None when they have no home here."""
    home = common.home_of(session, caller, uk_today(now), settings)
    if home is None:
        return None
    rows = session.exec(
        _home_repairs_query(home, _block_ref(session, home)).order_by(Repair.reported_at.desc(), Repair.id.desc())
    ).all()
    summaries = [_summary(session, r, now) for r in rows]
    return [s for s in summaries if s.open] + [s for s in summaries if not s.open]


def _visible(session: Session, caller, reference: object, now: datetime, settings: Settings):
    """The repair when it is one "My repairs" lists for the caller (their home's, or a
    communal one of its block); else None."""
    found = common.own_repair(session, caller, reference, uk_today(now), settings)
    if found is not None:
        return found
    if not isinstance(reference, str) or len(reference) > 40:
        return None
    home = common.home_of(session, caller, uk_today(now), settings)
    if home is None:
        return None
    block = _block_ref(session, home)
    if not block:
        return None
    repair = session.exec(
        select(Repair).where(
            Repair.reference == reference.strip().upper(), Repair.communal.is_(True), Repair.block_ref == block
        )
    ).first()
    return (repair, home) if repair else None


def _deadlines(repair: Repair, now: datetime) -> tuple[Deadline, ...]:
    out = []
    if repair.awaab and repair.investigate_by:
        label = (
            "Make safe (Awaab's Law: 24 hours)"
            if repair.kind == common.KIND_EMERGENCY
            else "Investigate the damp and mould (Awaab's Law: 10 working days)"
        )
        out.append(
            Deadline(
                label,
                _due_words(repair.investigate_by, exact=repair.kind == common.KIND_EMERGENCY),
                _late(repair.investigate_by, repair.investigated_at, now),
                f"Done on {uk_time_words(_aware(repair.investigated_at))}" if repair.investigated_at else "",
            )
        )
    if repair.summary_by:
        out.append(
            Deadline(
                "Send you a written summary of what we found (3 working days after)",
                _due_words(repair.summary_by),
                _late(repair.summary_by, repair.summary_sent_at, now),
                f"Sent on {uk_time_words(_aware(repair.summary_sent_at))}" if repair.summary_sent_at else "",
            )
        )
    if repair.safety_by:
        out.append(
            Deadline(
                "Start the work to make it safe (5 working days after)",
                _due_words(repair.safety_by),
                _late(repair.safety_by, repair.safety_done_at, now),
                f"Started on {uk_time_words(_aware(repair.safety_done_at))}" if repair.safety_done_at else "",
            )
        )
    return tuple(out)


def _right_to_repair(repair: Repair, now: datetime, settings: Settings) -> tuple[str, str]:
    if not repair.right_to_repair_days:
        return "", ""
    rtr = targets.right_to_repair(
        repair.right_to_repair_days,
        _aware(repair.reported_at),
        now=now,
        completed_at=_aware(repair.completed_at),
        settings=settings,
    )
    days = "1 working day" if rtr.period_days == 1 else f"{rtr.period_days} working days"
    words = f"This is a qualifying repair under the Right to Repair: we must do it within {days}, by {rtr.first.words}."
    if rtr.missed == 1:
        words += f" We missed that date: a second contractor must do it by {rtr.second.words}."
    compensation = ""
    if rtr.missed == 2:
        base, per_day, cap = settings.right_to_repair_compensation
        compensation = (
            f"We missed both dates, so we owe you {format_pence(rtr.compensation_pence)} compensation "
            f"({format_pence(base)} and {format_pence(per_day)} for each day since {rtr.second.words}, up to "
            f"{format_pence(cap)}). We will contact you about paying it; you can also ask us for it."
        )
    return words, compensation


def _damp_rows(repair: Repair) -> tuple[tuple[str, str], ...]:
    if not repair.damp_answers:
        return ()
    answers = json.loads(repair.damp_answers)
    rows = [
        ("Where it is", answers.get("where", "")),
        ("How big", answers.get("size", "")),
        ("How long it has been there", answers.get("how_long", "")),
        ("Anyone with a health condition it could affect", answers.get("health_condition", "")),
    ]
    if answers.get("health_details"):
        rows.append(("Their condition", answers["health_details"]))
    return tuple((label, value) for label, value in rows if value)


def detail(session: Session, caller, reference: object, *, now: datetime, settings: Settings) -> RepairDetail | None:
    """One repair of the caller's home; None for any other reference."""
    found = _visible(session, caller, reference, now, settings)
    if found is None:
        return None
    repair, _home = found
    events = session.exec(
        select(RepairEvent)
        .where(RepairEvent.repair_id == repair.id, RepairEvent.for_resident.is_(True))
        .order_by(RepairEvent.at, RepairEvent.id)
    ).all()
    photos = session.exec(
        select(RepairPhoto.key).where(RepairPhoto.repair_id == repair.id).order_by(RepairPhoto.id)
    ).all()
    if not events:  # raised by phone: the feed sends where it stands, not each step
        events = [RepairEvent(repair_id=repair.id, at=repair.reported_at, status=common.REPORTED, by="feed")]
        if repair.completed_at:
            events.append(RepairEvent(repair_id=repair.id, at=repair.completed_at, status=common.COMPLETED, by="feed"))
    appointment = _appointment(session, repair.id)
    summary = _summary(session, repair, now)
    rtr, compensation = _right_to_repair(repair, now, settings)
    own_home = repair.property_id == _home.property_id
    fixed_words = ""
    if repair.fixed == "yes":
        fixed_words = "You told us it is fixed. Thank you."
    elif repair.fixed == "no":
        fixed_words = f"You told us it is not fixed: {repair.fixed_reason}"
    contact = {"phone": f"By phone on {phone_words(repair.contact_phone)}", "email": "By email"}.get(
        repair.contact_way, ""
    )
    return RepairDetail(
        summary=summary,
        description=repair.description,
        priority_words=targets.PRIORITY_WORDS.get(repair.priority, repair.priority),
        access_notes=repair.access_notes if own_home else "",
        contact_words=contact if own_home else "",
        deadlines=_deadlines(repair, now),
        history=tuple(
            RepairEventView(
                uk_time_words(_aware(e.at)), common.STATUS_WORDS.get(e.status, e.status), e.note if e.note else ""
            )
            for e in events
        ),
        photo_keys=tuple(photos) if own_home else (),
        appointment_id=appointment.id if appointment and summary.open and own_home else None,
        can_book=own_home
        and summary.open
        and appointment is None
        and repair.priority != targets.EMERGENCY
        and repair.status != common.ON_THE_WAY,
        ask_fixed=own_home and repair.status == common.COMPLETED and not repair.fixed,
        can_cancel=own_home and summary.open and repair.status != common.ON_THE_WAY and repair.source == "portal",
        fixed_words=fixed_words,
        right_to_repair_words=rtr,
        compensation_words=compensation,
        damp_answers=_damp_rows(repair) if own_home else (),
    )


@dataclass(frozen=True)
class Answered:
    outcome: str  # fixed | reopened | invalid | refused | already
    errors: tuple[tuple[str, str], ...] = ()


def answer_fixed(
    session: Session, caller, reference: object, form: dict, *, now: datetime, settings: Settings
) -> Answered:
    """ "Is it fixed?": yes (and an optional rating) or no with a reason, which reopens it."""
    found = common.own_repair(session, caller, reference, uk_today(now), settings)
    if found is None:
        return Answered("refused")
    repair, _home = found
    fixed = form.get(FIELD_FIXED) if isinstance(form.get(FIELD_FIXED), str) else ""
    reason = form.get(FIELD_REASON, "")
    reason = reason.strip() if isinstance(reason, str) else ""
    rating_text = form.get(FIELD_RATING, "")
    rating = int(rating_text) if isinstance(rating_text, str) and rating_text in dict(RATINGS) else None
    errors: dict[str, str] = {}
    if fixed not in ("yes", "no"):
        errors[FIELD_FIXED] = "Select yes if the repair is fixed"
    if fixed == "no" and not reason:
        errors[FIELD_REASON] = "Tell us what is still wrong"
    elif len(reason) > REASON_MAX:
        errors[FIELD_REASON] = f"What is still wrong must be {REASON_MAX:,} characters or fewer"
    if errors:
        return Answered("invalid", errors=tuple(errors.items()))
    values = {"fixed": fixed, "rating": rating, "updated_at": now}
    if fixed == "no":  # not done after all: the Right to Repair's clock runs on
        values |= {"fixed_reason": reason, "status": common.REOPENED, "completed_at": None}
    done = session.execute(
        update(Repair)
        .where(Repair.id == repair.id, Repair.status == common.COMPLETED, Repair.fixed == "")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return Answered("already")
    note = f"You told us it is not fixed: {reason}" if fixed == "no" else "You told us it is fixed."
    session.add(
        RepairEvent(
            repair_id=repair.id,
            at=now,
            status=common.REOPENED if fixed == "no" else common.COMPLETED,
            note=note,
            by="resident",
        )
    )
    audit.record(
        session,
        action="repair_reopened" if fixed == "no" else "repair_fixed",
        actor_kind=audit.RESIDENT,
        actor_id=caller.user_id,
        subject_user_id=caller.user_id,
        target=repair.reference,
        detail={"rating": rating},
        now=now,
    )
    return Answered("reopened" if fixed == "no" else "fixed")


def _next_steps(repair: Repair, appointment: RepairAppointment | None) -> list[str]:
    steps = []
    if repair.kind == common.KIND_DAMP:
        steps.append(
            "Someone will come to investigate the damp and mould by "
            f"{_due_words(repair.investigate_by)}, as Awaab's Law requires. Within 3 working days of that visit "
            "we will write to you with what we found and what we will do."
        )
    if appointment is not None:
        steps.append("The operative will come in the time you booked. We will text or email you on the day.")
    elif repair.priority != targets.EMERGENCY:
        steps.append("We will contact you to arrange a time.")
    steps.append("You will get an email when anything changes, and when the work is done we will ask if it is fixed.")
    return steps


def confirm(session: Session, reference: str, *, now: datetime, settings: Settings) -> bool:
    """Queue the repair's confirmation email, once (the first caller wins). True when queued."""
    repair = session.exec(select(Repair).where(Repair.reference == reference)).first()
    if repair is None or repair.user_id is None:
        return False
    claimed = session.execute(
        update(Repair)
        .where(Repair.id == repair.id, Repair.confirmed_at.is_(None))
        .values(confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    user = session.get(PortalUser, repair.user_id)
    appointment = _appointment(session, repair.id)
    deadlines = [f"{d.label}: by {d.words}" for d in _deadlines(repair, now)]
    rtr, _ = _right_to_repair(repair, now, settings)
    if rtr:
        deadlines.append(rtr)
    content = mail_templates.repair_reported(
        reference=repair.reference,
        what=what_words(repair),
        priority=targets.PRIORITY_WORDS.get(repair.priority, repair.priority),
        target=_due_words(repair.target_at, exact=repair.priority == targets.EMERGENCY),
        appointment=slot_words(_aware(appointment.starts_at), _aware(appointment.ends_at)) if appointment else "",
        deadlines=deadlines,
        next_steps=_next_steps(repair, appointment),
        link=f"{settings.base_url}{routes.repair_detail(repair.reference)}",
        settings=settings,
    )
    outbox.queue_mail(
        session, to=user.email, subject=content.subject, body=content.body, kind="repair_reported", now=now
    )
    if appointment is not None:  # booked as it was reported: a text too, if the resident chose texts
        when = slot_words(_aware(appointment.starts_at), _aware(appointment.ends_at))
        words = texts.repair_text(
            landlord=settings.landlord_name,
            reference=repair.reference,
            headline="Your repair appointment is booked.",
            line=f"Appointment: {when}",
        )
        texts.text_resident(session, user, body=words, kind="repair_reported", now=now)
    return True


def confirm_unsent(session: Session, *, now: datetime, settings: Settings, older_than: timedelta) -> int:
    """Confirm each portal repair whose confirmation was never queued (the worker stopped
    between the report and its confirmation): the worker's ``repairs.confirm_unsent``."""
    refs = session.exec(
        select(Repair.reference).where(
            Repair.confirmed_at.is_(None), Repair.source == "portal", Repair.reported_at < now - older_than
        )
    ).all()
    return sum(confirm(session, ref, now=now, settings=settings) for ref in refs)


__all__ = [
    "Answered",
    "Deadline",
    "RATINGS",
    "RepairDetail",
    "RepairEventView",
    "RepairSummary",
    "answer_fixed",
    "confirm",
    "confirm_unsent",
    "detail",
    "my_repairs",
    "slot_words",
    "what_words",
]
