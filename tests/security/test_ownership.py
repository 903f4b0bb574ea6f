"""Resident B cannot see or act on resident A's accounts by sending A's ids to any handler.

Real Reflex states, a real server session for B, and every resident handler the
portal defines called with A's record ids in every argument it takes (and in every
field of a dict argument, the shape form submissions arrive in). Afterwards nothing
of A's may be in B's state tree, and nothing of A's may have changed in the database.
"""

from __future__ import annotations

import inspect
import json

import pytest
import reflex as rx
from sqlmodel import Session, func, select

import portal_app.portal_app  # noqa: F401  (imports every page and state)
from portal_app.clock import utcnow
from portal_app.models import (
    Account,
    AuthSession,
    Charge,
    MoneyRequest,
    OutboxMessage,
    PasswordReset,
    PortalUser,
    Transaction,
)
from portal_app.pages.accounts.home import HomeState
from portal_app.services.identity import auth
from portal_app.state.access import RESIDENT, access_of
from portal_app.state.accounts import AccountChoiceState
from tests.browsers import connect
from tests.factories import PASSWORD
from tests.security.handlers import resident_handlers as _resident_handlers
from tests.security.handlers import run as _run


def _a_secrets(a: dict) -> list[str]:
    """Strings that would only be in B's state if A's data leaked into it."""
    return [
        a["account"].account_ref,
        a["tenancy"].tenancy_ref,
        a["person"].first_name,
        a["person"].last_name,
        a["property"].address_line_1,
        a["user"].email,
        "£114.01",
        "114.01",
        a["request"].reference,
        f"Secret question from {a['person'].first_name}",
        f"Card payment from {a['person'].first_name}",
    ]


def _database_picture(db, a: dict) -> dict:
    """Everything of A's a handler could change."""
    with Session(db) as s:
        user = s.get(PortalUser, a["user"].id)
        return {
            "user": user.model_dump(),
            "ledger": s.exec(
                select(func.count(), func.sum(Transaction.amount_pence)).where(
                    Transaction.account_id == a["account"].id
                )
            ).one(),
            "charges": s.exec(
                select(func.count()).select_from(Charge).where(Charge.account_id == a["account"].id)
            ).one(),
            "sessions": s.exec(
                select(func.count()).select_from(AuthSession).where(AuthSession.user_id == a["user"].id)
            ).one(),
            "resets": s.exec(
                select(func.count()).select_from(PasswordReset).where(PasswordReset.user_id == a["user"].id)
            ).one(),
            "mail_to_a": s.exec(
                select(func.count()).select_from(OutboxMessage).where(OutboxMessage.to_address == a["user"].email)
            ).one(),
            "accounts": [
                acc.model_dump() for acc in s.exec(select(Account).where(Account.tenancy_id == a["tenancy"].id))
            ],
            "requests_on_a": s.exec(
                select(func.count()).select_from(MoneyRequest).where(MoneyRequest.account_id == a["account"].id)
            ).one(),
            "request_a": s.get(MoneyRequest, a["request"].id).model_dump(),
        }


def _state_tree_for(token: str) -> rx.State:
    root = rx.State(_reflex_internal_init=True)
    connect(root, session=token)
    return root


def _state_of(root: rx.State, cls: type[rx.State]) -> rx.State:
    path = cls.get_full_name().split(".")[1:]
    state = root
    for name in path:
        state = state.substates[name]
    return state


def _hostile_values(a: dict) -> list:
    ids = [a["account"].id, a["tenancy"].id, a["person"].id, a["user"].id]
    return [str(ids[0]), ids[0], a["account"].account_ref, a["tenancy"].tenancy_ref, str(ids[2]), str(ids[3])]


