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

from workshop.db import utcnow
from workshop.i18n import N_
from workshop.measures import changes, monitoring, status
from workshop.measures.field_values import check_value
from workshop.measures.messages import RecordRefused
from workshop.measures.models import Measure, MeasureStatusChange, RecordComment, RecordRevision
from workshop.measures.record_template import RecordField, RecordTemplate, load_record_template
from workshop.measures.status import ensure_editable
from workshop.validation import strip_controls

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
    lines = _without_controls(field, lines)
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


def _without_controls(field: RecordField, lines: list[dict]) -> list[dict]:
    """Every value is stored without control characters (a line keeps its tabs where the field
    takes lines; in a one-line field a tab is a space): whatever wrote it — the form, capture,
    co-drafting, import — the record stays printable and every export (XLSX, DOCX) readable."""
    one_line = field.type in ("text", "date", "status")
    clean = []
    for line in lines:
        text = line["text"]
        safe = strip_controls(text.replace("\t", " ") if one_line else text, keep="\n" if one_line else "\n\t")
        clean.append(line if safe == text else {**line, "text": safe})
    return clean


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


# --- redaction: a captured card its author deleted ----------------------------------------------

# What a redacted line says instead of the card's text (the record is the body's German file;
# pages show it in the viewer's language: source.redacted marks it).
REDACTED_TEXT = "[geschwärzt: von der Person gelöscht]"


def _from_card(line: dict, session_id: int, card_id: int) -> bool:
    source = line.get("source") or {}
    return source.get("card_id") == card_id and source.get("session_id") == session_id and not source.get("redacted")


def _redacted(line: dict) -> dict:
    return {"text": REDACTED_TEXT, "source": {**(line.get("source") or {}), "redacted": True}}


def redact_card(
    db: Session, measure: Measure, session_id: int, card_id: int, author_id: int | None
) -> list[RecordRevision]:
    """Take a card's text out of the record after its author deleted the card (docs/privacy.md).

    Each field holding a line from the card gets a revision of kind "redact" in which that line
    says it was redacted (its provenance stays: session, step, card); every earlier revision
    loses the card's text too, so no restore brings it back. The one change of history the
    record allows: a person took back what they wrote. Not refused after the mandate (no
    content changes, a right of the person); the lock stays."""
    written = []
    for key, current in current_values(db, measure).items():
        if current.revision is None or not any(_from_card(line, session_id, card_id) for line in current.lines):
            continue
        lines = [_redacted(line) if _from_card(line, session_id, card_id) else line for line in current.lines]
        revision = set_field(
            db,
            measure,
            key,
            lines,
            source_kind="redact",
            author_id=author_id,
            session_id=session_id,
            step_key=current.revision.source_step_key,
            check_lock=False,
        )
        if revision is not None:
            written.append(revision)
    db.flush()
    new = {revision.id for revision in written}
    for revision in db.scalars(select(RecordRevision).where(RecordRevision.measure_id == measure.id)):
        if revision.id in new or not any(_from_card(line, session_id, card_id) for line in revision.lines or []):
            continue
        revision.lines = [_redacted(line) if _from_card(line, session_id, card_id) else line for line in revision.lines]
        revision.value = "\n".join(line["text"] for line in revision.lines)
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
    text = strip_controls(text or "").strip()
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


# --- after the mandate: milestones, indicators, measured values, reviews -----------------------
# The same one path as the fields: the lock rule (a plan change of a mandated measure needs a
# reopening; progress does not, see measures/monitoring.py) and one MonitoringRevision per change
# with its provenance. Writers: the monitoring pages, a review session's capture
# (measures/capture.py), the table import (register/monitoring_table.py), the demo.

# Source kinds that set up a state rather than change a plan (the demo seed, like set_field's).
LOCK_EXEMPT = frozenset({"demo"})


