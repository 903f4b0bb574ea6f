"""card payments: attempts, providers, returns, notifications, the sandbox

Revision ID: 0010_card_payments
Revises: 0009_jobs
Create Date: 2026-12-03 07:31:36.559663
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0010_card_payments"
down_revision = "0009_jobs"
branch_labels = None
depends_on = None

OPEN = sa.text("status IN ('created', 'sent')")
TEXT_COLUMNS = (
    ("provider", 20),
    ("provider_state", 20),
    ("failure_code", 20),
    ("provider_reference", 100),
    ("auth_code", 100),
    ("card_brand", 40),
    ("last_digits", 4),
)


def _s(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "payment_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", _s(20), nullable=False),
        sa.Column("event_id", _s(100), nullable=False),
        sa.Column("provider_id", _s(64), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider", "event_id", name="uq_payment_notification_event"),
    )
    op.create_table(
        "sandbox_card_payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", _s(40), nullable=False),
        sa.Column("idempotency_key", _s(64), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("reference", _s(255), nullable=False),
        sa.Column("description", _s(255), nullable=False),
        sa.Column("return_url", sa.Text(), nullable=False),
        sa.Column("language", _s(2), nullable=False),
        sa.Column("state", _s(20), nullable=False),
        sa.Column("failure_code", _s(20), nullable=False),
        sa.Column("auth_code", _s(20), nullable=False),
        sa.Column("card_brand", _s(40), nullable=False),
        sa.Column("last_digits", _s(4), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("sandbox_card_payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sandbox_card_payment_payment_id"), ["payment_id"], unique=True)

    with op.batch_alter_table("portal_payment", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempt_key", _s(64), nullable=True))
        batch_op.add_column(sa.Column("idempotency_key", _s(64), nullable=True))
        batch_op.add_column(sa.Column("provider_id", _s(64), nullable=True))
        batch_op.add_column(sa.Column("return_key_hash", _s(64), nullable=True))
        for name, length in TEXT_COLUMNS:
            batch_op.add_column(sa.Column(name, _s(length), nullable=False, server_default=""))
        for name in ("sent_at", "settled_at", "last_checked_at"):
            batch_op.add_column(sa.Column(name, sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index("ix_portal_payment_status_created", ["status", "created_at"], unique=False)
        batch_op.create_unique_constraint("uq_portal_payment_attempt", ["user_id", "attempt_key"])
        batch_op.create_unique_constraint("uq_portal_payment_provider_id", ["provider", "provider_id"])
        batch_op.create_unique_constraint("uq_portal_payment_idempotency_key", ["idempotency_key"])
        batch_op.create_unique_constraint("uq_portal_payment_return_key", ["return_key_hash"])
        batch_op.create_index(
            "uq_portal_payment_open", ["account_id", "user_id"], unique=True, sqlite_where=OPEN, postgresql_where=OPEN
        )


def downgrade() -> None:
    with op.batch_alter_table("portal_payment", schema=None) as batch_op:
        batch_op.drop_index("uq_portal_payment_open")
        for name in (
            "uq_portal_payment_return_key",
            "uq_portal_payment_idempotency_key",
            "uq_portal_payment_provider_id",
            "uq_portal_payment_attempt",
        ):
            batch_op.drop_constraint(name, type_="unique")
        batch_op.drop_index("ix_portal_payment_status_created")
        for name in ("last_checked_at", "settled_at", "sent_at", *(n for n, _ in TEXT_COLUMNS)):
            batch_op.drop_column(name)
        for name in ("return_key_hash", "provider_id", "idempotency_key", "attempt_key"):
            batch_op.drop_column(name)
    with op.batch_alter_table("sandbox_card_payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandbox_card_payment_payment_id"))
    op.drop_table("sandbox_card_payment")
    op.drop_table("payment_notification")
