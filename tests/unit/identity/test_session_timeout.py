"""The resident session's idle end, as the page sees it (issue 13 item 14, WCAG 2.2.1 Timing
Adjustable): the page is told when the session will end so it can warn in time, "Stay signed
in" keeps it, a check from a forgotten tab does not, and a session that ended sends the
resident to sign in with the page and its query to come back to, told why."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import reflex as rx
from sqlmodel import Session, select

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app import routes
from portal_app.clock import utcnow
from portal_app.models import AuthSession
from portal_app.pages.identity.sign_in import SignInState
from portal_app.pages.requests.new import RequestFormState
from portal_app.services.identity import sessions
from portal_app.settings import get_settings
from portal_app.state.session import SessionState
from tests.browsers import connect
from tests.security.handlers import run

FORM = "/requests/new?kind=query&account=OWNRENT2"


def _tab(token: str = "", path: str = "/home") -> rx.State:
    root = rx.State(_reflex_internal_init=True)
    connect(root, session=token, path=path)
    return root


def _session_state(root: rx.State) -> SessionState:
    return root.substates[SessionState.get_name()]


def _stored(db, token: str) -> AuthSession:
    from portal_app.services import tokens

    with Session(db) as s:
        return s.exec(
            select(AuthSession).where(AuthSession.token_hash == tokens.hash_token(token, purpose="session"))
        ).one()


def _idle_for(db, token: str, minutes: float) -> None:
    """The session was last used ``minutes`` ago."""
    from portal_app.services import tokens

    with Session(db) as s:
        stored = s.exec(
            select(AuthSession).where(AuthSession.token_hash == tokens.hash_token(token, purpose="session"))
        ).one()
        stored.last_seen_at = utcnow() - timedelta(minutes=minutes)
        s.add(stored)
        s.commit()


def _redirect_target(spec) -> str:
    """Where an ``rx.redirect`` (or a ``leave_for`` script) sends the browser."""
    if isinstance(spec, list):  # a handler that yields: its last step
        spec = spec[-1] if spec else None
    if spec is None:
        return ""
    for name, value in spec.args:
        if str(name) in ("path", "javascript_code"):
            text = str(value).strip('"')
            assigned = re.search(r"location\.assign\(\\?['\"]([^'\"\\]+)", text)
            return assigned.group(1) if assigned else text
    return ""


def _as_ms(moment) -> int:
    return int(moment.timestamp() * 1000)


def test_the_page_is_told_when_the_session_will_end_so_it_can_warn_in_time(db, two_residents):
    _, b = two_residents
    _idle_for(db, b["token"], 10)
    root = _tab(b["token"])
    state = _session_state(root)
    run(SessionState.event_handlers["check_session"].fn(state))
    # A page load is use: the session now ends 30 minutes from here, and the page knows it.
    ends = _stored(db, b["token"]).last_seen_at + timedelta(minutes=get_settings().session_idle_minutes)
    assert abs(state.idle_ends_ms - _as_ms(ends)) < 2000
    assert abs(state.server_now_ms - _as_ms(utcnow())) < 5000
    assert state.idle_limit_seconds == get_settings().session_idle_minutes * 60


def test_pressing_stay_signed_in_keeps_the_session_past_its_old_idle_end(db, two_residents):
    _, b = two_residents
    _idle_for(db, b["token"], 28.5)  # the warning is showing: 90 seconds left
    root = _tab(b["token"])
    state = _session_state(root)
    run(SessionState.event_handlers["stay_signed_in"].fn(state))
    seen = _stored(db, b["token"]).last_seen_at
    assert utcnow() - seen.replace(tzinfo=utcnow().tzinfo) < timedelta(seconds=10)
    assert state.idle_ends_ms - _as_ms(utcnow()) > 29 * 60 * 1000
    with Session(db) as s:  # 2 minutes on, when it would have ended, it is still live
        assert sessions.resolve_session(s, b["token"], now=utcnow() + timedelta(minutes=2)) is not None


def test_a_check_from_a_tab_left_open_does_not_keep_the_session_alive(db, two_residents):
    """The page asks whether the session is still live before it warns and at its end (another
    tab may have been used); asking must not count as use, or a forgotten tab would keep
    the session open for ever."""
    _, b = two_residents
    _idle_for(db, b["token"], 20)
    before = _stored(db, b["token"]).last_seen_at
    root = _tab(b["token"], path=FORM)
    state = _session_state(root)
    state._session_id = _stored(db, b["token"]).id
    run(SessionState.event_handlers["check_idle"].fn(state))
    assert _stored(db, b["token"]).last_seen_at == before
    assert abs(state.idle_ends_ms - _as_ms(before + timedelta(minutes=30))) < 2000


def test_a_tab_whose_session_ended_from_doing_nothing_goes_to_sign_in_and_back_to_the_same_form(db, two_residents):
    _, b = two_residents
    root = _tab(b["token"], path=FORM)
    state = _session_state(root)
    state._session_id = _stored(db, b["token"]).id
    _idle_for(db, b["token"], 31)
    spec = run(SessionState.event_handlers["check_idle"].fn(state))
    target = _redirect_target(spec)
    assert routes.API_SIGNED_OUT in target
    query = parse_qs(urlparse(target).query)
    assert query["why"] == ["idle"]
    assert query["next"] == [FORM]


def test_sending_a_request_after_the_session_ended_comes_back_to_the_same_form_with_its_query(db, two_residents):
    """Pressing Send after 30 idle minutes: sign in, then back to /requests/new with its query, told why."""
    _, b = two_residents
    _idle_for(db, b["token"], 31)
    root = _tab(b["token"], path=FORM)
    form_state = root.get_substate(RequestFormState.get_full_name().split(".")[1:])
    _session_state(root)._session_id = _stored(db, b["token"]).id
    spec = run(RequestFormState.event_handlers["submit"].fn(form_state, {"message": "My rent went up twice"}))
    target = _redirect_target(spec)
    query = parse_qs(urlparse(target).query)
    assert urlparse(target).path.endswith(routes.SIGN_IN)
    assert query["next"] == [FORM]
    assert query["why"] == ["idle"]


def test_a_resident_signed_out_for_doing_nothing_is_told_why_when_signing_in_again(db):
    from portal_app.components import session_timeout

    root = _tab(path=routes.with_query(routes.SIGN_IN, why="idle", next=FORM))
    sign_in = root.substates[SessionState.get_name()].substates[SignInState.get_name()]
    run(SignInState.event_handlers["open_form"].fn(sign_in))
    assert sign_in.signed_out_idle
    assert sign_in._next == FORM
    assert "did nothing for 30 minutes" in session_timeout.idle_reason(get_settings())
    assert "to protect your account" in session_timeout.idle_reason(get_settings())


@pytest.mark.parametrize(
    "hostile",
    [
        "//evil.example/requests/new",
        "https://evil.example/",
        "https:evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        " //evil.example",
        "javascript:alert(1)",
        "requests/new",
    ],
)
def test_a_sign_in_link_never_sends_a_resident_to_another_site(hostile):
    assert routes.safe_next(hostile) == routes.HOME
    assert routes.sign_in(hostile) == routes.with_query(routes.SIGN_IN, next=routes.HOME)


def test_a_sign_in_link_keeps_the_page_s_query():
    assert routes.safe_next(FORM) == FORM
    assert parse_qs(urlparse(routes.sign_in(FORM)).query)["next"] == [FORM]


def test_bank_details_typed_for_a_refund_are_never_kept_as_a_draft():
    """What a form keeps through a sign-in is a list of the fields it names: never the refund's
    amount or bank details (they must not stay on the device)."""
    from portal_app.pages.requests import new

    kept = new.DRAFT_FIELDS
    assert {"message", "other_address", "note"} <= set(kept)
    assert not {"amount", "bank_account_name", "sort_code", "bank_account_number"} & set(kept)
