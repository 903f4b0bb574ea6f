"""The audit log: who did what, to or about which resident, when (UTC) and from where.

Append-only (the database refuses UPDATE and DELETE of ``audit_event``, migration 0007).
Written in the same transaction as the action it records, so an action that fails
leaves no line and a line never claims an action that did not happen. Every staff view
of a resident's data writes one (``RESIDENT_VIEWED`` and friends), as do staff actions
and residents' own sign-ins, failed sign-ins, waits, and changes to their contact
details, password and two-step settings.

``detail`` holds plain facts only: ``record`` refuses a detail key that names a secret
(password, code, token, card, bank details), so none can reach the log by mistake.
No reflex import.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, or_, select

from portal_app.models import AuditEvent, PortalUser


@dataclass(frozen=True)
class StaffActor:
    """Who is acting in the back office, as the services and the log need it: the member
    of staff's id and name (at the time) and the address they acted from. The states build
    one from ``current_staff()``; the HTTP routes from the staff session they resolved."""

    staff_id: int
    name: str
    client_ip: str | None = None


STAFF = "staff"
RESIDENT = "resident"
SYSTEM = "system"
ANONYMOUS = "anonymous"
ACTOR_KINDS = (STAFF, RESIDENT, SYSTEM, ANONYMOUS)

# Residents' own events (their sign-in history shows these).
SIGNED_IN = "signed_in"
SIGN_IN_FAILED = "sign_in_failed"
SIGN_IN_WAIT = "sign_in_wait"  # too many failures from one place: that place waits
SIGNED_OUT = "signed_out"
PASSWORD_CHANGED = "password_changed"
PASSWORD_RESET = "password_reset"
CONTACT_DETAILS_CHANGED = "contact_details_changed"
TWO_STEP_ON = "two_step_on"
TWO_STEP_OFF = "two_step_off"
RECOVERY_CODES_NEW = "recovery_codes_new"
DATA_DOWNLOADED = "data_downloaded"

# Staff events.
STAFF_SIGNED_IN = "staff_signed_in"
STAFF_SIGN_IN_FAILED = "staff_sign_in_failed"
STAFF_SIGNED_OUT = "staff_signed_out"
RESIDENT_SEARCHED = "resident_searched"
RESIDENT_VIEWED = "resident_viewed"
REQUEST_VIEWED = "request_viewed"
BANK_DETAILS_REVEALED = "bank_details_revealed"
# Helping residents (services/staff/residents.py, assisted.py).
RESIDENT_UNLOCKED = "resident_unlocked"
RESIDENT_LINK_SENT = "resident_link_sent"
RESIDENT_SIGNED_OUT_EVERYWHERE = "resident_signed_out_everywhere"
RESIDENT_DISABLED = "resident_disabled"
RESIDENT_ENABLED = "resident_enabled"
REQUEST_RAISED_FOR_RESIDENT = "request_raised_for_resident"
# The requests queue (services/requests/office.py, consent.py).
REQUESTS_LISTED = "requests_listed"
REQUEST_ASSIGNED = "request_assigned"
REQUEST_UPDATED = "request_updated"
REQUEST_APPROVED = "request_approved"
REFUND_PAID = "refund_paid"
JOINT_CONSENT_ASKED = "joint_consent_asked"
JOINT_CONSENT_ANSWERED = "joint_consent_answered"
JOINT_CONSENT_RECORDED = "joint_consent_recorded"

ACTION_LABELS: dict[str, str] = {
    SIGNED_IN: "Signed in",
    SIGN_IN_FAILED: "Sign-in failed",
    SIGN_IN_WAIT: "Sign-in paused after failed tries",
    SIGNED_OUT: "Signed out",
    PASSWORD_CHANGED: "Password changed",
    PASSWORD_RESET: "Password reset from an emailed link",
    CONTACT_DETAILS_CHANGED: "Contact details changed",
    TWO_STEP_ON: "Two-step sign-in turned on",
    TWO_STEP_OFF: "Two-step sign-in turned off",
    RECOVERY_CODES_NEW: "New recovery codes made",
    DATA_DOWNLOADED: "Downloaded their data",
    STAFF_SIGNED_IN: "Staff signed in",
    STAFF_SIGN_IN_FAILED: "Staff sign-in failed",
    STAFF_SIGNED_OUT: "Staff signed out",
    RESIDENT_SEARCHED: "Searched for residents",
    RESIDENT_VIEWED: "Viewed a resident's accounts and requests",
    REQUEST_VIEWED: "Viewed a request",
    BANK_DETAILS_REVEALED: "Revealed refund bank details",
    RESIDENT_UNLOCKED: "Cleared a resident's sign-in waits",
    RESIDENT_LINK_SENT: "Emailed a resident a link to choose a new password",
    RESIDENT_SIGNED_OUT_EVERYWHERE: "Signed a resident out everywhere",
    RESIDENT_DISABLED: "Turned off a resident's online account",
    RESIDENT_ENABLED: "Turned a resident's online account back on",
    REQUEST_RAISED_FOR_RESIDENT: "Raised a request for a resident",
    REQUESTS_LISTED: "Listed residents' requests",
    REQUEST_ASSIGNED: "Assigned a request",
    REQUEST_UPDATED: "Updated a request",
    REQUEST_APPROVED: "Approved a request",
    REFUND_PAID: "Marked a refund paid (its bank details deleted)",
    JOINT_CONSENT_ASKED: "Asked a joint tenant to agree to a refund",
    JOINT_CONSENT_ANSWERED: "A joint tenant answered about a refund",
    JOINT_CONSENT_RECORDED: "Recorded a joint tenant's answer given by phone or letter",
}

# Words no detail key may contain: a secret never reaches the log (issue 12, section 5).
_SECRET_WORDS = ("password", "code", "token", "secret", "card", "cvc", "sort", "account_number", "bank", "totp")


def _checked_detail(detail: Mapping[str, object] | None) -> str:
    for key in detail or {}:
        lowered = str(key).lower()
        if any(word in lowered for word in _SECRET_WORDS):
            raise ValueError(f"audit detail {key!r} could hold a secret; record what happened, not the secret")
    return json.dumps(dict(detail or {}), sort_keys=True, default=str)


def record(
    session: Session,
    *,
    action: str,
    actor_kind: str,
    now: datetime,
    actor_id: int | None = None,
    actor_label: str = "",
    subject_user_id: int | None = None,
    subject_person_id: int | None = None,
    target: str | None = None,
    detail: Mapping[str, object] | None = None,
    client_ip: str | None = None,
) -> None:
    """Add one line to the audit log, in the caller's transaction (nothing commits here)."""
    if actor_kind not in ACTOR_KINDS:
        raise ValueError(f"unknown actor kind {actor_kind!r}")
    if subject_user_id is not None and subject_person_id is None:
        user = session.get(PortalUser, subject_user_id)
        subject_person_id = user.person_id if user else None
    session.add(
        AuditEvent(
            at=now,
            actor_kind=actor_kind,
            actor_id=actor_id,
            actor_label=(actor_label or "")[:254],
            action=action[:60],
            subject_user_id=subject_user_id,
            subject_person_id=subject_person_id,
            target=(target or None) and target[:100],
            detail=_checked_detail(detail),
            client_ip=(client_ip or None) and client_ip[:64],
        )
    )
    session.flush()


