"""Importing a register table: a preview of every row's result, then all rows or none.

Why preview and apply share one function: the preview runs the real import inside a transaction
and rolls it back, so it shows exactly what "apply" will do (new measure, changed fields,
unchanged, or the error of each bad cell). Apply commits only when no row has an error.
Re-importing the same file changes nothing: the record path writes no revision for an equal value."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop import jobs
from workshop.access import policy
from workshop.i18n import N_
from workshop.measures import record as record_ops
from workshop.measures.messages import RecordRefused, texts
from workshop.measures.models import Measure
from workshop.register.layouts import NUMBERING, REFERENCE, Layout, layouts
from workshop.register.reading import MAX_ROWS, read_table
from workshop.register.tables import TableRefused, cell_text

SOURCE_KIND = "import"


@dataclass
class CellError:
    column: str
    texts: dict  # {"de": ..., "en": ...}


@dataclass
class RowResult:
    line: int  # the row's number in the file (1-based), as a spreadsheet shows it
    title: str
    action: str = "unchanged"  # new | changed | unchanged | error
    measure_id: int | None = None
    changed: list[str] = field(default_factory=list)  # column headings
    errors: list[CellError] = field(default_factory=list)
    inherited: list[tuple[str, int]] = field(default_factory=list)  # (heading, line): "same as above"
    twin_id: int | None = None  # an existing measure of the same title: a possible duplicate
    twin_title: str = ""
    choice: str = ""  # for a twin: "update" it or make a "new" measure


@dataclass
class ImportResult:
    layout: str
    rows: list[RowResult]
    applied: bool = False
    numbering: str = ""  # the heading of a running-number column ("Nr."), if the table has one
    numbering_as_reference: bool = False

    @property
    def ok(self) -> bool:
        return not any(row.errors for row in self.rows)

    def counts(self) -> dict[str, int]:
        out = {"new": 0, "changed": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            out[row.action] += 1
        return out


def _find_header(rows: list[list[str]]) -> tuple[int, Layout, list[tuple[int, str, str | None]]]:
    """The first row whose non-empty cells name columns of one layout (preamble lines skipped)."""
    best = None
    for index, row in enumerate(rows[:60]):
        cells = [(i, " ".join(c.split())) for i, c in enumerate(row) if c.strip()]
        if len(cells) < 2:
            continue
        for layout in layouts().values():
            mapped = [(i, heading, layout.key_for(heading)) for i, heading in cells]
            known = sum(1 for _i, _h, key in mapped if key)
            has_title = any(key == "title" for _i, _h, key in mapped)
            if has_title and known * 2 >= len(mapped) and (best is None or known > best[0]):
                best = (known, index, layout, mapped)
        if best is not None:
            return best[1], best[2], best[3]
    raise TableRefused(
        N_(
            "Keine Kopfzeile gefunden: die Tabelle braucht eine Zeile mit den Spaltennamen "
            "des Berliner Steckbriefs oder des Aachener Aktionsplans, darunter eine Spalte für den Titel."
        )
    )


class NumberTaken(Exception):
    """The row's reference number belongs to a measure the importer may not read."""


def _measure_for(db: Session, layout: Layout, reference: str, title: str, user_id: int) -> Measure | None:
    """The measure a row updates: only among those the importer may read (another team's measure
    does not exist for them, as everywhere else). A reference number is unique in the whole
    installation, though, so one of another team's is NumberTaken (without saying whose)."""
    if reference:
        measure = db.scalar(select(Measure).where(Measure.reference_number == reference))
        if measure is not None and not policy.may(db, user_id, "measure.read", measure):
            raise NumberTaken
        return measure
    candidates = db.scalars(
        select(Measure)
        .where(Measure.record_template == layout.record_template, Measure.title == title)
        .order_by(Measure.id)
    )
    return next((m for m in candidates if policy.may(db, user_id, "measure.read", m)), None)


