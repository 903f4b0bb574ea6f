"""Who deals with a request: the officer named for the tenancy in the landlord's feed, and
the member of staff who works it in the back office.

Both sides use this: a resident's new request is routed and, when its officer has a staff
account (``StaffMember.officer_id``), assigned to them at once (``assign_on_arrival``);
the back office assigns and reassigns (``assign``). Whoever is given a request is emailed
its reference and kind, and a link to it, never anything the resident wrote
(``mail.templates.request_assigned``). This module is shared by ``resident.py`` and
``office.py`` so that neither imports the other. No reflex import; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from portal_app.models import MoneyRequest, Officer, StaffMember, Tenancy
from portal_app.services.mail import templates as mail_templates
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.requests.common import TENANCY_KINDS, as_utc, kind_label, may_see_kind, settings_or_default
from portal_app.services.roles import permissions_of
from portal_app.settings import Settings

LEASE_TENURES = ("leasehold", "shared_ownership")
MAIL_ASSIGNED = "request_assigned"  # OutboxMessage.kind
MANAGE = "manage_requests"


def route_officer(session: Session, tenancy: Tenancy, kind: str = "") -> int | None:
    """The officer whose queue a request on this tenancy lands in (None: unassigned).
    For a lease, the tenancy's leasehold officer, or an officer named on it (income or
    housing) whose role is ``leasehold_officer``, comes first. Otherwise a request about
    money goes to the income officer, and one about the home and tenancy
    (``TENANCY_KINDS``) to the housing officer (the income officer when none is named)."""
    if tenancy.tenure in LEASE_TENURES:
        if tenancy.leasehold_officer_id is not None:
            return tenancy.leasehold_officer_id
        for officer_id in (tenancy.income_officer_id, tenancy.housing_officer_id):
            officer = session.get(Officer, officer_id) if officer_id else None
            if officer is not None and officer.role == "leasehold_officer":
                return officer.id
    if kind in TENANCY_KINDS and tenancy.housing_officer_id is not None:
        return tenancy.housing_officer_id
    return tenancy.income_officer_id


def can_work(member: StaffMember | None, kind: str) -> bool:
    """Whether this member of staff may be given a request of ``kind``: active, allowed to
    manage requests, and (for a data-rights request) allowed to see that kind."""
    if member is None or member.status != "active":
        return False
    permissions = permissions_of(member.role)
    return MANAGE in permissions and may_see_kind(kind, permissions)


def staff_for_officer(session: Session, officer_id: int | None, kind: str) -> StaffMember | None:
    """The member of staff linked to the feed's officer who may work this kind (the first
    made, if several are linked), or None."""
    if officer_id is None:
        return None
    linked = session.exec(
        select(StaffMember).where(StaffMember.officer_id == officer_id).order_by(StaffMember.id)
    ).all()
    return next((m for m in linked if can_work(m, kind)), None)


def assign(
    session: Session,
    request: MoneyRequest,
    member: StaffMember,
    *,
    now: datetime,
    settings: Settings | None = None,
    by: StaffMember | None = None,
) -> None:
    """Give ``request`` to ``member`` (already checked with ``can_work``) and email them,
    unless they assigned it to themselves."""
    settings = settings_or_default(settings)
    now = as_utc(now)
    request.assigned_staff_id = member.id
    request.assigned_at = now
    session.add(request)
    if by is not None and by.id == member.id:
        session.flush()
        return
    mail = mail_templates.request_assigned(
        reference=request.reference,
        kind_label=kind_label(request.kind),
        assigned_by=by.name if by is not None else "",
        settings=settings,
    )
    queue_mail(session, to=member.email, subject=mail.subject, body=mail.body, kind=MAIL_ASSIGNED, now=now)
    session.flush()


def assign_on_arrival(
    session: Session, request: MoneyRequest, *, now: datetime, settings: Settings | None = None
) -> StaffMember | None:
    """A new request whose feed officer has a staff account goes straight to them."""
    member = staff_for_officer(session, request.officer_id, request.kind)
    if member is not None:
        assign(session, request, member, now=now, settings=settings)
    return member


__all__ = [
    "LEASE_TENURES",
    "MAIL_ASSIGNED",
    "assign",
    "assign_on_arrival",
    "can_work",
    "route_officer",
    "staff_for_officer",
]
