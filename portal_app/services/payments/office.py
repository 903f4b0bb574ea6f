"""What officers do with payment plans: approve, decline or cancel one (the back office's
screens for them come with the back office's next round; these are the rules, tested).

Only an active member of staff whose role has ``manage_requests`` may; anyone else is
refused (``NotYours``) with nothing changed. A plan waiting for a decision is a request
in the one queue: approving or declining it here decides that request too, through
``requests.office.decide_request`` (so the queue, the resident's "My requests" and the
plan agree). Declining needs a reason, shown to the resident; so does cancelling.
Only the back office may import this module (``pyproject.toml``'s contracts).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from portal_app.models import MoneyRequest, PaymentPlan, StaffMember
from portal_app.services.payments import plans
from portal_app.services.requests import office as requests_office
from portal_app.services.requests.common import NotYours
from portal_app.services.roles import permissions_of
from portal_app.settings import Settings

MANAGE = "manage_requests"


def _member(session: Session, staff_id: int) -> StaffMember:
    member = session.get(StaffMember, staff_id) if isinstance(staff_id, int) else None
    if member is None or member.status != "active" or MANAGE not in permissions_of(member.role):
        raise NotYours("not a member of staff who may decide payment plans")
    return member


def _plan(session: Session, reference: str) -> PaymentPlan | None:
    return session.exec(select(PaymentPlan).where(PaymentPlan.reference == (reference or "")[:20])).first()


def decide_plan(
    session: Session, reference: str, *, decision: str, note: str, staff_id: int, now: datetime, settings: Settings
) -> dict[str, str]:
    """Approve (``approve``), decline (``decline``) or cancel (``cancel``) a plan; the
    errors by field, empty when it was done."""
    member = _member(session, staff_id)
    plan = _plan(session, reference)
    if plan is None:
        return {"plan": "There is no payment plan with that reference"}
    text = (note or "").strip()
    if decision in ("decline", "cancel") and not text:
        return {"note": "Say why, for the resident"}
    if decision in ("approve", "decline"):
        if plan.status != plans.PROPOSED:
            return {"decision": "This plan is not waiting for a decision"}
        if plan.request_id is not None:
            request = session.get(MoneyRequest, plan.request_id)
            result = requests_office.decide_request(
                session, request.reference, decision=decision, note=text, staff_id=member.id, now=now, settings=settings
            )
            return dict(result.errors)
        status = plans.ACTIVE if decision == "approve" else plans.DECLINED
    elif decision == "cancel":
        if plan.status not in plans.LIVE:
            return {"decision": "This plan has already ended"}
        status = plans.CANCELLED
    else:
        return {"decision": "Choose approve, decline or cancel"}
    if not plans.decide(session, plan, status=status, note=text, staff_id=member.id, now=now, settings=settings):
        return {"decision": "This plan has changed: look at it again"}
    return {}
