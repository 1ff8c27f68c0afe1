"""register: public measure pages (opt-in) and what became of each public contribution

Revision ID: 0300_register_public
Revises: 0300_harden_login_epoch
Create Date: 2026-11-23 20:25:00
"""

import sqlalchemy as sa
from alembic import op

import workshop.db

revision = "0300_register_public"
down_revision = "0300_harden_login_epoch"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "public_measures",
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["published_by"], ["facilitators.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("measure_id"),
    )
    op.create_table(
        "card_fates",
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["merged_into_id"], ["cards.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["author_id"], ["facilitators.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("card_id"),
    )
    with op.batch_alter_table("card_fates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_card_fates_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("card_fates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_card_fates_session_id"))
    op.drop_table("card_fates")
    op.drop_table("public_measures")
