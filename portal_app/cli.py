"""`python -m portal_app ...`: migrate, import, seed-demo, mailbox, send-mail, worker, check-schema."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session, func, select


def _cmd_migrate(_args) -> int:
    from portal_app.db import migrate

    migrate()
    print("Database is at the latest revision.")
    return 0


def _cmd_check_schema(_args) -> int:
    from portal_app.db import SchemaNotCurrent, require_current_schema

    try:
        require_current_schema()
    except SchemaNotCurrent as exc:
        print(exc, file=sys.stderr)
        return 3
    print("Database is at the latest revision.")
    return 0


def _cmd_import(args) -> int:
    from portal_app.db import get_engine, require_current_schema
    from portal_app.services.records.importer import import_feed

    require_current_schema()
    report = import_feed(get_engine(), Path(args.feed))
    print(report.render())
    return 0 if report.ok else 1


def _cmd_seed_demo(args) -> int:
    """Generate the demo landlord's feed and load it through the importer (first run only)."""
    from portal_app.db import get_engine, require_current_schema
    from portal_app.models import Tenancy
    from portal_app.services.records.demo_feed import write_demo_feed
    from portal_app.services.records.importer import import_feed

    require_current_schema()
    engine = get_engine()
    with Session(engine) as s:
        existing = s.exec(select(func.count()).select_from(Tenancy)).one()
    if existing and not args.force:
        print(f"The database already holds {existing} tenancies: demo landlord not loaded again.")
        return 0
    with tempfile.TemporaryDirectory(prefix="doorstep-demo-") as folder:
        started = time.perf_counter()
        summary = write_demo_feed(Path(folder))
        generated = time.perf_counter() - started
        report = import_feed(engine, Path(folder))
    print(f"Generated the demo feed in {generated:.1f} s.")
    print(report.render())
    if report.ok:
        print("\nDemo residents (see README for what each shows):")
        for r in summary.demo_residents:
            print(f"  {r.name:28} {r.tenancy_ref:12} born {r.date_of_birth:%d/%m/%Y}  {r.case}")
    return 0 if report.ok else 1


def _cmd_mailbox(args) -> int:
    from portal_app.clock import uk_time_words
    from portal_app.db import get_engine
    from portal_app.services.mail.outbox import recent_messages

    with Session(get_engine()) as s:
        items = recent_messages(s, to=args.to, limit=args.limit)
    if not items:
        print("The outbox is empty.")
    for m in reversed(items):
        print("=" * 72)
        print(f"To:      {m.to_address}\nSubject: {m.subject}\nWhen:    {uk_time_words(m.created_at)}  [{m.status}]")
        print("-" * 72)
        print(m.body_text)
    return 0


def _cmd_send_mail(args) -> int:
    """Deliver the outbox once, or run the worker (--forever)."""
    from portal_app.db import get_engine
    from portal_app.integrations.mail import transport_for
    from portal_app.services.mail.delivery import deliver_once
    from portal_app.settings import get_settings

    if args.forever:
        return _cmd_worker(args)
    delivered, failed = deliver_once(get_engine(), transport_for(get_settings().smtp_url))
    print(f"delivered {delivered}, failed {failed} (failed ones are retried later)")
    return 0


def _cmd_worker(_args) -> int:
    """Run every domain's background jobs (portal_app/worker.py) until Ctrl-C or SIGTERM."""
    import logging
    import signal
    import threading

    from portal_app import worker
    from portal_app.db import get_engine, require_current_schema

    require_current_schema()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())  # finish the job in hand, then stop
    try:
        worker.run_forever(get_engine(), stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _cmd_make_icons(_args) -> int:
    from portal_app.integrations.icons import write_icons
    from portal_app.settings import PROJECT_ROOT

    for path in write_icons(PROJECT_ROOT / "assets"):
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portal_app", description="Doorstep portal commands")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="bring the database to the latest schema (Alembic upgrade head)").set_defaults(fn=_cmd_migrate)
    sub.add_parser("check-schema", help="exit 3 unless the database is at the latest revision").set_defaults(fn=_cmd_check_schema)
    p = sub.add_parser("import", help="import a landlord feed (a folder or a .zip): all or nothing")
    p.add_argument("feed")
    p.set_defaults(fn=_cmd_import)
    p = sub.add_parser("seed-demo", help="generate and import the demo landlord, when the database has no tenancies")
    p.add_argument("--force", action="store_true", help="import even when tenancies exist (idempotent)")
    p.set_defaults(fn=_cmd_seed_demo)
    p = sub.add_parser("mailbox", help="print the newest messages in the outbox")
    p.add_argument("--to", help="only messages to this address")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(fn=_cmd_mailbox)
    p = sub.add_parser("send-mail", help="deliver pending mail now (the running portal also does this every 2 s)")
    p.add_argument("--forever", action="store_true", help="keep going: the same as `worker`")
    p.set_defaults(fn=_cmd_send_mail)
    sub.add_parser(
        "worker", help="run the background jobs (mail, housekeeping, payment reconciliation) until stopped"
    ).set_defaults(fn=_cmd_worker)
    sub.add_parser("make-icons", help="draw the app icons into assets/icons/").set_defaults(fn=_cmd_make_icons)
    args = parser.parse_args(argv)
    return int(args.fn(args) or 0)
