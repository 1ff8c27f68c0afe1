from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]


class Vote(Base):
    """Dots one participant put on one card in one vote step."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("step_key", "card_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    step_key: Mapped[str] = mapped_column(String(80))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"))
    count: Mapped[int] = mapped_column(default=0)
