"""Merging duplicate cards: cards.merged_into_id and the card_merges table (issue 33)

A merged card is kept (its text is a variant of the card it was merged into, with its author's
credit) and stored like a deleted card; card_merges holds what an unmerge restores.

Revision ID: 1100_card_merges
Revises: 1000_input_alt
"""

import sqlalchemy as sa
from alembic import op

import workshop.db

revision = "1100_card_merges"
down_revision = "1000_input_alt"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain add_column, never batch mode: recreating the table on SQLite would cascade deletes.
    op.add_column("cards", sa.Column("merged_into_id", sa.Integer(), nullable=True))
    op.create_index("ix_cards_merged_into_id", "cards", ["merged_into_id"])
    op.create_table(
        "card_merges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=80), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("merged_ids", sa.JSON(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("undone_at", workshop.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["facilitator_id"], ["facilitators.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_card_merges_session_id", "card_merges", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_card_merges_session_id", table_name="card_merges")
    op.drop_table("card_merges")
    op.drop_index("ix_cards_merged_into_id", table_name="cards")
    op.drop_column("cards", "merged_into_id")
