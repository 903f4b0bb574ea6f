"""The mail outbox delivered over real SMTP (an aiosmtpd server on 127.0.0.1), and the worker's mail job."""

from __future__ import annotations

import dataclasses
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, func, select

from portal_app.integrations.mail import LocalTransport, SmtpTransport
from portal_app.models import OutboxMessage
from portal_app.services.identity import jobs as identity_jobs
from portal_app.services.mail import delivery as mail_worker
from portal_app.services.mail import outbox
from portal_app.worker import Job, job_named, run_forever

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)  # timestamps are aware UTC (portal_app.clock)


class Collector:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> tuple[Controller, Collector]:
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, collector


@pytest.fixture
def smtp_server():
    port = free_port()
    controller, collector = start_server(port)
    yield port, collector
    controller.stop()


def queue(session: Session, *, to: str = "ada@example.org", subject: str = "Set a new password") -> int:
    outbox.queue_mail(
        session, to=to, subject=subject, body="Open this link:\nhttp://x/reset", kind="password_reset", now=NOW
    )
    session.commit()
    return session.exec(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())).first()


def stored(db, message_id: int) -> OutboxMessage:
    with Session(db) as fresh:
        return fresh.get(OutboxMessage, message_id)


def transport(port: int) -> SmtpTransport:
    return SmtpTransport(f"smtp://127.0.0.1:{port}", timeout=5)


def test_a_queued_mail_is_delivered_over_smtp_and_marked_sent(db, session, smtp_server):
    port, collector = smtp_server
    message_id = queue(session)

    result = outbox.deliver_due(db, transport(port), NOW)

    assert result == (1, 0)
    [envelope] = collector.messages
    assert envelope.rcpt_tos == ["ada@example.org"]
    received = message_from_bytes(envelope.content)
    assert received["Subject"] == "Set a new password"
    assert "http://x/reset" in received.get_payload()
    row = stored(db, message_id)
    assert (row.status, row.attempts, row.sent_at, row.last_error) == ("sent", 1, NOW, None)
    assert outbox.deliver_due(db, transport(port), NOW + timedelta(minutes=1)) == (0, 0)
    assert len(collector.messages) == 1


def test_with_the_server_down_the_mail_waits_and_is_delivered_exactly_once_when_it_is_back(db, session):
    port = free_port()  # nothing listens here yet
    message_id = queue(session)

    assert outbox.deliver_due(db, transport(port), NOW) == (0, 1)

    row = stored(db, message_id)
    assert (row.status, row.attempts, row.sent_at) == ("pending", 1, None)
    assert row.last_error and "Connection" in row.last_error
    assert row.next_attempt_at == NOW + timedelta(seconds=5)
    # Not due again before the backoff has passed, even once the server is up.
    controller, collector = start_server(port)
    try:
        assert outbox.deliver_due(db, transport(port), NOW + timedelta(seconds=4)) == (0, 0)
        assert collector.messages == []

        assert outbox.deliver_due(db, transport(port), NOW + timedelta(seconds=5)) == (1, 0)
        assert outbox.deliver_due(db, transport(port), NOW + timedelta(seconds=60)) == (0, 0)
    finally:
        controller.stop()

    assert len(collector.messages) == 1
    row = stored(db, message_id)
    assert (row.status, row.attempts, row.sent_at, row.last_error) == ("sent", 2, NOW + timedelta(seconds=5), None)


def test_the_wait_between_tries_doubles_up_to_thirty_minutes():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert outbox.backoff(30) == timedelta(minutes=30)


def test_a_mail_queued_in_a_transaction_that_rolls_back_is_never_sent(db, smtp_server):
    port, collector = smtp_server
    with Session(db) as work:
        outbox.queue_mail(
            work,
            to="ada@example.org",
            subject="Your password was changed",
            body="...",
            kind="password_changed",
            now=NOW,
        )
        work.rollback()

    assert outbox.deliver_due(db, transport(port), NOW + timedelta(minutes=1)) == (0, 0)
    assert collector.messages == []
    with Session(db) as fresh:
        assert fresh.exec(select(func.count()).select_from(OutboxMessage)).one() == 0


def test_the_local_transport_marks_mail_local(db, session):
    message_id = queue(session)

    assert outbox.deliver_due(db, LocalTransport(), NOW) == (1, 0)

    row = stored(db, message_id)
    assert (row.status, row.attempts, row.sent_at) == ("local", 1, NOW)


# --- the worker loop -------------------------------------------------------------


def test_one_delivery_round_sends_every_message_that_is_due(db, session, smtp_server):
    port, collector = smtp_server
    queue(session, to="a@example.org")
    queue(session, to="b@example.org")

    assert mail_worker.deliver_once(db, transport(port), now=NOW) == (2, 0)
    assert sorted(e.rcpt_tos[0] for e in collector.messages) == ["a@example.org", "b@example.org"]


