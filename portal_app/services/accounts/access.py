"""Which account a caller may see: the only place that turns a resident and an account
reference from the browser into an account.

A resident with a flat and a garage, or a current and a former tenancy, picks the
account once (landlords promise residents they can "manage certain queries in one
place"); the account page, statements, requests and the budget planner then all show that account. The reference
arrives from the browser (``?account=REF``), so it is only ever a key to look up among
the accounts this resident may see today: anything else is refused, in the same way
for another resident's account, an unknown one and a malformed one.

Pages hand over the principal and the reference; the services behind them get the
``ChosenAccount`` this returns (never a bare id from the page).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol, TypeVar

from sqlmodel import Session

from portal_app.services.accounts import balances
from portal_app.settings import Settings

T = TypeVar("T")


class Caller(Protocol):
    """What the access rule needs of a signed-in resident (``sessions.Principal`` has it)."""

    person_id: int
    tenancy_id: int


@dataclass(frozen=True)
class AccountOption:
    """One of the resident's accounts, for the picker."""

    ref: str
    label: str  # "Rent account", "Garage account", ...


@dataclass(frozen=True)
class ChosenAccount:
    """An account the caller may see, as the account services need it."""

    account_id: int
    account_ref: str
    account_type: str
    tenancy_id: int
    label: str
    opened_on: date


@dataclass(frozen=True)
class AccountChoice:
    """What the caller may see: every account for the picker, and the one to show.

    ``account`` is None when there is nothing to show: ``refused`` when the browser asked
    for an account this resident may not see, otherwise because they have none."""

    options: tuple[AccountOption, ...]
    account: ChosenAccount | None
    refused: bool

    @property
    def chosen_ref(self) -> str:
        return self.account.account_ref if self.account else ""


def _chosen(account) -> ChosenAccount:
    return ChosenAccount(
        account_id=account.id,
        account_ref=account.account_ref,
        account_type=account.account_type,
        tenancy_id=account.tenancy_id,
        label=balances.ACCOUNT_LABELS.get(account.account_type, "Account"),
        opened_on=account.opened_on,
    )


def choose_account(
    session: Session, caller: Caller, wanted: str | None, remembered: str = "", *, today: date, settings: Settings
) -> AccountChoice:
    """The account to show: the one asked for (``wanted``) if this resident may see it;
    with none asked for, the one chosen before (``remembered``), else their first. An
    account asked for that they may not see is refused (no account, ``refused``)."""
    visible = balances.visible_accounts(
        session,
        person_id=caller.person_id,
        tenancy_id=caller.tenancy_id,
        today=today,
        allow_former=settings.allow_former_tenants,
        roles=settings.eligible_roles,
    )
    options = tuple(
        AccountOption(a.account_ref, balances.ACCOUNT_LABELS.get(a.account_type, "Account")) for a in visible
    )
    wanted = (wanted or "").strip()
    if wanted:
        found = next((a for a in visible if a.account_ref == wanted), None)
        if found is None:
            return AccountChoice(options, None, refused=True)
        return AccountChoice(options, _chosen(found), refused=False)
    found = next((a for a in visible if a.account_ref == remembered), None)
    if found is None and visible:
        found = visible[0]
    return AccountChoice(options, _chosen(found) if found else None, refused=False)


def with_account(
    session: Session,
    caller: Caller,
    wanted: str | None,
    remembered: str = "",
    *,
    today: date,
    settings: Settings,
    then: Callable[[Session, ChosenAccount], T],
) -> tuple[AccountChoice, T | None]:
    """``choose_account``, then ``then(session, account)`` for the account chosen, in the
    same unit of work; ``then`` is not called when there is no account to show."""
    choice = choose_account(session, caller, wanted, remembered, today=today, settings=settings)
    if choice.account is None:
        return choice, None
    return choice, then(session, choice.account)
