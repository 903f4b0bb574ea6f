"""accounts are never locked any more (sign-in throttles slow the place a failure came from)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 15:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("portal_user", schema=None) as batch_op:
        batch_op.drop_column("locked_at")


def downgrade() -> None:
    with op.batch_alter_table("portal_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
