"""Appointments for a repair: the slots offered, booking one, changing it, cancelling it.

The slots come from the contractor's system (``integrations/repairs``: the built-in sandbox,
or a real system's HTTP API), and only slots that end by the repair's target day are
offered (the priority's response time, or the Right to Repair's period when sooner),
from the next working day on. An emergency is never booked online: it is attended within
24 hours and we phone the resident.

**Exactly once.** Each call to the system is made outside any database transaction, and
the appointment row is claimed before it, like a card payment:

1. one unit of work checks the repair is the caller's (``common.own_repair``), open, and
   in a state that allows the step, and claims the appointment row (``booking`` with a new
   idempotency key; a booked one to ``changing`` or ``cancelling`` by a conditional UPDATE).
   One live appointment a repair (``uq_repair_appointment_live``): a second tab or press
   finds the first and calls nothing;
2. the system is called with that row's idempotency key (a retry is answered the same);
3. a second unit of work records the answer: ``booked`` (the repair's status too, an
   event, and an email when the confirmation has already gone), or back as it was when
   the slot was taken meanwhile (``SlotTaken``: the page offers the others) or the system
   was unavailable (the page says we will phone).

Another home's repair and an unknown reference are refused alike, before anything is
claimed or called. Times: ``now`` aware UTC. Each function here runs its own units of work
(``session_scope``) and must be called off the event loop. No reflex import.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal_app import routes
from portal_app.clock import to_uk, uk_today
from portal_app.integrations import repairs as systems
from portal_app.integrations.repairs import base
from portal_app.models import PortalUser, Property, Repair, RepairAppointment, RepairEvent
from portal_app.services import audit, working_days
from portal_app.services.mail import outbox, texts
from portal_app.services.mail import templates as mail_templates
from portal_app.services.repairs import common, following, targets
from portal_app.settings import Settings

BOOKING, BOOKED, CHANGING, CANCELLING, CHANGED, CANCELLED, FAILED = (
    "booking",
    "booked",
    "changing",
    "cancelling",
    "changed",
    "cancelled",
    "failed",
)


@dataclass(frozen=True)
class SlotChoice:
    slot_id: str
    words: str  # "Tuesday 15 December 2026, 8am to 12 noon"


@dataclass(frozen=True)
class Offer:
    outcome: str  # slots | none | unavailable | refused | not_bookable
    slots: tuple[SlotChoice, ...] = ()
    latest_words: str = ""  # the last day offered: the repair's target day


@dataclass(frozen=True)
class Booked:
    outcome: str  # booked | changed | cancelled | taken | unavailable | refused | not_bookable | exists
    words: str = ""  # the appointment's slot, in words
    offer: Offer | None = None  # taken: the slots still free


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _last_day(repair: Repair) -> date:
    """The repair's target day (its deadline is the start of the UK day after it)."""
    return (to_uk(_aware(repair.target_at)) - timedelta(minutes=1)).date()


def _job(session: Session, repair: Repair) -> base.RepairJob:
    prop = session.get(Property, repair.property_id)
    return base.RepairJob(
        repair_ref=repair.reference,
        property_ref=prop.property_ref if prop else "",
        priority=repair.priority,
        sor_code=repair.sor_code,
        summary=following.what_words(repair)[:120],
        access_notes=repair.access_notes[:500],
    )


def _window(repair: Repair, now: datetime, settings: Settings) -> tuple[date, date]:
    earliest = working_days.add_working_days(uk_today(now), 1, settings)
    return earliest, _last_day(repair)


def _live(session: Session, repair_id: int) -> RepairAppointment | None:
    return session.exec(
        select(RepairAppointment).where(
            RepairAppointment.repair_id == repair_id,
            RepairAppointment.status.in_((BOOKING, BOOKED, CHANGING, CANCELLING)),
        )
    ).first()


def _bookable(repair: Repair) -> bool:
    return repair.status in (common.REPORTED, common.FOLLOW_ON, common.REOPENED, common.BOOKED) and (
        repair.priority != targets.EMERGENCY
    )


def _session_factory(settings: Settings) -> Callable[[], object]:
    from portal_app.db import session_scope

    _diary_in_database()
    return session_scope


def _diary_in_database() -> None:
    """The sandbox keeps its diary in the portal's database, so every worker books against
    the same capacity (its default, one diary per process, is for its own tests)."""
    from portal_app.db import get_engine
    from portal_app.integrations.repairs.sandbox_db import DatabaseStore

    engine = get_engine()
    store = systems.current_sandbox_store()
    if not (isinstance(store, DatabaseStore) and store.engine is engine):
        systems.use_sandbox_store(DatabaseStore(engine))


