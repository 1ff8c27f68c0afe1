from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from workshop.db import Base, utcnow


class BarrierReport(Base):
    """A barrier somebody reported through the accessibility statement's form (BITV 2.0 §12b).

    Anyone may send one, without an account; a contact address is optional and only kept to
    answer. The team sees the reports listed, newest first, and marks them answered.
    """

    __tablename__ = "barrier_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    page: Mapped[str] = mapped_column(String(300), default="")  # where the barrier is (as typed or linked)
    description: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(254), default="")
    language: Mapped[str] = mapped_column(String(8), default="de")
    answered: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
