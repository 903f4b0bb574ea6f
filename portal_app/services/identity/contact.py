"""Your details and preferences (issue 18 item 2): what a resident can change about how we
reach them, themselves (UK GDPR Article 16: keeping what we hold accurate).

* **Phone numbers**: a UK mobile (kept in E.164) and another phone number, mobile or
  landline (kept as national digits). Either may be left empty, except that texts need a
  mobile: choosing "text" as the way to contact, or saying yes to texts, needs one.
* **How we contact you**: ``preferred_contact`` (email | text | phone | letter) and
  ``texts_wanted`` (repair appointments, codes where the resident asked for texts).
* **Messages you want**: rent reminders, repair updates, statements ready. Whatever is
  chosen, we still send what we must (emergencies, appointments, anything the law needs).
* **Letters**: by post or online (``paper_correspondence``, the choice made at
  registration); ``cli.py preferences-export`` gives the print run the list.

The sign-in email is changed only with a code sent to the new address
(``email_change.py``). Name and date of birth are the landlord's records: changed by a
``RECORD_CHANGE`` request (``ask_record_change``), not here.

Each save is one unit of work: the new values, one audit line (``contact_details_changed``,
saying which details changed, never their values) and, when a contact detail changed (a
phone number or the way we contact you), an email to the account's address so a change the
resident did not make is noticed. Nothing is written when nothing changed or something is
wrong. No reflex import; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from portal_app.clock import uk_date_words
from portal_app.models import Person, PortalUser
from portal_app.services import audit
from portal_app.services.identity import history
from portal_app.services.identity.notices import queue_account_mail
from portal_app.services.requests import resident as requests_resident
from portal_app.services.requests.common import RECORD_CHANGE, text_of
from portal_app.services.validation import is_uk_landline, normalise_uk_mobile, normalise_uk_phone
from portal_app.settings import Settings, get_settings

LETTERS = {"yes": True, "no": False}  # the security page's old question: "letters by post?"
LETTERS_WAYS = {"post": True, "online": False}
YES_NO = {"yes": True, "no": False}
EMAIL, TEXT, PHONE, LETTER = "email", "text", "phone", "letter"
CONTACT_WAYS = (EMAIL, TEXT, PHONE, LETTER)
CONTACT_WAY_WORDS = {EMAIL: "Email", TEXT: "Text message", PHONE: "Phone call", LETTER: "Letter"}

# What changed, in words (the audit line and the sign-in history say these).
MOBILE_WORDS = "mobile number"
PHONE_WORDS = "other phone number"
CONTACT_WAY_CHANGE = "how we contact you"
TEXTS_WORDS = "texts"
RENT_REMINDERS_WORDS = "rent reminders"
REPAIR_UPDATES_WORDS = "repair updates"
STATEMENT_READY_WORDS = "statement ready emails"
LETTERS_WORDS = "letters by post"
# Changes that are emailed to the account's address.
CONTACT_CHANGES = (MOBILE_WORDS, PHONE_WORDS, CONTACT_WAY_CHANGE, TEXTS_WORDS)

NEEDS_MOBILE = "Enter a mobile number to get texts from us, or choose another way for us to contact you"
NEEDS_MOBILE_FOR_TEXTS = "Enter a mobile number in \u201cPhone numbers\u201d first, or choose no"

# The record change request's fields.
RECORD_WHAT = {"name": "My name", "date_of_birth": "My date of birth", "both": "My name and my date of birth"}
RECORD_NEW_MAX = 200
RECORD_WHY_MAX = 1000


@dataclass(frozen=True)
class ContactDetails:
    email: str
    mobile: str  # as the resident would type it: "07700 900123"
    letters_by_post: bool


@dataclass(frozen=True)
class YourDetails:
    name: str
    date_of_birth: str  # "4 December 1980", or "" when we do not hold it
    email: str
    mobile: str  # "07700 900123", or ""
    phone: str  # "01632 960001", or ""
    preferred_contact: str  # email | text | phone | letter
    texts_wanted: bool
    wants_rent_reminders: bool
    wants_repair_updates: bool
    wants_statement_ready: bool
    letters_by_post: bool


def shown_mobile(e164: str) -> str:
    """'+447700900123' -> '07700 900123'."""
    if e164.startswith("+44") and len(e164) == 13:
        national = "0" + e164[3:]
        return f"{national[:5]} {national[5:]}"
    return e164


def shown_phone(national: str | None) -> str:
    """'01632960001' -> '01632 960001'; '02079460000' -> '020 7946 0000'."""
    if not national:
        return ""
    if national.startswith("02") and len(national) == 11:
        return f"{national[:3]} {national[3:7]} {national[7:]}"
    if national.startswith("07") and len(national) == 11:
        return f"{national[:5]} {national[5:]}"
    if len(national) == 11:
        return f"{national[:5]} {national[5:]}"
    return national


def _active_user(session: Session, user_id: int) -> PortalUser | None:
    user = session.get(PortalUser, user_id)
    return user if user is not None and user.status == "active" else None


def contact_details(session: Session, user_id: int) -> ContactDetails:
    user = session.get(PortalUser, user_id)
    if user is None:
        raise ValueError("no account with that id")
    return ContactDetails(email=user.email, mobile=shown_mobile(user.mobile), letters_by_post=user.paper_correspondence)


def your_details(session: Session, user_id: int) -> YourDetails:
    """Everything on the Your details page, for the signed-in resident only."""
    user = session.get(PortalUser, user_id)
    if user is None:
        raise ValueError("no account with that id")
    person = session.get(Person, user.person_id)
    name = " ".join(p for p in (person.title, person.first_name, person.last_name) if p) if person else ""
    born: date | None = person.date_of_birth if person else None
    return YourDetails(
        name=name,
        date_of_birth=uk_date_words(born) if born else "",
        email=user.email,
        mobile=shown_mobile(user.mobile or ""),
        phone=shown_phone(user.phone),
        preferred_contact=user.preferred_contact if user.preferred_contact in CONTACT_WAYS else EMAIL,
        texts_wanted=user.texts_wanted,
        wants_rent_reminders=user.wants_rent_reminders,
        wants_repair_updates=user.wants_repair_updates,
        wants_statement_ready=user.wants_statement_ready,
        letters_by_post=user.paper_correspondence,
    )


def _save(
    session: Session, user: PortalUser, changes: list[tuple[str, str, object]], *, now: datetime, client_ip: str | None
) -> tuple[str, ...]:
    """Apply (words, attribute, new value) where the value differs; one audit line and,
    for a contact detail, one email. Returns what changed, in words."""
    changed: list[str] = []
    for words, attribute, value in changes:
        if getattr(user, attribute) != value:
            setattr(user, attribute, value)
            changed.append(words)
    if not changed:
        return ()
    session.add(user)
    history.record(
        session, audit.CONTACT_DETAILS_CHANGED, user=user, now=now, client_ip=client_ip, detail={"changed": changed}
    )
    contact_changes = [words for words in changed if words in CONTACT_CHANGES]
    if contact_changes:
        settings = get_settings()
        queue_account_mail(
            session,
            user,
            subject=f"Your contact details were changed - {settings.landlord_name}",
            text=(
                f"These details on your online account were changed: {', '.join(contact_changes)}.\n\n"
                "If you did this, you do not need to do anything.\n\n"
                "If you did not, sign in and change them back, change your password, and contact us on "
                f"{settings.landlord_phone}."
            ),
            kind="contact_details_changed",
            now=now,
        )
    session.flush()
    return tuple(changed)


def _mobile_error(raw: str, e164: str | None, *, required: bool) -> str | None:
    if not raw:
        return "Enter your mobile number" if required else None
    if e164 is None and is_uk_landline(raw):
        return "Enter a mobile number, not a landline, like 07700 900 982"
    if e164 is None:
        return "Enter a UK mobile number, like 07700 900 982"
    return None


def _refused() -> tuple[dict[str, str], tuple[str, ...]]:
    return {"form": "We could not change your details. Sign in again"}, ()


def change_phone_numbers(
    session: Session, user_id: int, *, mobile: object, phone: object, now: datetime, client_ip: str | None = None
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Change the mobile and the other phone number. Either may be empty, but a resident
    who gets texts from us (their choice) keeps a mobile. Fields: "mobile", "phone"."""
    user = _active_user(session, user_id)
    if user is None:
        return _refused()
    errors: dict[str, str] = {}
    raw_mobile = text_of(mobile).strip()[:40]
    e164 = normalise_uk_mobile(raw_mobile) if raw_mobile else ""
    if (problem := _mobile_error(raw_mobile, e164, required=False)) is not None:
        errors["mobile"] = problem
    elif not raw_mobile and (user.preferred_contact == TEXT or user.texts_wanted):
        errors["mobile"] = (
            "Enter your mobile number: you chose texts from us. To stop them, change \u201cHow we contact you\u201d first"
        )
    raw_phone = text_of(phone).strip()[:40]
    national = normalise_uk_phone(raw_phone) if raw_phone else None
    if raw_phone and national is None:
        errors["phone"] = "Enter a UK phone number, like 01632 960 001 or 07700 900 982"
    if errors:
        return errors, ()
    changed = _save(
        session,
        user,
        [(MOBILE_WORDS, "mobile", e164 or ""), (PHONE_WORDS, "phone", national)],
        now=now,
        client_ip=client_ip,
    )
    return {}, changed


