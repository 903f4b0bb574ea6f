"""The landlord's records, as imported from the feed (../shared/import-format.md).

Money is integer pence. Every ``*_ref`` is the landlord system's own key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Property(SQLModel, table=True):
    __tablename__ = "property"
    id: int | None = Field(default=None, primary_key=True)
    property_ref: str = Field(max_length=64, unique=True, index=True)
    uprn: str | None = Field(default=None, max_length=12)
    address_line_1: str = Field(max_length=200)
    address_line_2: str | None = Field(default=None, max_length=200)
    address_line_3: str | None = Field(default=None, max_length=200)
    town: str = Field(max_length=100)
    postcode: str = Field(max_length=10)
    property_type: str = Field(max_length=20)
    bedrooms: int | None = None
    # The block a flat is in (docs/repairs-feed.md): its homes share the block's communal repairs.
    block_ref: str | None = Field(default=None, max_length=64, index=True)


class Person(SQLModel, table=True):
    __tablename__ = "person"
    id: int | None = Field(default=None, primary_key=True)
    person_ref: str = Field(max_length=64, unique=True, index=True)
    title: str | None = Field(default=None, max_length=20)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    date_of_birth: date | None = None
    email: str | None = Field(default=None, max_length=254)
    mobile: str | None = Field(default=None, max_length=20)


class Officer(SQLModel, table=True):
    __tablename__ = "officer"
    id: int | None = Field(default=None, primary_key=True)
    officer_ref: str = Field(max_length=64, unique=True, index=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=30)
    email: str = Field(max_length=254)
    phone: str | None = Field(default=None, max_length=30)


class Tenancy(SQLModel, table=True):
    __tablename__ = "tenancy"
    id: int | None = Field(default=None, primary_key=True)
    tenancy_ref: str = Field(max_length=64, unique=True, index=True)
    property_id: int = Field(foreign_key="property.id", index=True)
    tenure: str = Field(max_length=30)
    start_date: date
    end_date: date | None = None
    rent_frequency: str = Field(default="weekly", max_length=20)
    rent_free_weeks: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    income_officer_id: int | None = Field(default=None, foreign_key="officer.id")
    housing_officer_id: int | None = Field(default=None, foreign_key="officer.id")
    # The feed's leasehold officer for a lease (docs/tenancy-feed.md).
    leasehold_officer_id: int | None = Field(default=None, foreign_key="officer.id")
    # The day a tenant's notice must end on, as the tenancy agreement says
    # (services/tenancy/notice.py): monday | sunday | period_end | any_day; None: the
    # landlord's default (NOTICE_END_DAY).
    notice_end_day: str | None = Field(default=None, max_length=20)

    def is_current(self, today: date) -> bool:
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)


class TenancyParty(SQLModel, table=True):
    __tablename__ = "tenancy_party"
    __table_args__ = (UniqueConstraint("tenancy_id", "person_id", name="uq_tenancy_party"),)
    id: int | None = Field(default=None, primary_key=True)
    tenancy_id: int = Field(foreign_key="tenancy.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    role: str = Field(max_length=30)
    start_date: date | None = None
    end_date: date | None = None

    def is_current(self, today: date) -> bool:
        started = self.start_date is None or self.start_date <= today
        return started and (self.end_date is None or self.end_date >= today)


class Account(SQLModel, table=True):
    __tablename__ = "account"
    id: int | None = Field(default=None, primary_key=True)
    account_ref: str = Field(max_length=64, unique=True, index=True)
    tenancy_id: int = Field(foreign_key="tenancy.id", index=True)
    account_type: str = Field(max_length=20)
    opened_on: date
    closed_on: date | None = None


class Charge(SQLModel, table=True):
    __tablename__ = "charge"
    __table_args__ = (UniqueConstraint("account_id", "charge_code", "effective_from", name="uq_charge_key"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    charge_code: str = Field(max_length=40)
    description: str = Field(max_length=200)
    amount_pence: int
    frequency: str = Field(max_length=10)
    benefit_eligible: bool | None = None
    effective_from: date
    effective_to: date | None = None


class Transaction(SQLModel, table=True):
    __tablename__ = "ledger_transaction"
    __table_args__ = (Index("ix_ledger_account_posted", "account_id", "posted_on", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    transaction_ref: str = Field(max_length=64, unique=True, index=True)
    account_id: int = Field(foreign_key="account.id")
    posted_on: date
    week_commencing: date | None = None
    type: str = Field(max_length=20)
    description: str = Field(max_length=200)
    amount_pence: int
    method: str | None = Field(default=None, max_length=20)


class ResidentDocument(SQLModel, table=True):
    """A letter or document the landlord sent about a tenancy (the feed's documents.csv and its
    PDFs, docs/tenancy-feed.md): the tenancy agreement, a rent change letter, a notice. Shown
    under "Letters" to the tenancy's residents (or, with ``person_id``, to that person only);
    ``notified_at`` is when the "you have a new letter" email was queued (once)."""

    __tablename__ = "resident_document"
    id: int | None = Field(default=None, primary_key=True)
    document_ref: str = Field(max_length=64, unique=True, index=True)
    tenancy_id: int = Field(foreign_key="tenancy.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    kind: str = Field(max_length=30)  # tenancy_agreement | letter | notice | statement | other
    title: str = Field(max_length=200)
    issued_on: date
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # the PDF
    size_bytes: int
    sha256: str = Field(max_length=64)
    imported_at: datetime
    notified_at: datetime | None = None


class TransferApplication(SQLModel, table=True):
    """A housing register (transfer) application for a tenancy, from the feed's
    transfer_applications.csv: its band, the date the band counts from, and its status."""

    __tablename__ = "transfer_application"
    id: int | None = Field(default=None, primary_key=True)
    application_ref: str = Field(max_length=64, unique=True, index=True)
    tenancy_id: int = Field(foreign_key="tenancy.id", index=True)
    band: str = Field(max_length=40)
    effective_date: date
    status: str = Field(max_length=30)  # active | suspended | closed | housed
    bedrooms_needed: int | None = None
    updated_on: date | None = None


class ImportRun(SQLModel, table=True):
    __tablename__ = "import_run"
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=500)
    started_at: datetime
    finished_at: datetime | None = None
    ok: bool = False
    staff_id: int | None = Field(default=None, foreign_key="staff_member.id")  # uploaded in the back office
    report: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
