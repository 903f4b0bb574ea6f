"""The background worker (portal_app/worker.py): each domain's jobs in one registry, run
when due, a failing job logged while the others carry on. Time is fake: the stop event's
wait moves a pretend monotonic clock on instead of sleeping."""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from portal_app import cli, worker
from portal_app.integrations.mail import LocalTransport
from portal_app.models import OutboxMessage, PortalPayment, ThrottleHit
from portal_app.services.mail import outbox
from portal_app.settings import PROJECT_ROOT
from tests.security.handlers import run

START = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


def run_at(seconds: list[float], jobs, db, *, transport=None) -> list[list[str]]:
    """One pass of ``run_due`` at each of these moments (seconds after START), as one consumer."""
    return [
        worker.run_due(
            db, now=START + timedelta(seconds=t), jobs=jobs, transport=transport or LocalTransport(), claimer="one"
        )
        for t in seconds
    ]


def seconds_since_start(moments: list[datetime]) -> list[float]:
    return [(m - START).total_seconds() for m in moments]


# ---------------------------------------------------------------------------
# The registry


def test_each_domain_registers_its_jobs_with_the_worker():
    jobs = {job.name: job.every for job in worker.registered_jobs()}

    assert jobs == {
        "mail.deliver": timedelta(seconds=2),
        "mail.empty_delivered_bodies": timedelta(hours=1),
        "mail.check_delivery": timedelta(minutes=1),
        "identity.purge_old_throttle_hits": timedelta(minutes=10),
        "identity.purge_cookie_handoffs": timedelta(minutes=10),
        "identity.purge_expired_codes": timedelta(minutes=10),
        "identity.purge_ended_sessions": timedelta(hours=1),
        "identity.purge_invited_waiting_list": timedelta(hours=1),
        "identity.forget_abandoned_two_step_setups": timedelta(minutes=10),
        "accounts.reconcile_portal_payments": timedelta(minutes=10),
        "payments.settle_unfinished": timedelta(minutes=5),
        "payments.check_plans": timedelta(hours=1),
        "requests.overdue_digest": timedelta(minutes=15),
        "repairs.overdue_digest": timedelta(minutes=15),
        "repairs.confirm_unsent": timedelta(minutes=5),
        "repairs.tidy_photos": timedelta(hours=1),
        "staff.purge_sso_starts": timedelta(minutes=10),
        "tenancy.tidy_evidence": timedelta(hours=1),
    }


def test_a_job_asking_for_something_the_worker_does_not_give_is_refused_when_it_is_registered():
    registry = worker.Registry()

    with pytest.raises(ValueError, match="asks for 'session'"):
        registry.register("test.bad", timedelta(seconds=1), lambda *, session: None)
    assert registry.jobs() == ()


def test_two_jobs_cannot_share_a_name_and_a_job_must_wait_more_than_nothing():
    registry = worker.Registry()
    registry.register("test.once", timedelta(seconds=1), lambda: None)

    with pytest.raises(ValueError, match="taken"):
        registry.register("test.once", timedelta(seconds=5), lambda: None)
    with pytest.raises(ValueError, match="more than nothing"):
        registry.register("test.never", timedelta(0), lambda: None)
    assert [job.name for job in registry.jobs()] == ["test.once"]


def test_the_worker_and_every_domains_jobs_load_without_reflex_or_the_pages():
    code = (
        "import sys; from portal_app import worker; "
        "names = [j.name for j in worker.registered_jobs()]; "
        "loaded = sorted(m for m in sys.modules if m == 'reflex' or m.startswith(('reflex.', 'portal_app.pages', "
        "'portal_app.state', 'portal_app.components'))); "
        "print(len(names), loaded)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=120)

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{len(worker.registered_jobs())} []"  # every job, and none of those modules


# ---------------------------------------------------------------------------
# Running the jobs


def test_every_job_runs_at_start_and_then_once_in_each_of_its_periods(db):
    often, seldom = [], []
    registry = worker.Registry()
    registry.register("test.often", timedelta(seconds=2), lambda *, now: often.append(now))
    registry.register("test.seldom", timedelta(seconds=10), lambda *, now: seldom.append(now))

    run_at([t / 2 for t in range(43)], registry.jobs(), db)  # every half second for 21 seconds

    assert seconds_since_start(often) == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20]
    assert seconds_since_start(seldom) == [0, 10, 20]


