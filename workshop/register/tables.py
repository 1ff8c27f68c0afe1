"""Register tables: writing CSV and XLSX (openpyxl), and a cell's text as the record's lines.

Reading an upload (TSV — the Aachen original —, CSV, XLSX) is register/reading.py, bounded and in
a worker process. HTML inside a cell (the Aachen table keeps <ul>/<p> lists there) becomes one
line per list item or paragraph."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from workshop.measures.messages import RecordRefused
from workshop.validation import strip_controls

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
