"""The residents' letters and contact choices for the landlord's print run
(``python -m portal_app preferences-export``, docs/preferences-export.md).

One CSV row for each active portal account: ``person_ref``, ``tenancy_ref``, ``letters``
(``post`` or ``online``) and ``preferred_contact`` (email | text | phone | letter). A
resident who is not in the file has no active account and gets letters by post, as before.
No contact details (email, phone numbers) are in it: the landlord's systems hold those.
Read only; no reflex import.
"""

from __future__ import annotations

import csv
import io

from sqlmodel import Session, select

from portal_app.models import Person, PortalUser, Tenancy
from portal_app.services.identity.contact import CONTACT_WAYS, EMAIL

COLUMNS = ("person_ref", "tenancy_ref", "letters", "preferred_contact")


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def preferences_csv(session: Session) -> tuple[str, int]:
    """(the CSV text, how many residents are in it), ordered by tenancy then person."""
    stmt = (
        select(Person.person_ref, Tenancy.tenancy_ref, PortalUser.paper_correspondence, PortalUser.preferred_contact)
        .join(Person, Person.id == PortalUser.person_id)
        .join(Tenancy, Tenancy.id == PortalUser.tenancy_id)
        .where(PortalUser.status == "active")
        .order_by(Tenancy.tenancy_ref, Person.person_ref)
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for person_ref, tenancy_ref, by_post, way in session.exec(stmt).all():
        writer.writerow(
            [
                _safe(person_ref),
                _safe(tenancy_ref),
                "post" if by_post else "online",
                way if way in CONTACT_WAYS else EMAIL,
            ]
        )
        count += 1
    return out.getvalue(), count


__all__ = ["COLUMNS", "preferences_csv"]