def _twin(db: Session, layout: Layout, title: str, may_write: Callable[[Measure], bool]) -> Measure | None:
    """An existing measure of the layout's template with this title that the importer may change."""
    for measure in db.scalars(
        select(Measure)
        .where(Measure.record_template == layout.record_template, Measure.title == title)
        .order_by(Measure.id)
        .limit(20)
    ):
        if may_write(measure):
            return measure
    return None


def run_import(
    db: Session,
    filename: str,
    data: bytes,
    author_id: int,
    *,
    apply: bool,
    may_write: Callable[[Measure], bool] = lambda _measure: True,
    numbering_as_reference: bool = False,
    choices: dict[int, str] | None = None,
) -> ImportResult:
    """Preview (apply=False, always rolled back) or apply (committed only if every row is fine).

    may_write: register/access.py's check for an existing measure a row would change.
    numbering_as_reference: take a running-number column ("Nr.") for the reference number; by
    default it is left out (the Aachen table numbers its rows 1…7).
    choices: line -> "update" | "new" for a row whose title an existing measure has (a possible
    duplicate, shown in the preview): update that measure, or make a new one. Without a choice, a
    row without a reference number updates it (re-importing a file changes nothing), a row with an
    unknown reference number becomes a new measure.
    TableRefused when the file as a whole is not an importable table (or goes beyond a limit);
    jobs.JobRefused when reading it took too long. The file is read in a worker process."""
    db.rollback()  # no transaction open while a worker reads (see protocols/service.add_attachment)
    table = jobs.run(read_table, filename, data, owner=author_id)
    rows = table.rows
    header_index, layout, mapped = _find_header(rows)
    numbering = next((heading for _i, heading, key in mapped if key == NUMBERING), "")
    has_reference = any(key == REFERENCE for _i, _h, key in mapped)
    take_numbers = numbering_as_reference and not has_reference
    mapped = [
        (i, heading, (REFERENCE if take_numbers else None) if key == NUMBERING else key)
        for i, heading, key in mapped
        if key != NUMBERING or take_numbers
    ]
    unknown = [heading for _i, heading, key in mapped if key is None]
    if unknown:
        raise TableRefused(
            N_("Unbekannte Spalte(n) für „%(layout)s“: %(columns)s. Erlaubt sind die Spalten der Export-Vorlage."),
            layout=layout.key,
            columns=", ".join(f"„{h}“" for h in unknown),
        )
    keys = [key for _i, _h, key in mapped]
    twice = sorted({h for _i, h, key in mapped if keys.count(key) > 1})
    if twice:
        raise TableRefused(N_("Spalte doppelt: %(columns)s."), columns=", ".join(twice))
    columns = [(index, heading, key) for index, heading, key in mapped if key is not None]  # all, checked above
    template = record_ops.load_record_template(layout.record_template)
    body = [
        (header_index + 1 + n + 1, row)
        for n, row in enumerate(rows[header_index + 1 :])
        if any(cell.strip() for cell in row)
    ]
    if not body:
        raise TableRefused(N_("Die Tabelle hat keine Zeilen unter der Kopfzeile."))
    if len(body) > MAX_ROWS:
        raise TableRefused(N_("Die Tabelle hat mehr als %(max)s Zeilen."), max=MAX_ROWS)

    # A continuation row leaves the action field empty where the source means "as above" (merged
    # cells; the XLSX reader fills real merged ranges itself): it takes the row above's — unless it
    # is an existing measure that has none (in our own export an empty cell means empty).
    carry_down = layout.carry_down
    results: list[RowResult] = []
    carried: dict[str, tuple[str, int]] = {}  # key -> (text, line it came from)
    seen_refs: dict[str, int] = {}
    choices = choices or {}
    try:
        for line, row in body:
            values: dict[str, tuple[str, str]] = {}  # key -> (heading, text)
            above: dict[str, tuple[str, str, int]] = {}  # key -> (heading, text, line) for empty carry-down cells
            for index, heading, key in columns:
                text = cell_text(row[index] if index < len(row) else "")
                if key in carry_down:
                    if text:
                        carried[key] = (text, line)
                    elif key in carried:
                        above[key] = (heading, *carried[key])
                values[key] = (heading, text)
            reference = values.get(REFERENCE, ("", ""))[1]
            title = values.get("title", ("", ""))[1]
            result = RowResult(line, title)
            results.append(result)
            if not title:
                result.errors.append(CellError(values["title"][0], texts(N_("Der Titel fehlt."))))
            if reference and len(reference) > 40:
                result.errors.append(CellError(values[REFERENCE][0], texts(N_("Höchstens 40 Zeichen."))))
            elif reference and reference in seen_refs:
                result.errors.append(
                    CellError(
                        values[REFERENCE][0],
                        texts(
                            N_("Die Nummer %(ref)s steht schon in Zeile %(line)s."),
                            ref=reference,
                            line=seen_refs[reference],
                        ),
                    )
                )
            if reference:
                seen_refs.setdefault(reference, line)
            if result.errors:
                result.action = "error"
                continue
            try:
                measure = _measure_for(db, layout, reference, title, author_id)
            except NumberTaken:
                result.errors.append(
                    CellError(
                        values[REFERENCE][0],
                        texts(
                            N_(
                                "Die Nummer %(ref)s ist schon vergeben; bitte eine andere angeben oder die Zelle leer lassen."
                            ),
                            ref=reference,
                        ),
                    )
                )
                result.action = "error"
                continue
            twin = measure if not reference else (None if measure is not None else _twin(db, layout, title, may_write))
            if twin is not None and (measure is None or may_write(measure)):
                result.twin_id, result.twin_title = twin.id, twin.title
                result.choice = choices.get(line) or ("update" if measure is not None else "new")
                measure = twin if result.choice == "update" else None
            if measure is not None and measure.record_template != layout.record_template:
                result.errors.append(
                    CellError(
                        values[REFERENCE][0],
                        texts(
                            N_(
                                "Die Nummer %(ref)s gehört zur Maßnahme „%(title)s“ mit einer anderen Steckbrief-Vorlage."
                            ),
                            ref=reference,
                            title=measure.title,
                        ),
                    )
                )
                result.action = "error"
                continue
            if measure is not None and not may_write(measure):
                result.errors.append(
                    CellError(
                        values.get(REFERENCE, values["title"])[0],
                        texts(N_("Die Maßnahme „%(title)s“ dürfen Sie nicht ändern."), title=measure.title),
                    )
                )
                result.action = "error"
                continue
            if measure is None:
                measure = Measure(
                    title=title[:300], reference_number=reference or None, record_template=layout.record_template
                )
                db.add(measure)
                db.flush()
                policy.add_member(db, measure.id, author_id)  # whoever imports a new measure owns it
                result.action = "new"
            result.measure_id = measure.id
            current = record_ops.current_values(db, measure)
            for key, (heading, text, from_line) in above.items():
                if result.action == "new" or current[key].value:
                    values[key] = (heading, text)
                    result.inherited.append((heading, from_line))
            for key, (heading, text) in values.items():
                field_ = template.field(key)
                if key == REFERENCE or field_ is None or field_.type == "status":
                    continue  # the number identifies the row; the status only moves through its flow
                if text == current[key].value:
                    continue  # as shown already (also the title a new measure row carries)
                try:  # refused before anything is written (type check, lock); the whole import rolls back anyway
                    written = record_ops.edit_by_hand(db, measure, key, text, author_id, source_kind=SOURCE_KIND)
                except RecordRefused as error:
                    result.errors.append(CellError(heading, error.texts))
                    continue
                if written is not None and result.action != "new":
                    result.changed.append(heading)
            if result.errors:
                result.action = "error"
                continue
            if result.changed:
                result.action = "changed"
            # The plan's milestone and indicator lines start its monitoring (once; issue 31).
            record_ops.seed_monitoring_from_lists(db, measure, author_id, SOURCE_KIND)
        outcome = ImportResult(layout.key, results, numbering=numbering, numbering_as_reference=take_numbers)
        if apply and outcome.ok:
            db.commit()  # one transaction: every row or none
            outcome.applied = True
        else:
            db.rollback()
        return outcome
    except BaseException:
        db.rollback()
        raise
