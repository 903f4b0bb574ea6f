"""Lighthouse on Doorstep's pages, next to two empty Reflex apps measured in the same run.

What it does (``make lighthouse``, or ``.venv/bin/python bench/lighthouse.py``):

1. Installs Lighthouse (npm, version ``LIGHTHOUSE_VERSION``) into ``bench/.lighthouse/``
   (gitignored) when it is missing.
2. Generates two empty Reflex apps in a temporary folder: the default template
   (``reflex init --template blank``: Radix Themes + Tailwind v4 + sitemap plugins) and
   one built only from ``rx.el`` elements with a tiny stylesheet. Builds and serves each
   in production single-port mode on a free port.
3. Serves Doorstep in production mode on a throwaway SQLite database with the demo
   landlord (as the e2e fixture does). By default (``--transport h2``) every app is
   reached the way a deployment serves it: through a TLS front end speaking HTTP/2
   (Debian's Caddy, ``make caddy``), each app on its own ``*.localhost`` name, with a
   certificate made for the run that Chromium accepts by its key
   (``--ignore-certificate-errors-spki-list``). ``--transport http1`` measures the apps'
   own plain HTTP/1.1 ports instead, as earlier runs did. Then it registers a demo resident through the
   registration service (code read from the local outbox), raises one request of theirs
   through the requests service (for the request page), and signs in through the
   sign-in page in Chromium, so the session cookie is in the profile.
4. Loads every resident page (``DOORSTEP_PAGES``: identity, accounts, requests, rights;
   not the back office) in a fresh browser context (cold cache, signed in where needed)
   with a Playwright network log: which pages load the Plotly chunk(s) (only /account and
   /budget-planner may) and which chunks only the pages of one route load ("page-only").
5. Runs Lighthouse (mobile defaults, simulated throttling; performance, accessibility,
   best practices) against a Chromium on that profile (``--port``), ``--runs`` times per
   page (``--pages`` picks some by label), and prints the medians against the targets of
   the performance issue (issue 15): accessibility 100, best practices 100, performance
   100, LCP <= the rx.el app's median LCP in this run, first-load transfer <= 160 KiB
   excluding Plotly and the other page-only chunks. The not-found page answers 404 by
   design: Lighthouse runs with ``--ignore-status-code`` there, and the console line of its
   own 404 does not count against best practices.
   Lighthouse's default storage reset clears the HTTP cache, service workers and
   Cache Storage but not cookies, so every run is a cold load that stays signed in.
6. Lists the failing accessibility / best-practices audits, the top performance
   opportunities, the LCP element, the heaviest requests and the chunks left out of the
   transfer per page, and the response headers of the page's assets.
7. Stops every server it started (process groups) and removes its temporary folders
   (``--keep`` keeps them, with the JSON reports).

    .venv/bin/python bench/lighthouse.py                  # 5 runs per page, HTTPS + HTTP/2
    .venv/bin/python bench/lighthouse.py --runs 3 --keep
    .venv/bin/python bench/lighthouse.py --runs 1 --pages account,statement   # a quick look
    .venv/bin/python bench/lighthouse.py --transport http1   # the apps' own HTTP/1.1 ports
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
LIGHTHOUSE_VERSION = "12.8.2"  # the last major that runs on Node 20 (13.x wants Node >= 22.19)
LIGHTHOUSE_HOME = ROOT / "bench" / ".lighthouse"
LIGHTHOUSE_BIN = LIGHTHOUSE_HOME / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CADDY = os.environ.get("CADDY_PATH", "/usr/bin/caddy")
# The names the TLS front end gives each app (Chromium resolves *.localhost to loopback).
TLS_NAMES = {"doorstep": "doorstep.localhost", "radix": "radix.localhost", "rxel": "rxel.localhost"}
CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-dev-shm-usage",
]
KIB = 1024
# Set by main() for --transport h2: the flag that makes Chromium accept the run's certificate.
TLS_FLAGS: list[str] = []


def chrome_flags() -> list[str]:
    return [*CHROME_FLAGS, *TLS_FLAGS]


# The targets of the performance issue (issue 15, "fast under load"), on every resident page.
TARGET_ACCESSIBILITY = 100
TARGET_BEST_PRACTICES = 100
TARGET_PERFORMANCE = 100
TARGET_LCP_FACTOR = 1.0  # x the rx.el app's median LCP in the same run
TARGET_TRANSFER_KIB = 160  # first load, Plotly and the other page-only chunks excluded

# The demo resident the bench registers and signs in as (README: Denise Walker).
RESIDENT = {"tenancy_reference": "TEN100001", "dob_day": "14", "dob_month": "3", "dob_year": "1968"}
RESIDENT_EMAIL = "lighthouse-bench@example.com"
RESIDENT_PASSWORD = "marble kettle orchard 42"


@dataclass(frozen=True)
class Page:
    """One page a resident opens. ``path`` may name ``{account}`` (the demo resident's first
    account) and ``{request}`` (the request the bench raises for them through the services)."""

    label: str
    path: str
    signed_in: bool = False  # measured in the signed-in Chromium profile
    status: int = 200  # the HTTP status its first load answers with
    plotly: bool = False  # may load Plotly (draws a chart)

    @property
    def route(self) -> str:
        """The page's route (its path without the query): pages of one route share their chunks."""
        return self.path.split("?", 1)[0]


