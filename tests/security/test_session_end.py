"""When a session ends, what a tab's state holds of the resident is emptied on the server
before Reflex sends that tab anything again (an old tab reconnecting, a copied client token)."""

from __future__ import annotations

import json

import reflex as rx
from reflex_base.event import Event
from sqlmodel import Session

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app.clock import utcnow
from portal_app.pages.accounts.home import HomeState
from portal_app.services.identity import auth, sessions
from portal_app.state.session import EndedSessionGuard, SessionState
from tests.browsers import connect
from tests.factories import PASSWORD
from tests.security.handlers import run

HYDRATE = Event(name="reflex___state____state.hydrate_and_load", payload={})


def _signed_in_tab(db, email: str) -> tuple[rx.State, str]:
    with Session(db) as s:
        token = auth.sign_in(s, email, PASSWORD, client="test", client_ip="192.0.2.10", now=utcnow()).token
        s.commit()
    root = rx.State(_reflex_internal_init=True)
    connect(root, session=token)
    home = root.substates[SessionState.get_name()].substates[HomeState.get_name()]
    run(HomeState.event_handlers["load"].fn(home))
    return root, token


def _shown(root: rx.State) -> str:
    return json.dumps(root.dict(), default=str)


def test_an_old_tab_reconnecting_after_sign_out_everywhere_is_sent_nothing_of_the_resident(db, two_residents):
    a, b = two_residents
    root, token = _signed_in_tab(db, "bart@example.org")
    assert b["account"].account_ref in _shown(root) and "Bartholomew" in _shown(root)
    with Session(db) as s:
        sessions.sign_out_everywhere(s, b["user"].id, now=utcnow())
        s.commit()
    connect(root)  # the tab comes back: the same client token, no live session cookie
    run(EndedSessionGuard().preprocess(app=None, state=root, event=HYDRATE))
    shown = _shown(root)
    assert b["account"].account_ref not in shown and "Bartholomew" not in shown
    assert root.substates[SessionState.get_name()]._session_id == 0


def test_a_tab_is_emptied_when_its_cookie_now_names_another_resident_s_session(db, two_residents):
    a, b = two_residents
    root, _ = _signed_in_tab(db, "bart@example.org")
    with Session(db) as s:
        other = auth.sign_in(
            s, "annabel@example.org", PASSWORD, client="test", client_ip="192.0.2.10", now=utcnow()
        ).token
        s.commit()
    connect(root, session=other)
    run(EndedSessionGuard().preprocess(app=None, state=root, event=HYDRATE))
    assert b["account"].account_ref not in _shown(root)


def test_a_tab_whose_session_is_still_live_keeps_what_it_shows(db, two_residents):
    """The control: the guard empties only what belongs to a session that is over."""
    a, b = two_residents
    root, token = _signed_in_tab(db, "bart@example.org")
    connect(root, session=token)  # a reconnect with the same live cookie
    run(EndedSessionGuard().preprocess(app=None, state=root, event=HYDRATE))
    assert b["account"].account_ref in _shown(root)
