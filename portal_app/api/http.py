"""Plain HTTP routes (health), and the headers every response carries."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_app import routes
from portal_app.api import downloads, signout
from portal_app.db import schema_is_current


async def health(_request: Request) -> JSONResponse:
    try:
        current, revision, head = schema_is_current()
    except Exception as exc:  # noqa: BLE001 - health reports, never raises
        return JSONResponse({"ok": False, "database": f"unreachable: {type(exc).__name__}"}, status_code=503)
    status = 200 if current else 503
    return JSONResponse({"ok": current, "database_revision": revision, "latest_revision": head}, status_code=status)


def api_app() -> Starlette:
    return Starlette(routes=[
        Route(routes.API_HEALTH, health),
        Route(routes.API_STATEMENT_PDF, downloads.statement_pdf),
        Route(routes.API_STATEMENT_CSV, downloads.statement_csv),
        Route(routes.API_UC_LETTER_PDF, downloads.uc_letter_pdf),
        Route(routes.API_STATEMENT_HTML, downloads.statement_html),
        Route(routes.API_SIGNED_OUT, signout.signed_out),
    ])


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


def _static_dir():
    from reflex.utils import prerequisites
    from reflex_base import constants

    return prerequisites.get_web_dir() / constants.Dirs.STATIC


_hash_cache: dict[str, object] = {"stamp": None, "value": ""}


def inline_script_hashes(static_dir=None) -> str:
    """'sha256-…' for every inline <script> in the built pages (cached per build)."""
    import base64
    import hashlib
    import re

    folder = static_dir or _static_dir()
    index = folder / "index.html"
    stamp = (str(folder), index.stat().st_mtime_ns) if index.exists() else None
    if stamp is not None and _hash_cache["stamp"] == stamp:
        return str(_hash_cache["value"])
    found: set[str] = set()
    pattern = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)
    for page in folder.rglob("*.html") if folder.exists() else []:
        for body in pattern.findall(page.read_text(encoding="utf-8", errors="replace")):
            if body:
                digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
                found.add(f"'sha256-{digest}'")
    value = " ".join(sorted(found))
    _hash_cache.update(stamp=stamp, value=value)
    return value


def content_security_policy(content_type: bytes) -> bytes:
    if content_type.startswith(b"text/html"):
        return _CSP_PAGE.format(hashes=inline_script_hashes()).encode()
    return _CSP_OTHER


def prerendered_page(path: str, static_dir=None) -> str | None:
    """'/home' -> '/home.html' when the build has that page; None for anything else."""
    if path in ("", "/") or path.endswith("/") or path.startswith(BACKEND_PREFIXES) or path.startswith("/assets/"):
        return None
    if "." in path.rsplit("/", 1)[-1] or ".." in path:
        return None
    folder = static_dir or _static_dir()
    candidate = f"{path}.html"
    return candidate if (folder / candidate.lstrip("/")).is_file() else None


def security_headers(app):
    """ASGI middleware: the headers every HTTP response carries (issue 4, part 5).

    Cache-Control by path (see ``cache_policy``) unless the route set its own;
    Content-Security-Policy with frame-ancestors; nosniff; Referrer-Policy; and
    X-Frame-Options for browsers without CSP level 2. CORS is Reflex's middleware,
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
                }
                # A 304 has no Content-Type, and the browser copies its headers onto the
                # cached page: it must not carry a policy meant for something else.
                if message.get("status") != 304:
                    extra[b"content-security-policy"] = content_security_policy(present.get(b"content-type", b""))
                for key, value in extra.items():
                    if key not in present:
                        headers.append((key, value))
                message["headers"] = headers
            await send(message)

        return await app(scope, receive, send_with_headers)

    return wrapped
