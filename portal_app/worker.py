"""The background worker: the one place where background work is listed and run.

Each domain registers its jobs in its own ``jobs.py``; ``DOMAIN_JOBS`` names those
modules, and importing one registers its jobs::

    # services/mail/jobs.py
    from portal_app import worker

    worker.job("mail.deliver", every=timedelta(seconds=2))(delivery.deliver_once)

    @worker.job("identity.purge_old_throttle_hits", every=timedelta(minutes=10))
    def purge_old_throttle_hits(*, engine: Engine, now: datetime) -> int: ...

A job is a plain function that asks, by keyword, only for what it needs:

* ``engine``: the database engine (open and commit your own session);
* ``now``: the time of this run, from the worker's clock (aware UTC);
* ``transport``: the mail transport (``SMTP_URL`` from settings, or the local outbox; texts
  and ``MAIL_TRANSPORT=notify`` through GOV.UK Notify: ``integrations.transports.transport_from``).

Any other parameter is refused when the job is registered, so a typo fails at import,
not at three in the morning. What a job returns is logged at debug level.

Running them: huey (https://huey.readthedocs.io). ``run_forever(engine, stop_event)``
makes each registered job a huey periodic task and runs huey's consumer (threads,
``WORKER_THREADS``) until ``stop_event`` is set. Its storage is ``SqliteHuey`` on
``PORTAL_DATA_DIR/huey.db`` by default and ``RedisHuey`` when ``REDIS_URL`` is set
(``make_huey``; the queue's name, ``WORKER_QUEUE``, prefixes huey's keys, so they never
meet Reflex's). ``python -m portal_app worker`` runs it as a process of its own; the web
app's lifespan task runs it in a thread when ``WORKER_IN_WEB`` says so (the default
without ``REDIS_URL``: the embedded default needs no second process).

Once per period across the deployment. Huey's scheduler runs in every consumer, so with
three consumers each enqueues each job. A run therefore first claims its period in the
database (``claim_run``: a ``job_run`` row, unique on the job and the start of its period,
periods counted from the epoch in ``every``): one consumer gets it and the others find the
row and do nothing. A claim holds for ``lease_for(job)``; a run whose claimer died (its
lease passed, never finished) is taken over. A job runs at the consumer's start (a new
period is due at once), then once in each period; one that raises is logged, and runs
again in its next period; the other jobs run as usual. Mail delivery also claims each
message before sending it (``services/mail/outbox.py``), so even runs that overlap send
a message once.

This module imports neither reflex nor the page code: the worker process starts without
the web app.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portal_app.clock import utcnow

if TYPE_CHECKING:  # pragma: no cover - typing only
    from huey import Huey
    from sqlalchemy.engine import Engine

    from portal_app.integrations.mail import MailTransport
    from portal_app.settings import Settings

log = logging.getLogger(__name__)

# The modules whose import registers each domain's jobs, in the order their jobs run.
DOMAIN_JOBS = (
    "portal_app.services.mail.jobs",
    "portal_app.services.identity.jobs",
    "portal_app.services.accounts.jobs",
    "portal_app.services.payments.jobs",
    "portal_app.services.requests.jobs",
    "portal_app.services.repairs.jobs",
    "portal_app.services.staff.jobs",
    "portal_app.services.tenancy.jobs",
)

# What a job may ask for by keyword.
PROVIDED = frozenset({"engine", "now", "transport"})


@dataclass(frozen=True)
class Job:
    name: str  # "<domain>.<what it does>", unique
    every: timedelta  # the pause between the end of one run and the start of the next
    run: Callable[..., Any]
    needs: tuple[str, ...]  # which of PROVIDED it asks for


class Registry:
    """Jobs by name, in the order they were registered."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def register(self, name: str, every: timedelta, run: Callable[..., Any]) -> Job:
        if not name or name in self._jobs:
            raise ValueError(f"a job needs a name of its own: {name!r} is {'taken' if name else 'empty'}")
        if every <= timedelta(0):
            raise ValueError(f"job {name}: every must be more than nothing, not {every}")
        needs = _needs(name, run)
        job = Job(name=name, every=every, run=run, needs=needs)
        self._jobs[name] = job
        return job

    def job(self, name: str, *, every: timedelta) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: register the function as a job and give it back unchanged."""

        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.register(name, every, fn)
            return fn

        return register

    def jobs(self) -> tuple[Job, ...]:
        return tuple(self._jobs.values())


def _needs(name: str, run: Callable[..., Any]) -> tuple[str, ...]:
    needs = []
    for param in inspect.signature(run).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.name in PROVIDED:
            needs.append(param.name)
        elif param.default is param.empty:
            raise ValueError(f"job {name} asks for {param.name!r}; a job can ask for {sorted(PROVIDED)}")
    return tuple(needs)


REGISTRY = Registry()
job = REGISTRY.job


def registered_jobs() -> tuple[Job, ...]:
    """Every domain's jobs (importing ``DOMAIN_JOBS`` the first time)."""
    for module in DOMAIN_JOBS:
        importlib.import_module(module)
    return REGISTRY.jobs()


