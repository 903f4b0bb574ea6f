"""The back office: staff accounts and sessions, the audit log, pausing registration and
its waiting list, and residents' consent to a joint refund.

Staff are not residents: their own table, their own sessions and their own cookie
(``services/staff/``), so a staff sign-in never acts as a resident or the reverse.
Secrets are stored as residents' are: passwords and tokens hashed, the TOTP seed
encrypted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class StaffMember(SQLModel, table=True):
    """An officer's sign-in to the back office, with one role (``services/staff/roles.py``).

    A member of staff signs in with a password and an authenticator code, or through the
    landlord's identity provider, matched on ``(oidc_issuer, oidc_subject)``: the
    provider's immutable id, never the email. ``officer_id`` links them to the officer of
    the same name in the landlord's feed, whose residents' requests come to them."""

    __tablename__ = "staff_member"
    __table_args__ = (UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_staff_oidc_subject"),)
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)  # normalised lower-case
    name: str = Field(max_length=200)
    role: str = Field(max_length=30)  # services/staff/roles.ROLES
    status: str = Field(default="active", max_length=20)  # active | disabled
    password_hash: str | None = Field(default=None, max_length=200)  # None: single sign-on only, or not set up
    totp_secret_enc: str | None = Field(default=None, max_length=400)
    totp_last_step: int | None = None  # the last code's time step: a code works once
    oidc_issuer: str | None = Field(default=None, max_length=300)
    oidc_subject: str | None = Field(default=None, max_length=255)
    officer_id: int | None = Field(default=None, foreign_key="officer.id", index=True)
    # A set-up link (emailed when an administrator creates the account): choose a
    # password and add the authenticator app. Stored hashed, single use.
    setup_token_hash: str | None = Field(default=None, max_length=64, index=True)
    setup_expires_at: datetime | None = None
    created_at: datetime
    created_by_staff_id: int | None = Field(default=None, foreign_key="staff_member.id")
    last_sign_in_at: datetime | None = None
    disabled_at: datetime | None = None


class StaffSession(SQLModel, table=True):
    """A back-office session: idle after ``STAFF_SESSION_IDLE_MINUTES`` (15 by default)."""

    __tablename__ = "staff_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    staff_id: int = Field(foreign_key="staff_member.id", index=True)
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    ended_reason: str | None = Field(default=None, max_length=30)
    method: str = Field(default="password", max_length=20)  # password | sso
    client_ip: str | None = Field(default=None, max_length=64)
    client: str | None = Field(default=None, max_length=200)


class AuditEvent(SQLModel, table=True):
    """One line of the append-only audit log (``services/staff/audit.py``).

    Who (``actor_kind`` and ``actor_id``, with the name they had then), did what
    (``action``), to or about which resident (``subject_user_id``/``subject_person_id``),
    when (UTC) and from where (``client_ip``). ``detail`` is JSON of plain facts: never a
    password, code, token, card or bank detail. The database refuses to change or delete
    a row (triggers in migration 0007); retention does not apply to it."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_subject_at", "subject_user_id", "at"),
        Index("ix_audit_actor_at", "actor_kind", "actor_id", "at"),
        Index("ix_audit_action_at", "action", "at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    actor_kind: str = Field(max_length=20)  # staff | resident | system | anonymous
    actor_id: int | None = None  # staff_member.id or portal_user.id, by actor_kind
    actor_label: str = Field(default="", max_length=254)  # the name or email at the time
    action: str = Field(max_length=60)
    subject_user_id: int | None = Field(default=None, foreign_key="portal_user.id")
    subject_person_id: int | None = Field(default=None, foreign_key="person.id")
    target: str | None = Field(default=None, max_length=100)  # a request reference, an account reference
    detail: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    client_ip: str | None = Field(default=None, max_length=64)


class RegistrationPause(SQLModel, table=True):
    """New sign-ups paused (seed 003): the row with no ``resumed_at`` is the pause in force
    (at most one: a partial unique index, migration 0008_admin)."""

    __tablename__ = "registration_pause"
    id: int | None = Field(default=None, primary_key=True)
    message: str = Field(sa_column=Column(Text, nullable=False))
    paused_at: datetime
    paused_by_staff_id: int = Field(foreign_key="staff_member.id")
    resumed_at: datetime | None = None
    resumed_by_staff_id: int | None = Field(default=None, foreign_key="staff_member.id")


class WaitingListEntry(SQLModel, table=True):
    """Someone who wanted to sign up while registration was paused; invited once on resume."""

    __tablename__ = "waiting_list_entry"
    # One entry per email address per pause (migration 0008_admin).
    __table_args__ = (Index("uq_waiting_list_entry_pause_email", "pause_id", "email", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    tenancy_reference: str = Field(max_length=64)
    email: str = Field(max_length=254, index=True)
    pause_id: int | None = Field(default=None, foreign_key="registration_pause.id")
    created_at: datetime
    invited_at: datetime | None = None  # set once, in the transaction that queues the invitation


class JointConsent(SQLModel, table=True):
    """The other joint tenant's answer to a refund from their shared account.

    Asked in the portal when they have an account there, else by email with a single-use
    link (stored hashed)."""

    __tablename__ = "joint_consent"
    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="money_request.id", index=True)
    person_id: int = Field(foreign_key="person.id")
    user_id: int | None = Field(default=None, foreign_key="portal_user.id")  # None: asked by email
    email: str | None = Field(default=None, max_length=254)
    token_hash: str | None = Field(default=None, max_length=64, index=True)
    asked_at: datetime
    answer: str | None = Field(default=None, max_length=20)  # agreed | refused
    answered_at: datetime | None = None


class StaffSignInStart(SQLModel, table=True):
    """A single sign-on begun at the landlord's identity provider and not yet finished
    (``services/staff/sso.py``).

    What the provider must send back, and what finishing needs, stays here on the
    server, never in the page's state or its scripts: found by a keyed hash of the
    ``state`` sent to the provider, its nonce and PKCE verifier encrypted, bound to the
    browser that began it by the hash of a random value in an HttpOnly cookie. Single use
    (``used_at``, set by one conditional UPDATE, wipes the secrets) and ten minutes long.
    """

    __tablename__ = "staff_sign_in_start"
    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True, index=True)
    nonce_enc: str = Field(sa_column=Column(Text, nullable=False))  # encrypted; "" once used
    verifier_enc: str = Field(sa_column=Column(Text, nullable=False))  # encrypted; "" once used
    browser_hash: str = Field(max_length=64)
    next_path: str = Field(max_length=500)
    created_at: datetime
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None


__all__ = [
    "AuditEvent",
    "JointConsent",
    "RegistrationPause",
    "StaffMember",
    "StaffSession",
    "StaffSignInStart",
    "WaitingListEntry",
]
