"""Every path the portal serves, and the URL builders. No literal hrefs elsewhere."""

from __future__ import annotations

from urllib.parse import urlencode, urlparse

START = "/"
REGISTER = "/register"
REGISTER_CODE = "/register/code"
SIGN_IN = "/sign-in"
SIGN_IN_TWO_STEP = "/sign-in/two-step"
SIGNED_OUT = "/signed-out"
FORGOT_PASSWORD = "/forgot-password"
RESET_PASSWORD = "/reset-password"
HOME = "/home"
SECURITY = "/security"
DEV_MAILBOX = "/dev/mailbox"
ACCESSIBILITY = "/accessibility"
ACCOUNT = "/account"
STATEMENT = "/account/statement"
REQUESTS = "/requests"
NEW_REQUEST = "/requests/new"
REQUEST_DETAIL = "/requests/view"
SAVED_STATEMENTS = "/saved-statements"
SAVED_STATEMENT_PREFIX = "/saved/"  # served from the device by the service worker (assets/sw-extra.js)
OFFLINE_PAGE = "/offline.html"
SERVICE_WORKER = "/sw.js"
MANIFEST = "/manifest.webmanifest"
BUDGET = "/budget-planner"

# The back office (staff sign-in and its pages arrive with it).
STAFF_SIGN_IN = "/staff/sign-in"
STAFF_NOT_ALLOWED = "/staff/not-allowed"

API_HEALTH = "/api/health"
API_STATEMENT_PDF = "/api/statement.pdf"
API_STATEMENT_CSV = "/api/statement.csv"
API_UC_LETTER_PDF = "/api/uc-rent-statement.pdf"
API_STATEMENT_HTML = "/api/statement.html"
# Sign-out ends with a full load of this route: Clear-Site-Data, then SIGNED_OUT (a kiosk: START).
API_SIGNED_OUT = "/api/signed-out"

PRIVATE_PAGES = (HOME, SECURITY, ACCOUNT, STATEMENT, REQUESTS, NEW_REQUEST, REQUEST_DETAIL)


def safe_next(raw: str | None) -> str:
    """Cut a `next` value to a path on this site; anything else goes home."""
    if not raw:
        return HOME
    parsed = urlparse(raw)
    if parsed.scheme or parsed.netloc or not parsed.path.startswith("/") or parsed.path.startswith("//"):
        return HOME
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def _with_query(path: str, **params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v}, safe="/")
    return f"{path}?{query}" if query else path


def sign_in(next_path: str | None = None) -> str:
    """The sign-in page, coming back to ``next_path`` (cut to a path on this site) after."""
    return _with_query(SIGN_IN, next=safe_next(next_path) if next_path else None)


def staff_sign_in(next_path: str | None = None) -> str:
    """The staff sign-in page, coming back to ``next_path`` after."""
    return _with_query(STAFF_SIGN_IN, next=safe_next(next_path) if next_path else None)
