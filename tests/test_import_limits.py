"""Bounded import reading (issue 28): what froze every room of a process is refused, or read in
bounded time and memory, in a worker process, with the limit named in German and English; nothing
is imported. In-process over a migrated SQLite file (the reading itself runs in a job worker)."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from tests.test_register import World
from workshop.register.reading import MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS


@pytest.fixture
def world(tmp_path):
    return World(tmp_path)


def _xlsx_with_merge(rows, merge_ref: str) -> bytes:
    """A small workbook whose sheet XML names one merged range (as a hostile file would: the
    range is only a line of XML, whatever it spans)."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as patched:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(
                    rb"</sheetData>",
                    f'</sheetData><mergeCells count="1"><mergeCell ref="{merge_ref}"/></mergeCells>'.encode(),
                    data,
                )
            patched.writestr(item, data)
    return target.getvalue()


def test_a_merged_range_far_beyond_the_rows_is_read_without_expanding_it(world):
    """Failed before: openpyxl created all 380,000 cells of B2:T20000 at load (8 s on the loop),
    then the row check refused the table; now the range counts only for the rows that are there."""
    data = _xlsx_with_merge(
        [
            ["Nr.", "Aktionsfeld", "Arbeitstitel des Vorhabens"],
            ["1", "Aktionsfeld A", "Erstes"],
            ["2", None, "Zweites"],
        ],
        "B2:B20000",
    )
    assert len(data) < 10_000
    result = world.run(data, filename="plan.xlsx", apply=False)
    assert [row.title for row in result.rows] == ["Erstes", "Zweites"] and result.ok


def test_a_merged_range_over_the_whole_sheet_is_refused_naming_the_limit(world):
    """Before: A1:XFD1048576 never finished (17 billion cells)."""
    data = _xlsx_with_merge([["Nr.", "Arbeitstitel des Vorhabens"], ["1", "Erstes"]], "A1:XFD1048576")
    error = world.refused(data, "ganz.xlsx")
    assert f"mehr als {MAX_COLUMNS} Spalten" in error.text("de") and f"more than {MAX_COLUMNS} columns" in error.text(
        "en"
    )
    assert world.measures() == 0


def test_a_csv_header_of_100k_cells_is_refused_naming_the_limit(world):
    """Failed before: the header was matched cell by cell against every layout (7 s on the loop),
    and the refusal said nothing about columns."""
    data = (";".join(f"Spalte {n}" for n in range(100_000)) + "\n1;2\n").encode()
    error = world.refused(data, "breit.csv")
    assert f"Zeile 1 hat mehr als {MAX_COLUMNS} Spalten" in error.text("de")
    assert f"Row 1 has more than {MAX_COLUMNS} columns" in error.text("en")


def test_a_long_cell_and_a_huge_csv_field_are_refused_naming_the_limit(world):
    long_cell = f"Nr.;Arbeitstitel des Vorhabens\n1;{'x' * (MAX_CELL_CHARS + 1)}\n".encode()
    assert f"mehr als {MAX_CELL_CHARS} Zeichen" in world.refused(long_cell, "lang.csv").text("de")
    # Before: a field over csv's own 131,072 limit was an unhandled csv.Error (a 500).
    huge = f'Nr.;Arbeitstitel des Vorhabens\n1;"{"y" * 200_000}"\n'.encode()
    assert f"more than {MAX_CELL_CHARS} characters" in world.refused(huge, "riesig.csv").text("en")
    assert world.measures() == 0


def test_rows_beyond_the_limit_are_refused_while_reading(world):
    book = Workbook()
    book.active.append(["Nr.", "Arbeitstitel des Vorhabens"])
    for n in range(MAX_ROWS + 100):
        book.active.append([str(n), f"Vorhaben {n}"])
    out = io.BytesIO()
    book.save(out)
    error = world.refused(out.getvalue(), "lang.xlsx")
    assert f"mehr als {MAX_ROWS} Zeilen" in error.text("de") and world.measures() == 0


def test_a_zip_bomb_is_refused_before_it_is_unpacked(world):
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bomb:
        bomb.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (80 * 1024 * 1024) + b"</a>")
    assert len(target.getvalue()) < 1024 * 1024
    error = world.refused(target.getvalue(), "bombe.xlsx")
    assert "entpackt größer als 60 MB" in error.text("de")
