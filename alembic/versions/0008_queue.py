"""the requests queue: who approved a refund and when, and the daily overdue emails sent

Revision ID: 0008_queue
Revises: 0008_admin (pausing registration), after 0008 (single sign-on)
Create Date: 2026-12-02 10:00:00.000000
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0008_queue"
down_revision = "0008_admin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("money_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("approved_by_staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_money_request_approved_by_staff", "staff_member", ["approved_by_staff_id"], ["id"]
        )

    op.create_table(
        "request_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("uk_day", sa.Date(), nullable=False),
        sa.Column("sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("overdue", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_member.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("staff_id", "uk_day", name="uq_request_digest_staff_day"),
    )


def downgrade() -> None:
    op.drop_table("request_digest")
    with op.batch_alter_table("money_request", schema=None) as batch_op:
        batch_op.drop_constraint("fk_money_request_approved_by_staff", type_="foreignkey")
        batch_op.drop_column("approved_by_staff_id")
        batch_op.drop_column("approved_at")