def change_contact_way(
    session: Session,
    user_id: int,
    *,
    preferred_contact: object,
    texts_wanted: object,
    now: datetime,
    client_ip: str | None = None,
) -> tuple[dict[str, str], tuple[str, ...]]:
    """How we contact you (email | text | phone | letter) and whether we may send texts
    ("yes" | "no"). Text needs a mobile number, and phone a phone number. Fields:
    "preferred_contact", "texts_wanted"."""
    user = _active_user(session, user_id)
    if user is None:
        return _refused()
    errors: dict[str, str] = {}
    way = text_of(preferred_contact)
    texts = YES_NO.get(text_of(texts_wanted))
    if way not in CONTACT_WAYS:
        errors["preferred_contact"] = "Select how you would like us to contact you"
    elif way == TEXT and not user.mobile:
        errors["preferred_contact"] = NEEDS_MOBILE
    elif way == PHONE and not (user.mobile or user.phone):
        errors["preferred_contact"] = "Enter a phone number to get calls from us, or choose another way"
    if texts is None:
        errors["texts_wanted"] = "Select whether we can send you text messages"
    elif texts and not user.mobile:
        errors["texts_wanted"] = NEEDS_MOBILE_FOR_TEXTS
    if errors:
        return errors, ()
    changed = _save(
        session,
        user,
        [(CONTACT_WAY_CHANGE, "preferred_contact", way), (TEXTS_WORDS, "texts_wanted", texts)],
        now=now,
        client_ip=client_ip,
    )
    return {}, changed


