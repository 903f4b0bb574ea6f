"""the two-step key being set up, kept encrypted on the server (not in the page's state)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 12:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("portal_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_pending_enc", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True))
        batch_op.add_column(sa.Column("totp_pending_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("portal_user", schema=None) as batch_op:
        batch_op.drop_column("totp_pending_expires_at")
        batch_op.drop_column("totp_pending_enc")
