"""Every event handler is public by design, or guarded: resident-only, or staff-only with
a named permission; and a guarded handler itself never runs for the wrong caller.

Any connected browser can call any handler with any arguments (DESIGN.md), so this
walks every state the portal defines and every handler on it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pytest
import reflex as rx

from portal_app.state.access import (
    ACCESS_ATTR,
    PERMISSIONS,
    PUBLIC,
    RESIDENT,
    STAFF,
    Access,
    StaffPrincipal,
    access_of,
    current_staff,
    public,
    resident_only,
    staff_only,
)
from portal_app.state.session import SessionState, page_states
from tests.security.handlers import portal_handlers, resident_handlers, run

# Handlers anyone may call, and why. Anything else must be @resident_only.
PUBLIC_BY_DESIGN = {
    "StaffState.check_staff": "back office page load: who is signed in, from this browser's own staff cookie only",
    "StaffState.staff_sign_out": "ends only this browser's own staff session; with none it just leaves",
    "StaffSignInState.open_form": "the staff sign-in form; goes on when this browser's own staff session is live",
    "StaffSignInState.submit": "staff sign-in: password and authenticator code, throttled and audited",
    "SessionState.check_session": "keeps the header honest; reveals only whether this browser's own token is live",
    "SessionState.keep_alive": "kiosk activity: only moves this browser's own session's last use, as any event does",
    "SessionState.check_idle": (
        "the page asking whether this browser's own session is still live before it warns; only looks (not use), "
        "and with the session over empties the page states and leaves"
    ),
    "SessionState.sign_out": "ends only this browser's own session; with none it just clears and leaves (kiosk button)",
    "RegisterState.toggle_password": "show/hide the password the resident is typing",
    "RegisterState.open_form": "clears the registration form",
    "RegisterState.choose_paper": "records the letters-by-post choice on this browser's own form",
    "RegisterState.submit": "registration is for people who are not signed in",
    "RegisterState.submit_code": "proves the email of this browser's own registration attempt",
    "RegisterState.resend": "re-sends this browser's own registration code, throttled",
    "RegisterState.join_waiting_list": (
        "the waiting list while registration is paused: for people with no account; one entry per email per "
        "pause, the same answer either way, counted per client address"
    ),
    "StaffSetUpState.open_set_up": (
        "a new member of staff's set-up page: checks this browser's own set-up cookie (the emailed link's "
        "token) in the service before showing the authenticator key"
    ),
    "StaffSetUpState.finish": "finishes the set-up of the account this browser's own set-up cookie names, checked in the service",
    "SignInState.open_form": "the sign-in page",
    "SignInState.toggle_password": "show/hide the password the resident is typing",
    "SignInState.submit": "sign-in itself",
    "SignInState.send_unlock_email": "enumeration-safe reset email for the address typed at sign-in",
    "SignInState.submit_two_step": "the second step of this browser's own sign-in",
    "ForgotPasswordState.open_request": "the forgotten-password page",
    "ForgotPasswordState.request_link": "enumeration-safe reset email",
    "ResetPasswordState.open_reset": "checks a reset token from an emailed link",
    "ResetPasswordState.toggle_password": "show/hide the new password",
    "ResetPasswordState.choose_password": "needs a valid single-use reset token",
    "MailboxState.load": "development mode only: redirects away in production",
}


def mark_problems(handlers) -> list[str]:
    """What is wrong with the marks of these (state, name, fn) handlers; empty when all is well."""
    problems = []
    for state, name, fn in handlers:
        key = f"{state.__name__}.{name}"
        access = access_of(fn)
        if access is None:
            problems.append(f"{key}: no access mark")
        elif access.kind == PUBLIC and key not in PUBLIC_BY_DESIGN:
            problems.append(f"{key}: public but not listed as public by design")
        elif access.kind != PUBLIC and key in PUBLIC_BY_DESIGN:
            problems.append(f"{key}: listed as public but guarded (update the list)")
        elif access.kind == STAFF and access.permission not in PERMISSIONS:
            problems.append(f"{key}: staff handler without a named permission")
        elif access.kind not in (PUBLIC, RESIDENT, STAFF):
            problems.append(f"{key}: unknown mark {access!r}")
    return problems


def test_the_walk_finds_the_portal_states_and_their_handlers():
    names = {f"{s.__name__}.{n}" for s, n, _ in portal_handlers()}
    assert "SessionState.sign_out" in names
    assert "HomeState.load" in names
    assert "SignInState.submit" in names
    assert len(names) >= 25


def test_every_handler_is_either_public_by_design_or_guarded():
    assert mark_problems(portal_handlers()) == []


def test_the_walk_fails_for_a_handler_with_no_mark_and_for_a_staff_handler_without_a_named_permission():
    class Somewhere:
        __name__ = "Somewhere"

    def unmarked(self):
        pass

    def staff_without_permission(self):
        pass

    setattr(staff_without_permission, ACCESS_ATTR, Access(STAFF, None))
    handlers = [(Somewhere, "unmarked", unmarked), (Somewhere, "queue", staff_without_permission)]
    assert mark_problems(handlers) == [
        "Somewhere.unmarked: no access mark",
        "Somewhere.queue: staff handler without a named permission",
    ]


@pytest.mark.parametrize("permission", ["", "everything", None])
def test_a_staff_mark_must_name_one_of_the_permissions(permission):
    with pytest.raises(ValueError, match="named permissions"):
        staff_only(permission)


class _FakeRouter:
    class url:  # noqa: N801 - mimics Reflex's router shape
        path = "/home"

        class query_parameters:  # noqa: N801
            @staticmethod
            def get(_k, _d=None):
                return _d

    class session:  # noqa: N801
        client_ip = "127.0.0.1"
        client_token = "t"
        session_id = "no-cookies"  # a connection whose handshake brought no cookie

    class headers:  # noqa: N801
        user_agent = "pytest"
        host = "127.0.0.1:3000"


class Probe:
    """Stands in for the state instance: no stored token, so no session (``principal``
    set: a live resident session; ``staff`` set: a live staff session)."""

    router = _FakeRouter()
    _on_kiosk = SessionState._on_kiosk
    _cookie = SessionState._cookie
    _token = SessionState._token
    _show_idle_end = SessionState._show_idle_end
    _why_ended = SessionState._why_ended

    def __init__(self, principal=None, staff=None):
        self.principal, self.staff = principal, staff
        self.signed_in, self.first_name, self.forgot = True, "Someone", 0

    def _resolve(self):
        return self.principal if self.principal is not None else SessionState._resolve(self)

    async def _resolve_off_loop(self):
        return self._resolve()

    def _resolve_staff(self):
        return self.staff

    async def _forget_private(self):
        self.forgot += 1
        self.signed_in, self.first_name = False, ""


@dataclass
class Instrument:
    """Put a recorder in the guarded function's place for one call."""

    fn: object
    calls: list

    def __enter__(self):
        self.real = self.fn.__wrapped__

        def recorder(state, *args, **kwargs):
            self.calls.append(args)

        self.fn.__wrapped__ = recorder
        return self

    def __exit__(self, *exc):
        self.fn.__wrapped__ = self.real


