from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workshop.db import Base, utcnow
from workshop.measures.models import PublicMeasure  # noqa: F401  (a measure's own opt-in: measures/models.py)


class CardFate(Base):
    """What became of a public contribution when it was not taken into the record: merged with
    another contribution, or not taken, with the reason the facilitator gives. "Taken into field X"
    is not stored here: the record's line provenance already says it."""

    __tablename__ = "card_fates"

    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # merged | rejected
    reason: Mapped[str] = mapped_column(Text, default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
