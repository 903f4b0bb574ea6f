"""The landlord's payments export: card payments taken in the portal on one UK day, as a
CSV file for their finance (rent accounting) system to post, in the format of
``docs/payments-export.md``.

A payment is in the file of the UK day it was taken (``settled_at`` in UK time), once it
is taken (``pending`` or ``posted``); declined, cancelled and unfinished payments are not.
The feed posts each as a transaction whose ``transaction_ref`` is the file's
``payment_reference``: from then on the portal shows it in the ledger and no longer as
pending (``ledger.pending_payments``). Running the export twice gives the same file.
Cells are never formulas (a leading ``= + - @`` is quoted away), as the audit export does.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, select

from portal_app.clock import UK, to_uk
from portal_app.models import Account, PortalPayment

COLUMNS = (
    "payment_reference",
    "account_ref",
    "amount_pence",
    "amount",
    "taken_at_utc",
    "taken_on",
    "provider",
    "provider_reference",
    "auth_code",
    "card_brand",
    "last_digits",
)
TAKEN = ("pending", "posted")


def _uk_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0, 0), tzinfo=UK)
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=UK)
    return start, end


def _safe(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def payments_csv(session: Session, day: date) -> tuple[str, int]:
    """The CSV of the card payments taken on ``day`` (UK), oldest first, and how many."""
    start, end = _uk_day_bounds(day)
    rows = session.exec(
        select(PortalPayment, Account.account_ref)
        .join(Account, Account.id == PortalPayment.account_id)
        .where(PortalPayment.status.in_(TAKEN), PortalPayment.settled_at >= start, PortalPayment.settled_at < end)
        .order_by(PortalPayment.settled_at, PortalPayment.id)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for payment, account_ref in rows:
        taken = payment.settled_at
        writer.writerow(
            [
                payment.reference,
                _safe(account_ref),
                payment.amount_pence,
                f"{payment.amount_pence // 100}.{payment.amount_pence % 100:02d}",
                taken.astimezone(UTC).isoformat(timespec="seconds"),
                to_uk(taken).date().isoformat(),
                payment.provider,
                _safe(payment.provider_reference),
                _safe(payment.auth_code),
                _safe(payment.card_brand),
                payment.last_digits,
            ]
        )
    return out.getvalue(), len(rows)
