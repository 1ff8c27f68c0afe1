"""Register exports: the table (XLSX or CSV, in a layout) and one measure as JSON (portability)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.measures import record as record_ops
from workshop.measures import status
from workshop.measures.models import Measure, MeasureStatusChange, RecordComment, RecordRevision
from workshop.register.layouts import REFERENCE, Layout
from workshop.register.tables import write_csv, write_xlsx
from workshop.timezone import local_iso


def table(db: Session, layout: Layout, measures: list[Measure]) -> tuple[list[str], list[list[str]]]:
    header = [column.heading for column in layout.columns]
    rows = []
    for measure in measures:
        values = record_ops.current_values(db, measure)
        row = []
        for column in layout.columns:
            if column.key == REFERENCE:
                row.append(measure.reference_number or "")
            elif column.key in values:
                row.append(values[column.key].value or "")
            else:
                row.append("")
        rows.append(row)
    return header, rows


def export_table(db: Session, layout: Layout, measures: list[Measure], fmt: str) -> bytes:
    """Measures of the layout's record template only: a layout is that template's columns."""
    measures = [m for m in measures if m.record_template == layout.record_template]
    header, rows = table(db, layout, measures)
    if fmt == "csv":
        return write_csv(header, rows)
    return write_xlsx(header, rows, "Maßnahmen")


def _iso(value) -> str | None:
    """A moment in the instance's time zone with its offset; a date as it is."""
    if isinstance(value, datetime):
        return local_iso(value)
    return value.isoformat() if value is not None else None


def measure_json(db: Session, measure: Measure) -> dict:
    """The whole measure: record, every revision with provenance, status changes, comments,
    its sessions with their steps and cards, and the protocol model of each session."""
    from workshop.sessions.models import WorkshopSession  # sessions/ knows measures, not the reverse

    values = record_ops.current_values(db, measure)
    template = record_ops.template_of(measure)
    out: dict = {
        "format": "workshop.measure/1",
        "id": measure.id,
        "reference_number": measure.reference_number,
        "title": measure.title,
        "status": measure.status,
        "status_label": status.LABELS.get(measure.status, measure.status),
        "record_template": measure.record_template,
        "created_at": _iso(measure.created_at),
        "updated_at": _iso(measure.updated_at),
        "record": [
            {"key": f.key, "type": f.type, "label": f.label, "value": values[f.key].value, "lines": values[f.key].lines}
            for f in template.fields
        ],
        "revisions": [
            {
                "id": r.id,
                "field_key": r.field_key,
                "value": r.value,
                "lines": r.lines,
                "source_kind": r.source_kind,
                "source_session_id": r.source_session_id,
                "source_step_key": r.source_step_key,
                "author_id": r.author_id,
                "created_at": _iso(r.created_at),
            }
            for r in db.scalars(
                select(RecordRevision).where(RecordRevision.measure_id == measure.id).order_by(RecordRevision.id)
            )
        ],
        "status_changes": [
            {
                "from": c.from_status,
                "to": c.to_status,
                "kind": c.kind,
                "reason": c.reason,
                "created_at": _iso(c.created_at),
            }
            for c in db.scalars(
                select(MeasureStatusChange)
                .where(MeasureStatusChange.measure_id == measure.id)
                .order_by(MeasureStatusChange.id)
            )
        ],
        "comments": [
            {"author_name": c.author_name, "text": c.text, "created_at": _iso(c.created_at)}
            for c in db.scalars(
                select(RecordComment).where(RecordComment.measure_id == measure.id).order_by(RecordComment.id)
            )
        ],
        "sessions": [],
    }
    sessions = db.scalars(
        select(WorkshopSession).where(WorkshopSession.measure_id == measure.id).order_by(WorkshopSession.id)
    ).all()
    for session in sessions:
        out["sessions"].append(_session_json(db, session))
    return out


def _plain(value):
    """Dataclasses, datetimes and the like as JSON values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, datetime):
        return local_iso(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _session_json(db: Session, session) -> dict:
    from workshop.protocols.model import build_protocol

    return {
        "id": session.id,
        "title": session.title,
        "template_key": session.template_key,
        "mode": session.mode,
        "status": session.status,
        "run_number": session.run_number,
        "created_at": _iso(session.created_at),
        "started_at": _iso(session.started_at),
        "protocol": _plain(build_protocol(db, session)),
    }
