"""The cookies that carry a resident's sign-in, and how they are written and read.

Nothing a page's scripts can read is enough to act as a resident: the session token
lives only in an ``HttpOnly`` cookie, set by an HTTP response (``api/handoff.py``) and
read on the server, from a request's ``Cookie`` header or the websocket's handshake
(``state/cookie_jar.py``). The steps before a session (the second factor's
waiting sign-in, a registration's attempt, a password reset's link) are carried the
same way, each in a cookie of its own.

The rules:

* over https every cookie is ``__Host-doorstep_<kind>``: ``Secure``, ``Path=/``, no
  ``Domain``, so only this host over https ever sees it and a sibling host cannot
  plant one; over plain http (a developer's machine, the tests) it is
  ``doorstep_<kind>`` without ``Secure``, and the server never reads the other form;
* ``HttpOnly`` always, and ``SameSite=Strict``: a link or form from another site
  arrives without them (the exceptions, ``STAFF_SSO`` and ``PAYMENT``, are ``Lax``: each must come back
  with a provider's redirect, and proves only which browser began a sign-in or a payment);
* a kiosk's session cookie has no ``Max-Age``: it goes when the browser closes;
* ``doorstep_signed_in=1`` (not ``HttpOnly``, no secret in it) is the one hint the
  page's scripts may read: "someone is signed in here", for the layout and the
  offline app; it acts as nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

SESSION = "session"
TWO_STEP = "two_step"
REGISTRATION = "registration"
RESET = "reset"
# The back office's session (services/staff/sessions.py): a cookie of its own, so a staff
# sign-in and a resident's in one browser never stand in for each other, and signing out
# of one leaves the other alone.
STAFF = "staff"
# A new member of staff's set-up link (services/staff/team.py), moved out of the address
# into a cookie by /api/staff/set-up, as a resident's reset link is by /api/reset.
STAFF_SETUP = "staff_setup"
# An officer's single sign-on under way (services/staff/sso.py): binds the provider's
# answer to the browser that asked. SameSite=Lax (with PAYMENT, below, the only cookies not Strict): the
# answer arrives as a top-level navigation from the provider's site, and a Strict
# cookie is not sent with a cross-site request, even a plain link or redirect.
STAFF_SSO = "staff_sso"
# A card payment under way (services/payments/card.py): the random key that matches the
# resident's return from the provider's card page to their payment. SameSite=Lax, like
# STAFF_SSO: the return is a top-level navigation from the provider's site. It proves only
# which browser began the payment; what the resident then sees needs their session too.
PAYMENT = "payment"
RESIDENT_KINDS = (SESSION, TWO_STEP, REGISTRATION, RESET, PAYMENT)
STAFF_KINDS = (STAFF, STAFF_SSO, STAFF_SETUP)
KINDS = RESIDENT_KINDS + STAFF_KINDS
LAX_KINDS = (STAFF_SSO, PAYMENT)

PREFIX = "doorstep_"
SECURE_PREFIX = "__Host-doorstep_"
SIGNED_IN_HINT = "doorstep_signed_in"

# How long each cookie lives (seconds) when nothing else says; the server's own
# record (session, attempt, reset) ends sooner or later on its own rules.
TWO_STEP_SECONDS = 10 * 60
REGISTRATION_SECONDS = 30 * 60
RESET_SECONDS = 30 * 60
STAFF_SSO_SECONDS = 10 * 60
STAFF_SETUP_SECONDS = 60 * 60
PAYMENT_SECONDS = 2 * 60 * 60  # past the 90 minutes a provider keeps a payment open


def cookie_name(kind: str, *, secure: bool) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown cookie kind {kind!r}")
    return f"{SECURE_PREFIX if secure else PREFIX}{kind}"


def parse(header: str | None) -> dict[str, str]:
    """A ``Cookie`` header as name -> value (first value wins, as browsers send the most
    specific first); malformed pairs are skipped."""
    found: dict[str, str] = {}
    for part in (header or "").split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name and name not in found:
            found[name] = value.strip().strip('"')
    return found


def ours(header: str | None, *, secure: bool) -> dict[str, str]:
    """The portal's own cookies in a ``Cookie`` header, by kind; only the form this
    connection's scheme allows (see the rules above); empty values dropped."""
    jar = parse(header)
    found: dict[str, str] = {}
    for kind in KINDS:
        value = jar.get(cookie_name(kind, secure=secure), "")
        if value and len(value) <= 400:
            found[kind] = value
    return found


@dataclass(frozen=True)
class SetCookie:
    """One cookie to set (``value``) or to clear (``value`` None)."""

    kind: str
    value: str | None
    max_age: int | None = None  # None: a session cookie (gone with the browser)


def header_value(cookie: SetCookie, *, secure: bool) -> str:
    """The ``Set-Cookie`` header for one of the portal's cookies."""
    name = cookie_name(cookie.kind, secure=secure)
    same_site = "Lax" if cookie.kind in LAX_KINDS else "Strict"
    parts = [f"{name}={cookie.value or ''}", "Path=/", "HttpOnly", f"SameSite={same_site}"]
    if secure:
        parts.append("Secure")
    if cookie.value is None:
        parts.append("Max-Age=0")
    elif cookie.max_age is not None:
        parts.append(f"Max-Age={int(cookie.max_age)}")
    return "; ".join(parts)


def hint_header_value(signed_in: bool, *, secure: bool, max_age: int | None) -> str:
    """The ``Set-Cookie`` header for the scripts' signed-in hint (set or cleared)."""
    parts = [f"{SIGNED_IN_HINT}={'1' if signed_in else ''}", "Path=/", "SameSite=Strict"]
    if secure:
        parts.append("Secure")
    if not signed_in:
        parts.append("Max-Age=0")
    elif max_age is not None:
        parts.append(f"Max-Age={int(max_age)}")
    return "; ".join(parts)


__all__ = [
    "KINDS",
    "LAX_KINDS",
    "REGISTRATION",
    "RESET",
    "RESIDENT_KINDS",
    "SESSION",
    "STAFF",
    "STAFF_KINDS",
    "STAFF_SETUP",
    "SIGNED_IN_HINT",
    "STAFF_SSO",
    "TWO_STEP",
    "SetCookie",
    "cookie_name",
    "header_value",
    "hint_header_value",
    "ours",
    "parse",
]
