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
* ``transport``: the mail transport (``SMTP_URL`` from settings, or the local outbox).

Any other parameter is refused when the job is registered, so a typo fails at import,
not at three in the morning. What a job returns is logged at debug level.

``run_forever(engine, stop_event)`` runs every job that is due, then sleeps until the
next one is due or ``stop_event`` is set. Every job runs at start, then again
``every`` after its last run ended. A job that raises is logged and tried again at
its next time; the other jobs run as usual. Both ``python -m portal_app worker`` and
the web app's lifespan task call it.

One worker per deployment is the intention, but nothing here stops a second one, and
today every web worker's lifespan task runs one too. Several would each run every job:
the purge and the reconciliation are single statements and harmless twice, but mail
delivery reads the pending messages and sends them without claiming them first, so two
workers can send one message twice. Claiming work across processes (a lease, or
``FOR UPDATE SKIP LOCKED``) is the scale issue's work.

This module imports neither reflex nor the page code: the worker process starts without
the web app.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from portal_app.clock import utcnow

if TYPE_CHECKING:  # pragma: no cover - typing only
    from sqlalchemy.engine import Engine

    from portal_app.integrations.mail import MailTransport

log = logging.getLogger(__name__)

# The modules whose import registers each domain's jobs, in the order their jobs run.
DOMAIN_JOBS = (
    "portal_app.services.mail.jobs",
    "portal_app.services.identity.jobs",
    "portal_app.services.accounts.jobs",
    "portal_app.services.requests.jobs",
    "portal_app.services.staff.jobs",
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


def run_forever(
    engine: Engine,
    stop_event: threading.Event,
    *,
    jobs: Iterable[Job] | None = None,
    transport: MailTransport | None = None,
    clock: Callable[[], datetime] = utcnow,
    monotonic: Callable[[], float] = time.monotonic,
) -> int:
    """Run each job when it is due until ``stop_event`` is set; returns how many rounds ran.

    ``jobs`` defaults to every registered job, ``transport`` to the one ``SMTP_URL`` gives.
    ``clock`` is the time jobs are given; ``monotonic`` only decides when they are due.
    """
    if transport is None:
        from portal_app.integrations.mail import transport_for
        from portal_app.settings import get_settings

        transport = transport_for(get_settings().smtp_url)
    to_run = registered_jobs() if jobs is None else tuple(jobs)
    due = {found.name: monotonic() for found in to_run}  # everything runs at start
    log.info("worker started (%s mail): %s", transport.name, ", ".join(f.name for f in to_run) or "no jobs")
    rounds = 0
    while not stop_event.is_set():
        for found in to_run:
            if stop_event.is_set():
                break
            if due[found.name] > monotonic():
                continue
            try:
                result = run_job(found, engine=engine, transport=transport, now=clock())
                log.debug("job %s: %r", found.name, result)
            except Exception:  # noqa: BLE001 - one job's failure must not stop the others
                log.exception("job %s failed; it runs again in %s", found.name, found.every)
            due[found.name] = monotonic() + found.every.total_seconds()
        rounds += 1
        wait = min(due.values()) - monotonic() if due else 60.0
        stop_event.wait(max(wait, 0.0))
    log.info("worker stopped")
    return rounds


__all__ = [
    "DOMAIN_JOBS",
    "Job",
    "PROVIDED",
    "REGISTRY",
    "Registry",
    "job",
    "job_named",
    "registered_jobs",
    "run_forever",
    "run_job",
]
