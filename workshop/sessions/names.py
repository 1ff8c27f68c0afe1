from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.sessions.models import Participant


def participant_names(db: Session, session_id: int, only: Iterable[int | None] | None = None) -> dict[int, str | None]:
    """Participant id -> the display name they chose (None when anonymous).

    only: just these ids (one card's author), not a whole room of 500 on every card.
    """
    query = select(Participant.id, Participant.display_name).where(Participant.session_id == session_id)
    if only is not None:
        ids = [pid for pid in only if pid is not None]
        if not ids:  # the facilitator's card: no participant to name
            return {}
        query = query.where(Participant.id.in_(ids))
    return {pid: name for pid, name in db.execute(query)}
