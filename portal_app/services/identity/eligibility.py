"""Who may register for online access (the landlord's terms for online access).

By default: current lead and joint tenants of secure, introductory, flexible and
assured tenancies, and current leaseholders (the tenures and roles come from
``settings.eligible_tenures`` / ``settings.eligible_roles``). Not household members,
temporary accommodation, non-secure tenancies or former tenancies. When
``settings.allow_former_tenants`` is on, a named tenant or leaseholder of an ended
tenancy may register too (what they then see is limited elsewhere).

One pure function over the records; no database, no reflex.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from portal_app.models import Tenancy, TenancyParty
from portal_app.settings import Settings

Reason = Literal[
    "ok",
    "tenure_not_eligible",
    "role_not_eligible",
    "former_tenancy",
    "tenancy_not_started",
    "party_left",
    "party_not_started",
]


@dataclass(frozen=True)
class Eligibility:
    allowed: bool
    reason: str  # one of Reason


OK = Eligibility(True, "ok")


def tenancy_has_ended(tenancy: Tenancy, today: date) -> bool:
    return tenancy.end_date is not None and tenancy.end_date < today


def registration_eligibility(tenancy: Tenancy, party: TenancyParty, *, today: date, settings: Settings) -> Eligibility:
    """May this party on this tenancy register today? Checks in a fixed order:
    tenure, role, then whether the tenancy and the party's place on it are current."""
    if tenancy.tenure not in settings.eligible_tenures:
        return Eligibility(False, "tenure_not_eligible")
    if party.role not in settings.eligible_roles:
        return Eligibility(False, "role_not_eligible")
    if tenancy.start_date > today:
        return Eligibility(False, "tenancy_not_started")
    if tenancy_has_ended(tenancy, today):
        if not settings.allow_former_tenants:
            return Eligibility(False, "former_tenancy")
        # A former tenancy: the party must still have been on it when it ended.
        if party.end_date is not None and party.end_date < tenancy.end_date:
            return Eligibility(False, "party_left")
        return OK
    if party.start_date is not None and party.start_date > today:
        return Eligibility(False, "party_not_started")
    if party.end_date is not None and party.end_date < today:
        return Eligibility(False, "party_left")
    return OK
