"""Payments taken in the portal, and the built-in sandbox provider's own records.

These are the portal's own records (the landlord's feed never writes them). The rules
are ``services/payments/card.py``'s; this module only says what a row holds.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# A payment's life in the portal. Written ``created`` (with its idempotency key) before
# the resident leaves for the card page; ``sent`` once the provider has it; then one of
# the finished states. ``pending``: taken, waiting for the landlord's feed to post it
# (the account and home show it as pending); ``posted``: the ledger has it.
OPEN_STATUSES = ("created", "sent")


class PortalPayment(SQLModel, table=True):
    """A card payment a resident makes in the portal. Pending until the landlord's feed
    posts a transaction whose ``transaction_ref`` equals ``reference``; from then on the
    ledger counts it and the portal stops showing it as pending (never both)."""

    __tablename__ = "portal_payment"
    __table_args__ = (
        # One press of "Continue to payment" (however many times it arrives) is one payment.
        UniqueConstraint("user_id", "attempt_key", name="uq_portal_payment_attempt"),
        UniqueConstraint("provider", "provider_id", name="uq_portal_payment_provider_id"),
        UniqueConstraint("idempotency_key", name="uq_portal_payment_idempotency_key"),
        UniqueConstraint("return_key_hash", name="uq_portal_payment_return_key"),
        # At most one unfinished payment for one resident on one account: a second tab,
        # Back or a refresh finds the first instead of starting another.
        Index(
            "uq_portal_payment_open",
            "account_id",
            "user_id",
            unique=True,
            sqlite_where=text("status IN ('created', 'sent')"),
            postgresql_where=text("status IN ('created', 'sent')"),
        ),
        Index("ix_portal_payment_status_created", "status", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=64, unique=True, index=True)  # ours: on the receipt and the statement
    account_id: int = Field(foreign_key="account.id", index=True)
    user_id: int = Field(foreign_key="portal_user.id", index=True)
    amount_pence: int  # positive: what the resident paid
    # created | sent | pending | posted | failed | cancelled | error
    status: str = Field(default="pending", max_length=20)
    created_at: datetime
    posted_transaction_ref: str | None = Field(default=None, max_length=64)
    # The check-your-answers page's random key: the same press arriving twice finds this row.
    attempt_key: str | None = Field(default=None, max_length=64)
    # Sent with every create request, so a retried request never makes a second payment.
    idempotency_key: str | None = Field(default=None, max_length=64)
    provider: str = Field(default="", max_length=20)  # integrations/payments PROVIDERS key
    provider_id: str | None = Field(default=None, max_length=64)
    # The random key in the resident's payment cookie, hashed: how the return is matched
    # to this payment (never anything in the return address).
    return_key_hash: str | None = Field(default=None, max_length=64)
    sent_at: datetime | None = None
    settled_at: datetime | None = None  # when it finished (taken, declined, cancelled...)
    provider_state: str = Field(default="", max_length=20)  # the provider's last word (base.STATES)
    failure_code: str = Field(default="", max_length=20)
    provider_reference: str = Field(default="", max_length=100)
    auth_code: str = Field(default="", max_length=100)
    card_brand: str = Field(default="", max_length=40)
    last_digits: str = Field(default="", max_length=4)
    last_checked_at: datetime | None = None  # the reconciler's last look at the provider


class PaymentNotification(SQLModel, table=True):
    """A provider's signed notification, kept by its id so a repeat is counted once."""

    __tablename__ = "payment_notification"
    __table_args__ = (UniqueConstraint("provider", "event_id", name="uq_payment_notification_event"),)
    id: int | None = Field(default=None, primary_key=True)
    provider: str = Field(max_length=20)
    event_id: str = Field(max_length=100)
    provider_id: str = Field(max_length=64)
    received_at: datetime


class SandboxCardPayment(SQLModel, table=True):
    """The built-in sandbox provider's side of a payment (``integrations/payments/sandbox.py``):
    what a hosted payment page's own service would hold. Never holds a card number: only
    the last four digits, as a real provider shows back."""

    __tablename__ = "sandbox_card_payment"
    id: int | None = Field(default=None, primary_key=True)
    payment_id: str = Field(max_length=40, unique=True, index=True)
    idempotency_key: str = Field(max_length=64, unique=True)
    amount_pence: int
    reference: str = Field(max_length=255)
    description: str = Field(max_length=255)
    return_url: str = Field(sa_column=Column(Text, nullable=False))
    language: str = Field(default="en", max_length=2)
    state: str = Field(default="created", max_length=20)
    failure_code: str = Field(default="", max_length=20)
    auth_code: str = Field(default="", max_length=20)
    card_brand: str = Field(default="", max_length=40)
    last_digits: str = Field(default="", max_length=4)
    created_at: datetime
    finished_at: datetime | None = None


