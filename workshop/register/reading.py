"""Reading an uploaded register table — bounded while it reads, in a worker process.

Every limit is checked as the file is read, never after: an XLSX is streamed row by row
(openpyxl's read-only mode) and its merged ranges are read from the sheet's XML without
expanding them (a range over a whole sheet costs one line); reading stops at the row after the
limit; CSV fields, header cells, columns, cells and each cell's length are capped. A refusal names
the limit in German and English (TableRefused). `read_table` runs as a job (workshop/jobs): the
web process only hands over the bytes and gets rows back, so not even a file that hits a limit
late costs the rooms of the process anything.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from workshop import jobs
from workshop.i18n import N_
from workshop.register.tables import TableRefused

MAX_IMPORT_BYTES = 5 * 1024 * 1024  # the upload (checked before the body is read, register/views.py)
MAX_ROWS = 2000  # rows under the header
HEADER_SEARCH_ROWS = 60  # the header is looked for in this many rows (the Aachen table has a preamble)
MAX_READ_ROWS = MAX_ROWS + HEADER_SEARCH_ROWS
MAX_COLUMNS = 50  # the Berlin measure sheet has 30 fields
MAX_CELLS = 50_000  # non-empty cells in all
MAX_CELL_CHARS = 20_000  # as the record form allows for one field
MAX_MERGED_RANGES = 5_000
MAX_XML_BYTES = 60 * 1024 * 1024  # an XLSX part unpacked (a zip of 5 MB can hold gigabytes of XML)
READ_SECONDS = 20.0  # the worker is cut off after this

_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?\"")


@dataclass
class Table:
    rows: list[list[str]]
    tab_separated: bool = False  # the Aachen original's shape: text with tabs
    merged: set[tuple[int, int]] = field(default_factory=set)  # (row, col) filled from a merged range (0-based)


def _too_many_rows() -> TableRefused:
    return TableRefused(N_("Die Tabelle hat mehr als %(max)s Zeilen."), max=MAX_ROWS)


class _Counter:
    """Columns, cells and cell length of each row as it arrives."""

    def __init__(self):
        self.rows = 0
        self.cells = 0

    def take(self, row: list[str]) -> list[str]:
        self.rows += 1
        if self.rows > MAX_READ_ROWS:
            raise _too_many_rows()
        while row and not row[-1].strip():
            row.pop()  # trailing empty cells (spreadsheets pad rows) do not count
        if len(row) > MAX_COLUMNS:
            raise TableRefused(N_("Zeile %(line)s hat mehr als %(max)s Spalten."), line=self.rows, max=MAX_COLUMNS)
        for column, cell in enumerate(row):
            if len(cell) > MAX_CELL_CHARS:
                raise TableRefused(
                    N_("Zeile %(line)s, Spalte %(column)s: mehr als %(max)s Zeichen in einer Zelle."),
                    line=self.rows,
                    column=column + 1,
                    max=MAX_CELL_CHARS,
                )
            if cell:
                self.cells += 1
        if self.cells > MAX_CELLS:
            raise TableRefused(N_("Die Tabelle hat mehr als %(max)s gefüllte Zellen."), max=MAX_CELLS)
        return row


def _not_a_table() -> TableRefused:
    return TableRefused(N_("Die Datei ist weder eine Tabelle (XLSX) noch Text in UTF-8 (CSV/TSV)."))


def _text_rows(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _not_a_table() from None
    if "\x00" in text:
        raise _not_a_table()
    counter = _Counter()
    if "\t" in text[:200_000]:  # the Aachen original: tab-separated, quotes are part of the HTML
        rows = []
        for line in io.StringIO(text):
            rows.append(counter.take(line.rstrip("\r\n").split("\t", MAX_COLUMNS + 1)))
        return Table(rows, tab_separated=True)
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    rows = []
    csv.field_size_limit(MAX_CELL_CHARS)  # a worker process of its own: the global setting is ours
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for row in reader:
            rows.append(counter.take(row))
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise TableRefused(
                N_("Zeile %(line)s: mehr als %(max)s Zeichen in einer Zelle."),
                line=reader.line_num,
                max=MAX_CELL_CHARS,
            ) from None
        raise TableRefused(N_("Die CSV-Datei ist nicht lesbar (Zeile %(line)s)."), line=reader.line_num) from None
    return Table(rows)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col), 0-based, clipped to what is read at all. The sheet's
    XML is scanned in chunks for <mergeCell ref="…"/>; nothing is expanded."""
    ranges: list[tuple[int, int, int, int]] = []
    tail = b""
    with archive.open(path) as source:
        while chunk := source.read(1 << 20):
            data = tail + chunk
            end = 0
            for match in _MERGE.finditer(data):
                end = match.end()
                col1, row1, col2, row2 = match.groups()
                first_row, first_col = int(row1) - 1, _column_number(col1) - 1
                last_row = int(row2) - 1 if row2 else first_row
                last_col = _column_number(col2) - 1 if col2 else first_col
                if first_row >= MAX_READ_ROWS or first_col >= MAX_COLUMNS:
                    continue
                ranges.append((first_row, first_col, min(last_row, MAX_READ_ROWS), min(last_col, MAX_COLUMNS)))
                if len(ranges) > MAX_MERGED_RANGES:
                    raise TableRefused(
                        N_("Die Tabelle hat mehr als %(max)s verbundene Zellbereiche."), max=MAX_MERGED_RANGES
                    )
            tail = data[max(end, len(data) - 200) :]
    return ranges


