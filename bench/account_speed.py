"""How fast the account page and a whole-tenancy statement are on the longest account.

Generates the demo landlord's feed (default size) into a temporary folder, imports it
into a throwaway SQLite file (and, with --pg, into the PostgreSQL database
doorstep_bench, which is dropped and created afresh), finds the account with the most
transactions, and prints the median of 7 runs of:

- the first page of its history (``ledger.history_page``, page 1 of 50 lines, with
  running balances over the whole ledger);
- a statement from the day the tenancy began to today (``statements.statement``) and its
  PDF (``statements.to_pdf``), built and rendered together;
- the service work of one websocket event of each account page, for the resident whose
  account it is, each in its own session as the handler opens it (``in_transaction``), with
  the SQL statements it runs: the home page's load, the account page's load (the account
  chosen, its overview and the first history page), a change of history page, a filter of
  the history, and the statements page's load (the median elapsed time and the median
  CPU time of this process: the web process's share, steadier on a busy machine).

    .venv/bin/python bench/account_speed.py
    .venv/bin/python bench/account_speed.py --pg      # SQLite, then PostgreSQL
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/doorstep_bench"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", action="store_true", help="also run on PostgreSQL (database doorstep_bench)")
    parser.add_argument("--pg-server", default=PG_SERVER, help="where to create the database (libpq URL)")
    parser.add_argument("--pg-database", default="doorstep_bench", help="the throwaway database's name")
    parser.add_argument("--tenancies", type=int, default=2200)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (feed and SQLite file)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="doorstep-account-bench-"))
    try:
        return _run(args, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _create_pg_database(server: str, name: str = "doorstep_bench") -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    host = server.split("://", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+psycopg://{host}/{name}"


def _median_seconds(fn, runs: int) -> tuple[float, float]:
    """(median, first) of ``runs`` timed calls."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times[0]


