"""Creating a session from a session template (a file in session_templates/ or an adapted copy)."""
from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.activities.registry import seed_step_cards
from workshop.agenda.templates import TemplateError, load_template_file, parse_template_data
from workshop.config import SESSION_TEMPLATE_DIR
from workshop.i18n import localized
from workshop.sessions.join_codes import new_join_code
from workshop.sessions.models import CustomTemplate, WorkshopSession


def create_session(db: Session, *, measure_id: int, facilitator_id: int, template_key: str,
                   title: str = "", location: str = "", mode: str = "live") -> WorkshopSession:
    """template_key: a file in session_templates/, or "custom-<id>" for a facilitator's adapted copy."""
    custom = re.fullmatch(r"custom-(\d+)", template_key or "")
    if custom:
        copy = db.get(CustomTemplate, int(custom.group(1)))
        if copy is None or copy.facilitator_id != facilitator_id:
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
