"""privacy: a participant's name goes into the filed protocol only if they agreed on the join page

Before, every chosen name went into the protocol's attendance line and after each contribution,
though the join page said nothing about it. Participants from before this change count as not
having agreed: their names stay out of protocols generated from now on.

Revision ID: 1210_named_in_protocol
Revises: 1200_monitoring
"""

import sqlalchemy as sa
from alembic import op

revision = "1210_named_in_protocol"
down_revision = "1200_monitoring"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain add_column, never batch mode: recreating the table on SQLite would cascade deletes.
    op.add_column(
        "participants",
        sa.Column("named_in_protocol", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("participants", "named_in_protocol")
