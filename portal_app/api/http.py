"""Plain HTTP routes (health), and the headers every response carries."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_app import routes
from portal_app.api import (
    documents,
    downloads,
    handoff,
    joint_consent,
    notify_callback,
    payments,
    repair_notify,
    repair_photos,
    request_evidence,
    sandbox_pay,
    signout,
    staff_audit,
    staff_setup,
    staff_sso,
)
from portal_app.api.client import arrived_over_https
from portal_app.db import schema_is_current
from portal_app.services.staff.hosts import back_office_allowed
from portal_app.settings import get_settings


async def health(_request: Request) -> JSONResponse:
    try:
        current, revision, head = schema_is_current()
    except Exception as exc:  # noqa: BLE001 - health reports, never raises
        return JSONResponse({"ok": False, "database": f"unreachable: {type(exc).__name__}"}, status_code=503)
    status = 200 if current else 503
    return JSONResponse({"ok": current, "database_revision": revision, "latest_revision": head}, status_code=status)


def api_app() -> Starlette:
    return Starlette(
        routes=[
            Route(routes.API_HEALTH, health),
            Route(routes.API_STATEMENT_PDF, downloads.statement_pdf),
            Route(routes.API_STATEMENT_CSV, downloads.statement_csv),
            Route(routes.API_UC_LETTER_PDF, downloads.uc_letter_pdf),
            Route(routes.API_STATEMENT_HTML, downloads.statement_html),
            Route(routes.API_MY_DATA_JSON, downloads.my_data_json),
            Route(routes.API_MY_DATA_HTML, downloads.my_data_html),
            Route(routes.API_DIRECT_DEBIT_FORM_PDF, downloads.direct_debit_form_pdf),
            Route(routes.API_REPAIR_PHOTO, repair_photos.repair_photo),
            Route(routes.API_REQUEST_EVIDENCE, request_evidence.request_evidence),
            Route(routes.API_DOCUMENT, documents.document),
            Route(routes.API_REPAIR_NOTIFY, repair_notify.notify, methods=["POST"]),
            Route(routes.API_NOTIFY_CALLBACK, notify_callback.callback, methods=["POST"]),
            Route(routes.API_SIGNED_OUT, signout.signed_out),
            Route(routes.API_STAFF_SIGNED_OUT, signout.staff_signed_out),
            Route(routes.API_HANDOFF, handoff.hand_over),
            Route(routes.API_RESET, handoff.reset_link),
            Route(routes.API_JOINT_CONSENT, joint_consent.joint_consent, methods=["GET", "POST"]),
            Route(routes.API_PAYMENT_GO, payments.go),
            Route(routes.API_PAYMENT_RETURN, payments.returned),
            Route(routes.API_PAYMENT_NOTIFY, payments.notify, methods=["POST"]),
            Route(routes.API_SANDBOX_PAY, sandbox_pay.card_page, methods=["GET", "POST"]),
            Route(routes.API_STAFF_SSO_START, staff_sso.start),
            Route(routes.API_STAFF_SSO_CALLBACK, staff_sso.callback),
            Route(routes.API_STAFF_AUDIT_CSV, staff_audit.audit_csv),
            Route(routes.API_STAFF_SET_UP, staff_setup.set_up_link),
        ]
    )


# --- Headers ---------------------------------------------------------------------------

IMMUTABLE = b"public, max-age=31536000, immutable"  # Vite's /assets/*-<hash>.*: a new build, a new name
REVALIDATE = b"no-cache"  # the page shells, styles, icons, manifest and /sw.js: not personal, always rechecked
NO_STORE = b"no-store"  # every backend response (/api/, events, uploads): may be personal
BACKEND_PREFIXES = ("/api/", "/_event", "/_upload", "/_health", "/ping", "/_all_routes", "/admin")

# Reflex's call_script runs code with eval(), so 'unsafe-eval' is needed; inline scripts
# are allowed only by hash (those React Router and Reflex write into the prerendered
# pages, collected from the build: see inline_script_hashes).
_CSP_PAGE = (
    "default-src 'self'; script-src 'self' 'unsafe-eval' {hashes}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self'; "
    "manifest-src 'self'; frame-src 'none'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
# Everything else (scripts, the service worker, which takes its policy from its own
# response, PDFs, JSON): same-origin only.
_CSP_OTHER = b"default-src 'self'; style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"


def cache_policy(path: str) -> bytes:
    if path.startswith(BACKEND_PREFIXES):
        return NO_STORE
    if path.startswith("/assets/"):
        return IMMUTABLE
    return REVALIDATE


def _static_dir() -> Path:
    from reflex.utils import prerequisites
    from reflex_base import constants

    return prerequisites.get_web_dir() / constants.Dirs.STATIC


@dataclass(frozen=True)
class BuildIndex:
    """What the middleware needs from the production build, read once per build folder
    (``reflex run`` builds before it serves, so the folder does not change under it)."""

    pages: frozenset[str]  # "/home.html", "/account/statement.html", ...
    script_hashes: str  # "'sha256-…' 'sha256-…'" for every inline <script> in them


_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
_indexes: dict[Path, BuildIndex] = {}


def build_index(static_dir: Path | None = None) -> BuildIndex:
    folder = static_dir or _static_dir()
    if folder in _indexes:
        return _indexes[folder]
    pages: set[str] = set()
    hashes: set[str] = set()
    for page in folder.rglob("*.html") if folder.exists() else []:
        pages.add("/" + page.relative_to(folder).as_posix())
        for body in _INLINE_SCRIPT.findall(page.read_text(encoding="utf-8", errors="replace")):
            if body:
                digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
                hashes.add(f"'sha256-{digest}'")
    index = BuildIndex(frozenset(pages), " ".join(sorted(hashes)))
    if "/index.html" in index.pages:  # only a finished build is remembered
        _indexes[folder] = index
    return index


def inline_script_hashes(static_dir: Path | None = None) -> str:
    """'sha256-…' for every inline <script> in the built pages."""
    return build_index(static_dir).script_hashes


def is_page(path: str) -> bool:
    """A document of the app (a prerendered page, or the 404 page for an unknown one),
    decided by path, so a 304 gets the same policy as the 200 it stands for."""
    if path.startswith(BACKEND_PREFIXES) or path.startswith("/assets/"):
        return False
    last = path.rsplit("/", 1)[-1]
    return "." not in last or last.endswith(".html")


def content_security_policy(path: str, static_dir: Path | None = None) -> bytes:
    if is_page(path):
        return _CSP_PAGE.format(hashes=inline_script_hashes(static_dir)).encode()
    return _CSP_OTHER


def prerendered_page(path: str, static_dir: Path | None = None) -> str | None:
    """'/home' -> '/home.html' when the build has that page; None for anything else."""
    if path in ("", "/") or path.endswith("/") or not is_page(path) or "." in path.rsplit("/", 1)[-1]:
        return None
    candidate = f"{path}.html"
    return candidate if candidate in build_index(static_dir).pages else None


# HSTS for a year on this host and its subdomains. No "preload": a landlord submits its
# domain to the browsers' preload list on purpose, not because it installed the portal.
HSTS = b"max-age=31536000; includeSubDomains"


def old_reset_links(app):
    """ASGI middleware: a reset link in the older form (``/reset-password?token=...``, as
    emailed before the token moved to a cookie) goes to ``/api/reset`` by a plain
    redirect, so the token never reaches the page, its websocket or its state."""

    async def wrapped(scope, receive, send):
        if scope["type"] == "http" and scope.get("path") in (routes.RESET_PASSWORD, routes.RESET_PASSWORD + ".html"):
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            token = (query.get("token") or [""])[0][:200]
            if token:
                location = routes.reset_link(token).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 303,
                        "headers": [(b"location", location), (b"cache-control", b"no-store")],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
        return await app(scope, receive, send)

    return wrapped


def is_back_office(path: str) -> bool:
    """The back office's pages (``/staff``, ``/staff/...``, their prerendered files) and routes (``/api/staff/...``)."""
    return path == routes.STAFF_PREFIX or path.startswith((routes.STAFF_PREFIX + "/", routes.STAFF_PREFIX + ".html"))


