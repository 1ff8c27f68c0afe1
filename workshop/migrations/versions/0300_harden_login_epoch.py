"""harden: facilitators.login_epoch, so a logout revokes every cookie issued before it

Revision ID: 0300_harden_login_epoch
Revises: 0300_agenda_plan
"""

import sqlalchemy as sa
from alembic import op

revision = "0300_harden_login_epoch"
down_revision = "0300_agenda_plan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch that re-created facilitators on SQLite could cascade into what they own.
    op.add_column("facilitators", sa.Column("login_epoch", sa.String(length=32), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("facilitators", schema=None) as batch_op:
        batch_op.drop_column("login_epoch")
