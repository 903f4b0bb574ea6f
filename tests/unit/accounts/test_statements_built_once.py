"""Every SQL statement a resident's event runs is built once and reused (issue 15).

Building a ``select()`` and working out its cache key cost SQLAlchemy several times what
SQLite takes to run a short query (bench/statements.py: 282 us a call for the session
lookup built on every event, 70 us built once, 6 us the driver alone). So the statements
of the events every resident sends (the session lookup, home, the account page, a page
and a filter of the history, a statement) are built at import or once for each shape,
with their values bound when they run. A statement built inside the function again would
cost every event that time without changing any answer; here it fails."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event
from sqlmodel import Session

from portal_app.services.accounts import statements, summary
from portal_app.services.identity import auth, sessions
from portal_app.settings import get_settings
from tests.factories import resident_with_history

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Caller:
    person_id: int
    tenancy_id: int


@pytest.fixture
def resident(db):
    with Session(db, expire_on_commit=False) as session:
        made = resident_with_history(
            session, 1, first="Ann", last="Lee", street="Rowan Road", email="ann@example.org", now=NOW
        )
        token = sessions.create_session(session, made["user"].id, client="test", now=NOW)
        session.commit()
    return made, token


def _events(made: dict, token: str):
    settings = replace(get_settings(), allow_former_tenants=False)
    caller = Caller(made["person"].id, made["tenancy"].id)
    ref = made["account"].account_ref
    today = date(2026, 11, 30)

    def history(page: int, type_group: str = ""):
        return lambda s: summary.history(
            s,
            caller,
            ref,
            ref,
            date_from=None,
            date_to=None,
            type_group=type_group,
            page=page,
            page_size=2,
            today=today,
            settings=settings,
        )

    return {
        "the session lookup": lambda s: sessions.resolve_session(s, token, now=NOW),
        "home": lambda s: (
            summary.home_summaries(s, caller, now=NOW, settings=settings),
            auth.security_summary(s, made["user"].id),
        ),
        "the account page": lambda s: summary.account_page(s, caller, ref, "", now=NOW, settings=settings, page_size=2),
        "a history page": history(2),
        "a history filter": history(1, "payments"),
        "a statement": lambda s: statements.statement_view(s, caller, ref, "", now=NOW, settings=settings),
    }


def _statements_run(engine, work) -> tuple[list, object]:
    run: list = []

    def before_execute(_conn, clause, _multiparams, _params, _options):
        run.append(clause)

    event.listen(engine, "before_execute", before_execute)
    try:
        with Session(engine, expire_on_commit=False) as session:
            answer = work(session)
    finally:
        event.remove(engine, "before_execute", before_execute)
    return run, answer


def test_every_statement_a_residents_events_run_is_built_once_and_the_same_on_the_next_event(db, resident):
    made, token = resident
    for name, work in _events(made, token).items():
        first, answer = _statements_run(db, work)
        again, answer_again = _statements_run(db, work)
        assert first, f"{name}: ran no SQL at all"
        assert answer_again == answer, f"{name}: answered differently the second time"
        rebuilt = [str(b) for a, b in zip(first, again, strict=True) if a is not b]
        assert not rebuilt, f"{name}: built again on the next event: {rebuilt}"


def test_the_events_with_statements_built_once_still_answer_for_this_resident_and_their_filter(db, resident):
    made, token = resident
    events = _events(made, token)
    _run, principal = _statements_run(db, events["the session lookup"])
    assert principal is not None and principal.first_name == "Ann"

    _run, (choice, page2) = _statements_run(db, events["a history page"])
    assert page2.page == 2 and page2.page_count == 2 and len(page2.lines) == 1

    _run, (choice, payments) = _statements_run(db, events["a history filter"])
    assert [line.type for line in payments.lines] == ["payment"]
    assert payments.lines[0].amount_pence == -5_001

    _run, (summaries, security) = _statements_run(db, events["home"])
    assert [s.balance_pence for s in summaries] == [2 * 11_401 - 5_001]
