"""Letters and documents online (seed 001's "electronic correspondence"): what the landlord
sent about a tenancy, from the feed's documents.csv and its PDFs (docs/tenancy-feed.md).

Who sees a document: the residents of its tenancy (``tenancy.home.home_of``'s rules: a current
party with a role that may use the portal, the tenancy not ended); a document with a
``person_id`` only that person (a letter addressed to one joint tenant is not the other's).

The list (``my_letters``) is newest first, each with its kind in words, title, date and size;
the download (``document_for``) checks the same ownership and gives the PDF with a safe file
name. ``announce_new_letters`` emails "You have a new letter in your portal" (never what it
says) once per resident per call, claiming each document once (``notified_at``) however many
callers run it; the importer calls it in the import's own transaction.

Who is emailed: the residents who may see a new document, when their home's letters come
online: when any resident of the tenancy with a portal account chose letters online
(``PortalUser.paper_correspondence`` False). Seed 001: "If it is a joint tenancy all the
correspondence will be sent electronically if one of the joint tenants opts in", so then the
joint tenant who chose post is not sent paper either and is emailed too. Where everyone chose
post, nobody is emailed: the letter reaches them on paper, and the copy here is a convenience.
No reflex import.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, select

from portal_app import routes
from portal_app.clock import uk_date_words, uk_today
from portal_app.models import PortalUser, ResidentDocument
from portal_app.services.mail import templates
from portal_app.services.mail.outbox import queue_mail
from portal_app.services.tenancy.home import home_of

MAIL_NEW_LETTER = "new_letter"
KIND_WORDS = {
    "tenancy_agreement": "Tenancy agreement",
    "letter": "Letter",
    "notice": "Notice",
    "statement": "Statement",
    "other": "Document",
}


@dataclass(frozen=True)
class LetterView:
    ref: str  # the download's key (the portal's own id, not the landlord's reference)
    kind_words: str  # "Letter"
    title: str
    issued_words: str  # "2 March 2026"
    size_words: str  # "84 KB"
    href: str  # routes.document(ref)


@dataclass(frozen=True)
class LettersView:
    letters: tuple[LetterView, ...]
    chose_online: bool  # this resident's own choice
    home_online: bool  # letters for the home come online (this resident's or a joint tenant's choice)


def size_words(size: int) -> str:
    """84 KB, 1.2 MB: what a resident on a phone plan wants to know before downloading."""
    if size < 1024 * 1024:
        return f"{max(1, -(-size // 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def _visible(doc_person_id: int | None, person_id: int) -> bool:
    return doc_person_id is None or doc_person_id == person_id


def _columns():
    # Never the PDF itself: the list reads what it shows, not the files.
    return (
        ResidentDocument.id,
        ResidentDocument.kind,
        ResidentDocument.title,
        ResidentDocument.issued_on,
        ResidentDocument.size_bytes,
        ResidentDocument.person_id,
    )


def _view(row) -> LetterView:
    ref = str(row.id)
    return LetterView(
        ref=ref,
        kind_words=KIND_WORDS.get(row.kind, "Document"),
        title=row.title,
        issued_words=uk_date_words(row.issued_on),
        size_words=size_words(row.size_bytes),
        href=routes.document(ref),
    )


def _residents(session: Session, tenancy_ids: Iterable[int], today: date, settings) -> list[PortalUser]:
    """The active portal users of these tenancies who may see its letters today."""
    ids = sorted(set(tenancy_ids))
    if not ids:
        return []
    users = session.exec(
        select(PortalUser).where(PortalUser.tenancy_id.in_(ids), PortalUser.status == "active").order_by(PortalUser.id)
    ).all()
    return [u for u in users if home_of(session, u, today, settings) is not None]


def letters_online(session: Session, tenancy_id: int, *, today: date, settings) -> bool:
    """Whether the tenancy's letters come online: a resident of it with a portal account chose so."""
    return any(not u.paper_correspondence for u in _residents(session, [tenancy_id], today, settings))


