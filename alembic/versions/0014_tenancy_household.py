"""tenancy and household: contact preferences, email changes, request evidence and complaint stages, feed letters and transfer applications, notify delivery, notice end day, leasehold officer

Revision ID: 0014_tenancy_household
Revises: 0013_repairs
Create Date: 2026-12-04 23:01:40.384015
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0014_tenancy_household"
down_revision = "0013_repairs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "resident_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenancy_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("imported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("notified_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["tenancy_id"], ["tenancy.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("resident_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resident_document_document_ref"), ["document_ref"], unique=True)
        batch_op.create_index(batch_op.f("ix_resident_document_tenancy_id"), ["tenancy_id"], unique=False)

    op.create_table(
        "transfer_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("tenancy_id", sa.Integer(), nullable=False),
        sa.Column("band", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("bedrooms_needed", sa.Integer(), nullable=True),
        sa.Column("updated_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["tenancy_id"], ["tenancy.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transfer_application", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_application_application_ref"), ["application_ref"], unique=True)
        batch_op.create_index(batch_op.f("ix_transfer_application_tenancy_id"), ["tenancy_id"], unique=False)

    op.create_table(
        "email_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("new_email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("wrong_tries", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["portal_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("email_change", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_change_user_id"), ["user_id"], unique=False)

    op.create_table(
        "request_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["money_request.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["portal_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("request_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_request_evidence_key"), ["key"], unique=True)
        batch_op.create_index(batch_op.f("ix_request_evidence_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_request_evidence_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("money_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("parent_request_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_money_request_parent_request_id"), ["parent_request_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_money_request_parent_request_id", "money_request", ["parent_request_id"], ["id"]
        )

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default="email")
        )
        batch_op.add_column(sa.Column("provider_ref", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("delivery_status", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))
        batch_op.add_column(sa.Column("delivery_checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_message_provider_ref"), ["provider_ref"], unique=False)

    with op.batch_alter_table("portal_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(
            sa.Column(
                "preferred_contact", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False, server_default="email"
            )
        )
        batch_op.add_column(sa.Column("texts_wanted", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("wants_rent_reminders", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("wants_repair_updates", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column("wants_statement_ready", sa.Boolean(), nullable=False, server_default=sa.true()))

    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("leasehold_officer_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("notice_end_day", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.create_foreign_key("fk_tenancy_leasehold_officer_id", "officer", ["leasehold_officer_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.drop_constraint("fk_tenancy_leasehold_officer_id", type_="foreignkey")
        batch_op.drop_column("notice_end_day")
        batch_op.drop_column("leasehold_officer_id")

    with op.batch_alter_table("portal_user", schema=None) as batch_op:
        batch_op.drop_column("wants_statement_ready")
        batch_op.drop_column("wants_repair_updates")
        batch_op.drop_column("wants_rent_reminders")
        batch_op.drop_column("texts_wanted")
        batch_op.drop_column("preferred_contact")
        batch_op.drop_column("phone")

    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_provider_ref"))
        batch_op.drop_column("delivery_checked_at")
        batch_op.drop_column("delivery_status")
        batch_op.drop_column("provider_ref")
        batch_op.drop_column("channel")

    with op.batch_alter_table("money_request", schema=None) as batch_op:
        batch_op.drop_constraint("fk_money_request_parent_request_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_money_request_parent_request_id"))
        batch_op.drop_column("parent_request_id")
        batch_op.drop_column("acknowledged_at")

    with op.batch_alter_table("request_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_request_evidence_user_id"))
        batch_op.drop_index(batch_op.f("ix_request_evidence_request_id"))
        batch_op.drop_index(batch_op.f("ix_request_evidence_key"))

    op.drop_table("request_evidence")
    with op.batch_alter_table("email_change", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_change_user_id"))

    op.drop_table("email_change")
    with op.batch_alter_table("transfer_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transfer_application_tenancy_id"))
        batch_op.drop_index(batch_op.f("ix_transfer_application_application_ref"))

    op.drop_table("transfer_application")
    with op.batch_alter_table("resident_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_document_tenancy_id"))
        batch_op.drop_index(batch_op.f("ix_resident_document_document_ref"))

    op.drop_table("resident_document")
