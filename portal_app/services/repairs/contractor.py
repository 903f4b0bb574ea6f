"""What the contractor's system tells us about a booking (its signed status callbacks,
``api/repair_notify.py``; the shape is ``docs/repairs-system-api.md``'s).

Each event is acted on once, by its ``event_id`` (``RepairNotification``: a unique key, so
two deliveries at the same moment cannot both act). What each status does to the repair:

* ``on_the_way``: the repair is "Operative on the way" (the resident sees it, and the note);
* ``completed``: the repair is completed, and the resident is emailed and asked "Is it fixed?";
* ``follow_on_needed``: "More work needed", with the contractor's note; a new booking follows;
* ``no_access`` and ``cancelled``: the appointment is over without the work: the repair is
  open again without one (the resident may choose another time, or we contact them);
* ``scheduled``, ``arrived`` and any status we do not know: noted in the history only.

A status that the repair's life does not allow from where it is now (``common.TRANSITIONS``;
a late "on the way" after "completed", events out of order) is noted, not applied. A
booking we do not know is kept as ``unknown_booking`` and changes nothing. Nothing here
commits. No reflex import.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal_app import routes
from portal_app.models import PortalUser, Repair, RepairAppointment, RepairEvent, RepairNotification
from portal_app.services.mail import outbox
from portal_app.services.mail import templates as mail_templates
from portal_app.services.repairs import common, following
from portal_app.settings import Settings

_TO = {
    "on_the_way": common.ON_THE_WAY,
    "completed": common.COMPLETED,
    "follow_on_needed": common.FOLLOW_ON,
    "no_access": common.REPORTED,
    "cancelled": common.REPORTED,
}
_WORDS = {
    "scheduled": "The job is in the operative's diary.",
    "on_the_way": "The operative is on the way.",
    "arrived": "The operative has arrived.",
    "completed": "The work is complete.",
    "follow_on_needed": "More work is needed: we will book another visit.",
    "no_access": "The operative could not get in. Choose another time, or we will contact you.",
    "cancelled": "The contractor cancelled the appointment. Choose another time, or we will contact you.",
}


def _when(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def notified(session: Session, event: dict, *, now: datetime, settings: Settings) -> str:
    """Act on one believed event (``http.verify_notification``'s dict): ``repeat`` when its
    id was seen before, else ``applied``, ``noted`` or ``unknown_booking``."""
    event_id, booking_id = str(event.get("event_id", ""))[:120], str(event.get("booking_id", ""))[:80]
    status = str(event.get("status", ""))[:40]
    note = event.get("note") if isinstance(event.get("note"), str) else ""
    note = note.strip()[:500]
    row = RepairNotification(
        event_id=event_id, booking_id=booking_id, status=status, happened_at=_when(event.get("at")), received_at=now
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return "repeat"
    appointment = session.exec(
        select(RepairAppointment)
        .where(
            RepairAppointment.booking_id == booking_id,
            RepairAppointment.status.in_(("booked", "changing", "cancelling")),
        )
        .order_by(RepairAppointment.id.desc())
    ).first()
    repair = session.get(Repair, appointment.repair_id) if appointment else None
    if repair is None:
        row.outcome = "unknown_booking"
        session.add(row)
        return row.outcome
    to = _TO.get(status)
    words = " ".join(w for w in (_WORDS.get(status, f"Update from the contractor: {status}."), note) if w)
    applies = to is not None and (to == repair.status or to in common.TRANSITIONS.get(repair.status, ()))
    if applies:
        repair.status = to
        if to == common.COMPLETED:  # asked "Is it fixed?" afresh, even after an earlier "no"
            repair.completed_at = _when(event.get("at")) or now
            repair.fixed, repair.fixed_reason, repair.rating = "", "", None
        if status in ("no_access", "cancelled"):
            appointment.status = "cancelled"
            session.add(appointment)
    repair.updated_at = now
    session.add(repair)
    session.add(
        RepairEvent(repair_id=repair.id, at=now, status=repair.status, note=words, for_resident=True, by="contractor")
    )
    row.outcome = "applied" if applies else "noted"
    session.add(row)
    user = session.get(PortalUser, repair.user_id) if repair.user_id is not None else None
    wanted = user is not None and (user.wants_repair_updates or repair.priority == "emergency")
    if applies and to == common.COMPLETED and wanted:  # as the resident chose in Your details
        content = mail_templates.repair_update(
            reference=repair.reference,
            what=following.what_words(repair),
            headline="Your repair is complete.",
            lines=["Is it fixed? Tell us on the repair's page: if it is not, we will come back"],
            link=f"{settings.base_url}{routes.repair_detail(repair.reference)}",
            settings=settings,
        )
        outbox.queue_mail(
            session, to=user.email, subject=content.subject, body=content.body, kind="repair_update", now=now
        )
    return row.outcome


__all__ = ["notified"]
