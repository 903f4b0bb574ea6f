"""The repairs domain's background jobs: the confirmation of a repair a stopped worker left
unsent (``repairs.confirm_unsent``, every 5 minutes), draft photos never sent deleted
(``repairs.tidy_photos``, hourly), and once a UK day, each member of staff who manages
repairs is emailed the repairs that are overdue (``repairs.overdue_digest``), Awaab's Law's
late steps first (``office.overdue_for_digest``).

The job runs every quarter of an hour; from ``DIGEST_FROM_HOUR`` (UK time) it sends each
active member of staff whose role grants ``manage_repairs`` that day's email, once, when
anything is overdue. Every day, weekends and bank holidays too: Awaab's Law's emergency
deadline is 24 hours, and a deadline passed on a Saturday is still passed on Monday.

"Once" is kept by the email itself: the outbox row (``OutboxMessage``, kind
``MAIL_DIGEST``) to that member of staff's address created on this UK day. The requests
digest's marker table (``request_digest``) cannot be shared: it is unique on (staff, day)
with no kind, so a repairs row would stop that day's requests email. Each member is
handled in a transaction of their own that first locks their ``staff_member`` row, so two
runs at once (the worker claims each period once, but a run whose lease passed can be
taken over) wait for each other and the second finds the first's email; outbox rows are
never deleted (only their bodies are emptied once delivered), so the marker lasts.

The email names repairs by reference, with dates and priorities in our words: never what
a resident wrote, never their name or address (the back office has those, after signing in).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from portal_app import routes, worker
from portal_app.clock import to_uk, uk_date_words, uk_day_in_utc
from portal_app.models import OutboxMessage, StaffMember
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.mail.templates import MailContent
from portal_app.services.repairs import office
from portal_app.services.roles import permissions_of
from portal_app.settings import Settings, get_settings

DIGEST_EVERY = timedelta(minutes=15)
DIGEST_FROM_HOUR = 7  # UK time: the email is there when the office opens
MAIL_DIGEST = "repairs_overdue_digest"  # OutboxMessage.kind, and the once-a-day marker
MOST_LINES = 200  # a longer list ends "and N more": the queue has them all

log = logging.getLogger(__name__)


def digest_mail(*, lines: list[str], counts: office.OverdueCounts, day_words: str, settings: Settings) -> MailContent:
    """The email: how many, Awaab's Law's first, then one line a repair."""
    shown = lines[:MOST_LINES]
    more = len(lines) - len(shown)
    these = "1 repair is" if counts.total == 1 else f"{counts.total} repairs are"
    awaab = ""
    if counts.awaab:
        awaab = (
            "1 of them has an Awaab's Law deadline passed. "
            if counts.awaab == 1
            else f"{counts.awaab} of them have an Awaab's Law deadline passed. "
        )
        awaab += "They come first.\n\n"
    bullets = "\n".join(f"- {line}" for line in shown)
    if more:
        bullets += f"\n- and {more} more"
    link = f"{settings.base_url}{routes.staff_repairs(status=office.ALL, overdue=office.YES)}"
    body = (
        f"On {day_words}, {these} overdue.\n"
        f"\n"
        f"{awaab}"
        f"{bullets}\n"
        f"\n"
        f"See them in the back office (you will be asked to sign in):\n"
        f"{link}\n"
        f"\n"
        f"We send this once a day while any repair is overdue.\n"
        f"\n"
        f"{settings.landlord_name}\n\nThis email was sent automatically. Please do not reply to it.\n"
    )
    subject = f"Overdue repairs: {counts.total}"
    if counts.awaab:
        subject += f", {counts.awaab} under Awaab's Law"
    return MailContent(subject, body)


def repairs_staff(session: Session) -> list[StaffMember]:
    """Active staff whose role grants manage_repairs, by name."""
    found = session.exec(select(StaffMember).where(StaffMember.status == "active").order_by(StaffMember.name)).all()
    return [m for m in found if office.MANAGE in permissions_of(m.role)]


def _sent_today(session: Session, email: str, now: datetime) -> bool:
    start, end = uk_day_in_utc(to_uk(now).date())
    found = session.exec(
        select(OutboxMessage.id).where(
            OutboxMessage.kind == MAIL_DIGEST,
            OutboxMessage.to_address == email,
            OutboxMessage.created_at >= start,
            OutboxMessage.created_at < end,
        )
    ).first()
    return found is not None


def _one(session: Session, staff_id: int, *, lines: list[str], counts, now: datetime, settings: Settings) -> bool:
    """Queue one member of staff's email for today unless it is already queued. True when
    queued (the caller commits)."""
    member = session.exec(select(StaffMember).where(StaffMember.id == staff_id).with_for_update()).first()
    if member is None or member.status != "active" or office.MANAGE not in permissions_of(member.role):
        return False
    if _sent_today(session, member.email, now):
        return False
    mail = digest_mail(lines=lines, counts=counts, day_words=uk_date_words(to_uk(now).date()), settings=settings)
    queue_mail(session, to=member.email, subject=mail.subject, body=mail.body, kind=MAIL_DIGEST, now=now)
    return True


def repairs_overdue_digest(session: Session, *, now: datetime, settings: Settings) -> int:
    """Queue today's overdue-repairs email for each member of staff who manages repairs and
    has not had it today, when anything is overdue and it is ``DIGEST_FROM_HOUR`` or later
    (UK time). Returns how many were queued; the caller commits."""
    if to_uk(now).hour < DIGEST_FROM_HOUR:
        return 0
    lines = office.overdue_for_digest(session, now=now, settings=settings)
    if not lines:
        return 0
    counts = office.overdue_totals(session, now=now)
    return sum(
        _one(session, m.id, lines=lines, counts=counts, now=now, settings=settings) for m in repairs_staff(session)
    )


def send_overdue_digests(engine: Engine, *, now: datetime, settings: Settings | None = None) -> int:
    """The job's work: each member of staff in a transaction of their own (a failure for one
    leaves the others' emails queued)."""
    settings = settings or get_settings()
    if to_uk(now).hour < DIGEST_FROM_HOUR:
        return 0
    with Session(engine) as s:
        lines = office.overdue_for_digest(s, now=now, settings=settings)
        if not lines:
            return 0
        counts = office.overdue_totals(s, now=now)
        staff_ids = [m.id for m in repairs_staff(s)]
    queued = 0
    for staff_id in staff_ids:
        with Session(engine) as s:
            if _one(s, staff_id, lines=lines, counts=counts, now=now, settings=settings):
                s.commit()
                queued += 1
    if queued:
        log.info("%d overdue-repairs emails queued", queued)
    return queued


