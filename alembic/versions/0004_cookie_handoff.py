"""cookies waiting to be set by an HTTP response (the session moves to an HttpOnly cookie)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 14:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cookie_handoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("cookies_enc", sa.Text(), nullable=False),
        sa.Column("next_path", sa.String(length=500), nullable=False),
        sa.Column("client_ip", sa.String(length=64), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_cookie_handoff_code_hash", "cookie_handoff", ["code_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_cookie_handoff_code_hash", table_name="cookie_handoff")
    op.drop_table("cookie_handoff")
