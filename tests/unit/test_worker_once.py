"""Background work done once across the deployment: each run of a periodic job claims its
period in the database (``job_run``), so three consumers at once run it once a period."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import datetime, timedelta

from portal_app import worker
from portal_app.integrations.mail import LocalTransport


def test_a_job_due_every_second_runs_once_a_second_with_three_consumers_running(db):
    runs: list[datetime] = []
    lock = threading.Lock()

    def tick(*, now):
        with lock:
            runs.append(now)

    registry = worker.Registry()
    job = registry.register("test.tick", timedelta(seconds=1), tick)
    stop = threading.Event()
    consumers = [
        threading.Thread(
            target=worker.run_forever, args=(db, stop), kwargs={"jobs": [job], "transport": LocalTransport()}
        )
        for _ in range(3)
    ]
    for consumer in consumers:
        consumer.start()
    time.sleep(4.5)
    stop.set()
    for consumer in consumers:
        consumer.join(timeout=20)

    per_second = Counter(int(moment.timestamp()) for moment in runs)
    assert len(per_second) >= 3  # it kept running
    assert [second for second, times in per_second.items() if times > 1] == []  # never twice in one second
