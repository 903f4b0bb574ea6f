"""Searching and exporting the audit log, for administrators and the data protection officer
(issue 12 section 5): by words, by who acted, by resident (portal account number or email),
by action and by UK dates; newest first, a page at a time; and the same search as a CSV file.

The form's dates are UK dates: a day runs from midnight to midnight in Europe/London, and
is turned into the UTC instants the log stores (``clock.uk_day_in_utc``). The CSV route
gets the search as plain query parameters (``AuditQuery.params``: ISO dates, the resident
as a portal account number, never an email in an address bar) and checks them again
here (``from_params``), so a hand-made address can ask no more than the form can.

Looking at one resident's trail is a look at their data, so a search that names a resident
is itself audited (``audit_searched``), and every export is (``audit_exported``).
No reflex import.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlmodel import Session, col, select

from portal_app.clock import uk_day_in_utc, uk_time_words
from portal_app.models import PortalUser
from portal_app.services import audit
from portal_app.services.audit import StaffActor
from portal_app.services.validation import normalise_email, period_date_from_form

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000  # a year of a large landlord's log at most; narrow the dates for more
TEXT_MAX = 100

AUDIT_SEARCHED = "audit_searched"
AUDIT_EXPORTED = "audit_exported"
audit.ACTION_LABELS.setdefault(AUDIT_SEARCHED, "Searched the audit log for a resident")
audit.ACTION_LABELS.setdefault(AUDIT_EXPORTED, "Exported the audit log")

ACTOR_KIND_LABELS = {
    audit.STAFF: "Staff",
    audit.RESIDENT: "Resident",
    audit.SYSTEM: "The portal",
    audit.ANONYMOUS: "Someone not signed in",
}


@dataclass(frozen=True)
class AuditQuery:
    """One search of the log. ``resident`` is what was typed (an account number or an
    email); ``resident_ids`` the portal accounts it stands for, once looked up."""

    text: str = ""
    actor: str = ""
    resident: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    resident_ids: tuple[int, ...] | None = None

    def params(self) -> dict[str, str]:
        """The search as query parameters for the CSV route (empty ones left out)."""
        found = {
            "text": self.text,
            "actor": self.actor,
            "resident": ",".join(str(i) for i in self.resident_ids) if self.resident_ids else "",
            "action": self.action,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }
        return {k: v for k, v in found.items() if v}

    def described(self) -> dict[str, object]:
        """The search in the audit line that records it (what was asked, nothing secret)."""
        return {k: v for k, v in self.params().items()}


@dataclass(frozen=True)
class AuditRow:
    """One line of the log as the page shows it."""

    id: int
    when: str  # UK time in words
    at_utc: str
    who: str
    who_kind: str
    action: str
    resident_id: int | None
    target: str
    client_ip: str
    detail: str


@dataclass(frozen=True)
class AuditPage:
    rows: tuple[AuditRow, ...]
    page: int
    has_next: bool
    errors: dict[str, str]
    query: AuditQuery


def action_choices() -> list[tuple[str, str]]:
    """The actions the log knows, by their label (for the form's list)."""
    return sorted(audit.ACTION_LABELS.items(), key=lambda item: item[1].lower())


def detail_words(detail: str) -> str:
    """A line's detail for people: "method: password and authenticator code; step: password"
    rather than its JSON (the CSV export keeps the JSON). Empty for none."""
    try:
        found = json.loads(detail or "{}")
    except ValueError:
        return detail
    if not isinstance(found, dict):
        return str(found)

    def words(value) -> str:
        if value is True:
            return "yes"
        if value is False:
            return "no"
        if value is None:
            return "none"
        if isinstance(value, list):
            return ", ".join(words(v) for v in value) or "none"
        if isinstance(value, dict):
            return ", ".join(f"{k.replace('_', ' ')} {words(v)}" for k, v in value.items()) or "none"
        return str(value)

    return "; ".join(f"{key.replace('_', ' ')}: {words(value)}" for key, value in found.items())


def _text(raw: Mapping[str, str], name: str) -> str:
    value = raw.get(name)
    return value.strip()[:TEXT_MAX] if isinstance(value, str) else ""


def parse_form(raw: Mapping[str, str], *, today: date) -> tuple[AuditQuery | None, dict[str, str]]:
    """The search form: words, who, resident, action, and a period of UK dates (day, month
    and year boxes ``from_*`` and ``to_*``, each optional)."""
    errors: dict[str, str] = {}
    action = _text(raw, "action")
    if action and action not in audit.ACTION_LABELS:
        errors["action"] = "Choose an action from the list"
    date_from, problem = period_date_from_form(raw, "from", label="The start date", today=today, required=False)
    if problem:
        errors["date_from"] = problem
    date_to, problem = period_date_from_form(raw, "to", label="The end date", today=today, required=False)
    if problem:
        errors["date_to"] = problem
    if date_from and date_to and date_to < date_from:
        errors["date_to"] = "The end date must be the same as or after the start date"
    if errors:
        return None, errors
    query = AuditQuery(
        text=_text(raw, "text"),
        actor=_text(raw, "actor"),
        resident=_text(raw, "resident"),
        action=action,
        date_from=date_from,
        date_to=date_to,
    )
    return query, {}


def from_params(params: Mapping[str, str]) -> AuditQuery | None:
    """The CSV route's query parameters (``AuditQuery.params``) back into a search; None
    when any is malformed."""

    def value(name: str) -> str:
        found = params.get(name)
        return found.strip() if isinstance(found, str) else ""

    try:
        date_from = date.fromisoformat(value("from")) if value("from") else None
        date_to = date.fromisoformat(value("to")) if value("to") else None
        ids = tuple(int(part) for part in value("resident").split(",") if part.strip()) if value("resident") else None
    except ValueError:
        return None
    action = value("action")
    if action and action not in audit.ACTION_LABELS:
        return None
    if len(value("text")) > TEXT_MAX or len(value("actor")) > TEXT_MAX or (ids is not None and len(ids) > 20):
        return None
    return AuditQuery(
        text=value("text"),
        actor=value("actor"),
        action=action,
        date_from=date_from,
        date_to=date_to,
        resident_ids=ids,
        resident=",".join(str(i) for i in ids) if ids else "",
    )


def _resident_ids(session: Session, typed: str) -> tuple[int, ...] | None:
    """The portal accounts ``typed`` names: an account number, or an email address (every
    account that has used it: a resident who moved home has had two)."""
    if typed.isdigit():
        user = session.get(PortalUser, int(typed))
        return (user.id,) if user else None
    email = normalise_email(typed)
    if email is None:
        return None
    found = session.exec(select(PortalUser.id).where(PortalUser.email == email).order_by(col(PortalUser.id))).all()
    return tuple(found) or None


def _row(line: audit.AuditLine) -> AuditRow:
    return AuditRow(
        id=line.id,
        when=uk_time_words(line.at),
        at_utc=line.at.isoformat(),
        who=line.actor_label or ACTOR_KIND_LABELS.get(line.actor_kind, line.actor_kind),
        who_kind=ACTOR_KIND_LABELS.get(line.actor_kind, line.actor_kind),
        action=line.action_label,
        resident_id=line.subject_user_id,
        target=line.target or "",
        client_ip=line.client_ip or "",
        detail=detail_words(line.detail),
    )


def _lines(session: Session, query: AuditQuery, *, limit: int, offset: int) -> list[audit.AuditLine]:
    since = uk_day_in_utc(query.date_from)[0] if query.date_from else None
    until = uk_day_in_utc(query.date_to)[1] if query.date_to else None
    return audit.search(
        session,
        text=query.text,
        actor_text=query.actor,
        subject_user_ids=query.resident_ids,
        action=query.action or None,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )


def resolve(session: Session, query: AuditQuery) -> tuple[AuditQuery, dict[str, str]]:
    """Look up the resident the form named; an error next to the field when nobody matches."""
    if not query.resident or query.resident_ids is not None:
        return query, {}
    ids = _resident_ids(session, query.resident)
    if ids is None:
        return query, {"resident": "There is no resident with that portal account number or email address"}
    return replace(query, resident_ids=ids), {}


def search_page(
    session: Session, query: AuditQuery, *, actor: StaffActor, now: datetime, page: int = 1, page_size: int = PAGE_SIZE
) -> AuditPage:
    """One page of the search, newest first. A search that names a resident is audited."""
    query, errors = resolve(session, query)
    page = max(int(page), 1)
    if errors:
        return AuditPage((), page, False, errors, query)
    found = _lines(session, query, limit=page_size + 1, offset=(page - 1) * page_size)
    if query.resident_ids:
        audit.record(
            session,
            action=AUDIT_SEARCHED,
            actor_kind=audit.STAFF,
            actor_id=actor.staff_id,
            actor_label=actor.name,
            subject_user_id=query.resident_ids[0],
            detail={**query.described(), "page": page},
            client_ip=actor.client_ip,
            now=now,
        )
    rows = tuple(_row(line) for line in found[:page_size])
    return AuditPage(rows, page, len(found) > page_size, {}, replace(query, page=page))


def export(session: Session, query: AuditQuery, *, actor: StaffActor, now: datetime) -> tuple[str, int]:
    """The whole search (up to ``EXPORT_LIMIT`` lines) as CSV, oldest first, and how many
    lines; the export itself is audited, in this transaction."""
    query, errors = resolve(session, query)
    lines = [] if errors else _lines(session, query, limit=EXPORT_LIMIT, offset=0)
    audit.record(
        session,
        action=AUDIT_EXPORTED,
        actor_kind=audit.STAFF,
        actor_id=actor.staff_id,
        actor_label=actor.name,
        subject_user_id=query.resident_ids[0] if query.resident_ids else None,
        detail={**query.described(), "lines": len(lines)},
        client_ip=actor.client_ip,
        now=now,
    )
    return audit.export_csv(lines), len(lines)


__all__ = [
    "AUDIT_EXPORTED",
    "AUDIT_SEARCHED",
    "AuditPage",
    "AuditQuery",
    "AuditRow",
    "EXPORT_LIMIT",
    "PAGE_SIZE",
    "action_choices",
    "export",
    "from_params",
    "parse_form",
    "resolve",
    "search_page",
]
