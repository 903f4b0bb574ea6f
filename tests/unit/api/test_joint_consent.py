"""The page a joint tenant without a portal account reaches from the emailed link
(api/joint_consent.py): it shows the question and changes nothing when opened, answers
once from its form, and says the same "no longer works" for any link that cannot answer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from portal_app.api.http import api_app, security_headers
from portal_app.clock import uk_today, utcnow
from portal_app.models import JointConsent, OutboxMessage
from portal_app.services.requests.office import update_request
from portal_app.services.requests.resident import submit_refund
from tests.factories import make_charge, make_party, make_person, make_posting, make_resident, make_staff


@pytest.fixture
def link(db):
    """Ann's refund from her joint account; Tomasz, who has no portal account, was emailed a link."""
    now = utcnow()
    with Session(db, expire_on_commit=False) as s:
        ann = make_resident(s, email="ann@example.org", first="Ann", last="Lee", ref="LRENT0042")
        tomasz = make_person(s, "Tomasz", "Nowak")
        tomasz.email = "tomasz@example.org"
        make_party(s, ann.tenancy, tomasz, "joint_tenant")
        make_charge(s, ann.account, 10_000)
        make_posting(s, ann.account, uk_today(now) - timedelta(days=7), "payment", -35_000, "Card payment")
        rachel = make_staff(s, "income_officer")
        ref = submit_refund(
            s,
            **ann.on(),
            amount="40.00",
            bank_account_name="Ann Lee",
            sort_code="123456",
            bank_account_number="12345678",
            now=now,
        ).acknowledgement.reference
        assert update_request(s, ref, status="in_progress", note="", staff_id=rachel.id, now=now).ok
        mail = s.exec(select(OutboxMessage).where(OutboxMessage.kind == "joint_consent_asked")).one()
        s.commit()
    token = re.search(r"/api/joint-consent\?token=([A-Za-z0-9_\-]+)", mail.body_text).group(1)
    return token, ref


def _client() -> TestClient:
    return TestClient(security_headers(api_app()), base_url="http://portal.example")


def _answer(db):
    with Session(db) as s:
        return s.exec(select(JointConsent)).one().answer


def test_opening_the_link_shows_the_question_and_changes_nothing(db, link):
    token, ref = link

    page = _client().get(f"/api/joint-consent?token={token}")

    assert page.status_code == 200
    assert "<h1>Do you agree to this refund?</h1>" in page.text
    assert "Ann asked for a refund of £40.00 from your joint rent account ending 0042. Do you agree?" in page.text
    assert f"Request {ref}." in page.text
    assert 'name="answer" value="agreed"' in page.text and 'name="answer" value="refused"' in page.text
    assert "12345678" not in page.text and "123456" not in page.text
    assert page.headers["cache-control"] == "no-store" and page.headers["referrer-policy"] == "no-referrer"
    assert "form-action 'self'" in page.headers["content-security-policy"]
    assert "script-src 'none'" in page.headers["content-security-policy"]
    assert (
        '<a href="/privacy">Privacy</a>' in page.text and '<a href="/cookies">Cookies</a>' in page.text
    )  # as every page
    assert _answer(db) is None
    assert _client().get(f"/api/joint-consent?token={token}").status_code == 200  # still there to answer


def test_the_form_answers_once_and_the_link_then_no_longer_works(db, link):
    token, _ref = link

    done = _client().post("/api/joint-consent", data={"token": token, "answer": "refused"})
    again = _client().post("/api/joint-consent", data={"token": token, "answer": "agreed"})
    opened = _client().get(f"/api/joint-consent?token={token}")

    assert done.status_code == 200 and "you do not agree" in done.text
    assert again.status_code == opened.status_code == 404
    assert "<h1>This link no longer works</h1>" in again.text
    assert _answer(db) == "refused"


def test_an_answer_that_is_neither_is_asked_again_and_a_wrong_link_is_told_it_does_not_work(db, link):
    token, _ref = link

    unclear = _client().post("/api/joint-consent", data={"token": token, "answer": "maybe"})
    wrong = _client().post("/api/joint-consent", data={"token": token + "x", "answer": "agreed"})
    empty = _client().get("/api/joint-consent")

    assert unclear.status_code == 400 and "Choose whether you agree to the refund" in unclear.text
    assert wrong.status_code == empty.status_code == 404
    assert _answer(db) is None
