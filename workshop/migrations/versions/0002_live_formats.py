"""live formats and facilitator controls

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:20:44.483172
"""

import sqlalchemy as sa
from alembic import op

import workshop.db

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custom_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=False),
        sa.Column("base_key", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("created_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["facilitator_id"], ["facilitators.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "clusters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=80), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", workshop.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.create_index("ix_clusters_session_step", ["session_id", "step_key"], unique=False)

    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=80), nullable=False),
        sa.Column("who", sa.String(length=200), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("due", sa.String(length=10), nullable=True),
        sa.Column("participant_id", sa.Integer(), nullable=True),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("created_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", workshop.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["facilitator_id"],
            ["facilitators.id"],
        ),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.id"],
        ),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_items_session_id"), ["session_id"], unique=False)

    op.create_table(
        "poll_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=80), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("updated_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "step_key", "participant_id"),
    )
    with op.batch_alter_table("poll_answers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_answers_session_id"), ["session_id"], unique=False)

    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("step_key", sa.String(length=80), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("updated_at", workshop.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["cards.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["participant_id"], ["participants.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["sessions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("session_id", "step_key", "card_id", "participant_id"),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ratings_session_id"), ["session_id"], unique=False)

    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=10), nullable=False, server_default="visible"))
        batch_op.add_column(sa.Column("cluster_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_cards_cluster_id", "clusters", ["cluster_id"], ["id"], ondelete="SET NULL")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_payload", sa.JSON(), nullable=True))

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("runtime", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("run_number", sa.Integer(), nullable=False, server_default="1"))

    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cluster_id", sa.Integer(), nullable=True))
        batch_op.alter_column("card_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_foreign_key("fk_votes_cluster_id", "clusters", ["cluster_id"], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("votes", schema=None) as batch_op:
        batch_op.drop_constraint("fk_votes_cluster_id", type_="foreignkey")
        batch_op.alter_column("card_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("cluster_id")

    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.drop_column("run_number")
        batch_op.drop_column("runtime")

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("public_payload")

    with op.batch_alter_table("cards", schema=None) as batch_op:
        batch_op.drop_constraint("fk_cards_cluster_id", type_="foreignkey")
        batch_op.drop_column("cluster_id")
        batch_op.drop_column("status")

    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratings_session_id"))

    op.drop_table("ratings")
    with op.batch_alter_table("poll_answers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_answers_session_id"))

    op.drop_table("poll_answers")
    with op.batch_alter_table("action_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_items_session_id"))

    op.drop_table("action_items")
    with op.batch_alter_table("clusters", schema=None) as batch_op:
        batch_op.drop_index("ix_clusters_session_step")

    op.drop_table("clusters")
    op.drop_table("custom_templates")
