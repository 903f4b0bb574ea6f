"""The daily email of overdue requests (services/requests/jobs.py, ``requests.overdue_digest``):
each officer with overdue requests gets one a working day, from 7am UK time, however often
the job runs and even when two workers run it at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from portal_app import worker
from portal_app.models import OutboxMessage, RequestDigest
from portal_app.services.requests import jobs
from tests.factories import make_money_request, make_resident, make_staff
from tests.unit.requests.steps import SETTINGS

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
WEDNESDAY = datetime(2026, 11, 18, 9, 0, tzinfo=UTC)  # 12 working days after MONDAY


@pytest.fixture
def office(db):
    """Rachel has two overdue requests and one on time; Tom has one on time; one overdue
    request is nobody's yet. Committed (the job opens its own sessions)."""
    with Session(db, expire_on_commit=False) as s:
        ann = make_resident(s, email="ann@example.org", first="Ann", last="Lee")
        rachel = make_staff(s, "income_officer", name="Rachel Adeyemi", email="rachel@northbrook-homes.example")
        tom = make_staff(s, "housing_officer", name="Tom Reid", email="tom@northbrook-homes.example")
        make_staff(s, "administrator", email="admin@northbrook-homes.example")
        made = {}
        for name, kind, at, who in (
            ("late_query", "query", MONDAY, rachel),
            ("late_refund", "refund", MONDAY + timedelta(hours=2), rachel),
            ("on_time", "query", WEDNESDAY - timedelta(days=2), rachel),
            ("toms", "query", WEDNESDAY - timedelta(days=1), tom),
            ("nobodys", "benefits_advice", MONDAY, None),
        ):
            row = make_money_request(s, ann.user, ann.account, kind=kind, at=at, summary=f"Secret words of Ann {name}")
            row.assigned_staff_id = who.id if who else None
            made[name] = row.reference
        s.commit()
    return made, rachel, tom


def _digests(db):
    with Session(db) as s:
        return list(
            s.exec(select(OutboxMessage).where(OutboxMessage.kind == jobs.MAIL_DIGEST).order_by(OutboxMessage.id)).all()
        )


def test_an_officer_is_emailed_their_overdue_requests_once_a_day_even_if_the_job_runs_twice(db, office):
    made, rachel, _tom = office

    first = jobs.send_overdue_digests(db, now=WEDNESDAY, settings=SETTINGS)
    second = jobs.send_overdue_digests(db, now=WEDNESDAY + timedelta(hours=3), settings=SETTINGS)

    assert (first, second) == (1, 0)
    [mail] = _digests(db)
    assert mail.to_address == "rachel@northbrook-homes.example"
    assert mail.subject == "Overdue requests: 2 assigned to you"
    assert "On 18 November 2026, 2 requests assigned to you are past the response target:" in mail.body_text
    assert (
        f"- {made['late_query']} (Question about my account): Waited 12 of 10 working days: 2 working days over\n"
        f"- {made['late_refund']} (Refund): Waited 12 of 10 working days: 2 working days over\n"
    ) in mail.body_text
    assert made["on_time"] not in mail.body_text and made["nobodys"] not in mail.body_text
    assert "Also, 1 unassigned request is overdue in the queue." in mail.body_text
    assert f"{SETTINGS.base_url}/staff/requests?assigned=me&age=overdue" in mail.body_text
    assert "Ann" not in mail.body_text and "Secret" not in mail.body_text
    with Session(db) as s:
        [marker] = s.exec(select(RequestDigest)).all()
        assert (marker.staff_id, marker.uk_day.isoformat(), marker.overdue) == (rachel.id, "2026-11-18", 2)

    assert jobs.send_overdue_digests(db, now=WEDNESDAY + timedelta(days=1), settings=SETTINGS) == 1
    assert len(_digests(db)) == 2


def test_a_second_worker_that_checked_at_the_same_moment_sends_nothing(db, office, monkeypatch):
    # Both workers looked before either wrote its row: the unique (staff, day) pair stops the second.
    monkeypatch.setattr(jobs, "_sent_today", lambda *a, **k: False)

    assert jobs.send_overdue_digests(db, now=WEDNESDAY, settings=SETTINGS) == 1
    assert jobs.send_overdue_digests(db, now=WEDNESDAY, settings=SETTINGS) == 0
    assert len(_digests(db)) == 1


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 18, 6, 59, tzinfo=UTC),  # before 7am UK time (GMT in November)
        datetime(2026, 11, 21, 9, 0, tzinfo=UTC),  # a Saturday
        datetime(2026, 12, 28, 9, 0, tzinfo=UTC),  # Boxing Day's bank holiday (substitute day)
    ],
)
def test_no_email_is_sent_before_seven_or_on_a_day_the_office_is_closed(db, office, moment):
    assert jobs.send_overdue_digests(db, now=moment, settings=SETTINGS) == 0
    assert _digests(db) == []


def test_the_digest_is_a_job_the_worker_runs_every_quarter_of_an_hour():
    job = worker.job_named("requests.overdue_digest")
    assert job.every == timedelta(minutes=15) and job.needs == ("engine", "now")
