"""protocols a facilitator finishes: drafts, final versions, reopenings, attachments

Revision ID: 0300_handon_protocols
Revises: 0100_drafting
Create Date: 2026-11-23 19:40:00
"""

import sqlalchemy as sa
from alembic import op

import workshop.db

revision = "0300_handon_protocols"
down_revision = "0800_a11y"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "protocol_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("edits", sa.JSON(), nullable=False),
        sa.Column("updated_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["facilitators.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id"),
    )
    op.create_table(
        "protocol_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("finalized_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finalized_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["finalized_by_id"], ["facilitators.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "number"),
    )
    op.create_index("ix_protocol_versions_session_id", "protocol_versions", ["session_id"])
    op.create_table(
        "protocol_reopenings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reopened_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reopened_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reopened_by_id"], ["facilitators.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_protocol_reopenings_session_id", "protocol_reopenings", ["session_id"])
    op.create_table(
        "protocol_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("caption", sa.String(length=300), nullable=False),
        sa.Column("mimetype", sa.String(length=40), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("removed_at", workshop.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by_id"], ["facilitators.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_protocol_attachments_session_id", "protocol_attachments", ["session_id"])


def downgrade() -> None:
    op.drop_table("protocol_attachments")
    op.drop_table("protocol_reopenings")
    op.drop_table("protocol_versions")
    op.drop_table("protocol_drafts")
