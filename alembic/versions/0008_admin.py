"""pausing registration: one pause in force at a time, one waiting-list entry per email per pause

Revision ID: 0008_admin
Revises: 0008
Create Date: 2026-12-02 10:00:00

The rules were checked in the service already; these indexes make them hold when two
administrators (or two browsers) act at the same moment, without a check-then-act race.
"""

from alembic import op

revision = "0008_admin"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A partial unique index on a constant: at most one row may have resumed_at NULL.
    # Both PostgreSQL and SQLite (3.9+) take an index on an expression with a WHERE.
    op.execute(
        "CREATE UNIQUE INDEX uq_registration_pause_in_force ON registration_pause ((resumed_at IS NULL)) "
        "WHERE resumed_at IS NULL"
    )
    op.create_index("uq_waiting_list_entry_pause_email", "waiting_list_entry", ["pause_id", "email"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_waiting_list_entry_pause_email", table_name="waiting_list_entry")
    op.execute("DROP INDEX uq_registration_pause_in_force")