def job_named(name: str) -> Job:
    for found in registered_jobs():
        if found.name == name:
            return found
    raise KeyError(name)


def run_job(found: Job, *, engine: Engine, transport: MailTransport, now: datetime) -> Any:
    """Run one job now with what it asks for (errors are the caller's)."""
    provided = {"engine": engine, "now": now, "transport": transport}
    return found.run(**{need: provided[need] for need in found.needs})


# A run's claim on its period holds this long (at most ``every``): past it, a run whose
# claimer died is taken over by another consumer.
LEASE_CAP = timedelta(minutes=5)
# Finished runs are kept this long, for anyone asking when a job last ran.
KEEP_RUNS = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def consumer_name() -> str:
    """Who claims a run: machine, process and a tag for this consumer."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"[:120]


def period_start(found: Job, now: datetime) -> datetime:
    """The start of the period ``now`` falls in: periods of ``every``, counted from the epoch."""
    step = found.every.total_seconds()
    return EPOCH + timedelta(seconds=((now - EPOCH).total_seconds() // step) * step)


def lease_for(found: Job) -> timedelta:
    return min(found.every, LEASE_CAP)


def claim_run(engine: Engine, found: Job, *, now: datetime, claimer: str) -> datetime | None:
    """Claim the run of ``found`` for the period ``now`` falls in. Returns the period's start
    when this claimer got it, None when another consumer has it (or finished it)."""
    from sqlalchemy import update
    from sqlalchemy.dialects import postgresql, sqlite
    from sqlmodel import Session

    from portal_app.models import JobRun

    start = period_start(found, now)
    lease_until = now + lease_for(found)
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    with Session(engine) as session:
        inserted = session.exec(  # unique on (job, period): a second consumer inserts nothing
            dialect.insert(JobRun)
            .values(
                job_name=found.name, period_start=start, claimed_by=claimer, started_at=now, lease_until=lease_until
            )
            .on_conflict_do_nothing(index_elements=["job_name", "period_start"])
            .returning(JobRun.id)
        ).first()
        session.commit()
        if inserted is not None:
            return start
        taken = session.exec(  # the claimer died: its lease passed and the run never finished
            update(JobRun)
            .where(
                JobRun.job_name == found.name,
                JobRun.period_start == start,
                JobRun.finished_at.is_(None),
                JobRun.lease_until < now,
            )
            .values(claimed_by=claimer, started_at=now, lease_until=lease_until)
            .execution_options(synchronize_session=False)
        )
        session.commit()
    if taken.rowcount == 1:
        log.warning("job %s: took over the run of %s from a consumer that stopped", found.name, start)
        return start
    return None


def finish_run(engine: Engine, found: Job, *, start: datetime, claimer: str, now: datetime) -> None:
    """Mark this claimer's run finished, and forget runs of the job older than ``KEEP_RUNS``."""
    from sqlalchemy import delete, update
    from sqlmodel import Session

    from portal_app.models import JobRun

    with Session(engine) as session:
        session.exec(
            update(JobRun)
            .where(JobRun.job_name == found.name, JobRun.period_start == start, JobRun.claimed_by == claimer)
            .values(finished_at=now)
            .execution_options(synchronize_session=False)
        )
        session.exec(
            delete(JobRun)
            .where(JobRun.job_name == found.name, JobRun.period_start < now - KEEP_RUNS)
            .execution_options(synchronize_session=False)
        )
        session.commit()


def run_claimed(
    found: Job, *, engine: Engine, transport: MailTransport, now: datetime, claimer: str
) -> tuple[bool, Any]:
    """Run ``found`` if this claimer gets its period at ``now``: (ran, what it returned).
    A job that raises is logged; its period is over all the same, and it runs in the next."""
    start = claim_run(engine, found, now=now, claimer=claimer)
    if start is None:
        return False, None
    result = None
    began = time.monotonic()
    try:
        result = run_job(found, engine=engine, transport=transport, now=now)
        log.debug("job %s: %r", found.name, result)
    except Exception:  # noqa: BLE001 - one job's failure must not stop the others
        log.exception("job %s failed; it runs again in %s", found.name, found.every)
    finally:
        ended = now + timedelta(seconds=time.monotonic() - began)
        finish_run(engine, found, start=start, claimer=claimer, now=ended)
    return True, result