def _slots(system: base.RepairsSystem, job: base.RepairJob, earliest: date, latest: date) -> Offer:
    try:
        found = system.slots(job, earliest=earliest, latest=latest)
    except base.SystemUnavailable:
        return Offer("unavailable")
    choices = tuple(SlotChoice(s.slot_id, following.slot_words(s.starts_at, s.ends_at)) for s in found)
    words = targets.day_words(latest)
    return Offer("slots" if choices else "none", choices, words)


def offer(caller, reference: object, *, now: datetime, settings: Settings) -> Offer:
    """The slots the caller may book for their repair (or change its appointment to)."""
    scope = _session_factory(settings)
    with scope() as s:
        found = common.own_repair(s, caller, reference, uk_today(now), settings)
        if found is None:
            return Offer("refused")
        repair = found[0]
        if not _bookable(repair):
            return Offer("not_bookable")
        job = _job(s, repair)
        earliest, latest = _window(repair, now, settings)
    if latest < earliest:
        return Offer("none", latest_words=targets.day_words(latest))
    return _slots(systems.current(settings), job, earliest, latest)


def _record_event(session: Session, repair: Repair, status: str, note: str, now: datetime) -> None:
    session.add(RepairEvent(repair_id=repair.id, at=now, status=status, note=note, by="resident"))


def _email(session: Session, repair: Repair, headline: str, lines: list[str], settings: Settings, now: datetime):
    if repair.user_id is None or repair.confirmed_at is None:
        return  # the confirmation, still to go, will carry it
    user = session.get(PortalUser, repair.user_id)
    content = mail_templates.repair_update(
        reference=repair.reference,
        what=following.what_words(repair),
        headline=headline,
        lines=lines,
        link=f"{settings.base_url}{routes.repair_detail(repair.reference)}",
        settings=settings,
    )
    outbox.queue_mail(session, to=user.email, subject=content.subject, body=content.body, kind="repair_update", now=now)
    words = texts.repair_text(
        landlord=settings.landlord_name, reference=repair.reference, headline=headline, line=lines[0] if lines else ""
    )
    texts.text_resident(session, user, body=words, kind="repair_update", now=now)  # only if they chose texts


def book(caller, reference: object, slot_id: object, *, now: datetime, settings: Settings) -> Booked:
    """Book ``slot_id`` for the caller's repair, once."""
    if not isinstance(slot_id, str) or not slot_id or len(slot_id) > 120:
        return Booked("refused")
    scope = _session_factory(settings)
    key = secrets.token_hex(16)
    system = systems.current(settings)
    with scope() as s:
        found = common.own_repair(s, caller, reference, uk_today(now), settings)
        if found is None:
            return Booked("refused")
        repair = found[0]
        if not _bookable(repair):
            return Booked("not_bookable")
        if _live(s, repair.id) is not None:
            return Booked("exists")
        row = RepairAppointment(
            repair_id=repair.id,
            system=system.name,
            slot_id=slot_id,
            status=BOOKING,
            idempotency_key=key,
            created_at=now,
        )
        try:
            with s.begin_nested():
                s.add(row)
        except IntegrityError:
            return Booked("exists")
        job = _job(s, repair)
        repair_id, row_id = repair.id, row.id
        earliest, latest = _window(repair, now, settings)
    try:
        booking = system.book(job, slot_id, idempotency_key=key)
    except (base.SlotTaken, base.NotFound):
        _finish(row_id, FAILED, scope)
        return Booked("taken", offer=_slots(system, job, earliest, latest) if latest >= earliest else Offer("none"))
    except base.SystemUnavailable:
        _finish(row_id, FAILED, scope)
        return Booked("unavailable")
    words = following.slot_words(booking.slot.starts_at, booking.slot.ends_at)
    with scope() as s:
        s.execute(
            update(RepairAppointment)
            .where(RepairAppointment.id == row_id)
            .values(
                status=BOOKED,
                booking_id=booking.booking_id,
                job_ref=booking.job_ref,
                starts_at=booking.slot.starts_at,
                ends_at=booking.slot.ends_at,
            )
            .execution_options(synchronize_session=False)
        )
        repair = s.get(Repair, repair_id)
        if repair.status != common.BOOKED:
            repair.status = common.BOOKED
        repair.updated_at = now
        s.add(repair)
        _record_event(s, repair, common.BOOKED, f"Appointment: {words}", now)
        _email(s, repair, "Your repair appointment is booked.", [f"Appointment: {words}"], settings, now)
        audit.record(
            s,
            action="repair_appointment_booked",
            actor_kind=audit.RESIDENT,
            actor_id=caller.user_id,
            subject_user_id=caller.user_id,
            target=repair.reference,
            detail={"slot": booking.slot.slot_id, "system": system.name},
            now=now,
        )
    return Booked("booked", words=words)


