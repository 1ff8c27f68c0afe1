from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.db import Base, utcnow


class Measure(Base):
    """A public measure (Maßnahme); its record is the set of current field revisions."""

    __tablename__ = "measures"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    record_template: Mapped[str] = mapped_column(String(80), default="default")
    # idea → draft → mandated → in_implementation → done | continuation (workshop.measures.status)
    status: Mapped[str] = mapped_column(String(20), default="idea", server_default="idea")
    # A practice measure (workshop.training): marked "Übung" everywhere, may be reset and deleted.
    is_exercise: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    revisions: Mapped[list[RecordRevision]] = relationship(
        back_populates="measure", order_by="RecordRevision.id", cascade="all, delete-orphan"
    )


class RecordRevision(Base):
    """One change of one record field. The newest revision of a field is its value.

    `lines` keeps each line of the value with its own provenance, so a line captured from a
    card still points at that card after later lines were added by hand.
    """

    __tablename__ = "record_revisions"
    __table_args__ = (Index("ix_record_revisions_measure_field", "measure_id", "field_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    field_key: Mapped[str] = mapped_column(String(80))
    value: Mapped[str] = mapped_column(Text, default="")
    lines: Mapped[list] = mapped_column(default=list)
    source_kind: Mapped[str] = mapped_column(String(20))  # manual | capture | demo
    source_session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"), index=True)
    source_step_key: Mapped[str | None] = mapped_column(String(80))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    measure: Mapped[Measure] = relationship(back_populates="revisions")


class MeasureStatusChange(Base):
    """A step in the measure's status flow, or a reopening after the mandate (with its reason)."""

    __tablename__ = "measure_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # advance | reopen
    reason: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordComment(Base):
    """A comment on a measure record (Kommentare in the Berlin sheet): who, when, what.

    Its own table, not a record field: comments are added one by one and never overwrite each
    other, and a mandated (locked) record still takes them."""

    __tablename__ = "record_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PublicMeasure(Base):
    """A measure whose team opted in to a public page (no row: not public)."""

    __tablename__ = "public_measures"

    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), primary_key=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The record fields the page shows, in the record's order: the owner's choice (None: none yet).
    published_fields: Mapped[list | None] = mapped_column(default=None)
