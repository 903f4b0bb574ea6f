"""The landlord's data feed uploaded in the back office (issue 12 section 7): a good feed is
imported and reported file by file, a rejected feed changes nothing and says why, and the
history of imports lists when, who, which file and the result."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
import reflex as rx
from sqlmodel import Session, select

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app.clock import utcnow
from portal_app.models import AuditEvent, ImportRun, Property
from portal_app.pages.staff.imports import ImportsState
from portal_app.services import roles
from portal_app.services.audit import StaffActor
from portal_app.services.staff import imports
from portal_app.services.staff import sessions as staff_sessions
from portal_app.settings import load_settings
from tests.browsers import connect
from tests.factories import make_staff
from tests.security.handlers import run
from tests.unit.records.test_importer import GOOD, good_feed, snapshot, write_feed

NOW = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)


def _zip_bytes(tmp_path: Path, files, name="northbrook") -> bytes:
    folder = write_feed(tmp_path / name, files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.iterdir()):
            z.write(path, f"{name}/{path.name}")
    return out.getvalue()


def _bad_feed():
    homes = [dict(row) for row in GOOD["properties.csv"]]
    homes[1]["postcode"] = "NOT A POSTCODE"
    return good_feed(properties=homes)


def _upload(db, tmp_path, files, *, file_name="northbrook-2026-11-22.zip", actor=None):
    saved = imports.save_upload(io.BytesIO(_zip_bytes(tmp_path, files)), file_name)
    try:
        with Session(db, expire_on_commit=False) as s:
            result = imports.run_upload(s, saved, actor=actor, now=NOW)
            s.commit()
    finally:
        imports.discard(saved)
    assert not saved.folder.exists()  # the private copy (residents' details) is gone
    return result


def _admin(db) -> StaffActor:
    with Session(db, expire_on_commit=False) as s:
        member = make_staff(s, roles.ADMINISTRATOR, name="Alex Morgan")
        s.commit()
    return StaffActor(staff_id=member.id, name="Alex Morgan", client_ip="10.20.0.15")


def test_a_good_feed_is_imported_and_reported_file_by_file_with_who_uploaded_it(db, tmp_path):
    actor = _admin(db)
    result = _upload(db, tmp_path, GOOD, actor=actor)
    assert result.ok and result.errors == ()
    assert result.headline.startswith("Imported northbrook-2026-11-22.zip in ")
    by_file = {line.file: line for line in result.files}
    assert (by_file["properties.csv"].read, by_file["properties.csv"].added) == (2, 2)
    assert by_file["transactions.csv"].added == 3
    with Session(db) as s:
        run_row = s.exec(select(ImportRun)).one()
        assert (run_row.ok, run_row.staff_id, run_row.source) == (True, actor.staff_id, "northbrook-2026-11-22.zip")
        line = s.exec(select(AuditEvent).where(AuditEvent.action == "records_imported")).one()
        assert (line.actor_label, line.target) == ("Alex Morgan", "northbrook-2026-11-22.zip")
        assert len(s.exec(select(Property)).all()) == 2


def test_a_rejected_feed_changes_nothing_and_says_which_file_line_and_column(db, tmp_path):
    actor = _admin(db)
    _upload(db, tmp_path / "first", GOOD, actor=actor)
    before = {name: rows for name, rows in snapshot(db).items() if name != "import_run"}
    changed = good_feed()
    changed["properties.csv"][0]["address_line_1"] = "Flat 1A"  # would be an update...
    homes = changed["properties.csv"]
    homes[1]["postcode"] = "NOT A POSTCODE"  # ...but another row is bad, so nothing is written
    result = _upload(db, tmp_path / "second", changed, actor=actor)
    assert not result.ok
    assert result.headline.startswith("Rejected northbrook-2026-11-22.zip: 1 error.")
    assert result.errors == ("properties.csv:3:postcode: 'NOT A POSTCODE' is not a UK postcode",)
    after = {name: rows for name, rows in snapshot(db).items() if name != "import_run"}
    assert after == before
    with Session(db) as s:
        runs = s.exec(select(ImportRun).order_by(ImportRun.id)).all()
        assert [(r.ok, r.staff_id) for r in runs] == [(True, actor.staff_id), (False, actor.staff_id)]
        rejected = s.exec(select(AuditEvent).where(AuditEvent.action == "records_import_rejected")).one()
        assert '"errors": 1' in rejected.detail


def test_the_history_lists_imports_newest_first_with_who_and_the_result(db, tmp_path):
    actor = _admin(db)
    _upload(db, tmp_path / "a", GOOD, actor=actor, file_name="monday.zip")
    _upload(db, tmp_path / "b", _bad_feed(), actor=actor, file_name="tuesday.zip")
    with Session(db) as s:
        rows = imports.history(s)
    assert [(r.file_name, r.ok, r.who) for r in rows] == [
        ("tuesday.zip", False, "Alex Morgan"),
        ("monday.zip", True, "Alex Morgan"),
    ]
    assert rows[0].summary.startswith("Rejected tuesday.zip: 1 error.")


@pytest.mark.parametrize(
    ("content", "name", "problem"),
    [
        (b"property_ref,town\n", "feed.csv", "The feed must be a .zip file of the CSV files"),
        (b"", "feed.zip", "The file is empty"),
        (b"this is not a zip at all", "feed.zip", "The file is not a .zip file that can be opened"),
    ],
)
def test_a_file_that_is_not_a_zip_feed_is_refused_before_anything_runs(db, content, name, problem):
    with pytest.raises(imports.UploadRefused, match=problem):
        imports.save_upload(io.BytesIO(content), name)


def test_a_file_over_the_size_limit_is_refused(tmp_path):
    settings = load_settings({"PORTAL_DATA_DIR": str(tmp_path), "IMPORT_MAX_MB": "1"})
    with pytest.raises(imports.UploadRefused, match="larger than 1 MB"):
        imports.save_upload(io.BytesIO(b"x" * (1024 * 1024 + 1)), "big.zip", settings=settings)


def test_a_zip_that_unpacks_to_far_more_than_the_limit_is_refused(tmp_path):
    settings = load_settings({"PORTAL_DATA_DIR": str(tmp_path), "IMPORT_MAX_MB": "1"})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("feed/transactions.csv", b"0" * (21 * 1024 * 1024))
    with pytest.raises(imports.UploadRefused, match="unpacks to more than 20 MB"):
        imports.save_upload(io.BytesIO(out.getvalue()), "bomb.zip", settings=settings)


# --- the page's handler ---------------------------------------------------------------------


def _imports_state(db, role):
    with Session(db, expire_on_commit=False) as s:
        member = make_staff(s, role, name="Alex Morgan")
        token = staff_sessions.start(s, member.id, now=utcnow())
        s.commit()
    root = rx.State(_reflex_internal_init=True)
    connect(root, path="/staff/imports", staff=token)
    state = root
    for name in ImportsState.get_full_name().split(".")[1:]:
        state = state.substates[name]
    return state


def _file(content: bytes, name: str) -> rx.UploadFile:
    return rx.UploadFile(file=io.BytesIO(content), path=Path(name), size=len(content))


def test_an_administrator_uploads_a_feed_on_the_page_and_sees_the_report_and_the_history(db, tmp_path):
    state = _imports_state(db, roles.ADMINISTRATOR)
    run(ImportsState.event_handlers["load"].fn(state))
    assert state.history == []
    run(ImportsState.event_handlers["upload"].fn(state, [_file(_zip_bytes(tmp_path, _bad_feed()), "bad.zip")]))
    assert state.has_result and not state.result_ok and state.busy is False
    assert state.problems == ["properties.csv:3:postcode: 'NOT A POSTCODE' is not a UK postcode"]
    run(ImportsState.event_handlers["upload"].fn(state, [_file(_zip_bytes(tmp_path / "g", GOOD), "good.zip")]))
    assert state.result_ok and {f["file"] for f in state.files} >= {"properties.csv", "transactions.csv"}
    assert [(h["file_name"], h["result"]) for h in state.history] == [
        ("good.zip", "Imported"),
        ("bad.zip", "Rejected: nothing changed"),
    ]


def test_a_hostile_upload_argument_is_an_empty_choice_and_an_officer_without_the_permission_is_refused(db, tmp_path):
    state = _imports_state(db, roles.ADMINISTRATOR)
    run(ImportsState.event_handlers["upload"].fn(state, [{"name": "x.zip"}]))
    assert state.error == "Choose one .zip file of the landlord's data feed"
    officer = _imports_state(db, roles.INCOME_OFFICER)
    result = run(ImportsState.event_handlers["upload"].fn(officer, [_file(_zip_bytes(tmp_path, GOOD), "good.zip")]))
    assert "/staff/not-allowed" in str(result)
    with Session(db) as s:
        assert s.exec(select(ImportRun)).all() == [] and s.exec(select(Property)).all() == []


def test_an_upload_body_larger_than_the_limit_is_refused_before_reflex_spools_it(db):
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from portal_app.api.http import upload_size_cap
    from portal_app.settings import get_settings

    async def upload(request):
        body = await request.body()
        return PlainTextResponse(f"got {len(body)}")

    client = TestClient(upload_size_cap(Starlette(routes=[Route("/_upload", upload, methods=["POST"])])))
    too_big = get_settings().import_max_mb * 1024 * 1024 + 2 * 1024 * 1024
    refused = client.post("/_upload", content=b"x", headers={"content-length": str(too_big)})
    assert refused.status_code == 413
    assert client.post("/_upload", content=b"small").text == "got 5"