def _revision(
    db: Session,
    measure: Measure,
    kind: str,
    item_id: int,
    action: str,
    before: dict | None,
    after: dict | None,
    *,
    source_kind: str,
    author_id: int | None,
    source: dict | None,
) -> monitoring.MonitoringRevision:
    if before is None or after is None:  # created or deleted: the fields it had
        changed = sorted(
            k for k, v in (before or after or {}).items() if k not in ("id", "position") and v not in (None, "")
        )
    else:
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    revision = monitoring.MonitoringRevision(
        measure_id=measure.id,
        item_kind=kind,
        item_id=item_id,
        action=action,
        changed=changed,
        before=before,
        after=after,
        source_kind=source_kind,
        source=source,
        session_id=(source or {}).get("session_id"),
        author_id=author_id,
    )
    db.add(revision)
    measure.updated_at = utcnow()
    return revision


def _plan_lock(measure: Measure, source_kind: str, plan_change: bool) -> None:
    if plan_change and source_kind not in LOCK_EXEMPT:
        ensure_editable(measure)


def save_milestone(
    db: Session,
    measure: Measure,
    milestone: monitoring.Milestone | None,
    values: dict,
    *,
    source_kind: str = "manual",
    author_id: int | None = None,
    source: dict | None = None,
) -> monitoring.Milestone | None:
    """Create (milestone None) or change a milestone; returns None when nothing changed.

    values: raw field values (strings from a form or a table, or typed); checked here.
    MonitoringRefused names a wrong field; StatusError when a plan change meets the lock."""
    checked = monitoring.check_milestone(template_of(measure), values, milestone)
    if milestone is None:
        count = len(monitoring.milestones_of(db, measure.id))
        if count >= monitoring.MAX_ITEMS:
            raise monitoring.MonitoringRefused(
                None, N_("Eine Maßnahme hat höchstens %(max)s Meilensteine."), max=monitoring.MAX_ITEMS
            )
        _plan_lock(measure, source_kind, True)
        milestone = monitoring.Milestone(measure_id=measure.id, position=count, **checked)
        db.add(milestone)
        db.flush()
        _revision(
            db,
            measure,
            monitoring.MILESTONE,
            milestone.id,
            "create",
            None,
            monitoring.milestone_dict(milestone),
            source_kind=source_kind,
            author_id=author_id,
            source=source,
        )
        return milestone
    if milestone.measure_id != measure.id:
        raise KeyError(milestone.id)
    before = monitoring.milestone_dict(milestone)
    changed = {k: v for k, v in checked.items() if getattr(milestone, k) != v}
    if not changed:
        return None
    _plan_lock(measure, source_kind, bool(set(changed) & monitoring.MILESTONE_PLAN))
    for key, value in changed.items():
        setattr(milestone, key, value)
    db.flush()
    _revision(
        db,
        measure,
        monitoring.MILESTONE,
        milestone.id,
        "update",
        before,
        monitoring.milestone_dict(milestone),
        source_kind=source_kind,
        author_id=author_id,
        source=source,
    )
    return milestone


def set_milestone_evidence(
    db: Session,
    measure: Measure,
    milestone: monitoring.Milestone,
    evidence: monitoring.EvidenceFile | None,
    author_id: int | None,
) -> None:
    """Attach (or with None take off) an evidence file: progress, allowed after the mandate."""
    before = monitoring.milestone_dict(milestone)
    milestone.evidence_file_id = evidence.id if evidence is not None else None
    db.flush()
    _revision(
        db,
        measure,
        monitoring.MILESTONE,
        milestone.id,
        "update",
        before,
        monitoring.milestone_dict(milestone),
        source_kind="manual",
        author_id=author_id,
        source=None,
    )


def delete_milestone(
    db: Session,
    measure: Measure,
    milestone: monitoring.Milestone,
    *,
    author_id: int | None,
    source_kind: str = "manual",
) -> None:
    """A plan change: refused after the mandate until a reopening. The revision keeps it."""
    if milestone.measure_id != measure.id:
        raise KeyError(milestone.id)
    _plan_lock(measure, source_kind, True)
    before = monitoring.milestone_dict(milestone)
    db.delete(milestone)
    _revision(
        db,
        measure,
        monitoring.MILESTONE,
        before["id"],
        "delete",
        before,
        None,
        source_kind=source_kind,
        author_id=author_id,
        source=None,
    )
    db.flush()


