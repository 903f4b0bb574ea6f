"""The requests domain's background job: once a working day, each officer is emailed the
requests assigned to them that are past their response target (``requests.overdue_digest``).

The job runs every quarter of an hour; from ``DIGEST_FROM_HOUR`` (UK time) on a working day
(``targets.py``: no weekends, bank holidays or local closures) it sends each member of staff
who manages requests and has overdue ones their day's email, once. That once is kept by a
``request_digest`` row per member of staff and UK day, written in the same transaction as
the email and unique on the pair: a restarted worker finds the row, and a second worker
running at the same moment fails on the unique pair and sends nothing. The email names
requests by reference and kind only (``mail.templates.overdue_digest``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from portal_app import worker
from portal_app.clock import to_uk, uk_date_words
from portal_app.models import RequestDigest, StaffMember
from portal_app.services.mail import templates as mail_templates
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.requests import office, routing
from portal_app.services.requests.common import as_utc, settings_or_default
from portal_app.services.requests.targets import closed_days, is_working_day
from portal_app.settings import Settings

DIGEST_EVERY = timedelta(minutes=15)
DIGEST_FROM_HOUR = 7  # UK time: the email is there when the office opens
MAIL_DIGEST = "requests_overdue_digest"  # OutboxMessage.kind

log = logging.getLogger(__name__)


def _sent_today(session: Session, staff_id: int, day) -> bool:
    found = session.exec(
        select(RequestDigest.id).where(RequestDigest.staff_id == staff_id, RequestDigest.uk_day == day)
    ).first()
    return found is not None


def _one(session: Session, staff_id: int, *, now: datetime, settings: Settings) -> bool:
    """Queue one member of staff's email for today, unless it has been sent or there is
    nothing overdue. True when it was queued (the caller commits)."""
    member = session.get(StaffMember, staff_id)
    if not routing.can_work(member, ""):
        return False
    day = to_uk(now).date()
    if _sent_today(session, member.id, day):
        return False
    rows = office.overdue_for(session, member, now=now, settings=settings)
    if not rows:
        return False
    session.add(RequestDigest(staff_id=member.id, uk_day=day, sent_at=now, overdue=len(rows)))
    session.flush()  # the unique (staff, day) pair: a second worker stops here
    mail = mail_templates.overdue_digest(
        lines=[f"{r.reference} ({r.kind_label}): {r.waited_words}" for r in rows],
        overdue=len(rows),
        unassigned_overdue=office.unassigned_overdue_count(session, member, now=now, settings=settings),
        day_words=uk_date_words(day),
        settings=settings,
    )
    queue_mail(session, to=member.email, subject=mail.subject, body=mail.body, kind=MAIL_DIGEST, now=now)
    return True


def send_overdue_digests(engine: Engine, *, now: datetime, settings: Settings | None = None) -> int:
    """Send today's overdue emails that are due and not yet sent; returns how many were queued."""
    settings = settings_or_default(settings)
    now = as_utc(now)
    local = to_uk(now)
    if local.hour < DIGEST_FROM_HOUR or not is_working_day(local.date(), closed_days(settings)):
        return 0
    with Session(engine) as s:
        staff_ids = [m.id for m in office.assignable_staff(s)]
    queued = 0
    for staff_id in staff_ids:
        with Session(engine) as s:
            try:
                if _one(s, staff_id, now=now, settings=settings):
                    s.commit()
                    queued += 1
            except IntegrityError:  # another worker sent it a moment ago
                s.rollback()
    if queued:
        log.info("%d overdue-requests emails queued", queued)
    return queued


@worker.job("requests.overdue_digest", every=DIGEST_EVERY)
def overdue_digest(*, engine: Engine, now: datetime) -> int:
    """Once a working day, each officer's overdue requests by email."""
    return send_overdue_digests(engine, now=now)


__all__ = ["DIGEST_FROM_HOUR", "MAIL_DIGEST", "overdue_digest", "send_overdue_digests"]
