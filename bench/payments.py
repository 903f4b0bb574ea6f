"""How long the server takes over a card payment: from "Pay now" to the card page, and
from the card page's return to the receipt (medians and 95th percentiles).

In-process, on a throwaway SQLite file (and, with --pg, on the PostgreSQL database
doorstep_bench_payments, dropped and created afresh), for N payments (default 50, after
3 not counted to warm up), each by a resident of their own, signed in, this times:

- **to the card page**: the server side of "Continue to payment" up to the redirect to
  the card page, each step in its own unit of work as the portal runs it:
  the pay page's event (the session looked up, ``card.start`` writes the payment, the
  handoff code for the payment cookie, ``handoff.issue``), the handoff route
  (``handoff.redeem``), and the go route (the session looked up, ``card.go``: the
  payment claimed, created at the provider, its id stored);
- **back to the receipt**: the return route (``card.returned``: the payment found by the
  cookie's key, its status asked of the provider, ``settle``d with the receipt email
  queued) and the result page's load (the session looked up, ``card.outcome``: what the
  receipt shows).

Beside them, in the same run and interleaved with the payments (one after each, so both
see the same machine), a baseline: the same number of trivial units of work (a session
with one ``SELECT 1``, committed) on the same database. With --govuk-pay, the same
payments against a local GOV.UK Pay (``tests/govuk_pay_server.py``, a real HTTP server
in this process, driven through the real adapter ``GovukPay``), with a second baseline:
one HTTP round trip to that server (a GET of an unknown payment, answered 404).

What it does not measure: the browser (the page loads, the websocket, the redirects'
round trips, the card page itself), the resident's typing, and GOV.UK Pay's own time and
the network to it (each payment makes one POST to Pay on the way there and one GET on the
way back; add Pay's answer time, tens to hundreds of milliseconds, to each). The local
Pay's clock is moved on a second between payments, so its rate limit (15 payments a
second per service) is never hit; the sandbox provider's card page is the portal's own,
so its "create" and "status" are rows in this database.

    .venv/bin/python bench/payments.py
    .venv/bin/python bench/payments.py --govuk-pay --pg     # also the local Pay; SQLite, then PostgreSQL
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "doorstep_bench_payments"
AMOUNT_PENCE = 2_500
CARD = {  # GOV.UK Pay's success card, as the sandbox's card page takes it
    "card_number": "4444333322221111",
    "expiry_month": "04",
    "expiry_year": str((date.today().year + 2) % 100),
    "cvc": "123",
    "name": "A Lee",
    "postcode": "NB1 1AA",
}


def _create_pg_database(server: str, name: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    host = server.split("://", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+psycopg://{host}/{name}"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def _line(label: str, times: list[float]) -> str:
    return f"    {label:48s} median {_ms(statistics.median(times))}   p95 {_ms(_pct(times, 95))}"


@dataclasses.dataclass
class Timings:
    """Seconds per payment for each step, and the baselines taken beside them."""

    steps: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    receipts: int = 0  # receipt emails queued in the outbox, all told

    def add(self, name: str, seconds: float) -> None:
        self.steps.setdefault(name, []).append(seconds)


def _use_database(url: str):
    """Point the portal at ``url`` (the sandbox provider opens its own units of work on
    the portal's engine), migrated; its engine."""
    from portal_app.db import get_engine, migrate, reset_engine_cache
    from portal_app.settings import reset_settings_cache

    os.environ["DATABASE_URL"] = url
    reset_settings_cache()
    reset_engine_cache()
    migrate(url)
    return get_engine()


def _residents(engine, n: int, tag: str) -> list[tuple[object, str, str]]:
    """``n`` residents with a rent account each, signed in: (principal, account ref, session token)."""
    from sqlmodel import Session

    from portal_app.clock import utcnow
    from portal_app.services.identity import sessions
    from tests.factories import make_resident

    made = []
    with Session(engine, expire_on_commit=False) as s:
        for i in range(n):
            resident = make_resident(s, email=f"payer-{tag}-{i}@example.org")
            made.append(resident)
        s.commit()
        found = []
        for resident in made:
            token = sessions.create_session(s, resident.user.id, client="bench", now=utcnow())
            s.commit()
            principal = sessions.resolve_session(s, token, now=utcnow(), touch=False)
            found.append((principal, resident.account.account_ref, token))
    return found


def _bench_provider(engine, tag: str, n: int, warm: int, *, pay_server=None) -> Timings:
    """N payments (after ``warm`` not counted), each timed step by step, and a baseline
    unit of work (and, against the local Pay, a baseline HTTP round trip) after each."""
    import httpx
    from sqlalchemy import text

    from portal_app import routes
    from portal_app.clock import utcnow
    from portal_app.db import session_scope
    from portal_app.integrations import payments as providers
    from portal_app.integrations.payments import sandbox
    from portal_app.services.identity import cookies, handoff, sessions
    from portal_app.services.payments import card
    from portal_app.settings import get_settings

    settings = get_settings()
    if pay_server is not None:
        from portal_app.integrations.payments.govuk_pay import GovukPay
        from tests.govuk_pay_server import CardBrowser

        settings = dataclasses.replace(settings, payment_provider="govuk_pay")
        providers.use_for_tests("govuk_pay", GovukPay(pay_server.base_url, pay_server.api_key, sleep=pay_server.sleep))
        resident_at_pay = CardBrowser(pay_server)
        raw_http = httpx.Client(timeout=10.0)
    residents = _residents(engine, n + warm, tag)
    timings = Timings()
    client_ip = "127.0.0.1"

    def unit(work, *args, **kwargs):
        with session_scope() as s:
            return work(s, *args, **kwargs)

    def resolve(s, token):
        return sessions.resolve_session(s, token, now=utcnow())

    try:
        for i, (principal, account_ref, token) in enumerate(residents):
            counted = i >= warm
            attempt = f"bench-{i}"
            if pay_server is not None:
                pay_server.advance(seconds=1)  # residents arrive no faster than Pay's 15 a second

            # --- "Continue to payment" ... the card page ---------------------------------------
            t0 = time.perf_counter()
            now = utcnow()

            def press(s, now=now, principal=principal, account_ref=account_ref, token=token, attempt=attempt):
                resolve(s, token)
                return card.start(
                    s,
                    principal,
                    account_ref,
                    AMOUNT_PENCE,
                    attempt_key=attempt,
                    now=now,
                    today=now.date(),
                    settings=settings,
                )

            started = unit(press)
            assert started.outcome == "ready", started
            cookie = cookies.SetCookie(cookies.PAYMENT, started.return_key, cookies.PAYMENT_SECONDS)
            code = unit(handoff.issue, [cookie], next_path=routes.API_PAYMENT_GO, client_ip=client_ip, now=now)
            t1 = time.perf_counter()
            handed = unit(handoff.redeem, code, client_ip=client_ip, now=utcnow())
            assert handed is not None
            t2 = time.perf_counter()
            user = unit(lambda s, token=token: sessions.resolve_session(s, token, now=utcnow(), touch=False))
            went = card.go(engine, handed.cookies[0].value, user.user_id, now=utcnow(), settings=settings)
            t3 = time.perf_counter()
            assert went.next_url, went

            # --- the resident on the card page (not timed) -------------------------------------
            if pay_server is None:
                errors, _back = sandbox.SandboxProvider(settings.base_url).pay(went.next_url.rsplit("/", 1)[1], CARD)
                assert errors == {}
            else:
                assert resident_at_pay.pay(went.next_url).left_for

            # --- back from the card page ... the receipt ---------------------------------------
            t4 = time.perf_counter()
            reference = card.returned(engine, started.return_key, now=utcnow(), settings=settings)
            t5 = time.perf_counter()

            def receipt(s, principal=principal, token=token, reference=reference):
                resolve(s, token)
                return card.outcome(s, principal, reference)

            shown = unit(receipt)
            t6 = time.perf_counter()
            assert shown is not None and shown.status == "pending" and shown.auth_code, shown

            # --- the baselines, just after ----------------------------------------------------------
            b0 = time.perf_counter()
            with session_scope() as s:
                s.execute(text("SELECT 1")).scalar_one()
            b1 = time.perf_counter()
            if pay_server is not None:
                answer = raw_http.get(
                    pay_server.base_url + "/v1/payments/nosuchpayment",
                    headers={"Authorization": f"Bearer {pay_server.api_key}", "Accept": "application/json"},
                )
                assert answer.status_code == 404
            b2 = time.perf_counter()

            if not counted:
                continue
            timings.add("to the card page", t3 - t0)
            timings.add("  the pay page's event (start, handoff code)", t1 - t0)
            timings.add("  the handoff route", t2 - t1)
            timings.add("  the go route (session, card.go)", t3 - t2)
            timings.add("back to the receipt", t6 - t4)
            timings.add("  the return route (card.returned, settle)", t5 - t4)
            timings.add("  the result page's load (card.outcome)", t6 - t5)
            timings.add("baseline: one unit of work, SELECT 1", b1 - b0)
            if pay_server is not None:
                timings.add("baseline: one HTTP round trip to the local Pay", b2 - b1)
    finally:
        if pay_server is not None:
            providers.use_for_tests("govuk_pay", None)
            resident_at_pay.close()
            raw_http.close()

    from sqlmodel import Session, select

    from portal_app.models import OutboxMessage

    with Session(engine) as s:
        timings.receipts = len(
            s.exec(
                select(OutboxMessage.id).where(
                    OutboxMessage.kind == "payment_receipt", OutboxMessage.to_address.startswith(f"payer-{tag}-")
                )
            ).all()
        )
    return timings


def _report(label: str, timings: Timings, n: int, warm: int) -> None:
    print(f"  {label}, {n} payments:")
    for name, times in timings.steps.items():
        print(_line(name, times))
    medians = {k: statistics.median(v) for k, v in timings.steps.items()}
    unit = medians["baseline: one unit of work, SELECT 1"]
    print(
        f"    (to the card page: {medians['to the card page'] / unit:.0f} x the baseline unit of work; "
        f"back to the receipt: {medians['back to the receipt'] / unit:.0f} x; "
        f"{timings.receipts} receipt emails queued for the {n + warm} payments)"
    )


def _bench(url: str, args) -> None:
    engine = _use_database(url)
    print(f"database:   {url.split('@')[-1]}")
    sandboxed = _bench_provider(engine, "sandbox", args.n, args.warm)
    _report("sandbox provider (the portal's own card page)", sandboxed, args.n, args.warm)
    if args.govuk_pay:
        from tests.govuk_pay_server import GovukPayServer

        with GovukPayServer() as server:
            timings = _bench_provider(engine, "govukpay", args.n, args.warm, pay_server=server)
            made = server.payments_made()
        _report(f"GOV.UK Pay (local server, {made} payments made there)", timings, args.n, args.warm)
    print()
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=50, help="payments timed (default 50)")
    parser.add_argument("--warm", type=int, default=3, help="payments made first and not counted (default 3)")
    parser.add_argument(
        "--govuk-pay", action="store_true", help="also against a local GOV.UK Pay (tests/govuk_pay_server.py)"
    )
    parser.add_argument("--pg", action="store_true", help=f"also on PostgreSQL (database {PG_DATABASE})")
    parser.add_argument("--pg-server", default=PG_SERVER, help="where to create the database (libpq URL)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="doorstep-payments-bench-"))
    os.environ["PORTAL_DATA_DIR"] = str(work / "data")
    os.environ.pop("SMTP_URL", None)  # receipts are queued in the outbox, never sent
    sqlite_url = f"sqlite:///{work / 'bench.db'}"
    os.environ["DATABASE_URL"] = sqlite_url
    import logging

    logging.disable(logging.WARNING)  # the adapter's and the audit's lines are not figures
    try:
        print(
            f"{args.n} card payments of £{AMOUNT_PENCE / 100:.2f}, one resident each ({args.warm} more first, not counted)"
        )
        print()
        _bench(sqlite_url, args)
        if args.pg:
            _bench(_create_pg_database(args.pg_server, PG_DATABASE), args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
