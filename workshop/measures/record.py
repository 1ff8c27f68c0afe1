"""Reading and changing a measure record: the one module every record write goes through.

Hand edit, live capture (measures/capture.py), co-drafting, restore, undo and the status flow
all end in set_field(): the same lock rule (status.ensure_editable), the status field only through
the status flow, one RecordRevision per change with its provenance, and changes.note_change() so
open editors follow. Values a person typed or captured are checked by field_values.check_value.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.i18n import N_
from workshop.measures import changes, status
from workshop.measures.field_values import check_value
from workshop.measures.messages import RecordRefused
from workshop.measures.models import Measure, MeasureStatusChange, RecordComment, RecordRevision
from workshop.measures.record_template import RecordTemplate, load_record_template
from workshop.measures.status import ensure_editable

# Who may write the status field: only the status flow (and the demo seed, which sets a state).
STATUS_WRITERS = frozenset({"status", "demo"})
COMMENT_MAX = 2000


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
    # One status: the flow's. A status field never written by the flow (a new measure, or text an
    # older version let a capture put there) shows the measure's status, not a second one.
    for field in template_of(measure).fields:
        entry = values[field.key]
        if field.type == "status" and (entry.revision is None or entry.revision.source_kind not in STATUS_WRITERS):
            entry.value = status.LABELS.get(measure.status, measure.status)
            entry.lines = lines_from_text(entry.value)
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
    field = template_of(measure).field(field_key)
    if field is None:
        raise KeyError(field_key)
    if field.type == "status" and source_kind not in STATUS_WRITERS:
        raise RecordRefused(
            "status_field",
            N_(
                "Der Status ändert sich nur über den Statusablauf "
                "(weiterschalten oder wiedereröffnen), nicht als Feldinhalt."
            ),
        )
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


def forget_session(db: Session, measure: Measure, session_id: int) -> int:
    """A practice session reset: the revisions it wrote into its exercise measure go (open editors
    follow, as after any change). A real measure's record keeps everything: refused."""
    if not measure.is_exercise:
        raise RecordRefused("not_practice", N_("Nur eine Übungsmaßnahme vergisst, was eine Sitzung eingetragen hat."))
    revisions = db.scalars(
        select(RecordRevision).where(
            RecordRevision.measure_id == measure.id, RecordRevision.source_session_id == session_id
        )
    ).all()
    for revision in revisions:
        db.delete(revision)
    for field_key in sorted({revision.field_key for revision in revisions}):
        changes.note_change(db, measure.id, field_key, "reset")
    return len(revisions)


def lines_keeping_sources(
    db: Session, measure: Measure, field_key: str, text: str, extra_sources: dict[str, dict] | None = None
) -> list[dict]:
    """Split text into lines; a line still there word for word keeps its provenance."""
    current = current_values(db, measure).get(field_key)
    known = {line["text"]: line.get("source") for line in (current.lines if current else [])}
    known.update(extra_sources or {})
    return [
        {"text": line, "source": known.get(line)} for line in text.replace("\r\n", "\n").split("\n") if line.strip()
    ]


def edit_by_hand(
    db: Session,
    measure: Measure,
    field_key: str,
    text: str,
    author_id: int,
    source_kind: str = "manual",
    *,
    validate: bool = True,
) -> RecordRevision | None:
    """A hand edit keeps the provenance of every line that is still there word for word.

    The value is checked against the field's type first (FieldValueError names line and rule)."""
    field = template_of(measure).field(field_key)
    if field is None:
        raise KeyError(field_key)
    if validate:
        text = check_value(field, text)
    lines = lines_keeping_sources(db, measure, field_key, text)
    return set_field(db, measure, field_key, lines, source_kind=source_kind, author_id=author_id)


def newest_revision(db: Session, measure: Measure, field_key: str) -> RecordRevision | None:
    return db.scalars(
        select(RecordRevision)
        .where(RecordRevision.measure_id == measure.id, RecordRevision.field_key == field_key)
        .order_by(RecordRevision.id.desc())
        .limit(1)
    ).first()


def restore(db: Session, measure: Measure, old: RecordRevision, author_id: int | None) -> RecordRevision | None:
    """An earlier version of a field becomes its value again (a new revision of kind restore)."""
    if old.measure_id != measure.id:
        raise KeyError(old.id)
    return set_field(
        db, measure, old.field_key, old.lines or lines_from_text(old.value), source_kind="restore", author_id=author_id
    )