def _hostile_args(fn) -> list:
    # Any argument shape a hostile browser might send.
    params = [p for p in inspect.signature(inspect.unwrap(fn)).parameters.values() if p.name != "self"]
    return [{"code": "123456", "password": "x" * 20, "current_password": "x", "new_password": "y" * 20}] * len(params)


@pytest.mark.parametrize("state_name,handler_name", [(s.__name__, n) for s, n, _ in resident_handlers()])
def test_an_anonymous_caller_is_sent_to_sign_in_and_the_handler_itself_does_not_run(db, state_name, handler_name):
    fn = next(f for s, n, f in resident_handlers() if s.__name__ == state_name and n == handler_name)
    probe = Probe()
    with Instrument(fn, calls := []):
        result = run(fn(probe, *_hostile_args(fn)))
    assert calls == [], f"{state_name}.{handler_name} ran for an anonymous caller"
    assert probe.forgot == 1, f"{state_name}.{handler_name} did not clear private data for an anonymous caller"
    assert probe.signed_in is False and probe.first_name == ""
    assert "/sign-in?next=/home" in str(result), f"{state_name}.{handler_name} did not send the caller to sign in"


@pytest.mark.parametrize("state_name,handler_name", [(s.__name__, n) for s, n, _ in resident_handlers()])
def test_a_signed_in_resident_reaches_the_handler_itself(state_name, handler_name):
    """The control for the test above: the same instrument sees the call when the caller may make it."""
    fn = next(f for s, n, f in resident_handlers() if s.__name__ == state_name and n == handler_name)
    probe = Probe(principal=object())
    with Instrument(fn, calls := []):
        run(fn(probe, *_hostile_args(fn)))
    assert len(calls) == 1 and probe.forgot == 0


