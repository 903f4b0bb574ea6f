"""Browser journeys: a real portal (production build), real SMTP (aiosmtpd), Debian's Chromium.

By default the fixtures start a throwaway portal: a fresh database (SQLite, or the
PostgreSQL at TEST_DATABASE_URL's server when set) loaded with the demo landlord,
with its mail sent to an aiosmtpd server run by the tests.

To test an instance that is already running, set E2E_BASE_URL (and start that
portal with SMTP_URL=smtp://127.0.0.1:$E2E_SMTP_PORT so the tests can read its mail;
E2E_DATABASE_URL lets the balance check read its ledger; E2E_KIOSK_URL names one of
its KIOSK_HOSTS for the kiosk journeys, which are skipped without it; E2E_STATES_DIR
names its Reflex state folder for the state-file scan, skipped without it).

The throwaway portal keeps Reflex's state files in a folder of its own
(REFLEX_STATES_WORKDIR, portal.states_dir), not in the checkout's ``.states``.

The throwaway portal runs with KIOSK_HOSTS=localhost: http://localhost:PORT is a
kiosk (portal.kiosk_url) and http://127.0.0.1:PORT (portal.base_url) is not.
"""

from __future__ import annotations

import email
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text

from tests.e2e.steps import VIEWPORTS

ROOT = Path(__file__).resolve().parents[2]
# The virtualenv running the tests (ROOT/.venv in a checkout, or wherever pytest was run from).
VENV_BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    """What the aiosmtpd server received."""

    messages: list[email.message.EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 OK"

    def wait_for(
        self, to: str, subject_has: str, *, after: int = 0, timeout: float = 30.0
    ) -> email.message.EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for msg in self.messages[after:]:
                    if msg["To"].lower() == to.lower() and subject_has.lower() in msg["Subject"].lower():
                        return msg
            time.sleep(0.2)
        raise AssertionError(
            f"no email to {to} with '{subject_has}' within {timeout}s; got {[m['Subject'] for m in self.messages]}"
        )

    def count(self) -> int:
        with self.lock:
            return len(self.messages)

    @staticmethod
    def body(msg) -> str:
        return msg.get_body(preferencelist=("plain",)).get_content()

    def code_in(self, msg) -> str:
        found = re.search(r"\b(\d{6})\b", self.body(msg))
        assert found, "no 6-digit code in the email"
        return found.group(1)

    def link_in(self, msg) -> str:
        found = re.search(r"(https?://\S+)", self.body(msg))
        assert found, "no link in the email"
        return found.group(1)


@dataclass
class Portal:
    base_url: str
    database_url: str | None
    mail: Mailbox
    kiosk_url: str | None = None
    states_dir: Path | None = None  # where its Reflex writes each browser's state (.pkl files)

    def ledger_balance(self, account_ref: str) -> int:
        assert self.database_url, "set E2E_DATABASE_URL to check balances against the ledger"
        engine = create_engine(self.database_url)
        with engine.connect() as conn:
            total = conn.execute(
                text(
                    "SELECT COALESCE(SUM(t.amount_pence), 0) FROM ledger_transaction t "
                    "JOIN account a ON a.id = t.account_id WHERE a.account_ref = :ref"
                ),
                {"ref": account_ref},
            ).scalar_one()
        engine.dispose()
        return int(total)

    def _refundable(self, tenancy_ref: str) -> int:
        """What the refund page would let this tenancy's rent account ask for back today."""
        import datetime

        from sqlmodel import Session, select

        from portal_app.models import Account, Tenancy
        from portal_app.services.requests.resident import refund_limit

        engine = create_engine(self.database_url)
        try:
            with Session(engine) as session:
                account = session.exec(
                    select(Account)
                    .join(Tenancy, Tenancy.id == Account.tenancy_id)
                    .where(Tenancy.tenancy_ref == tenancy_ref, Account.account_type == "rent")
                ).first()
                if account is None:
                    return 0
                return refund_limit(session, account.id, datetime.date.today()).available_pence
        finally:
            engine.dispose()

    def unregistered_residents(
        self,
        limit: int = 10,
        *,
        in_credit_pence: int | None = None,
        started_before=None,
        owing_pence: int | None = None,
        refundable_pence: int | None = None,
    ) -> list[dict]:
        """Current lead tenants of secure tenancies with a date of birth and no portal account
        (with ``in_credit_pence``: only those whose rent account is more than that in credit;
        with ``refundable_pence``: only those who may ask for at least that much back today,
        after the credit the landlord keeps on the account, as the refund page counts it;
        with ``started_before``: only tenancies that began before that date). The demo's
        dates count back from the day it was loaded, so a journey that needs a long history
        asks for one."""
        if refundable_pence is not None:
            in_credit_pence = max(in_credit_pence or 0, refundable_pence)
        if started_before is not None:
            began = "AND t.start_date < :before "
        else:
            began = ""
        credit = (
            "AND EXISTS (SELECT 1 FROM account a WHERE a.tenancy_id = t.id AND a.account_type = 'rent' "
            "AND (SELECT COALESCE(SUM(l.amount_pence), 0) FROM ledger_transaction l WHERE l.account_id = a.id) "
            "< -:credit) "
            if in_credit_pence is not None
            else ""
        )
        # with ``owing_pence``: only those whose rent account owes more than that (in arrears, for rent)
        if owing_pence is not None:
            credit += (
                "AND EXISTS (SELECT 1 FROM account a WHERE a.tenancy_id = t.id AND a.account_type = 'rent' "
                "AND (SELECT COALESCE(SUM(l.amount_pence), 0) FROM ledger_transaction l WHERE l.account_id = a.id) "
                "> :owing) "
            )
        wanted = limit
        if refundable_pence is not None:
            limit = max(limit * 20, 200)  # most in credit keep a week's charges back: look wider, then keep `wanted`
        engine = create_engine(self.database_url)
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT t.tenancy_ref, p.date_of_birth, p.id FROM tenancy t "
                    "JOIN tenancy_party tp ON tp.tenancy_id = t.id JOIN person p ON p.id = tp.person_id "
                    "WHERE t.tenure = 'secure' AND t.end_date IS NULL AND tp.role = 'lead_tenant' "
                    "AND tp.end_date IS NULL AND p.date_of_birth IS NOT NULL "
                    "AND NOT EXISTS (SELECT 1 FROM portal_user u WHERE u.person_id = p.id) "
                    f"{credit}{began}ORDER BY t.tenancy_ref DESC LIMIT :n"
                ),
                {"n": limit, "credit": in_credit_pence or 0, "before": started_before, "owing": owing_pence or 0},
            ).all()
        engine.dispose()
        if refundable_pence is not None:
            rows = [r for r in rows if self._refundable(r[0]) >= refundable_pence][:wanted]
        return [
            {
                "tenancy_ref": r[0],
                "dob": r[1] if not isinstance(r[1], str) else __import__("datetime").date.fromisoformat(r[1]),
            }
            for r in rows
        ]


