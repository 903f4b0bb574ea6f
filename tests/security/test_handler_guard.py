"""Every event handler is either public by design or checks the server session.

Any connected browser can call any handler with any arguments (DESIGN.md), so
this walks every state the portal defines and every handler on it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect

import pytest
import reflex as rx

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app.state.session import ACCESS_ATTR, SessionState

# Handlers anyone may call, and why. Anything else must be @resident_only.
PUBLIC_BY_DESIGN = {
    "SessionState.check_session": "keeps the header honest; reveals only whether this browser's own token is live",
    "SessionState.keep_alive": "kiosk activity: only moves this browser's own session's last use, as any event does",
    "SessionState.sign_out": "ends only this browser's own session; with none it just clears and leaves (kiosk button)",
    "RegisterState.toggle_password": "show/hide the password the resident is typing",
    "RegisterState.open_form": "clears the registration form",
    "RegisterState.choose_paper": "records the letters-by-post choice on this browser's own form",
    "RegisterState.submit": "registration is for people who are not signed in",
    "RegisterState.submit_code": "proves the email of this browser's own registration attempt",
    "RegisterState.resend": "re-sends this browser's own registration code, throttled",
    "SignInState.open_form": "the sign-in page",
    "SignInState.toggle_password": "show/hide the password the resident is typing",
    "SignInState.submit": "sign-in itself",
    "SignInState.send_unlock_email": "enumeration-safe reset email for the address typed at sign-in",
    "SignInState.submit_two_step": "the second step of this browser's own sign-in",
    "ResetState.open_request": "the forgotten-password page",
    "ResetState.request_link": "enumeration-safe reset email",
    "ResetState.open_reset": "checks a reset token from an emailed link",
    "ResetState.toggle_password": "show/hide the new password",
    "ResetState.set_password": "needs a valid single-use reset token",
    "MailboxState.load": "development mode only: redirects away in production",
}


def _portal_states() -> list[type[rx.State]]:
    found: list[type[rx.State]] = []

    def walk(cls):
        for sub in cls.get_substates():
            if sub.__module__.startswith("portal_app"):
                found.append(sub)
            walk(sub)

    walk(rx.State)
    return found


def _portal_handlers():
    for state in _portal_states():
        for name, handler in state.event_handlers.items():
            fn = handler.fn
            if not getattr(fn, "__module__", "").startswith("portal_app"):
                continue  # Reflex's own (hydrate, setters of LocalStorage, ...)
            yield state, name, fn


def test_the_walk_finds_the_portal_states_and_their_handlers():
    names = {f"{s.__name__}.{n}" for s, n, _ in _portal_handlers()}
    assert "SessionState.sign_out" in names
    assert "HomeState.load" in names
    assert "SignInState.submit" in names
    assert len(names) >= 25


def test_every_handler_is_either_public_by_design_or_checks_the_session():
    unmarked, wrongly_public, missing_reason = [], [], []
    for state, name, fn in _portal_handlers():
        key = f"{state.__name__}.{name}"
        access = getattr(fn, ACCESS_ATTR, None)
        if access is None:
            unmarked.append(key)
        elif access == "public" and key not in PUBLIC_BY_DESIGN:
            wrongly_public.append(key)
        elif access == "resident" and key in PUBLIC_BY_DESIGN:
            missing_reason.append(key)
    assert unmarked == [], f"handlers with no access mark: {unmarked}"
    assert wrongly_public == [], f"public handlers not listed as public by design: {wrongly_public}"
    assert missing_reason == [], f"listed as public but guarded (update the list): {missing_reason}"


def _resident_handlers():
    return [
        (state, name, fn)
        for state, name, fn in _portal_handlers()
        if getattr(fn, ACCESS_ATTR, None) == "resident"
    ]


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

    class headers:  # noqa: N801
        user_agent = "pytest"
        host = "127.0.0.1:3000"


@pytest.mark.parametrize("state_name,handler_name", [(s.__name__, n) for s, n, _ in _resident_handlers()])
def test_an_anonymous_caller_is_sent_to_sign_in_and_the_handler_does_not_run(db, state_name, handler_name):
    state_cls, fn = next((s, f) for s, n, f in _resident_handlers() if s.__name__ == state_name and n == handler_name)
    ran = []
    inner = inspect.unwrap(fn)

    class Probe:
        """Stands in for the state instance: no token, so no session."""

        session_token = ""
        kiosk_token = ""
        signed_in = True
        first_name = "Someone"
        router = _FakeRouter()
        _on_kiosk = SessionState._on_kiosk
        _token = SessionState._token
        _clear_token = SessionState._clear_token

        def _resolve(self):
            return SessionState._resolve(self)

        async def _forget_private(self):
            ran.append("forgot")
            self.signed_in = False
            self.first_name = ""

    probe = Probe()
    # Any argument shape a hostile browser might send.
    args = [{"code": "123456", "password": "x" * 20, "current_password": "x", "new_password": "y" * 20}]
    params = [p for p in inspect.signature(inner).parameters.values() if p.name != "self"]
    call_args = args[: len(params)]
    result = fn(probe, *call_args)
    if inspect.iscoroutine(result):
        # A loop of its own in a thread: another test may have left one running in this thread.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            result = pool.submit(asyncio.run, result).result()
    assert ran == ["forgot"], f"{state_name}.{handler_name} did not clear private data for an anonymous caller"
    assert probe.signed_in is False and probe.first_name == ""
    redirect = str(result)
    assert "/sign-in" in redirect, f"{state_name}.{handler_name} did not send the caller to sign in: {redirect}"


# Handlers that take an id of a record (account, tenancy, request...) must prove
# ownership through a service and be listed here with the test that proves it.
# tests/unit/test_ownership.py also calls every resident handler as resident B with
# resident A's ids in every argument and fails if anything of A's reaches B.
OWNERSHIP_CHECKED: dict[str, str] = {}


def test_no_resident_handler_takes_a_record_id_without_an_ownership_test():
    offenders = []
    for state, name, fn in _resident_handlers():
        params = [p for p in inspect.signature(inspect.unwrap(fn)).parameters if p != "self"]
        for param in params:
            if param.endswith("id") or param.endswith("_ref") or param in {"account", "tenancy", "user"}:
                if f"{state.__name__}.{name}" not in OWNERSHIP_CHECKED:
                    offenders.append(f"{state.__name__}.{name}({param})")
    assert offenders == []