def _wait_for(condition, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def mail_job_every(seconds: float) -> Job:
    """The registered mail job, run more often so the tests do not wait two seconds."""
    return dataclasses.replace(job_named("mail.deliver"), every=timedelta(seconds=seconds))


def test_the_worker_delivers_until_it_is_told_to_stop(db, session, smtp_server):
    port, collector = smtp_server
    stop = threading.Event()
    rounds: list[int] = []
    worker = threading.Thread(
        target=lambda: rounds.append(
            run_forever(db, stop, jobs=[mail_job_every(0.05)], transport=transport(port), clock=lambda: NOW)
        ),
        daemon=True,
    )
    worker.start()
    try:
        queue(session)
        assert _wait_for(lambda: len(collector.messages) == 1)
    finally:
        stop.set()
        worker.join(timeout=10)

    assert not worker.is_alive()
    assert rounds and rounds[0] >= 1
    assert len(collector.messages) == 1


class BrokenTransport:
    name = "broken"

    def __init__(self) -> None:
        self.calls = 0

    def send(self, mail) -> None:
        self.calls += 1
        raise OSError("mail server on fire")


def test_the_worker_keeps_going_when_sending_fails(db, session):
    message_id = queue(session)
    broken = BrokenTransport()
    stop = threading.Event()
    moments = iter(NOW + timedelta(minutes=m) for m in range(1000))
    worker = threading.Thread(
        target=run_forever,
        args=(db, stop),
        kwargs={"jobs": [mail_job_every(0.02)], "transport": broken, "clock": lambda: next(moments)},
        daemon=True,
    )
    worker.start()
    try:
        assert _wait_for(lambda: broken.calls >= 3)
    finally:
        stop.set()
        worker.join(timeout=10)

    row = stored(db, message_id)
    assert row.status == "pending"
    assert row.attempts >= 3
    assert "mail server on fire" in row.last_error


def test_housekeeping_removes_throttle_counters_older_than_two_days_and_keeps_recent_ones(db, session):
    from portal_app.models import ThrottleHit

    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    for age in (timedelta(days=3), timedelta(days=2, minutes=1), timedelta(hours=47), timedelta(minutes=5)):
        session.add(ThrottleHit(key="signin:someone", at=now - age))
    session.commit()
    assert identity_jobs.purge_old_throttle_hits(engine=db, now=now) == 2
    left = session.exec(select(func.count()).select_from(ThrottleHit)).one()
    assert left == 2


def test_with_the_server_down_one_try_holds_every_waiting_message_to_the_same_moment_and_they_go_in_order(db, session):
    port = free_port()  # nothing listens here yet
    ids = [queue(session, subject=f"Message {n}") for n in range(5)]

    assert outbox.deliver_due(db, transport(port), NOW) == (0, 1)  # one knock on a closed door, not five

    rows = [stored(db, message_id) for message_id in ids]
    assert [row.attempts for row in rows] == [1, 0, 0, 0, 0]
    assert {row.next_attempt_at for row in rows} == {NOW + timedelta(seconds=5)}
    assert all(row.last_error and "Connection" in row.last_error for row in rows)  # an officer sees why each waits
    controller, collector = start_server(port)
    try:
        assert outbox.deliver_due(db, transport(port), NOW + timedelta(seconds=5)) == (5, 0)
    finally:
        controller.stop()
    assert [message_from_bytes(e.content)["Subject"] for e in collector.messages] == [f"Message {n}" for n in range(5)]


class RefusingCollector(Collector):
    """Takes mail for everyone but nobody@example.org, as a real server refuses a mailbox it has not got."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 - aiosmtpd's name
        if address == "nobody@example.org":
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_message_the_server_refuses_waits_on_its_own_and_the_rest_go_in_the_same_pass(db, session):
    port = free_port()
    collector = RefusingCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        first = queue(session, to="ada@example.org", subject="First")
        refused = queue(session, to="nobody@example.org", subject="Refused")
        last = queue(session, to="ben@example.org", subject="Last")
        assert outbox.deliver_due(db, transport(port), NOW) == (2, 1)
    finally:
        controller.stop()

    assert [message_from_bytes(e.content)["Subject"] for e in collector.messages] == ["First", "Last"]
    assert (stored(db, first).status, stored(db, last).status) == ("sent", "sent")
    row = stored(db, refused)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, NOW + timedelta(seconds=5))
    assert "No such mailbox" in row.last_error


class DroppingCollector(Collector):
    """Hangs up on one message mid-delivery, as a server can on a message it chokes on."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        if b"Subject: Choked on" in envelope.original_content:
            server.transport.abort()  # the line goes dead, no reply
            return "421 closing"
        return await super().handle_DATA(server, session, envelope)


def test_a_message_the_server_hangs_up_on_waits_on_its_own_and_holds_back_nobody_else(db, session):
    port = free_port()
    collector = DroppingCollector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        choked = queue(session, subject="Choked on")
        after = queue(session, subject="After it")
        assert outbox.deliver_due(db, transport(port), NOW) == (1, 1)
    finally:
        controller.stop()

    assert [message_from_bytes(e.content)["Subject"] for e in collector.messages] == ["After it"]
    assert stored(db, after).status == "sent"
    assert (stored(db, choked).status, stored(db, choked).attempts) == ("pending", 1)
