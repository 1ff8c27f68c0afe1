"""Membership: a measure's team with roles, a session's extra staff, the projector's links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.db import Base, utcnow


class MeasureMember(Base):
    """One person of a measure's team (the organisation's team working on it) and their role:
    owner | co_facilitator | editor | observer (workshop.access.policy.MEASURE_ROLES)."""

    __tablename__ = "measure_members"
    __table_args__ = (UniqueConstraint("measure_id", "facilitator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionMember(Base):
    """Staff of one session besides its facilitator: co_facilitator | minute_taker | observer."""

    __tablename__ = "session_members"
    __table_args__ = (UniqueConstraint("session_id", "facilitator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectorLink(Base):
    """A read-only link for the room's PC: opens the projector without a login. Only the token's
    SHA-256 is stored; revoking it closes the screens that use it."""

    __tablename__ = "projector_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]

    session = relationship("WorkshopSession")
