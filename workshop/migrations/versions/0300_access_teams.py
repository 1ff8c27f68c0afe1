"""access: measure teams with roles, session staff, projector links

Existing measures get their team from what already happened: whoever ran a session on it or
wrote into its record becomes an owner (the demo data and databases from before this change),
so nobody loses a measure they worked on.

Revision ID: 0300_access_teams
Revises: 0300_handon_protocols
"""

import sqlalchemy as sa
from alembic import op

import workshop.db

revision = "0300_access_teams"
down_revision = "0300_handon_protocols"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "measure_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["facilitator_id"], ["facilitators.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("measure_id", "facilitator_id"),
    )
    op.create_index("ix_measure_members_measure_id", "measure_members", ["measure_id"])
    op.create_index("ix_measure_members_facilitator_id", "measure_members", ["facilitator_id"])
    op.create_table(
        "session_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["facilitator_id"], ["facilitators.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "facilitator_id"),
    )
    op.create_index("ix_session_members_session_id", "session_members", ["session_id"])
    op.create_index("ix_session_members_facilitator_id", "session_members", ["facilitator_id"])
    op.create_table(
        "projector_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", workshop.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by"], ["facilitators.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_projector_links_session_id", "projector_links", ["session_id"])
    # Owners for what exists: who ran a session on the measure or wrote into its record.
    op.execute("""
        INSERT INTO measure_members (measure_id, facilitator_id, role, created_at)
        SELECT measure_id, facilitator_id, 'owner', CURRENT_TIMESTAMP FROM (
            SELECT measure_id, facilitator_id FROM sessions
            UNION
            SELECT measure_id, author_id FROM record_revisions WHERE author_id IS NOT NULL
        ) AS worked
    """)


def downgrade() -> None:
    op.drop_table("projector_links")
    op.drop_table("session_members")
    op.drop_table("measure_members")
