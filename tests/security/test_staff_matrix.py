"""The back office's authorisation matrix, over a real websocket and real HTTP, against a
running portal (``matrix_portal``: residents A and B, one member of staff of each role).

Every ``@staff_only`` handler (the list comes from walking the states, so a new one is
in the matrix without being listed) is called by

* a stranger (no cookie),
* resident B, signed in as a resident (the residents' cookie only),
* a member of staff of each role (the back office's own cookie),

with A's ids in the page's address and arguments of the right shape. A caller the mark
should refuse is refused (a stranger and a resident to the staff sign-in page, staff
whose role lacks the permission to "not allowed"), and the database is as it was; a
caller whose role grants the permission reaches the handler, and when what it is sent
back holds any of resident A's data (name, email, account, address) an audit line of that
look was written. Every back-office HTTP
route answers a stranger and a resident with nothing of anybody's.
"""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from portal_app import routes
from portal_app.api.http import api_app
from portal_app.services.roles import ROLES
from portal_app.state.access import access_of
from tests.security.handlers import run, staff_handlers
from tests.security.test_websocket_walk import _page_of, _parameters, _payload_json, _raw_frame
from tests.security.wire import (
    anonymous_client,
    changed_tables,
    database_picture,
    new_session,
    new_staff_session,
    signed_in_client,
    staff_client,
    unexpected_lines,
)

HANDLERS = [(state, name, access_of(fn).permission) for state, name, fn in staff_handlers()]
CALLERS = ["a stranger", "resident B", *sorted(ROLES)]


def _label(state, name) -> str:
    return f"{state.__name__}.{name}"


def _query(portal) -> dict[str, str]:
    a = portal.people["a"]
    return {"ref": a["request_ref"], "id": str(a["user_id"]), "account": a["account_ref"]}


async def _call(portal, caller: str, state, name) -> tuple[list[str], str]:
    """Call the handler once as ``caller``; the redirects it answered with, and everything received."""
    path = _page_of(state)
    if path == "/home":  # a back-office state with no page of its own
        path = routes.STAFF_HOME
    query = _query(portal)
    # Not hydrated: no page load runs, so the only event is the one under test.
    if caller == "a stranger":
        client = await anonymous_client(portal, hydrate=False)
    elif caller == "resident B":
        token = new_session(portal, portal.people["b"]["user_id"])
        client = await signed_in_client(portal, token, hydrate=False)
    else:
        token = new_staff_session(portal, portal.people["staff"][caller])
        client = await staff_client(portal, token, hydrate=False)
    before = len(client.updates)
    await client.send(
        _raw_frame(f"{state.get_full_name()}.{name}", _payload_json(_parameters(state, name)), path, query)
    )
    await client.settle()
    received = client.updates[before:]
    redirects = [str(e) for u in received for e in u.events if "_redirect" in str(e) or "location" in str(e)]
    text = "\n".join(u.without_router() for u in received)
    await client.close()
    return redirects, text


def _residents_data(portal) -> list[str]:
    a = portal.people["a"]
    return [a["last_name"], a["email"], a["account_ref"], a["address"]]


def _staff_audit_lines(portal) -> int:
    from sqlalchemy import text

    with portal.engine().connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_event WHERE actor_kind = 'staff'")).scalar_one()


def _expected(caller: str, permission: str) -> str:
    if caller in ("a stranger", "resident B"):
        return "sign in"
    return "runs" if permission in ROLES[caller].permissions else "not allowed"


def test_the_matrix_covers_every_staff_handler_and_every_role():
    assert HANDLERS, "no @staff_only handler found: the walk is broken"
    assert set(CALLERS) >= {"a stranger", "resident B", "income_officer", "administrator", "data_protection_officer"}


@pytest.mark.parametrize("state,name,permission", HANDLERS, ids=[_label(s, n) for s, n, _ in HANDLERS])
def test_each_staff_handler_runs_only_for_a_role_that_grants_its_permission_and_refusals_change_nothing(
    matrix_portal, state, name, permission
):
    mark = matrix_portal.log_size()
    outcomes: dict[str, str] = {}
    for caller in CALLERS:
        expected = _expected(caller, permission)
        before = database_picture(matrix_portal)
        looks_before = _staff_audit_lines(matrix_portal)
        redirects, text = run(_call(matrix_portal, caller, state, name))
        shown = [bit for bit in _residents_data(matrix_portal) if bit in text]
        if shown:  # every staff look at a resident's data is in the audit log (issue 12, section 5)
            assert _staff_audit_lines(matrix_portal) > looks_before, (
                f"{caller} saw {shown} through {_label(state, name)} and no audit line was written"
            )
        joined = " ".join(redirects)
        if "/staff/not-allowed" in joined:
            outcomes[caller] = "not allowed"
        elif "/staff/sign-in" in joined:
            outcomes[caller] = "sign in"
        else:
            outcomes[caller] = "runs"
        if expected != "runs":
            assert changed_tables(before, database_picture(matrix_portal)) == [], (
                f"{caller}'s refused call to {_label(state, name)} changed the database"
            )
    assert outcomes == {caller: _expected(caller, permission) for caller in CALLERS}, (
        f"{_label(state, name)} needs {permission!r}"
    )
    log = matrix_portal.log_since(mark)
    # A refusal for a missing permission is logged by the mark, once per refused call.
    other = [line for line in unexpected_lines(log) if not line.startswith("refused: staff ")]
    assert "Traceback" not in log and other == [], f"the server wrote: {other[:10]}"


def _back_office_routes() -> list[str]:
    return sorted(
        {r.path for r in api_app().routes if getattr(r, "path", "").startswith(routes.API_STAFF_PREFIX)}
        - {routes.API_STAFF_SIGNED_OUT}
    )


def _get(url: str, cookie: str | None = None) -> tuple[int, str, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.headers.get("location", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("location", ""), error.read()


@pytest.mark.parametrize("path", _back_office_routes() or ["(none yet)"])
def test_every_back_office_route_gives_a_stranger_and_a_resident_nothing(matrix_portal, path):
    if path == "(none yet)":
        pytest.skip("no back-office HTTP route yet")
    a = matrix_portal.people["a"]
    resident = f"doorstep_session={new_session(matrix_portal, matrix_portal.people['b']['user_id'])}"
    for cookie in (None, resident):
        status, location, body = _get(f"{matrix_portal.base_url}{path}", cookie)
        assert status in (303, 400, 401, 403, 404), (
            f"{path} answered {status} to {'a resident' if cookie else 'a stranger'}"
        )
        for private in (a["email"], a["last_name"], a["account_ref"], "Matrix"):
            assert private.encode() not in body
        if status == 303:
            assert location.startswith(("/staff/", "http")), location


def test_the_back_office_stays_apart_from_residents_staff_with_a_resident_cookie_get_no_resident_powers(matrix_portal):
    """A member of staff's browser with only the staff cookie is not a resident: the
    residents' pages send it to sign in, and its handlers never act for A or B."""

    async def go():
        token = new_staff_session(matrix_portal, matrix_portal.people["staff"]["administrator"])
        client = await staff_client(matrix_portal, token, path=routes.HOME)
        text = client.received_text() + str(await client.full_state())
        await client.close()
        return text

    text = run(go())
    for person in ("a", "b"):
        assert matrix_portal.people[person]["account_ref"] not in text
        assert matrix_portal.people[person]["first_name"] not in text
