"""accessibility: reports of barriers sent through the accessibility statement

Revision ID: 0800_a11y
Revises: 0700_training
"""

import sqlalchemy as sa
from alembic import op

import workshop.db

revision = "0800_a11y"
down_revision = "0700_training"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "barrier_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("contact", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("created_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("barrier_reports")
