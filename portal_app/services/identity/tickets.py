"""Short-lived download tickets: how a signed-in resident's browser fetches a file.

The browser keeps its session token in web storage, so a plain link to a download
route carries no credential. When a page shows something downloadable, a
@resident_only handler, having checked that the resident may see the account, asks
for a ticket: the server session's id, the user, the account, what to render and the
period, with an expiry, signed with the portal's secret key (HMAC-SHA256). The
download route verifies the signature and the expiry, then checks again that the
server session is still live and that its resident may still see the account, and
only then renders. A ticket is useless after sign-out, after its session ends, or
after it expires, and names nothing a resident could change without breaking the
signature. (The token is no longer in web storage: it is an HttpOnly cookie, and the route
checks that the request's own cookie names the ticket's session.) A "Download my data"
ticket (``RESIDENT_KINDS``) names no account: it is about the resident whose session it is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from portal_app.settings import get_settings

PURPOSE = b"download-ticket:"
LIFETIME = timedelta(minutes=15)
KINDS = (
    "statement_pdf",
    "statement_csv",
    "uc_letter_pdf",
    "statement_html",
    "my_data_json",
    "my_data_html",
    "direct_debit_form_pdf",  # the Direct Debit paper form of one account (services/payments/direct_debit.py)
)
# The kinds about the resident rather than one account ("Download my data"): no account id.
RESIDENT_KINDS = ("my_data_json", "my_data_html")


@dataclass(frozen=True)
class Ticket:
    session_id: int
    user_id: int
    account_id: int | None  # None for RESIDENT_KINDS
    kind: str
    date_from: date | None
    date_to: date | None
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(payload: str) -> str:
    key = get_settings().secret_key.encode()
    return _b64(hmac.new(key, PURPOSE + payload.encode(), hashlib.sha256).digest())


def issue(
    *,
    session_id: int,
    user_id: int,
    account_id: int | None,
    kind: str,
    date_from: date | None,
    date_to: date | None,
    now: datetime,
) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown download kind {kind!r}")
    if (account_id is None) != (kind in RESIDENT_KINDS):
        raise ValueError(f"a {kind!r} ticket {'names no' if kind in RESIDENT_KINDS else 'needs an'} account")
    body = {
        "s": session_id,
        "u": user_id,
        "a": account_id,
        "k": kind,
        "f": date_from.isoformat() if date_from else None,
        "t": date_to.isoformat() if date_to else None,
        "e": int((now + LIFETIME).timestamp()),
    }
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode())
    return f"{payload}.{_sign(payload)}"


def verify(ticket: str | None, *, now: datetime) -> Ticket | None:
    """The ticket's claims when its signature is good and it has not expired; else None."""
    if not ticket or len(ticket) > 1000 or ticket.count(".") != 1:
        return None
    payload, signature = ticket.split(".")
    if not hmac.compare_digest(signature, _sign(payload)):
        return None
    try:
        body = json.loads(_unb64(payload))
        expires_at = datetime.fromtimestamp(int(body["e"]), tz=now.tzinfo)
        claims = Ticket(
            session_id=int(body["s"]),
            user_id=int(body["u"]),
            account_id=int(body["a"]) if body["a"] is not None else None,
            kind=str(body["k"]),
            date_from=date.fromisoformat(body["f"]) if body["f"] else None,
            date_to=date.fromisoformat(body["t"]) if body["t"] else None,
            expires_at=expires_at,
        )
    except (ValueError, KeyError, TypeError):
        return None
    if claims.kind not in KINDS or now >= claims.expires_at:
        return None
    if (claims.account_id is None) != (claims.kind in RESIDENT_KINDS):
        return None
    return claims
