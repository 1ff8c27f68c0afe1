"""Register tables: writing CSV and XLSX (openpyxl), and a cell's text as the record's lines.

Reading an upload (TSV — the Aachen original —, CSV, XLSX) is register/reading.py, bounded and in
a worker process. HTML inside a cell (the Aachen table keeps <ul>/<p> lists there) becomes one
line per list item or paragraph."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

from openpyxl import Workbook

from workshop.measures.messages import RecordRefused

# A cell a spreadsheet would run as a formula (CSV injection); exported with a leading apostrophe.
_FORMULA_START = ("=", "+", "-", "@")


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
    text = str(raw).replace("\r\n", "\n").strip()
    if text.startswith("'") and text[1:2] in _FORMULA_START:
        text = text[1:]
    if "<" in text and ">" in text:
        parser = _Lines()
        parser.feed(text)
        parser.close()
        parser._break()
        return "\n".join(parser.lines)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _safe(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


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
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            cell.data_type = "s"  # never a formula, whatever the text starts with
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
