"""The audit log for administrators and the data protection officer (issue 12 section 5):
search by words, who, resident, action and UK dates, newest first, a page at a time; the
CSV export through /api/staff/audit.csv checks the staff cookie and view_audit itself,
and is audited."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import reflex as rx
from sqlmodel import Session, select
from starlette.testclient import TestClient

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app import routes
from portal_app.api.http import api_app
from portal_app.clock import utcnow
from portal_app.models import AuditEvent
from portal_app.pages.staff.audit import AuditState
from portal_app.services import audit, roles
from portal_app.services.audit import StaffActor
from portal_app.services.identity import sessions as resident_sessions
from portal_app.services.staff import audit_search
from portal_app.services.staff import sessions as staff_sessions
from tests.browsers import connect
from tests.factories import make_staff, make_user
from tests.security.handlers import run

# 23:30 UTC on 31 March 2026 is 00:30 on 1 April in the UK (British Summer Time).
LATE_MARCH_UTC = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)


def _log(session, action, *, at, who="Rachel Adeyemi", user=None, target=None, kind=audit.STAFF):
    audit.record(
        session,
        action=action,
        actor_kind=kind,
        actor_label=who,
        subject_user_id=user.id if user else None,
        target=target,
        now=at,
        client_ip="10.20.0.15",
    )


def _people(s):
    annabel = make_user(s, email="annabel@example.org", first_name="Annabel")
    bart = make_user(s, email="bart@example.org", first_name="Bart")
    return annabel, bart


def _signed_in_staff(s, role):
    member = make_staff(s, role, name=f"{roles.role_label(role)} Person")
    return member, staff_sessions.start(s, member.id, now=utcnow())


def _client() -> TestClient:
    return TestClient(api_app(), base_url="http://portal.example", follow_redirects=False)


def _rows(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


# --- the service ------------------------------------------------------------------------


def test_a_search_by_a_residents_email_finds_only_their_lines_newest_first_and_is_itself_audited(session):
    annabel, bart = _people(session)
    base = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    _log(session, audit.RESIDENT_VIEWED, at=base, user=annabel)
    _log(session, audit.RESIDENT_VIEWED, at=base + timedelta(minutes=1), user=bart)
    _log(session, audit.REQUEST_VIEWED, at=base + timedelta(minutes=2), user=annabel, target="RQ-AAA111")
    dpo = StaffActor(staff_id=make_staff(session, roles.DATA_PROTECTION_OFFICER).id, name="Dana Price")
    query, errors = audit_search.parse_form({"resident": "Annabel@Example.org"}, today=date(2026, 3, 3))
    assert errors == {}
    found = audit_search.search_page(session, query, actor=dpo, now=base + timedelta(hours=1))
    assert [(r.action, r.target) for r in found.rows] == [
        ("Viewed a request", "RQ-AAA111"),
        ("Viewed a resident's accounts and requests", ""),
    ]
    assert {r.resident_id for r in found.rows} == {annabel.id}
    searched = session.exec(select(AuditEvent).where(AuditEvent.action == "audit_searched")).one()
    assert (searched.actor_label, searched.subject_user_id) == ("Dana Price", annabel.id)


def test_uk_dates_in_the_form_mean_uk_days_in_the_utc_log(session):
    _log(session, "staff_signed_in", at=LATE_MARCH_UTC)  # 00:30 on 1 April, UK time
    _log(session, "staff_signed_out", at=LATE_MARCH_UTC - timedelta(hours=1))  # 23:30 on 31 March, UK time
    actor = StaffActor(staff_id=make_staff(session, roles.ADMINISTRATOR).id, name="Alex Morgan")
    query, _ = audit_search.parse_form(
        {"from_day": "1", "from_month": "4", "from_year": "2026", "to_day": "1", "to_month": "4", "to_year": "2026"},
        today=date(2026, 4, 2),
    )
    found = audit_search.search_page(session, query, actor=actor, now=utcnow())
    assert [r.action for r in found.rows] == ["Staff signed in"]
    assert found.rows[0].when == "00:30 on 1 April 2026"


def test_a_bad_period_or_an_unknown_resident_is_explained_next_to_the_field(session):
    _, errors = audit_search.parse_form(
        {"from_day": "5", "from_month": "3", "from_year": "2026", "to_day": "1", "to_month": "3", "to_year": "2026"},
        today=date(2026, 4, 2),
    )
    assert errors == {"date_to": "The end date must be the same as or after the start date"}
    _, errors = audit_search.parse_form(
        {"from_day": "31", "from_month": "2", "from_year": "2026"}, today=date(2026, 4, 2)
    )
    assert errors == {"date_from": "The start date must be a real date"}
    actor = StaffActor(staff_id=make_staff(session, roles.ADMINISTRATOR).id, name="Alex Morgan")
    query, _ = audit_search.parse_form({"resident": "nobody@example.org"}, today=date(2026, 4, 2))
    found = audit_search.search_page(session, query, actor=actor, now=utcnow())
    assert found.errors == {"resident": "There is no resident with that portal account number or email address"}
    assert found.rows == ()


def test_the_log_is_paged_fifty_lines_at_a_time(session):
    base = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for n in range(audit_search.PAGE_SIZE + 5):
        _log(session, "staff_signed_in", at=base + timedelta(seconds=n), target=f"line {n}")
    actor = StaffActor(staff_id=make_staff(session, roles.ADMINISTRATOR).id, name="Alex Morgan")
    first = audit_search.search_page(session, audit_search.AuditQuery(), actor=actor, now=utcnow())
    second = audit_search.search_page(session, audit_search.AuditQuery(), actor=actor, now=utcnow(), page=2)
    assert (len(first.rows), first.has_next, first.rows[0].target) == (50, True, "line 54")
    assert (len(second.rows), second.has_next, second.rows[-1].target) == (5, False, "line 0")


# --- the CSV route ----------------------------------------------------------------------


def _seed_for_export(db):
    with Session(db, expire_on_commit=False) as s:
        annabel, bart = _people(s)
        at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        _log(s, audit.RESIDENT_VIEWED, at=at, user=annabel, target="=HYPERLINK(1)")
        _log(s, audit.RESIDENT_VIEWED, at=at + timedelta(minutes=1), user=bart)
        resident_token = resident_sessions.create_session(s, annabel.id, client="phone", now=utcnow())
        _, officer_token = _signed_in_staff(s, roles.HOUSING_OFFICER)
        _, dpo_token = _signed_in_staff(s, roles.DATA_PROTECTION_OFFICER)
        s.commit()
    return annabel, resident_token, officer_token, dpo_token


def _exports(db) -> int:
    with Session(db) as s:
        return len(s.exec(select(AuditEvent).where(AuditEvent.action == "audit_exported")).all())


def test_the_export_is_refused_without_a_staff_session_or_without_view_audit_and_nothing_is_recorded(db):
    annabel, resident_token, officer_token, _ = _seed_for_export(db)
    url = routes.staff_audit_csv({"resident": str(annabel.id)})
    client = _client()
    for cookie in (
        "",
        f"doorstep_session={resident_token}",
        f"doorstep_staff={officer_token}",
        "doorstep_staff=made-up",
    ):
        response = client.get(url, headers={"cookie": cookie} if cookie else {})
        assert response.status_code == 403, cookie
        assert "annabel" not in response.text.lower() and "resident_viewed" not in response.text
        assert response.headers["cache-control"] == "no-store"
    assert _exports(db) == 0


def test_the_data_protection_officer_downloads_the_search_as_csv_and_the_download_is_audited(db):
    annabel, _, _, dpo_token = _seed_for_export(db)
    response = _client().get(
        routes.staff_audit_csv({"resident": str(annabel.id), "action": "resident_viewed"}),
        headers={"cookie": f"doorstep_staff={dpo_token}"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="audit-log-')
    rows = _rows(response.text)
    assert [(r["action"], r["subject_user_id"], r["at_utc"]) for r in rows] == [
        ("resident_viewed", str(annabel.id), "2026-03-02T09:00:00+00:00")
    ]
    assert rows[0]["target"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    with Session(db) as s:
        line = s.exec(select(AuditEvent).where(AuditEvent.action == "audit_exported")).one()
        assert line.actor_label == "Data protection officer Person" and line.subject_user_id == annabel.id
        assert '"lines": 1' in line.detail


def test_a_hand_made_export_address_with_a_malformed_search_is_refused(db):
    _, _, _, dpo_token = _seed_for_export(db)
    for params in ({"from": "yesterday"}, {"action": "drop table"}, {"resident": "1;2"}):
        response = _client().get(routes.staff_audit_csv(params), headers={"cookie": f"doorstep_staff={dpo_token}"})
        assert response.status_code == 403, params
    assert _exports(db) == 0


# --- the page ---------------------------------------------------------------------------


def test_the_audit_page_searches_and_links_the_export_of_the_same_search(db):
    annabel, _, _, dpo_token = _seed_for_export(db)
    root = rx.State(_reflex_internal_init=True)
    connect(root, path="/staff/audit", staff=dpo_token)
    state = root
    for name in AuditState.get_full_name().split(".")[1:]:
        state = state.substates[name]
    run(AuditState.event_handlers["load"].fn(state))
    assert state.loaded and len(state.rows) == 2 and state.csv_href == routes.API_STAFF_AUDIT_CSV
    run(AuditState.event_handlers["search"].fn(state, {"resident": "annabel@example.org"}))
    assert [row["resident"] for row in state.rows] == [str(annabel.id)]
    assert state.csv_href == routes.staff_audit_csv({"resident": str(annabel.id)})
    assert "annabel@example.org" not in state.csv_href  # the address bar never carries the email


def test_the_page_says_a_lines_detail_in_words_and_the_export_keeps_it_exact(session):
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    audit.record(
        session,
        action="staff_signed_in",
        actor_kind=audit.STAFF,
        actor_label="Rachel Adeyemi",
        detail={"method": "password and authenticator code", "everywhere": True, "step": None},
        now=at,
    )
    dpo = StaffActor(staff_id=make_staff(session, roles.DATA_PROTECTION_OFFICER).id, name="Dana Price")
    query, _errors = audit_search.parse_form({}, today=date(2026, 3, 3))
    [row] = [r for r in audit_search.search_page(session, query, actor=dpo, now=at).rows if r.action != "Searched"]
    assert row.detail == "everywhere: yes; method: password and authenticator code; step: none"
    csv_text, _count = audit_search.export(session, query, actor=dpo, now=at)
    assert '""method"": ""password and authenticator code""' in csv_text
