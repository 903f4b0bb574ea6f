"""single sign-on for officers: the sign-ins begun at the identity provider, until they come back

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 17:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_sign_in_start",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("state_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("nonce_enc", sa.Text(), nullable=False),
        sa.Column("verifier_enc", sa.Text(), nullable=False),
        sa.Column("browser_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("next_path", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_staff_sign_in_start_state_hash", "staff_sign_in_start", ["state_hash"], unique=True)
    op.create_index("ix_staff_sign_in_start_expires_at", "staff_sign_in_start", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_staff_sign_in_start_expires_at", table_name="staff_sign_in_start")
    op.drop_index("ix_staff_sign_in_start_state_hash", table_name="staff_sign_in_start")
    op.drop_table("staff_sign_in_start")
