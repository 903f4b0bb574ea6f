"""The demo landlord's back-office staff (``seed-demo``): one of each role, a known
password and known authenticator keys, listed in the README so anyone trying the portal
(and QA teams' scripts) can sign in. Only ever made with the demo landlord's records;
a real landlord's staff are made with ``create-staff`` or by an administrator."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from portal_app.models import StaffMember
from portal_app.services import audit, roles
from portal_app.services.staff import accounts

DEMO_STAFF_PASSWORD = "Northbrook-back-office-2026"

# (email, name, role, officer_ref in the demo feed, authenticator key)
DEMO_STAFF: tuple[tuple[str, str, str, str | None, str], ...] = (
    (
        "rachel.adeyemi@northbrook-homes.example",
        "Rachel Adeyemi",
        roles.INCOME_OFFICER,
        "OFF001",
        "DEMOINCOMEOFFICERRACHELADEYEMI22",
    ),
    (
        "judith.rowe@northbrook-homes.example",
        "Judith Rowe",
        roles.LEASEHOLD_OFFICER,
        "OFF021",
        "DEMOLEASEHOLDOFFICERJUDITHROWE22",
    ),
    (
        "helen.marsh@northbrook-homes.example",
        "Helen Marsh",
        roles.HOUSING_OFFICER,
        "OFF011",
        "DEMOHOUSINGOFFICERHELENMARSH2222",
    ),
    (
        "dpo@northbrook-homes.example",
        "Dana Price",
        roles.DATA_PROTECTION_OFFICER,
        None,
        "DEMODATAPROTECTIONOFFICERDANA222",
    ),
    ("admin@northbrook-homes.example", "Alex Morgan", roles.ADMINISTRATOR, None, "DEMOADMINISTRATORALEXMORGAN22222"),
)


def add_demo_staff(session: Session, *, now: datetime) -> list[accounts.StaffView]:
    """Create the demo staff that do not exist yet; returns the ones made."""
    made: list[accounts.StaffView] = []
    for email, name, role, officer_ref, key in DEMO_STAFF:
        if session.exec(select(StaffMember).where(StaffMember.email == email)).first() is not None:
            continue
        new = accounts.create_staff(
            session,
            email=email,
            name=name,
            role=role,
            password=DEMO_STAFF_PASSWORD,
            officer_ref=officer_ref,
            totp_secret=key,
            issuer_name="Northbrook Homes back office (demo)",
            now=now,
        )
        audit.record(
            session,
            action="staff_created",
            actor_kind=audit.SYSTEM,
            actor_label="demo landlord",
            target=email,
            detail={"role": role},
            now=now,
        )
        made.append(new.staff)
    return made


__all__ = ["DEMO_STAFF", "DEMO_STAFF_PASSWORD", "add_demo_staff"]
