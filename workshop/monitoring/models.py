from __future__ import annotations

import hashlib
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from workshop.db import Base, utcnow

MEASURE, ACTION_FIELD, REGISTER = "measure", "action_field", "register"  # StatusReport.scope


class StatusReport(Base):
    """A status report (Sachstandsbericht) someone issued for a committee: its scope and date.
    The next report of the same scope says what changed since this one's date."""

    __tablename__ = "status_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))  # measure | action_field | register
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    action_field: Mapped[str | None] = mapped_column(String(300))
    as_of: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(5), default="de")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def feed_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(Base):
    """A calendar app's subscription to one measure's dates: a secret URL (only its hash is kept),
    valid while its owner is on the measure's team and until revoked (the row deleted)."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