def my_letters(session: Session, caller, *, today: date, settings) -> LettersView | None:
    """The caller's letters and documents, newest first, or None when they have no home here."""
    home = home_of(session, caller, today, settings)
    user = session.get(PortalUser, caller.user_id)
    if home is None or user is None or user.tenancy_id != home.tenancy_id or user.person_id != caller.person_id:
        return None
    rows = session.exec(
        select(*_columns())
        .where(ResidentDocument.tenancy_id == home.tenancy_id)
        .order_by(ResidentDocument.issued_on.desc(), ResidentDocument.id.desc())
    ).all()
    letters = tuple(_view(r) for r in rows if _visible(r.person_id, caller.person_id))
    return LettersView(
        letters=letters,
        chose_online=not user.paper_correspondence,
        home_online=letters_online(session, home.tenancy_id, today=today, settings=settings),
    )


def tenancy_agreement(session: Session, caller, *, today: date, settings) -> LetterView | None:
    """The newest tenancy agreement the feed supplied for the caller's tenancy, if any."""
    home = home_of(session, caller, today, settings)
    if home is None:
        return None
    rows = session.exec(
        select(*_columns())
        .where(ResidentDocument.tenancy_id == home.tenancy_id, ResidentDocument.kind == "tenancy_agreement")
        .order_by(ResidentDocument.issued_on.desc(), ResidentDocument.id.desc())
    ).all()
    return next((_view(r) for r in rows if _visible(r.person_id, caller.person_id)), None)


_SLUG = re.compile(r"[^a-z0-9]+")


def safe_filename(title: str, issued_on: date) -> str:
    """'Your rent from 6 April 2026' of 2 March 2026 -> '2026-03-02-your-rent-from-6-april-2026.pdf':
    letters, digits and hyphens only, so no header or path can be made of it."""
    slug = _SLUG.sub("-", (title or "").lower()).strip("-")[:60].strip("-") or "document"
    return f"{issued_on.isoformat()}-{slug}.pdf"


def document_for(session: Session, caller, ref: object, *, today: date, settings) -> tuple[bytes, str] | None:
    """The PDF and a safe file name, when ``ref`` is one of the caller's documents; else None
    (the route answers every refusal with the same 404)."""
    if caller is None or not isinstance(ref, str) or not ref.isdigit() or len(ref) > 12:
        return None
    home = home_of(session, caller, today, settings)
    if home is None:
        return None
    row = session.exec(
        select(ResidentDocument.tenancy_id, ResidentDocument.person_id).where(ResidentDocument.id == int(ref))
    ).first()
    if row is None or row.tenancy_id != home.tenancy_id or not _visible(row.person_id, caller.person_id):
        return None
    doc = session.get(ResidentDocument, int(ref))
    return bytes(doc.data), safe_filename(doc.title, doc.issued_on)


def announce_new_letters(session: Session, *, document_ids: Iterable[int], now: datetime, settings) -> int:
    """Claim each document not yet announced (``notified_at``, set here, in the caller's
    transaction: a second caller finds it taken), then email each resident who may see one
    and whose home's letters come online, once for all of them. Returns the emails queued."""
    claimed: list[int] = []
    for doc_id in sorted(set(document_ids)):
        taken = session.exec(
            update(ResidentDocument)
            .where(ResidentDocument.id == doc_id, ResidentDocument.notified_at.is_(None))
            .values(notified_at=now)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:
            claimed.append(doc_id)
    if not claimed:
        return 0
    docs = session.exec(
        select(ResidentDocument.tenancy_id, ResidentDocument.person_id).where(ResidentDocument.id.in_(claimed))
    ).all()
    by_tenancy: dict[int, list[int | None]] = defaultdict(list)
    for tenancy_id, person_id in docs:
        by_tenancy[tenancy_id].append(person_id)
    today = uk_today(now)
    residents = _residents(session, by_tenancy, today, settings)
    online = {u.tenancy_id for u in residents if not u.paper_correspondence}
    link = f"{settings.base_url}{routes.LETTERS}"
    sent = 0
    for user in residents:
        if user.tenancy_id not in online:
            continue
        count = sum(1 for person_id in by_tenancy[user.tenancy_id] if _visible(person_id, user.person_id))
        if not count:
            continue
        mail = templates.new_letter(count=count, link=link, settings=settings)
        queue_mail(session, to=user.email, subject=mail.subject, body=mail.body, kind=MAIL_NEW_LETTER, now=now)
        sent += 1
    return sent


__all__ = [
    "KIND_WORDS",
    "LetterView",
    "LettersView",
    "announce_new_letters",
    "document_for",
    "letters_online",
    "my_letters",
    "safe_filename",
    "size_words",
    "tenancy_agreement",
]
