"""Reporting a repair from start to finish, as the page runs it: the slots a new repair
may be booked in, then the report written, the slot booked with the contractor's system
(outside any transaction), and the confirmation queued, each its own unit of work
(``reporting.report``, ``appointments.book``, ``following.confirm``).

If the slot went meanwhile, or the system cannot be reached, the repair is still reported
and confirmed ("we will contact you to arrange a time"), and the resident may book another
from the repair's page. Must be called off the event loop. No reflex import.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from portal_app.clock import uk_today
from portal_app.db import session_scope
from portal_app.integrations import repairs as systems
from portal_app.integrations.repairs import base
from portal_app.models import PortalUser
from portal_app.services import working_days
from portal_app.services.repairs import appointments, common, following, reporting, targets, triage
from portal_app.settings import Settings


@dataclass(frozen=True)
class Done:
    outcome: str  # done | invalid | refused | limit | not_online
    errors: tuple[tuple[str, str], ...] = ()
    message: str = ""
    reference: str = ""
    priority_words: str = ""
    target_words: str = ""
    appointment_words: str = ""
    booking_problem: str = ""  # why the slot chosen could not be booked
    deadlines: tuple[str, ...] = ()
    email: str = ""


def offer_for_new(caller, path: object, *, now: datetime, settings: Settings) -> appointments.Offer:
    """The slots for a repair not reported yet: from the next working day to the target
    day its priority gives (or the Right to Repair's, when sooner). None for an emergency."""
    tree = triage.load(settings.repairs_triage_file or None)
    leaf = tree.leaf(path) if isinstance(path, str) else None
    if leaf is None or not leaf.offers_form:
        return appointments.Offer("refused")
    with session_scope() as s:
        home = common.home_of(s, caller, uk_today(now), settings)
    if home is None:
        return appointments.Offer("refused")
    priority = leaf.priority or targets.URGENT
    if priority == targets.EMERGENCY:
        return appointments.Offer("not_bookable")
    last = targets.priority_target(priority, now, settings).last_day
    if settings.right_to_repair and home.tenure == "secure" and leaf.right_to_repair_days:
        rtr = targets.right_to_repair(leaf.right_to_repair_days, now, now=now, completed_at=None, settings=settings)
        last = min(last, rtr.first.last_day)
    earliest = working_days.add_working_days(uk_today(now), 1, settings)
    if last < earliest:
        return appointments.Offer("none", latest_words=targets.day_words(last))
    job = base.RepairJob(
        repair_ref="RP-NEW",
        property_ref=home.property_ref,
        priority=priority,
        sor_code=leaf.sor_code,
        summary=f"{leaf.element_label}: {leaf.label}"[:120],
    )
    appointments._diary_in_database()
    return appointments._slots(systems.current(settings), job, earliest, last)


def submit(
    caller,
    form: Mapping[str, object],
    *,
    photo_keys: tuple[str, ...] = (),
    slot_id: str = "",
    now: datetime,
    settings: Settings,
) -> Done:
    with session_scope() as s:
        reported = reporting.report(s, caller, form, photo_keys=list(photo_keys), now=now, settings=settings)
    if reported.outcome != "done":
        return Done(reported.outcome, errors=reported.errors, message=reported.message)
    problem = ""
    words = ""
    if slot_id:
        booked = appointments.book(caller, reported.reference, slot_id, now=now, settings=settings)
        if booked.outcome == "booked":
            words = booked.words
        elif booked.outcome == "taken":
            problem = "Someone booked that time a moment before you, so we could not book it."
        else:
            problem = "We could not book the time you chose just now."
    with session_scope() as s:
        following.confirm(s, reported.reference, now=now, settings=settings)
        page = following.detail(s, caller, reported.reference, now=now, settings=settings)
        user = s.get(PortalUser, caller.user_id)
        email = user.email if user else ""
    return Done(
        "done",
        reference=reported.reference,
        priority_words=page.priority_words,
        target_words=page.summary.target_words,
        appointment_words=words,
        booking_problem=problem,
        deadlines=tuple(f"{d.label}: by {d.words}" for d in page.deadlines)
        + ((page.right_to_repair_words,) if page.right_to_repair_words else ()),
        email=email,
    )


__all__ = ["Done", "offer_for_new", "submit"]
