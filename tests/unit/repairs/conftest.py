"""Fixtures for the repairs tests: the built-in sandbox contractor with its diary in the
test database and a fixed clock, and two homes, each with a leaking tap reported."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlmodel import Session

from portal_app.integrations import repairs as systems
from portal_app.integrations.repairs.sandbox import SandboxConfig, SandboxRepairsSystem
from portal_app.integrations.repairs.sandbox_db import DatabaseStore
from portal_app.services.repairs import reporting
from portal_app.settings import get_settings
from tests.factories import make_resident
from tests.unit.repairs.test_reporting import NOW, _form


@pytest.fixture
def sandbox(db):
    system = SandboxRepairsSystem(SandboxConfig(capacity=1), DatabaseStore(db), now=lambda: NOW)
    systems.use_for_tests(system)
    yield system
    systems.use_for_tests(None)


@pytest.fixture
def two(db, sandbox):
    with Session(db, expire_on_commit=False) as s:
        ann = make_resident(s, email="ann@example.org", ref="APRENT1")
        bea = make_resident(s, email="bea@example.org", first="Bea", ref="APRENT2")
        s.commit()
    callers = [SimpleNamespace(user_id=r.user.id, person_id=r.person.id, tenancy_id=r.tenancy.id) for r in (ann, bea)]
    refs = []
    for caller in callers:
        with Session(db) as s:
            refs.append(reporting.report(s, caller, _form(), now=NOW, settings=get_settings()).reference)
            s.commit()
    return SimpleNamespace(ann=callers[0], bea=callers[1], ann_ref=refs[0], bea_ref=refs[1])
