"""Evidence sent with a household change (services/tenancy/evidence.py, api/request_evidence.py,
pages/tenancy/household.py): a photo is cleaned as repair photos are (its location gone), a
PDF is kept exactly as sent unless it could run something, at most 3 files, drafts attached
when the request is sent and deleted a day on if never sent; only the resident who sent a
file and staff who manage requests can fetch it, every handler refuses another resident's."""

from __future__ import annotations

import io
import json
import zlib
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import reflex as rx
from fpdf import FPDF
from PIL import ExifTags, Image
from sqlmodel import Session, select
from starlette.testclient import TestClient

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app import worker
from portal_app.api.http import api_app
from portal_app.clock import utcnow
from portal_app.models import RequestEvidence
from portal_app.pages.tenancy.household import HouseholdState
from portal_app.services.identity import auth
from portal_app.services.staff import sessions as staff_sessions
from portal_app.services.tenancy import evidence, household
from tests.browsers import connect
from tests.factories import PASSWORD, make_party, make_person, make_resident, make_staff
from tests.security.handlers import run


def _photo_with_location() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Acme Phones"
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 30.0, 12.0),
        ExifTags.GPS.GPSLongitudeRef: "W",
        ExifTags.GPS.GPSLongitude: (0.0, 7.0, 39.0),
    }
    out = io.BytesIO()
    Image.new("RGB", (80, 60), (20, 120, 200)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _pdf() -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text="Certificate of birth")
    return bytes(doc.output())


