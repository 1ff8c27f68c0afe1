"""The register: import of the Aachen action plan (seed 002), XLSX/CSV round trips that change
nothing, broken files refused with a clear reason and nothing half-imported, the register page
with its filters, and the JSON export of one measure. In-process over a migrated SQLite file."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from tests.conftest import migrated_sqlite
from workshop.access.policy import add_member
from workshop.accounts.service import create_facilitator
from workshop.app import create_app
from workshop.measures import record as record_ops
from workshop.measures.models import Measure, RecordRevision
from workshop.register import exporting
from workshop.register.importing import run_import
from workshop.register.layouts import layouts
from workshop.register.tables import TableRefused

FIXTURE = Path(__file__).parent / "fixtures" / "aachen_aktionsplan.txt"
PASSWORD = "register-password-1"


class World:
    def __init__(self, tmp_path, url=None):
        url = url or migrated_sqlite(tmp_path / "register.db")
        self.app = create_app({"DATABASE_URL": url, "SOCKETIO_ASYNC_MODE": "threading", "SECRET_KEY": "x" * 40})
        self.sessions = self.app.extensions["workshop.db"].session_factory
        with self.sessions() as db:
            self.fid = create_facilitator(db, "register@example.org", "Rea Register", PASSWORD).id
            db.commit()

    def run(self, data: bytes, filename="table.txt", apply=True, **kw):
        with self.app.app_context(), self.sessions() as db:
            return run_import(db, filename, data, self.fid, apply=apply, **kw)

    def refused(self, data: bytes, filename="table.txt") -> TableRefused:
        with pytest.raises(TableRefused) as caught:
            self.run(data, filename)
        return caught.value

    def revisions(self) -> int:
        with self.sessions() as db:
            return db.scalar(select(func.count(RecordRevision.id)))

    def measures(self) -> int:
        with self.sessions() as db:
            return db.scalar(select(func.count(Measure.id)))

    def values(self, reference: str = "", title: str = "") -> dict[str, str]:
        with self.sessions() as db:
            by = Measure.reference_number == reference if reference else Measure.title.startswith(title)
            measure = db.scalar(select(Measure).where(by))
            return {k: v.value for k, v in record_ops.current_values(db, measure).items()}

    def export(self, layout: str, fmt: str) -> bytes:
        with self.app.app_context(), self.sessions() as db:
            measures = db.scalars(select(Measure).order_by(Measure.id)).all()
            return exporting.export_table(db, layouts()[layout], measures, fmt)

    def client(self):
        client = self.app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/login", data={"csrf_token": token, "email": "register@example.org", "password": PASSWORD})
        return client, token


@pytest.fixture
def world(tmp_path):
    return World(tmp_path)


def test_aachen_table_imports_with_lists_as_lines_and_again_changes_nothing(world):
    data = FIXTURE.read_bytes()
    preview = world.run(data, apply=False)
    assert [row.action for row in preview.rows] == ["new"] * 4 and preview.layout == "aachen"
    assert world.measures() == 0, "the preview wrote nothing"

    first = world.run(data)
    assert first.applied and first.counts()["new"] == 4
    two = world.values(title="Standardisierung und Professionalisierung")
    assert two["title"].startswith("Standardisierung und Professionalisierung")
    # the empty action field of row 2 is the merged cell of row 1
    assert two["action_field"] == "Aktionsfeld A Umgang mit Zivilgesellschaft"
    # <p> and <ul> in a cell: one line per paragraph or list
    ideas = two["implementation_ideas"].split("\n")
    assert ideas[0].startswith("Teilvorhaben 1: Prüfung / Aufbau") and len(ideas) >= 4
    assert not any("<" in line for line in ideas)
    with world.sessions() as db:
        kinds = set(db.scalars(select(RecordRevision.source_kind)))
        assert kinds == {"import"}
        assert {m.record_template for m in db.scalars(select(Measure))} == {"aachen"}

    before = world.revisions()
    again = world.run(data)
    assert again.counts() == {"new": 0, "changed": 0, "unchanged": 4, "error": 0}
    assert world.revisions() == before and world.measures() == 4


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(world, fmt):
    world.run(FIXTURE.read_bytes())
    with world.sessions() as db:  # a Berlin measure too, with a date and money
        berlin = Measure(title="Anlaufstelle Prozessbegleitung", reference_number="2022-14222")
        db.add(berlin)
        db.flush()
        add_member(db, berlin.id, world.fid)  # its owner (access): the register shows the team's measures
        record_ops.edit_by_hand(db, berlin, "short_description", "=Zeile eins\n- Zeile zwei", world.fid)
        record_ops.edit_by_hand(db, berlin, "finances", "12.500 € Personalmittel", world.fid)
        # an Aachen project without an action field, after one with: its cell must stay empty
        without = Measure(title="Ohne Aktionsfeld", reference_number="9", record_template="aachen")
        db.add(without)
        db.flush()
        add_member(db, without.id, world.fid)
        db.commit()
    before = world.revisions()
    for layout in ("aachen", "berlin"):
        exported = world.export(layout, fmt)
        result = world.run(exported, filename=f"export.{fmt}")
        assert result.ok and result.layout == layout, [(r.line, r.errors) for r in result.rows]
        assert all(row.action == "unchanged" for row in result.rows), [
            (r.line, r.action, r.changed) for r in result.rows
        ]
    assert world.revisions() == before
    assert world.values("2022-14222")["short_description"] == "=Zeile eins\n- Zeile zwei"
    if fmt == "xlsx":  # a cell starting with "=" is text, not a formula
        sheet = load_workbook(io.BytesIO(world.export("berlin", "xlsx"))).active
        assert any(
            cell.value == "=Zeile eins\n- Zeile zwei" and cell.data_type == "s"
            for row in sheet.iter_rows()
            for cell in row
        )


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_merged_cells_of_an_xlsx_count_for_every_row_they_span(world):
    book = Workbook()
    sheet = book.active
    sheet.append(["Nr.", "Aktionsfeld", "Arbeitstitel des Vorhabens"])
    sheet.append(["1", "Aktionsfeld A", "Erstes"])
    sheet.append(["2", None, "Zweites"])
    sheet.append(["3", "Aktionsfeld B", "Drittes"])
    sheet.merge_cells("B2:B3")
    out = io.BytesIO()
    book.save(out)
    assert world.run(out.getvalue(), filename="plan.xlsx").applied
    assert world.values(title="Zweites")["action_field"] == "Aktionsfeld A"
    assert world.values(title="Drittes")["action_field"] == "Aktionsfeld B"


def test_bad_cells_are_named_and_nothing_is_half_imported(world):
    heading = [c.heading for c in layouts()["aachen"].columns]
    good = {"Referenznummer": "A-1", "Arbeitstitel des Vorhabens": "Gutes Vorhaben"}
    bad_date = {"Referenznummer": "A-2", "Arbeitstitel des Vorhabens": "Mit Datum", "Beginn": "nächsten Dienstag"}
    bad_money = {"Referenznummer": "A-3", "Arbeitstitel des Vorhabens": "Mit Geld", "Kosten und Finanzierung": "viel"}
    no_title = {"Referenznummer": "A-4"}
    rows = [heading] + [[r.get(h, "") for h in heading] for r in (good, bad_date, bad_money, no_title)]
    result = world.run(_xlsx(rows), filename="x.xlsx")
    assert not result.applied and world.measures() == 0 and world.revisions() == 0
    actions = {row.line: row.action for row in result.rows}
    assert actions == {2: "new", 3: "error", 4: "error", 5: "error"}
    errors = {row.line: [(e.column, e.texts["de"], e.texts["en"]) for e in row.errors] for row in result.rows}
    assert errors[3][0][0] == "Beginn" and "kein Datum" in errors[3][0][1] and "date" in errors[3][0][2].lower()
    assert errors[4][0][0] == "Kosten und Finanzierung" and "Euro" in errors[4][0][1]
    assert errors[5][0][0] == "Arbeitstitel des Vorhabens"


def test_broken_files_are_refused_with_the_reason(world):
    assert "Spalte" in world.refused(
        _xlsx([["Nr.", "Arbeitstitel des Vorhabens", "Lieblingsfarbe"], ["1", "X", "rot"]]), "x.xlsx"
    ).text("de")
    assert "Kopfzeile" in world.refused(_xlsx([["a", "b"], ["1", "2"]]), "x.xlsx").text("de")
    assert "MB" in world.refused(b"a\tb\n" * (6 * 1024 * 1024 // 4)).text("de")
    assert "XLSX" in world.refused(b"PK\x03\x04 not really a zip", "x.xlsx").text("de")
    assert "UTF-8" in world.refused(bytes(range(256)) * 10, "bild.png").text("de")
    assert "leer" in world.refused(b"", "x.csv").text("de")
    assert world.refused(b"", "x.csv").text("en") != world.refused(b"", "x.csv").text("de")
    assert world.measures() == 0


def test_register_page_filters_exports_and_imports_through_the_preview(world):
    client, token = world.client()
    preview = client.post(
        "/register/import",
        data={"csrf_token": token, "file": (io.BytesIO(FIXTURE.read_bytes()), "aachen.txt")},
        content_type="multipart/form-data",
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "wird neu angelegt" in page and world.measures() == 0
    upload = re.search(r'name="token" value="([^"]+)"', page).group(1)
    applied = client.post(
        "/register/import", data={"csrf_token": token, "token": upload, "filename": "aachen.txt", "action": "apply"}
    )
    assert applied.status_code == 303 and world.measures() == 4

    listed = client.get("/register?template=aachen&q=Initiativen").get_data(as_text=True)
    assert "Initiativen einbinden" in listed and "Standardisierung" not in listed
    assert "Übergeordnete Zielsetzung" in listed  # the template's fields are columns
    assert "Initiativen einbinden" not in client.get("/register?status=mandated").get_data(as_text=True)

    csv_file = client.get("/register/export.csv?layout=aachen")
    assert csv_file.status_code == 200 and csv_file.data.startswith("\ufeffReferenznummer;Aktionsfeld".encode())
    xlsx_file = client.get("/register/export.xlsx?layout=aachen")
    assert load_workbook(io.BytesIO(xlsx_file.data)).active.max_row == 5

    with world.sessions() as db:
        mid = db.scalar(select(Measure.id).where(Measure.title == "Initiativen einbinden"))
    whole = json.loads(client.get(f"/register/measures/{mid}.json").data)
    assert whole["title"] == "Initiativen einbinden" and whole["revisions"]
    assert {r["source_kind"] for r in whole["revisions"]} == {"import"}


def test_register_needs_a_login(world):
    client = world.app.test_client()
    for path in ("/register", "/register/export.csv", "/register/import", "/register/measures/1.json"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert client.post("/register/import").status_code in (302, 400)


def test_practice_measures_are_left_out_unless_asked_for(world):
    from workshop.agenda.create import create_session

    with world.sessions() as db:
        real = Measure(title="Echte Maßnahme")
        practice = Measure(title="Übungsmaßnahme Train-the-Trainer", is_exercise=True)
        db.add_all([real, practice])
        db.flush()
        add_member(db, real.id, world.fid)
        add_member(db, practice.id, world.fid)
        create_session(db, measure_id=practice.id, facilitator_id=world.fid, template_key="framing", mode="exercise")
        create_session(db, measure_id=real.id, facilitator_id=world.fid, template_key="framing", mode="exercise")
        create_session(db, measure_id=real.id, facilitator_id=world.fid, template_key="framing")
        db.commit()
    client, _token = world.client()
    page = client.get("/register").get_data(as_text=True)
    assert "Echte Maßnahme" in page and "Übungsmaßnahme Train-the-Trainer" not in page
    assert "Übungsmaßnahme Train-the-Trainer" in client.get("/register?practice=1").get_data(as_text=True)


def test_a_row_for_a_measure_one_may_not_write_is_refused(world):
    world.run(FIXTURE.read_bytes())
    changed = FIXTURE.read_bytes().replace(b"Diskurs- und Stimmungs", b"Diskurs und Stimmungs")
    result = world.run(changed, may_write=lambda measure: measure.title != "Initiativen einbinden")
    assert not result.applied and [row.action for row in result.rows][0] == "error"
    assert "nicht ändern" in result.rows[0].errors[0].texts["de"]
    assert world.values(title="Initiativen einbinden")["title"] == "Initiativen einbinden"


def test_import_and_round_trip_on_postgresql(tmp_path, postgres_url):
    world = World(tmp_path, postgres_url)
    assert world.run(FIXTURE.read_bytes()).counts()["new"] == 4
    before = world.revisions()
    result = world.run(world.export("aachen", "xlsx"), filename="export.xlsx")
    assert result.counts() == {"new": 0, "changed": 0, "unchanged": 4, "error": 0}
    assert world.revisions() == before


def test_uploads_are_refused_above_the_limit_and_taken_below_it(world):
    client, token = world.client()
    ten_mb = io.BytesIO(b"Nr.\tArbeitstitel des Vorhabens\n" + b"1\tx\n" * (10 * 1024 * 1024 // 4))
    response = client.post(
        "/register/import",
        data={"csrf_token": token, "file": (ten_mb, "gross.txt")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "größer als 5 MB" in page and world.measures() == 0
    # 2 MB (more than the app-wide 1 MB request limit) is fine for an import
    rows = [["Nr.", "Arbeitstitel des Vorhabens", "Übergeordnete Zielsetzung"]]
    rows += [[str(n), f"Vorhaben {n}", "Z" * 2000] for n in range(1000)]
    two_mb = "\n".join("\t".join(row) for row in rows).encode()
    assert len(two_mb) > 1024 * 1024
    preview = client.post(
        "/register/import",
        data={"csrf_token": token, "file": (io.BytesIO(two_mb), "plan.txt")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200 and "1000 neu" in preview.get_data(as_text=True)


def test_the_aachen_import_fills_milestones_and_indicators(tmp_path):
    """Each line of 'Meilensteine / Erfolgsfaktoren' and 'Indikatoren der Zielerreichung' of the
    seed 002 table becomes a milestone or an indicator of its core project (a line longer than a
    title is cut at a word, the whole kept in the note); importing again adds none."""
    from workshop.measures import monitoring

    world = World(tmp_path)
    assert world.run(FIXTURE.read_bytes()).ok
    with world.sessions() as db:
        measures = db.scalars(select(Measure).order_by(Measure.id)).all()
        assert len(measures) >= 4  # how many rows are projects: the import's own rules
        for measure in measures:
            assert monitoring.milestones_of(db, measure.id) and monitoring.indicators_of(db, measure.id)
        fourth = measures[3]  # the table's no. 4 ("Nr." is a reference number only where the preview says so)
        [milestone] = monitoring.milestones_of(db, fourth.id)
        assert milestone.title.startswith("Damit sich die Abteilungen") and milestone.title.endswith("…")
        assert (
            len(milestone.title) <= 300
            and "Tätigkeitsbeschreibung für Koordinierungsstelle aufstellen" in milestone.note
        )
        assert milestone.status == "planned"
        assert [i.name for i in monitoring.indicators_of(db, fourth.id)][0].startswith("Weniger Abstimmungsschleifen")
        count = db.scalar(select(func.count(monitoring.Milestone.id)))
    world.run(FIXTURE.read_bytes())
    with world.sessions() as db:
        assert db.scalar(select(func.count(monitoring.Milestone.id))) == count