@staff_only("manage_requests")
async def _answer_request(state, reference):
    return ("answered", reference, current_staff().staff_id)


def _officer(*permissions: str) -> StaffPrincipal:
    return StaffPrincipal(staff_id=7, name="Olu Officer", permissions=frozenset(permissions))


def test_a_staff_handler_sends_a_caller_with_no_staff_session_to_staff_sign_in_without_running():
    probe = Probe(principal=object())  # a signed-in resident is not staff
    with Instrument(_answer_request, calls := []):
        result = run(_answer_request(probe, "RQ-ABC123"))
    assert calls == []
    assert "/staff/sign-in?next=/home" in str(result)
    assert probe.forgot == 0  # the resident signed in in this browser stays signed in


def test_a_staff_handler_refuses_an_officer_whose_role_lacks_the_permission_without_running():
    probe = Probe(staff=_officer("view_resident"))
    with Instrument(_answer_request, calls := []):
        result = run(_answer_request(probe, "RQ-ABC123"))
    assert calls == []
    assert "/staff/not-allowed" in str(result)


def test_a_staff_handler_runs_for_an_officer_with_the_permission_and_knows_who_they_are():
    probe = Probe(staff=_officer("view_resident", "manage_requests"))
    assert run(_answer_request(probe, "RQ-ABC123")) == ("answered", "RQ-ABC123", 7)


@staff_only("manage_requests")
async def _answer_with_a_wait(state, reference):
    yield "Please wait…"
    yield ("answered", reference, current_staff().staff_id)


def test_a_staff_handler_that_yields_knows_who_it_runs_for_after_each_step_and_is_refused_before_its_first():
    probe = Probe(staff=_officer("manage_requests"))
    assert run(_answer_with_a_wait(probe, "RQ-ABC123")) == ["Please wait…", ("answered", "RQ-ABC123", 7)]
    refused = run(_answer_with_a_wait(Probe(staff=_officer("view_resident")), "RQ-ABC123"))
    assert len(refused) == 1 and "/staff/not-allowed" in str(refused[0])
    assert access_of(_answer_with_a_wait) == Access(STAFF, "manage_requests")


def test_the_marks_say_what_they_guard():
    assert access_of(public(lambda self: None)) == Access(PUBLIC)
    assert access_of(resident_only(lambda self: None)) == Access(RESIDENT)
    assert access_of(_answer_request) == Access(STAFF, "manage_requests")


def _changed(value):
    """A value of the same kind as a var's default, but different from it."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 7
    if isinstance(value, str):
        return value + "Annabel Quigley, 1 Juniper Row"
    if isinstance(value, list):
        return [*value, {"reference": "OWNRENT1"}]
    if isinstance(value, dict):
        return {**value, "reference": "OWNRENT1"}
    if value is None:
        return "OWNRENT1"
    if hasattr(value, "to_plotly_json"):  # a Plotly figure
        return type(value)(layout={"title": {"text": "Annabel's balance"}})
    raise AssertionError(f"no changed value for {type(value)}")


def test_after_sign_out_every_var_of_every_page_state_is_back_to_its_default():
    root = rx.State(_reflex_internal_init=True)
    session = root.get_substate(SessionState.get_full_name().split(".")[1:])
    filled = {}
    for cls in page_states():
        state = root.get_substate(cls.get_full_name().split(".")[1:])
        for name, field in cls.__fields__.items():
            if name in SessionState.__fields__:
                continue
            setattr(state, name, _changed(field.default_value()))
            filled[(cls.__name__, name)] = (state, field)
    assert len({c for c, _ in filled}) >= 10 and len(filled) >= 100  # the walk reached the page states
    run(SessionState.event_handlers["sign_out"].fn(session))
    left = sorted(f"{c}.{n}" for (c, n), (state, field) in filled.items() if getattr(state, n) != field.default_value())
    assert left == [], f"still holding what was shown before sign-out: {left}"
    assert session.signed_in is False and session.first_name == ""
