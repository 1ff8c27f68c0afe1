"""input: a PDF's page count, kept once it was read (the projector shows a PDF page by page)

Revision ID: 1212_pdf_pages
Revises: 1211_public_fields
"""

import sqlalchemy as sa
from alembic import op

revision = "1212_pdf_pages"
down_revision = "1211_public_fields"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain add_column, never batch mode: recreating the table on SQLite would cascade deletes.
    op.add_column("session_files", sa.Column("page_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("session_files", "page_count")
