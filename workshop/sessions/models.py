from __future__ import annotations

import hashlib
from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, LargeBinary, String, Time, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workshop.db import Base, utcnow

READY, LIVE, ENDED = "ready", "live", "ended"  # WorkshopSession.status
EXERCISE = "exercise"  # WorkshopSession.mode of a practice session (training/practice.py)


def token_hash(token: str) -> str:
    """A participant's token is stored only as its hash."""
    return hashlib.sha256(token.encode()).hexdigest()


class WorkshopSession(Base):
    """A live instance of a session template for one measure.

    The template is copied in at creation so editing the YAML later never changes a
    session that already ran (its protocol must stay reproducible).
    """

    __tablename__ = "sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id"))
    template_key: Mapped[str] = mapped_column(String(80))
    template: Mapped[dict]
    title: Mapped[str] = mapped_column(String(300))
    location: Mapped[str] = mapped_column(String(300), default="")
    # The plan by clock time (agenda builder): the day, the slot, and how many people are expected.
    scheduled_date: Mapped[date | None] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time)
    end_time: Mapped[time | None] = mapped_column(Time)  # the slot's end: the plan warns when it runs over
    expected_headcount: Mapped[int | None]
    mode: Mapped[str] = mapped_column(String(20), default="live")  # live | exercise
    join_code: Mapped[str] = mapped_column(String(6), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="ready")  # ready | live | ended
    current_step: Mapped[int] = mapped_column(default=0)
    last_seq: Mapped[int] = mapped_column(default=0)
    # Per-step controls {step_key: {locked, revealed, timer, entered_at, seconds}} and the spotlight.
    runtime: Mapped[dict] = mapped_column(default=dict)
    run_number: Mapped[int] = mapped_column(default=1)  # the how-many-th run of this unit for the measure
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    measure = relationship("Measure")
    facilitator = relationship("Facilitator")
    participants: Mapped[list[Participant]] = relationship(back_populates="session", order_by="Participant.id")

    @property
    def steps(self) -> list[dict]:
        return self.template["steps"]

    def step_index(self, key: str) -> int | None:
        for index, step in enumerate(self.steps):
            if step["key"] == key:
                return index
        return None

    def step(self, key: str) -> dict | None:
        index = self.step_index(key)
        return None if index is None else self.steps[index]

    @property
    def current(self) -> dict:
        return self.steps[self.current_step]


class Participant(Base):
    """Anonymous unless they gave a display name. Only a hash of their token is stored."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(60))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    simulated: Mapped[bool] = mapped_column(default=False, server_default=false())  # a practice bot
    # Asked on the join page: may the filed protocol name them (attendance, their contributions)?
    named_in_protocol: Mapped[bool] = mapped_column(default=False, server_default=false())

    session: Mapped[WorkshopSession] = relationship(back_populates="participants")


class CustomTemplate(Base):
    """An adapted copy of a session template, checked like a YAML file. It is shared with the
    team of measure_id (workshop.access.policy.may_use_format); without one, only its author has it."""

    __tablename__ = "custom_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("facilitators.id", ondelete="CASCADE"))
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id", ondelete="SET NULL"), index=True)
    base_key: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    template: Mapped[dict]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SessionFile(Base):
    """An image or PDF shown by an input step; served only to that session's viewers."""

    __tablename__ = "session_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(60))  # as found in the content, never as the browser claimed
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    # What an image shows, in a sentence, for people who cannot see it (the builder asks for it)
    alt_text: Mapped[str | None] = mapped_column(String(500), nullable=True)
    page_count: Mapped[int | None] = mapped_column(nullable=True)  # a PDF's pages, once read (pdf_pages.py)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
