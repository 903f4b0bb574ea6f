"""What residents ask about their money in the portal: requests, their updates, the officers' digest.

Payments taken in the portal are ``models/payments.py``.

These are the portal's own records (the landlord's feed never writes them).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class MoneyRequest(SQLModel, table=True):
    """A request a resident makes about their money, in the named officer's queue.

    ``details`` is JSON of what the resident told us, shown back to them; it never holds
    bank details, which live encrypted in ``bank_details_enc`` and masked in
    ``bank_details_masked``.
    """

    __tablename__ = "money_request"
    __table_args__ = (Index("ix_money_request_officer_status", "officer_id", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True, index=True)
    # query | standing_order | refund | benefits_advice | paper_statement | data_correction | data_erasure
    kind: str = Field(max_length=30)
    status: str = Field(default="received", max_length=20)  # received | in_progress | waiting_for_you | done | declined
    user_id: int = Field(foreign_key="portal_user.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    # None for a request about the resident rather than one account (their data, their details).
    account_id: int | None = Field(default=None, foreign_key="account.id", index=True)
    # The landlord's officer for the tenancy (the feed's routing); the member of staff
    # working it is ``assigned_staff_id`` (the back office assigns and reassigns).
    officer_id: int | None = Field(default=None, foreign_key="officer.id")
    assigned_staff_id: int | None = Field(default=None, foreign_key="staff_member.id", index=True)
    assigned_at: datetime | None = None
    # Assisted digital: the officer who raised it on the resident's behalf (the resident sees who).
    raised_by_staff_id: int | None = Field(default=None, foreign_key="staff_member.id")
    transaction_id: int | None = Field(default=None, foreign_key="ledger_transaction.id")
    amount_pence: int | None = None  # refunds: the amount asked for
    period_from: date | None = None  # paper statements
    period_to: date | None = None
    summary: str = Field(max_length=200)
    details: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    bank_details_enc: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    bank_details_masked: str | None = Field(default=None, max_length=100)
    needs_joint_consent: bool = False
    paid_at: datetime | None = None  # refunds: marked paid (the bank details are deleted then)
    # Requests that need a decision (refunds; later payment plans): approved by whom, when.
    # A decline is the status ``declined``; reopening one does not approve it.
    approved_at: datetime | None = None
    approved_by_staff_id: int | None = Field(default=None, foreign_key="staff_member.id")
    # Complaints (services/tenancy/complaints.py): when an officer acknowledged it (the
    # Complaint Handling Code's 5 working days), and for a stage 2 complaint the stage 1 it
    # escalates. Any request a later one follows on from may be ``parent_request_id``.
    acknowledged_at: datetime | None = None
    parent_request_id: int | None = Field(default=None, foreign_key="money_request.id", index=True)
    created_at: datetime
    updated_at: datetime


class RequestUpdate(SQLModel, table=True):
    """One step in a request's life, shown to the resident under "My requests"."""

    __tablename__ = "request_update"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="money_request.id", index=True)
    at: datetime
    status: str = Field(max_length=20)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    officer_id: int | None = Field(default=None, foreign_key="officer.id")
    staff_id: int | None = Field(default=None, foreign_key="staff_member.id")  # who wrote it, in the back office


class RequestDigest(SQLModel, table=True):
    """The daily email of overdue requests, sent to one member of staff on one UK day:
    the row is written in the transaction that queues the email, and the pair is unique,
    so a restarted or second worker cannot send that day's email again."""

    __tablename__ = "request_digest"
    __table_args__ = (UniqueConstraint("staff_id", "uk_day", name="uq_request_digest_staff_day"),)
    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff_member.id")
    uk_day: date
    sent_at: datetime
    overdue: int = 0  # how many requests it listed


class RequestEvidence(SQLModel, table=True):
    """A photo or PDF a resident sends with a request (a birth certificate, a lease, a plan of
    an alteration): a draft of the resident's (``request_id`` None) until the request is sent;
    drafts never sent are deleted after a day. Kept in the database, never in a public folder,
    and served only to the resident who sent it and to staff (services/tenancy/evidence.py)."""

    __tablename__ = "request_evidence"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int | None = Field(default=None, foreign_key="money_request.id", index=True)
    user_id: int = Field(foreign_key="portal_user.id", index=True)  # who sent it
    key: str = Field(max_length=40, unique=True, index=True)  # random: its address names it
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # the cleaned JPEG, or the PDF as sent
    content_type: str = Field(default="image/jpeg", max_length=40)  # image/jpeg | application/pdf
    name: str = Field(default="", max_length=120)  # the file's name as the resident's device gave it
    size_bytes: int
    sha256: str = Field(max_length=64)
    created_at: datetime
