from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workshop.db import Base, utcnow


class DraftUpdate(Base):
    """One Yjs/yrs update (v1 encoding) of one record field's shared text, append-only.

    Applying every row of a (measure, field) in id order rebuilds the document. Compaction
    writes one row holding the whole state (is_snapshot) and deletes the rows before it.
    """

    __tablename__ = "draft_updates"
    __table_args__ = (Index("ix_draft_updates_measure_field", "measure_id", "field_key", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    field_key: Mapped[str] = mapped_column(String(80))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    is_snapshot: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DraftCardLink(Base):
    """A card (from a session of the measure) pulled into a field while co-drafting.

    When the field is written into the record, a line equal to `text` keeps `source`
    (the same shape record.capture uses: session_id, step_key, card_id, …).
    """

    __tablename__ = "draft_card_links"
    __table_args__ = (Index("ix_draft_card_links_measure_field", "measure_id", "field_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    field_key: Mapped[str] = mapped_column(String(80))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[dict] = mapped_column()
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