def back_office_hosts_only(app):
    """ASGI middleware: on a host the back office does not answer on (not one of
    ``STAFF_HOSTS`` when that is set; a kiosk host always), its pages and routes answer
    404 as if they did not exist (services/staff/hosts.py). Its handlers check the same
    on the websocket (state/staff.py)."""

    async def wrapped(scope, receive, send):
        if scope["type"] == "http":
            path = scope.get("path", "")
            if is_back_office(path) or path.startswith(routes.API_STAFF_PREFIX):
                host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
                if not back_office_allowed(host, get_settings()):
                    await send(
                        {
                            "type": "http.response.start",
                            "status": 404,
                            "headers": [
                                (b"content-type", b"text/plain; charset=utf-8"),
                                (b"cache-control", b"no-store"),
                            ],
                        }
                    )
                    await send({"type": "http.response.body", "body": b"Not found"})
                    return
        return await app(scope, receive, send)

    return wrapped


UPLOAD_PATH = "/_upload"
UPLOAD_MARGIN = 1024 * 1024  # the multipart framing and the form's other fields


def upload_size_cap(app):
    """ASGI middleware: Reflex's upload route (the back office's feed upload is the only
    upload) spools whatever it is sent to disk before any handler runs, so a body over
    ``IMPORT_MAX_MB`` (and its framing) is refused here: 413 when its Content-Length says
    so, and cut off (the app sees the client leave) when it sends more than it said or
    says nothing. The handler checks the file's size again (services/staff/imports.py)."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or not scope.get("path", "").startswith(UPLOAD_PATH):
            return await app(scope, receive, send)
        cap = get_settings().import_max_mb * 1024 * 1024 + UPLOAD_MARGIN
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > cap:
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")],
                }
            )
            await send({"type": "http.response.body", "body": b"The file is too large to upload"})
            return
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    return {"type": "http.disconnect"}
            return message

        return await app(scope, counted, send)

    return wrapped


def security_headers(app):
    """ASGI middleware: the headers every HTTP response carries (OWASP's secure headers).

    Cache-Control by path (see ``cache_policy``) unless the route set its own;
    Content-Security-Policy with frame-ancestors; nosniff; Referrer-Policy; and
    X-Frame-Options for browsers without CSP level 2; Strict-Transport-Security when the
    request arrived over https (see ``arrived_over_https``). CORS is Reflex's middleware,
    limited to PORTAL_BASE_URL in rxconfig.py.
    """

    async def wrapped(scope, receive, send):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        path = scope.get("path", "")
        page = prerendered_page(path) if scope.get("method") in ("GET", "HEAD") else None
        if page is not None:
            # /home is served from home.html directly: Starlette would answer
            # "307 to /home/" first, a round trip a phone on 4G feels (~600 ms).
            scope = {**scope, "path": page, "raw_path": page.encode()}

        https = arrived_over_https(scope)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower(): v for k, v in headers}
                extra = {
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"same-origin",
                    b"cache-control": cache_policy(path),
                    b"x-frame-options": b"DENY",
                    b"permissions-policy": b"camera=(), microphone=(), geolocation=(), payment=(self)",
                    b"content-security-policy": content_security_policy(scope["path"]),
                }
                if https:
                    extra[b"strict-transport-security"] = HSTS
                for key, value in extra.items():
                    if key not in present:
                        headers.append((key, value))
                message["headers"] = headers
            await send(message)

        return await app(scope, receive, send_with_headers)

    return wrapped
