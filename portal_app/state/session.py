"""The shared base state: who is calling, checked on the server for every event.

The browser keeps only an opaque token, in an ``HttpOnly`` cookie no script can read
(``services/identity/cookies.py``); the server keeps the session (hashed token, idle
and absolute expiry). The cookie reaches a handler from the websocket's handshake
(``state/cookie_jar.py``), never through Reflex state; read it only through
``_token()`` and ``_cookie()``. A sign-in step sets cookies only by sending the browser
through an HTTP response (``_hand_over``, ``api/handoff.py``); sign-out clears them by
one (``api/signout.py``). Every handler carries one of the access marks of
``state/access.py``.

A tab's page states remember which session their data was shown under
(``_session_id``): when that session has ended (signed out elsewhere, idle, a password
change), the next event or reconnect of the tab empties them before anything is sent.
"""

from __future__ import annotations

import asyncio

import reflex as rx
from reflex.middleware import Middleware

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.services.identity import cookies, handoff, kiosk, sessions
from portal_app.settings import get_settings
from portal_app.state import cookie_jar
from portal_app.state.access import public, resident_only
from portal_app.state.database import in_transaction, in_transaction_here


class SessionState(rx.State):
    """Thin shared state: what the header shows, and whose data the page states hold."""

    signed_in: bool = False
    first_name: str = ""
    # The server session this tab's page states were filled under (0: none).
    _session_id: int = 0
    # When the session ends if it is not used again (milliseconds since 1970, the server's
    # clock), the server's clock when that was worked out, and the idle limit: the page
    # warns before the end (components/session_timeout.py, assets/session_timeout.js).
    # Not secret: a time, the same for every resident.
    idle_ends_ms: int = 0
    server_now_ms: int = 0
    idle_limit_seconds: int = 0
    # Counts the page's "still live?" checks, so the page sees each answer arrive.
    idle_checks: int = 0
    # Which resident a form's draft on this device belongs to (a keyed hash of the account,
    # sessions.draft_owner): a draft is given back only to the same resident.
    draft_owner: str = ""

    def _on_kiosk(self) -> bool:
        """Whether this event comes from a page opened on a kiosk host: the websocket's
        Origin (the page's own host, as the boot script sees it), else its Host."""
        router = self.router  # assembled afresh on each read: once here (on every event)
        headers = router.headers if router else None
        host = kiosk.page_host(getattr(headers, "origin", ""), getattr(headers, "host", "")) if headers else ""
        return kiosk.is_kiosk_host(host, get_settings())

    def _cookie(self, kind: str) -> str:
        """The portal's ``kind`` cookie as this connection's handshake brought it."""
        router = self.router
        sid = router.session.session_id if router else ""
        return cookie_jar.cookie_of(sid, kind)

    def _token(self) -> str:
        return self._cookie(cookies.SESSION)

    def _session_idle_minutes(self) -> int | None:
        """The idle limit for a session started by this event: a kiosk's shorter one, or the default."""
        return get_settings().kiosk_session_idle_minutes if self._on_kiosk() else None

    def _session_cookie_seconds(self) -> int | None:
        """A new session cookie's lifetime: none on a kiosk (gone with the browser),
        else the session's absolute limit."""
        return None if self._on_kiosk() else get_settings().session_absolute_hours * 3600

    async def _hand_over(self, found: list[cookies.SetCookie], next_path: str) -> rx.event.EventSpec:
        """Send the browser through the handoff route, whose response sets ``found``
        (a websocket event cannot set an HttpOnly cookie), then on to ``next_path``."""
        code = await in_transaction(
            handoff.issue, found, next_path=routes.safe_next(next_path), client_ip=self._client_ip(), now=utcnow()
        )
        return leave_for(routes.handoff(code), wipe=False)

    async def _start_session(self, token: str, next_path: str) -> rx.event.EventSpec:
        """A sign-in is complete: hand the new session's cookie to the browser, clear the
        steps' cookies, and go on to ``next_path``."""
        return await self._hand_over(
            [
                cookies.SetCookie(cookies.SESSION, token, self._session_cookie_seconds()),
                cookies.SetCookie(cookies.TWO_STEP, None),
                cookies.SetCookie(cookies.REGISTRATION, None),
            ],
            next_path,
        )

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
        anything the browser chooses, such as its User-Agent. The handoff route checks it too."""
        return (self.router.session.client_ip if self.router else "") or ""

    def _resolve(self, touch: bool = True) -> sessions.Principal | None:
        """Who this browser's session cookie belongs to (None: nobody), keeping the header
        and the idle end in step. It reads the database: call it off the event loop
        (``await self._resolve_off_loop()``, as the access marks do). ``touch=False``: only
        look, not count as use (the page's idle checks)."""
        token = self._token()
        principal = in_transaction_here(sessions.resolve_session, token, now=utcnow(), touch=touch) if token else None
        self._show_idle_end(principal)
        if principal is None:
            self.signed_in = False
            self.first_name = ""
            return None
        self.signed_in = True
        self.first_name = principal.first_name
        return principal

    def _show_idle_end(self, principal: sessions.Principal | None) -> None:
        """Tell the page when the session ends without use (nothing on a kiosk: assets/kiosk.js
        has its own shorter countdown, and the two must not both show)."""
        if principal is None or principal.idle_ends_at is None or self._on_kiosk():
            self.idle_ends_ms, self.server_now_ms, self.idle_limit_seconds = 0, 0, 0
            self.draft_owner = ""
            return
        self.draft_owner = sessions.draft_owner(principal.user_id)
        self.idle_ends_ms = int(principal.idle_ends_at.timestamp() * 1000)
        self.server_now_ms = int(utcnow().timestamp() * 1000)
        self.idle_limit_seconds = principal.idle_limit_seconds

    async def _why_ended(self) -> str | None:
        """``routes.ENDED_IDLE`` when this browser's session cookie names a session that ended
        for want of use; otherwise None."""
        token = self._token()
        if not token:
            return None
        reason = await in_transaction(sessions.ended_reason, token)
        return routes.ENDED_IDLE if reason == "idle" else None

    def _this_page(self) -> str:
        """The page this event came from, with its query."""
        if not self.router:
            return routes.HOME
        url = self.router.url
        query = getattr(url, "query", "")
        return url.path + (f"?{query}" if query else "")

    async def _resolve_off_loop(self, touch: bool = True) -> sessions.Principal | None:
        """``_resolve`` in a worker thread, not on the event loop; and when the page states
        hold data shown under a session that is over (or another one), empty them first."""
        principal = await asyncio.to_thread(self._resolve, touch)
        held = self._session_id
        if held and (principal is None or principal.session_id != held):
            await self._forget_private()
            if principal is not None:
                self.signed_in, self.first_name = True, principal.first_name
        if principal is not None and self._session_id != principal.session_id:
            self._session_id = principal.session_id
        return principal

    async def _forget_private(self) -> None:
        """This browser is no longer signed in: put every var of every page state (the
        ones the browser sees and the underscore ones it does not) back to its class
        default, so nothing of the resident's stays in the page or in the stored state.
        The cookies go by an HTTP response (sign-out)."""
        self.signed_in = False
        self.first_name = ""
        self._session_id = 0
        self.idle_ends_ms, self.server_now_ms, self.idle_limit_seconds = 0, 0, 0
        self.draft_owner = ""
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

    @resident_only
    @rx.event
    async def stay_signed_in(self):
        """ "Stay signed in" on the warning before the session ends for want of use (WCAG 2.2.1):
        the session's use is now, so it ends a whole idle limit from here."""
        principal = await in_transaction(sessions.keep_alive, self._token(), now=utcnow())
        self._show_idle_end(principal)

    @public
    @rx.event
    async def check_idle(self):
        """The page's own question, before it warns and when its countdown reaches the end:
        is this browser's session still live (another tab may have been used)? Only looks:
        asking is not use, so a tab left open never keeps a session alive. When the session
        ended for want of use, the page states are emptied and the browser goes through the
        sign-out route (which clears the cookies) to sign in again, told why, coming back
        to this page with its query."""
        held = self._session_id
        principal = await self._resolve_off_loop(touch=False)
        self.idle_checks += 1
        if principal is not None or not held:
            return None
        why = await self._why_ended()
        await self._forget_private()
        if why == routes.ENDED_IDLE:
            return leave_for(routes.signed_out_after_idle(self._this_page()))
        return leave_for(routes.API_SIGNED_OUT)

    @public
    @rx.event
    async def sign_out(self):
        """Sign out ("Sign out", "Finish and sign out", the kiosk's timeout).

        Ends this browser's own server session when it has one, clears every private var,
        then loads /api/signed-out as a whole new document: that response clears the
        cookies, sends Clear-Site-Data and lands on the signed-out page (a kiosk: the
        start page), so nothing typed or shown survives in the page. Public: with no
        live session it still clears and leaves, which is what a kiosk's button needs.
        """
        token = self._token()
        if token:
            await in_transaction(sessions.sign_out, token, now=utcnow(), client_ip=self._client_ip())
        await self._forget_private()
        return leave_for(routes.API_SIGNED_OUT)


class EndedSessionGuard(Middleware):
    """Before Reflex sends a tab its whole state (the hydrate of every page load and
    reconnect), empty the page states if the session they were filled under is over:
    an old tab's client token then gets the defaults, not the resident's name and
    accounts. Tabs that hold no resident's data cost nothing."""

    async def preprocess(self, app, state, event):  # noqa: ARG002 - Reflex's signature
        if not event.name.endswith(HYDRATE_EVENTS):
            return None
        session_state = await state.get_state(SessionState)
        if session_state._session_id:
            await session_state._resolve_off_loop()
        return None


HYDRATE_EVENTS = (".hydrate", ".hydrate_and_load")


def leave_for(path: str, *, wipe: bool = True) -> rx.event.EventSpec:
    """Load ``path`` as a new document (not a client-side route change), after wiping
    the page and storage on a kiosk (``window.doorstep.kioskWipe`` of assets/kiosk.js,
    which only a kiosk loads). ``wipe=False`` for a step of a journey that goes on (the
    handoff route): the tab keeps its storage, and so its state."""
    wiping = (
        "try { window.doorstep && window.doorstep.kioskWipe && window.doorstep.kioskWipe(); } catch (e) {} "
        if wipe
        else ""
    )
    return rx.call_script(f"(() => {{ {wiping}window.location.assign({path!r}); }})()")


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
