from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.sessions.models import Participant


def participant_names(db: Session, session_id: int) -> dict[int, str | None]:
    """Participant id -> the display name they chose (None when anonymous)."""
    rows = db.execute(
        select(Participant.id, Participant.display_name).where(Participant.session_id == session_id)
    )
    return {pid: name for pid, name in rows}