def test_a_failing_job_is_logged_and_the_other_jobs_still_run(db, caplog):
    ran = []
    registry = worker.Registry()

    def broken(*, now):
        raise OSError("the payment provider is down")

    registry.register("test.broken", timedelta(seconds=5), broken)
    registry.register("test.fine", timedelta(seconds=1), lambda *, now: ran.append(now))

    with caplog.at_level(logging.ERROR, logger="portal_app.worker"):
        run_at(list(range(11)), registry.jobs(), db)

    assert seconds_since_start(ran) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    failures = [r for r in caplog.records if r.name == "portal_app.worker" and r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failures] == ["job test.broken failed; it runs again in 0:00:05"] * 3
    assert all("the payment provider is down" in str(r.exc_info[1]) for r in failures)


def test_jobs_are_given_only_what_they_ask_for_engine_time_and_mail_transport(db):
    given = {}
    registry = worker.Registry()
    registry.register(
        "test.all", timedelta(minutes=1), lambda *, engine, now, transport: given.update(all=(engine, now, transport))
    )
    registry.register("test.time", timedelta(minutes=1), lambda now: given.update(time=now))
    transport = LocalTransport()

    run_at([0], registry.jobs(), db, transport=transport)

    assert given == {"all": (db, START, transport), "time": START}


def test_a_run_whose_consumer_died_is_taken_over_after_its_lease_and_a_finished_one_never_runs_again(db):
    registry = worker.Registry()
    hourly = registry.register("test.hourly", timedelta(hours=1), lambda: None)
    died_at = START + timedelta(minutes=1)

    assert worker.claim_run(db, hourly, now=died_at, claimer="died") == START  # and never finished
    assert worker.claim_run(db, hourly, now=died_at + timedelta(minutes=4), claimer="other") is None  # lease holds
    assert worker.claim_run(db, hourly, now=died_at + timedelta(minutes=6), claimer="other") == START  # taken over
    worker.finish_run(db, hourly, start=START, claimer="other", now=died_at + timedelta(minutes=7))
    assert worker.claim_run(db, hourly, now=START + timedelta(minutes=59), claimer="third") is None  # done this hour
    assert worker.claim_run(db, hourly, now=START + timedelta(hours=1), claimer="third") == START + timedelta(hours=1)


def test_the_worker_runs_its_jobs_until_it_is_told_to_stop_and_says_how_many_runs_it_made(db):
    registry = worker.Registry()
    ran = []
    registry.register("test.tick", timedelta(seconds=1), lambda *, now: ran.append(now))
    stop = threading.Event()
    counted = []
    consumer = threading.Thread(
        target=lambda: counted.append(worker.run_forever(db, stop, jobs=registry.jobs(), transport=LocalTransport()))
    )
    consumer.start()
    assert _wait_for(lambda: len(ran) >= 2, seconds=10)
    stop.set()
    consumer.join(timeout=15)

    assert not consumer.is_alive()
    assert counted == [len(ran)]


def _wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_one_pass_of_the_registered_jobs_sends_mail_forgets_old_counters_and_settles_posted_payments(
    db, session, records
):
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    outbox.queue_mail(session, to="ada@example.org", subject="Your payment", body="Thank you", kind="payment", now=now)
    session.add(ThrottleHit(key="signin:someone", at=now - timedelta(days=3)))
    session.add(ThrottleHit(key="signin:someone", at=now - timedelta(minutes=5)))
    person, tenancy, rent = records.tenant_with_rent_account()
    paid = records.portal_payment(rent, records.user(person, tenancy), 5000, "DP-0101")
    records.post(rent, date(2026, 11, 23), "payment", -5000, ref="DP-0101")
    session.commit()

    ran = worker.run_due(db, now=now, transport=LocalTransport())

    assert ran == [found.name for found in worker.registered_jobs()]
    assert worker.run_due(db, now=now, transport=LocalTransport()) == []  # a second consumer: nothing left
    with Session(db) as fresh:
        assert [m.status for m in fresh.exec(select(OutboxMessage)).all()] == ["local"]
        assert [h.at for h in fresh.exec(select(ThrottleHit)).all()] == [now - timedelta(minutes=5)]
        assert fresh.get(PortalPayment, paid.id).status == "posted"


