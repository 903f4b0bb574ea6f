"""direct debit instructions: set up online, cancelled, taken by the bureau export once

Revision ID: 0012_direct_debit
Revises: 0011_payment_plans
Create Date: 2026-12-03 08:37:00.609258
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0012_direct_debit"
down_revision = "0011_payment_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "direct_debit_instruction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("account_holder_name", sqlmodel.sql.sqltypes.AutoString(length=140), nullable=False),
        sa.Column("bank_details_enc", sa.Text(), nullable=False),
        sa.Column("bank_details_masked", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("frequency", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("collection_day", sa.Integer(), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("first_collection_on", sa.Date(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("exported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("cancel_exported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["portal_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("direct_debit_instruction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_direct_debit_instruction_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            "ix_direct_debit_instruction_exported", ["exported_at", "cancel_exported_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_direct_debit_instruction_reference"), ["reference"], unique=True)
        batch_op.create_index(batch_op.f("ix_direct_debit_instruction_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_direct_debit_active",
            ["account_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("direct_debit_instruction", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_direct_debit_active",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index(batch_op.f("ix_direct_debit_instruction_user_id"))
        batch_op.drop_index(batch_op.f("ix_direct_debit_instruction_reference"))
        batch_op.drop_index("ix_direct_debit_instruction_exported")
        batch_op.drop_index(batch_op.f("ix_direct_debit_instruction_account_id"))

    op.drop_table("direct_debit_instruction")
