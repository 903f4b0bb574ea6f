"""The back office's background jobs: forget single sign-ons begun and not needed any more.

A sign-in begun at the identity provider waits ten minutes (``sso.START_VALID``), and a
used one keeps no secret (its nonce and verifier are wiped when it is used); both rows
go a day after they ended (``sso.purge``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from portal_app import worker
from portal_app.services.staff import sso

log = logging.getLogger(__name__)


@worker.job("staff.purge_sso_starts", every=timedelta(minutes=10))
def purge_sso_starts(*, engine: Engine, now: datetime) -> int:
    """Delete single sign-ons begun that were used or ran out more than a day ago."""
    with Session(engine) as s:
        removed = sso.purge(s, now=now)
        s.commit()
    if removed:
        log.info("%d finished single sign-on starts removed", removed)
    return removed
