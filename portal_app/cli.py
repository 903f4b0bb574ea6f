"""`python -m portal_app ...`: migrate, import, seed-demo, mailbox, send-mail, worker, check-schema, create-staff,
payments-export, direct-debit-export, preferences-export.

Something going wrong is answered with one line on stderr that says what to do, and an
exit code, never a traceback (``main`` does this once for every command):

* 2: a bad option or an unknown command (argparse's usage line, then the error);
* 3: the database is not at the latest schema: run ``make migrate``;
* 4: the database cannot be reached: check ``DATABASE_URL`` and the database server;
* 1: anything else (a feed that is missing or cannot be read, a feed with errors, or an
  unexpected failure). ``--traceback`` shows the traceback of an unexpected one.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from sqlmodel import Session, func, select

PROG = "python -m portal_app"
MIGRATE_HINT = "run the migration first: `make migrate` (or `.venv/bin/python -m portal_app migrate`)"


class CommandError(Exception):
    """A problem the person at the command line can put right; the message says how."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


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


def _readable_feed(raw: str) -> Path:
    """The feed's path, once it is a folder or a file this process can read."""
    path = Path(raw)
    if not path.exists():
        raise CommandError(f"There is no feed at {raw}: give the path of a feed folder or .zip file.")
    wanted = os.R_OK | os.X_OK if path.is_dir() else os.R_OK
    if not os.access(path, wanted):
        raise CommandError(f"The feed at {raw} cannot be read (permission denied): check its permissions.")
    return path


def _cmd_import(args) -> int:
    from portal_app.db import get_engine, require_current_schema
    from portal_app.services.records.importer import import_feed

    feed = _readable_feed(args.feed)
    require_current_schema()
    report = import_feed(get_engine(), feed)
    print(report.render())
    return 0 if report.ok else 1


def _cmd_seed_demo(args) -> int:
    """Generate the demo landlord's feed and load it through the importer (first run only)."""
    from portal_app.clock import uk_today
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
        # Dated from the day it is loaded, so its charges and payments run up to today and
        # the demo never shows missed rent or instalments because the data stopped.
        summary = write_demo_feed(Path(folder), today=uk_today())
        generated = time.perf_counter() - started
        report = import_feed(engine, Path(folder))
    print(f"Generated the demo feed in {generated:.1f} s.")
    print(report.render())
    if report.ok:
        print("\nDemo residents (see README for what each shows):")
        for r in summary.demo_residents:
            print(f"  {r.name:28} {r.tenancy_ref:12} born {r.date_of_birth:%d/%m/%Y}  {r.case}")
        _add_demo_staff(engine)
    return 0 if report.ok else 1


def _add_demo_staff(engine) -> None:
    from portal_app.clock import utcnow
    from portal_app.services.identity import two_step
    from portal_app.services.staff.demo import DEMO_STAFF, DEMO_STAFF_PASSWORD, add_demo_staff

    with Session(engine) as s:
        add_demo_staff(s, now=utcnow())
        s.commit()
    print(f"\nDemo back-office staff (password {DEMO_STAFF_PASSWORD}; add the key to an authenticator app):")
    for email, name, role, _ref, key in DEMO_STAFF:
        print(f"  {name:16} {role:24} {email:42} {two_step.group_secret(key)}")


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