# ---------------------------------------------------------------------------
# The one place: the command line and the web app both run this worker


def test_the_worker_command_and_the_web_apps_lifespan_task_both_run_the_registered_jobs(db, monkeypatch):
    calls = []

    def fake_run_forever(engine, stop_event, **kwargs):
        calls.append((engine, kwargs))
        return 0

    monkeypatch.setattr(worker, "run_forever", fake_run_forever)
    import portal_app.portal_app as web  # noqa: PLC0415 - imports reflex and every page

    assert cli.main(["worker"]) == 0
    run(web.check_schema_then_run_worker())  # in a loop of its own: a browser test may hold this thread's

    assert calls == [(db, {}), (db, {})]


def test_with_redis_set_the_web_workers_run_no_background_work_and_the_worker_process_does(db, monkeypatch):
    from portal_app.settings import load_settings, reset_settings_cache

    calls = []
    monkeypatch.setattr(worker, "run_forever", lambda engine, stop_event, **kwargs: calls.append(engine) or 0)
    import portal_app.portal_app as web  # noqa: PLC0415 - imports reflex and every page

    monkeypatch.setenv("WORKER_IN_WEB", "false")
    reset_settings_cache()
    try:
        run(web.check_schema_then_run_worker())
        assert calls == []  # the web process ran none
        assert cli.main(["worker"]) == 0
        assert calls == [db]
    finally:
        monkeypatch.delenv("WORKER_IN_WEB")
        reset_settings_cache()

    assert load_settings({"PORTAL_DATA_DIR": "/tmp"}).worker_in_web is True  # the embedded default
    assert load_settings({"PORTAL_DATA_DIR": "/tmp", "REDIS_URL": "redis://127.0.0.1:6379/0"}).worker_in_web is False
    assert load_settings({"PORTAL_DATA_DIR": "/tmp", "REDIS_URL": "redis://x", "WORKER_IN_WEB": "1"}).worker_in_web


def test_the_job_queue_lives_in_redis_when_redis_url_is_set_and_in_a_file_under_the_data_dir_otherwise(tmp_path):
    from huey import RedisHuey, SqliteHuey

    from portal_app.settings import load_settings

    embedded = worker.make_huey(load_settings({"PORTAL_DATA_DIR": str(tmp_path)}))
    at_scale = worker.make_huey(
        load_settings({"PORTAL_DATA_DIR": str(tmp_path), "REDIS_URL": "redis://127.0.0.1:6379/3"})
    )

    assert isinstance(embedded, SqliteHuey) and embedded.storage.filename == str(tmp_path / "huey.db")
    assert isinstance(at_scale, RedisHuey) and at_scale.storage.queue_key.startswith("huey.redis.doorstep")


def test_a_broken_repairs_triage_file_stops_the_web_app_starting_with_every_problem_said(
    db, monkeypatch, tmp_path, capsys
):
    from portal_app.settings import reset_settings_cache

    broken = tmp_path / "triage.json"
    broken.write_text('{"version": 1, "emergencies": [], "areas": [], "typo": true}', encoding="utf-8")
    monkeypatch.setattr(worker, "run_forever", lambda engine, stop_event, **kwargs: 0)
    import portal_app.portal_app as web  # noqa: PLC0415 - imports reflex and every page

    exits = []
    monkeypatch.setattr(web.os, "_exit", lambda code: exits.append(code) or (_ for _ in ()).throw(SystemExit(code)))
    monkeypatch.setenv("REPAIRS_TRIAGE_FILE", str(broken))
    reset_settings_cache()
    try:
        with pytest.raises(SystemExit):
            run(web.check_schema_then_run_worker())
    finally:
        monkeypatch.delenv("REPAIRS_TRIAGE_FILE")
        reset_settings_cache()
    said = capsys.readouterr().err
    assert exits == [3] and "Doorstep will not start: the repairs triage file" in said and "typo" in said