@pytest.fixture(scope="session")
def mailbox() -> Mailbox:
    box = Mailbox()
    port = int(os.environ.get("E2E_SMTP_PORT") or _free_port())
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = port  # type: ignore[attr-defined]
    yield box
    controller.stop()


def _wait_http(url: str, timeout: float, proc: subprocess.Popen | None, log: Path | None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the portal exited with {proc.returncode}:\n{log.read_text()[-4000:] if log else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the portal did not answer {url} within {timeout}s:\n{log.read_text()[-4000:] if log else ''}")


@pytest.fixture(scope="session")
def portal(mailbox) -> Portal:
    external = os.environ.get("E2E_BASE_URL")
    if external:
        kiosk = os.environ.get("E2E_KIOSK_URL")
        states = os.environ.get("E2E_STATES_DIR")
        yield Portal(
            external.rstrip("/"),
            os.environ.get("E2E_DATABASE_URL"),
            mailbox,
            kiosk.rstrip("/") if kiosk else None,
            Path(states) if states else None,
        )
        return
    data_dir = Path(tempfile.mkdtemp(prefix="doorstep-e2e-"))
    pg = os.environ.get("TEST_DATABASE_URL")
    if pg:
        import psycopg

        admin = pg.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute("DROP DATABASE IF EXISTS doorstep_e2e WITH (FORCE)")
            c.execute("CREATE DATABASE doorstep_e2e")
        database_url = pg.rsplit("/", 1)[0] + "/doorstep_e2e"
    else:
        database_url = f"sqlite:///{data_dir}/portal.db"
    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "TEST_DATABASE"))} | {
        "PORTAL_DATA_DIR": str(data_dir),
        "REFLEX_STATES_WORKDIR": str(data_dir / "states"),
        "DATABASE_URL": database_url,
        "SMTP_URL": f"smtp://127.0.0.1:{mailbox.port}",
        "PORTAL_BASE_URL": base_url,
        "PORTAL_ENV": "prod",
        "KIOSK_HOSTS": "localhost",
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
    }
    python = sys.executable
    for step in (["migrate"], ["seed-demo"]):
        subprocess.run([python, "-m", "portal_app", *step], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    log = data_dir / "portal.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                str(VENV_BIN / "reflex"),
                "run",
                "--env",
                "prod",
                "--single-port",
                "--frontend-port",
                str(port),
                "--backend-port",
                str(port),
                "--backend-host",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_http(f"{base_url}/api/health", 600, proc, log)
        _wait_http(f"{base_url}/", 120, proc, log)
        yield Portal(base_url, database_url, mailbox, f"http://localhost:{port}", data_dir / "states")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except Exception:  # noqa: BLE001
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def browser(playwright_driver):
    b = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


@pytest.fixture
def device(playwright_driver, portal, tmp_path):
    """A phone-sized browser with its own profile on disk (not incognito), as a resident's
    own phone is: Chromium will install the app and keep its service worker there."""
    context = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=CHROMIUM,
        args=CHROMIUM_ARGS,
        headless=True,
        viewport=VIEWPORTS["phone"],
        base_url=portal.base_url,
        locale="en-GB",
    )
    context.set_default_timeout(20_000)
    pg = context.pages[0] if context.pages else context.new_page()
    yield pg
    context.close()


@pytest.fixture(params=["phone", "desktop"])
def width(request) -> str:
    return request.param


@pytest.fixture
def page(browser, portal, width):
    context = browser.new_context(viewport=VIEWPORTS[width], base_url=portal.base_url, locale="en-GB")
    context.set_default_timeout(20_000)
    pg = context.new_page()
    yield pg
    context.close()
