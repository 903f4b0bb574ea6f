"""How fast the back office's busiest screens are with a landlord's worth of requests.

Generates the demo landlord's feed (default size: about 2,200 tenancies) into a temporary
folder, imports it into a throwaway SQLite file (and, with --pg, into the PostgreSQL
database doorstep_bench, dropped and created afresh), gives 1,500 residents a portal
account and 3,000 requests (a third of them already closed, the open ones spread over
the last 30 days, so some are overdue), and prints the median of 7 runs of:

- the queue's first page (50 requests, oldest first, every open kind: what an officer
  opens first), and its "overdue" filter;
- the counts on the back office's first page (mine open, mine overdue, unassigned);
- finding a resident by surname, by postcode, and by email;
- one resident's page (their accounts and requests, as they see them);
- one request's page.

Each is one unit of work, as a handler's ``in_transaction`` call is, audit line included.

    .venv/bin/python bench/back_office_speed.py
    .venv/bin/python bench/back_office_speed.py --pg      # SQLite, then PostgreSQL
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # the demo landlord's "today" is 22 November 2026


def _median_ms(fn, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, times[0] * 1000


def _create_pg_database(server: str) -> str:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS doorstep_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE doorstep_bench")
    host = server.split("://", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+psycopg://{host}/doorstep_bench"


def _residents_and_requests(engine, residents: int, requests: int) -> dict:
    """Portal accounts for the first ``residents`` lead tenants, and ``requests`` requests."""
    from sqlmodel import Session, select

    from portal_app.models import Account, MoneyRequest, Person, PortalUser, RequestUpdate, Tenancy, TenancyParty
    from portal_app.services.identity.passwords import DUMMY_HASH
    from portal_app.services.requests.common import new_reference

    rng = random.Random(12)
    with Session(engine) as s:
        rows = s.exec(
            select(Person, Tenancy, Account)
            .join(TenancyParty, TenancyParty.person_id == Person.id)
            .join(Tenancy, Tenancy.id == TenancyParty.tenancy_id)
            .join(Account, Account.tenancy_id == Tenancy.id)
            .where(TenancyParty.role == "lead_tenant", Tenancy.end_date.is_(None), Account.account_type == "rent")
            .order_by(Person.id)
            .limit(residents)
        ).all()
        users = []
        for n, (person, tenancy, account) in enumerate(rows):
            user = PortalUser(
                email=f"bench{n}@example.org",
                mobile="+447700900123",
                password_hash=DUMMY_HASH,
                person_id=person.id,
                tenancy_id=tenancy.id,
                created_at=NOW - timedelta(days=200),
            )
            s.add(user)
            users.append((user, person, tenancy, account))
        s.flush()
        for n in range(requests):
            user, person, tenancy, account = users[n % len(users)]
            at = NOW - timedelta(days=rng.uniform(0, 30))
            closed = n % 3 == 0
            request = MoneyRequest(
                reference=new_reference(),
                kind=rng.choice(["query", "query", "refund", "standing_order", "benefits_advice"]),
                status="done" if closed else rng.choice(["received", "received", "in_progress"]),
                user_id=user.id,
                person_id=person.id,
                account_id=account.id,
                officer_id=tenancy.income_officer_id,
                summary="Question about a charge",
                details='{"message": "Why was I charged twice?"}',
                created_at=at,
                updated_at=at,
            )
            s.add(request)
            s.flush()
            s.add(RequestUpdate(request_id=request.id, at=at, status="received"))
        s.commit()
        first_user, first_person, _t, _a = users[0]
        sample = s.exec(select(MoneyRequest).where(MoneyRequest.user_id == first_user.id)).first()
        return {"user_id": first_user.id, "surname": first_person.last_name, "request": sample.reference}


def _bench(url: str, feed: Path, runs: int, residents: int, requests: int) -> None:
    from sqlmodel import Session, select

    from portal_app.db import make_engine, migrate
    from portal_app.models import Property, StaffMember, Tenancy
    from portal_app.services.records.importer import import_feed
    from portal_app.services.requests import office
    from portal_app.services.staff import residents as helping
    from portal_app.services.staff import sessions as staff_sessions
    from portal_app.services.staff.demo import add_demo_staff

    migrate(url)
    engine = make_engine(url)
    report = import_feed(engine, feed)
    if not report.ok:
        print(report.render())
        raise SystemExit(1)
    with Session(engine) as s:
        add_demo_staff(s, now=NOW)
        s.commit()
    started = time.perf_counter()
    sample = _residents_and_requests(engine, residents, requests)
    print(
        f"database:   {url.split('@')[-1]}  ({report.rows_read:,} feed rows; {residents:,} portal accounts and "
        f"{requests:,} requests made in {time.perf_counter() - started:.1f} s)"
    )
    with Session(engine) as s:
        rachel = s.exec(select(StaffMember).where(StaffMember.email.startswith("rachel."))).one()
        token = staff_sessions.start(s, rachel.id, now=NOW)
        s.commit()
        principal = staff_sessions.resolve(s, token, now=NOW)
        postcode = s.exec(select(Property.postcode).join(Tenancy, Tenancy.property_id == Property.id).limit(1)).one()

    def unit(work):
        def run():
            with Session(engine) as s:
                result = work(s)
                s.commit()
            return result

        return run

    first = office.QueueFilters()
    overdue = office.QueueFilters(age="overdue")
    shown: dict[str, object] = {}

    def queue_page(s):
        shown["queue"] = office.request_queue(s, rachel.id, first, now=NOW)

    def overdue_page(s):
        shown["overdue"] = office.request_queue(s, rachel.id, overdue, now=NOW)

    def counts(s):
        office.request_counts(s, rachel.id, now=NOW)

    def search(text):
        def go(s):
            shown[f"search {text}"] = helping.search(s, principal, text, now=NOW)

        return go

    def resident_page(s):
        helping.view_resident(s, principal, sample["user_id"], now=NOW)

    def request_page(s):
        office.open_request(s, sample["request"], rachel.id, now=NOW)

    cases = [
        ("queue, first page (50 of the open ones)", queue_page),
        ("queue, overdue only", overdue_page),
        ("first page's counts", counts),
        (f"find by surname ({sample['surname']})", search(sample["surname"])),
        (f"find by postcode ({postcode})", search(postcode)),
        ("find by email", search("bench7@example.org")),
        ("one resident's page", resident_page),
        ("one request's page", request_page),
    ]
    for label, work in cases:
        median, first_ms = _median_ms(unit(work), runs)
        print(f"  {label:44} median {median:7.1f} ms of {runs}  (first {first_ms:.1f} ms)")
    queue = shown["queue"]
    print(f"  (the queue holds {queue.total:,} open requests; overdue: {shown['overdue'].total:,})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", action="store_true", help="also run on PostgreSQL (database doorstep_bench)")
    parser.add_argument("--pg-server", default=PG_SERVER)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--residents", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args(argv)

    from portal_app.services.records.demo_feed import write_demo_feed

    work = Path(tempfile.mkdtemp(prefix="doorstep-back-office-bench-"))
    try:
        feed = work / "feed"
        feed.mkdir()
        write_demo_feed(feed)
        _bench(f"sqlite:///{work / 'bench.db'}", feed, args.runs, args.residents, args.requests)
        if args.pg:
            _bench(_create_pg_database(args.pg_server), feed, args.runs, args.residents, args.requests)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