def _xlsx_rows(data: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    unreadable = TableRefused(N_("Die Datei ist keine lesbare XLSX-Tabelle."))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        for member in archive.infolist():
            if member.file_size > MAX_XML_BYTES:
                raise TableRefused(
                    N_("Ein Teil der XLSX-Datei ist entpackt größer als %(max)s MB."),
                    max=MAX_XML_BYTES // (1024 * 1024),
                )
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except TableRefused:
        raise
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise unreadable from None
    try:
        sheet = book.worksheets[0]
        ranges = _merged_ranges(archive, sheet._worksheet_path)
    except (IndexError, AttributeError, KeyError, zipfile.BadZipFile):
        raise unreadable from None
    # A merged cell (the Aachen table merges the action field over its projects) counts for every
    # row it spans; the file holds its value only in the first cell.
    by_column: dict[int, list[tuple[int, int, int, int]]] = {}
    for merged in ranges:
        for column in range(merged[1], merged[3] + 1):
            by_column.setdefault(column, []).append(merged)
    firsts: dict[tuple[int, int], str] = {}
    wanted = {(r[0], r[1]) for r in ranges}
    counter = _Counter()
    rows: list[list[str]] = []
    filled: set[tuple[int, int]] = set()
    try:
        for number, values in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True)):
            row = ["" if value is None else str(value) for value in values]
            for column, text in enumerate(row):
                if (number, column) in wanted:
                    firsts[(number, column)] = text
            for column in by_column:
                if column < len(row) and row[column]:
                    continue
                for first_row, first_col, last_row, _last_col in by_column[column]:
                    if first_row <= number <= last_row and (first_row, first_col) != (number, column):
                        value = firsts.get((first_row, first_col), "")
                        if value:
                            row.extend([""] * (column + 1 - len(row)))
                            row[column] = value
                            filled.add((number, column))
                        break
            rows.append(counter.take(row))
    except TableRefused:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError):
        raise unreadable from None
    finally:
        book.close()
    return Table(rows, merged=filled)


@jobs.task(seconds=READ_SECONDS, memory_mb=1024)
def read_table(filename: str, data: bytes) -> Table:
    """The rows of the file (the first sheet of an XLSX); TableRefused when it is not a table or
    goes beyond a limit."""
    if len(data) > MAX_IMPORT_BYTES:
        raise TableRefused(N_("Die Datei ist größer als %(max)s MB."), max=MAX_IMPORT_BYTES // (1024 * 1024))
    if not data.strip():
        raise TableRefused(N_("Die Datei ist leer."))
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        return _xlsx_rows(data)
    return _text_rows(data)
