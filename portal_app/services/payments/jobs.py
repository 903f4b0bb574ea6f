"""The payments domain's background job: settle card payments whose resident never came
back from the card page (closed the tab, lost signal, the server restarted between
"recorded" and "returned").

Every five minutes, each payment still ``created`` or ``sent`` after ``SETTLE_AFTER`` is
asked about at its provider and settled (``card.settle_from_provider``): taken, declined,
expired (GOV.UK Pay expires a payment 90 minutes after it is made), or still going (looked
at again next time). The worker runs this once a period across the deployment, and
``card.settle`` finishes a payment in one conditional UPDATE, so a resident returning at
the same moment, a notification or a second worker cannot settle it twice or send two receipts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal_app import worker
from portal_app.settings import get_settings

# Long enough that a resident still on the card page is not asked about on every run.
SETTLE_AFTER = timedelta(minutes=10)

log = logging.getLogger(__name__)


@worker.job("payments.settle_unfinished", every=timedelta(minutes=5))
def settle_unfinished(*, engine: Engine, now: datetime) -> int:
    """Settle what can be settled; returns how many payments finished."""
    from portal_app.services.payments import card  # noqa: PLC0415

    with Session(engine) as s:
        waiting = card.unfinished(s, older_than=now - SETTLE_AFTER)
    finished = 0
    settings = get_settings()
    for payment_id in waiting:
        if card.settle_from_provider(engine, payment_id, now=now, settings=settings) not in ("created", "sent"):
            finished += 1
    if finished:
        log.info("%d unfinished card payments settled", finished)
    return finished


@worker.job("payments.check_plans", every=timedelta(hours=1))
def check_plans(*, engine: Engine, now: datetime) -> dict[str, int]:
    """The nightly check of every running payment plan: one check a day each (the job runs
    hourly so a restart or a late night is caught up, and ``plans.check_plan`` records one
    check per plan per UK day, so the emails go once). Each plan in a unit of work of its own."""
    from portal_app.services.payments import plans  # noqa: PLC0415

    settings = get_settings()
    with Session(engine) as s:
        waiting = plans.running_plans(s)
    counts: dict[str, int] = {}
    for plan_id in waiting:
        with Session(engine) as s:
            plan = s.get(plans.PaymentPlan, plan_id)
            if plan is None or plan.status != plans.ACTIVE:
                continue
            what = plans.check_plan(s, plan, now=now, settings=settings)
            s.commit()
        if what:
            counts[what] = counts.get(what, 0) + 1
    if counts:
        log.info("payment plans checked: %s", counts)
    return counts