def _pdf_with(extra: bytes) -> bytes:
    return b"%PDF-1.7\n1 0 obj << /Type /Catalog " + extra + b" >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_photo_is_cleaned_like_a_repair_photo_and_its_location_is_gone():
    sent = _photo_with_location()
    assert Image.open(io.BytesIO(sent)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # it had a location

    kept = evidence.clean(sent, filename="certificate.jpg")

    assert isinstance(kept, evidence.CheckedFile) and kept.content_type == "image/jpeg"
    again = Image.open(io.BytesIO(kept.data))
    assert dict(again.getexif()) == {} and not again.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"Acme Phones" not in kept.data


def test_a_pdf_is_kept_exactly_as_it_was_sent():
    sent = _pdf()

    kept = evidence.clean(sent, filename="birth-certificate.pdf")

    assert isinstance(kept, evidence.CheckedFile)
    assert (kept.content_type, kept.data) == ("application/pdf", sent)


@pytest.mark.parametrize(
    "data,code",
    [
        (b"This is a letter, not a PDF", "not_allowed"),  # a text file renamed .pdf
        (b"MZ\x90\x00 a program", "not_allowed"),
        (b"", "empty"),
        (b"%PDF-1.7\n1 0 obj << >> endobj\n", "unreadable"),  # cut off: no %%EOF
        (_pdf_with(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "unsafe_pdf"),
        (_pdf_with(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert(1)) >>"), "unsafe_pdf"),  # escaped names
        (_pdf_with(b"/OpenAction << /S /Launch /F (calc.exe) >>"), "unsafe_pdf"),
        (_pdf_with(b"/Names << /EmbeddedFiles << >> >> /EmbeddedFile 2 0 R"), "unsafe_pdf"),
        (_pdf_with(b">> endobj\ntrailer << /Encrypt 3 0 R"), "encrypted_pdf"),
    ],
)
def test_a_file_that_is_not_a_safe_pdf_or_a_photo_is_refused_whatever_its_name(data, code):
    refused = evidence.clean(data, filename="certificate.pdf")

    assert isinstance(refused, evidence.FileProblem) and refused.code == code
    assert refused.message.startswith("certificate.pdf") or code == "empty"


def test_javascript_hidden_in_a_compressed_object_stream_is_found_and_refused():
    hidden = zlib.compress(b"2 0 << /S /JavaScript /JS (app.alert(1)) >>")
    data = (
        b"%PDF-1.7\n1 0 obj << /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
        + str(len(hidden)).encode()
        + b" >>\nstream\n"
        + hidden
        + b"\nendstream\nendobj\ntrailer << >>\n%%EOF\n"
    )

    refused = evidence.clean(data, filename="form.pdf")

    assert isinstance(refused, evidence.FileProblem) and refused.code == "unsafe_pdf"


def test_a_file_over_ten_megabytes_is_refused_before_it_is_read():
    refused = evidence.clean(b"%PDF-" + b"0" * evidence.MAX_BYTES, filename="big.pdf")

    assert refused.code == "too_big" and "smaller than 10 MB" in refused.message


# ---------------------------------------------------------------------------
# Drafts, the route and the job


@pytest.fixture
def world(db):
    now = utcnow()
    with Session(db, expire_on_commit=False) as s:
        ann = make_resident(s, email="ann@example.org", ref="EVRENT1")
        make_party(s, ann.tenancy, make_person(s, "Cal", "Lee"), "household_member")
        make_resident(s, email="bea@example.org", first="Bea", ref="EVRENT2")
        officer = make_staff(s, "housing_officer")
        repairs = make_staff(s, "repairs_officer")
        s.commit()
        tokens = {
            name: auth.sign_in(s, email, PASSWORD, client="test", client_ip="198.51.100.1", now=now).token
            for name, email in (("ann", "ann@example.org"), ("bea", "bea@example.org"))
        }
        staff = {
            "officer": staff_sessions.start(s, officer.id, now=now),
            "repairs": staff_sessions.start(s, repairs.id, now=now),
        }
        s.commit()
        draft = evidence.add_draft(s, ann.user.id, evidence.clean(_pdf()), "birth-certificate.pdf", now=now)
        photo = evidence.add_draft(s, ann.user.id, evidence.clean(_photo_with_location()), "cert.jpg", now=now)
        s.commit()
    return SimpleNamespace(
        ann=SimpleNamespace(**ann.principal), tokens=tokens, staff=staff, draft=draft.key, photo=photo.key, now=now
    )


def _get(key: str, *, resident: str | None = None, staff: str | None = None):
    cookies = {}
    if resident:
        cookies["doorstep_session"] = resident
    if staff:
        cookies["doorstep_staff"] = staff
    return TestClient(api_app(), cookies=cookies or None).get(f"/api/evidence/{key}")


def test_the_resident_who_sent_a_file_can_open_it_never_from_a_cache_and_never_sniffed(world):
    answer = _get(world.draft, resident=world.tokens["ann"])

    assert answer.status_code == 200 and answer.content == _pdf()
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"].startswith('attachment; filename="birth-certificate.pdf"')
    photo = _get(world.photo, resident=world.tokens["ann"])
    assert photo.headers["content-type"] == "image/jpeg" and photo.headers["content-disposition"].startswith("inline")


def test_another_resident_a_stranger_and_a_guessed_key_all_get_the_same_not_found(world):
    for key, resident in ((world.draft, world.tokens["bea"]), (world.draft, None), ("guessed", world.tokens["ann"])):
        answer = _get(key, resident=resident)
        assert (answer.status_code, answer.text) == (404, "Not found")


def test_staff_who_manage_requests_may_open_it_and_a_repairs_officer_may_not(world):
    assert _get(world.draft, staff=world.staff["officer"]).status_code == 200
    assert _get(world.draft, staff=world.staff["repairs"]).status_code == 404
    assert _get(world.draft, staff="not-a-session").status_code == 404


def test_a_fourth_file_is_refused(db, world):
    with Session(db) as s:
        third = evidence.add_draft(s, world.ann.user_id, evidence.clean(_pdf()), "three.pdf", now=world.now)
        fourth = evidence.add_draft(s, world.ann.user_id, evidence.clean(_pdf()), "four.pdf", now=world.now)
        s.commit()
        kept = evidence.drafts(s, world.ann.user_id, now=world.now)

    assert isinstance(third, evidence.Draft)
    assert fourth == "You can add up to 3 files. Remove one to add a different one"
    assert [d.name for d in kept] == ["birth-certificate.pdf", "cert.jpg", "three.pdf"]


def test_a_draft_older_than_a_day_is_deleted_by_the_tidy_evidence_job_and_a_sent_one_is_kept(db, world):
    with Session(db) as s:
        done = household.tell_us(
            s,
            world.ann,
            household.BIRTH,
            {"baby_name": "Ada Lee", "baby_dob_day": "1", "baby_dob_month": "12", "baby_dob_year": "2026"},
            now=world.now,
        )
        s.commit()
    assert done.ok and done.evidence_count == 2
    with Session(db) as s:
        left = evidence.add_draft(s, world.ann.user_id, evidence.clean(_pdf()), "left.pdf", now=world.now)
        s.commit()

    job = worker.job_named("tenancy.tidy_evidence")
    assert job.every == timedelta(hours=1)
    assert job.run(engine=db, now=world.now + timedelta(hours=23)) == 0
    assert job.run(engine=db, now=world.now + timedelta(days=1, minutes=1)) == 1

    with Session(db) as s:
        keys = set(s.exec(select(RequestEvidence.key)).all())
    assert keys == {world.draft, world.photo} and left.key not in keys


# ---------------------------------------------------------------------------
# The page's handlers, as another resident's browser would call them


def _state(token: str) -> HouseholdState:
    root = rx.State(_reflex_internal_init=True)
    connect(root, session=token, path="/household")
    state = root
    for name in HouseholdState.get_full_name().split(".")[1:]:
        state = state.substates[name]
    return state


def _upload(name: str, content: bytes) -> rx.UploadFile:
    return rx.UploadFile(file=io.BytesIO(content), path=Path(name), size=len(content))


def test_every_household_handler_refuses_another_residents_evidence(db, world):
    bea = _state(world.tokens["bea"])
    run(HouseholdState.event_handlers["load"].fn(bea))
    assert bea.files == []  # Ann's drafts are not Bea's

    for handler, args in (
        ("remove_file", [world.draft]),
        ("remove_file", [{"key": world.draft}]),
        ("add_files", [[world.draft]]),
        ("choose", ["out_person", world.draft]),
        ("choose_change", [world.draft]),
        ("send", [{"out_person": world.draft, "key": world.draft}]),
    ):
        run(HouseholdState.event_handlers[handler].fn(bea, *args))
        assert world.draft not in json.dumps(bea.dict(), default=str)

    bea.change = household.BIRTH
    run(
        HouseholdState.event_handlers["send"].fn(
            bea, {"baby_name": "Bo", "baby_dob_day": "1", "baby_dob_month": "12", "baby_dob_year": "2026"}
        )
    )
    with Session(db) as s:
        ann_files = s.exec(select(RequestEvidence).where(RequestEvidence.user_id == world.ann.user_id)).all()
    assert sorted(f.key for f in ann_files) == sorted([world.draft, world.photo])
    assert all(f.request_id is None for f in ann_files)  # still Ann's drafts: not attached to Bea's request


def test_the_page_adds_a_pdf_shows_its_name_and_size_refuses_a_renamed_file_and_removes_it(db, world):
    ann = _state(world.tokens["ann"])
    run(HouseholdState.event_handlers["load"].fn(ann))
    assert [f["name"] for f in ann.files] == ["birth-certificate.pdf", "cert.jpg"]
    run(HouseholdState.event_handlers["remove_file"].fn(ann, world.photo))

    run(HouseholdState.event_handlers["add_files"].fn(ann, [_upload("letter.pdf", b"Dear Ann, not a PDF")]))
    assert ann.file_error == "letter.pdf is not a PDF or photo we can take. Choose a PDF, or a photo"

    run(HouseholdState.event_handlers["add_files"].fn(ann, [_upload("certificate.pdf", _pdf())]))
    assert ann.file_error == ""
    assert [(f["name"], f["size"]) for f in ann.files] == [
        ("birth-certificate.pdf", evidence.size_words(len(_pdf()))),
        ("certificate.pdf", evidence.size_words(len(_pdf()))),
    ]
    assert ann.files[1]["size"].endswith("KB")


def test_the_page_keeps_what_was_typed_and_sends_a_birth_with_its_certificate(db, world):
    ann = _state(world.tokens["ann"])
    run(HouseholdState.event_handlers["load"].fn(ann))
    run(HouseholdState.event_handlers["choose_change"].fn(ann, household.BIRTH))

    run(HouseholdState.event_handlers["send"].fn(ann, {"baby_name": "Ada Lee", "baby_dob_day": "40"}))
    assert ann.errors == {"baby_dob": "Date of birth must include a month and year"}
    assert ann.typed["baby_name"] == "Ada Lee" and ann.dates["baby_dob"]["day"] == "40"

    today = date.today()
    form = {"baby_name": "Ada Lee", "baby_dob_day": str(today.day)}
    form |= {"baby_dob_month": str(today.month), "baby_dob_year": str(today.year)}
    run(HouseholdState.event_handlers["send"].fn(ann, form))
    assert ann.step == "done" and ann.done["reference"].startswith("RQ-") and ann.files == []
    with Session(db) as s:
        assert all(f.request_id is not None for f in s.exec(select(RequestEvidence)).all())
