"""The resident's home: the property of the tenancy they registered on, while they are a
current party to it with a role that may use the portal (``settings.eligible_roles``) and
the tenancy has not ended. A former tenant has no home here. Repairs, the tenancy pages and
household changes all start from it. No reflex import; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from portal_app.models import Property, Tenancy, TenancyParty


@dataclass(frozen=True)
class Home:
    """The home a resident may report repairs for, and see the repairs of."""

    property_id: int
    tenancy_id: int
    property_ref: str
    address: str  # "Flat 12, Elm Court, Northbrook NB1 2AB"
    tenure: str


def _ended(end: date | None, today: date) -> bool:
    return end is not None and end < today


def home_of(session: Session, caller, today: date, settings) -> Home | None:
    """The caller's home (``caller``: a ``sessions.Principal`` or anything with user_id,
    person_id and tenancy_id), or None when they may not report repairs to any."""
    row = session.exec(
        select(Tenancy, TenancyParty, Property)
        .join(TenancyParty, TenancyParty.tenancy_id == Tenancy.id)
        .join(Property, Property.id == Tenancy.property_id)
        .where(Tenancy.id == caller.tenancy_id, TenancyParty.person_id == caller.person_id)
    ).first()
    if row is None:
        return None
    tenancy, party, prop = row
    if party.role not in tuple(settings.eligible_roles):
        return None
    if tenancy.start_date > today or _ended(tenancy.end_date, today) or _ended(party.end_date, today):
        return None
    lines = [p for p in (prop.address_line_1, prop.address_line_2, prop.address_line_3) if p]
    address = ", ".join([*lines, f"{prop.town} {prop.postcode}".strip()])
    return Home(prop.id, tenancy.id, prop.property_ref, address, tenancy.tenure)


__all__ = ["Home", "home_of"]
