"""The shared base state: who is calling, checked on the server for every event.

The browser keeps only an opaque token; the server keeps the session (hashed
token, idle and absolute expiry). Where the browser keeps it depends on the host
the page was opened on (``services/identity/kiosk.py``): ``kiosk_token`` in
sessionStorage on a kiosk host (gone when the browser closes, never in localStorage),
otherwise ``session_token`` in localStorage. Read and write it only through
``_token()``, ``_set_token()`` and ``_clear_token()``. Every handler carries one of the
access marks of ``state/access.py``.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.services.identity import kiosk, sessions
from portal_app.settings import get_settings
from portal_app.state.access import public
from portal_app.state.database import in_transaction, in_transaction_here

# Where the browser keeps the token (components/boot.py reads them for its signed-in hint).
SESSION_STORAGE_KEY = "doorstep_session"
KIOSK_SESSION_STORAGE_KEY = "doorstep_kiosk_session"


class SessionState(rx.State):
    """Thin shared state: the opaque session token and what the header shows."""

    # The token on an ordinary host (kept across browser restarts) ...
    session_token: str = rx.LocalStorage("", name=SESSION_STORAGE_KEY)
    # ... and on a kiosk host: this tab only, never written to localStorage.
    kiosk_token: str = rx.SessionStorage("", name=KIOSK_SESSION_STORAGE_KEY)
    signed_in: bool = False
    first_name: str = ""

    def _on_kiosk(self) -> bool:
        """Whether this event comes from a page opened on a kiosk host: the websocket's
        Origin (the page's own host, as the boot script sees it), else its Host."""
        headers = self.router.headers if self.router else None
        host = kiosk.page_host(getattr(headers, "origin", ""), getattr(headers, "host", "")) if headers else ""
        return kiosk.is_kiosk_host(host, get_settings())

    def _token(self) -> str:
        return self.kiosk_token if self._on_kiosk() else self.session_token

    def _session_idle_minutes(self) -> int | None:
        """The idle limit for a session started by this event: a kiosk's shorter one, or the default."""
        return get_settings().kiosk_session_idle_minutes if self._on_kiosk() else None

    def _set_token(self, token: str) -> None:
        """Keep a new session token where this host keeps it, and nowhere else."""
        if self._on_kiosk():
            self.kiosk_token = token
            if self.session_token:  # assigning "" would still write the key to localStorage
                self.session_token = ""
        else:
            self.session_token = token
            if self.kiosk_token:
                self.kiosk_token = ""

    def _clear_token(self) -> None:
        if self.session_token:
            self.session_token = ""
        if self.kiosk_token:
            self.kiosk_token = ""

    def _client(self) -> str:
        """The device, in words, for the sessions list: the address and the User-Agent."""
        ip = self.router.session.client_ip if self.router else ""
        agent = ""
        if self.router:
            agent = (self.router.headers.user_agent or "")[:120]
        return f"{ip} {agent}".strip()[:200]

    def _client_ip(self) -> str:
        """The address the sign-in and registration throttles count this client by: the IP
        alone (X-Forwarded-For only behind ``REFLEX_TRUSTED_PROXY_HOPS`` proxies), never
        anything the browser chooses, such as its User-Agent."""
        return self.router.session.client_ip if self.router else ""

    def _resolve(self) -> sessions.Principal | None:
        """Who this browser's token belongs to (None: nobody), keeping the header in step.
        It reads the database: call it off the event loop (``await self._resolve_off_loop()``;
        the access marks run it in a worker thread)."""
        token = self._token()
        if not token:
            return None
        principal = in_transaction_here(sessions.resolve_session, token, now=utcnow())
        if principal is None:
            self._clear_token()
            self.signed_in = False
            self.first_name = ""
            return None
        self.signed_in = True
        self.first_name = principal.first_name
        return principal

    async def _resolve_off_loop(self) -> sessions.Principal | None:
        """``_resolve`` in a worker thread, not on the event loop."""
        return await asyncio.to_thread(self._resolve)

    async def _forget_private(self) -> None:
        """This browser is no longer signed in: drop the stored token and put every var of
        every page state (the ones the browser sees and the underscore ones it does not)
        back to its class default, so nothing of the resident's stays in the page."""
        self._clear_token()
        self.signed_in = False
        self.first_name = ""
        for cls in page_states():
            reset_to_defaults(await self.get_state(cls))

    @public
    @rx.event
    async def check_session(self):
        """On every page load: keep the header honest about who is signed in (the database
        lookup in a worker thread, as ``resident_only`` does, not on the event loop)."""
        await self._resolve_off_loop()

    @public
    @rx.event
    async def keep_alive(self):
        """Kiosk: input on the page (scrolling, typing) that sends no event of its own still
        counts as use of the session. assets/kiosk.js clicks a hidden button while the
        resident is active and when they choose "I need more time"."""
        await self._resolve_off_loop()

    @public
    @rx.event
    async def sign_out(self):
        """Sign out ("Sign out", "Finish and sign out", the kiosk's timeout).

        Ends this browser's own server session when it has one, clears every private var
        and the stored token, then loads /api/signed-out as a whole new document: that
        response sends Clear-Site-Data and lands on the signed-out page (a kiosk: the
        start page), so nothing typed or shown survives in the page. Public: with no
        live session it still clears and leaves, which is what a kiosk's button needs.
        """
        token = self._token()
        if token:
            await in_transaction(sessions.sign_out, token, now=utcnow())
        await self._forget_private()
        return leave_for(routes.API_SIGNED_OUT)


def leave_for(path: str) -> rx.event.EventSpec:
    """Load ``path`` as a new document (not a client-side route change), after wiping
    the page and storage on a kiosk (``window.doorstep.kioskWipe`` of assets/kiosk.js,
    which only a kiosk loads)."""
    return rx.call_script(
        "(() => { try { window.doorstep && window.doorstep.kioskWipe && window.doorstep.kioskWipe(); } catch (e) {} "
        f"window.location.assign({path!r}); }})()"
    )


class ShowPasswordMixin(rx.State, mixin=True):
    """The "Show password" checkbox of a page with a password box (sign-in, registration,
    reset, security)."""

    show_password: bool = False

    @public
    @rx.event
    def toggle_password(self, checked: bool):
        self.show_password = bool(checked)


def page_states() -> list[type[SessionState]]:
    """Every state built on SessionState: the page states, which may hold a resident's data."""
    found: list[type[SessionState]] = []

    def walk(cls: type[rx.State]) -> None:
        for sub in cls.get_substates():
            found.append(sub)
            walk(sub)

    walk(SessionState)
    return found


def reset_to_defaults(state: rx.State) -> None:
    """Put each var a page state defines (not SessionState's own: the token and the
    header are cleared above) back to the default its class declares."""
    shared = SessionState.__fields__.keys() | rx.State.__fields__.keys()
    for name, field in type(state).__fields__.items():
        if name in shared:
            continue
        default = field.default_value()
        if getattr(state, name) != default:
            setattr(state, name, default)
