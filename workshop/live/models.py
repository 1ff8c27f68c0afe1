from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workshop.db import Base, utcnow


class Event(Base):
    """The session's append-only log. seq is gapless per session.

    payload is what the facilitator's screens receive; public_payload what participants and
    the projector receive when it differs (a silent card, a card awaiting moderation, hidden
    votes), so replaying to a client that missed events sends it the same bytes as live.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("session_id", "seq"),
        UniqueConstraint("session_id", "op_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict]
    public_payload: Mapped[dict | None]  # None: the same as payload
    op_id: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(40))  # "facilitator:3" | "participant:17" | "system"
    result: Mapped[dict] = mapped_column(default=dict)  # what the acting client got back
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
