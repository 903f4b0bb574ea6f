"""payment plans and their nightly checks

Revision ID: 0011_payment_plans
Revises: 0010_card_payments
Create Date: 2026-12-03 08:14:04.232868
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0011_payment_plans"
down_revision = "0010_card_payments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("frequency", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("regular_pence", sa.Integer(), nullable=False),
        sa.Column("extra_pence", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("start_balance_pence", sa.Integer(), nullable=False),
        sa.Column("arrears_pence", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decided_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("feed_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("standing", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("told_behind", sa.Boolean(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["decided_by_staff_id"], ["staff_member.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["money_request.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["portal_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("feed_ref", name="uq_payment_plan_feed_ref"),
    )
    with op.batch_alter_table("payment_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_plan_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_plan_reference"), ["reference"], unique=True)
        batch_op.create_index(batch_op.f("ix_payment_plan_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_payment_plan_live",
            ["account_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('proposed', 'active')"),
            postgresql_where=sa.text("status IN ('proposed', 'active')"),
        )

    op.create_table(
        "payment_plan_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=False),
        sa.Column("expected_balance_pence", sa.Integer(), nullable=False),
        sa.Column("real_balance_pence", sa.Integer(), nullable=False),
        sa.Column("kept", sa.Boolean(), nullable=False),
        sa.Column("behind_by_pence", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["payment_plan.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "checked_on", name="uq_payment_plan_check_day"),
    )
    with op.batch_alter_table("payment_plan_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_plan_check_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment_plan_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_plan_check_plan_id"))

    op.drop_table("payment_plan_check")
    with op.batch_alter_table("payment_plan", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_payment_plan_live",
            sqlite_where=sa.text("status IN ('proposed', 'active')"),
            postgresql_where=sa.text("status IN ('proposed', 'active')"),
        )
        batch_op.drop_index(batch_op.f("ix_payment_plan_user_id"))
        batch_op.drop_index(batch_op.f("ix_payment_plan_reference"))
        batch_op.drop_index(batch_op.f("ix_payment_plan_account_id"))

    op.drop_table("payment_plan")
