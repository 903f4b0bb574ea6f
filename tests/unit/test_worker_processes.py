"""The background worker as the production profile runs it: ``python -m portal_app worker``
processes (huey's consumer) on one database, with Redis as huey's storage, sending to a real
SMTP server (aiosmtpd on 127.0.0.1). Each test starts its processes and stops them.

They run in ``make test`` on both of its passes: on SQLite, then on PostgreSQL. Without
PostgreSQL (the suite's database) or Redis they still run, on what there is, and say so
with a warning in the summary."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections import Counter
from datetime import timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, func, select

from portal_app.clock import utcnow
from portal_app.models import JobRun, OutboxMessage
from portal_app.services.mail import outbox
from portal_app.settings import PROJECT_ROOT, get_settings
from tests.unit.mail.test_outbox import free_port, start_server

pytestmark = pytest.mark.processes

REDIS = ("127.0.0.1", 6379)


class NotTheProductionProfile(UserWarning):
    """These tests ran without PostgreSQL or Redis."""


def answers(address: tuple[str, int]) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(address) == 0


@pytest.fixture
def workers(db):
    """Start ``python -m portal_app worker`` processes: ``start(n)``; all stopped at the end."""
    env = os.environ.copy()
    env.update(
        SECRET_KEY=get_settings().secret_key,
        ENCRYPTION_KEY=get_settings().encryption_key,
        WORKER_QUEUE=f"doorstep-test-{uuid.uuid4().hex[:8]}",  # a queue of this test's own
        WORKER_THREADS="2",
        MAIL_LEASE_SECONDS="3",
    )
    if db.dialect.name != "postgresql":
        warnings.warn(
            NotTheProductionProfile(
                "worker processes ran on SQLite, not PostgreSQL: set TEST_DATABASE_URL (make test does, "
                "when PostgreSQL answers on 127.0.0.1:5432)"
            ),
            stacklevel=1,
        )
    if answers(REDIS):
        env["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    else:
        warnings.warn(
            NotTheProductionProfile("Redis is not answering on 127.0.0.1:6379: the worker processes used SqliteHuey"),
            stacklevel=1,
        )
    started: list[subprocess.Popen] = []

    class Workers:
        env: dict[str, str]

        def start(self, count: int = 1, **extra: str) -> list[subprocess.Popen]:
            new = [
                subprocess.Popen(
                    [sys.executable, "-m", "portal_app", "worker"],
                    cwd=PROJECT_ROOT,
                    env={**env, **extra},
                    stdout=subprocess.DEVNULL,
                    stderr=open(os.environ.get("WORKER_TEST_LOG", os.devnull), "a"),  # noqa: SIM115
                )
                for _ in range(count)
            ]
            started.extend(new)
            return new

    found = Workers()
    found.env = env
    yield found
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in started:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    if "REDIS_URL" in env:
        from portal_app import worker
        from portal_app.settings import load_settings

        worker.make_huey(load_settings(env)).flush()


def queue_many(db, count: int, *, first: int = 0) -> None:
    now = utcnow()
    with Session(db) as session:
        for n in range(first, first + count):
            outbox.queue_mail(session, to=f"r{n}@example.org", subject=f"Message {n:03d}", body="Hi", kind="t", now=now)
        session.commit()


def sent_count(db) -> int:
    with Session(db) as fresh:
        return fresh.exec(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")).one()


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


class SlowCollector:
    """An SMTP server that takes 20 ms over each message, so a worker can be stopped mid-backlog."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        await asyncio.sleep(0.02)
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def slow_server(port: int) -> tuple[Controller, SlowCollector]:
    collector = SlowCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, collector


def received(collector) -> list[str]:
    return [message_from_bytes(e.original_content)["Subject"] for e in collector.messages]


def test_three_worker_processes_on_one_database_deliver_each_of_two_hundred_messages_once(db, workers):
    controller, collector = start_server(port := free_port())
    try:
        workers.start(3, SMTP_URL=f"smtp://127.0.0.1:{port}")
        queue_many(db, 200)
        assert wait_for(lambda: sent_count(db) == 200, seconds=40), f"{sent_count(db)} of 200 sent"
        time.sleep(2.5)  # a period more: nobody sends anything again
    finally:
        controller.stop()

    times = Counter(received(collector))
    assert len(times) == 200
    assert [subject for subject, n in times.items() if n > 1] == []
    with Session(db) as fresh:
        runs = fresh.exec(select(JobRun.period_start).where(JobRun.job_name == "mail.deliver")).all()
    assert len(runs) == len(set(runs))  # each two-second period run by one of the three