def save_indicator(
    db: Session,
    measure: Measure,
    indicator: monitoring.Indicator | None,
    values: dict,
    *,
    source_kind: str = "manual",
    author_id: int | None = None,
    source: dict | None = None,
) -> monitoring.Indicator | None:
    """Create or change an indicator; its plan (name, unit, direction, baseline, target) is locked
    after the mandate like a milestone's."""
    checked = monitoring.check_indicator(values, indicator)
    if indicator is None:
        count = len(monitoring.indicators_of(db, measure.id))
        if count >= monitoring.MAX_ITEMS:
            raise monitoring.MonitoringRefused(
                None, N_("Eine Maßnahme hat höchstens %(max)s Indikatoren."), max=monitoring.MAX_ITEMS
            )
        _plan_lock(measure, source_kind, True)
        indicator = monitoring.Indicator(measure_id=measure.id, position=count, **checked)
        db.add(indicator)
        db.flush()
        _revision(
            db,
            measure,
            monitoring.INDICATOR,
            indicator.id,
            "create",
            None,
            monitoring.indicator_dict(indicator),
            source_kind=source_kind,
            author_id=author_id,
            source=source,
        )
        return indicator
    if indicator.measure_id != measure.id:
        raise KeyError(indicator.id)
    before = monitoring.indicator_dict(indicator)
    changed = {k: v for k, v in checked.items() if getattr(indicator, k) != v}
    if not changed:
        return None
    _plan_lock(measure, source_kind, bool(set(changed) & monitoring.INDICATOR_PLAN))
    for key, value in changed.items():
        setattr(indicator, key, value)
    db.flush()
    _revision(
        db,
        measure,
        monitoring.INDICATOR,
        indicator.id,
        "update",
        before,
        monitoring.indicator_dict(indicator),
        source_kind=source_kind,
        author_id=author_id,
        source=source,
    )
    return indicator


def delete_indicator(
    db: Session,
    measure: Measure,
    indicator: monitoring.Indicator,
    *,
    author_id: int | None,
    source_kind: str = "manual",
) -> None:
    if indicator.measure_id != measure.id:
        raise KeyError(indicator.id)
    _plan_lock(measure, source_kind, True)
    for value in monitoring.values_of(db, [indicator.id])[indicator.id]:
        _revision(
            db,
            measure,
            monitoring.VALUE,
            value.id,
            "delete",
            monitoring.value_dict(value),
            None,
            source_kind=source_kind,
            author_id=author_id,
            source=None,
        )
        db.delete(value)
    before = monitoring.indicator_dict(indicator)
    db.delete(indicator)
    _revision(
        db,
        measure,
        monitoring.INDICATOR,
        before["id"],
        "delete",
        before,
        None,
        source_kind=source_kind,
        author_id=author_id,
        source=None,
    )
    db.flush()


def add_indicator_value(
    db: Session,
    measure: Measure,
    indicator: monitoring.Indicator,
    values: dict,
    *,
    author_id: int | None,
    author_name: str = "",
    source_kind: str = "manual",
    source: dict | None = None,
) -> monitoring.IndicatorValue | None:
    """A measured value (progress: a mandated measure takes it). The same value on the same date
    from the same source is not stored twice (a re-imported table changes nothing); None then."""
    if indicator.measure_id != measure.id:
        raise KeyError(indicator.id)
    checked = monitoring.check_value(values)
    existing = monitoring.values_of(db, [indicator.id])[indicator.id]
    if any(
        v.measured_on == checked["measured_on"] and v.value == checked["value"] and v.source == checked["source"]
        for v in existing
    ):
        return None
    if len(existing) >= monitoring.MAX_VALUES:
        raise monitoring.MonitoringRefused(
            "value", N_("Ein Indikator hat höchstens %(max)s Messwerte."), max=monitoring.MAX_VALUES
        )
    value = monitoring.IndicatorValue(
        indicator_id=indicator.id,
        measure_id=measure.id,
        author_id=author_id,
        author_name=author_name[:200],
        source_kind=source_kind,
        provenance=source,
        **checked,
    )
    db.add(value)
    db.flush()
    _revision(
        db,
        measure,
        monitoring.VALUE,
        value.id,
        "create",
        None,
        monitoring.value_dict(value),
        source_kind=source_kind,
        author_id=author_id,
        source=source,
    )
    return value


