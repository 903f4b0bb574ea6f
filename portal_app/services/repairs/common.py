"""Repairs: what reporting, following and the back office share: statuses and their words,
the ``RP-`` references, and whose home a repair is.

A repair's life (``TRANSITIONS``): reported -> booked (an appointment made) -> on_the_way
(the operative is coming) -> completed; or follow_on (more work needed, a new visit) from
booked or on_the_way; cancelled from any open status. A completed repair the resident says
is not fixed goes to reopened, and from there back through booked. The back office and the
contractor's updates move it; the resident reports, answers "Is it fixed?" and cancels.

Whose it is: a resident's home is the property of the tenancy they registered on, while
they are a current party to it with a role that may use the portal
(``settings.eligible_roles``) and the tenancy has not ended: a former tenant cannot report
repairs to a home they have left. A repair belongs to a home (``Repair.property_id``): every
tenant of the home sees its repairs, whoever reported them, and repairs raised by phone (the
feed) too. Any other reference, or one that does not exist, is refused the same way.

No reflex import; nothing here commits.
"""

from __future__ import annotations

import secrets
from datetime import date

from sqlmodel import Session, select

from portal_app.models import Repair
from portal_app.services.tenancy.home import Home, home_of

REPORTED, BOOKED, ON_THE_WAY, COMPLETED, FOLLOW_ON, CANCELLED, REOPENED = (
    "reported",
    "booked",
    "on_the_way",
    "completed",
    "follow_on",
    "cancelled",
    "reopened",
)
STATUS_WORDS = {
    REPORTED: "Reported",
    BOOKED: "Appointment booked",
    ON_THE_WAY: "Operative on the way",
    COMPLETED: "Completed",
    FOLLOW_ON: "More work needed",
    CANCELLED: "Cancelled",
    REOPENED: "Reopened: not fixed",
}
OPEN = (REPORTED, BOOKED, ON_THE_WAY, FOLLOW_ON, REOPENED)
CLOSED = (COMPLETED, CANCELLED)
TRANSITIONS: dict[str, tuple[str, ...]] = {
    REPORTED: (BOOKED, ON_THE_WAY, COMPLETED, CANCELLED),
    BOOKED: (BOOKED, ON_THE_WAY, COMPLETED, FOLLOW_ON, CANCELLED, REPORTED),
    ON_THE_WAY: (COMPLETED, FOLLOW_ON, BOOKED, CANCELLED),
    FOLLOW_ON: (BOOKED, ON_THE_WAY, COMPLETED, CANCELLED),
    REOPENED: (BOOKED, ON_THE_WAY, COMPLETED, CANCELLED),
    COMPLETED: (REOPENED,),
    CANCELLED: (),
}

KIND_REPAIR, KIND_EMERGENCY, KIND_DAMP = "repair", "emergency", "damp_mould"

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference() -> str:
    """ "RP-" and 8 random characters (no 0/O, 1/I): a repair's reference."""
    return "RP-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def unused_reference(session: Session) -> str:
    for _ in range(20):
        reference = new_reference()
        if session.exec(select(Repair.id).where(Repair.reference == reference)).first() is None:
            return reference
    raise RuntimeError("could not find an unused repair reference")  # pragma: no cover - 32^8 references


def own_repair(session: Session, caller, reference: object, today: date, settings) -> tuple[Repair, Home] | None:
    """The repair with this reference when it is of the caller's home; else None (unknown,
    malformed and another home's all look the same)."""
    if not isinstance(reference, str) or not reference.strip() or len(reference) > 40:
        return None
    home = home_of(session, caller, today, settings)
    if home is None:
        return None
    repair = session.exec(select(Repair).where(Repair.reference == reference.strip().upper())).first()
    if repair is None or repair.property_id != home.property_id:
        return None
    return repair, home


__all__ = [
    "BOOKED",
    "CANCELLED",
    "CLOSED",
    "COMPLETED",
    "FOLLOW_ON",
    "Home",
    "KIND_DAMP",
    "KIND_EMERGENCY",
    "KIND_REPAIR",
    "ON_THE_WAY",
    "OPEN",
    "REOPENED",
    "REPORTED",
    "STATUS_WORDS",
    "TRANSITIONS",
    "home_of",
    "new_reference",
    "own_repair",
    "unused_reference",
]