class PaymentPlan(SQLModel, table=True):
    """An arrangement to pay off arrears: the regular charge plus an extra amount, each
    period, from a start date (``services/payments/plans.py``; the sums are
    ``plan_rules.py``'s). ``proposed`` waits for the income officer (a plan that takes
    longer than 52 weeks: its ``request_id`` is in the back office's queue); ``active`` is
    running; then ``completed`` (arrears cleared), ``declined`` or ``cancelled``."""

    __tablename__ = "payment_plan"
    __table_args__ = (
        UniqueConstraint("feed_ref", name="uq_payment_plan_feed_ref"),
        # One plan running or waiting for a decision on an account at a time.
        Index(
            "uq_payment_plan_live",
            "account_id",
            unique=True,
            sqlite_where=text("status IN ('proposed', 'active')"),
            postgresql_where=text("status IN ('proposed', 'active')"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True, index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="portal_user.id", index=True)  # None: from the feed
    status: str = Field(max_length=20)  # proposed | active | completed | declined | cancelled
    frequency: str = Field(max_length=20)  # weekly | fortnightly | four_weekly | monthly
    regular_pence: int  # the regular charge per period when the plan was made
    extra_pence: int  # on top, towards the arrears, each period
    start_date: date
    start_balance_pence: int  # the ledger's balance when the plan was made
    arrears_pence: int  # what of it was overdue: what the extra amounts pay off
    created_at: datetime
    request_id: int | None = Field(default=None, foreign_key="money_request.id")
    decided_at: datetime | None = None
    decided_by_staff_id: int | None = Field(default=None, foreign_key="staff_member.id")
    decision_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    source: str = Field(default="portal", max_length=10)  # portal | feed
    feed_ref: str | None = Field(default=None, max_length=64)
    # The nightly check's last word, and whether the resident has been told they are behind
    # (one email when they fall behind, one when they catch up: never one a night).
    standing: str = Field(default="", max_length=10)  # kept | behind | ""
    told_behind: bool = False
    ended_on: date | None = None


class PaymentPlanCheck(SQLModel, table=True):
    """One night's check of a running plan: expected against real balance. One a day."""

    __tablename__ = "payment_plan_check"
    __table_args__ = (UniqueConstraint("plan_id", "checked_on", name="uq_payment_plan_check_day"),)
    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="payment_plan.id", index=True)
    checked_on: date
    expected_balance_pence: int
    real_balance_pence: int
    kept: bool
    behind_by_pence: int = 0


class DirectDebitInstruction(SQLModel, table=True):
    """A resident's Direct Debit Instruction, set up online (``services/payments/direct_debit.py``):
    the bank details encrypted (``tokens.encrypt``) with only a masked form in clear, the
    amount worked out from the account's charges, the resident's collection day and the
    first collection date. ``active`` until the resident cancels it (``cancelled``). The
    bureau export (``export_new``) takes each new one once (``exported_at``), and a
    cancellation of one it already took once too (``cancel_exported_at``), so the bank is told."""

    __tablename__ = "direct_debit_instruction"
    __table_args__ = (
        # One active instruction on one account, whoever set it up: a second press, a second
        # tab, a second try or a joint tenant finds the first instead of collecting twice.
        Index(
            "uq_direct_debit_active",
            "account_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index("ix_direct_debit_instruction_exported", "exported_at", "cancel_exported_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True, index=True)  # "DD-" + 8: the Bacs reference too
    account_id: int = Field(foreign_key="account.id", index=True)
    user_id: int = Field(foreign_key="portal_user.id", index=True)
    status: str = Field(default="active", max_length=20)  # active | cancelled
    account_holder_name: str = Field(max_length=140)  # as the resident typed it: the name(s) on the account
    # JSON {"sort_code", "account_number"} encrypted; decrypted only by the bureau export.
    bank_details_enc: str = Field(sa_column=Column(Text, nullable=False))
    bank_details_masked: str = Field(max_length=100)  # "Sort code ending 57, account ending 5612"
    frequency: str = Field(max_length=20)  # weekly | fortnightly | four_weekly | monthly
    collection_day: int  # the day of the month chosen (one of DIRECT_DEBIT_COLLECTION_DAYS)
    amount_pence: int  # each collection
    first_collection_on: date  # the working day the first collection is taken
    created_at: datetime
    cancelled_at: datetime | None = None
    exported_at: datetime | None = None  # when a bureau export took it (once)
    cancel_exported_at: datetime | None = None  # when a bureau export took its cancellation (once)
