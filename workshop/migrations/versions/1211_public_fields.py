"""register: the record fields a public measure's page shows, chosen by the measure's owner

Before, the public page showed title, status and the short description only (and fields that
public contributions went into). Measures public before this change publish no further field
until their owner chooses some.

Revision ID: 1211_public_fields
Revises: 1210_named_in_protocol
"""

import sqlalchemy as sa
from alembic import op

revision = "1211_public_fields"
down_revision = "1210_named_in_protocol"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain add_column, never batch mode: recreating the table on SQLite would cascade deletes.
    op.add_column("public_measures", sa.Column("published_fields", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("public_measures", "published_fields")
