"""Balances from the ledger, and what a resident sees on their home page.

A balance is the sum of an account's postings (positive = owed, DR; negative =
credit, CR). Nothing is cached: the figure is read when the page asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, func, select

from portal_app.models import Account, Charge, Property, Tenancy, TenancyParty, Transaction
from portal_app.services.money import balance_display, balance_words, dr_cr

TENANT_ROLES = ("lead_tenant", "joint_tenant", "leaseholder", "joint_leaseholder")
GARAGE_ROLES = ("lead_tenant", "joint_tenant", "licensee")
PAYMENT_TYPES = ("payment", "direct_debit", "housing_benefit", "universal_credit")
LABELS = {
    "rent": "Rent account",
    "service_charge": "Service charge account",
    "garage": "Garage account",
    "major_works": "Major works account",
    "sundry": "Sundry account",
}
ORDER = {"rent": 0, "service_charge": 1, "major_works": 2, "garage": 3, "sundry": 4}


@dataclass(frozen=True)
class AccountSummary:
    account_id: int
    account_ref: str
    account_type: str
    label: str
    address: str
    tenancy_ref: str
    tenure: str
    is_former: bool
    balance_pence: int
    balance_words: str
    balance_display: str
    dr_cr: str
    as_at: datetime
    last_payment_on: date | None
    last_payment_pence: int | None
    last_payment_description: str | None
    next_due_on: date | None
    next_due_pence: int | None


def _current_party(session: Session, tenancy_id: int, person_id: int, roles: tuple[str, ...], today: date) -> bool:
    party = session.exec(
        select(TenancyParty).where(TenancyParty.tenancy_id == tenancy_id, TenancyParty.person_id == person_id)
    ).first()
    return party is not None and party.role in roles and party.is_current(today)


def visible_accounts(
    session: Session, *, person_id: int, tenancy_id: int, today: date, allow_former: bool
) -> list[Account]:
    """The accounts this resident may see: their registration tenancy's, plus a current garage of theirs."""
    tenancy = session.get(Tenancy, tenancy_id)
    if tenancy is None:
        return []
    ids: list[int] = []
    party = session.exec(
        select(TenancyParty).where(TenancyParty.tenancy_id == tenancy_id, TenancyParty.person_id == person_id)
    ).first()
    if party is not None and party.role in TENANT_ROLES:
        if tenancy.is_current(today) and party.is_current(today):
            ids.extend(a.id for a in session.exec(select(Account).where(Account.tenancy_id == tenancy_id)).all())
        elif tenancy.end_date is not None and tenancy.end_date < today and allow_former:
            ids.extend(
                a.id
                for a in session.exec(
                    select(Account).where(Account.tenancy_id == tenancy_id, Account.account_type.in_(("rent", "garage")))
                ).all()
            )
    garages = session.exec(
        select(Tenancy)
        .join(TenancyParty, TenancyParty.tenancy_id == Tenancy.id)
        .where(TenancyParty.person_id == person_id, Tenancy.tenure == "garage_licence", Tenancy.id != tenancy_id)
    ).all()
    for garage in garages:
        if garage.is_current(today) and _current_party(session, garage.id, person_id, GARAGE_ROLES, today):
            ids.extend(a.id for a in session.exec(select(Account).where(Account.tenancy_id == garage.id)).all())
    if not ids:
        return []
    accounts = session.exec(select(Account).where(Account.id.in_(ids))).all()
    return sorted(accounts, key=lambda a: (a.tenancy_id != tenancy_id, ORDER.get(a.account_type, 9), a.account_ref))


def ledger_balance(session: Session, account_id: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(Transaction.amount_pence), 0)).where(Transaction.account_id == account_id)
    ).one()
    return int(total)


def _address(prop: Property) -> str:
    parts = [prop.address_line_1, prop.address_line_2, prop.address_line_3, prop.town, prop.postcode]
    return ", ".join(p for p in parts if p)


def _rent_free(tenancy: Tenancy) -> set[date]:
    if not tenancy.rent_free_weeks:
        return set()
    return {date.fromisoformat(d.strip()) for d in tenancy.rent_free_weeks.split(";") if d.strip()}


def next_due(charges: list[Charge], tenancy: Tenancy, today: date) -> tuple[date | None, int | None]:
    """The next date a regular charge falls due, and how much is due then.

    Weekly charges fall on Mondays (skipping rent-free weeks); monthly on the 1st;
    yearly on 1 April. Only charges in force on that date count.
    """
    if tenancy.end_date is not None and tenancy.end_date < today:
        return None, None
    candidates: dict[date, int] = {}
    free = _rent_free(tenancy)
    for charge in charges:
        if charge.frequency == "weekly":
            day = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
            for _ in range(60):
                if day not in free:
                    break
                day += timedelta(days=7)
        elif charge.frequency == "monthly":
            day = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
        else:
            day = date(today.year if today < date(today.year, 4, 1) else today.year + 1, 4, 1)
        in_force = charge.effective_from <= day and (charge.effective_to is None or charge.effective_to >= day)
        if in_force:
            candidates[day] = candidates.get(day, 0) + charge.amount_pence
    if not candidates:
        return None, None
    first = min(candidates)
    return first, candidates[first]


def account_summaries(
    session: Session, *, person_id: int, tenancy_id: int, today: date, now: datetime, allow_former: bool
) -> list[AccountSummary]:
    accounts = visible_accounts(session, person_id=person_id, tenancy_id=tenancy_id, today=today, allow_former=allow_former)
    if not accounts:
        return []
    ids = [a.id for a in accounts]
    totals = dict(
        session.exec(
            select(Transaction.account_id, func.sum(Transaction.amount_pence))
            .where(Transaction.account_id.in_(ids))
            .group_by(Transaction.account_id)
        ).all()
    )
    summaries = []
    for account in accounts:
        tenancy = session.get(Tenancy, account.tenancy_id)
        prop = session.get(Property, tenancy.property_id)
        last = session.exec(
            select(Transaction)
            .where(
                Transaction.account_id == account.id,
                Transaction.amount_pence < 0,
                Transaction.type.in_(PAYMENT_TYPES),
            )
            .order_by(Transaction.posted_on.desc(), Transaction.id.desc())
            .limit(1)
        ).first()
        charges = session.exec(
            select(Charge).where(
                Charge.account_id == account.id,
                (Charge.effective_to.is_(None)) | (Charge.effective_to >= today),
            )
        ).all()
        due_on, due_pence = next_due(list(charges), tenancy, today)
        balance = int(totals.get(account.id) or 0)
        summaries.append(
            AccountSummary(
                account_id=account.id,
                account_ref=account.account_ref,
                account_type=account.account_type,
                label=LABELS.get(account.account_type, "Account"),
                address=_address(prop),
                tenancy_ref=tenancy.tenancy_ref,
                tenure=tenancy.tenure,
                is_former=tenancy.end_date is not None and tenancy.end_date < today,
                balance_pence=balance,
                balance_words=balance_words(balance),
                balance_display=balance_display(balance),
                dr_cr=dr_cr(balance),
                as_at=now,
                last_payment_on=last.posted_on if last else None,
                last_payment_pence=-last.amount_pence if last else None,
                last_payment_description=last.description if last else None,
                next_due_on=due_on,
                next_due_pence=due_pence,
            )
        )
    return summaries