def _median_wall_and_cpu(fn, runs: int) -> tuple[float, float]:
    """(median elapsed, median CPU time of this process) of ``runs`` calls: the CPU time is
    what the web process spends (the database server's own work on PostgreSQL apart), and
    holds steadier than the elapsed time on a busy machine."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus)


def _bench(url: str, feed: Path, runs: int, today, now) -> None:
    from sqlalchemy import func
    from sqlmodel import Session, select

    from portal_app.clock import uk_date_words
    from portal_app.db import make_engine, migrate
    from portal_app.models import Account, Tenancy, Transaction
    from portal_app.services.accounts.ledger import history_page
    from portal_app.services.accounts.statements import Landlord, statement, to_pdf
    from portal_app.services.records.importer import import_feed

    migrate(url)
    engine = make_engine(url)
    report = import_feed(engine, feed)
    if not report.ok:
        print(report.render())
        raise SystemExit(1)
    print(f"database:   {url.split('@')[-1]}  ({report.rows_read:,} rows imported in {report.seconds:.1f} s)")

    landlord = Landlord("Northbrook Homes", "Northbrook Homes, 1 Civic Way, Northbrook NB1 1AA", "0300 123 4567")
    with Session(engine) as session:
        account_id, count = session.exec(
            select(Transaction.account_id, func.count())
            .group_by(Transaction.account_id)
            .order_by(func.count().desc(), Transaction.account_id)
            .limit(1)
        ).one()
        account = session.get(Account, account_id)
        tenancy = session.get(Tenancy, account.tenancy_id)

    def first_page():
        with Session(engine) as session:
            page = history_page(session, account_id)
            assert len(page.lines) == 50

    last: dict[str, object] = {}

    def whole_statement():
        with Session(engine) as session:
            st = statement(session, account_id, tenancy.start_date, today, landlord=landlord, now=now)
        last["lines"], last["pdf"] = len(st.lines), to_pdf(st)

    def build_only():
        with Session(engine) as session:
            statement(session, account_id, tenancy.start_date, today, landlord=landlord, now=now)

    history_median, history_first = _median_seconds(first_page, runs)
    build_median, _ = _median_seconds(build_only, runs)
    pdf_median, pdf_first = _median_seconds(whole_statement, runs)
    from io import BytesIO

    from pypdf import PdfReader

    pdf = last["pdf"]
    print(
        f"account:    {account.account_ref} ({tenancy.tenancy_ref}, since {uk_date_words(tenancy.start_date)}): "
        f"{count:,} transactions; statement of {last['lines']:,} lines, "
        f"{len(PdfReader(BytesIO(pdf)).pages)} pages, {len(pdf) / 1024:.0f} KB PDF"
    )
    print(
        f"history page 1 (50 lines):        median {history_median * 1000:7.1f} ms of {runs}  "
        f"(first {history_first * 1000:.1f} ms)"
    )
    print(
        f"whole-tenancy statement + PDF:    median {pdf_median * 1000:7.1f} ms of {runs}  "
        f"(first {pdf_first * 1000:.1f} ms; building the statement alone {build_median * 1000:.1f} ms)"
    )
    _bench_events(engine, account, tenancy, runs, today, now)
    print()
    engine.dispose()


def _bench_events(engine, account, tenancy, runs: int, today, now) -> None:
    """The account pages' events' service work, timed and their SQL statements counted."""
    from dataclasses import dataclass

    from sqlalchemy import event
    from sqlmodel import Session, select

    from portal_app.models import TenancyParty
    from portal_app.services.accounts import balances, statements, summary
    from portal_app.settings import get_settings

    @dataclass(frozen=True)
    class Caller:
        person_id: int
        tenancy_id: int

    settings = get_settings()
    with Session(engine) as session:
        party = session.exec(
            select(TenancyParty)
            .where(TenancyParty.tenancy_id == tenancy.id, TenancyParty.role.in_(settings.eligible_roles))
            .order_by(TenancyParty.id)
        ).first()
    caller = Caller(party.person_id, tenancy.id)
    ref = account.account_ref

    def unit(work, *args, **kwargs):
        with Session(engine) as session:
            return work(session, *args, **kwargs)

    def history(page: int, type_group: str = ""):
        return unit(
            summary.history,
            caller,
            ref,
            ref,
            date_from=None,
            date_to=None,
            type_group=type_group,
            page=page,
            page_size=50,
            today=today,
            settings=settings,
        )

    def home():
        unit(
            balances.account_summaries,
            person_id=caller.person_id,
            tenancy_id=caller.tenancy_id,
            today=today,
            now=now,
            allow_former=settings.allow_former_tenants,
            roles=settings.eligible_roles,
            days_to_pay=settings.leasehold_bill_days_to_pay,
        )

    def account_load():
        if hasattr(summary, "account_page"):  # one unit of work: choice, overview, first history page
            _choice, shown = unit(summary.account_page, caller, ref, "", now=now, settings=settings, page_size=50)
            assert shown is not None and len(shown.history.lines) == 50
        else:  # before: the overview, then the first history page in a second unit of work
            _choice, overview = unit(summary.account_overview, caller, ref, "", now=now, settings=settings)
            _choice, found = history(1)
            assert overview is not None and len(found.lines) == 50

    def statement_load():
        _choice, view = unit(statements.statement_view, caller, ref, "", now=now, settings=settings)
        assert view is not None and view.statement is not None

    statements_run: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many):
        statements_run.append(statement)

    events = [
        ("home page load", home),
        ("account page load", account_load),
        ("history page change (page 2)", lambda: history(2)),
        ("history filter (payments)", lambda: history(1, "payments")),
        ("statements page load", statement_load),
    ]
    print(f"one event's service work, as {ref}'s resident sees it:")
    for name, fn in events:
        fn()  # warm
        statements_run.clear()
        event.listen(engine, "before_cursor_execute", count)
        fn()
        event.remove(engine, "before_cursor_execute", count)
        n = len(statements_run)
        wall, cpu = _median_wall_and_cpu(fn, max(runs, 15))
        print(
            f"    {name + ':':32s} median {wall * 1000:6.1f} ms, {cpu * 1000:6.1f} ms of this process's CPU "
            f"(of {max(runs, 15)}), {n:3d} SQL statements"
        )


def _run(args: argparse.Namespace, work: Path) -> int:
    os.environ["PORTAL_DATA_DIR"] = str(work / "data")
    sqlite_url = f"sqlite:///{work / 'bench.db'}"
    os.environ["DATABASE_URL"] = sqlite_url

    from portal_app.services.records.demo_feed import DEFAULT_SEED, DEFAULT_TODAY, write_demo_feed

    feed = work / "feed"
    started = time.perf_counter()
    summary = write_demo_feed(feed, tenancies=args.tenancies, seed=args.seed or DEFAULT_SEED)
    print(
        f"demo feed:  {summary.tenancies:,} tenancies, {summary.transactions:,} transactions, "
        f"generated in {time.perf_counter() - started:.1f} s"
    )
    print()
    today = summary.today or DEFAULT_TODAY
    now = datetime(today.year, today.month, today.day, 12, 0, tzinfo=UTC)

    _bench(sqlite_url, feed, args.runs, today, now)
    if args.pg:
        url = _create_pg_database(args.pg_server, args.pg_database)
        _bench(url, feed, args.runs, today, now)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
