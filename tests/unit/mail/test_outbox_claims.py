"""Exactly once across deliverers: a message is claimed (a lease on its row) before it is
sent, so several deliverers at once never send one twice, and one that dies holding a
message leaves it to be sent after its lease. Real SMTP: an aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

from sqlmodel import Session, select

from portal_app.integrations.mail import SmtpTransport
from portal_app.models import OutboxMessage
from portal_app.services.mail import outbox
from portal_app.settings import PROJECT_ROOT
from tests.unit.mail.test_outbox import free_port, start_server

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def queue_many(session: Session, count: int, *, now: datetime = NOW) -> list[int]:
    for n in range(count):
        outbox.queue_mail(
            session, to=f"resident{n}@example.org", subject=f"Message {n}", body="Hello", kind="t", now=now
        )
    session.commit()
    return list(session.exec(select(OutboxMessage.id).order_by(OutboxMessage.id)).all())


def subjects(collector) -> list[str]:
    return [message_from_bytes(e.original_content)["Subject"] for e in collector.messages]


def message_ids(collector) -> list[str]:
    return [message_from_bytes(e.original_content)["Message-ID"] for e in collector.messages]


def statuses(db) -> Counter:
    with Session(db) as fresh:
        return Counter(fresh.exec(select(OutboxMessage.status)).all())


class SlowSmtp(SmtpTransport):
    """Real SMTP, with the small pause a real mail server takes, so deliverers overlap."""

    def send(self, mail) -> None:
        time.sleep(0.002)
        super().send(mail)


def test_eight_deliverers_at_once_send_each_of_two_hundred_messages_exactly_once(db, session):
    controller, collector = start_server(port := free_port())
    try:
        queue_many(session, 200)
        start = threading.Barrier(8)

        def deliverer() -> None:
            start.wait()
            outbox.deliver_due(db, SlowSmtp(f"smtp://127.0.0.1:{port}", timeout=5), NOW, limit=200)

        threads = [threading.Thread(target=deliverer) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        controller.stop()

    sent = Counter(subjects(collector))
    assert sorted(sent) == sorted(f"Message {n}" for n in range(200))
    assert [subject for subject, times in sent.items() if times > 1] == []  # nobody was sent one twice
    assert statuses(db) == Counter({"sent": 200})


HOLDING = """
import sys, time
from datetime import datetime
from portal_app.db import get_engine
from portal_app.integrations.mail import SmtpTransport
from portal_app.services.mail import outbox

port, when, accepted_first = int(sys.argv[1]), datetime.fromisoformat(sys.argv[2]), sys.argv[3] == "accepted"

class Holding(SmtpTransport):
    def send(self, mail):
        if accepted_first:
            super().send(mail)  # the server has it; the deliverer dies before marking it sent
        print("holding", flush=True)
        time.sleep(600)

outbox.deliver_due(get_engine(), Holding(f"smtp://127.0.0.1:{port}", timeout=5), when, limit=1)
"""


def deliverer_killed_while_holding(port: int, *, accepted_first: bool) -> None:
    """Start a deliverer in a process of its own, let it claim a message, and SIGKILL it
    before it can mark the message (after the server accepted it, when ``accepted_first``)."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDING, str(port), NOW.isoformat(), "accepted" if accepted_first else "before"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert child.stdout.readline().strip() == "holding"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)


def test_a_deliverer_killed_after_claiming_a_message_leaves_it_to_be_sent_once_after_its_lease(db, session):
    controller, collector = start_server(port := free_port())
    try:
        [message_id] = queue_many(session, 1)
        deliverer_killed_while_holding(port, accepted_first=False)
        smtp = SmtpTransport(f"smtp://127.0.0.1:{port}", timeout=5)

        during_lease = outbox.deliver_due(db, smtp, NOW + timedelta(minutes=1))
        after_lease = outbox.deliver_due(
            db, smtp, NOW + timedelta(seconds=outbox.get_settings().mail_lease_seconds + 5)
        )
        later = outbox.deliver_due(db, smtp, NOW + timedelta(hours=1))
    finally:
        controller.stop()

    assert (during_lease, after_lease, later) == ((0, 0), (1, 0), (0, 0))
    assert subjects(collector) == ["Message 0"]
    with Session(db) as fresh:
        row = fresh.get(OutboxMessage, message_id)
        assert (row.status, row.attempts, row.lease_until) == ("sent", 2, None)


def test_a_message_the_server_accepted_just_before_its_deliverer_died_comes_again_with_the_same_message_id(db, session):
    """The one window exactly-once cannot close (docs: README, Background work)."""
    controller, collector = start_server(port := free_port())
    try:
        queue_many(session, 1)
        deliverer_killed_while_holding(port, accepted_first=True)
        assert outbox.deliver_due(db, SmtpTransport(f"smtp://127.0.0.1:{port}"), NOW + timedelta(minutes=1)) == (0, 0)
        assert outbox.deliver_due(db, SmtpTransport(f"smtp://127.0.0.1:{port}"), NOW + timedelta(minutes=3)) == (1, 0)
    finally:
        controller.stop()

    ids = message_ids(collector)
    assert len(ids) == 2
    assert ids[0] == ids[1] and ids[0].startswith("<outbox-")  # a receiving system can drop the second


def test_every_message_keeps_one_message_id_however_many_times_it_is_tried(db, session):
    controller, collector = start_server(port := free_port())
    controller.stop()  # the server is down for the first try
    [message_id] = queue_many(session, 1)
    down = SmtpTransport(f"smtp://127.0.0.1:{port}", timeout=2)
    assert outbox.deliver_due(db, down, NOW) == (0, 1)
    controller, collector = start_server(port)
    try:
        assert outbox.deliver_due(db, down, NOW + timedelta(minutes=1)) == (1, 0)
    finally:
        controller.stop()

    settings_from = outbox.get_settings().mail_from
    assert message_ids(collector) == [outbox.message_id_for(message_id, NOW, settings_from)]
