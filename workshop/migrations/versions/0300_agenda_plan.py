"""agenda: the session's plan by clock time, and files for input steps

Revision ID: 0300_agenda_plan
Revises: 0300_access_teams
"""

import sqlalchemy as sa
from alembic import op

import workshop.db

revision = "0300_agenda_plan"
down_revision = "0300_access_teams"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch that re-created sessions on SQLite would cascade into its cards and events.
    op.add_column("sessions", sa.Column("scheduled_date", sa.Date(), nullable=True))
    op.add_column("sessions", sa.Column("start_time", sa.Time(), nullable=True))
    op.add_column("sessions", sa.Column("end_time", sa.Time(), nullable=True))
    op.add_column("sessions", sa.Column("expected_headcount", sa.Integer(), nullable=True))
    op.create_table(
        "session_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("mime", sa.String(length=60), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("session_files", schema=None) as batch_op:
        batch_op.create_index("ix_session_files_session_id", ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("session_files", schema=None) as batch_op:
        batch_op.drop_index("ix_session_files_session_id")
    op.drop_table("session_files")
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("expected_headcount")
        batch_op.drop_column("end_time")
        batch_op.drop_column("start_time")
        batch_op.drop_column("scheduled_date")