@worker.job("repairs.overdue_digest", every=DIGEST_EVERY)
def overdue_digest(*, engine: Engine, now: datetime) -> int:
    """Once a UK day, the overdue repairs by email to each member of staff who manages repairs."""
    return send_overdue_digests(engine, now=now)


CONFIRM_AFTER = timedelta(minutes=5)  # the page confirms at once; this catches a stop in between


@worker.job("repairs.confirm_unsent", every=timedelta(minutes=5))
def confirm_unsent(*, engine: Engine, now: datetime) -> int:
    """Queue the confirmation of each repair reported online whose confirmation was never
    queued (``following.confirm`` takes each once, so the page and this never both send)."""
    from portal_app.services.repairs import following  # noqa: PLC0415

    with Session(engine) as s:
        sent = following.confirm_unsent(s, now=now, settings=get_settings(), older_than=CONFIRM_AFTER)
        s.commit()
    if sent:
        log.info("%d repair confirmations queued late", sent)
    return sent


@worker.job("repairs.tidy_photos", every=timedelta(hours=1))
def tidy_photos(*, engine: Engine, now: datetime) -> int:
    """Delete photos added while reporting but never sent, a day on (``photo_store``)."""
    from portal_app.services.repairs import photo_store  # noqa: PLC0415

    with Session(engine) as s:
        gone = photo_store.delete_old_drafts(s, now=now)
        s.commit()
    return gone


__all__ = [
    "confirm_unsent",
    "tidy_photos",
    "DIGEST_FROM_HOUR",
    "MAIL_DIGEST",
    "digest_mail",
    "overdue_digest",
    "repairs_overdue_digest",
    "repairs_staff",
    "send_overdue_digests",
]
