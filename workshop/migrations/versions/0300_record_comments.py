"""record comments: who, when, text beside the measure record

Revision ID: 0300_record_comments
Revises: 0100_drafting
Create Date: 2026-11-23 19:45:00
"""

import sqlalchemy as sa
from alembic import op

import workshop.db

revision = "0300_record_comments"
down_revision = "0100_drafting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "record_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["facilitators.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["measure_id"], ["measures.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("record_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_record_comments_measure_id"), ["measure_id"], unique=False)
    # Comments were a text field ("comments") before; its current value becomes one comment, so
    # nothing written there disappears from the record page (the revisions stay as they were).
    op.execute(
        "INSERT INTO record_comments (measure_id, author_id, author_name, text, created_at) "
        "SELECT r.measure_id, r.author_id, '', r.value, r.created_at FROM record_revisions r "
        "WHERE r.field_key = 'comments' AND r.value <> '' AND r.id = ("
        "SELECT MAX(r2.id) FROM record_revisions r2 "
        "WHERE r2.measure_id = r.measure_id AND r2.field_key = 'comments')"
    )


def downgrade() -> None:
    with op.batch_alter_table("record_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_comments_measure_id"))
    op.drop_table("record_comments")
