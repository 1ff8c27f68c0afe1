"""Creating a session from a session template (a file in session_templates/ or an adapted copy)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _  # raised outside requests too (CLI, tests): read when shown
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.access.policy import may_use_format
from workshop.activities.registry import seed_step_cards
from workshop.agenda.templates import TemplateError, parse_template_data, template_file
from workshop.config import SESSION_TEMPLATE_DIR
from workshop.db import get_row
from workshop.i18n import localized
from workshop.measures.capture import capturable, incompatible_fields
from workshop.measures.models import Measure
from workshop.measures.record import template_of
from workshop.sessions.join_codes import new_join_code
from workshop.sessions.models import CustomTemplate, WorkshopSession


class FieldMapNeeded(TemplateError):
    """The format captures into fields this measure's record does not have (or may not take):
    the facilitator maps each to another field or to none before the session exists."""

    def __init__(self, missing: list[str], template: dict):
        super().__init__(f"the record has no field(s) {', '.join(missing)} for this format")
        self.missing = missing
        self.template = template


def create_session(
    db: Session,
    *,
    measure_id: int,
    facilitator_id: int,
    template_key: str,
    title: str = "",
    location: str = "",
    mode: str = "live",
    field_map: dict[str, str] | None = None,
) -> WorkshopSession:
    """template_key: a file in session_templates/, or "custom-<id>" for a facilitator's adapted copy.

    The format is checked against the measure's record template: every field it captures into
    must exist there, or field_map maps it to another field ("" = to none). The map is stored in
    the session's copy of the format, and capture follows it (measures/capture.py)."""
    custom = re.fullmatch(r"custom-(\d+)", template_key or "")
    if custom:
        copy = db.get(CustomTemplate, int(custom.group(1)))
        if copy is None or not may_use_format(db, facilitator_id, copy):  # another team's: as if absent
            raise TemplateError(
                f"there is no adapted template '{template_key}'", _("diese angepasste Vorlage gibt es nicht")
            )
        template = parse_template_data(copy.template, f"„{copy.title}“")
    else:
        if not re.fullmatch(r"[a-z][a-z0-9_-]{0,39}", template_key or ""):
            raise TemplateError(
                f"'{template_key}' is not a template name", _("bitte wählen Sie eine Vorlage aus der Liste")
            )
        path = SESSION_TEMPLATE_DIR / f"{template_key}.yaml"
        if not path.is_file():
            raise TemplateError(
                f"there is no session template '{template_key}'",
                _("die Vorlage „%(name)s“ gibt es nicht", name=template_key),
            )
        template = template_file(path)  # raises TemplateError naming file, step, field
    template = _with_field_map(db, measure_id, template, field_map or {})
    code = new_join_code()
    while db.scalar(select(WorkshopSession.id).where(WorkshopSession.join_code == code)):
        code = new_join_code()
    earlier_runs = db.scalars(select(WorkshopSession).where(WorkshopSession.measure_id == measure_id)).all()
    run = 1 + sum(1 for s in earlier_runs if s.template.get("unit") == template.get("unit"))
    ws = WorkshopSession(
        measure_id=measure_id,
        facilitator_id=facilitator_id,
        template_key=template_key,
        template=template,
        title=title or localized(template["title"]),
        location=location,
        mode=mode,
        join_code=code,
        run_number=run,
    )
    db.add(ws)
    db.flush()
    seed_step_cards(db, ws)
    return ws


def _with_field_map(db: Session, measure_id: int, template: dict, field_map: dict[str, str]) -> dict:
    measure = get_row(db, Measure, measure_id)
    record_template = template_of(measure)
    missing = incompatible_fields(template, record_template)
    unmapped = [key for key in missing if key not in field_map]
    if unmapped:
        raise FieldMapNeeded(unmapped, template)
    used = {}
    for key in missing:
        target = field_map[key]
        if target and not capturable(record_template.field(target)):
            raise TemplateError(
                f"'{target}' is no field of this record that takes cards",
                _("„%(field)s“ ist kein Feld dieses Steckbriefs, das Beiträge aufnimmt", field=target),
            )
        used[key] = target
    return {**template, "field_map": used} if used else template
