"""The back office's base state: which member of staff is calling, checked on the server
for every event, apart from residents' sign-ins.

A staff session is its own cookie (``cookies.STAFF``, HttpOnly, ``SameSite=Strict``),
its own table and token purpose (``services/staff/sessions.py``): a resident's session
never makes this state see a member of staff, and this state never reads the resident's
cookie. ``StaffState`` is not a ``SessionState``: ``@resident_only`` cannot run on it
(it has no ``_resolve_off_loop``), and ``@staff_only`` finds no ``_resolve_staff`` on a
resident's page. The back office's page states are built on this one; when the staff
session they were filled under ends (idle 15 minutes, signed out, disabled), the next
event empties them first.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from portal_app import routes
from portal_app.clock import utcnow
from portal_app.services.identity import cookies, handoff, kiosk
from portal_app.services.staff import sessions as staff_sessions
from portal_app.services.staff.hosts import back_office_allowed
from portal_app.services.staff.sso import staff_next
from portal_app.settings import get_settings
from portal_app.state import cookie_jar
from portal_app.state.access import public
from portal_app.state.database import in_transaction, in_transaction_here
from portal_app.state.session import leave_for, reset_to_defaults


class StaffState(rx.State):
    """What the back office's header shows, and whose staff session the pages were filled under."""

    staff_signed_in: bool = False
    staff_name: str = ""
    staff_role: str = ""
    # The permissions the role grants, for the navigation only (each handler checks its own).
    staff_can: list[str] = []
    _staff_session_id: int = 0

    def _page_host(self) -> str:
        headers = self.router.headers if self.router else None
        if not headers:
            return ""
        return kiosk.page_host(getattr(headers, "origin", ""), getattr(headers, "host", ""))

    def _staff_token(self) -> str:
        sid = self.router.session.session_id if self.router else ""
        return cookie_jar.cookie_of(sid, cookies.STAFF)

    def _client_ip(self) -> str:
        return (self.router.session.client_ip if self.router else "") or ""

    def _client(self) -> str:
        agent = (self.router.headers.user_agent or "")[:120] if self.router else ""
        return f"{self._client_ip()} {agent}".strip()[:200]

    def _resolve_staff(self) -> staff_sessions.StaffPrincipal | None:
        """The member of staff this browser's back-office cookie belongs to (None: nobody,
        or the page is on a host the back office does not answer on). Reads the database:
        ``@staff_only`` runs it in a worker thread."""
        principal = None
        if back_office_allowed(self._page_host(), get_settings()):
            token = self._staff_token()
            if token:
                principal = in_transaction_here(staff_sessions.resolve, token, now=utcnow())
        held = self._staff_session_id
        if held and (principal is None or principal.session_id != held):
            self._forget_staff_pages()
        if principal is None:
            self.staff_signed_in, self.staff_name, self.staff_role, self.staff_can = False, "", "", []
            return None
        self.staff_signed_in = True
        self.staff_name = principal.name
        self.staff_role = principal.role_label
        self.staff_can = sorted(principal.permissions)
        self._staff_session_id = principal.session_id
        return principal

    def _forget_staff_pages(self) -> None:
        """Put every back-office page state back to its defaults (nothing of a resident's
        stays after the staff session that showed it has ended). Only substates already
        loaded for this tab hold anything."""
        self._staff_session_id = 0
        for sub in _loaded_substates(self):
            reset_to_defaults(sub)

    async def _start_staff_session(self, token: str, next_path: str) -> rx.event.EventSpec:
        """A staff sign-in is complete: hand the cookie over through the handoff route."""
        found = [cookies.SetCookie(cookies.STAFF, token, None)]  # gone with the browser
        code = await in_transaction(
            handoff.issue, found, next_path=staff_next(next_path), client_ip=self._client_ip(), now=utcnow()
        )
        return leave_for(routes.handoff(code, staff=True), wipe=False)

    @public
    @rx.event
    async def check_staff(self):
        """On every back-office page load: who is signed in; with nobody, to the staff
        sign-in page (which loads no data of its own)."""
        principal = await asyncio.to_thread(self._resolve_staff)
        path = self.router.url.path if self.router else routes.STAFF_HOME
        if principal is None and path not in routes.STAFF_OPEN_PAGES:
            return rx.redirect(routes.staff_sign_in(next_path=path))
        return None

    @public
    @rx.event
    async def staff_sign_out(self):
        """Sign out of the back office: end the staff session, empty the pages, and load
        the route that clears the cookie. A resident's sign-in in this browser stays."""
        token = self._staff_token()
        self._forget_staff_pages()
        self.staff_signed_in, self.staff_name, self.staff_role, self.staff_can = False, "", "", []
        if token:
            await in_transaction(_sign_out_and_audit, token, client_ip=self._client_ip())
        return leave_for(routes.API_STAFF_SIGNED_OUT, wipe=False)


def _sign_out_and_audit(session, token: str, *, client_ip: str) -> None:
    from portal_app.services import audit

    now = utcnow()
    staff_id = staff_sessions.sign_out(session, token, now=now)
    if staff_id is not None:
        audit.record(
            session,
            action=audit.STAFF_SIGNED_OUT,
            actor_kind=audit.STAFF,
            actor_id=staff_id,
            client_ip=client_ip,
            now=now,
        )


__all__ = ["StaffState", "staff_next", "staff_page_states"]


def _loaded_substates(state: rx.State) -> list[rx.State]:
    found: list[rx.State] = []
    for sub in state.substates.values():
        found.append(sub)
        found.extend(_loaded_substates(sub))
    return found


def staff_page_states() -> list[type[StaffState]]:
    """Every state built on StaffState (the back office's pages)."""
    found: list[type[StaffState]] = []

    def walk(cls: type[rx.State]) -> None:
        for sub in cls.get_substates():
            found.append(sub)
            walk(sub)

    walk(StaffState)
    return found
