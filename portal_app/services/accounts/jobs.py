"""The accounts domain's background job: mark portal payments the landlord's feed has
now posted to the ledger (so the balance stops counting them as pending)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal_app import worker

log = logging.getLogger(__name__)


@worker.job("accounts.reconcile_portal_payments", every=timedelta(minutes=10))
def reconcile_portal_payments(*, engine: Engine, now: datetime) -> int:
    """``ledger.reconcile_portal_payments`` in a unit of work of its own; returns how many
    payments are now posted."""
    # Imported here: a fault in the ledger code fails this job only, not the worker's start.
    from portal_app.services.accounts import ledger  # noqa: PLC0415

    with Session(engine) as s:
        posted = ledger.reconcile_portal_payments(s, now)
        s.commit()
    if posted:
        log.info("%d portal payments now posted", posted)
    return posted
