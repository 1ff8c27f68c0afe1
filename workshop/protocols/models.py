"""The protocol a facilitator finishes: the draft's edits, its final versions, reopenings and
attachments. The generated part stays a fold over the session (model.py); what is stored here
is only what people added or changed, and — once final — a frozen copy of the whole document."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workshop.db import Base, utcnow

DRAFT, FINAL = "draft", "final"


class ProtocolDraft(Base):
    """One per session: the edits over the generated draft, and whether it is final (locked)."""

    __tablename__ = "protocol_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), unique=True)
    language: Mapped[str] = mapped_column(String(5), default="de")
    status: Mapped[str] = mapped_column(String(10), default=DRAFT)
    # {"header": {...}, "attendance": {...}, "distribution": [...], "next_date": "...",
    #  "open_points": [...] | None, "tops": {step_key: {"results": [...] | None, "decisions": [...], ...}}}
    edits: Mapped[dict] = mapped_column(default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))


class ProtocolVersion(Base):
    """A final version: the whole document as it was signed off, never changed afterwards."""

    __tablename__ = "protocol_versions"
    __table_args__ = (UniqueConstraint("session_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    document: Mapped[dict]
    finalized_at: Mapped[datetime] = mapped_column(default=utcnow)
    finalized_by_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))


class ProtocolReopening(Base):
    """A final version opened again for changes: who, when and why."""

    __tablename__ = "protocol_reopenings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    reopened_at: Mapped[datetime] = mapped_column(default=utcnow)
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))


class ProtocolAttachment(Base):
    """A photo (flipchart, paper cards), checked and re-encoded on upload. Removing one only
    stamps removed_at, so final versions that show it keep rendering."""

    __tablename__ = "protocol_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    caption: Mapped[str] = mapped_column(String(300))
    mimetype: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None]
