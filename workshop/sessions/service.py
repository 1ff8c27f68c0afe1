"""Finding a session by its join code and who is who in it (creating one: agenda/create.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.sessions.join_codes import normalize
from workshop.sessions.models import ENDED, Participant, WorkshopSession, token_hash


def find_joinable(db: Session, typed_code: str) -> WorkshopSession | None:
    code = normalize(typed_code)
    if code is None:
        return None
    ws = db.scalars(select(WorkshopSession).where(WorkshopSession.join_code == code)).first()
    if ws is None or ws.status == ENDED:
        return None
    return ws


def participant_by_token(db: Session, session_id: int, token: str | None) -> Participant | None:
    if not token or not isinstance(token, str) or len(token) > 100:
        return None
    participant = db.scalars(select(Participant).where(Participant.token_hash == token_hash(token))).first()
    if participant is None or participant.session_id != session_id:
        return None
    return participant
