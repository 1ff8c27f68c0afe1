"""training: exercise measures, simulated participants, observer notes

Revision ID: 0700_training
Revises: 0300_record_comments
"""

import sqlalchemy as sa
from alembic import op

import workshop.db

revision = "0700_training"
down_revision = "0300_record_comments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, not batch mode: on SQLite a batch copies and drops the table, and dropping
    # measures would cascade (foreign keys are on) into every revision, session and comment.
    op.add_column("measures", sa.Column("is_exercise", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("participants", sa.Column("simulated", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "observer_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["facilitators.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_observer_notes_session_id", "observer_notes", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_observer_notes_session_id", "observer_notes")
    op.drop_table("observer_notes")
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("simulated")
    with op.batch_alter_table("measures") as batch:
        batch.drop_column("is_exercise")