def _cmd_payments_export(args) -> int:
    from datetime import date

    from portal_app.clock import uk_today, utcnow
    from portal_app.db import get_engine
    from portal_app.services.payments.export import payments_csv

    try:
        day = date.fromisoformat(args.date) if args.date else uk_today(utcnow())
    except ValueError:
        raise CommandError(f"--date: {args.date!r} is not a date like 2026-12-03", 2) from None
    with Session(get_engine()) as s:
        text, count = payments_csv(s, day)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8", newline="")
        print(f"{count} card payments taken on {day.isoformat()} written to {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def _cmd_preferences_export(args) -> int:
    """Each resident's letters (post or online) and way to contact, for the landlord's print
    run (docs/preferences-export.md)."""
    from portal_app.db import get_engine, require_current_schema
    from portal_app.services.identity.preferences_export import preferences_csv

    require_current_schema()
    out = Path(args.out)
    if not out.parent.is_dir():
        raise CommandError(f"--out: {args.out} is in a folder that does not exist", 2)
    with Session(get_engine()) as s:
        text, count = preferences_csv(s)
    out.write_text(text, encoding="utf-8", newline="")
    print(f"{count} residents' letters and contact choices written to {out}")
    return 0


def _cmd_direct_debit_export(args) -> int:
    """The Direct Debit instructions (and cancellations) no export has taken yet, as the
    bureau's CSV file; each is marked as taken once the file is written, so it is in one
    file only (docs/direct-debit-export.md)."""
    from portal_app.clock import utcnow
    from portal_app.db import get_engine, require_current_schema
    from portal_app.services.payments.direct_debit import export_new
    from portal_app.settings import get_settings

    require_current_schema()
    out = Path(args.out) if args.out else None
    if out is not None and (out.exists() or not out.parent.is_dir()):
        # Checked before anything is taken: a file that cannot be written would lose the instructions it took.
        why = "already exists: give a new file name" if out.exists() else "is in a folder that does not exist"
        raise CommandError(f"--out: {args.out} {why}", 2)
    with Session(get_engine()) as s:
        exported = export_new(s, now=utcnow(), settings=get_settings())
        if out is not None:
            # Written before the claim commits: if the file cannot be written, nothing is marked as taken.
            with out.open("x", encoding="utf-8", newline="") as f:
                f.write(exported.text)
            out.chmod(0o600)  # bank details: readable by this user only
        else:
            sys.stdout.write(exported.text)
            sys.stdout.flush()
        s.commit()
    if out is not None:
        print(f"{exported.new} new Direct Debit instructions and {exported.cancelled} cancellations written to {out}")
    return 0


def _cmd_send_mail(args) -> int:
    """Deliver the outbox once, or run the worker (--forever)."""
    from portal_app.db import get_engine
    from portal_app.integrations.transports import transport_from
    from portal_app.services.mail.delivery import deliver_once
    from portal_app.settings import get_settings

    if args.forever:
        return _cmd_worker(args)
    delivered, failed = deliver_once(get_engine(), transport_from(get_settings()))
    print(f"delivered {delivered}, failed {failed} (failed ones are retried later)")
    return 0


def _cmd_worker(_args) -> int:
    """Run huey's consumer over every domain's background jobs (portal_app/worker.py) until
    Ctrl-C or SIGTERM; the runs in hand finish first."""
    import logging
    import signal
    import threading

    from portal_app import worker
    from portal_app.db import get_engine, require_current_schema

    require_current_schema()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)  # not a line for every run of every job
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())  # finish the job in hand, then stop
    try:
        worker.run_forever(get_engine(), stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _staff_password(args) -> str | None:
    """The new member of staff's password: from stdin with --password-stdin (scripts),
    typed twice at a prompt otherwise; None with --sso-subject (single sign-on only)."""
    import getpass

    if args.sso_subject and not args.password_stdin:
        return None
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password for the new staff account: ")
    if getpass.getpass("The same password again: ") != first:
        raise CommandError("The two passwords are not the same: run the command again.")
    return first


def _cmd_create_staff(args) -> int:
    """Create a back-office account. With a password, the authenticator app's key is
    printed once, here, for the member of staff to add to their app before signing in."""
    from portal_app.clock import utcnow
    from portal_app.db import get_engine, require_current_schema
    from portal_app.services import audit
    from portal_app.services.identity import two_step
    from portal_app.services.staff.accounts import StaffAccountError, create_staff
    from portal_app.settings import get_settings

    require_current_schema()
    password = _staff_password(args)
    settings = get_settings()
    now = utcnow()
    with Session(get_engine()) as s:
        try:
            made = create_staff(
                s,
                email=args.email,
                name=args.name,
                role=args.role,
                password=password,
                officer_ref=args.officer_ref,
                oidc_issuer=(args.sso_issuer or settings.oidc_issuer or None) if args.sso_subject else None,
                oidc_subject=args.sso_subject,
                now=now,
                issuer_name=f"{settings.landlord_name} back office",
            )
        except StaffAccountError as exc:
            raise CommandError(str(exc)) from exc
        audit.record(
            s,
            action="staff_created",
            actor_kind=audit.SYSTEM,
            actor_label="command line",
            target=made.staff.email,
            detail={"role": made.staff.role, "name": made.staff.name},
            now=now,
        )
        s.commit()
    print(f"Created {made.staff.role_label.lower()} {made.staff.name} <{made.staff.email}>.")
    if made.totp_uri and made.totp_secret:
        print("Add this key to the authenticator app now (it is shown only once):")
        print(f"  key:     {two_step.group_secret(made.totp_secret)}")
        print(f"  address: {made.totp_uri}")
        print(f"Then sign in at {settings.base_url}/staff/sign-in with the email, the password and the app's code.")
    elif made.staff.uses_sso:
        print("They sign in with the organisation's single sign-on; no password is set.")
    return 0


def _cmd_make_icons(_args) -> int:
    from portal_app.integrations.icons import write_icons
    from portal_app.settings import PROJECT_ROOT

    for path in write_icons(PROJECT_ROOT / "assets"):
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, with its error as one line after the usage line and a pointer to --help."""

    def error(self, message: str):  # noqa: D401 - argparse's name
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}. See `{self.prog} --help`.\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="Doorstep portal commands")
    parser.add_argument("--traceback", action="store_true", help="show the traceback of an unexpected error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("migrate", help="bring the database to the latest schema (Alembic upgrade head)").set_defaults(
        fn=_cmd_migrate
    )
    sub.add_parser("check-schema", help="exit 3 unless the database is at the latest revision").set_defaults(
        fn=_cmd_check_schema
    )
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
    p = sub.add_parser(
        "payments-export", help="the card payments taken on one UK day, as CSV (docs/payments-export.md)"
    )
    p.add_argument("--date", help="the UK day, like 2026-12-03 (default: today)")
    p.add_argument("--out", help="write the file here (default: standard output)")
    p.set_defaults(fn=_cmd_payments_export)
    p = sub.add_parser(
        "direct-debit-export",
        help="new Direct Debit instructions and cancellations for the bureau, each once, as CSV (docs/direct-debit-export.md)",
    )
    p.add_argument("--out", help="write the file here, a new file (default: standard output)")
    p.set_defaults(fn=_cmd_direct_debit_export)
    p = sub.add_parser(
        "preferences-export",
        help="each resident's letters (post or online) and way to contact, as CSV (docs/preferences-export.md)",
    )
    p.add_argument("--out", required=True, help="write the file here")
    p.set_defaults(fn=_cmd_preferences_export)
    from portal_app.services.roles import ROLES

    p = sub.add_parser(
        "create-staff", help="create a back-office account (password and authenticator, or single sign-on)"
    )
    p.add_argument("--email", required=True, help="their work email address")
    p.add_argument("--name", required=True, help="their name, as residents and the audit log show it")
    p.add_argument("--role", required=True, choices=sorted(ROLES), help="what they may do (README: the roles)")
    p.add_argument("--officer-ref", help="the officer_ref of the landlord's feed they are (their residents' requests)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    p.add_argument("--sso-subject", help="the identity provider's subject id (sub) for single sign-on")
    p.add_argument("--sso-issuer", help="the provider's issuer (default: OIDC_ISSUER)")
    p.set_defaults(fn=_cmd_create_staff)
    return parser


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _database_where() -> str:
    from sqlalchemy.engine import make_url

    from portal_app.settings import get_settings

    try:
        return make_url(get_settings().database_url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unreadable URL is itself the problem
        return "DATABASE_URL"


def _explain(exc: BaseException) -> tuple[str, int] | None:
    """(what to do, exit code) for an error someone can put right; None for a surprise."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from portal_app.db import SchemaNotCurrent

    if isinstance(exc, CommandError):
        return str(exc), exc.exit_code
    if isinstance(exc, SchemaNotCurrent):
        return str(exc), 3
    if isinstance(exc, (OperationalError, ProgrammingError)):
        reason = _one_line(getattr(exc, "orig", None) or exc)
        if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
            return f"The database has no tables yet ({reason}): {MIGRATE_HINT}.", 3
        if isinstance(exc, OperationalError):
            return (
                f"Cannot reach the database at {_database_where()} ({reason}): check DATABASE_URL "
                f"and that the database server is running.",
                4,
            )
        return None
    if isinstance(exc, OSError) and exc.filename:
        return f"Cannot read {exc.filename} ({exc.strerror or _one_line(exc)}): check the path and its permissions.", 1
    return None


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    where = f"{PROG} {args.command}"
    try:
        return int(args.fn(args) or 0)
    except KeyboardInterrupt:
        print(f"{where}: stopped.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - every command answers an error the same way
        explained = _explain(exc)
        if explained is None:
            if args.traceback:
                raise
            explained = (
                f"Unexpected error: {type(exc).__name__}: {_one_line(exc)[:300]}. "
                f"Run `{PROG} --traceback {args.command} ...` to see where it happened.",
                1,
            )
        message, code = explained
        print(f"{where}: {_one_line(message)}", file=sys.stderr)
        return code