def _hostile_args(fn, a: dict) -> list[list]:
    """Argument lists to try: A's ids in every positional slot, and as every field of a form."""
    params = [p for p in inspect.signature(inspect.unwrap(fn)).parameters.values() if p.name != "self"]
    if not params:
        return [[]]
    form = {
        key: str(a["account"].id)
        for key in (
            "id",
            "account_id",
            "account",
            "account_ref",
            "tenancy_id",
            "tenancy_ref",
            "person_id",
            "user_id",
            "reference",
            "email",
            "code",
            "password",
            "current_password",
            "new_password",
            "key",
            "out_person",
            "died_person",
        )
    }
    form["email"] = a["user"].email
    tries = [[form] * len(params)]
    for value in _hostile_values(a):
        tries.append([value] * len(params))
    return tries


def test_b_sees_only_their_own_accounts_on_the_home_page(two_residents):
    a, b = two_residents
    root = _state_tree_for(b["token"])
    home = _state_of(root, HomeState)
    _run(HomeState.event_handlers["load"].fn(home))
    refs = [card["reference"] for card in home.accounts]
    assert refs == [b["account"].account_ref]
    assert home.accounts[0]["balance"] == "£178.02 DR"  # 114.02 + 114.02 - 50.02 from B's own ledger
    dump = json.dumps(root.dict(), default=str)
    for secret in _a_secrets(a):
        assert secret not in dump


def test_the_walk_reaches_every_resident_handler():
    names = {f"{s.__name__}.{n}" for s, n, _ in _resident_handlers()}
    assert {"HomeState.load", "HomeState.not_me", "SecurityState.everywhere", "BudgetState.fill_from_account"} <= names
    assert {"HouseholdState.send", "HouseholdState.add_files", "HouseholdState.remove_file"} <= names


def _hostile_url(a: dict) -> dict[str, str]:
    """A page address a hostile browser might open: A's account, transaction and request."""
    return {
        "account": a["account"].account_ref,
        "transaction": str(a["transaction"].id),
        "ref": a["request"].reference,
        "kind": "query",
        "from": "2020-01-01",
        "to": "2026-11-01",
    }


@pytest.mark.parametrize("url", ["own", "hostile"])
@pytest.mark.parametrize("state_name,handler_name", [(s.__name__, n) for s, n, _ in _resident_handlers()])
def test_no_handler_shows_b_anything_of_a_or_changes_a_when_sent_a_ids(
    db, two_residents, monkeypatch, url, state_name, handler_name
):
    a, b = two_residents
    if url == "hostile":
        values = _hostile_url(a)
        monkeypatch.setattr(AccountChoiceState, "_query", lambda self, name: values.get(name, ""))
    state_cls, fn = next((s, f) for s, n, f in _resident_handlers() if s.__name__ == state_name and n == handler_name)
    assert access_of(fn).kind == RESIDENT
    before = _database_picture(db, a)
    for args in _hostile_args(fn, a):
        # A fresh browser for B each time: sign-out style handlers end B's session.
        with Session(db) as s:
            outcome = auth.sign_in(s, "bart@example.org", PASSWORD, client="test", client_ip="192.0.2.10", now=utcnow())
            s.commit()
        root = _state_tree_for(outcome.token)
        state = _state_of(root, state_cls)
        _run(fn(state, *args))  # a malformed argument is refused quietly, never a crash
        dump = json.dumps(root.dict(), default=str)
        leaked = [secret for secret in _a_secrets(a) if secret in dump]
        assert leaked == [], f"{state_name}.{handler_name}{tuple(args)!r} put A's data in B's state: {leaked}"
    assert _database_picture(db, a) == before, f"{state_name}.{handler_name} changed A's records"


