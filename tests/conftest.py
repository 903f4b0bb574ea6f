"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
TEST_DATABASE_URL points at one (``make test`` does both)."""

from __future__ import annotations

import os
import tempfile

_TMP = tempfile.mkdtemp(prefix="doorstep-test-")
os.environ["PORTAL_DATA_DIR"] = _TMP
os.environ["DATABASE_URL"] = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{_TMP}/test.db"
os.environ.setdefault("PORTAL_ENV", "dev")
os.environ.pop("SMTP_URL", None)

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

import portal_app.models  # noqa: E402,F401
from portal_app.clock import utcnow  # noqa: E402
from portal_app.db import get_engine, migrate  # noqa: E402
from portal_app.services.identity import auth  # noqa: E402
from portal_app.settings import get_settings  # noqa: E402
from tests.factories import PASSWORD, Records, resident_with_history  # noqa: E402


def pytest_report_header(config):
    return f"database: {get_settings().database_url.split('@')[-1]}"


@pytest.fixture(scope="session")
def engine():
    eng = get_engine()
    if eng.dialect.name == "postgresql":
        with eng.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    migrate()
    yield eng


def _empty_all_tables(eng) -> None:
    with eng.begin() as conn:
        if eng.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            # The audit log refuses deletes (migration 0007's triggers): lift them for the
            # emptying between tests only, and put them back exactly as they were.
            triggers = conn.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_event'")
            ).all()
            for name, _sql in triggers:
                conn.execute(text(f'DROP TRIGGER "{name}"'))
            for table in reversed(SQLModel.metadata.sorted_tables):
                conn.execute(table.delete())
            for _name, sql in triggers:
                conn.execute(text(sql))


@pytest.fixture
def db(engine):
    """A migrated, empty database for one test."""
    _empty_all_tables(engine)
    yield engine
    _empty_all_tables(engine)


@pytest.fixture
def session(db):
    with Session(db, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def records(session):
    """The factories' builders bound to this test's session (tests/factories.py)."""
    return Records(session)


@pytest.fixture
def two_residents(db):
    """Residents A (Annabel, OWNRENT1) and B (Bartholomew, OWNRENT2), each with a ledger and
    a query, committed; B is signed in and B's dict carries the session token."""
    with Session(db, expire_on_commit=False) as s:
        now = utcnow()
        a = resident_with_history(
            s, 1, first="Annabel", last="Quigley", street="Juniper Row", email="annabel@example.org", now=now
        )
        b = resident_with_history(
            s, 2, first="Bartholomew", last="Ndiaye", street="Sycamore Way", email="bart@example.org", now=now
        )
        outcome = auth.sign_in(s, "bart@example.org", PASSWORD, client="test", client_ip="192.0.2.10", now=utcnow())
        s.commit()
        assert outcome.status == "signed_in"
        b["token"] = outcome.token
    return a, b


@pytest.fixture(scope="session")
def playwright_driver():
    """One Playwright for the whole run: the browser journeys (tests/e2e) and the
    production profile's (tests/scale) share it, since a second sync Playwright cannot
    start while the first one's event loop runs."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p
