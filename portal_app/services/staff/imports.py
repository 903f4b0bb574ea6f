"""The landlord's data feed uploaded in the back office (issue 12 section 7), through the same
importer the command line uses (``services/records/importer.py``, the import format in
``../shared/import-format.md``): all of a feed or, on any error, nothing.

* ``save_upload`` copies the uploaded ``.zip`` into a private temporary folder (mode 0700,
  never Reflex's public upload folder), refusing anything that is not a zip, larger than
  ``IMPORT_MAX_MB``, or that unpacks to more than ``UNZIPPED_TIMES`` that (a zip bomb).
* ``run_upload`` runs the import and records it: a feed that is imported writes its
  ``import_run`` row (with who uploaded it) and its audit line in the importer's own
  transaction; a rejected feed changes no record, and only its history row and audit line
  are written, so the administrator can see later what was wrong with it.
* ``history`` lists the imports, newest first: when, who, which file, imported or
  rejected, and the first line of the report.

The web app runs ``run_upload`` in a worker thread (``state.database.in_transaction``),
so the event loop is never held up by it. No reflex import.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlmodel import Session, col, select

from portal_app.models import ImportRun, StaffMember
from portal_app.services import audit
from portal_app.services.audit import StaffActor
from portal_app.services.records.importer import ImportReport, import_feed
from portal_app.settings import Settings, get_settings

UNZIPPED_TIMES = 20
CHUNK = 1024 * 1024

RECORDS_IMPORTED = "records_imported"
RECORDS_REJECTED = "records_import_rejected"
audit.ACTION_LABELS.setdefault(RECORDS_IMPORTED, "Imported the landlord's data feed")
audit.ACTION_LABELS.setdefault(RECORDS_REJECTED, "Uploaded a landlord's data feed that was rejected")


class UploadRefused(ValueError):
    """The file cannot be imported as it is; the message says why, for the page."""


@dataclass(frozen=True)
class SavedUpload:
    folder: Path  # delete with ``discard`` when done
    path: Path
    file_name: str
    size: int


@dataclass(frozen=True)
class FileLine:
    file: str
    read: int
    added: int
    updated: int
    unchanged: int


@dataclass(frozen=True)
class ImportResult:
    ok: bool
    run_id: int | None
    headline: str
    files: tuple[FileLine, ...]
    errors: tuple[str, ...]  # the first ERRORS_SHOWN of them, each file:line:column and the problem
    error_count: int
    warnings: tuple[str, ...]
    report: str  # the whole report, as the command line prints it


@dataclass(frozen=True)
class ImportRunRow:
    id: int
    started_at: datetime
    who: str
    file_name: str
    ok: bool
    summary: str
    report: str


def _safe_name(raw: str | None) -> str:
    name = os.path.basename((raw or "").replace("\\", "/")).strip()
    cleaned = "".join(ch for ch in name if ch.isalnum() or ch in "._- ")[:120].strip(". ")
    return cleaned or "feed.zip"


def save_upload(source: BinaryIO, file_name: str | None, *, settings: Settings | None = None) -> SavedUpload:
    """Copy an upload to a private folder, checking it is a .zip within the size limits."""
    settings = settings or get_settings()
    name = _safe_name(file_name)
    if not name.lower().endswith(".zip"):
        raise UploadRefused("The feed must be a .zip file of the CSV files")
    limit = settings.import_max_mb * 1024 * 1024
    folder = Path(tempfile.mkdtemp(prefix="doorstep-upload-"))  # mode 0700: this user only
    path = folder / name
    size = 0
    try:
        with open(path, "wb") as out:
            while chunk := source.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise UploadRefused(f"The file is larger than {settings.import_max_mb} MB")
                out.write(chunk)
        if size == 0:
            raise UploadRefused("The file is empty")
        if not zipfile.is_zipfile(path):
            raise UploadRefused("The file is not a .zip file that can be opened")
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limit * UNZIPPED_TIMES:
            raise UploadRefused(
                f"The .zip file unpacks to more than {settings.import_max_mb * UNZIPPED_TIMES} MB, which is too large"
            )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return SavedUpload(folder=folder, path=path, file_name=name, size=size)


def discard(saved: SavedUpload) -> None:
    """Delete the upload's private copy (residents' details are in it)."""
    shutil.rmtree(saved.folder, ignore_errors=True)


def _result(report: ImportReport, run_id: int | None) -> ImportResult:
    files = tuple(FileLine(name, c.read, c.added, c.updated, c.unchanged) for name, c in report.files.items())
    rendered = report.render()
    return ImportResult(
        ok=report.ok,
        run_id=run_id,
        headline=rendered.splitlines()[0] if rendered else "",
        files=files,
        errors=tuple(report.errors[:200]),
        error_count=len(report.errors),
        warnings=tuple(report.warnings[:200]),
        report=rendered,
    )


def _totals(report: ImportReport) -> dict[str, int]:
    return {
        "rows_read": report.rows_read,
        "added": sum(c.added for c in report.files.values()),
        "updated": sum(c.updated for c in report.files.values()),
        "errors": len(report.errors),
    }


def run_upload(session: Session, saved: SavedUpload, *, actor: StaffActor, now: datetime) -> ImportResult:
    """Import the saved upload (all of it, or nothing) and record it in the history and the
    audit log. The import commits in its own transaction; a rejection is recorded in this one."""
    engine = session.get_bind()
    found: dict[str, int] = {}

    def audit_import(import_session: Session, report: ImportReport) -> None:
        run = import_session.exec(
            select(ImportRun).where(ImportRun.staff_id == actor.staff_id).order_by(col(ImportRun.id).desc())
        ).first()
        found["run_id"] = run.id if run else 0
        audit.record(
            import_session,
            action=RECORDS_IMPORTED,
            actor_kind=audit.STAFF,
            actor_id=actor.staff_id,
            actor_label=actor.name,
            target=saved.file_name[:100],
            detail=_totals(report),
            client_ip=actor.client_ip,
            now=now,
        )

    report = import_feed(
        engine, saved.path, now=now, source=saved.file_name, staff_id=actor.staff_id, also=audit_import
    )
    if report.ok:
        return _result(report, found.get("run_id") or None)
    run = ImportRun(
        source=saved.file_name[:500],
        started_at=now,
        finished_at=now,
        ok=False,
        staff_id=actor.staff_id,
        report=report.render(),
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        action=RECORDS_REJECTED,
        actor_kind=audit.STAFF,
        actor_id=actor.staff_id,
        actor_label=actor.name,
        target=saved.file_name[:100],
        detail=_totals(report),
        client_ip=actor.client_ip,
        now=now,
    )
    return _result(report, run.id)


def history(session: Session, *, limit: int = 50) -> list[ImportRunRow]:
    """The imports, newest first (from the command line too: no member of staff)."""
    rows = session.exec(
        select(ImportRun).order_by(col(ImportRun.started_at).desc(), col(ImportRun.id).desc()).limit(limit)
    ).all()
    names = (
        {
            m.id: m.name
            for m in session.exec(
                select(StaffMember).where(col(StaffMember.id).in_({r.staff_id for r in rows if r.staff_id}))
            ).all()
        }
        if rows
        else {}
    )
    return [
        ImportRunRow(
            id=r.id,
            started_at=r.started_at,
            who=names.get(r.staff_id, "A member of staff") if r.staff_id else "The command line",
            file_name=os.path.basename(r.source) or r.source,
            ok=r.ok,
            summary=(r.report or "").splitlines()[0] if r.report else "",
            report=r.report or "",
        )
        for r in rows
    ]


__all__ = [
    "FileLine",
    "ImportResult",
    "ImportRunRow",
    "SavedUpload",
    "UploadRefused",
    "discard",
    "history",
    "run_upload",
    "save_upload",
]
