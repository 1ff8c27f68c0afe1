"""agenda: a format of the library belongs to a measure's team (issue 13)

Adapted formats were visible to every facilitator of the instance. Now each is shared with the
team of the measure it was made for; formats from before have no team and stay their author's.

Revision ID: 0900_room
Revises: 0300_register_public
"""

import sqlalchemy as sa
from alembic import op

revision = "0900_room"
down_revision = "0300_register_public"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain add_column (no batch mode): recreating the table on SQLite would cascade deletes. SQLite
    # cannot add the foreign key afterwards; a deleted measure's formats then keep a dangling id and
    # nobody but their author sees them, which is what SET NULL gives elsewhere.
    op.add_column("custom_templates", sa.Column("measure_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key(
            "fk_custom_templates_measure_id",
            "custom_templates",
            "measures",
            ["measure_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_index("ix_custom_templates_measure_id", "custom_templates", ["measure_id"])


def downgrade() -> None:
    op.drop_index("ix_custom_templates_measure_id", "custom_templates")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_custom_templates_measure_id", "custom_templates", type_="foreignkey")
    op.drop_column("custom_templates", "measure_id")
