"""The back office's tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


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


__all__ = ["StaffSignInStart"]
