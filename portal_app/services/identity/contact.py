"""A resident's contact details on the security page: their mobile number and whether they
want letters by post (the choice they made at registration), which they can change
themselves (UK GDPR Article 16: keeping what we hold accurate).

The email address is where codes and reset links go, so changing it would need the new
address proved with a code first; the page says to phone us instead (not built here).

A change is one unit of work: the new details, a line in the audit log
(``contact_details_changed``, saying which details changed but not their values) and, when
the mobile number changed, an email to the account's address so a change the resident did
not make is noticed. Nothing is written when nothing changed or something is wrong.
No reflex import.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from portal_app.models import PortalUser
from portal_app.services import audit
from portal_app.services.identity import history
from portal_app.services.identity.notices import queue_account_mail
from portal_app.services.validation import is_uk_landline, normalise_uk_mobile
from portal_app.settings import get_settings

LETTERS = {"yes": True, "no": False}
MOBILE_WORDS = "mobile number"
LETTERS_WORDS = "letters by post"


@dataclass(frozen=True)
class ContactDetails:
    email: str
    mobile: str  # as the resident would type it: "07700 900123"
    letters_by_post: bool


def shown_mobile(e164: str) -> str:
    """'+447700900123' -> '07700 900123'."""
    if e164.startswith("+44") and len(e164) == 13:
        national = "0" + e164[3:]
        return f"{national[:5]} {national[5:]}"
    return e164


def contact_details(session: Session, user_id: int) -> ContactDetails:
    user = session.get(PortalUser, user_id)
    if user is None:
        raise ValueError("no account with that id")
    return ContactDetails(email=user.email, mobile=shown_mobile(user.mobile), letters_by_post=user.paper_correspondence)


def change_contact_details(
    session: Session, user_id: int, *, mobile: str, letters_by_post: str, now: datetime, client_ip: str | None = None
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Change the mobile number and the letters-by-post choice ("yes" or "no").

    Returns (field -> error, what changed in words); with errors nothing is written. Fields:
    "mobile", "letters_by_post"."""
    user = session.get(PortalUser, user_id)
    if user is None or user.status != "active":
        return {"mobile": "We could not change your details. Sign in again"}, ()
    errors: dict[str, str] = {}
    raw = (mobile if isinstance(mobile, str) else "").strip()
    e164 = normalise_uk_mobile(raw)
    if not raw:
        errors["mobile"] = "Enter your mobile number"
    elif e164 is None and is_uk_landline(raw):
        errors["mobile"] = "Enter a mobile number, not a landline, like 07700 900 982"
    elif e164 is None:
        errors["mobile"] = "Enter a UK mobile number, like 07700 900 982"
    letters = LETTERS.get(letters_by_post if isinstance(letters_by_post, str) else "")
    if letters is None:
        errors["letters_by_post"] = "Select whether you want letters from us by post"
    if errors:
        return errors, ()
    changed: list[str] = []
    if e164 != user.mobile:
        changed.append(MOBILE_WORDS)
        user.mobile = e164
    if letters != user.paper_correspondence:
        changed.append(LETTERS_WORDS)
        user.paper_correspondence = letters
    if not changed:
        return {}, ()
    session.add(user)
    history.record(
        session, audit.CONTACT_DETAILS_CHANGED, user=user, now=now, client_ip=client_ip, detail={"changed": changed}
    )
    if MOBILE_WORDS in changed:
        settings = get_settings()
        queue_account_mail(
            session,
            user,
            subject=f"Your mobile number was changed - {settings.landlord_name}",
            text=(
                "The mobile number on your online account was changed.\n\n"
                "If you did this, you do not need to do anything.\n\n"
                f"If you did not, sign in and change it back, change your password, and contact us on "
                f"{settings.landlord_phone}."
            ),
            kind="contact_details_changed",
            now=now,
        )
    session.flush()
    return {}, tuple(changed)


__all__ = ["ContactDetails", "change_contact_details", "contact_details", "shown_mobile"]