# Every page a resident opens (routes.py, the @page registrations under portal_app/pages/
# identity, accounts, requests, tenancy, rights); the back office's pages and the development mailbox
# are not residents' pages. Public pages are measured signed out, as a visitor first sees them.
DOORSTEP_PAGES = [
    # identity
    Page("start", "/"),
    Page("sign-in", "/sign-in"),
    Page("two-step", "/sign-in/two-step"),
    Page("register", "/register"),
    Page("register-code", "/register/code"),
    Page("forgot-password", "/forgot-password"),
    Page("reset-password", "/reset-password"),
    Page("signed-out", "/signed-out"),
    Page("signed-out-not-you", "/signed-out/not-you"),
    Page("security", "/security", True),
    Page("sign-in-history", "/security/history", True),
    Page("your-details", "/your-details", True),
    Page("your-details-email", "/your-details/email", True),
    Page("record-change", "/your-details/name-or-date-of-birth", True),
    Page("accessibility", "/accessibility"),
    Page("not-found", "/no-such-page", status=404),
    # accounts
    Page("home", "/home", True),
    Page("account", "/account?account={account}", True, plotly=True),
    Page("statement", "/account/statement?account={account}", True),
    Page("saved-statements", "/saved-statements", True),
    # Signed in, in case the planner sits behind sign-in (public pages look the same either way).
    Page("budget-planner", "/budget-planner", True, plotly=True),
    # requests
    Page("requests", "/requests", True),
    Page("new-request", "/requests/new?account={account}", True),
    Page("refund-form", "/requests/new?kind=refund&account={account}", True),
    Page("request-detail", "/requests/view?ref={request}", True),
    # tenancy
    Page("tenancy", "/tenancy", True),
    Page("household", "/household", True),
    Page("permissions", "/permissions", True),
    Page("ask-permission", "/permissions/ask?kind=pet", True),
    Page("complaints", "/complaints", True),
    Page("new-complaint", "/complaints/new", True),
    Page("escalate-complaint", "/complaints/escalate?ref={request}", True),
    Page("compliment-or-comment", "/complaints/compliment-or-comment", True),
    Page("give-notice", "/tenancy/give-notice", True),
    Page("mutual-exchange", "/tenancy/mutual-exchange", True),
    Page("letters", "/letters", True),
    # rights
    Page("my-data", "/your-data", True),
    Page("data-request", "/your-data/correct-or-delete", True),
    Page("privacy", "/privacy"),
    Page("cookies", "/cookies"),
]
PAGE_LABELS = [p.label for p in DOORSTEP_PAGES]


RXEL_CONFIG = """import reflex as rx

config = rx.Config(
    app_name="lh_rxel",
    plugins=[],
    disable_plugins=[rx.plugins.SitemapPlugin],
    telemetry_enabled=False,
    show_built_with_reflex=False,
)
"""

RXEL_APP = '''"""An empty app built only from rx.el elements and a tiny stylesheet."""

import reflex as rx


class State(rx.State):
    """The app state."""


def index() -> rx.Component:
    return rx.el.main(
        rx.el.h1("Welcome to Reflex!"),
        rx.el.p("Get started by editing ", rx.el.code("lh_rxel/lh_rxel.py")),
        rx.el.a("Check out our docs!", href="https://reflex.dev/docs/getting-started/introduction/",
                class_name="button"),
        class_name="page",
    )


app = rx.App(stylesheets=["/styles.css"], html_lang="en")
app.add_page(index, title="Empty rx.el app", description="An empty Reflex app built from rx.el elements")
'''

RXEL_CSS = """body { margin: 0; font-family: system-ui, sans-serif; color: #0b0c0c; background: #fff; }
.page { max-width: 40rem; margin: 0 auto; padding: 2rem 1rem; min-height: 85vh;
  display: flex; flex-direction: column; justify-content: center; gap: 1.25rem; }
h1 { font-size: 3rem; margin: 0; }
code { background: #f3f2f1; padding: 0 .25rem; }
.button { align-self: flex-start; background: #1d4f91; color: #fff; padding: .5rem 1rem; border-radius: 4px; }
"""


# --------------------------------------------------------------------------- helpers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env() -> dict[str, str]:
    return {
        **os.environ,
        "REFLEX_USE_SYSTEM_BUN": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
    }


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


def ensure_lighthouse() -> Path:
    if LIGHTHOUSE_BIN.exists():
        pkg = json.loads((LIGHTHOUSE_HOME / "node_modules" / "lighthouse" / "package.json").read_text())
        if pkg.get("version") == LIGHTHOUSE_VERSION:
            return LIGHTHOUSE_BIN
    say(f"installing lighthouse@{LIGHTHOUSE_VERSION} from npm into {LIGHTHOUSE_HOME}")
    LIGHTHOUSE_HOME.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
            "--prefix",
            str(LIGHTHOUSE_HOME),
            f"lighthouse@{LIGHTHOUSE_VERSION}",
        ],
        check=True,
        cwd=LIGHTHOUSE_HOME,
    )
    return LIGHTHOUSE_BIN


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    log: Path
    base_url: str  # the app's own port (readiness checks)
    ready_path: str = "/"
    public_url: str = ""  # what the browser and Lighthouse load: the TLS front end, or base_url

    def __post_init__(self) -> None:
        self.public_url = self.public_url or self.base_url

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def start_reflex(
    name: str, cwd: Path, env: dict[str, str], log: Path, ready_path: str = "/", public_url: str = "", port: int = 0
) -> Server:
    """`reflex run --env prod --single-port` (builds, then serves). With ``public_url`` (the
    TLS front end) the build points the app's websocket there (REFLEX_API_URL)."""
    port = port or free_port()
    if public_url:
        env = env | {"REFLEX_API_URL": public_url}
    out = open(log, "wb")  # noqa: SIM115 - the child keeps it
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
        cwd=cwd,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    out.close()
    return Server(name, proc, log, f"http://127.0.0.1:{port}", ready_path, public_url)


# --------------------------------------------------------------------------- the TLS front end


