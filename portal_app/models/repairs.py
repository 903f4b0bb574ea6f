"""Repairs: reported in the portal, or by phone (the landlord's feed), and followed to done.

The rules are ``services/repairs/``'s; this module only says what a row holds.

- ``Repair``: one repair of a home (or of the communal parts of its block), what the
  resident chose in the triage tree (``services/repairs/triage.py``: the path and, kept as
  they were shown, its words, so a later edit of the tree never rewrites history), the
  priority and its target date, the legal deadlines that apply (Awaab's Law for damp and
  mould and emergency hazards; the Right to Repair for council tenants' qualifying
  repairs), how to get in and how to reach the resident, and "Is it fixed?".
- ``RepairEvent``: its history, oldest first: each status it went through and each note,
  who made it, and whether the resident sees it.
- ``RepairPhoto``: up to 3 photos, cleaned on the server (``services/repairs/photos.py``:
  resized, re-encoded as JPEG, location data gone) and kept here, in the database, never
  in a public folder: several web workers on several machines all see them, and only the
  resident's own pages and the back office can fetch one (by its random key).
- ``RepairAppointment``: a slot booked with the contractor's system
  (``integrations/repairs/``), changed or cancelled; the idempotency key of each call.
- ``RepairSlotBooking``: the built-in sandbox contractor's own bookings, so every worker
  counts the same capacity (the embedded default; a real system keeps its own).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# Where a repair is in its life (services/repairs/common.py has the words).
OPEN_STATUSES = ("reported", "booked", "on_the_way", "follow_on", "reopened")
CLOSED_STATUSES = ("completed", "cancelled")


class Repair(SQLModel, table=True):
    __tablename__ = "repair"
    __table_args__ = (
        UniqueConstraint("feed_ref", name="uq_repair_feed_ref"),
        Index("ix_repair_property_reported", "property_id", "reported_at"),
        Index("ix_repair_block_reported", "block_ref", "reported_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=20, unique=True, index=True)  # "RP-" + 8
    property_id: int = Field(foreign_key="property.id", index=True)  # the home it was reported from
    tenancy_id: int | None = Field(default=None, foreign_key="tenancy.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="portal_user.id", index=True)  # None: by phone (the feed)
    source: str = Field(default="portal", max_length=10)  # portal | feed
    feed_ref: str | None = Field(default=None, max_length=64)
    # A communal repair (the block's stairs, lift, door entry...): every home of the block sees it.
    communal: bool = False
    block_ref: str | None = Field(default=None, max_length=64)
    kind: str = Field(default="repair", max_length=20)  # repair | emergency | damp_mould
    triage_path: str = Field(default="", max_length=200)  # "kitchen/taps/leaking_tap"
    area_words: str = Field(default="", max_length=200)
    element_words: str = Field(default="", max_length=200)
    problem_words: str = Field(default="", max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    priority: str = Field(max_length=20)  # emergency | urgent | routine | planned
    sor_code: str | None = Field(default=None, max_length=20)
    status: str = Field(default="reported", max_length=20)
    reported_at: datetime
    target_at: datetime  # fix by: the end of the target's last working day (an emergency: 24 hours)
    # How to get in, and how to reach the resident.
    access_notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    contact_phone: str = Field(default="", max_length=20)
    contact_way: str = Field(default="", max_length=10)  # phone | email
    # Awaab's Law (damp and mould, emergency hazards): the steps' deadlines and when each was done.
    awaab: bool = False
    investigate_by: datetime | None = None
    investigated_at: datetime | None = None
    summary_by: datetime | None = None  # 3 working days after the investigation
    summary_sent_at: datetime | None = None
    safety_by: datetime | None = None  # 5 working days after the investigation (a significant hazard)
    safety_done_at: datetime | None = None
    damp_answers: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # JSON
    # The Right to Repair (secure tenants of a council): the prescribed period and what was missed.
    right_to_repair_days: int | None = None  # 1, 3 or 7 working days
    right_to_repair_by: datetime | None = None
    confirmed_at: datetime | None = None  # when the confirmation email was queued (once)
    # A repair raised by phone: its next appointment as the landlord's system has it (the feed).
    feed_appointment_start: datetime | None = None
    feed_appointment_end: datetime | None = None
    completed_at: datetime | None = None
    cancelled_at: datetime | None = None
    # "Is it fixed?" after completion: yes | no (a no reopens it, with the reason).
    fixed: str = Field(default="", max_length=3)
    fixed_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    rating: int | None = None  # 1 to 5, optional
    updated_at: datetime


class RepairEvent(SQLModel, table=True):
    __tablename__ = "repair_event"
    id: int | None = Field(default=None, primary_key=True)
    repair_id: int = Field(foreign_key="repair.id", index=True)
    at: datetime
    status: str = Field(max_length=20)  # the status from this moment (the same again: a note)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    for_resident: bool = True  # False: an officer's internal note
    by: str = Field(default="", max_length=20)  # resident | staff | contractor | feed | system
    staff_id: int | None = Field(default=None, foreign_key="staff_member.id")


class RepairPhoto(SQLModel, table=True):
    """A photo added while reporting is a draft of the resident's (``repair_id`` None) until
    the report is sent; drafts never sent are deleted after a day."""

    __tablename__ = "repair_photo"
    id: int | None = Field(default=None, primary_key=True)
    repair_id: int | None = Field(default=None, foreign_key="repair.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="portal_user.id", index=True)  # who added it
    key: str = Field(max_length=40, unique=True, index=True)  # random: the photo's address names it
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))  # the cleaned JPEG
    thumbnail: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))  # a small JPEG
    name: str = Field(default="", max_length=120)  # the file's name as the resident's device gave it, for lists
    content_type: str = Field(default="image/jpeg", max_length=40)
    width: int
    height: int
    size_bytes: int
    sha256: str = Field(max_length=64)
    created_at: datetime


class RepairAppointment(SQLModel, table=True):
    """An appointment with the contractor's system. Claimed before the system is called
    (``booking``, ``changing``, ``cancelling``: the call's idempotency key is on the row),
    then ``booked``, ``cancelled`` or ``failed``; a change keeps the slot it replaced as a
    ``changed`` row. One live appointment a repair (``uq_repair_appointment_live``): two
    tabs or two presses never book two."""

    __tablename__ = "repair_appointment"
    __table_args__ = (
        UniqueConstraint("idempotency_key", name="uq_repair_appointment_idempotency_key"),
        Index(
            "uq_repair_appointment_live",
            "repair_id",
            unique=True,
            sqlite_where=text("status IN ('booking', 'booked', 'changing', 'cancelling')"),
            postgresql_where=text("status IN ('booking', 'booked', 'changing', 'cancelling')"),
        ),
    )
    id: int | None = Field(default=None, primary_key=True)
    repair_id: int = Field(foreign_key="repair.id", index=True)
    system: str = Field(max_length=20)  # sandbox | http: the system it was booked with
    booking_id: str = Field(default="", max_length=80)
    job_ref: str = Field(default="", max_length=80)
    slot_id: str = Field(max_length=120)
    starts_at: datetime | None = None  # known once the system has booked it
    ends_at: datetime | None = None
    status: str = Field(default="booking", max_length=20)
    idempotency_key: str = Field(max_length=64)
    pending_slot_id: str = Field(default="", max_length=120)  # changing: the slot asked for
    created_at: datetime


class RepairSlotBooking(SQLModel, table=True):
    """The built-in sandbox contractor's bookings (``integrations/repairs/sandbox_db.py``,
    the sandbox's store), shared by every worker through the database."""

    __tablename__ = "repair_slot_booking"
    id: int | None = Field(default=None, primary_key=True)
    booking_id: str = Field(max_length=80, unique=True, index=True)
    slot_id: str = Field(max_length=120, index=True)
    cancelled: bool = False
    record: str = Field(sa_column=Column(Text, nullable=False))  # JSON: the booking and the job
    updated_at: datetime


class RepairSystemAnswer(SQLModel, table=True):
    """What the sandbox answered a book, change or cancel, under its idempotency key."""

    __tablename__ = "repair_system_answer"
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=120, unique=True, index=True)
    request: str = Field(sa_column=Column(Text, nullable=False))
    booking: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))  # JSON, "" for a cancel
    created_at: datetime


class RepairNotification(SQLModel, table=True):
    """A status callback from the contractor's system (``api/repair_notify.py``), kept by its
    event id so a repeat delivery is acted on once."""

    __tablename__ = "repair_notification"
    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=120, unique=True, index=True)
    booking_id: str = Field(max_length=80, index=True)
    status: str = Field(max_length=40)
    happened_at: datetime | None = None
    received_at: datetime
    outcome: str = Field(default="", max_length=20)  # applied | noted | unknown_booking
