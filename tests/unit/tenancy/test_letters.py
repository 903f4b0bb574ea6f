"""Letters and documents online (services/tenancy/letters.py, api/documents.py): the resident's
letters newest first, a letter for one person hidden from the others, the PDF downloaded only
by a resident who may see it (404 for anyone else, the same for a guess), and "You have a new
letter" emailed once for a new letter to the residents whose letters come online."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from portal_app.api.http import api_app
from portal_app.clock import utcnow
from portal_app.models import OutboxMessage, Person, PortalUser, ResidentDocument, Tenancy
from portal_app.services.identity import auth
from portal_app.services.records.importer import import_feed
from portal_app.services.tenancy import letters
from portal_app.settings import get_settings
from tests.factories import PASSWORD, make_document, make_party, make_person, make_portal_user, make_tenancy
from tests.unit.records.test_import_documents import LETTER, _feed
from tests.unit.records.test_importer import GOOD, NOW, write_feed

TODAY = date(2026, 12, 14)


@pytest.fixture
def home(db):
    with Session(db, expire_on_commit=False) as s:
        tenancy = make_tenancy(s)
        ada = make_person(s, "Ada", "Okafor")
        bea = make_person(s, "Bea", "Okafor")
        make_party(s, tenancy, ada, "lead_tenant")
        make_party(s, tenancy, bea, "joint_tenant")
        ada_user = make_portal_user(s, ada, tenancy, email="ada@example.org", paper_correspondence=False)
        bea_user = make_portal_user(s, bea, tenancy, email="bea@example.org")
        agreement = make_document(
            s, tenancy, "Your tenancy agreement", kind="tenancy_agreement", issued_on=date(2020, 4, 6)
        )
        rent = make_document(s, tenancy, "Your rent from 6 April 2026", data=b"%PDF-1.7\n" + b"x" * 3000)
        only_bea = make_document(s, tenancy, "About your housing benefit", issued_on=date(2026, 9, 1), person=bea)
        other = make_tenancy(s)
        zed = make_person(s, "Zed", "Other")
        make_party(s, other, zed)
        zed_user = make_portal_user(s, zed, other, email="zed@example.org")
        theirs = make_document(s, other, "Zed's letter")
        s.commit()
    return SimpleNamespace(
        ada=SimpleNamespace(user_id=ada_user.id, person_id=ada.id, tenancy_id=tenancy.id),
        bea=SimpleNamespace(user_id=bea_user.id, person_id=bea.id, tenancy_id=tenancy.id),
        zed=SimpleNamespace(user_id=zed_user.id, person_id=zed.id, tenancy_id=other.id),
        agreement=agreement.id,
        rent=rent.id,
        only_bea=only_bea.id,
        theirs=theirs.id,
    )


def _mine(db, caller):
    with Session(db) as s:
        return letters.my_letters(s, caller, today=TODAY, settings=get_settings())


def test_the_letters_are_listed_newest_first_with_their_kind_date_and_size(db, home):
    view = _mine(db, home.ada)
    assert [(x.title, x.kind_words, x.issued_words) for x in view.letters] == [
        ("Your rent from 6 April 2026", "Letter", "2 March 2026"),
        ("Your tenancy agreement", "Tenancy agreement", "6 April 2020"),
    ]
    assert view.letters[0].size_words == "3 KB" and view.letters[0].href == f"/api/document/{home.rent}"
    assert view.chose_online and view.home_online


def test_a_letter_for_one_joint_tenant_is_shown_to_her_and_not_to_the_other(db, home):
    assert "About your housing benefit" not in [x.title for x in _mine(db, home.ada).letters]
    bea = _mine(db, home.bea)
    assert [x.title for x in bea.letters][0] == "About your housing benefit"
    # Bea chose post, but Ada chose letters online: the home's letters come online.
    assert not bea.chose_online and bea.home_online


def test_another_household_sees_none_of_these_letters(db, home):
    assert [x.title for x in _mine(db, home.zed).letters] == ["Zed's letter"]
    assert not _mine(db, home.zed).home_online


def _tokens(db) -> dict[str, str]:
    with Session(db) as s:
        out = {
            name: auth.sign_in(
                s, f"{name}@example.org", PASSWORD, client="test", client_ip="198.51.100.1", now=utcnow()
            ).token
            for name in ("ada", "bea", "zed")
        }
        s.commit()
    return out


def _get(ref, token: str | None):
    client = TestClient(api_app(), cookies={"doorstep_session": token} if token else None)
    return client.get(f"/api/document/{ref}")


def test_the_resident_downloads_her_letter_as_a_pdf_that_nothing_keeps_a_copy_of(db, home):
    answer = _get(home.rent, _tokens(db)["ada"])
    assert answer.status_code == 200 and answer.content.startswith(b"%PDF-1.7")
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"] == 'attachment; filename="2026-03-02-your-rent-from-6-april-2026.pdf"'
    assert answer.headers["cache-control"] == "private, no-store"
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_another_resident_a_stranger_and_a_guess_all_get_the_same_404(db, home):
    tokens = _tokens(db)
    for ref, token in (
        (home.rent, tokens["zed"]),  # another household's letter
        (home.only_bea, tokens["ada"]),  # a letter for the other joint tenant
        (home.rent, None),  # no session
        (home.rent, "not-a-session"),
        (home.theirs + 1000, tokens["ada"]),  # no such letter
        ("DOC1", tokens["ada"]),  # the landlord's reference is not the download's key
    ):
        answer = _get(ref, token)
        assert answer.status_code == 404, (ref, token)
        assert answer.content == b"Not found" and answer.headers["cache-control"] == "private, no-store"
    assert _get("..%2Fetc%2Fpasswd", tokens["ada"]).status_code == 404
    assert _get(home.only_bea, tokens["bea"]).status_code == 200


def test_a_former_tenant_cannot_download_the_letters_any_more(db, home):
    with Session(db) as s:
        tenancy = s.get(Tenancy, home.ada.tenancy_id)
        tenancy.end_date = date(2026, 1, 4)
        s.add(tenancy)
        s.commit()
    assert _get(home.rent, _tokens(db)["ada"]).status_code == 404
    assert _mine(db, home.ada) is None


def test_the_tenancy_agreement_is_the_newest_of_its_kind(db, home):
    with Session(db) as s:
        found = letters.tenancy_agreement(s, home.ada, today=TODAY, settings=get_settings())
    assert found.title == "Your tenancy agreement" and found.href == f"/api/document/{home.agreement}"


def test_a_safe_file_name_is_made_of_letters_digits_and_hyphens_only():
    assert letters.safe_filename('Rent "notice"\r\n; x=../../y', date(2026, 1, 2)) == "2026-01-02-rent-notice-x-y.pdf"
    assert letters.safe_filename("!!!", date(2026, 1, 2)) == "2026-01-02-document.pdf"


# --- "You have a new letter in your portal" ---------------------------------------------------


def _residents_of_the_good_feed(db, tmp_path, *, ann_online: bool, bo_online: bool):
    assert import_feed(db, write_feed(tmp_path / "base", GOOD), now=NOW).ok
    with Session(db) as s:
        tenancy = s.exec(select(Tenancy).where(Tenancy.tenancy_ref == "TEN1")).one()
        for ref, email, online in (("A1", "ann@example.org", ann_online), ("A2", "bo@example.org", bo_online)):
            person = s.exec(select(Person).where(Person.person_ref == ref)).one()
            make_portal_user(s, person, tenancy, email=email, paper_correspondence=not online)
        s.commit()


def _letter_mail(db) -> list[OutboxMessage]:
    with Session(db) as s:
        return list(s.exec(select(OutboxMessage).where(OutboxMessage.kind == "new_letter")).all())


def test_a_new_letter_is_emailed_once_to_each_resident_when_one_of_them_chose_letters_online(db, tmp_path):
    _residents_of_the_good_feed(db, tmp_path, ann_online=True, bo_online=False)
    for_bo = {**LETTER, "document_ref": "DOC-BO", "person_ref": "A2", "title": "About your benefit"}
    files = {"letters/rent-2026.pdf": b"%PDF-1.4\n%%EOF\n"}
    report = import_feed(db, _feed(tmp_path, "letters", documents=[LETTER, for_bo], files=files), now=NOW)
    assert report.ok, report.render()

    mail = {m.to_address: m for m in _letter_mail(db)}
    assert set(mail) == {"ann@example.org", "bo@example.org"}
    assert mail["ann@example.org"].subject.startswith("You have a new letter in your portal")
    assert "You have a new letter" in mail["ann@example.org"].body_text
    assert "You have 2 new letters or documents" in mail["bo@example.org"].body_text
    for m in mail.values():
        assert "rent" not in m.body_text.lower() and "benefit" not in m.body_text.lower()
        assert "/letters" in m.body_text
    with Session(db) as s:
        docs = s.exec(select(ResidentDocument)).all()
        assert all(d.notified_at is not None for d in docs)
        # Claimed once: announcing the same letters again sends nothing more.
        assert (
            letters.announce_new_letters(s, document_ids=[d.id for d in docs], now=utcnow(), settings=get_settings())
            == 0
        )

    again = import_feed(db, _feed(tmp_path, "again", documents=[LETTER, for_bo], files=files), now=NOW)
    assert again.ok and again.files["documents.csv"].unchanged == 2
    assert len(_letter_mail(db)) == 2


def test_nobody_is_emailed_when_everyone_on_the_tenancy_chose_letters_by_post(db, tmp_path):
    _residents_of_the_good_feed(db, tmp_path, ann_online=False, bo_online=False)
    report = import_feed(
        db, _feed(tmp_path, "letters", documents=[LETTER], files={"letters/rent-2026.pdf": b"%PDF-1.4\n"}), now=NOW
    )
    assert report.ok, report.render()
    assert _letter_mail(db) == []
    with Session(db) as s:
        assert s.exec(select(ResidentDocument)).one().notified_at is not None  # decided once, at import


def test_a_closed_portal_account_is_not_emailed(db, tmp_path):
    _residents_of_the_good_feed(db, tmp_path, ann_online=True, bo_online=True)
    with Session(db) as s:
        user = s.exec(select(PortalUser).where(PortalUser.email == "bo@example.org")).one()
        user.status = "closed"
        s.add(user)
        s.commit()
    assert import_feed(
        db, _feed(tmp_path, "l", documents=[LETTER], files={"letters/rent-2026.pdf": b"%PDF-1.4\n"}), now=NOW
    ).ok
    assert [m.to_address for m in _letter_mail(db)] == ["ann@example.org"]
