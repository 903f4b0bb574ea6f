"""The feed's letters and documents (documents.csv and its PDFs), transfer applications and the
tenancy's leasehold officer and notice day (docs/tenancy-feed.md): stored whole, re-sending
them changes nothing, and one bad row rejects the feed with nothing written."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import date

import pytest
from sqlmodel import Session, select

from portal_app.models import Officer, ResidentDocument, Tenancy, TransferApplication
from portal_app.services.records import importer
from portal_app.services.records.importer import import_feed
from tests.unit.records.test_importer import GOOD, NOW, good_feed, snapshot, write_feed


def pdf(words: str = "Your rent from 6 April 2026") -> bytes:
    return f"%PDF-1.4\n% {words}\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".encode()


LETTER = {
    "document_ref": "DOC-1",
    "tenancy_ref": "TEN1",
    "person_ref": "",
    "kind": "letter",
    "title": "Your rent from 6 April 2026",
    "issued_on": "2026-03-02",
    "file": "letters/rent-2026.pdf",
}
AGREEMENT = {
    **LETTER,
    "document_ref": "DOC-2",
    "kind": "tenancy_agreement",
    "title": "Your tenancy agreement",
    "issued_on": "2020-04-06",
    "file": "agreement.pdf",
}
TRANSFER = {
    "application_ref": "HR-77",
    "tenancy_ref": "TEN1",
    "band": "Band B",
    "effective_date": "2025-09-01",
    "status": "active",
    "bedrooms_needed": "3",
    "updated_on": "2026-10-12",
}


def _feed(tmp_path, name="feed", documents=(LETTER, AGREEMENT), files=None, **changes):
    folder = write_feed(tmp_path / name, good_feed(documents=[dict(d) for d in documents], **changes))
    for path, data in (
        files if files is not None else {"letters/rent-2026.pdf": pdf(), "agreement.pdf": pdf("A")}
    ).items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_bytes(data)
    return folder


def _documents(db) -> dict[str, ResidentDocument]:
    with Session(db) as s:
        return {d.document_ref: d for d in s.exec(select(ResidentDocument)).all()}


def test_a_letter_and_the_tenancy_agreement_are_kept_with_their_pdfs_and_re_sending_them_changes_nothing(db, tmp_path):
    report = import_feed(db, _feed(tmp_path), now=NOW)
    assert report.ok, report.render()
    docs = _documents(db)
    letter = docs["DOC-1"]
    assert (letter.kind, letter.title, letter.issued_on, letter.person_id) == (
        "letter",
        "Your rent from 6 April 2026",
        date(2026, 3, 2),
        None,
    )
    assert letter.data == pdf() and letter.size_bytes == len(pdf())
    assert letter.sha256 == hashlib.sha256(pdf()).hexdigest()
    assert docs["DOC-2"].kind == "tenancy_agreement" and docs["DOC-2"].data == pdf("A")

    again = import_feed(db, _feed(tmp_path, "again"), now=NOW)
    counts = again.files["documents.csv"]
    assert (counts.read, counts.added, counts.updated, counts.unchanged) == (2, 0, 0, 2)


def test_a_new_title_updates_the_letter_and_a_new_pdf_replaces_the_old_one(db, tmp_path):
    assert import_feed(db, _feed(tmp_path), now=NOW).ok
    renamed = {**LETTER, "title": "Your new rent"}
    report = import_feed(
        db,
        _feed(
            tmp_path,
            "renamed",
            documents=[renamed, AGREEMENT],
            files={"letters/rent-2026.pdf": pdf(), "agreement.pdf": pdf("B")},
        ),
        now=NOW,
    )
    assert report.ok, report.render()
    assert report.files["documents.csv"].updated == 2
    docs = _documents(db)
    assert docs["DOC-1"].title == "Your new rent" and docs["DOC-1"].data == pdf()
    assert docs["DOC-2"].data == pdf("B") and docs["DOC-2"].sha256 == hashlib.sha256(pdf("B")).hexdigest()
    assert docs["DOC-2"].size_bytes == len(pdf("B"))


def test_a_feed_in_a_zip_finds_the_pdfs_beside_its_documents_file(db, tmp_path):
    folder = _feed(tmp_path)
    archive = tmp_path / "feed.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                z.write(path, f"northbrook/{path.relative_to(folder).as_posix()}")
    report = import_feed(db, archive, now=NOW)
    assert report.ok, report.render()
    assert _documents(db)["DOC-1"].data == pdf()


def test_a_letter_for_one_person_is_kept_for_that_person(db, tmp_path):
    report = import_feed(db, _feed(tmp_path, documents=[{**LETTER, "person_ref": "A2"}]), now=NOW)
    assert report.ok, report.render()
    with Session(db) as s:
        doc = s.exec(select(ResidentDocument)).one()
        assert doc.person_id is not None


@pytest.mark.parametrize(
    "row,files,expected",
    [
        ({"file": "letters/rent-2026.pdf"}, {"letters/rent-2026.pdf": b"<html>not a pdf</html>"}, "is not a PDF"),
        ({"file": "letters/missing.pdf"}, {}, "there is no file 'letters/missing.pdf' in the feed"),
        ({"file": "../outside.pdf"}, {}, "is not a path inside the feed's folder"),
        ({"file": "/etc/passwd"}, {}, "is not a path inside the feed's folder"),
        ({"kind": "postcard"}, None, "'postcard' is not one of: tenancy_agreement, letter"),
        ({"issued_on": "2026-02-30"}, None, "is not a real date"),
        ({"title": ""}, None, "a value is required"),
        ({"tenancy_ref": "TEN9"}, None, "'TEN9' is not in tenancies.csv of this feed nor in the database"),
        ({"tenancy_ref": "TEN2", "person_ref": "A2"}, None, "'A2' is not on tenancy 'TEN2'"),
    ],
)
def test_a_bad_document_row_rejects_the_feed_naming_the_line_and_column_and_writes_nothing(
    db, tmp_path, row, files, expected
):
    before = snapshot(db)
    report = import_feed(db, _feed(tmp_path, documents=[{**LETTER, **row}], files=files), now=NOW)
    assert not report.ok
    assert any(e.startswith("documents.csv:2:") and expected in e for e in report.errors), report.errors
    assert snapshot(db) == before and _documents(db) == {}


def test_a_pdf_larger_than_the_limit_is_refused(db, tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "DOCUMENT_MAX_BYTES", 20)
    report = import_feed(db, _feed(tmp_path, documents=[LETTER]), now=NOW)
    assert not report.ok
    assert [e for e in report.errors if e.startswith("documents.csv:2:file: 'letters/rent-2026.pdf' is larger than")]
    assert _documents(db) == {}


def test_a_transfer_application_is_kept_and_a_new_status_updates_it(db, tmp_path):
    report = import_feed(db, write_feed(tmp_path / "feed", good_feed(transfer_applications=[TRANSFER])), now=NOW)
    assert report.ok, report.render()
    with Session(db) as s:
        app = s.exec(select(TransferApplication)).one()
        assert (app.band, app.effective_date, app.status, app.bedrooms_needed, app.updated_on) == (
            "Band B",
            date(2025, 9, 1),
            "active",
            3,
            date(2026, 10, 12),
        )
    same = import_feed(db, write_feed(tmp_path / "same", good_feed(transfer_applications=[TRANSFER])), now=NOW)
    assert same.files["transfer_applications.csv"].unchanged == 1
    housed = {**TRANSFER, "status": "housed"}
    moved = import_feed(db, write_feed(tmp_path / "moved", good_feed(transfer_applications=[housed])), now=NOW)
    assert moved.files["transfer_applications.csv"].updated == 1
    with Session(db) as s:
        assert s.exec(select(TransferApplication)).one().status == "housed"


@pytest.mark.parametrize(
    "row,column,expected",
    [
        ({"status": "pending"}, "status", "'pending' is not one of: active, suspended, closed, housed"),
        ({"band": ""}, "band", "a value is required"),
        ({"effective_date": "1 Sept 2025"}, "effective_date", "is not a date in the form YYYY-MM-DD"),
        ({"bedrooms_needed": "lots"}, "bedrooms_needed", "is not a number of bedrooms"),
        ({"tenancy_ref": "TEN404"}, "tenancy_ref", "'TEN404' is not in tenancies.csv"),
    ],
)
def test_a_bad_transfer_application_rejects_the_feed(db, tmp_path, row, column, expected):
    before = snapshot(db)
    report = import_feed(
        db, write_feed(tmp_path / "feed", good_feed(transfer_applications=[{**TRANSFER, **row}])), now=NOW
    )
    assert not report.ok
    assert any(e.startswith(f"transfer_applications.csv:2:{column}:") and expected in e for e in report.errors), (
        report.errors
    )
    assert snapshot(db) == before


def _tenancies(**extra: str) -> list[dict[str, str]]:
    rows = [dict(r) for r in GOOD["tenancies.csv"]]
    for row in rows:
        row.update({"leasehold_officer_ref": "", "notice_end_day": ""})
    rows[0].update(extra)
    return rows


def _officers() -> list[dict[str, str]]:
    lease = {"officer_ref": "O2", "name": "Judith Rowe", "role": "leasehold_officer", "email": "judith@example.org"}
    return [dict(GOOD["officers.csv"][0]), {**lease, "phone": ""}]


def test_a_tenancy_s_leasehold_officer_and_notice_day_are_kept(db, tmp_path):
    files = good_feed(tenancies=_tenancies(leasehold_officer_ref="O2", notice_end_day="Monday"), officers=_officers())
    report = import_feed(db, write_feed(tmp_path / "feed", files), now=NOW)
    assert report.ok, report.render()
    with Session(db) as s:
        tenancy = s.exec(select(Tenancy).where(Tenancy.tenancy_ref == "TEN1")).one()
        other = s.exec(select(Tenancy).where(Tenancy.tenancy_ref == "TEN2")).one()
        assert s.get(Officer, tenancy.leasehold_officer_id).name == "Judith Rowe"
        assert (tenancy.notice_end_day, other.notice_end_day, other.leasehold_officer_id) == ("monday", None, None)


@pytest.mark.parametrize(
    "extra,column,expected",
    [
        ({"notice_end_day": "friday"}, "notice_end_day", "'friday' is not one of: monday, sunday, period_end, any_day"),
        ({"leasehold_officer_ref": "O9"}, "leasehold_officer_ref", "'O9' is not in officers.csv"),
    ],
)
def test_a_bad_notice_day_or_leasehold_officer_rejects_the_feed(db, tmp_path, extra, column, expected):
    files = good_feed(tenancies=_tenancies(**extra), officers=_officers())
    report = import_feed(db, write_feed(tmp_path / "feed", files), now=NOW)
    assert not report.ok
    assert any(e.startswith(f"tenancies.csv:2:{column}:") and expected in e for e in report.errors), report.errors
    assert snapshot(db)["tenancy"] == []


def test_the_demo_landlord_sends_letters_as_real_pdfs_and_a_transfer_application(db, tmp_path):
    import io

    from pypdf import PdfReader

    from portal_app.services.records.demo_feed import write_demo_feed

    write_demo_feed(tmp_path / "demo", tenancies=20)
    report = import_feed(db, tmp_path / "demo", now=NOW)
    assert report.ok, report.render()
    docs = _documents(db)
    assert {"DOC-TEN100002-AGREEMENT", "DOC-TEN100002-UC", "DOC-SC100005-AGREEMENT"} <= set(docs)
    assert {d.kind for d in docs.values()} == {"tenancy_agreement", "letter", "statement"}
    text = PdfReader(io.BytesIO(docs["DOC-TEN100002-AGREEMENT"].data)).pages[0].extract_text()
    assert "Your tenancy agreement" in text and "Tomasz Nowak and Agnieszka Nowak" in text
    assert docs["DOC-TEN100002-UC"].person_id is not None
    with Session(db) as s:
        [app] = s.exec(select(TransferApplication)).all()
        lease = s.exec(select(Tenancy).where(Tenancy.tenancy_ref == "SC100005")).one()
        assert app.band == "Band C" and lease.leasehold_officer_id is not None
