"""the back office: staff, their sessions, the audit log, pausing registration, joint refund consent

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 16:11:18.635821
"""

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _audit_is_append_only() -> None:
    """The audit log is append-only in the database itself: an UPDATE or DELETE of a row
    fails, whoever sends it (the landlord must be able to show the log is whole)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_event_is_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )


def upgrade() -> None:
    op.create_table(
        "staff_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("totp_secret_enc", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("oidc_issuer", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("oidc_subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
        sa.Column("officer_id", sa.Integer(), nullable=True),
        sa.Column("setup_token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("setup_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by_staff_id", sa.Integer(), nullable=True),
        sa.Column("last_sign_in_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("disabled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_staff_id"], ["staff_member.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_staff_oidc_subject"),
    )
    with op.batch_alter_table("staff_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_member_email"), ["email"], unique=True)
        batch_op.create_index(batch_op.f("ix_staff_member_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_member_setup_token_hash"), ["setup_token_hash"], unique=False)

    op.create_table(
        "registration_pause",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("paused_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("paused_by_staff_id", sa.Integer(), nullable=False),
        sa.Column("resumed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("resumed_by_staff_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["paused_by_staff_id"], ["staff_member.id"]),
        sa.ForeignKeyConstraint(["resumed_by_staff_id"], ["staff_member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "staff_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("ended_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("ended_reason", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
        sa.Column("method", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("client_ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("client", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_member.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_session_staff_id"), ["staff_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_session_token_hash"), ["token_hash"], unique=True)

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor_kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("subject_person_id", sa.Integer(), nullable=True),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("client_ip", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.ForeignKeyConstraint(["subject_person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["subject_user_id"], ["portal_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index("ix_audit_action_at", ["action", "at"], unique=False)
        batch_op.create_index("ix_audit_actor_at", ["actor_kind", "actor_id", "at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_subject_at", ["subject_user_id", "at"], unique=False)

    _audit_is_append_only()

    op.create_table(
        "waiting_list_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("tenancy_reference", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column("pause_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("invited_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["pause_id"], ["registration_pause.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("waiting_list_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_waiting_list_entry_email"), ["email"], unique=False)

    op.create_table(
        "joint_consent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("asked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["money_request.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["portal_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("joint_consent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_joint_consent_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_joint_consent_token_hash"), ["token_hash"], unique=False)

    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_import_run_staff", "staff_member", ["staff_id"], ["id"])

    with op.batch_alter_table("money_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assigned_staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("raised_by_staff_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("paid_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.alter_column("account_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f("ix_money_request_assigned_staff_id"), ["assigned_staff_id"], unique=False)
        batch_op.create_foreign_key("fk_money_request_assigned_staff", "staff_member", ["assigned_staff_id"], ["id"])
        batch_op.create_foreign_key("fk_money_request_raised_by_staff", "staff_member", ["raised_by_staff_id"], ["id"])

    with op.batch_alter_table("request_update", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_request_update_staff", "staff_member", ["staff_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("request_update", schema=None) as batch_op:
        batch_op.drop_constraint("fk_request_update_staff", type_="foreignkey")
        batch_op.drop_column("staff_id")

    with op.batch_alter_table("money_request", schema=None) as batch_op:
        batch_op.drop_constraint("fk_money_request_raised_by_staff", type_="foreignkey")
        batch_op.drop_constraint("fk_money_request_assigned_staff", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_money_request_assigned_staff_id"))
        batch_op.alter_column("account_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("paid_at")
        batch_op.drop_column("raised_by_staff_id")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assigned_staff_id")

    with op.batch_alter_table("import_run", schema=None) as batch_op:
        batch_op.drop_constraint("fk_import_run_staff", type_="foreignkey")
        batch_op.drop_column("staff_id")

    with op.batch_alter_table("joint_consent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_joint_consent_token_hash"))
        batch_op.drop_index(batch_op.f("ix_joint_consent_request_id"))

    op.drop_table("joint_consent")
    with op.batch_alter_table("waiting_list_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_waiting_list_entry_email"))

    op.drop_table("waiting_list_entry")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_subject_at")
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index("ix_audit_actor_at")
        batch_op.drop_index("ix_audit_action_at")

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_is_append_only()")
    op.drop_table("audit_event")
    with op.batch_alter_table("staff_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_session_token_hash"))
        batch_op.drop_index(batch_op.f("ix_staff_session_staff_id"))

    op.drop_table("staff_session")
    op.drop_table("registration_pause")
    with op.batch_alter_table("staff_member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_member_setup_token_hash"))
        batch_op.drop_index(batch_op.f("ix_staff_member_officer_id"))
        batch_op.drop_index(batch_op.f("ix_staff_member_email"))

    op.drop_table("staff_member")
