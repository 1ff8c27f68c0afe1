"""The formats library: the five units' originals (session_templates/) and the adapted copies a
team shares (CustomTemplate, the library of the team of the measure a copy was made for)."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from workshop.access import policy
from workshop.agenda.templates import TemplateError, available_templates, parse_template_data
from workshop.i18n import localized
from workshop.sessions.models import CustomTemplate
from workshop.validation import whole_number


def team_formats(db: Session, facilitator_id: int) -> list[CustomTemplate]:
    """The adapted formats of this person's teams and their own, newest first."""
    teams = policy.format_team_measure_ids(db, facilitator_id)
    return list(
        db.scalars(
            select(CustomTemplate)
            .where(or_(CustomTemplate.facilitator_id == facilitator_id, CustomTemplate.measure_id.in_(teams)))
            .order_by(CustomTemplate.created_at.desc())
        )
    )


def custom_format(db: Session, facilitator_id: int, key: str) -> CustomTemplate | None:
    """The adapted format "custom-<id>", if this person may use it (else as if it did not exist)."""
    number = whole_number(key[len("custom-") :]) if key.startswith("custom-") else None
    custom = db.get(CustomTemplate, number) if number else None
    return custom if custom is not None and policy.may_use_format(db, facilitator_id, custom) else None


def chosen_format(db: Session, facilitator_id: int, key: str) -> dict | None:
    """A format by the key the editor's "append a format" posts: an original's file name, or
    "custom-<id>"; None if there is none this person may use."""
    originals = available_templates()
    if key in originals:
        return originals[key]
    custom = custom_format(db, facilitator_id, key)
    if custom is None:
        return None
    try:
        return parse_template_data(custom.template, custom.title)
    except TemplateError:
        return None


def format_name(db: Session, facilitator_id: int, key: str, locale: str) -> str:
    """What a format is called (the one a copy is based on), never its file name."""
    originals = available_templates()
    if key in originals:
        return localized(originals[key]["title"], locale)
    custom = custom_format(db, facilitator_id, key)
    return custom.title if custom is not None else ""