def undo(
    db: Session, measure: Measure, revision_id: int, author_id: int | None = None, session_id: int | None = None
) -> RecordRevision:
    """Take back one change: the field gets the value it had before `revision_id`, recorded as
    a new revision of kind undo. Refused when the field was changed since (that change would be
    lost without anybody seeing it)."""
    revision = db.get(RecordRevision, revision_id)
    if revision is None or revision.measure_id != measure.id:
        raise RecordRefused("revision_not_found", N_("Diese Änderung gibt es im Steckbrief nicht."))
    newest = newest_revision(db, measure, revision.field_key)
    assert newest is not None  # revision itself is one of the field's
    if newest.id != revision.id:
        raise RecordRefused(
            "changed_since",
            N_("„%(field)s“ wurde seitdem geändert; bitte im Verlauf die gewünschte Fassung wiederherstellen."),
            field=template_of(measure).required_field(revision.field_key).label,
        )
    before = db.scalars(
        select(RecordRevision)
        .where(
            RecordRevision.measure_id == measure.id,
            RecordRevision.field_key == revision.field_key,
            RecordRevision.id < revision.id,
        )
        .order_by(RecordRevision.id.desc())
        .limit(1)
    ).first()
    lines = (before.lines or lines_from_text(before.value)) if before is not None else []
    written = set_field(
        db,
        measure,
        revision.field_key,
        lines,
        source_kind="undo",
        author_id=author_id,
        session_id=session_id,
        step_key=revision.source_step_key,
    )
    if written is None:  # same value as before: still record that the change was taken back
        written = RecordRevision(
            measure_id=measure.id,
            field_key=revision.field_key,
            value=revision.value,
            lines=revision.lines,
            source_kind="undo",
            author_id=author_id,
            source_session_id=session_id,
            source_step_key=revision.source_step_key,
        )
        db.add(written)
        changes.note_change(db, measure.id, revision.field_key, "undo")
    db.flush()
    return written


# --- the status flow: the only writer of the status field -------------------------------------


def _write_status(db: Session, measure: Measure, change: MeasureStatusChange, author_id: int | None) -> None:
    db.add(change)
    field = next((f for f in template_of(measure).fields if f.type == "status"), None)
    if field is not None:  # the record's status field shows the flow's state, as a revision
        label = status.LABELS[change.to_status] + (
            f" (wiedereröffnet: {change.reason})" if change.kind == "reopen" else ""
        )
        set_field(
            db,
            measure,
            field.key,
            [{"text": label, "source": None}],
            source_kind="status",
            author_id=author_id,
            check_lock=False,
        )
    db.flush()


def advance_status(db: Session, measure: Measure, to_status: str, author_id: int | None) -> MeasureStatusChange:
    status.check_advance(measure, to_status)
    change = status.status_change(measure, to_status, "advance", "", author_id)
    _write_status(db, measure, change, author_id)
    return change


def reopen_status(db: Session, measure: Measure, reason: str, author_id: int | None) -> MeasureStatusChange:
    """Back to draft after the mandate; the reason is required and kept."""
    reason = status.check_reopen(measure, reason)
    change = status.status_change(measure, status.DRAFT, "reopen", reason, author_id)
    _write_status(db, measure, change, author_id)
    return change


# --- comments: who, when, text — beside the record, not one of its fields ---------------------


def add_comment(
    db: Session, measure: Measure, text: str, author_id: int | None, author_name: str = ""
) -> RecordComment:
    """A comment does not change the record, so a mandated measure takes comments too."""
    text = (text or "").strip()
    if not text:
        raise RecordRefused("invalid_value", N_("Der Kommentar ist leer."))
    if len(text) > COMMENT_MAX:
        raise RecordRefused("too_long", N_("Ein Kommentar hat höchstens %(max)s Zeichen."), max=COMMENT_MAX)
    comment = RecordComment(measure_id=measure.id, author_id=author_id, author_name=author_name[:200], text=text)
    db.add(comment)
    db.flush()
    return comment


def comments_of(db: Session, measure: Measure) -> list[RecordComment]:
    return list(
        db.scalars(select(RecordComment).where(RecordComment.measure_id == measure.id).order_by(RecordComment.id))
    )