@pytest.mark.parametrize("url", ["own", "hostile"])
def test_the_budget_planner_fills_in_only_b_s_own_rent_even_when_sent_a_s_account(two_residents, monkeypatch, url):
    from portal_app.pages.accounts.budget import BudgetState

    a, b = two_residents
    if url == "hostile":
        values = _hostile_url(a)
        monkeypatch.setattr(AccountChoiceState, "_query", lambda self, name: values.get(name, ""))
    root = _state_tree_for(b["token"])
    state = _state_of(root, BudgetState)
    sent = _run(BudgetState.event_handlers["fill_from_account"].fn(state))
    dump = json.dumps(root.dict(), default=str) + repr(sent)
    assert [secret for secret in _a_secrets(a) if secret in dump] == []
    if url == "own":
        # B's rent is 114.02 a week (11,400 + 2 pence), sent to the planner in the browser.
        assert '"a_rent": "114.02"' in repr(sent) or '\\"a_rent\\": \\"114.02\\"' in repr(sent)
        assert "OWNRENT2" in state.fill_message
    else:
        assert sent is None
        assert state.fill_message == "That account is not one you can see."


# Routes that hand a resident's own files to their session cookie (no ticket): each checks
# ownership for itself, so B's session asking for A's file gets the 404 a guess gets.
RESIDENT_FILE_ROUTES = ("API_DOCUMENT",)


@pytest.mark.parametrize("route", RESIDENT_FILE_ROUTES)
def test_b_cannot_fetch_a_s_files_by_their_address_and_neither_can_a_stranger(db, two_residents, route):
    from starlette.testclient import TestClient

    from portal_app import routes
    from portal_app.api.http import api_app
    from portal_app.models import Tenancy
    from tests.factories import make_document

    a, b = two_residents
    with Session(db) as s:
        tenancy = s.get(Tenancy, a["tenancy"].id)
        doc_id = make_document(s, tenancy, f"Secret question from {a['person'].first_name}").id
        s.commit()
    path = getattr(routes, route).replace("{ref}", str(doc_id))
    for token in (b["token"], None):
        answer = TestClient(api_app(), cookies={"doorstep_session": token} if token else None).get(path)
        assert answer.status_code == 404 and a["person"].first_name.encode() not in answer.content


def test_b_cannot_fetch_or_remove_a_s_evidence_and_a_s_household_is_not_b_s_to_change(db, two_residents):
    """Household change evidence (api/request_evidence.py): B's session asking for A's file
    gets the 404 a guess gets, and B's household page cannot remove it or name A's household."""
    from starlette.testclient import TestClient

    from portal_app import routes
    from portal_app.api.http import api_app
    from portal_app.models import RequestEvidence, TenancyParty
    from portal_app.pages.tenancy.household import HouseholdState
    from portal_app.services.tenancy import evidence

    a, b = two_residents
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
    with Session(db) as s:
        key = evidence.add_draft(s, a["user"].id, evidence.clean(pdf), "a.pdf", now=utcnow()).key
        party = str(s.exec(select(TenancyParty.id).where(TenancyParty.tenancy_id == a["tenancy"].id)).first())
        s.commit()
    for token in (b["token"], None):
        answer = TestClient(api_app(), cookies={"doorstep_session": token} if token else None).get(
            routes.request_evidence(key)
        )
        assert answer.status_code == 404 and answer.content == b"Not found"
    state = _state_of(_state_tree_for(b["token"]), HouseholdState)
    _run(HouseholdState.event_handlers["remove_file"].fn(state, key))
    state.change = "moved_out"
    _run(HouseholdState.event_handlers["send"].fn(state, {"out_person": party, "out_date_day": "1"}))
    _run(HouseholdState.event_handlers["choose"].fn(state, "out_person", party))
    _run(
        HouseholdState.event_handlers["send"].fn(
            state, {"out_date_day": "1", "out_date_month": "12", "out_date_year": "2026"}
        )
    )
    assert state.step == "form" and "out_person" in state.errors
    with Session(db) as s:
        assert s.exec(select(RequestEvidence.key)).all() == [key]
        assert (
            s.exec(select(func.count()).select_from(MoneyRequest).where(MoneyRequest.kind == "household_change")).one()
            == 0
        )
