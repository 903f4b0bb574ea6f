"""Assisted digital (issue 12, section 3): an officer raises a request for a resident who
asks by phone or in person.

The request is the resident's own, made by the resident side's units of work for them
(``requests/form.py``: ``form_context`` and ``submit_request``, through
``accounts/access.py``), so it has the same kinds, the same validation, the same daily
limit, the same refund rules, the same reference and the same acknowledgement email to
the resident as one they make themselves. What is added here, in the same unit of work:

* ``money_request.raised_by_staff_id`` (the officer) and ``details["raised_via"]``
  (``phone`` or ``in_person``), so the resident sees "Raised for you by <officer> (by
  phone)" under My requests (``requests.common.raised_by_words``);
* an audit line with the officer, the resident and the request's reference.

Only a resident with an active portal account can have one raised: a request belongs to
a portal account, and is followed under its "My requests". Bank details a resident reads
out for a refund go straight into ``submit_refund`` (encrypted there) and never into the
audit line or a return value. Nothing here commits. No reflex import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from portal_app.models import MoneyRequest, PortalUser
from portal_app.services import audit
from portal_app.services.accounts.access import AccountChoice
from portal_app.services.requests import form as request_form
from portal_app.services.requests import resident as resident_requests
from portal_app.services.requests.common import RAISED_VIA
from portal_app.services.staff.residents import NOT_FOUND, resident_id
from portal_app.services.staff.sessions import StaffPrincipal
from portal_app.settings import Settings, get_settings

PERMISSION = "raise_on_behalf"
# The kinds of the resident's new-request form (its data-rights requests are their own
# form's, for the data protection officer, and not raised from here).
KINDS = (
    resident_requests.QUERY,
    resident_requests.STANDING_ORDER,
    resident_requests.REFUND,
    resident_requests.BENEFITS_ADVICE,
    resident_requests.PAPER_STATEMENT,
)


@dataclass(frozen=True)
class _Caller:
    user_id: int
    person_id: int
    tenancy_id: int


@dataclass(frozen=True)
class RaiseForm:
    """What the form needs for one kind about one of the resident's accounts."""

    kind: str
    choice: AccountChoice | None
    form: request_form.FormContext | None
    problem: str = ""  # why there is no form to show (no such resident, turned off, not their account)


@dataclass(frozen=True)
class RaiseOutcome:
    acknowledgement: resident_requests.Acknowledgement | None
    errors: dict[str, str] = field(default_factory=dict)  # the resident form's fields, and "raised_via"
    problem: str = ""  # why nothing was raised, beyond the form's errors
    not_yours: bool = False  # the account or the payment named is not the resident's

    @property
    def ok(self) -> bool:
        return self.acknowledgement is not None


def _resident(session: Session, staff: StaffPrincipal, user_id: object) -> tuple[PortalUser | None, str]:
    if PERMISSION not in staff.permissions:
        raise PermissionError(PERMISSION)
    wanted = resident_id(user_id)
    user = session.get(PortalUser, wanted) if wanted is not None else None
    if user is None:
        return None, NOT_FOUND
    if user.status != "active":
        return None, "Requests can only be raised for an active portal account."
    return user, ""


def _caller(user: PortalUser) -> _Caller:
    return _Caller(user_id=user.id, person_id=user.person_id, tenancy_id=user.tenancy_id)


def raise_form(
    session: Session,
    staff: StaffPrincipal,
    user_id: object,
    account_ref: object,
    kind: object,
    *,
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> RaiseForm:
    """The form for ``kind`` about the resident's account ``account_ref``, as the resident's
    own form has it (their home address, recent payments and charges, what a refund may be).
    Audited as a look at their data."""
    settings = settings or get_settings()
    wanted_kind = kind if isinstance(kind, str) and kind in KINDS else ""
    user, problem = _resident(session, staff, user_id)
    if user is None:
        return RaiseForm(wanted_kind, None, None, problem)
    if not wanted_kind:
        return RaiseForm("", None, None, "Choose what they are asking for from the list.")
    wanted = (account_ref if isinstance(account_ref, str) else "").strip()[:64]
    if not wanted:
        return RaiseForm(wanted_kind, None, None, "Choose which of their accounts it is about.")
    choice, found = request_form.form_context(
        session, _caller(user), wanted, "", transaction="", now=now, settings=settings
    )
    if found is None:
        return RaiseForm(wanted_kind, choice, None, "That account is not one of theirs. Choose one from the list.")
    audit.record(
        session,
        action=audit.RESIDENT_VIEWED,
        actor_kind=audit.STAFF,
        actor_id=staff.staff_id,
        actor_label=staff.name,
        subject_user_id=user.id,
        subject_person_id=user.person_id,
        target=found.account.account_ref,
        detail={"seen": "request form", "kind": wanted_kind},
        client_ip=client_ip,
        now=now,
    )
    return RaiseForm(wanted_kind, choice, found)


def raise_request(
    session: Session,
    staff: StaffPrincipal,
    user_id: object,
    account_ref: object,
    *,
    kind: object,
    via: object,
    form: dict[str, str],
    choices: dict[str, str],
    now: datetime,
    settings: Settings | None = None,
    client_ip: str | None = None,
) -> RaiseOutcome:
    """Raise a request of ``kind`` for the resident, from the form's fields and radio
    ``choices``, marked as raised by this officer (``via``: ``phone`` or ``in_person``).
    With errors nothing is written (the resident form's own rule)."""
    settings = settings or get_settings()
    user, problem = _resident(session, staff, user_id)
    if user is None:
        return RaiseOutcome(None, problem=problem)
    if not (isinstance(kind, str) and kind in KINDS):
        return RaiseOutcome(None, problem="Choose what they are asking for from the list.")
    if not (isinstance(via, str) and via in RAISED_VIA):
        return RaiseOutcome(None, errors={"raised_via": "Select how they asked us"})
    wanted = (account_ref if isinstance(account_ref, str) else "").strip()[:64]
    if not wanted:
        return RaiseOutcome(None, problem="Choose which of their accounts it is about.")
    outcome = request_form.submit_request(
        session, _caller(user), wanted, kind=kind, form=form, choices=choices, now=now, settings=settings
    )
    if outcome.not_yours or outcome.choice.account is None:
        return RaiseOutcome(None, not_yours=True, problem="That account or payment is not one of theirs.")
    result = outcome.result
    if result is None or not result.ok:
        return RaiseOutcome(None, errors=dict(result.errors) if result else {})
    ack = result.acknowledgement
    request = session.exec(select(MoneyRequest).where(MoneyRequest.reference == ack.reference)).one()
    details = json.loads(request.details or "{}")
    details["raised_via"] = via
    request.details = json.dumps(details, sort_keys=True)
    request.raised_by_staff_id = staff.staff_id
    session.add(request)
    session.flush()
    audit.record(
        session,
        action=audit.REQUEST_RAISED_FOR_RESIDENT,
        actor_kind=audit.STAFF,
        actor_id=staff.staff_id,
        actor_label=staff.name,
        subject_user_id=user.id,
        subject_person_id=user.person_id,
        target=ack.reference,
        detail={"kind": kind, "via": via, "account": outcome.choice.account.account_ref},
        client_ip=client_ip,
        now=now,
    )
    return RaiseOutcome(ack)


__all__ = ["KINDS", "PERMISSION", "RaiseForm", "RaiseOutcome", "raise_form", "raise_request"]
