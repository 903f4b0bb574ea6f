"""How fast the demo landlord's feed loads.

Generates the full demo feed (default size) into a temporary folder, imports it into a
fresh database, and prints rows per file, total rows, seconds and rows per second; then
imports the same feed again and prints how long the no-op re-import took.

    .venv/bin/python bench/import_speed.py                      # a fresh temporary SQLite file
    .venv/bin/python bench/import_speed.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench --reset

With --database-url the database must be empty, or --reset must be given: that drops
every table in it first (only ever point it at a scratch database).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="import into this database instead of a temporary SQLite file")
    parser.add_argument("--reset", action="store_true", help="drop every table in --database-url first")
    parser.add_argument("--tenancies", type=int, default=2200)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (feed and SQLite file)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="doorstep-bench-"))
    try:
        return _run(args, work)
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, work: Path) -> int:
    url = args.database_url or f"sqlite:///{work / 'bench.db'}"
    os.environ["PORTAL_DATA_DIR"] = str(work / "data")
    os.environ["DATABASE_URL"] = url

    from sqlalchemy import text
    from sqlmodel import SQLModel

    import portal_app.models  # noqa: F401
    from portal_app.db import make_engine, migrate
    from portal_app.services.records.demo_feed import DEFAULT_SEED, write_demo_feed
    from portal_app.services.records.importer import import_feed

    engine = make_engine(url)
    if args.database_url:
        with engine.begin() as conn:
            if args.reset:
                if engine.dialect.name == "postgresql":
                    conn.execute(text("DROP SCHEMA public CASCADE"))
                    conn.execute(text("CREATE SCHEMA public"))
                else:
                    SQLModel.metadata.drop_all(conn)
                    conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
            elif (
                engine.dialect.has_table(conn, "ledger_transaction")
                and conn.execute(text("SELECT 1 FROM ledger_transaction LIMIT 1")).first()
            ):
                print("The database already holds postings; use an empty one or pass --reset.", file=sys.stderr)
                return 2
    migrate(url)

    feed = work / "feed"
    started = time.perf_counter()
    summary = write_demo_feed(feed, tenancies=args.tenancies, seed=args.seed or DEFAULT_SEED)
    generated = time.perf_counter() - started
    size = sum(p.stat().st_size for p in feed.iterdir())

    print(f"database:   {url.split('@')[-1]}")
    print(f"demo feed:  {summary.tenancies:,} tenancies, {size / 1e6:.1f} MB, generated in {generated:.1f} s")
    print()

    report = import_feed(engine, feed)
    if not report.ok:
        print(report.render())
        return 1
    total = report.rows_read
    width = max(len(name) for name in report.files)
    for name, counts in report.files.items():
        print(f"{name:<{width}}  {counts.read:>9,} rows")
    print(f"{'total':<{width}}  {total:>9,} rows")
    print()
    print(f"first import:     {report.seconds:6.1f} s   {total / report.seconds:>9,.0f} rows/s")

    again = import_feed(engine, feed)
    changed = sum(c.added + c.updated for c in again.files.values())
    print(
        f"no-op re-import:  {again.seconds:6.1f} s   {total / again.seconds:>9,.0f} rows/s "
        f"({'nothing changed' if again.ok and changed == 0 else 'UNEXPECTED: ' + again.render()})"
    )
    engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
