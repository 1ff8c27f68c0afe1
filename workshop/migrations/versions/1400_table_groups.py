"""Table groups (issue 33): cards.table_no / origin_id / picked and the table_seats table

A table step splits the room into tables: each card knows its table (and a card harvested into the
plenary the table's card it copies); table_seats holds who sat where in each round, and the hosts.

Revision ID: 1400_table_groups
Revises: 1212_pdf_pages
"""

import sqlalchemy as sa
from alembic import op

import workshop.db

revision = "1400_table_groups"
down_revision = "1212_pdf_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain add_column, never batch mode: recreating the table on SQLite would cascade deletes.
    op.add_column("cards", sa.Column("table_no", sa.Integer(), nullable=True))
    op.add_column("cards", sa.Column("origin_id", sa.Integer(), nullable=True))
    op.add_column("cards", sa.Column("picked", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_cards_origin_id", "cards", ["origin_id"])
    op.create_table(
        "table_seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=80), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("table_no", sa.Integer(), nullable=True),
        sa.Column("host", sa.Boolean(), nullable=False),
        sa.Column("created_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_table_seats_session_step", "table_seats", ["session_id", "step_key"])


def downgrade() -> None:
    op.drop_index("ix_table_seats_session_step", table_name="table_seats")
    op.drop_table("table_seats")
    op.drop_index("ix_cards_origin_id", table_name="cards")
    op.drop_column("cards", "picked")
    op.drop_column("cards", "origin_id")
    op.drop_column("cards", "table_no")