def run_due(
    engine: Engine,
    *,
    now: datetime,
    transport: MailTransport,
    jobs: Iterable[Job] | None = None,
    claimer: str | None = None,
) -> list[str]:
    """One pass: run each job whose period at ``now`` nobody has claimed; the names of those run."""
    claimer = claimer or consumer_name()
    to_run = registered_jobs() if jobs is None else tuple(jobs)
    return [
        found.name
        for found in to_run
        if run_claimed(found, engine=engine, transport=transport, now=now, claimer=claimer)[0]
    ]


# ---------------------------------------------------------------------------
# huey: the scheduler and consumer


def make_huey(settings: Settings | None = None, *, name: str | None = None) -> Huey:
    """``RedisHuey`` when ``REDIS_URL`` is set, else ``SqliteHuey`` on ``PORTAL_DATA_DIR/huey.db``.
    Results are not kept (a job's result is logged); times are UTC."""
    from huey import RedisHuey, SqliteHuey

    from portal_app.settings import get_settings

    settings = settings or get_settings()
    name = name or settings.worker_queue
    if settings.redis_url:
        return RedisHuey(name, url=settings.redis_url, results=False, utc=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(huey_file(settings)), results=False, utc=True)


def huey_file(settings: Settings) -> Path:
    return settings.data_dir / "huey.db"


def add_periodic_tasks(
    huey: Huey,
    jobs: Iterable[Job],
    *,
    engine: Engine,
    transport: MailTransport,
    clock: Callable[[], datetime],
    claimer: str,
    ran: Callable[[str], None] = lambda name: None,
) -> None:
    """Each job as a huey periodic task: enqueued once in each of its periods (the scheduler
    looks every second, ``Consumer``), run through ``run_claimed``."""
    for found in jobs:
        last: dict[str, datetime] = {}

        def due(_timestamp, found=found, last=last) -> bool:
            start = period_start(found, clock())
            if last.get("start") == start:
                return False
            last["start"] = start
            return True

        def run(found=found) -> None:
            if run_claimed(found, engine=engine, transport=transport, now=clock(), claimer=claimer)[0]:
                ran(found.name)

        huey.periodic_task(due, name=found.name, expires=max(found.every, timedelta(seconds=1)))(run)


def consumer_class():
    """huey's consumer, with its scheduler looking for due periodic tasks every second (huey's
    own looks once a minute; mail goes every two seconds) and no signal handlers (the
    lifespan task runs it in a thread; the command line handles its own signals)."""
    from huey.consumer import Consumer, Scheduler

    class EverySecond(Scheduler):
        periodic_task_seconds = 1

    class InProcessConsumer(Consumer):
        scheduler_class = EverySecond

        def _set_signal_handlers(self) -> None:
            return None

    return InProcessConsumer


def run_forever(
    engine: Engine,
    stop_event: threading.Event,
    *,
    jobs: Iterable[Job] | None = None,
    transport: MailTransport | None = None,
    clock: Callable[[], datetime] = utcnow,
    settings: Settings | None = None,
    huey: Huey | None = None,
    threads: int | None = None,
) -> int:
    """Run huey's consumer over the jobs until ``stop_event`` is set; returns how many runs
    this consumer made. ``jobs`` defaults to every registered job, ``transport`` to the one
    ``SMTP_URL`` gives, the storage to ``make_huey(settings)``, threads to ``WORKER_THREADS``."""
    from portal_app.integrations.transports import transport_from
    from portal_app.settings import get_settings

    settings = settings or get_settings()
    transport = transport or transport_from(settings)
    to_run = registered_jobs() if jobs is None else tuple(jobs)
    huey = huey or make_huey(settings)
    claimer = consumer_name()
    runs: list[str] = []
    add_periodic_tasks(huey, to_run, engine=engine, transport=transport, clock=clock, claimer=claimer, ran=runs.append)
    consumer = consumer_class()(
        huey,
        workers=max(threads or settings.worker_threads, 1),
        worker_type="thread",
        max_delay=1.0,  # an idle thread looks at the queue at least once a second
    )
    consumer.start()
    log.info(
        "worker %s started (%s mail, %s): %s",
        claimer,
        transport.name,
        type(huey).__name__,
        ", ".join(f.name for f in to_run) or "no jobs",
    )
    try:
        while not stop_event.wait(1.0):
            consumer.check_worker_health()
    finally:
        consumer.stop(graceful=True)  # the runs in hand finish, then the threads end
        log.info("worker %s stopped after %d runs", claimer, len(runs))
    return len(runs)


__all__ = [
    "DOMAIN_JOBS",
    "Job",
    "PROVIDED",
    "REGISTRY",
    "Registry",
    "job",
    "job_named",
    "registered_jobs",
    "claim_run",
    "consumer_name",
    "finish_run",
    "make_huey",
    "period_start",
    "run_claimed",
    "run_due",
    "run_forever",
    "run_job",
]
