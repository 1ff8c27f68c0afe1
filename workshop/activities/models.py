from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from workshop.db import Base, utcnow


class Card(Base):
    """A participant's (or the facilitator's) contribution to a brainstorm step.

    Deleting only stamps deleted_at: the event log and the protocol's trace keep working.
    """

    __tablename__ = "cards"
    __table_args__ = (Index("ix_cards_session_step", "session_id", "step_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    step_key: Mapped[str] = mapped_column(String(80))
    column_key: Mapped[str] = mapped_column(String(80))
    text: Mapped[str] = mapped_column(Text)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id"))
    # visible | pending (awaiting moderation) | hidden (by the facilitator; kept, not shown)
    status: Mapped[str] = mapped_column(String(10), default="visible")
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("clusters.id", ondelete="SET NULL", name="fk_cards_cluster_id")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
    # Merged into another card (activities/card_merge.py): stored like a deleted card (deleted_at),
    # so every reader that skips deleted cards skips it, and shown as a variant of that card.
    merged_into_id: Mapped[int | None] = mapped_column(index=True)
    # Table groups (activities/tables.py): the table a card was written at (1, 2, …, of its step's
    # tables), or, for a card a harvest brought into the plenary, the table it came from (origin_id:
    # the table's card it copies); picked: the table's host marked it for the plenary.
    table_no: Mapped[int | None]
    origin_id: Mapped[int | None] = mapped_column(index=True)
    picked: Mapped[bool] = mapped_column(default=False, server_default=false())


class CardMerge(Base):
    """Cards merged into one (card.merge), with what an unmerge needs to restore them."""

    __tablename__ = "card_merges"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    step_key: Mapped[str] = mapped_column(String(80))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))  # the card that stays
    merged_ids: Mapped[list]  # the cards merged into it, in order
    # what the cards had before: {"clusters": {card id: cluster id}, "variants": {card id: holder id},
    # "votes": {vote step: {participant id: {"before": {card id: dots}, "after": dots}}}}
    before: Mapped[dict]
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[datetime | None]


class Cluster(Base):
    """A named group of cards, made by the facilitator in a cluster step."""

    __tablename__ = "clusters"
    __table_args__ = (Index("ix_clusters_session_step", "session_id", "step_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    step_key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]


class Vote(Base):
    """Dots one participant put on one card (or one cluster) in one vote step."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("step_key", "card_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    step_key: Mapped[str] = mapped_column(String(80))
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    cluster_id: Mapped[int | None] = mapped_column(
        ForeignKey("clusters.id", ondelete="CASCADE", name="fk_votes_cluster_id")
    )
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(default=0)


class Rating(Base):
    """One participant's resistance (0–10) to one option in a consent step (Systemisches Konsensieren)."""

    __tablename__ = "ratings"
    __table_args__ = (UniqueConstraint("session_id", "step_key", "card_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    step_key: Mapped[str] = mapped_column(String(80))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    value: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PollAnswer(Base):
    """One participant's answer to a poll step: the indexes of the chosen options."""

    __tablename__ = "poll_answers"
    __table_args__ = (UniqueConstraint("session_id", "step_key", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    step_key: Mapped[str] = mapped_column(String(80))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    choices: Mapped[list]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ActionItem(Base):
    """A task agreed in the session: who does what by when."""

    __tablename__ = "action_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    step_key: Mapped[str] = mapped_column(String(80))
    who: Mapped[str] = mapped_column(String(200))
    what: Mapped[str] = mapped_column(Text)
    due: Mapped[str | None] = mapped_column(String(10))  # ISO date
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id"))
    facilitator_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]


class TableSeat(Base):
    """Where a participant sits in a round of a table step (activities/tables.py); host: they host
    that table (and stay there when the others move on to the next round). Only appended: a change of
    seat or host is a new row (their seat is their latest row of the round), so who sat where stays
    known — what each person may read are the boards of the tables they sat at."""

    __tablename__ = "table_seats"
    __table_args__ = (Index("ix_table_seats_session_step", "session_id", "step_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    step_key: Mapped[str] = mapped_column(String(80))
    round: Mapped[int] = mapped_column(default=1)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    table_no: Mapped[int | None]  # None: up from their table (a guest between rounds)
    host: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
