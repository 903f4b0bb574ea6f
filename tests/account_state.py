"""The account page's state after its load for the demo landlord's longest account, built
in this process (tests/unit/accounts/test_account_page_weight.py and
bench/state_size.py --in-process share it).

The demo feed's longest account is demo resident 6's rent account (RA100006, since April
2006), whatever the feed's size, so a small feed is enough. The handlers run as the
browser would call them, for that resident, without a portal account or a session: the
principal is given to them as the access mark would (``state/access.py``)."""

from __future__ import annotations

import pickle
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import reflex as rx
from reflex.istate.data import RouterData
from reflex_base.utils.format import json_dumps
from sqlalchemy import event, func
from sqlmodel import Session, select

from portal_app.db import get_engine
from portal_app.models import Account, TenancyParty, Transaction
from portal_app.pages.accounts.account import AccountState
from portal_app.services.identity.sessions import Principal
from portal_app.services.records.demo_feed import write_demo_feed
from portal_app.services.records.importer import import_feed
from portal_app.settings import get_settings
from portal_app.state import access
from tests.security.handlers import run


@dataclass
class Loaded:
    state: AccountState
    principal: Principal
    account_ref: str
    transactions: int
    sizes: dict[str, int]
    statements: dict[str, int]  # SQL statements run by the load and by a change of page
    sent_on_page: set[str]  # the vars a change of page sends the browser


def load_demo(tenancies: int = 12) -> None:
    """The demo landlord, ``tenancies`` tenancies of it, in the app's database."""
    with tempfile.TemporaryDirectory(prefix="doorstep-demo-") as folder:
        write_demo_feed(Path(folder), tenancies=tenancies)
        report = import_feed(get_engine(), Path(folder))
        assert report.ok, report.render()


def longest_account() -> tuple[str, int, Principal]:
    """The account with the most transactions, how many, and its lead tenant as a principal."""
    with Session(get_engine()) as s:
        account_id, count = s.exec(
            select(Transaction.account_id, func.count())
            .group_by(Transaction.account_id)
            .order_by(func.count().desc(), Transaction.account_id)
            .limit(1)
        ).one()
        account = s.get(Account, account_id)
        party = s.exec(
            select(TenancyParty)
            .where(TenancyParty.tenancy_id == account.tenancy_id, TenancyParty.role.in_(get_settings().eligible_roles))
            .order_by(TenancyParty.id)
        ).first()
        principal = Principal(
            user_id=0, session_id=0, person_id=party.person_id, tenancy_id=account.tenancy_id, first_name="", email=""
        )
        return account.account_ref, int(count), principal


def run_handler(state: rx.State, name: str, principal: Principal, *args):
    """Call the handler ``name`` of ``state`` for ``principal`` (the access mark admits them)."""
    fn = type(state).event_handlers[name].fn.__wrapped__

    async def call():
        token = access._resident.set(principal)
        try:
            return await fn(state, *args)
        finally:
            access._resident.reset(token)

    # In a loop of its own, in a thread: Playwright may have a loop running in this one
    # (the whole suite runs the browser journeys first, in the same process).
    return run(call())


def delta_bytes(state: rx.State) -> int:
    """The bytes of what the last events changed, as sent to the browser; then clean."""
    sent = len(json_dumps(state.get_delta()).encode())
    state._clean()
    return sent


def account_state_after_load(tenancies: int = 12, *, demo_loaded: bool = False) -> Loaded:
    """The account page's state after its load for the demo's longest account (and its
    sizes: ``stored``, ``chart``, ``history``, ``load_delta``, ``page_delta``)."""
    if not demo_loaded:
        load_demo(tenancies)
    ref, count, principal = longest_account()
    root = rx.State(_reflex_internal_init=True)
    path = f"/account?account={ref}"
    root.router = RouterData.from_router_data(
        {"sid": "size", "ip": "127.0.0.1", "headers": {"host": "portal.example"}, "pathname": path, "asPath": path}
    )
    state = root.get_substate(AccountState.get_full_name().split(".")[1:])
    root._clean()
    statements: dict[str, int] = {}
    with counting_statements() as ran:
        run_handler(state, "load", principal)
    statements["load"] = len(ran)
    sizes = {
        "stored": len(state._serialize()),
        "chart": len(pickle.dumps(state.chart)),
        "history": len(pickle.dumps(state.history)),
        "load_delta": delta_bytes(root),
    }
    with counting_statements() as ran:
        run_handler(state, "go_to_page", principal, 2)
    statements["page"] = len(ran)
    sent_on_page = {name.removesuffix("_rx_state_") for changed in root.get_delta().values() for name in changed}
    sizes["page_delta"] = delta_bytes(root)
    run_handler(state, "go_to_page", principal, 1)
    root._clean()
    return Loaded(state, principal, ref, count, sizes, statements, sent_on_page)


@contextmanager
def counting_statements():
    """The SQL statements run on the app's engine inside the block, as a list."""
    ran: list[str] = []

    def count(_conn, _cursor, statement, _params, _context, _many):
        ran.append(statement)

    engine = get_engine()
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield ran
    finally:
        event.remove(engine, "before_cursor_execute", count)
