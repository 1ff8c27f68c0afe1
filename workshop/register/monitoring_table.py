"""Bulk update without typing: milestone statuses and indicator values as a table (XLSX or CSV).

Export writes one row per milestone (its current status) and one per indicator (its value cells
empty, to be filled in); import reads the same columns back. Like the register import: a preview
of every row's outcome, then all rows or none, each bad cell named with its column.

parse() is the one place that reads the file (register/reading.read_table, bounded there, in a worker);
apply_rows() is a plain function over parsed rows, so the reading and the row logic can each move
into a worker process. Rows only ever write through measures/record.py (progress: a mandated
measure takes them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from workshop import jobs
from workshop.i18n import N_
from workshop.measures import monitoring
from workshop.measures import record as record_ops
from workshop.measures.messages import RecordRefused, texts
from workshop.measures.models import Measure
from workshop.register.reading import MAX_ROWS, read_table
from workshop.register.tables import TableRefused, write_csv, write_xlsx

SOURCE_KIND = "import"
KIND_MILESTONE, KIND_INDICATOR = "Meilenstein", "Indikator"

# key -> (German heading, English heading). The German ones are what the export writes.
COLUMNS: dict[str, tuple[str, str]] = {
    "measure_id": ("Maßnahme-Nr.", "Measure no."),
    "reference": ("Ref.-Nr.", "Ref. no."),
    "measure": ("Maßnahme", "Measure"),
    "kind": ("Art", "Kind"),
    "item_id": ("Eintrag-Nr.", "Item no."),
    "title": ("Meilenstein / Indikator", "Milestone / indicator"),
    "planned_date": ("Geplant bis", "Planned by"),
    "status": ("Stand", "Status"),
    "actual_date": ("Erreicht am", "Reached on"),
    "note": ("Notiz", "Note"),
    "unit": ("Einheit", "Unit"),
    "value": ("Messwert", "Measured value"),
    "measured_on": ("Messdatum", "Measured on"),
    "source": ("Quelle", "Source"),
}
REQUIRED = ("measure_id", "kind", "item_id")
# What a row may change: a milestone's progress, an indicator's new value. The rest identifies.
MILESTONE_CELLS = ("status", "actual_date", "note")
VALUE_CELLS = ("value", "measured_on", "source")


@dataclass
class RowOutcome:
    line: int
    measure: str
    item: str
    action: str = "unchanged"  # changed | added | unchanged | error
    changed: list[str] = field(default_factory=list)  # column headings
    errors: list[tuple[str, dict]] = field(default_factory=list)  # (column heading, {de, en})

    def error(self, key: str, msgid: str, **params) -> None:
        self.errors.append((_heading(key), texts(msgid, **params)))


@dataclass
class BulkResult:
    rows: list[RowOutcome]
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not any(row.errors for row in self.rows)

    def counts(self) -> dict[str, int]:
        out = {"changed": 0, "added": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            out[row.action] += 1
        return out


def _heading(key: str) -> str:
    return COLUMNS[key][0]


def export_rows(db: Session, measures: list[Measure]) -> tuple[list[str], list[list[str]]]:
    header = [german for german, _english in COLUMNS.values()]
    rows: list[list[str]] = []
    for measure in measures:
        template = record_ops.template_of(measure)
        base = [str(measure.id), measure.reference_number or "", measure.title]
        for m in monitoring.milestones_of(db, measure.id):
            status = template.milestone_status(m.status)
            rows.append(
                base
                + [
                    KIND_MILESTONE,
                    str(m.id),
                    m.title,
                    m.planned_date.isoformat() if m.planned_date else "",
                    status.label_text("de") if status else m.status,
                    m.actual_date.isoformat() if m.actual_date else "",
                    m.note or "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
        for i in monitoring.indicators_of(db, measure.id):
            rows.append(base + [KIND_INDICATOR, str(i.id), i.name, "", "", "", "", i.unit or "", "", "", ""])
    return header, rows


def export_table(db: Session, measures: list[Measure], fmt: str) -> bytes:
    header, rows = export_rows(db, measures)
    return write_csv(header, rows) if fmt == "csv" else write_xlsx(header, rows, "Monitoring")


def parse(filename: str, data: bytes, owner: int | None = None) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """The file's column positions by key and its body rows (line number, cells); TableRefused
    when it is no table of these columns. The only function here that reads bytes."""
    rows = jobs.run(read_table, filename, data, owner=owner).rows  # a worker process (workshop/jobs)
    by_heading = {heading.casefold(): key for key, pair in COLUMNS.items() for heading in pair}
    for index, row in enumerate(rows[:20]):
        positions = {}
        for position, cell in enumerate(row):
            key = by_heading.get(" ".join(cell.split()).casefold())
            if key and key not in positions:
                positions[key] = position
        if all(key in positions for key in REQUIRED):
            body = [(index + 2 + n, r) for n, r in enumerate(rows[index + 1 :]) if any(c.strip() for c in r)]
            if not body:
                raise TableRefused(N_("Die Tabelle hat keine Zeilen unter der Kopfzeile."))
            if len(body) > MAX_ROWS:
                raise TableRefused(N_("Die Tabelle hat mehr als %(max)s Zeilen."), max=MAX_ROWS)
            return positions, body
    raise TableRefused(
        N_(
            "Keine Kopfzeile gefunden: die Tabelle braucht die Spalten „%(columns)s“ "
            "(am einfachsten: die Vorlage herunterladen und ausfüllen)."
        ),
        columns="“, „".join(_heading(key) for key in REQUIRED),
    )


def _cell(row: list[str], positions: dict[str, int], key: str) -> str:
    position = positions.get(key)
    if position is None or position >= len(row):
        return ""
    return " ".join(str(row[position]).split()) if key != "note" else str(row[position]).strip()


def apply_rows(
    db: Session,
    positions: dict[str, int],
    body: list[tuple[int, list[str]]],
    author_id: int,
    author_name: str,
    *,
    apply: bool,
    may_write: Callable[[Measure], bool],
) -> BulkResult:
    """Run every row through the record path in one transaction; commit only when apply is set
    and no row has an error (all rows or none), else roll back (the preview is the real run)."""
    outcomes: list[RowOutcome] = []
    measures: dict[int, Measure | None] = {}
    try:
        for line, row in body:
            cells = {key: _cell(row, positions, key) for key in COLUMNS}
            outcome = RowOutcome(line, cells["measure"], cells["title"])
            outcomes.append(outcome)
            error = outcome.error
            measure_id, item_id = cells["measure_id"], cells["item_id"]
            if not measure_id.isdigit() or len(measure_id) > 12:
                error("measure_id", N_("Die Maßnahme-Nr. fehlt oder ist keine Zahl."))
            if not item_id.isdigit() or len(item_id) > 12:
                error("item_id", N_("Die Eintrag-Nr. fehlt oder ist keine Zahl."))
            kind = cells["kind"].casefold()
            if kind not in (KIND_MILESTONE.casefold(), "milestone", KIND_INDICATOR.casefold(), "indicator"):
                error("kind", N_("„Art“ ist „Meilenstein“ oder „Indikator“."))
            if outcome.errors:
                outcome.action = "error"
                continue
            if int(measure_id) not in measures:
                found = db.get(Measure, int(measure_id))
                measures[int(measure_id)] = found if found is not None and may_write(found) else None
            measure = measures[int(measure_id)]
            if measure is None:
                error(
                    "measure_id",
                    N_("Die Maßnahme %(id)s gibt es nicht, oder Sie dürfen sie nicht ändern."),
                    id=measure_id,
                )
                outcome.action = "error"
                continue
            outcome.measure = measure.title
            if kind in (KIND_MILESTONE.casefold(), "milestone"):
                _milestone_row(db, measure, int(item_id), cells, outcome, author_id)
            else:
                _indicator_row(db, measure, int(item_id), cells, outcome, author_id, author_name)
            if outcome.errors:
                outcome.action = "error"
        result = BulkResult(outcomes)
        if apply and result.ok:
            db.commit()
            result.applied = True
        else:
            db.rollback()
        return result
    except BaseException:
        db.rollback()
        raise


def _refusal(outcome: RowOutcome, error: RecordRefused, fallback: str) -> None:
    field_key = getattr(error, "field", None)
    heading = _heading(field_key) if field_key in COLUMNS else _heading(fallback)
    outcome.errors.append((heading, error.texts))


def _milestone_row(db, measure, item_id, cells, outcome, author_id) -> None:
    milestone = db.get(monitoring.Milestone, item_id)
    if milestone is None or milestone.measure_id != measure.id:
        outcome.errors.append(
            (_heading("item_id"), texts(N_("Die Maßnahme hat keinen Meilenstein %(id)s."), id=item_id))
        )
        return
    outcome.item = milestone.title
    if cells["value"]:
        outcome.errors.append((_heading("value"), texts(N_("Ein Meilenstein hat keinen Messwert."))))
        return
    # An empty status or date cell changes nothing; the note is as the table says (an export has it).
    values = {key: cells[key] for key in MILESTONE_CELLS if cells[key] or key == "note"}
    try:
        changed = record_ops.save_milestone(
            db, measure, milestone, values, source_kind=SOURCE_KIND, author_id=author_id
        )
    except RecordRefused as error:
        _refusal(outcome, error, "status")
        return
    if changed is not None:
        last = monitoring.revisions_since(db, measure.id, None)[-1]
        outcome.changed = [_heading(k) for k in last.changed if k in COLUMNS]
        outcome.action = "changed"


def _indicator_row(db, measure, item_id, cells, outcome, author_id, author_name) -> None:
    indicator = db.get(monitoring.Indicator, item_id)
    if indicator is None or indicator.measure_id != measure.id:
        outcome.errors.append((_heading("item_id"), texts(N_("Die Maßnahme hat keinen Indikator %(id)s."), id=item_id)))
        return
    outcome.item = indicator.name
    if not cells["value"]:
        if cells["measured_on"] or cells["source"]:
            outcome.errors.append((_heading("value"), texts(N_("Messdatum oder Quelle ohne Messwert."))))
        return
    try:
        added = record_ops.add_indicator_value(
            db,
            measure,
            indicator,
            {key: cells[key] for key in VALUE_CELLS},
            author_id=author_id,
            author_name=author_name,
            source_kind=SOURCE_KIND,
        )
    except RecordRefused as error:
        _refusal(outcome, error, "value")
        return
    if added is not None:
        outcome.action = "added"
        outcome.changed = [_heading("value")]
