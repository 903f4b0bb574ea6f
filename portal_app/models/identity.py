"""Portal accounts, sign-in sessions, one-time codes and throttles.

Secrets (passwords, codes, tokens) are stored only as hashes; the TOTP seed (and the
one being set up) is stored encrypted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel


class PortalUser(SQLModel, table=True):
    """A resident's sign-in, bound to one person on one tenancy."""

    __tablename__ = "portal_user"
    __table_args__ = (Index("ix_portal_user_email_status", "email", "status"),)
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254)  # normalised lower-case
    mobile: str = Field(max_length=20)  # E.164
    password_hash: str = Field(max_length=200)
    person_id: int = Field(foreign_key="person.id", index=True)
    tenancy_id: int = Field(foreign_key="tenancy.id", index=True)
    status: str = Field(default="active", max_length=20)  # active | disabled (by staff) | closed (moved home)
    paper_correspondence: bool = True
    created_at: datetime
    last_sign_in_at: datetime | None = None
    previous_sign_in_at: datetime | None = None
    password_changed_at: datetime | None = None
    totp_secret_enc: str | None = Field(default=None, max_length=400)
    totp_enabled: bool = False
    totp_last_step: int | None = None
    # The key of a two-step setup under way, encrypted, until it is confirmed, abandoned
    # or out of date (services/identity/two_step.py): never in the page's state.
    totp_pending_enc: str | None = Field(default=None, max_length=400)
    totp_pending_expires_at: datetime | None = None
    # "Your details and preferences" (services/identity/contact.py): another phone number, the
    # way the resident would like us to get in touch (email | text | phone | letter), whether we
    # may send them texts (repair appointments, codes), and which messages they want.
    phone: str | None = Field(default=None, max_length=20)
    preferred_contact: str = Field(default="email", max_length=10)
    texts_wanted: bool = False
    wants_rent_reminders: bool = True
    wants_repair_updates: bool = True
    wants_statement_ready: bool = True


class EmailChange(SQLModel, table=True):
    """A change of sign-in email waiting for the code sent to the new address
    (services/identity/email_change.py). The code is stored only as a hash; one pending
    change a user (a new one replaces it)."""

    __tablename__ = "email_change"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="portal_user.id", index=True)
    new_email: str = Field(max_length=254)
    code_hash: str = Field(max_length=64)
    expires_at: datetime
    wrong_tries: int = 0
    status: str = Field(default="pending", max_length=20)  # pending | done | replaced | failed
    created_at: datetime
    completed_at: datetime | None = None


class AuthSession(SQLModel, table=True):
    __tablename__ = "auth_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="portal_user.id", index=True)
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    ended_reason: str | None = Field(default=None, max_length=30)
    client: str | None = Field(default=None, max_length=200)
    # Minutes without use before the session ends; None: SESSION_IDLE_MINUTES.
    # Kiosk sessions (services/identity/kiosk.py) carry their shorter limit here.
    idle_minutes: int | None = None


class CookieHandoff(SQLModel, table=True):
    """A cookie waiting to be set by an HTTP response (services/identity/handoff.py).

    A websocket cannot set an HttpOnly cookie, so a sign-in step that succeeds there
    leaves its cookie here and sends the browser to ``/api/handoff?code=...``, which
    sets it. The code is single-use and lives a minute; the value is encrypted and
    wiped when the code is used."""

    __tablename__ = "cookie_handoff"
    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True, index=True)
    cookies_enc: str = Field(sa_column=Column(Text, nullable=False))  # encrypted JSON; "" once used
    next_path: str = Field(max_length=500)
    client_ip: str | None = Field(default=None, max_length=64)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class RegistrationAttempt(SQLModel, table=True):
    __tablename__ = "registration_attempt"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    tenancy_reference: str = Field(max_length=64)  # as typed, normalised
    email: str = Field(max_length=254)
    mobile: str = Field(max_length=20)
    password_hash: str = Field(max_length=200)
    paper_correspondence: bool = True
    outcome: str = Field(max_length=20)  # match | mismatch | existing | ineligible | email_in_use | own_name
    person_id: int | None = Field(default=None, foreign_key="person.id")
    tenancy_id: int | None = Field(default=None, foreign_key="tenancy.id")
    code_hash: str | None = Field(default=None, max_length=64)
    code_expires_at: datetime | None = None
    code_sent_at: datetime | None = None
    codes_sent: int = 0
    wrong_tries: int = 0
    status: str = Field(default="pending", max_length=20)  # pending | completed | failed
    created_at: datetime
    completed_at: datetime | None = None


class PasswordReset(SQLModel, table=True):
    __tablename__ = "password_reset"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="portal_user.id", index=True)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class RecoveryCode(SQLModel, table=True):
    __tablename__ = "recovery_code"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="portal_user.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = None


class ThrottleHit(SQLModel, table=True):
    """One counted event (a failed sign-in, a registration try) under a key."""

    __tablename__ = "throttle_hit"
    __table_args__ = (Index("ix_throttle_key_at", "key", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200)
    at: datetime


class OutboxMessage(SQLModel, table=True):
    """Mail written in the same transaction as the action that causes it."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    to_address: str = Field(max_length=254)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    kind: str = Field(max_length=40)
    created_at: datetime
    # pending | sent | local | failed (refused by the provider, or not delivered: services/mail/receipts.py)
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime
    sent_at: datetime | None = None
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The deliverer sending it now (services/mail/outbox.py): it holds the message until
    # lease_until; after that another may take it over.
    claimed_by: str | None = Field(default=None, max_length=120)
    lease_until: datetime | None = None
    # email | sms. A text goes through GOV.UK Notify (integrations/notify.py); ``to_address``
    # is then the E.164 mobile number and ``subject`` is not sent.
    channel: str = Field(default="email", max_length=10)
    # GOV.UK Notify's id for the notification, and its delivery status as last read back
    # (created | sending | delivered | permanent-failure | temporary-failure | technical-failure).
    provider_ref: str | None = Field(default=None, max_length=64, index=True)
    delivery_status: str | None = Field(default=None, max_length=30)
    delivery_checked_at: datetime | None = None
