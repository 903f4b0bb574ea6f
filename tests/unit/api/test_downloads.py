"""Statement downloads: the HTTP routes check the ticket, the browser's own live session cookie and ownership."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session
from starlette.testclient import TestClient

from portal_app.api.http import api_app
from portal_app.clock import utcnow
from portal_app.services.identity import auth, sessions, tickets
from tests.factories import PASSWORD


def _ticket_for(b: dict, account_id: int, kind: str = "statement_csv", session_id: int | None = None) -> str:
    from datetime import date

    return tickets.issue(
        session_id=session_id or b["session_id"],
        user_id=b["user"].id,
        account_id=account_id,
        kind=kind,
        date_from=date(2026, 1, 1),
        date_to=date(2026, 11, 22),
        now=utcnow(),
    )


def _b_with_session(db, b: dict) -> dict:
    with Session(db) as s:
        b["session_id"] = sessions.resolve_session(s, b["token"], now=utcnow()).session_id
        s.commit()
    return b


def _browser(token: str | None) -> TestClient:
    """A browser holding this session cookie (plain http: the cookie without __Host-)."""
    return TestClient(api_app(), cookies={"doorstep_session": token} if token else None)


def test_a_resident_downloads_their_own_statement_as_csv_and_pdf_marked_no_store(db, two_residents):
    a, b = two_residents
    b = _b_with_session(db, b)
    client = _browser(b["token"])
    response = client.get(f"/api/statement.csv?ticket={_ticket_for(b, b['account'].id)}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert any("Card payment from Bartholomew" in " ".join(r) for r in rows)
    pdf = client.get(f"/api/statement.pdf?ticket={_ticket_for(b, b['account'].id, 'statement_pdf')}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_copy_kept_on_the_device_is_one_html_page_shown_not_downloaded_and_no_store(db, two_residents):
    a, b = two_residents
    b = _b_with_session(db, b)
    client = _browser(b["token"])
    response = client.get(f"/api/statement.html?ticket={_ticket_for(b, b['account'].id, 'statement_html')}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-disposition"].startswith("inline")
    assert "Card payment from Bartholomew" in response.text
    assert "<script" not in response.text and "src=" not in response.text  # nothing to fetch offline
    refused = client.get(f"/api/statement.html?ticket={_ticket_for(b, a['account'].id, 'statement_html')}")
    assert refused.status_code == 403 and a["account"].account_ref not in refused.text


def test_the_copy_kept_on_the_device_travels_compressed_to_a_browser_that_accepts_it(db, two_residents):
    # The statement page fetches this copy on its first load (assets/pwa.js saveStatement).
    a, b = two_residents
    b = _b_with_session(db, b)
    client = _browser(b["token"])
    url = f"/api/statement.html?ticket={_ticket_for(b, b['account'].id, 'statement_html')}"

    zipped = client.get(url, headers={"Accept-Encoding": "br, gzip"})
    plain = client.get(url, headers={"Accept-Encoding": "identity"})

    assert zipped.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in zipped.headers["vary"].lower()
    assert int(zipped.headers["content-length"]) < len(plain.content) / 2
    assert zipped.text == plain.text and "Card payment from Bartholomew" in zipped.text
    assert "content-encoding" not in plain.headers


def test_a_ticket_naming_another_residents_account_is_refused(db, two_residents):
    a, b = two_residents
    b = _b_with_session(db, b)
    client = _browser(b["token"])
    for kind, path in (
        ("statement_csv", "statement.csv"),
        ("statement_pdf", "statement.pdf"),
        ("uc_letter_pdf", "uc-rent-statement.pdf"),
        ("statement_html", "statement.html"),
    ):
        response = client.get(f"/api/{path}?ticket={_ticket_for(b, a['account'].id, kind)}")
        assert response.status_code == 403
        assert b"Annabel" not in response.content and a["account"].account_ref.encode() not in response.content


def test_no_ticket_a_forged_ticket_and_the_wrong_kind_are_refused_alike(db, two_residents):
    a, b = two_residents
    b = _b_with_session(db, b)
    client = _browser(b["token"])
    assert client.get("/api/statement.csv").status_code == 403
    assert client.get("/api/statement.csv?ticket=abc.def").status_code == 403
    pdf_ticket = _ticket_for(b, b["account"].id, "statement_pdf")
    assert client.get(f"/api/statement.csv?ticket={pdf_ticket}").status_code == 403


def test_after_sign_out_the_ticket_no_longer_works(db, two_residents):
    a, b = two_residents
    b = _b_with_session(db, b)
    ticket = _ticket_for(b, b["account"].id)
    with Session(db) as s:
        sessions.sign_out(s, b["token"], now=utcnow())
        s.commit()
    assert _browser(b["token"]).get(f"/api/statement.csv?ticket={ticket}").status_code == 403


def test_a_ticket_for_someone_elses_session_is_refused(db, two_residents):
    a, b = two_residents
    b = _b_with_session(db, b)
    with Session(db) as s:
        other = auth.sign_in(s, "annabel@example.org", PASSWORD, client="t", client_ip="192.0.2.10", now=utcnow())
        s.commit()
        a_session = sessions.resolve_session(s, other.token, now=utcnow()).session_id
        s.commit()
    ticket = _ticket_for(b, b["account"].id, session_id=a_session)  # B's user with A's session
    assert _browser(b["token"]).get(f"/api/statement.csv?ticket={ticket}").status_code == 403
    assert _browser(other.token).get(f"/api/statement.csv?ticket={ticket}").status_code == 403


def test_a_download_link_copied_to_another_browser_is_refused_there(db, two_residents):
    a, b = two_residents
    b = _b_with_session(db, b)
    ticket = _ticket_for(b, b["account"].id)
    assert _browser(b["token"]).get(f"/api/statement.csv?ticket={ticket}").status_code == 200
    # Another browser: no cookie at all, or B's own other sign-in (another session).
    assert _browser(None).get(f"/api/statement.csv?ticket={ticket}").status_code == 403
    with Session(db) as s:
        elsewhere = auth.sign_in(s, "bart@example.org", PASSWORD, client="phone", client_ip="192.0.2.10", now=utcnow())
        s.commit()
    assert _browser(elsewhere.token).get(f"/api/statement.csv?ticket={ticket}").status_code == 403


def test_over_https_only_the_host_prefixed_cookie_counts(db, two_residents):
    a, b = two_residents
    b = _b_with_session(db, b)
    ticket = _ticket_for(b, b["account"].id)
    secure = TestClient(api_app(), base_url="https://portal.example")
    secure.cookies.set("doorstep_session", b["token"])  # a cookie a sibling host could plant
    assert secure.get(f"/api/statement.csv?ticket={ticket}").status_code == 403
    secure.cookies.clear()
    secure.cookies.set("__Host-doorstep_session", b["token"])
    assert secure.get(f"/api/statement.csv?ticket={ticket}").status_code == 200
