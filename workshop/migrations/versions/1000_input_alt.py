"""a11y: an input step's image carries the facilitator's alternative text (WCAG 1.1.1)

Before, an image on the projector and the phones had its file name as alt text. Images from
before this change have none; they are shown with the step's title until someone writes one.

Revision ID: 1000_input_alt
Revises: 0900_room
"""

import sqlalchemy as sa
from alembic import op

revision = "1000_input_alt"
down_revision = "0900_room"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain add_column, never batch mode: recreating the table on SQLite would cascade deletes.
    op.add_column("session_files", sa.Column("alt_text", sa.String(length=500), nullable=True))


def downgrade() -> None:
    op.drop_column("session_files", "alt_text")
