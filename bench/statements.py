"""What SQLAlchemy costs on top of the database, for the statements every event runs.

A websocket event of the account pages runs a handful of short queries (issue 15). On
SQLite each one takes the database tens of microseconds; building the ``select()`` in
Python and working out its cache key took SQLAlchemy several times that, on every call.
So the statements the account events run are built once, at import, with their values
as bound parameters (``bindparam``); a built statement keeps its cache key.

This prints, on the demo landlord's database (``data/portal.db``, ``make seed``) or the
one given, the median CPU time of this process for each of:

- the session lookup that every resident event runs (``sessions.resolve_session``'s
  statement), built on every call as it was, built once as it is, and the same SQL
  through the driver alone (the floor: no SQLAlchemy at all);
- the history's page of 50 lines (``ledger.history_page``: the count, the page and the
  balance after it), with its count and page built on every call, and built once.

    .venv/bin/python bench/statements.py
    .venv/bin/python bench/statements.py --database sqlite:////tmp/other.db
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _median_cpu_us(fn, runs: int) -> float:
    fn()  # warm: the compiled-statement cache
    times = []
    for _ in range(runs):
        started = time.process_time()
        for _ in range(50):
            fn()
        times.append((time.process_time() - started) / 50)
    return statistics.median(times) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=f"sqlite:///{ROOT / 'data' / 'portal.db'}")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)

    from sqlalchemy import func
    from sqlmodel import Session, select

    from portal_app.db import make_engine
    from portal_app.models import Transaction
    from portal_app.services.accounts import ledger
    from portal_app.services.identity import sessions

    engine = make_engine(args.database)
    with Session(engine) as session:
        found = session.exec(
            select(Transaction.account_id, func.count())
            .group_by(Transaction.account_id)
            .order_by(func.count().desc(), Transaction.account_id)
        ).all()
        if not found:
            print(f"{args.database}: no ledger to read (make seed loads the demo landlord)")
            return 1
        account_id, postings = found[len(found) // 2]  # a typical account, not the longest
        params = {"token_hash": "no such session"}

        def built_each_call():
            session.exec(sessions._session_by_token(), params=params).first()

        def built_once():
            session.exec(sessions._SESSION_BY_TOKEN, params=params).first()

        sql = str(sessions._SESSION_BY_TOKEN.compile(engine))
        raw = session.connection().connection.dbapi_connection

        def driver_alone():
            cursor = raw.cursor()
            cursor.execute(sql, ("no such session",))
            cursor.fetchone()
            cursor.close()

        def page_built_each_call():
            ledger._history_statements.cache_clear()
            ledger.history_page(session, account_id, page=2)

        def page_built_once():
            ledger.history_page(session, account_id, page=2)

        print(f"database: {engine.url.render_as_string(hide_password=True)}")
        print("median CPU time of this process per call:")
        print("  the session lookup every resident event runs:")
        print(f"    statement built on every call:   {_median_cpu_us(built_each_call, args.runs):7.0f} us")
        print(f"    statement built once:            {_median_cpu_us(built_once, args.runs):7.0f} us")
        if engine.dialect.paramstyle == "qmark":  # SQLite's driver: the SQL as compiled, ? for the value
            print(f"    the same SQL, the driver alone:  {_median_cpu_us(driver_alone, args.runs):7.0f} us")
        print(f"  a page of 50 history lines (account {account_id}, {postings:,} postings; three statements):")
        print(f"    its count and page built each call: {_median_cpu_us(page_built_each_call, args.runs):4.0f} us")
        print(f"    all three built once:               {_median_cpu_us(page_built_once, args.runs):4.0f} us")
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
