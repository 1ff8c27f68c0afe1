"""Reading and writing register tables: TSV (the Aachen original), CSV and XLSX (openpyxl).

Reading gives a header and rows of plain strings; HTML inside a cell (the Aachen table keeps
<ul>/<p> lists there) becomes one line per list item or paragraph."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from html.parser import HTMLParser

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException

from workshop.i18n import N_
from workshop.measures.messages import RecordRefused
from workshop.validation import strip_controls

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
# A cell a spreadsheet would run as a formula (CSV injection): it starts, after any white space or
# control characters, with one of these (the full-width forms too: spreadsheets fold them), or
# with a TAB or CR itself. Exported with a leading apostrophe (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "＝", "＋", "－", "＠")
_LEADING_BLANK = re.compile(r"^[\s\x00-\x1f\x7f-\x9f]*")


class TableRefused(RecordRefused):
    """The file as a whole cannot be read; nothing was imported."""

    def __init__(self, msgid: str, **params):
        super().__init__("import_refused", msgid, **params)


_BLOCKS = {"p", "li", "br", "ul", "ol", "div", "tr"}


class _Lines(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []

    def _break(self):
        text = " ".join("".join(self.current).split())
        if text:
            self.lines.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS:
            self._break()

    def handle_endtag(self, tag):
        if tag in _BLOCKS:
            self._break()

    def handle_data(self, data):
        self.current.append(data)


def cell_text(raw) -> str:
    """A cell as the record's text: lines; HTML lists and paragraphs split into lines."""
    if raw is None:
        return ""
    text = strip_controls(str(raw).replace("\r\n", "\n"), keep="\n\t").strip()
    if text.startswith("'") and _runs_as_formula(text[1:]):
        text = text[1:]  # our own export's neutralised cell
    if "<" in text and ">" in text:
        parser = _Lines()
        parser.feed(text)
        parser.close()
        parser._break()
        return "\n".join(parser.lines)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _text_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableRefused(N_("Die Datei ist weder eine Tabelle (XLSX) noch Text in UTF-8 (CSV/TSV).")) from None
    if "\x00" in text:
        raise TableRefused(N_("Die Datei ist weder eine Tabelle (XLSX) noch Text in UTF-8 (CSV/TSV)."))
    lines = text.splitlines()
    sample = next((line for line in lines if line.count("\t") >= 1), None)
    if sample is not None:  # the Aachen original: tab-separated, quotes are part of the HTML
        return [line.split("\t") for line in lines]
    first = next((line for line in lines if line.strip()), "")
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_rows(data: bytes) -> list[list[str]]:
    try:
        book = load_workbook(io.BytesIO(data), data_only=True)  # not read_only: merged ranges are needed
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise TableRefused(N_("Die Datei ist keine lesbare XLSX-Tabelle.")) from None
    sheet = book.worksheets[0]
    # A merged cell (the Aachen table merges the action field over its projects) counts for every
    # row it spans; openpyxl leaves all but the first cell empty.
    for merged in list(sheet.merged_cells.ranges):
        value = sheet.cell(merged.min_row, merged.min_col).value
        sheet.unmerge_cells(str(merged))
        for row in range(merged.min_row, merged.max_row + 1):
            for col in range(merged.min_col, merged.max_col + 1):
                sheet.cell(row, col).value = value
    rows = []
    for number, row in enumerate(sheet.iter_rows(values_only=True)):
        if number > MAX_ROWS + 50:
            raise TableRefused(N_("Die Tabelle hat mehr als %(max)s Zeilen."), max=MAX_ROWS)
        rows.append(["" if value is None else str(value) for value in row])
    book.close()
    return rows


def is_tab_separated(filename: str, data: bytes) -> bool:
    """The Aachen original's shape: text with tabs (its merged cells are simply empty there)."""
    return not data.startswith(b"PK") and b"\t" in data[:200_000]


def read_table(filename: str, data: bytes) -> list[list[str]]:
    """All rows of the file (first sheet of an XLSX); TableRefused when it is not a table."""
    if len(data) > MAX_IMPORT_BYTES:
        raise TableRefused(N_("Die Datei ist größer als %(max)s MB."), max=MAX_IMPORT_BYTES // (1024 * 1024))
    if not data.strip():
        raise TableRefused(N_("Die Datei ist leer."))
    if data[:2] == b"PK" or filename.lower().endswith(".xlsx"):
        return _xlsx_rows(data)
    rows = _text_rows(data)
    if len(rows) > MAX_ROWS + 50:
        raise TableRefused(N_("Die Tabelle hat mehr als %(max)s Zeilen."), max=MAX_ROWS)
    return rows


def _runs_as_formula(text: str) -> bool:
    return text[:1] in ("\t", "\r") or _LEADING_BLANK.sub("", text).startswith(_FORMULA_START)


def _safe(text: str) -> str:
    return "'" + text if _runs_as_formula(text) else text


def write_csv(header: list[str], rows: list[list[str]]) -> bytes:
    """Semicolon-separated UTF-8 with BOM: what German Excel opens without asking."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_safe(cell) for cell in row] for row in rows])
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(header: list[str], rows: list[list[str]], title: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    # XML cannot hold most control characters; a record written by an older version may still
    # have one, and one cell must not cost the whole export.
    sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in header])
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row])
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s"  # never a formula, whatever the text starts with
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
