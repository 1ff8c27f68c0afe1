from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from workshop.db import Base, utcnow


class ObserverNote(Base):
    """A trainee's or trainer's note on a session, bound to a moment of it (for the debrief)."""

    __tablename__ = "observer_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    seq: Mapped[int] = mapped_column(default=0)  # the session's last event when the note was written
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