def make_certificate(folder: Path) -> str:
    """A self-signed certificate for the run's *.localhost names; returns the base64 SHA-256
    of its public key, which Chromium's --ignore-certificate-errors-spki-list accepts."""
    import base64
    import datetime
    import hashlib
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Doorstep Lighthouse bench")])
    names = [x509.DNSName(n) for n in ("localhost", *TLS_NAMES.values())]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([*names, x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    spki = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(spki).digest()).decode()


def start_caddy(work: Path, port: int, upstreams: dict[str, int]) -> Server:
    """Caddy on ``port``: TLS with the run's certificate, HTTP/1.1 and HTTP/2 (ALPN; no
    HTTP/3), one site per name, each proxied to its app's own port (websockets included).
    It passes the apps' responses through as they are (their own brotli/gzip, headers)."""
    if not Path(CADDY).exists():
        raise RuntimeError(f"{CADDY} is missing: `make caddy` installs Debian's caddy (or use --transport http1)")
    tls = work / "tls"
    sites = "\n".join(
        f"https://{host}:{port} {{\n  tls {tls / 'cert.pem'} {tls / 'key.pem'}\n  reverse_proxy 127.0.0.1:{up}\n}}"
        for host, up in upstreams.items()
    )
    conf = work / "Caddyfile"
    conf.write_text(
        "{\n  admin off\n  auto_https off\n  skip_install_trust\n  servers {\n    protocols h1 h2\n  }\n}\n"
        + sites
        + "\n"
    )
    log = work / "caddy.log"
    out = open(log, "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [CADDY, "run", "--config", str(conf), "--adapter", "caddyfile"],
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=os.environ
        | {"HOME": str(work), "XDG_DATA_HOME": str(work / "caddy-data"), "XDG_CONFIG_HOME": str(work / "caddy-config")},
    )
    out.close()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"caddy exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return Server("caddy (TLS, HTTP/2)", proc, log, f"https://127.0.0.1:{port}")
        time.sleep(0.3)
    raise RuntimeError(f"caddy did not listen on {port}:\n{log.read_text()[-3000:]}")


def wait_ready(server: Server, timeout: float = 900) -> None:
    deadline = time.monotonic() + timeout
    for path in dict.fromkeys([server.ready_path, "/"]):
        while True:
            if server.proc.poll() is not None:
                raise RuntimeError(
                    f"{server.name} exited with {server.proc.returncode}:\n{server.log.read_text()[-4000:]}"
                )
            try:
                with urllib.request.urlopen(server.base_url + path, timeout=3) as r:
                    if r.status == 200:
                        break
            except Exception:  # noqa: BLE001 - not up yet
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{server.name} did not answer {path} in {timeout:.0f}s:\n{server.log.read_text()[-4000:]}"
                )
            time.sleep(1)


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


# --------------------------------------------------------------------------- the apps