@dataclass(frozen=True)
class AuditLine:
    id: int
    at: datetime
    actor_kind: str
    actor_id: int | None
    actor_label: str
    action: str
    action_label: str
    subject_user_id: int | None
    subject_person_id: int | None
    target: str | None
    detail: str
    client_ip: str | None


def _line(row: AuditEvent) -> AuditLine:
    return AuditLine(
        id=row.id,
        at=row.at,
        actor_kind=row.actor_kind,
        actor_id=row.actor_id,
        actor_label=row.actor_label,
        action=row.action,
        action_label=ACTION_LABELS.get(row.action, row.action.replace("_", " ").capitalize()),
        subject_user_id=row.subject_user_id,
        subject_person_id=row.subject_person_id,
        target=row.target,
        detail=row.detail,
        client_ip=row.client_ip,
    )


def search(
    session: Session,
    *,
    text: str = "",
    actor_kind: str | None = None,
    actor_id: int | None = None,
    subject_user_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
    offset: int = 0,
    actor_text: str = "",
    subject_user_ids: Sequence[int] | None = None,
) -> list[AuditLine]:
    """Lines of the log, newest first. ``text`` matches the actor's name, the target and the
    action; ``actor_text`` the actor's name (or email) alone; ``offset`` skips that many (paging)."""
    stmt = select(AuditEvent)
    who = (actor_text or "").strip()[:100]
    if who:
        stmt = stmt.where(col(AuditEvent.actor_label).ilike(f"%{who.lower()}%"))
    if actor_kind:
        stmt = stmt.where(AuditEvent.actor_kind == actor_kind)
    if actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if subject_user_id is not None:
        stmt = stmt.where(AuditEvent.subject_user_id == subject_user_id)
    if subject_user_ids is not None:  # any of these residents (an email several accounts had)
        stmt = stmt.where(col(AuditEvent.subject_user_id).in_(list(subject_user_ids)))
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    if until is not None:
        stmt = stmt.where(AuditEvent.at < until)
    words = (text or "").strip()[:100]
    if words:
        like = f"%{words.lower()}%"
        stmt = stmt.where(
            or_(
                col(AuditEvent.actor_label).ilike(like),
                col(AuditEvent.target).ilike(like),
                col(AuditEvent.action).ilike(like.replace(" ", "_")),
            )
        )
    stmt = stmt.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
    rows = session.exec(stmt.offset(max(int(offset), 0)).limit(limit)).all()
    return [_line(r) for r in rows]


EXPORT_COLUMNS = (
    "id",
    "at_utc",
    "actor_kind",
    "actor_id",
    "actor",
    "action",
    "subject_user_id",
    "subject_person_id",
    "target",
    "client_ip",
    "detail",
)


def export_csv(lines: list[AuditLine]) -> str:
    """The lines as CSV, oldest first, times in UTC (ISO 8601)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for line in sorted(lines, key=lambda item: (item.at, item.id)):
        writer.writerow(
            [
                line.id,
                line.at.isoformat(),
                line.actor_kind,
                line.actor_id if line.actor_id is not None else "",
                _safe_cell(line.actor_label),
                line.action,
                line.subject_user_id if line.subject_user_id is not None else "",
                line.subject_person_id if line.subject_person_id is not None else "",
                _safe_cell(line.target or ""),
                line.client_ip or "",
                _safe_cell(line.detail),
            ]
        )
    return out.getvalue()


def _safe_cell(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


__all__ = ["ACTION_LABELS", "ACTOR_KINDS", "AuditLine", "export_csv", "record", "search"]
