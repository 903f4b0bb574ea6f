"""Evidence a resident sends with a request about their home (a birth or death certificate,
a photo of a document): checked and kept here, in the database (``RequestEvidence``), never
in a folder the web server serves. Served only by ``api/request_evidence.py``.

The rules:

- At most ``MAX_FILES`` (3) files on one request, each at most ``MAX_BYTES`` (10 MB, as
  repair photos), an empty file refused. The size is checked before anything else.
- The type is told from the file's first bytes, never its name or what the browser says.
- A photo (JPEG, PNG or HEIC) is cleaned exactly as a repair photo is, by the repairs
  domain's own ``photos.clean``: a new JPEG with no metadata (no location, no camera, no
  dates). What is kept is that clean JPEG.
- A PDF must start with ``%PDF-`` and end with ``%%EOF`` (a cut-off copy is refused as
  unreadable). It is kept exactly as sent (a certificate must stay what it was), so it is
  refused when it could do anything when opened: encrypted (``/Encrypt``), or naming
  JavaScript (``/JavaScript``, ``/JS``), a program to start (``/Launch``) or a file inside
  it (``/EmbeddedFile``). Names are read with their ``#xx`` escapes undone, and inside the
  PDF's compressed object streams (``/ObjStm``, where a PDF 1.5+ file keeps its objects),
  decompressed up to ``_MOST_UNPACKED`` bytes in all; a file whose object streams cannot
  be read that far is refused as unreadable. Page content streams are not opened: they
  cannot hold actions. This is a cheap byte-level check, not a PDF parser.
- While the resident fills in the form each file is their draft (``request_id`` None,
  ``user_id`` theirs); ``attach`` moves their drafts onto the request when it is sent; a
  draft never sent is deleted a day on (``delete_old_drafts``, the worker's
  ``tenancy.tidy_evidence``).
- Who may fetch one (``evidence_for``): the portal user who sent it (draft or attached),
  and staff whose role manages requests. Anyone else and any unknown key get nothing, the
  same way.

No reflex import; nothing here commits.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, func, select

from portal_app.models import MoneyRequest, RequestEvidence
from portal_app.services.repairs import photos

MAX_FILES = 3
MAX_BYTES = photos.MAX_BYTES
DRAFT_LIFETIME = timedelta(days=1)
PDF = "application/pdf"
JPEG = "image/jpeg"

HINT = f"Up to {MAX_FILES} files, each smaller than {MAX_BYTES // (1024 * 1024)} MB: a PDF, or a photo " + (
    "(JPG, PNG or HEIC)." if photos.HEIC_SUPPORTED else "(JPG or PNG)."
)
# For the upload control's ``accept``: only a suggestion to the file picker.
ACCEPT: dict[str, list[str]] = {**photos.ACCEPT, PDF: [".pdf"]}

_DANGEROUS = frozenset({b"JavaScript", b"JS", b"Launch", b"EmbeddedFile", b"Encrypt"})
_NAME = re.compile(rb"/([^\s/<>\[\]()%{}]+)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_OBJSTM = re.compile(rb"/Type\s*/ObjStm")
_STREAM = re.compile(rb"stream\r?\n")
_MOST_UNPACKED = 50 * 1024 * 1024


@dataclass(frozen=True)
class CheckedFile:
    """A file ready to keep: the clean JPEG of a photo, or a PDF as sent."""

    data: bytes = field(repr=False)
    content_type: str  # image/jpeg | application/pdf
    original_bytes: int
    sha256: str


@dataclass(frozen=True)
class FileProblem:
    message: str  # for the resident
    code: str  # too_big | empty | not_allowed | unreadable | unsafe_pdf | encrypted_pdf | ...


@dataclass(frozen=True)
class Draft:
    key: str
    name: str
    size_words: str  # "1.2 MB", "340 KB"
    is_pdf: bool


def size_words(size: int) -> str:
    if size >= 1024 * 1024:
        return photos._megabytes(size)  # rounded up, as the photo messages say it
    return f"{max(1, -(-size // 1024))} KB"


def _names(data: bytes) -> set[bytes]:
    return {_HEX.sub(lambda m: bytes([int(m.group(1), 16)]), m.group(1)) for m in _NAME.finditer(data)}


def _object_streams(data: bytes):
    """The decompressed contents of the PDF's object streams, within ``_MOST_UNPACKED`` in
    all; raises ValueError when one cannot be read or they unpack to more."""
    left = _MOST_UNPACKED
    for found in _OBJSTM.finditer(data):
        start = _STREAM.search(data, found.end())
        if start is None:
            raise ValueError("an object stream without its data")
        end = data.find(b"endstream", start.end())
        if end < 0:
            raise ValueError("an object stream without its end")
        unpack = zlib.decompressobj()
        try:
            out = unpack.decompress(data[start.end() : end], left + 1)
        except zlib.error as exc:
            raise ValueError("an object stream that does not unpack") from exc
        left -= len(out)
        if left < 0:
            raise ValueError("object streams too large")
        yield out


def check_pdf(data: bytes, *, filename: str = "") -> CheckedFile | FileProblem:
    name = photos._display_name(filename)
    if not data.startswith(b"%PDF-"):
        return FileProblem(f"{name} is not a PDF or photo we can take. Choose a PDF, or a photo", "not_allowed")
    if b"%%EOF" not in data[-2048:]:
        return FileProblem(
            f"{name} could not be opened. It may be damaged or not fully copied to your device. Choose it again",
            "unreadable",
        )
    try:
        names = _names(data)
        for unpacked in _object_streams(data):
            names |= _names(unpacked)
    except ValueError:
        return FileProblem(
            f"{name} could not be opened. It may be damaged. Choose it again, or send a photo of the document",
            "unreadable",
        )
    if b"Encrypt" in names:
        return FileProblem(
            f"{name} is protected with a password. Send a copy without a password, or a photo of the document",
            "encrypted_pdf",
        )
    if names & _DANGEROUS:
        return FileProblem(
            f"{name} has scripts or files inside it, so we cannot take it. Save it again as a plain PDF "
            "(for example, print it to PDF), or send a photo of the document",
            "unsafe_pdf",
        )
    return CheckedFile(data=data, content_type=PDF, original_bytes=len(data), sha256=hashlib.sha256(data).hexdigest())


def clean(data: bytes, *, filename: str = "") -> CheckedFile | FileProblem:
    """Check one uploaded file: a PDF kept as sent, or a photo cleaned as repair photos are.
    Slow for a large photo (``photos.clean``): call it in a worker thread."""
    if not isinstance(data, bytes | bytearray):
        return FileProblem("Choose a file to add", "empty")
    data = bytes(data)
    name = photos._display_name(filename)
    size = len(data)
    if size == 0:
        return FileProblem(f"{name} is empty. Choose a PDF, or a photo", "empty")
    if size > MAX_BYTES:
        return FileProblem(
            f"{name} is {photos._megabytes(size)}. Choose a file smaller than {MAX_BYTES // (1024 * 1024)} MB",
            "too_big",
        )
    if data.startswith(b"%PDF-"):
        return check_pdf(data, filename=filename)
    if photos.sniff(data) is None:
        return FileProblem(f"{name} is not a PDF or photo we can take. Choose a PDF, or a photo", "not_allowed")
    cleaned = photos.clean(data, filename=filename)
    if isinstance(cleaned, photos.PhotoProblem):
        return FileProblem(cleaned.message, cleaned.code)
    return CheckedFile(data=cleaned.data, content_type=JPEG, original_bytes=size, sha256=cleaned.sha256)


def check_count(n_existing: int, n_new: int) -> str | None:
    if n_existing + n_new <= MAX_FILES:
        return None
    room = MAX_FILES - n_existing
    if room <= 0:
        return f"You can add up to {MAX_FILES} files. Remove one to add a different one"
    if n_existing == 0:
        return f"You can add up to {MAX_FILES} files. Choose {MAX_FILES} or fewer"
    return f"You can add up to {MAX_FILES} files. You have added {n_existing} already, so you can add {room} more"


def _live_drafts(user_id: int, now: datetime):
    return (
        RequestEvidence.user_id == user_id,
        RequestEvidence.request_id.is_(None),
        RequestEvidence.created_at >= now - DRAFT_LIFETIME,
    )


def _draft(row: RequestEvidence) -> Draft:
    return Draft(row.key, row.name, size_words(row.size_bytes), row.content_type == PDF)


def drafts(session: Session, user_id: int, *, now: datetime) -> list[Draft]:
    rows = session.exec(select(RequestEvidence).where(*_live_drafts(user_id, now)).order_by(RequestEvidence.id)).all()
    return [_draft(r) for r in rows]


def add_draft(session: Session, user_id: int, checked: CheckedFile, name: str, *, now: datetime) -> Draft | str:
    """Keep a checked file as the resident's draft; the message when they already have the most."""
    have = session.exec(select(func.count(RequestEvidence.id)).where(*_live_drafts(user_id, now))).one()
    problem = check_count(int(have), 1)
    if problem:
        return problem
    shown = photos._display_name(name or "")
    if shown == "This file":
        shown = "document.pdf" if checked.content_type == PDF else "photo.jpg"
    row = RequestEvidence(
        key=secrets.token_urlsafe(18),
        user_id=user_id,
        data=checked.data,
        content_type=checked.content_type,
        name=shown[:120],
        size_bytes=len(checked.data),
        sha256=checked.sha256,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return _draft(row)


def remove_draft(session: Session, user_id: int, key: object) -> bool:
    if not isinstance(key, str) or not key or len(key) > 40:
        return False
    done = session.execute(
        delete(RequestEvidence).where(
            RequestEvidence.key == key, RequestEvidence.user_id == user_id, RequestEvidence.request_id.is_(None)
        )
    )
    return done.rowcount == 1


def attach(session: Session, user_id: int, request_id: int, *, now: datetime) -> int:
    """Move the user's live drafts onto their request (which must be theirs); how many."""
    request = session.get(MoneyRequest, request_id)
    if request is None or request.user_id != user_id:
        return 0
    done = session.execute(update(RequestEvidence).where(*_live_drafts(user_id, now)).values(request_id=request_id))
    return int(done.rowcount or 0)


@dataclass(frozen=True)
class Attached:
    key: str
    name: str
    size_words: str
    kind_words: str  # "PDF" | "Photo"


def for_request(session: Session, request_id: int) -> list[Attached]:
    """What was sent with a request, for the back office's request page."""
    rows = session.exec(
        select(RequestEvidence).where(RequestEvidence.request_id == request_id).order_by(RequestEvidence.id)
    ).all()
    return [
        Attached(r.key, r.name, size_words(r.size_bytes), "PDF" if r.content_type == PDF else "Photo") for r in rows
    ]


def for_reference(session: Session, reference: str) -> list[Attached]:
    if not isinstance(reference, str) or not reference:
        return []
    request = session.exec(select(MoneyRequest).where(MoneyRequest.reference == reference)).first()
    return for_request(session, request.id) if request is not None else []


def evidence_for(
    session: Session, *, key: object, user_id: int | None = None, staff_may_see: bool = False
) -> tuple[bytes, str, str] | None:
    """The file's bytes, type and name for whoever asks, if they may see it; else None."""
    if not isinstance(key, str) or not key or len(key) > 40:
        return None
    row = session.exec(select(RequestEvidence).where(RequestEvidence.key == key)).first()
    if row is None:
        return None
    if not (staff_may_see or (user_id is not None and row.user_id == user_id)):
        return None
    return row.data, row.content_type, row.name


def delete_old_drafts(session: Session, *, now: datetime) -> int:
    done = session.execute(
        delete(RequestEvidence).where(
            RequestEvidence.request_id.is_(None), RequestEvidence.created_at < now - DRAFT_LIFETIME
        )
    )
    return int(done.rowcount or 0)


__all__ = [
    "ACCEPT",
    "DRAFT_LIFETIME",
    "HINT",
    "MAX_BYTES",
    "MAX_FILES",
    "Attached",
    "CheckedFile",
    "Draft",
    "FileProblem",
    "add_draft",
    "attach",
    "check_count",
    "check_pdf",
    "clean",
    "delete_old_drafts",
    "drafts",
    "evidence_for",
    "for_reference",
    "for_request",
    "remove_draft",
]
