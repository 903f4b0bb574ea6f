"""What the requests tests share: the frozen time and settings, and short ways to make a
resident's request and count what was written (a helper module, not a test module)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime

from sqlmodel import func, select

from portal_app.models import MoneyRequest, OutboxMessage, RequestUpdate
from portal_app.services.requests.resident import submit_query, submit_refund
from portal_app.settings import get_settings
from tests.factories import Records, Resident

NOW = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)  # Sunday 22 November 2026
TODAY = date(2026, 11, 22)
SETTINGS = dataclasses.replace(get_settings(), refund_keep_back_weeks=1, allow_former_tenants=False)
REFERENCE = re.compile(r"^RQ-[ABCDEFGHJKLMNPQRSTUVWXYZ23456789]{6}$")


def counts(session) -> tuple[int, int, int]:
    return tuple(
        session.exec(select(func.count()).select_from(m)).one() for m in (MoneyRequest, RequestUpdate, OutboxMessage)
    )


def only_request(session) -> MoneyRequest:
    [request] = session.exec(select(MoneyRequest)).all()
    return request


def mails(session, kind: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list(session.exec(stmt).all())


def query(session, who: Resident, message: str = "Why did my rent go up in April?", **kw):
    account, settings = kw.pop("account", None), kw.pop("settings", SETTINGS)
    return submit_query(session, **who.on(account), message=message, now=NOW, settings=settings, **kw)


def refund(session, who: Resident, amount: str = "40.00", **kw):
    fields = dict(bank_account_name="Ann Lee", sort_code="12-34-56", bank_account_number="12345678")
    fields.update(kw)
    return submit_refund(
        session, **who.on(fields.pop("account", None)), amount=amount, now=NOW, settings=SETTINGS, **fields
    )


def in_credit(records: Records, who: Resident, credit_pence: int, weekly_rent: int = 10000):
    records.charge(who.account, weekly_rent)
    records.post(who.account, date(2026, 11, 16), "rent_charge", weekly_rent, "Rent")
    records.post(who.account, date(2026, 11, 18), "payment", -(weekly_rent + credit_pence), "Card payment")
