"""A repair's photo reaches only those who may see it (api/repair_photos.py,
services/repairs/photo_store.py): the resident whose draft it is, the residents of the home
whose repair it is attached to, and staff whose role sees repairs; another resident, a
stranger and a guessed key get the same 404, and nothing is kept in a cache."""

from __future__ import annotations

import io
from datetime import timedelta
from types import SimpleNamespace

import pytest
from PIL import Image
from sqlmodel import Session, select
from starlette.testclient import TestClient

from portal_app.api.http import api_app
from portal_app.clock import utcnow
from portal_app.models import RepairPhoto
from portal_app.services.identity import auth
from portal_app.services.repairs import photo_store, photos, reporting
from portal_app.services.staff import sessions as staff_sessions
from portal_app.settings import get_settings
from tests.factories import PASSWORD, make_resident, make_staff
from tests.unit.repairs.test_reporting import _form


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def world(db):
    now = utcnow()
    with Session(db, expire_on_commit=False) as s:
        ann = make_resident(s, email="ann@example.org", ref="PHRENT1")
        make_resident(s, email="bea@example.org", first="Bea", ref="PHRENT2")
        officer = make_staff(s, "housing_officer")
        income = make_staff(s, "income_officer")
        s.commit()
        tokens = {
            name: auth.sign_in(s, email, PASSWORD, client="test", client_ip="198.51.100.1", now=now).token
            for name, email in (("ann", "ann@example.org"), ("bea", "bea@example.org"))
        }
        staff = {
            "officer": staff_sessions.start(s, officer.id, now=now),
            "income": staff_sessions.start(s, income.id, now=now),
        }
        s.commit()
    ann_caller = SimpleNamespace(user_id=ann.user.id, person_id=ann.person.id, tenancy_id=ann.tenancy.id)
    cleaned = photos.clean(_jpeg(), filename="tap.jpg")
    with Session(db) as s:
        draft = photo_store.add_draft(s, ann.user.id, cleaned, "tap.jpg", now=now)
        attached = photo_store.add_draft(s, ann.user.id, cleaned, "tap-2.jpg", now=now)
        s.commit()
    with Session(db) as s:
        reporting.report(s, ann_caller, _form(), photo_keys=[attached.key], now=now, settings=get_settings())
        s.commit()
    return SimpleNamespace(tokens=tokens, staff=staff, draft=draft.key, attached=attached.key)


def _get(key: str, *, resident: str | None = None, staff: str | None = None, small: bool = False):
    cookies = {}
    if resident:
        cookies["doorstep_session"] = resident
    if staff:
        cookies["doorstep_staff"] = staff
    client = TestClient(api_app(), cookies=cookies or None)
    return client.get(f"/api/repair-photo/{key}" + ("?size=small" if small else ""))


def test_the_resident_sees_her_draft_and_her_homes_repair_photo_and_nothing_is_cached(world):
    for key in (world.draft, world.attached):
        answer = _get(key, resident=world.tokens["ann"])
        assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"
        assert answer.headers["cache-control"] == "no-store" and answer.content.startswith(b"\xff\xd8")
    small = _get(world.attached, resident=world.tokens["ann"], small=True)
    assert small.status_code == 200 and len(small.content) > 0


def test_another_resident_a_stranger_and_a_guessed_key_all_get_the_same_not_found(world):
    for key, resident in (
        (world.attached, world.tokens["bea"]),
        (world.draft, world.tokens["bea"]),
        (world.attached, None),
        ("guessed-key", world.tokens["ann"]),
    ):
        answer = _get(key, resident=resident)
        assert answer.status_code == 404 and answer.text == "Not found"


def test_staff_who_see_repairs_may_fetch_a_photo_and_the_income_officer_may_not_unless_they_see_residents(world):
    assert _get(world.attached, staff=world.staff["officer"]).status_code == 200
    # The income officer may look residents up (view_resident), so may see what a resident sent.
    assert _get(world.attached, staff=world.staff["income"]).status_code == 200
    assert _get(world.attached, staff="not-a-session").status_code == 404


def test_a_draft_never_sent_is_deleted_after_a_day(db, world):
    with Session(db) as s:
        gone = photo_store.delete_old_drafts(s, now=utcnow() + timedelta(days=1, minutes=1))
        s.commit()
        left = s.exec(select(RepairPhoto.key)).all()
    assert gone == 1 and left == [world.attached]