def test_with_the_mail_server_down_for_a_while_every_message_is_delivered_once_and_in_order_when_it_is_back(
    db, workers
):
    port = free_port()
    workers.start(3, SMTP_URL=f"smtp://127.0.0.1:{port}")
    queue_many(db, 20)

    def all_waiting() -> bool:  # a try has found the server down, and everything waits with it
        with Session(db) as fresh:
            return fresh.exec(select(func.count()).where(OutboxMessage.last_error.is_not(None))).one() == 20

    assert wait_for(all_waiting, seconds=20)
    assert sent_count(db) == 0
    with Session(db) as fresh:  # one connection a try, not one a message
        assert fresh.exec(select(func.sum(OutboxMessage.attempts))).one() < 20
    controller, collector = start_server(port)  # back, on the same port
    try:
        assert wait_for(lambda: sent_count(db) == 20, seconds=40), f"{sent_count(db)} of 20 sent"
        time.sleep(2.5)
    finally:
        controller.stop()

    assert received(collector) == [f"Message {n:03d}" for n in range(20)]  # each once, oldest first


def test_a_worker_process_killed_and_restarted_loses_nothing_and_sends_nothing_twice(db, workers):
    controller, collector = slow_server(port := free_port())
    try:
        [first] = workers.start(1, SMTP_URL=f"smtp://127.0.0.1:{port}")
        queue_many(db, 100)
        assert wait_for(lambda: sent_count(db) >= 20, seconds=30)
        first.send_signal(signal.SIGKILL)  # mid-delivery
        first.wait(timeout=10)
        at_kill = sent_count(db)
        assert at_kill < 100
        queue_many(db, 20, first=100)  # mail written while no worker runs
        workers.start(1, SMTP_URL=f"smtp://127.0.0.1:{port}")
        assert wait_for(lambda: sent_count(db) == 120, seconds=40), f"{sent_count(db)} of 120 sent"
        time.sleep(2.5)
    finally:
        controller.stop()

    times = Counter(received(collector))
    assert sorted(times) == [f"Message {n:03d}" for n in range(120)]  # nothing lost
    doubled = [subject for subject, n in times.items() if n > 1]
    # SIGKILL can land between the server's "accepted" and the row marked sent: the message
    # each delivering thread has in that window (WORKER_THREADS=2, so at most two) may come
    # twice, each with one Message-ID (README: Background work). Seen: 020 and 021 in CI.
    assert len(doubled) <= 2
    if doubled:
        ids = {message_from_bytes(e.original_content)["Message-ID"] for e in collector.messages}
        assert len(ids) == 120


def test_a_worker_process_stopped_with_sigterm_finishes_what_it_holds_and_the_next_sends_the_rest_once(db, workers):
    controller, collector = slow_server(port := free_port())
    try:
        [first] = workers.start(1, SMTP_URL=f"smtp://127.0.0.1:{port}")
        queue_many(db, 300)
        assert wait_for(lambda: sent_count(db) >= 20, seconds=30)
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=20) == 0
        # It stopped mid-backlog, after the runs in hand: one a thread (WORKER_THREADS=2), at
        # most PER_RUN (100) each, as a run of 100 at 20 ms a message outlasts its two-second period.
        assert sent_count(db) < 300
        workers.start(1, SMTP_URL=f"smtp://127.0.0.1:{port}")
        assert wait_for(lambda: sent_count(db) == 300, seconds=60), f"{sent_count(db)} of 300 sent"
        time.sleep(2.5)
    finally:
        controller.stop()

    times = Counter(received(collector))
    assert sorted(times) == [f"Message {n:03d}" for n in range(300)]
    assert [subject for subject, n in times.items() if n > 1] == []


def test_the_periodic_jobs_claim_each_period_once_across_three_worker_processes(db, workers):
    from portal_app import worker

    workers.start(3)

    def runs() -> list[tuple[str, object, str]]:
        with Session(db) as fresh:
            return list(fresh.exec(select(JobRun.job_name, JobRun.period_start, JobRun.claimed_by)).all())

    def mail_runs() -> int:
        return len([1 for name, *_ in runs() if name == "mail.deliver"])

    every_job = {found.name for found in worker.registered_jobs()}
    assert wait_for(lambda: {name for name, *_ in runs()} == every_job, seconds=30)
    assert wait_for(lambda: mail_runs() >= 3, seconds=30)  # three two-second periods, with three consumers enqueueing

    found = runs()
    per_period = Counter((name, start) for name, start, _by in found)
    assert [key for key, n in per_period.items() if n > 1] == []  # each period run once
    assert len([1 for name, *_ in found if name == "identity.purge_ended_sessions"]) == 1  # once this hour
    mail_periods = sorted(start for name, start, _by in found if name == "mail.deliver")
    assert len(mail_periods) >= 2 and all(b - a >= timedelta(seconds=2) for a, b in zip(mail_periods, mail_periods[1:]))
