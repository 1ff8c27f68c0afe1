"""Exports that a record's text cannot turn into a weapon (issue 29, finding 9): a CSV cell a
spreadsheet would run as a formula is neutralised also behind TAB, CR or white space, and in its
full-width form (OWASP, CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest

from workshop.register.tables import write_csv


@pytest.mark.parametrize(
    "cell",
    [
        "=1+1",
        "+1",
        "-1+1",
        "@SUM(A1)",
        "\t=1+1",
        "\r=2+2",
        "\n=3+3",
        " =4+4",
        "＝1+1",
        "＋1",
        "－1",
        "＠A1",
        "\t",
        "\r",
    ],
)
def test_csv_cells_that_would_run_as_formulas_are_neutralised(cell):
    rows = _csv_rows([cell])
    assert rows[1][0] == "'" + cell, f"{cell!r} is written as it is"


def test_plain_csv_cells_stay_as_they_are():
    cells = ["12.500 €", "Text – mit Strich", "Zeile\nzwei", ""]
    assert [row[0] for row in _csv_rows(cells)[1:]] == cells


def _csv_rows(cells: list[str]) -> list[list[str]]:
    data = write_csv(["Wert"], [[cell] for cell in cells]).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data, newline=""), delimiter=";"))
