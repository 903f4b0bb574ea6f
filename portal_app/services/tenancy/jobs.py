"""The tenancy domain's background jobs: evidence a resident added to a household change
(or another tenancy request) but never sent is deleted a day on (``tenancy.tidy_evidence``,
hourly; ``evidence.delete_old_drafts``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal_app import worker


@worker.job("tenancy.tidy_evidence", every=timedelta(hours=1))
def tidy_evidence(*, engine: Engine, now: datetime) -> int:
    """Delete files added while filling in a request but never sent, a day on."""
    from portal_app.services.tenancy import evidence  # noqa: PLC0415

    with Session(engine) as s:
        gone = evidence.delete_old_drafts(s, now=now)
        s.commit()
    return gone


__all__ = ["tidy_evidence"]