def change_messages(
    session: Session,
    user_id: int,
    *,
    rent_reminders: object,
    repair_updates: object,
    statement_ready: object,
    now: datetime,
    client_ip: str | None = None,
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Which messages the resident wants: each True only when given as True (a ticked box)."""
    user = _active_user(session, user_id)
    if user is None:
        return _refused()
    changed = _save(
        session,
        user,
        [
            (RENT_REMINDERS_WORDS, "wants_rent_reminders", rent_reminders is True),
            (REPAIR_UPDATES_WORDS, "wants_repair_updates", repair_updates is True),
            (STATEMENT_READY_WORDS, "wants_statement_ready", statement_ready is True),
        ],
        now=now,
        client_ip=client_ip,
    )
    return {}, changed


def change_letters(
    session: Session, user_id: int, *, letters: object, now: datetime, client_ip: str | None = None
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Letters by post ("post") or online ("online"). Field: "letters"."""
    user = _active_user(session, user_id)
    if user is None:
        return _refused()
    by_post = LETTERS_WAYS.get(text_of(letters))
    if by_post is None:
        return {"letters": "Select how you want to get letters from us"}, ()
    return {}, _save(session, user, [(LETTERS_WORDS, "paper_correspondence", by_post)], now=now, client_ip=client_ip)


def change_contact_details(
    session: Session, user_id: int, *, mobile: str, letters_by_post: str, now: datetime, client_ip: str | None = None
) -> tuple[dict[str, str], tuple[str, ...]]:
    """The mobile number (required) and the letters-by-post choice ("yes" or "no") at once.

    Returns (field -> error, what changed in words); with errors nothing is written. Fields:
    "mobile", "letters_by_post"."""
    user = _active_user(session, user_id)
    if user is None:
        return {"mobile": "We could not change your details. Sign in again"}, ()
    errors: dict[str, str] = {}
    raw = text_of(mobile).strip()[:40]
    e164 = normalise_uk_mobile(raw)
    if (problem := _mobile_error(raw, e164, required=True)) is not None:
        errors["mobile"] = problem
    letters = LETTERS.get(text_of(letters_by_post))
    if letters is None:
        errors["letters_by_post"] = "Select whether you want letters from us by post"
    if errors:
        return errors, ()
    return {}, _save(
        session,
        user,
        [(MOBILE_WORDS, "mobile", e164), (LETTERS_WORDS, "paper_correspondence", letters)],
        now=now,
        client_ip=client_ip,
    )


# --- name and date of birth: the landlord's records, changed by request -------------------


def parse_record_change(raw: Mapping[str, object]) -> tuple[dict[str, str], dict[str, str]]:
    """(clean values, field -> error) for the record change form: "what" (name |
    date_of_birth | both), "new_details" (what it should be), "why"."""
    what = text_of(raw.get("what"))
    new = " ".join(text_of(raw.get("new_details")).split())
    why = text_of(raw.get("why")).strip()
    errors: dict[str, str] = {}
    if what not in RECORD_WHAT:
        errors["what"] = "Select what you want us to change"
    if not new:
        errors["new_details"] = "Enter what it should be"
    elif len(new) > RECORD_NEW_MAX:
        errors["new_details"] = f"What it should be must be {RECORD_NEW_MAX} characters or fewer"
    if not why:
        errors["why"] = "Enter why it needs to change"
    elif len(why) > RECORD_WHY_MAX:
        errors["why"] = f"Why it needs to change must be {RECORD_WHY_MAX:,} characters or fewer"
    return {"what": what, "new_details": new, "why": why}, errors


def ask_record_change(
    session: Session,
    *,
    user_id: int,
    person_id: int,
    tenancy_id: int,
    form: Mapping[str, object],
    now: datetime,
    settings: Settings | None = None,
) -> requests_resident.SubmitResult:
    """Ask us to correct the name or date of birth in our records: a ``RECORD_CHANGE``
    request to the housing officer (ownership checked there: ``NotYours``). With errors
    nothing is written."""
    settings = settings or get_settings()
    values, errors = parse_record_change(form if isinstance(form, Mapping) else {})
    if errors:
        return requests_resident.SubmitResult(None, errors)
    what_words = RECORD_WHAT[values["what"]]
    return requests_resident.submit_tenancy_request(
        session,
        user_id=user_id,
        person_id=person_id,
        tenancy_id=tenancy_id,
        kind=RECORD_CHANGE,
        summary=f"{what_words} in your records",
        what_you_asked=f"{what_words}: {values['new_details']}",
        lines=[("What to change", what_words), ("What it should be", values["new_details"]), ("Why", values["why"])],
        next_steps=(
            "Your housing officer will check our records and may ask to see a document, such as a "
            "marriage certificate, deed poll, passport or birth certificate.",
            requests_resident.reply_promise(RECORD_CHANGE, now, settings),
        ),
        now=now,
        settings=settings,
        details={"what": values["what"]},
        limit_field="what",
    )


__all__ = [
    "CONTACT_WAYS",
    "ContactDetails",
    "YourDetails",
    "ask_record_change",
    "change_contact_details",
    "change_contact_way",
    "change_letters",
    "change_messages",
    "change_phone_numbers",
    "contact_details",
    "parse_record_change",
    "shown_mobile",
    "shown_phone",
    "your_details",
]
