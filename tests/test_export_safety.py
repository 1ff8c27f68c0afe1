"""Exports that a record's text cannot break or turn into a weapon (issue 29, findings 3, 7, 9):

- a control character (U+000B …) typed in the record form, co-drafted or imported is not stored,
  and one that is stored already (an older version let it in) does not break XLSX or DOCX;
- a DOCX whose title is longer than Word's 255-character document property is still written;
- a CSV cell a spreadsheet would run as a formula is neutralised also behind TAB, CR or a
  full-width sign (OWASP, CSV injection).

In-process: the app over a migrated SQLite file, pages and files by Flask's test client."""

from __future__ import annotations

import csv
import io
import re
import zipfile

import pytest
from docx import Document
from openpyxl import load_workbook

from workshop.access.policy import add_member
from workshop.accounts.service import create_facilitator
from workshop.agenda.create import create_session
from workshop.app import create_app
from workshop.measures import record as record_ops
from workshop.measures.models import Measure, RecordRevision
from workshop.migrate import upgrade
from workshop.register.importing import run_import
from workshop.register.tables import write_csv

PASSWORD = "exports-password-1"
VT = "\x0b"  # vertical tab: pasted from Word, refused by XML (XLSX, DOCX)


class World:
    def __init__(self, tmp_path):
        url = f"sqlite:///{tmp_path / 'exports.db'}"
        upgrade(url)
        self.app = create_app({"DATABASE_URL": url, "SOCKETIO_ASYNC_MODE": "threading", "SECRET_KEY": "x" * 40})
        self.sessions = self.app.extensions["workshop.db"].session_factory
        with self.sessions() as db:
            self.fid = create_facilitator(db, "exports@example.org", "Ex Port", PASSWORD).id
            measure = Measure(title="Sitzbänke", reference_number="2026-1")
            db.add(measure)
            db.flush()
            add_member(db, measure.id, self.fid)
            self.mid = measure.id
            db.commit()

    def client(self):
        client = self.app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"csrf_token": token, "email": "exports@example.org", "password": PASSWORD})
        client.token = token
        return client

    def value(self, key: str, mid: int | None = None) -> str:
        with self.sessions() as db:
            return record_ops.current_values(db, db.get(Measure, mid or self.mid))[key].value

    def stored_raw(self, key: str, text: str) -> None:
        """A revision as an older version stored it: straight into the table."""
        with self.sessions() as db:
            db.add(
                RecordRevision(
                    measure_id=self.mid,
                    field_key=key,
                    value=text,
                    lines=[{"text": text, "source": None}],
                    source_kind="manual",
                )
            )
            db.commit()


@pytest.fixture
def world(tmp_path):
    return World(tmp_path)


def _exports_work(client, mid: int) -> None:
    for path in ("/register/export.xlsx", "/register/export.csv", f"/measures/{mid}/record.docx"):
        answer = client.get(path)
        assert answer.status_code == 200, f"{path}: {answer.status_code}"


def test_a_control_character_typed_in_the_record_form_is_not_stored(world):
    client = world.client()
    answer = client.post(
        f"/measures/{world.mid}/fields",
        data={
            "csrf_token": client.token,
            "field_key": "short_description",
            "value": f"Bänke{VT}am Markt\nim\tSchatten",
        },
    )
    assert answer.status_code == 303
    assert world.value("short_description") == "Bänkeam Markt\nim\tSchatten", "tab and newline stay, U+000B goes"
    _exports_work(client, world.mid)


def test_a_control_character_in_an_imported_cell_is_not_stored(world):
    table = f"Titel der Maßnahme;Kurzbeschreibung\r\nImportiert{VT}e Maßnahme;Zeile{VT}eins\x01\r\n".encode()
    with world.app.app_context(), world.sessions() as db:
        result = run_import(db, "table.csv", table, world.fid, apply=True)
    assert result.applied, [row.errors for row in result.rows]
    mid = result.rows[0].measure_id
    assert world.value("short_description", mid) == "Zeileeins"
    with world.sessions() as db:
        assert db.get(Measure, mid).title == "Importierte Maßnahme"
    _exports_work(world.client(), mid)


def test_a_control_character_co_drafted_is_not_stored(world):
    """Co-drafting writes through record.set_field like every other change (drafting/record_sync.py)."""
    with world.sessions() as db:
        measure = db.get(Measure, world.mid)
        lines = record_ops.lines_keeping_sources(db, measure, "objectives", f"Ziel{VT}eins\nZiel\x1fzwei")
        record_ops.set_field(db, measure, "objectives", lines, source_kind="draft", author_id=world.fid)
        db.commit()
    assert world.value("objectives") == "Zieleins\nZielzwei"


def test_exports_survive_control_characters_stored_by_an_older_version(world):
    world.stored_raw("short_description", f"Alt{VT}e Daten\x07")
    with world.sessions() as db:
        fid = world.fid
        ws = create_session(db, measure_id=world.mid, facilitator_id=fid, template_key="framing")
        ws.title = f"Sitzung{VT}mit Steuerzeichen"
        db.commit()
        sid = ws.id
    client = world.client()
    _exports_work(client, world.mid)
    book = load_workbook(io.BytesIO(client.get("/register/export.xlsx").data))
    assert "Alte Daten" in [cell.value for cell in book.active[2]]
    text = "\n".join(
        p.text for p in Document(io.BytesIO(client.get(f"/measures/{world.mid}/record.docx").data)).paragraphs
    )
    assert VT not in text
    assert client.get(f"/sessions/{sid}/protocol.docx").status_code == 200


def test_a_docx_title_longer_than_255_characters_is_written(world):
    long_title = "Sehr lange Maßnahme " * 15  # 300 characters, as the forms allow
    with world.sessions() as db:
        measure = db.get(Measure, world.mid)
        record_ops.edit_by_hand(db, measure, "title", long_title.strip(), world.fid)
        ws = create_session(db, measure_id=world.mid, facilitator_id=world.fid, template_key="framing")
        ws.title = long_title.strip()
        db.commit()
        sid = ws.id
    client = world.client()
    for path in (f"/measures/{world.mid}/record.docx", f"/sessions/{sid}/protocol.docx"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        document = Document(io.BytesIO(answer.data))
        assert len(document.core_properties.title) <= 255
        assert document.core_properties.title.endswith("…")
        assert long_title.strip() in "\n".join(p.text for p in document.paragraphs), "the body keeps the whole title"
        with zipfile.ZipFile(io.BytesIO(answer.data)) as docx:
            assert "word/document.xml" in docx.namelist()


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
