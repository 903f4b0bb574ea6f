"""What the portal deletes, and when (services/identity/retention.py and the worker's jobs
in services/identity/jobs.py and services/mail/jobs.py): each period is a setting, and
what is still in use is never touched."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, func, select

from portal_app.models import (
    AuditEvent,
    AuthSession,
    CookieHandoff,
    OutboxMessage,
    PasswordReset,
    RegistrationAttempt,
    StaffSession,
    ThrottleHit,
    WaitingListEntry,
)
from portal_app.services import throttle
from portal_app.services.identity import auth, cookies, handoff, history, lockout, retention
from portal_app.services.identity import jobs as identity_jobs
from portal_app.services.mail import jobs as mail_jobs
from portal_app.services.mail import outbox
from portal_app.services.staff import sessions as staff_sessions
from portal_app.settings import get_settings
from tests.factories import PASSWORD, PASSWORD_HASH, make_staff, make_user

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HERE = "198.51.100.7"


def count(session: Session, table) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(table)).one()


def attempt(session: Session, n: int, *, created: datetime, code_expires: datetime | None) -> RegistrationAttempt:
    row = RegistrationAttempt(
        token_hash=f"attempt-{n}",
        tenancy_reference="TEN1",
        email=f"someone{n}@example.org",
        mobile="+447700900123",
        password_hash=PASSWORD_HASH,
        outcome="match",
        code_hash="x" if code_expires else None,
        code_expires_at=code_expires,
        created_at=created,
    )
    session.add(row)
    return row


@pytest.fixture
def settings_for(monkeypatch):
    """Run the jobs with some settings changed (as the environment would change them)."""

    def use(**changes):
        changed = replace(get_settings(), **changes)
        for module in (identity_jobs, mail_jobs, lockout):
            monkeypatch.setattr(module, "get_settings", lambda: changed)
        return changed

    return use


# --- codes and links -----------------------------------------------------------------------


def test_registration_attempts_and_reset_links_go_a_day_after_they_stop_working(db, session):
    user = make_user(session)
    attempt(session, 1, created=NOW - timedelta(hours=25), code_expires=NOW - timedelta(hours=25))
    attempt(session, 2, created=NOW - timedelta(hours=25), code_expires=None)  # no match: no code was sent
    attempt(session, 3, created=NOW - timedelta(hours=23), code_expires=NOW - timedelta(hours=23))
    for n, expired in enumerate((timedelta(hours=26), timedelta(hours=2))):
        session.add(
            PasswordReset(
                token_hash=f"reset-{n}",
                user_id=user.id,
                created_at=NOW - expired - timedelta(minutes=30),
                expires_at=NOW - expired,
            )
        )
    session.commit()

    assert identity_jobs.purge_expired_codes(engine=db, now=NOW) == 3

    assert session.exec(select(RegistrationAttempt.token_hash)).all() == ["attempt-3"]
    assert session.exec(select(PasswordReset.token_hash)).all() == ["reset-1"]


def test_a_registration_attempt_whose_code_still_works_is_kept_however_old_it_is(db, session, settings_for):
    settings_for(retain_expired_codes_hours=1)
    attempt(session, 1, created=NOW - timedelta(hours=5), code_expires=NOW + timedelta(minutes=5))
    session.commit()

    assert identity_jobs.purge_expired_codes(engine=db, now=NOW) == 0
    assert count(session, RegistrationAttempt) == 1


def test_the_period_for_codes_and_links_is_the_setting(db, session, settings_for):
    settings_for(retain_expired_codes_hours=1)
    attempt(session, 1, created=NOW - timedelta(hours=2), code_expires=NOW - timedelta(hours=2))
    session.commit()

    assert identity_jobs.purge_expired_codes(engine=db, now=NOW) == 1


def test_cookie_handoff_codes_go_after_their_own_setting(db, session, settings_for):
    for n in range(2):
        handoff.issue(
            session, [cookies.SetCookie(cookies.SESSION, f"t{n}", 60)], next_path="/home", client_ip=HERE, now=NOW
        )
    session.commit()
    settings_for(retain_handoff_minutes=10)

    assert identity_jobs.purge_cookie_handoffs(engine=db, now=NOW + timedelta(minutes=5)) == 0
    assert identity_jobs.purge_cookie_handoffs(engine=db, now=NOW + timedelta(minutes=12)) == 2
    assert count(session, CookieHandoff) == 0


# --- sessions ----------------------------------------------------------------------------------


def test_sessions_that_ended_a_month_ago_go_and_live_or_recent_ones_stay(db, session):
    user = make_user(session)
    month = timedelta(days=get_settings().retain_ended_sessions_days)
    for at in (NOW - month - timedelta(days=1), NOW - month + timedelta(days=1), NOW - timedelta(minutes=5)):
        auth.sign_in(session, user.email, PASSWORD, client=HERE, client_ip=HERE, now=at)
    session.commit()
    stored = session.exec(select(AuthSession).order_by(AuthSession.created_at)).all()
    old, recent, live = stored
    old.ended_at, old.ended_reason = old.created_at + timedelta(minutes=10), "signed_out"
    recent.ended_at, recent.ended_reason = recent.created_at + timedelta(minutes=10), "signed_out"
    session.add_all([old, recent])
    session.commit()

    assert identity_jobs.purge_ended_sessions(engine=db, now=NOW) == 1

    assert sorted(s.id for s in session.exec(select(AuthSession)).all()) == sorted([recent.id, live.id])
    # The sign-in history does not depend on the session rows: all three sign-ins are still there.
    assert [line.what for line in history.sign_in_history(session, user.id)] == ["Signed in with your password"] * 3


def test_a_session_nobody_signed_out_of_goes_a_month_after_its_absolute_limit(db, session):
    user = make_user(session)
    settings = get_settings()
    lasted = timedelta(hours=settings.session_absolute_hours)
    began = NOW - timedelta(days=settings.retain_ended_sessions_days) - lasted  # so it was over a month before NOW
    auth.sign_in(session, user.email, PASSWORD, client=HERE, client_ip=HERE, now=began)
    session.commit()

    assert identity_jobs.purge_ended_sessions(engine=db, now=NOW - timedelta(minutes=1)) == 0
    assert identity_jobs.purge_ended_sessions(engine=db, now=NOW + timedelta(minutes=1)) == 1


def test_staff_sessions_that_ended_a_month_ago_go_too(db, session):
    member = make_staff(session, "income_officer")
    old = staff_sessions.start(
        session, member.id, method="password", client_ip=HERE, client="test", now=NOW - timedelta(days=40)
    )
    live = staff_sessions.start(session, member.id, method="password", client_ip=HERE, client="test", now=NOW)
    staff_sessions.sign_out(session, old, now=NOW - timedelta(days=40) + timedelta(minutes=5))
    session.commit()

    assert identity_jobs.purge_ended_sessions(engine=db, now=NOW) == 1
    assert staff_sessions.resolve(session, live, now=NOW) is not None
    assert count(session, StaffSession) == 1


# --- failure counters -----------------------------------------------------------------------------


def test_failure_counters_are_never_deleted_before_the_longest_window_a_rule_counts_over(db, session, settings_for):
    settings = settings_for(retain_throttle_hours=1)
    for age in (timedelta(hours=2), timedelta(hours=23), timedelta(hours=25)):
        session.add(ThrottleHit(key="signin:account:someone", at=NOW - age))
    session.commit()

    assert retention.throttle_keep(settings) == timedelta(days=1)
    assert identity_jobs.purge_old_throttle_hits(engine=db, now=NOW) == 1
    assert count(session, ThrottleHit) == 2


def test_the_addresses_an_account_signed_in_from_are_kept_as_long_as_the_setting_says(db, session, settings_for):
    settings_for(signin_known_address_days=30)
    user = make_user(session)
    auth.sign_in(session, user.email, PASSWORD, client=HERE, client_ip=HERE, now=NOW)
    session.commit()
    address = throttle.client_address(HERE)

    assert lockout.is_known_address(session, user.email, address, now=NOW + timedelta(days=29))
    assert not lockout.is_known_address(session, user.email, address, now=NOW + timedelta(days=31))
    identity_jobs.purge_old_throttle_hits(engine=db, now=NOW + timedelta(days=29))
    assert count(session, ThrottleHit) == 1
    identity_jobs.purge_old_throttle_hits(engine=db, now=NOW + timedelta(days=31))
    assert count(session, ThrottleHit) == 0


# --- mail ------------------------------------------------------------------------------------------


def mail(session: Session, n: int, *, status: str, sent: datetime | None, written: datetime | None = None) -> None:
    written = written or (sent or NOW) - timedelta(seconds=5)
    session.add(
        OutboxMessage(
            to_address=f"r{n}@example.org",
            subject=f"Your code {n}",
            body_text=f"Your code is 48213{n}. It works for 10 minutes.",
            kind="register_code",
            created_at=written,
            status=status,
            attempts=1 if sent else 0,
            next_attempt_at=written,
            sent_at=sent,
        )
    )


def test_a_delivered_emails_text_is_emptied_after_seven_days_and_its_envelope_kept(db, session):
    week = timedelta(days=get_settings().retain_mail_body_days)
    mail(session, 1, status="sent", sent=NOW - week - timedelta(minutes=1))
    mail(session, 2, status="local", sent=NOW - week - timedelta(days=3))
    mail(session, 3, status="sent", sent=NOW - week + timedelta(minutes=1))
    # Written ten days ago and still not delivered (the mail server keeps refusing it): its
    # reader does not have it yet, so its text stays.
    mail(session, 4, status="pending", sent=None, written=NOW - timedelta(days=10))
    session.commit()

    assert mail_jobs.empty_delivered_bodies(engine=db, now=NOW) == 2
    assert mail_jobs.empty_delivered_bodies(engine=db, now=NOW) == 0  # once

    session.expire_all()
    rows = {m.to_address: m for m in session.exec(select(OutboxMessage)).all()}
    assert [rows[f"r{n}@example.org"].body_text == outbox.EMPTIED_BODY for n in (1, 2, 3, 4)] == [
        True,
        True,
        False,
        False,
    ]
    emptied = rows["r1@example.org"]
    assert (emptied.subject, emptied.kind, emptied.status, emptied.sent_at is not None) == (
        "Your code 1",
        "register_code",
        "sent",
        True,
    )


def test_the_period_for_mail_text_is_the_setting(db, session, settings_for):
    settings_for(retain_mail_body_days=1)
    mail(session, 1, status="sent", sent=NOW - timedelta(days=2))
    session.commit()

    assert mail_jobs.empty_delivered_bodies(engine=db, now=NOW) == 1


# --- the waiting list --------------------------------------------------------------------------


def test_someone_on_the_waiting_list_is_deleted_a_month_after_their_invitation_and_never_before_it(db, session):
    month = timedelta(days=get_settings().retain_waiting_list_days)
    for n, invited in enumerate((NOW - month - timedelta(hours=1), NOW - month + timedelta(hours=1), None)):
        session.add(
            WaitingListEntry(
                name=f"Waiting {n}",
                tenancy_reference="TEN1",
                email=f"w{n}@example.org",
                created_at=NOW - timedelta(days=90),
                invited_at=invited,
            )
        )
    session.commit()

    assert identity_jobs.purge_invited_waiting_list(engine=db, now=NOW) == 1
    session.expire_all()
    assert sorted(session.exec(select(WaitingListEntry.name)).all()) == ["Waiting 1", "Waiting 2"]


def test_the_period_for_the_waiting_list_is_the_setting(db, session, settings_for):
    settings_for(retain_waiting_list_days=2)
    session.add(
        WaitingListEntry(
            name="Waiting",
            tenancy_reference="TEN1",
            email="w@example.org",
            created_at=NOW - timedelta(days=5),
            invited_at=NOW - timedelta(days=3),
        )
    )
    session.commit()

    assert identity_jobs.purge_invited_waiting_list(engine=db, now=NOW) == 1


# --- what is kept --------------------------------------------------------------------------------


def test_the_audit_log_is_kept_by_every_housekeeping_job(db, session):
    user = make_user(session)
    auth.sign_in(session, user.email, PASSWORD, client=HERE, client_ip=HERE, now=NOW - timedelta(days=400))
    session.commit()
    later = NOW + timedelta(days=400)

    for job in (
        identity_jobs.purge_old_throttle_hits,
        identity_jobs.purge_cookie_handoffs,
        identity_jobs.purge_expired_codes,
        identity_jobs.purge_ended_sessions,
        identity_jobs.purge_invited_waiting_list,
        mail_jobs.empty_delivered_bodies,
    ):
        job(engine=db, now=later)

    assert count(session, AuditEvent) == 1
    assert count(session, AuthSession) == 0
