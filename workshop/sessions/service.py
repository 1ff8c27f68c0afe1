"""Creating sessions and finding who is who in them."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.live.session_ops import ENDED, token_hash
from workshop.sessions.join_codes import new_join_code, normalize
from workshop.sessions.models import CustomTemplate, Participant, WorkshopSession
from workshop.activities.registry import seed_step_cards
from workshop.sessions.templates import TemplateError, load_template_file, parse_template_data
from workshop.config import SESSION_TEMPLATE_DIR
from workshop.i18n import localized


def create_session(db: Session, *, measure_id: int, facilitator_id: int, template_key: str,
                   title: str = "", location: str = "", mode: str = "live") -> WorkshopSession:
    """template_key: a file in session_templates/, or "custom-<id>" for an adapted copy in the library."""
    custom = re.fullmatch(r"custom-(\d+)", template_key or "")
    if custom:
        copy = db.get(CustomTemplate, int(custom.group(1)))
        if copy is None:  # the library is shared by the instance's facilitators
            raise TemplateError(f"there is no adapted template '{template_key}'")
        template = parse_template_data(copy.template, f"„{copy.title}“")
    else:
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", template_key or ""):
            raise TemplateError(f"'{template_key}' is not a template name")
        path = SESSION_TEMPLATE_DIR / f"{template_key}.yaml"
        if not path.is_file():
            raise TemplateError(f"there is no session template '{template_key}'")
        template = load_template_file(path)  # raises TemplateError naming file, step, field
    code = new_join_code()
    while db.scalar(select(WorkshopSession.id).where(WorkshopSession.join_code == code)):
        code = new_join_code()
    earlier_runs = db.scalars(select(WorkshopSession).where(WorkshopSession.measure_id == measure_id)).all()
    run = 1 + sum(1 for s in earlier_runs if s.template.get("unit") == template.get("unit"))
    ws = WorkshopSession(measure_id=measure_id, facilitator_id=facilitator_id,
                         template_key=template_key, template=template,
                         title=title or localized(template["title"]), location=location,
                         mode=mode, join_code=code, run_number=run)
    db.add(ws)
    db.flush()
    seed_step_cards(db, ws)
    return ws


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
    participant = db.scalars(
        select(Participant).where(Participant.token_hash == token_hash(token))
    ).first()
    if participant is None or participant.session_id != session_id:
        return None
    return participant
