"""repairs: reported online or by phone, their history, photos, appointments and the sandbox contractor's diary; a property's block

Revision ID: 0013_repairs
Revises: 0012_direct_debit
Create Date: 2026-12-03 14:00:54.382447
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0013_repairs"
down_revision = "0012_direct_debit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "repair_notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("booking_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("happened_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("repair_notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_notification_booking_id"), ["booking_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repair_notification_event_id"), ["event_id"], unique=True)

    op.create_table(
        "repair_slot_booking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("slot_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("repair_slot_booking", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_slot_booking_booking_id"), ["booking_id"], unique=True)
        batch_op.create_index(batch_op.f("ix_repair_slot_booking_slot_id"), ["slot_id"], unique=False)

    op.create_table(
        "repair_system_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("booking", sa.Text(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("repair_system_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_system_answer_idempotency_key"), ["idempotency_key"], unique=True)

    op.create_table(
        "repair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("property_id", sa.Integer(), nullable=False),
        sa.Column("tenancy_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("feed_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("communal", sa.Boolean(), nullable=False),
        sa.Column("block_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("triage_path", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("area_words", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("element_words", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("problem_words", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("priority", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("sor_code", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("reported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("target_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("access_notes", sa.Text(), nullable=False),
        sa.Column("contact_phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("contact_way", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("awaab", sa.Boolean(), nullable=False),
        sa.Column("investigate_by", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("investigated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("summary_by", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("summary_sent_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("safety_by", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("safety_done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("damp_answers", sa.Text(), nullable=False),
        sa.Column("right_to_repair_days", sa.Integer(), nullable=True),
        sa.Column("right_to_repair_by", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("confirmed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("feed_appointment_start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("feed_appointment_end", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("fixed", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("fixed_reason", sa.Text(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["property_id"], ["property.id"]),
        sa.ForeignKeyConstraint(["tenancy_id"], ["tenancy.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["portal_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("feed_ref", name="uq_repair_feed_ref"),
    )
    with op.batch_alter_table("repair", schema=None) as batch_op:
        batch_op.create_index("ix_repair_block_reported", ["block_ref", "reported_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_repair_property_id"), ["property_id"], unique=False)
        batch_op.create_index("ix_repair_property_reported", ["property_id", "reported_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_repair_reference"), ["reference"], unique=True)
        batch_op.create_index(batch_op.f("ix_repair_tenancy_id"), ["tenancy_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repair_user_id"), ["user_id"], unique=False)

    op.create_table(
        "repair_appointment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repair_id", sa.Integer(), nullable=False),
        sa.Column("system", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("booking_id", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("job_ref", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("slot_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("starts_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("ends_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("pending_slot_id", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["repair_id"], ["repair.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key", name="uq_repair_appointment_idempotency_key"),
    )
    with op.batch_alter_table("repair_appointment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_appointment_repair_id"), ["repair_id"], unique=False)
        batch_op.create_index(
            "uq_repair_appointment_live",
            ["repair_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('booking', 'booked', 'changing', 'cancelling')"),
            postgresql_where=sa.text("status IN ('booking', 'booked', 'changing', 'cancelling')"),
        )

    op.create_table(
        "repair_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repair_id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("for_resident", sa.Boolean(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["repair_id"], ["repair.id"]),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("repair_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_event_repair_id"), ["repair_id"], unique=False)

    op.create_table(
        "repair_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("repair_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["repair_id"], ["repair.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["portal_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("repair_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_repair_photo_key"), ["key"], unique=True)
        batch_op.create_index(batch_op.f("ix_repair_photo_repair_id"), ["repair_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_repair_photo_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("property", schema=None) as batch_op:
        batch_op.add_column(sa.Column("block_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_property_block_ref"), ["block_ref"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("property", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_property_block_ref"))
        batch_op.drop_column("block_ref")

    with op.batch_alter_table("repair_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_photo_user_id"))
        batch_op.drop_index(batch_op.f("ix_repair_photo_repair_id"))
        batch_op.drop_index(batch_op.f("ix_repair_photo_key"))

    op.drop_table("repair_photo")
    with op.batch_alter_table("repair_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_event_repair_id"))

    op.drop_table("repair_event")
    with op.batch_alter_table("repair_appointment", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_repair_appointment_live",
            sqlite_where=sa.text("status IN ('booking', 'booked', 'changing', 'cancelling')"),
            postgresql_where=sa.text("status IN ('booking', 'booked', 'changing', 'cancelling')"),
        )
        batch_op.drop_index(batch_op.f("ix_repair_appointment_repair_id"))

    op.drop_table("repair_appointment")
    with op.batch_alter_table("repair", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_user_id"))
        batch_op.drop_index(batch_op.f("ix_repair_tenancy_id"))
        batch_op.drop_index(batch_op.f("ix_repair_reference"))
        batch_op.drop_index("ix_repair_property_reported")
        batch_op.drop_index(batch_op.f("ix_repair_property_id"))
        batch_op.drop_index("ix_repair_block_reported")

    op.drop_table("repair")
    with op.batch_alter_table("repair_system_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_system_answer_idempotency_key"))

    op.drop_table("repair_system_answer")
    with op.batch_alter_table("repair_slot_booking", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_slot_booking_slot_id"))
        batch_op.drop_index(batch_op.f("ix_repair_slot_booking_booking_id"))

    op.drop_table("repair_slot_booking")
    with op.batch_alter_table("repair_notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_notification_event_id"))
        batch_op.drop_index(batch_op.f("ix_repair_notification_booking_id"))

    op.drop_table("repair_notification")