def make_radix_app(work: Path, env: dict[str, str]) -> Path:
    """The default template: `reflex init --template blank` (local files, no GitHub)."""
    app = work / "lh_radix"
    app.mkdir()
    subprocess.run(
        [str(VENV_BIN / "reflex"), "init", "--template", "blank", "--name", "lh_radix", "--no-agents"],
        cwd=app,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    config = (app / "rxconfig.py").read_text()
    if "TailwindV4Plugin" not in config or "RadixThemesPlugin" not in config:
        raise RuntimeError(f"reflex init no longer writes the Radix + Tailwind config:\n{config}")
    return app


def make_rxel_app(work: Path) -> Path:
    app = work / "lh_rxel"
    (app / "lh_rxel").mkdir(parents=True)
    (app / "assets").mkdir()
    (app / "rxconfig.py").write_text(RXEL_CONFIG)
    (app / "lh_rxel" / "__init__.py").write_text("")
    (app / "lh_rxel" / "lh_rxel.py").write_text(RXEL_APP)
    (app / "assets" / "styles.css").write_text(RXEL_CSS)
    (app / "requirements.txt").write_text("reflex\n")
    # The same favicon the blank template ships, so neither baseline logs a 404.
    import reflex_base

    shutil.copy(
        Path(reflex_base.__file__).parent / ".templates" / "apps" / "blank" / "assets" / "favicon.ico",
        app / "assets" / "favicon.ico",
    )
    return app


def doorstep_env(data_dir: Path, base_url: str) -> dict[str, str]:
    return base_env() | {
        "PORTAL_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir}/portal.db",
        "PORTAL_BASE_URL": base_url,
        "PORTAL_ENV": "prod",
        "SMTP_URL": "",
    }


def start_doorstep(work: Path, public_url: str = "", port: int = 0) -> tuple[Server, dict[str, str]]:
    data_dir = work / "doorstep-data"
    data_dir.mkdir()
    port = port or free_port()
    env = doorstep_env(data_dir, public_url or f"http://127.0.0.1:{port}")
    if public_url:
        env["REFLEX_API_URL"] = public_url
    py = str(VENV_BIN / "python")
    for step in (["migrate"], ["seed-demo"]):
        subprocess.run([py, "-m", "portal_app", *step], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    log = work / "doorstep.log"
    out = open(log, "wb")  # noqa: SIM115
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
    out.close()
    return Server("doorstep", proc, log, f"http://127.0.0.1:{port}", "/api/health", public_url), env


REGISTER_SNIPPET = textwrap.dedent("""
    import re, sys
    from datetime import datetime, timezone
    from portal_app.clock import uk_today
    from portal_app.db import session_scope
    from portal_app.services.mail import outbox
    from portal_app.services.identity import registration

    raw = dict(tenancy_reference=sys.argv[1], dob_day=sys.argv[2], dob_month=sys.argv[3], dob_year=sys.argv[4],
               email=sys.argv[5], mobile="07700 900 982", password=sys.argv[6], paper_correspondence="no")
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    details, errors = registration.parse_registration(raw, today=uk_today(now))
    assert details is not None, errors
    with session_scope() as s:
        started = registration.start_registration(s, details, client_ip="127.0.0.1", now=now)
    with session_scope() as s:
        mail = outbox.recent_messages(s, to=sys.argv[5], limit=1)[0]
    code = re.search(r"\\b(\\d{6})\\b", mail.body_text).group(1)
    with session_scope() as s:
        done = registration.confirm_code(s, started.attempt_token, code, now=now)
    assert done.status == "registered", done

    # The request detail page needs a request: a question about the resident's first account,
    # raised through the same services the new-request form uses.
    import json
    from sqlmodel import select
    from portal_app.models import PortalUser
    from portal_app.services.accounts import access
    from portal_app.services.requests import resident
    from portal_app.settings import get_settings

    settings = get_settings()
    with session_scope() as s:
        user = s.exec(select(PortalUser).where(PortalUser.email == sys.argv[5])).one()
        chosen = access.choose_account(s, user, None, today=uk_today(now), settings=settings).account
        asked = resident.submit_query(
            s, user_id=user.id, person_id=user.person_id, tenancy_id=user.tenancy_id, account_id=chosen.account_id,
            message="Why did my rent change in April?", now=now, settings=settings,
        )
        assert asked.ok, asked.errors
        print(json.dumps({"account": chosen.account_ref, "request": asked.acknowledgement.reference}))
""")


def register_resident(env: dict[str, str]) -> dict[str, str]:
    """Make the demo resident's online account through the registration service, and one
    request of theirs; returns ``{"account": their first account's reference, "request": the
    request's reference}`` for the pages' paths."""
    r = RESIDENT
    done = subprocess.run(
        [
            str(VENV_BIN / "python"),
            "-c",
            REGISTER_SNIPPET,
            r["tenancy_reference"],
            r["dob_day"],
            r["dob_month"],
            r["dob_year"],
            RESIDENT_EMAIL,
            RESIDENT_PASSWORD,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(f"registering the demo resident failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------- the browser


@dataclass
class Chromium:
    """One Chromium process with a debugging port, for one Lighthouse run."""

    proc: subprocess.Popen
    port: int

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def start_chromium(profile: Path) -> Chromium:
    port = free_port()
    proc = subprocess.Popen(
        [CHROMIUM, *chrome_flags(), f"--remote-debugging-port={port}", f"--user-data-dir={profile}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/version", timeout=2):
                return Chromium(proc, port)
        except Exception:  # noqa: BLE001
            time.sleep(0.3)
    os.killpg(proc.pid, signal.SIGKILL)
    raise RuntimeError("Chromium did not open its debugging port")


def _persistent(pw, profile: Path):
    return pw.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        headless=True,
        args=chrome_flags()[1:],
        viewport={"width": 412, "height": 823},
        locale="en-GB",
    )


def sign_in(pw, profile: Path, base_url: str) -> dict:
    """Sign in through the sign-in page in a Chromium profile that Lighthouse's runs then reuse.

    The app keeps the session in an HttpOnly cookie (doorstep_session on plain http),
    kept in the profile, so each run is a cold load, signed in."""
    from playwright.sync_api import expect

    context = _persistent(pw, profile)
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(base_url + "/sign-in")
        expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
        page.get_by_label("Email address").fill(RESIDENT_EMAIL)
        page.get_by_label("Password", exact=True).fill(RESIDENT_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Your accounts")).to_be_visible()
        if not any(c["name"] == "doorstep_session" for c in context.cookies()):
            raise RuntimeError("signed in, but no doorstep_session cookie")
        return context.storage_state()
    finally:
        context.close()  # a clean shutdown writes the cookies to the profile


def still_signed_in(pw, profile: Path, base_url: str) -> bool:
    from playwright.sync_api import expect

    context = _persistent(pw, profile)
    try:
        page = context.new_page()
        page.goto(base_url + "/home")
        expect(page.get_by_role("heading", name="Your accounts")).to_be_visible(timeout=30_000)
        return True
    except AssertionError:
        return False
    finally:
        context.close()


# --------------------------------------------------------------------------- lighthouse


@dataclass
class Run:
    performance: float
    accessibility: float
    best_practices: float
    lcp_s: float
    transfer_kib: float
    transfer_shared_kib: float  # without Plotly and the other page-only chunks
    benchmark_index: float
    report: dict = field(repr=False)
    runs: list = field(default_factory=list, repr=False)


def is_excluded(url: str, excluded: set[str]) -> bool:
    """Plotly (by name, or found by the network pass) or another page-only chunk."""
    return url in excluded or "plotly" in url.lower()


def lighthouse_once(lh: Path, profile: Path, url: str, out: Path, excluded: set[str], status: int = 200) -> Run:
    """One Lighthouse run in a fresh Chromium process on ``profile`` (signed in where it is)."""
    problem = ""
    for attempt in range(3):  # a busy machine now and then fails a load; try again, say so
        chromium = start_chromium(profile)
        try:
            problem = _lighthouse(lh, chromium, url, out, status)
        finally:
            chromium.stop()
        if not problem:
            break
        say(f"lighthouse failed on {url} (try {attempt + 1}): {problem}")
        out.unlink(missing_ok=True)
        time.sleep(5)
    else:
        raise RuntimeError(f"lighthouse failed three times on {url}: {problem}")
    return _summarise(json.loads(out.read_text()), excluded, status)


def _lighthouse(lh: Path, chromium: Chromium, url: str, out: Path, status: int = 200) -> str:
    cmd = [
        str(lh),
        url,
        f"--port={chromium.port}",
        "--only-categories=performance,accessibility,best-practices",
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        "--max-wait-for-load=60000",
        f"--chrome-flags={' '.join(chrome_flags())}",
        # The not-found page answers 404 by design; Lighthouse refuses such a page without this.
        *(["--ignore-status-code"] if status >= 400 else []),
    ]
    done = subprocess.run(cmd, env=os.environ | {"CHROME_PATH": CHROMIUM}, timeout=300, capture_output=True, text=True)
    report = json.loads(out.read_text()) if out.exists() else {}
    if done.returncode or report.get("runtimeError"):
        out.with_suffix(".err").write_text(done.stderr)
    return (report.get("runtimeError") or {}).get("message") or (done.stderr.strip()[-300:] if done.returncode else "")


def _own_error_status_only(report: dict) -> bool:
    """Whether the only console errors are Chromium's line for the page's own error status
    ("Failed to load resource: ... 404" of the document itself)."""
    page_url = report.get("finalDisplayedUrl") or report.get("requestedUrl")
    items = (report["audits"]["errors-in-console"].get("details") or {}).get("items", [])
    return bool(items) and all(
        i.get("source") == "network" and (i.get("sourceLocation") or {}).get("url") == page_url for i in items
    )


def _best_practices(report: dict, status: int) -> float:
    """Lighthouse's best-practices score, except that a page which answers an error status by
    design (the not-found page's 404) is not marked down for the console line that status
    makes: that audit counts as passed when that line is its only finding."""
    cat = report["categories"]["best-practices"]
    if status < 400 or not _own_error_status_only(report):
        return round(cat["score"] * 100)
    audits = report["audits"]
    refs = [r for r in cat["auditRefs"] if r.get("weight") and audits[r["id"]]["score"] is not None]
    score = sum(r["weight"] * (1 if r["id"] == "errors-in-console" else audits[r["id"]]["score"]) for r in refs)
    return round(100 * score / sum(r["weight"] for r in refs))


def _summarise(report: dict, excluded: set[str], status: int = 200) -> Run:
    cats = report["categories"]
    audits = report["audits"]
    items = audits["network-requests"]["details"]["items"]
    total = sum(i.get("transferSize") or 0 for i in items)
    shared = sum(i.get("transferSize") or 0 for i in items if not is_excluded(i["url"], excluded))
    return Run(
        performance=round(cats["performance"]["score"] * 100),
        accessibility=round(cats["accessibility"]["score"] * 100),
        best_practices=_best_practices(report, status),
        lcp_s=audits["largest-contentful-paint"]["numericValue"] / 1000,
        transfer_kib=total / KIB,
        transfer_shared_kib=shared / KIB,
        benchmark_index=report["environment"]["benchmarkIndex"],
        report=report,
    )


def median_run(runs: list[Run]) -> Run:
    """Medians of each figure; the report kept is the run with the median performance score."""
    by_perf = sorted(runs, key=lambda r: (r.performance, -r.lcp_s))
    mid = by_perf[len(by_perf) // 2]
    return Run(
        performance=statistics.median(r.performance for r in runs),
        accessibility=statistics.median(r.accessibility for r in runs),
        best_practices=statistics.median(r.best_practices for r in runs),
        lcp_s=statistics.median(r.lcp_s for r in runs),
        transfer_kib=statistics.median(r.transfer_kib for r in runs),
        transfer_shared_kib=statistics.median(r.transfer_shared_kib for r in runs),
        benchmark_index=statistics.median(r.benchmark_index for r in runs),
        report=mid.report,
        runs=runs,
    )


def diagnose(label: str, report: dict) -> list[str]:
    """Failing a11y / best-practices audits, performance opportunities, LCP element, heaviest requests."""
    lines: list[str] = []
    audits = report["audits"]
    for cat in ("accessibility", "best-practices"):
        for ref in report["categories"][cat]["auditRefs"]:
            a = audits[ref["id"]]
            if ref.get("weight", 0) > 0 and a.get("score") is not None and a["score"] < 1:
                by_design = a["id"] == "errors-in-console" and _own_error_status_only(report)
                note = " (only the page's own error status, not counted where it is by design)" if by_design else ""
                lines.append(f"  {cat}: {a['id']}: {a['title']}{note}")
                for item in (a.get("details") or {}).get("items", [])[:3]:
                    desc = (
                        item.get("description")
                        or item.get("source", {}).get("url")
                        or item.get("url")
                        or (item.get("node") or {}).get("snippet")
                        or ""
                    )
                    if desc:
                        lines.append(f"      - {str(desc)[:150]}")
    opportunities = []
    for ref in report["categories"]["performance"]["auditRefs"]:
        a = audits[ref["id"]]
        details = a.get("details") or {}
        if details.get("type") == "opportunity" and (a.get("score") is not None and a["score"] < 1):
            opportunities.append((details.get("overallSavingsMs", 0), details.get("overallSavingsBytes", 0), a))
    for ms, by, a in sorted(opportunities, key=lambda t: (-t[0], -t[1]))[:5]:
        lines.append(f"  performance opportunity: {a['id']}: {a['title']} (~{ms:.0f} ms, {by / KIB:.0f} KiB)")
        for item in a["details"].get("items", [])[:3]:
            if item.get("url"):
                lines.append(
                    f"      - {item['url'][-90:]}  {(item.get('wastedMs') or 0):.0f} ms"
                    f"  {(item.get('wastedBytes') or item.get('totalBytes') or 0) / KIB:.1f} KiB"
                )
    for aid in (
        "render-blocking-resources",
        "uses-long-cache-ttl",
        "bootup-time",
        "mainthread-work-breakdown",
        "server-response-time",
    ):
        a = audits.get(aid)
        if a and a.get("score") is not None and a["score"] < 1 and a.get("displayValue"):
            lines.append(f"  {aid}: {a['title']}: {a['displayValue']}")
    lcp_el = audits.get("largest-contentful-paint-element", {}).get("details", {}).get("items", [])
    if lcp_el:
        node = (
            (lcp_el[0].get("items") or [{}])[0].get("node")
            if lcp_el[0].get("type") == "table"
            else lcp_el[0].get("node")
        )
        if node:
            lines.append(f"  LCP element: {node.get('snippet', '')[:120]}")
        phases = lcp_el[1]["items"] if len(lcp_el) > 1 and lcp_el[1].get("items") else []
        if phases:
            lines.append("  LCP phases: " + ", ".join(f"{p['phase']} {p['timing']:.0f} ms" for p in phases))
    metrics = audits.get("metrics", {}).get("details", {}).get("items", [{}])[0]
    if metrics:
        lines.append(
            f"  metrics: FCP {metrics.get('firstContentfulPaint', 0) / 1000:.2f} s, "
            f"LCP {metrics.get('largestContentfulPaint', 0) / 1000:.2f} s, "
            f"TBT {metrics.get('totalBlockingTime', 0):.0f} ms, "
            f"SI {metrics.get('speedIndex', 0) / 1000:.2f} s, CLS {metrics.get('cumulativeLayoutShift', 0):.3f}"
        )
    items = sorted(audits["network-requests"]["details"]["items"], key=lambda i: -(i.get("transferSize") or 0))
    lines.append("  heaviest requests (transfer / resource KiB):")
    for i in items[:6]:
        lines.append(
            f"      {(i.get('transferSize') or 0) / KIB:7.1f} / {(i.get('resourceSize') or 0) / KIB:7.1f}  "
            f"{i.get('resourceType', ''):<10} {i['url'][-80:]}"
        )
    return [f"{label}:", *lines] if lines else []


# --------------------------------------------------------------------------- Plotly and page-only chunks


@dataclass
class Network:
    """What the cold loads in fresh browser contexts (Playwright's network log) found."""

    plotly_sizes: dict[str, int]  # Plotly chunk URL -> uncompressed bytes (URL + "#transfer": on the wire)
    plotly_loaded: dict[str, list[str]]  # page label -> the Plotly chunks it loaded
    assets: dict[str, dict[str, int]]  # page label -> every JS/CSS asset of the app it loaded -> bytes on the wire

    def plotly_urls(self) -> set[str]:
        return {u for u in self.plotly_sizes if not u.endswith("#transfer")}

    def page_only(self, pages: list[Page]) -> dict[str, str]:
        """Chunks (JS/CSS) that the pages of only one route load, Plotly's aside: asset URL ->
        that route. Pages of one route (the new-request menu and its forms) share their chunks."""
        routes_of: dict[str, set[str]] = {}
        for page in pages:
            for url in self.assets.get(page.label, {}):
                routes_of.setdefault(url, set()).add(page.route)
        plotly = self.plotly_urls()
        return {u: next(iter(r)) for u, r in routes_of.items() if len(r) == 1 and u not in plotly}


def network_pass(pw, base_url: str, storage_state: dict, pages: list[Page], refs: dict[str, str]) -> Network:
    """For each page: a cold load in a fresh context; the app's JS/CSS assets it loads, and
    the chunks that carry Plotly.

    A chunk "carries Plotly" when its name says so or its body holds Plotly's own code
    (the `Plotly.newPlot` entry point or plotly.js's version banner). Every resident page is
    loaded whatever ``--pages`` chose, so which chunks are page-only does not depend on it."""
    browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=chrome_flags()[1:])
    net = Network({}, {}, {})
    checked: dict[str, bool] = {}
    seen: list = []  # this page's responses

    def record(response) -> None:
        seen.append(response)

    for p in pages:
        context = browser.new_context(
            storage_state=storage_state if p.signed_in else None, viewport={"width": 412, "height": 823}
        )
        page = context.new_page()
        seen.clear()
        page.on("response", record)
        try:
            page.goto(base_url + p.path.format(**refs), wait_until="networkidle", timeout=60_000)
            page.wait_for_timeout(1500)  # a chart may mount after the state arrives
            chunks = []
            assets: dict[str, int] = {}
            for r in seen:
                url = r.url
                if not url.startswith(base_url) or not url.split("?", 1)[0].endswith((".js", ".css")):
                    continue
                try:
                    transfer = int(r.all_headers().get("content-length") or 0)
                except Exception:  # noqa: BLE001
                    transfer = 0
                assets[url] = transfer
                if not url.split("?", 1)[0].endswith(".js"):
                    continue
                if url not in checked:
                    try:
                        body = r.body()
                    except Exception:  # noqa: BLE001
                        body = b""
                    checked[url] = (
                        "plotly" in url.lower()
                        or (b"Plotly.newPlot" in body and len(body) > 500_000)
                        or b"plotly.js v" in body
                    )
                    if checked[url]:
                        net.plotly_sizes[url] = len(body)
                        net.plotly_sizes[url + "#transfer"] = transfer
                if checked[url]:
                    chunks.append(url)
            net.plotly_loaded[p.label] = chunks
            net.assets[p.label] = assets
        finally:
            context.close()
    browser.close()
    return net


# --------------------------------------------------------------------------- main


def fmt_check(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="Lighthouse runs per page (median reported)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and the JSON reports")
    parser.add_argument(
        "--transport",
        choices=["h2", "http1"],
        default="h2",
        help="h2: every app behind a TLS front end speaking HTTP/2, as deployed (default); "
        "http1: the apps' own plain HTTP/1.1 ports",
    )
    parser.add_argument(
        "--pages",
        default="",
        metavar="LABEL,LABEL",
        help="measure only these of Doorstep's pages (comma-separated labels; the two empty apps always run): "
        + ", ".join(PAGE_LABELS),
    )
    args = parser.parse_args(argv)
    wanted = [w.strip() for w in args.pages.split(",") if w.strip()]
    if unknown := [w for w in wanted if w not in PAGE_LABELS]:
        parser.error(f"no page labelled {', '.join(unknown)}; the labels: {', '.join(PAGE_LABELS)}")
    chosen = [p for p in DOORSTEP_PAGES if not wanted or p.label in wanted]

    lh = ensure_lighthouse()
    work = Path(tempfile.mkdtemp(prefix="doorstep-lighthouse-"))
    reports = work / "reports"
    reports.mkdir()
    servers: list[Server] = []
    proxies: list[Server] = []
    started = time.monotonic()
    try:
        env = base_env()
        say(
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
            f"generating the two empty apps and building all three in production mode under {work}"
        )
        radix_dir = make_radix_app(work, env)
        rxel_dir = make_rxel_app(work)
        ports = {key: free_port() for key in TLS_NAMES}
        public = {key: "" for key in TLS_NAMES}
        if args.transport == "h2":
            spki = make_certificate(work / "tls")
            TLS_FLAGS[:] = [f"--ignore-certificate-errors-spki-list={spki}"]
            front = free_port()
            public = {key: f"https://{name}:{front}" for key, name in TLS_NAMES.items()}
            proxies.append(start_caddy(work, front, {TLS_NAMES[k]: ports[k] for k in TLS_NAMES}))
            say(f"TLS front end (Caddy, HTTP/2) on port {front}: " + ", ".join(public.values()))
        doorstep, portal_env = start_doorstep(work, public["doorstep"], ports["doorstep"])
        servers.append(doorstep)
        servers.append(
            start_reflex(
                "default template (Radix + Tailwind)",
                radix_dir,
                env,
                work / "radix.log",
                public_url=public["radix"],
                port=ports["radix"],
            )
        )
        servers.append(
            start_reflex(
                "empty rx.el app", rxel_dir, env, work / "rxel.log", public_url=public["rxel"], port=ports["rxel"]
            )
        )
        radix, rxel = servers[-2], servers[-1]
        for server in servers:
            wait_ready(server)
            say(f"{server.name} is up at {server.base_url}")
        refs = register_resident(portal_env)
        say(f"registered the demo resident: account {refs['account']}, request {refs['request']}")

        from playwright.sync_api import sync_playwright

        profile = work / "chromium-signed-in"  # holds the session cookie
        blank_profile = work / "chromium-signed-out"
        with sync_playwright() as pw:
            state = sign_in(pw, profile, doorstep.public_url)
            say("signed in as the demo resident; the session cookie is in the Chromium profile")

            net = network_pass(pw, doorstep.public_url, state, DOORSTEP_PAGES, refs)
            page_only = net.page_only(DOORSTEP_PAGES)
            excluded = net.plotly_urls() | set(page_only)
            say(
                f"network pass over {len(DOORSTEP_PAGES)} pages: {len(net.plotly_urls())} Plotly chunk(s), "
                f"{len(page_only)} other page-only chunk(s)"
            )

            targets: list[tuple[str, str, bool, int]] = [
                ("rx.el app", rxel.public_url + "/", False, 200),
                ("default template", radix.public_url + "/", False, 200),
            ]
            missing: list[str] = []
            wrong: list[str] = []
            for p in chosen:
                path = p.path.format(**refs)
                code = status_of(doorstep.base_url + path)
                if code != p.status:
                    if code == 404:
                        missing.append(p.label)
                        continue
                    wrong.append(f"{p.label} ({path}): HTTP {code}, expected {p.status}")
                targets.append((f"doorstep {p.label}", doorstep.public_url + path, p.signed_in, p.status))

            results: dict[str, Run] = {}
            for label, url, signed, status in targets:
                runs = []
                slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
                for n in range(args.runs):
                    runs.append(
                        lighthouse_once(
                            lh,
                            profile if signed else blank_profile,
                            url,
                            reports / f"{slug}-{n + 1}.json",
                            excluded,
                            status,
                        )
                    )
                if signed and not still_signed_in(pw, profile, doorstep.public_url):
                    say(f"WARNING: {label}: the session was lost during the Lighthouse runs")
                results[label] = median_run(runs)
                r = results[label]
                final = r.report.get("finalDisplayedUrl", "")
                moved = "" if final.rstrip("/") == url.rstrip("/") else f" (ended on {final})"
                say(
                    f"{label}: performance {r.performance:.0f}, LCP {r.lcp_s:.2f} s, {r.transfer_kib:.0f} KiB, "
                    f"{r.transfer_shared_kib:.0f} KiB without page-only chunks{moved}; "
                    f"load average {os.getloadavg()[0]:.1f}"
                )
                (reports / f"{slug}-median.json").write_text(json.dumps(r.report))

            asset_headers = asset_cache_headers(doorstep.public_url, doorstep.base_url, results)

        print_table(results, missing, args.transport, {f"doorstep {p.label}": p.path.format(**refs) for p in chosen})
        for line in wrong:
            print(f"WARNING: {line}")
        print_plotly(net, missing)
        print_page_only(net, page_only, chosen)
        print()
        print("Diagnosis (the median run of each page; 'runs' lists every run):")
        for label, r in results.items():
            lines = (diagnose(label, r.report) or [f"{label}:"]) + page_only_lines(r.report, excluded)
            print(*lines, sep="\n")
            print("  runs: " + "; ".join(_run_line(x) for x in r.runs))
        print()
        print("Response headers on Doorstep's page and assets:")
        for line in asset_headers:
            print("  " + line)
        print()
        print(f"took {time.monotonic() - started:.0f} s")
        if args.keep:
            print(f"JSON reports and logs kept under {work}")
        failed = any(not ok for ok in _all_checks(results))
        return 1 if failed else 0
    finally:
        for server in [*servers, *proxies]:
            server.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def asset_cache_headers(public_url: str, base_url: str, results: dict[str, Run]) -> list[str]:
    """Cache-Control (and encoding) of the start page and of its hashed JS/CSS assets, asked of
    the app's own port (the TLS front end passes them through unchanged)."""
    lines = []
    start = next((r for k, r in results.items() if k.startswith("doorstep start")), None)
    urls = [base_url + "/"]
    if start:
        for item in start.report["audits"]["network-requests"]["details"]["items"]:
            if item["url"].startswith(public_url) and item.get("resourceType") in (
                "Script",
                "Stylesheet",
                "Font",
                "Image",
            ):
                urls.append(base_url + item["url"].removeprefix(public_url))
    seen_kinds = set()
    for url in urls:
        kind = url.rsplit(".", 1)[-1] if "/assets/" in url else url
        if kind in seen_kinds and len(lines) > 6:
            continue
        seen_kinds.add(kind)
        req = urllib.request.Request(url, headers={"Accept-Encoding": "gzip, br"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                lines.append(
                    f"{url.removeprefix(base_url)}: cache-control={r.headers.get('cache-control')!s} "
                    f"content-encoding={r.headers.get('content-encoding')!s}"
                )
        except urllib.error.HTTPError as e:
            lines.append(f"{url.removeprefix(base_url)}: HTTP {e.code}")
    return lines


def _run_line(r: Run) -> str:
    m = r.report["audits"]["metrics"]["details"]["items"][0]
    return (
        f"perf {r.performance:.0f} LCP {r.lcp_s:.2f} s TBT {m['totalBlockingTime']:.0f} ms "
        f"CLS {m['cumulativeLayoutShift']:.2f} BI {r.benchmark_index:.0f} "
        f"(unthrottled first paint {m['observedFirstContentfulPaint']:.0f} ms, load {m['observedLoad']:.0f} ms)"
    )


def _lcp_target(results: dict[str, Run]) -> float:
    return TARGET_LCP_FACTOR * results["rx.el app"].lcp_s


def _checks(label: str, r: Run, lcp_target: float) -> dict[str, bool]:
    return {
        "perf": r.performance >= TARGET_PERFORMANCE,
        "a11y": r.accessibility >= TARGET_ACCESSIBILITY,
        "bp": r.best_practices >= TARGET_BEST_PRACTICES,
        "lcp": r.lcp_s <= lcp_target + 1e-9,
        "kib": r.transfer_shared_kib <= TARGET_TRANSFER_KIB,
    }


def _all_checks(results: dict[str, Run]) -> list[bool]:
    target = _lcp_target(results)
    return [
        ok for label, r in results.items() if label.startswith("doorstep") for ok in _checks(label, r, target).values()
    ]


def print_table(results: dict[str, Run], missing: list[str], transport: str, paths: dict[str, str]) -> None:
    target = _lcp_target(results)
    how = "HTTPS + HTTP/2 through the TLS front end" if transport == "h2" else "plain HTTP/1.1 on each app's own port"
    print()
    print(
        f"Lighthouse {LIGHTHOUSE_VERSION}, mobile defaults (simulated throttling), {how}, medians. "
        f"Targets: performance >= "
        f"{TARGET_PERFORMANCE}, accessibility {TARGET_ACCESSIBILITY}, best practices {TARGET_BEST_PRACTICES}, "
        f"LCP <= {TARGET_LCP_FACTOR:g} x rx.el app = {target:.2f} s, "
        f"transfer excl. Plotly and page-only chunks <= {TARGET_TRANSFER_KIB} KiB"
    )
    head = (
        f"{'app / page':<29} {'perf':>5} {'a11y':>5} {'b.p.':>5} {'LCP s':>6} {'KiB':>6} {'KiB-P':>6} "
        f"{'BI':>5}   {'checks':<55} path"
    )
    print(head)
    print("-" * (len(head) + 20))
    for label, r in results.items():
        checks = ""
        if label.startswith("doorstep"):
            c = _checks(label, r, target)
            checks = "  ".join(f"{k} {fmt_check(v)}" for k, v in c.items())
        print(
            f"{label:<29} {r.performance:>5.0f} {r.accessibility:>5.0f} {r.best_practices:>5.0f} {r.lcp_s:>6.2f} "
            f"{r.transfer_kib:>6.0f} {r.transfer_shared_kib:>6.0f} {r.benchmark_index:>5.0f}   {checks:<55} "
            f"{paths.get(label, '/')}"
        )
    for label in missing:
        print(f"{'doorstep ' + label:<29} missing (404 on this branch)")
    failing = [
        label
        for label, r in results.items()
        if label.startswith("doorstep") and not all(_checks(label, r, target).values())
    ]
    print(f"{len(results) - 2 - len(failing)} of {len(results) - 2} Doorstep pages meet every target")
    print(
        "KiB = total transfer of the first load; KiB-P = the same without Plotly and the other page-only\n"
        "chunks (loaded by the pages of one route only, below); BI = Lighthouse's benchmarkIndex of the\n"
        "machine during the runs (median): lower means a busier CPU, and the simulated FCP/LCP of every app\n"
        "(baselines included) grows when the machine is busy; compare rows of one run"
    )


def print_plotly(net: Network, missing: list[str]) -> None:
    print()
    print("Plotly (cold loads in fresh browser contexts, Playwright network log):")
    chunks = sorted(net.plotly_urls())
    if not chunks:
        print("  no Plotly chunk was loaded by any page")
    for u in chunks:
        print(
            f"  chunk {u.rsplit('/', 1)[-1]}: {net.plotly_sizes[u] / KIB:.0f} KiB uncompressed, "
            f"{net.plotly_sizes.get(u + '#transfer', 0) / KIB:.0f} KiB on the wire"
        )
    for p in DOORSTEP_PAGES:
        if p.label in missing:
            print(f"  {p.label:<20} missing (404 on this branch)")
            continue
        got = net.plotly_loaded.get(p.label, [])
        verdict = "FAIL: must not load Plotly" if got and not p.plotly else "ok"
        print(f"  {p.label:<20} {'loads Plotly' if got else 'no Plotly':<14} {verdict}")


def print_page_only(net: Network, page_only: dict[str, str], chosen: list[Page]) -> None:
    """The chunks the transfer target leaves out besides Plotly, by route."""
    print()
    print("Page-only chunks (loaded on a cold load by the pages of one route only; not counted in KiB-P):")
    if not page_only:
        print("  none")
    sizes = {u: b for assets in net.assets.values() for u, b in assets.items()}
    for route in sorted({p.route for p in chosen}):
        mine = sorted((u for u, r in page_only.items() if r == route), key=lambda u: -sizes.get(u, 0))
        if mine:
            listed = ", ".join(f"{u.rsplit('/', 1)[-1]} {sizes.get(u, 0) / KIB:.1f} KiB" for u in mine)
            print(f"  {route:<28} {listed}")


def page_only_lines(report: dict, excluded: set[str]) -> list[str]:
    """The Plotly and page-only chunks a Lighthouse run loaded, with their transfer."""
    items = report["audits"]["network-requests"]["details"]["items"]
    left_out = [i for i in items if is_excluded(i["url"], excluded)]
    if not left_out:
        return []
    total = sum(i.get("transferSize") or 0 for i in left_out)
    return [
        f"  left out of KiB-P ({total / KIB:.1f} KiB): "
        + ", ".join(f"{i['url'].rsplit('/', 1)[-1]} {(i.get('transferSize') or 0) / KIB:.1f}" for i in left_out)
    ]


if __name__ == "__main__":
    sys.exit(main())