def delete_indicator_value(
    db: Session, measure: Measure, value: monitoring.IndicatorValue, *, author_id: int | None
) -> None:
    """Taking back a wrongly entered value is progress too; the revision keeps what it was."""
    if value.measure_id != measure.id:
        raise KeyError(value.id)
    before = monitoring.value_dict(value)
    db.delete(value)
    _revision(
        db,
        measure,
        monitoring.VALUE,
        before["id"],
        "delete",
        before,
        None,
        source_kind="manual",
        author_id=author_id,
        source=None,
    )
    db.flush()


def record_review(
    db: Session,
    measure: Measure,
    decision: str,
    lines: list[dict],
    *,
    author_id: int | None,
    session_id: int | None = None,
    step_key: str | None = None,
    source_kind: str = "capture",
) -> monitoring.MonitoringReview:
    """What a review decided about the whole measure (continue, adapt, Verstetigung …): beside
    the record like a comment, so a mandated measure takes it."""
    decision = " ".join((decision or "").split())[:2000]
    if not decision:
        raise monitoring.MonitoringRefused(None, N_("Die Review hat noch kein Ergebnis."))
    review = monitoring.MonitoringReview(
        measure_id=measure.id,
        session_id=session_id,
        step_key=step_key,
        decision=decision,
        lines=lines,
        author_id=author_id,
    )
    db.add(review)
    db.flush()
    _revision(
        db,
        measure,
        monitoring.REVIEW,
        review.id,
        "create",
        None,
        {"id": review.id, "decision": decision, "lines": [line["text"] for line in lines]},
        source_kind=source_kind,
        author_id=author_id,
        source={"session_id": session_id, "step_key": step_key} if session_id else None,
    )
    return review


def seed_monitoring_from_lists(
    db: Session, measure: Measure, author_id: int | None, source_kind: str
) -> tuple[int, int]:
    """A record whose list fields "milestones" and "indicators" hold lines (the Aachen table, a
    Berlin sheet) but which has no structured items yet gets one milestone or indicator per line,
    so its monitoring starts from what the plan says. A measure that has items, or whose plan is
    locked, is left alone. Returns (milestones, indicators) created."""
    if status.is_locked(measure) and source_kind not in LOCK_EXEMPT:
        return 0, 0
    values = current_values(db, measure)
    made = [0, 0]

    def items_of(key: str, name: str) -> list[dict]:
        """One item per line; a line longer than a title is cut at a word, the whole in its note."""
        out = []
        for line in values[key].lines:
            text = " ".join(line["text"].split())
            if not text:
                continue
            if len(text) <= monitoring.TITLE_MAX:
                out.append({name: text})
            else:
                short = text[: monitoring.TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"
                out.append({name: short, "note": text[: monitoring.NOTE_MAX]})
        return out[: monitoring.MAX_ITEMS]

    if "milestones" in values and not monitoring.milestones_of(db, measure.id):
        for item in items_of("milestones", "title"):
            save_milestone(db, measure, None, item, source_kind=source_kind, author_id=author_id)
            made[0] += 1
    if "indicators" in values and not monitoring.indicators_of(db, measure.id):
        for item in items_of("indicators", "name"):
            save_indicator(db, measure, None, item, source_kind=source_kind, author_id=author_id)
            made[1] += 1
    return made[0], made[1]