def _finish(row_id: int, status: str, scope) -> None:
    with scope() as s:
        s.execute(
            update(RepairAppointment)
            .where(RepairAppointment.id == row_id)
            .values(status=status)
            .execution_options(synchronize_session=False)
        )


def _claim_live(s: Session, repair_id: int, to: str, **values) -> RepairAppointment | None:
    """Move the repair's booked appointment to ``to`` (changing, cancelling), once."""
    row = s.exec(
        select(RepairAppointment).where(RepairAppointment.repair_id == repair_id, RepairAppointment.status == BOOKED)
    ).first()
    if row is None:
        return None
    done = s.execute(
        update(RepairAppointment)
        .where(RepairAppointment.id == row.id, RepairAppointment.status == BOOKED)
        .values(status=to, **values)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return None
    s.refresh(row)
    return row


def change(caller, reference: object, slot_id: object, *, now: datetime, settings: Settings) -> Booked:
    """Move the caller's booked appointment to ``slot_id``."""
    if not isinstance(slot_id, str) or not slot_id or len(slot_id) > 120:
        return Booked("refused")
    scope = _session_factory(settings)
    key = secrets.token_hex(16)
    with scope() as s:
        found = common.own_repair(s, caller, reference, uk_today(now), settings)
        if found is None:
            return Booked("refused")
        repair = found[0]
        if not _bookable(repair):
            return Booked("not_bookable")
        row = _claim_live(s, repair.id, CHANGING, pending_slot_id=slot_id, idempotency_key=key)
        if row is None:
            return Booked("not_bookable")
        system = systems.system_named(row.system, settings)
        job = _job(s, repair)
        repair_id, row_id, booking_id = repair.id, row.id, row.booking_id
        old = (row.slot_id, row.starts_at, row.ends_at, row.job_ref)
        earliest, latest = _window(repair, now, settings)
    try:
        booking = system.change(booking_id, slot_id, idempotency_key=key)
    except (base.SlotTaken, base.NotFound):
        _back_to_booked(row_id, scope)
        return Booked("taken", offer=_slots(system, job, earliest, latest) if latest >= earliest else Offer("none"))
    except base.SystemUnavailable:
        _back_to_booked(row_id, scope)
        return Booked("unavailable")
    words = following.slot_words(booking.slot.starts_at, booking.slot.ends_at)
    with scope() as s:
        s.execute(
            update(RepairAppointment)
            .where(RepairAppointment.id == row_id)
            .values(
                status=BOOKED,
                slot_id=booking.slot.slot_id,
                starts_at=booking.slot.starts_at,
                ends_at=booking.slot.ends_at,
                booking_id=booking.booking_id,
                job_ref=booking.job_ref,
                pending_slot_id="",
            )
            .execution_options(synchronize_session=False)
        )
        s.add(
            RepairAppointment(
                repair_id=repair_id,
                system=system.name,
                booking_id=booking_id,
                job_ref=old[3],
                slot_id=old[0],
                starts_at=old[1],
                ends_at=old[2],
                status=CHANGED,
                idempotency_key=secrets.token_hex(16),
                created_at=now,
            )
        )
        repair = s.get(Repair, repair_id)
        repair.updated_at = now
        s.add(repair)
        _record_event(s, repair, common.BOOKED, f"Appointment changed to {words}", now)
        _email(s, repair, "Your repair appointment has changed.", [f"New appointment: {words}"], settings, now)
        audit.record(
            s,
            action="repair_appointment_changed",
            actor_kind=audit.RESIDENT,
            actor_id=caller.user_id,
            subject_user_id=caller.user_id,
            target=repair.reference,
            detail={"slot": booking.slot.slot_id},
            now=now,
        )
    return Booked("changed", words=words)


def _back_to_booked(row_id: int, scope) -> None:
    with scope() as s:
        s.execute(
            update(RepairAppointment)
            .where(RepairAppointment.id == row_id)
            .values(status=BOOKED, pending_slot_id="")
            .execution_options(synchronize_session=False)
        )


def cancel(caller, reference: object, *, now: datetime, settings: Settings) -> Booked:
    """Cancel the caller's booked appointment (the repair stays reported: we will arrange another)."""
    scope = _session_factory(settings)
    key = secrets.token_hex(16)
    with scope() as s:
        found = common.own_repair(s, caller, reference, uk_today(now), settings)
        if found is None:
            return Booked("refused")
        repair = found[0]
        row = _claim_live(s, repair.id, CANCELLING, idempotency_key=key)
        if row is None:
            return Booked("not_bookable")
        system = systems.system_named(row.system, settings)
        repair_id, row_id, booking_id = repair.id, row.id, row.booking_id
        words = following.slot_words(_aware(row.starts_at), _aware(row.ends_at)) if row.starts_at else ""
    try:
        system.cancel(booking_id, idempotency_key=key)
    except base.NotFound:
        pass  # the system has no such booking any more: nothing to cancel there
    except base.SystemUnavailable:
        _back_to_booked(row_id, scope)
        return Booked("unavailable")
    with scope() as s:
        _finish_in(s, row_id, CANCELLED)
        repair = s.get(Repair, repair_id)
        if repair.status == common.BOOKED:
            repair.status = common.REPORTED
        repair.updated_at = now
        s.add(repair)
        _record_event(s, repair, repair.status, f"Appointment cancelled ({words})", now)
        _email(
            s,
            repair,
            "Your repair appointment is cancelled.",
            [
                f"Cancelled: {words}",
                "The repair is still open: book another time when you sign in, or we will contact you",
            ],
            settings,
            now,
        )
        audit.record(
            s,
            action="repair_appointment_cancelled",
            actor_kind=audit.RESIDENT,
            actor_id=caller.user_id,
            subject_user_id=caller.user_id,
            target=repair.reference,
            now=now,
        )
    return Booked("cancelled", words=words)


def _finish_in(s: Session, row_id: int, status: str) -> None:
    s.execute(
        update(RepairAppointment)
        .where(RepairAppointment.id == row_id)
        .values(status=status)
        .execution_options(synchronize_session=False)
    )


REASON_MAX = 500


def cancel_repair(caller, reference: object, reason: object, *, now: datetime, settings: Settings) -> Booked:
    """The resident cancels their open repair (fixed it themselves, reported it twice): its
    appointment first (``cancel``), then the repair, once (a conditional UPDATE on an open
    status). A repair the operative is on the way to is not cancelled online: phone us."""
    words = reason.strip() if isinstance(reason, str) else ""
    if len(words) > REASON_MAX:
        return Booked("invalid", words=f"Why you are cancelling must be {REASON_MAX} characters or fewer")
    scope = _session_factory(settings)
    with scope() as s:
        found = common.own_repair(s, caller, reference, uk_today(now), settings)
        if found is None:
            return Booked("refused")
        repair = found[0]
        if repair.status not in common.OPEN or common.CANCELLED not in common.TRANSITIONS.get(repair.status, ()):
            return Booked("not_bookable")
        if repair.status == common.ON_THE_WAY:
            return Booked("not_bookable")
        has_appointment = _live(s, repair.id) is not None
        repair_id = repair.id
    if has_appointment:
        undone = cancel(caller, reference, now=now, settings=settings)
        if undone.outcome == "unavailable":
            return Booked("unavailable")
    with scope() as s:
        done = s.execute(
            update(Repair)
            .where(Repair.id == repair_id, Repair.status.in_(common.OPEN), Repair.status != common.ON_THE_WAY)
            .values(status=common.CANCELLED, cancelled_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:
            return Booked("not_bookable")
        repair = s.get(Repair, repair_id)
        note = f"You cancelled this repair: {words}" if words else "You cancelled this repair."
        _record_event(s, repair, common.CANCELLED, note, now)
        _email(s, repair, "You cancelled your repair.", ["If it needs doing after all, report it again"], settings, now)
        audit.record(
            s,
            action="repair_cancelled",
            actor_kind=audit.RESIDENT,
            actor_id=caller.user_id,
            subject_user_id=caller.user_id,
            target=repair.reference,
            now=now,
        )
    return Booked("cancelled")


__all__ = ["Booked", "Offer", "SlotChoice", "book", "cancel", "cancel_repair", "change", "offer"]
