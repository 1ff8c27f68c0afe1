"""Reading and changing a measure record. Every change is a new RecordRevision."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.measures import changes
from workshop.measures.models import Measure, RecordRevision
from workshop.measures.record_template import RecordTemplate, load_record_template
from workshop.measures.status import ensure_editable


@dataclass
class FieldValue:
    key: str
    value: str
    lines: list[dict]
    revision: RecordRevision | None
    history: list[RecordRevision]


def template_of(measure: Measure) -> RecordTemplate:
    return load_record_template(measure.record_template)


def current_values(db: Session, measure: Measure) -> dict[str, FieldValue]:
    """Newest revision of every field, plus each field's history (newest first)."""
    revisions = db.scalars(
        select(RecordRevision).where(RecordRevision.measure_id == measure.id).order_by(RecordRevision.id)
    ).all()
    values: dict[str, FieldValue] = {
        field.key: FieldValue(field.key, "", [], None, []) for field in template_of(measure).fields
    }
    for revision in revisions:
        entry = values.setdefault(revision.field_key, FieldValue(revision.field_key, "", [], None, []))
        entry.history.insert(0, revision)
        entry.value, entry.lines, entry.revision = revision.value, revision.lines or [], revision
    # Identification fields live on the measure row too; show them in the record.
    for key, fallback in (("title", measure.title), ("reference_number", measure.reference_number)):
        if key in values and not values[key].value and fallback:
            values[key].value = fallback
            values[key].lines = lines_from_text(fallback)
    return values


def lines_from_text(text: str) -> list[dict]:
    return [{"text": line, "source": None} for line in text.splitlines() if line.strip()]


def set_field(
    db: Session,
    measure: Measure,
    field_key: str,
    lines: list[dict],
    *,
    source_kind: str,
    author_id: int | None = None,
    session_id: int | None = None,
    step_key: str | None = None,
    check_lock: bool = True,
) -> RecordRevision | None:
    """Write a new value for one field; returns None when nothing changed.

    Each line is {"text": str, "source": None | {session_id, step_key, card_id, votes, ...}}.
    A mandated measure refuses the change (StatusError) until it is reopened.
    """
    if template_of(measure).field(field_key) is None:
        raise KeyError(field_key)
    if check_lock:
        ensure_editable(measure)
    value = "\n".join(line["text"] for line in lines)
    previous = db.scalars(
        select(RecordRevision)
        .where(RecordRevision.measure_id == measure.id, RecordRevision.field_key == field_key)
        .order_by(RecordRevision.id.desc())
        .limit(1)
    ).first()
    if previous is not None and previous.value == value and previous.lines == lines:
        return None
    revision = RecordRevision(
        measure_id=measure.id,
        field_key=field_key,
        value=value,
        lines=lines,
        source_kind=source_kind,
        source_session_id=session_id,
        source_step_key=step_key,
        author_id=author_id,
    )
    db.add(revision)
    changes.note_change(db, measure.id, field_key, source_kind)
    if field_key == "title" and value.strip():
        measure.title = value.strip()[:300]
    return revision


def lines_keeping_sources(db: Session, measure: Measure, field_key: str, text: str,
                          extra_sources: dict[str, dict] | None = None) -> list[dict]:
    """Split text into lines; a line still there word for word keeps its provenance."""
    current = current_values(db, measure).get(field_key)
    known = {line["text"]: line.get("source") for line in (current.lines if current else [])}
    known.update(extra_sources or {})
    return [
        {"text": line, "source": known.get(line)} for line in text.replace("\r\n", "\n").split("\n")
        if line.strip()
    ]


def edit_by_hand(db: Session, measure: Measure, field_key: str, text: str, author_id: int,
                 source_kind: str = "manual") -> RecordRevision | None:
    """A hand edit keeps the provenance of every line that is still there word for word."""
    lines = lines_keeping_sources(db, measure, field_key, text)
    return set_field(db, measure, field_key, lines, source_kind=source_kind, author_id=author_id)
