"""Portal backends for the websocket tests: real processes, throwaway databases.

Two of them, so the log-line budgets one test spends (the guard writes at most 60
refusal lines a minute per process) are not another's: ``wire_portal`` for the hostile
frames, the origin and the flood, ``walk_portal`` (residents A and B in its database)
for the walk over every handler. Each starts on first use, in about 7 seconds.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from tests.security.wire import RunningPortal, start_portal


@pytest.fixture(scope="session")
def wire_portal():
    portal = start_portal("wire")
    yield portal
    portal.stop()


def _two_residents(portal: RunningPortal) -> None:
    """Residents A (Annabel, OWNRENT1) and B (Bartholomew, OWNRENT2), as tests/conftest.py's
    ``two_residents`` builds them, here in the portal's own database."""
    from portal_app.clock import utcnow
    from tests.factories import resident_with_history

    now = utcnow() - timedelta(minutes=5)
    with Session(portal.engine(), expire_on_commit=False) as s:
        for key, n, first, last, street, email in (
            ("a", 1, "Annabel", "Quigley", "Juniper Row", "annabel@example.org"),
            ("b", 2, "Bartholomew", "Ndiaye", "Sycamore Way", "bart@example.org"),
        ):
            r = resident_with_history(s, n, first=first, last=last, street=street, email=email, now=now)
            portal.people[key] = {
                "user_id": r["user"].id,
                "person_id": r["person"].id,
                "first_name": r["person"].first_name,
                "last_name": r["person"].last_name,
                "email": r["user"].email,
                "address": r["property"].address_line_1,
                "account_id": r["account"].id,
                "account_ref": r["account"].account_ref,
                "tenancy_id": r["tenancy"].id,
                "tenancy_ref": r["tenancy"].tenancy_ref,
                "request_id": r["request"].id,
                "request_ref": r["request"].reference,
                "transaction_id": r["transaction"].id,
            }


def _residents_and_staff(portal: RunningPortal) -> None:
    """Residents A and B, and one member of staff of each role (``portal.people["staff"]``:
    role -> staff id), for the back office's authorisation matrix."""
    from portal_app.services.roles import ROLES
    from tests.factories import make_staff

    _two_residents(portal)
    with Session(portal.engine(), expire_on_commit=False) as s:
        portal.people["staff"] = {role: make_staff(s, role, name=f"Matrix {role}").id for role in ROLES}
        s.commit()


@pytest.fixture(scope="session")
def matrix_portal():
    portal = start_portal("matrix", seed=_residents_and_staff)
    yield portal
    portal.stop()


@pytest.fixture(scope="session")
def walk_portal():
    portal = start_portal("walk", seed=_two_residents)
    yield portal
    portal.stop()
