"""Import that keeps the source's meaning (issue 30 point 5), on the full Aachen action plan (seed
002, tests/fixtures/aachen_aktionsplan_002.txt): continuation rows take the action field of the row
above as its merged cells mean, in every format; "Nr." (the table's running number) is no
reference number unless the person says so; a row with the title of an existing measure is shown
as a possible duplicate with the choice to update it. In-process through the register's code and
pages."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from tests.test_register import World
from workshop.measures import record as record_ops
from workshop.measures.models import Measure

SEED = Path(__file__).parent / "fixtures" / "aachen_aktionsplan_002.txt"
ACTION_FIELDS = {  # the seed's seven projects and the action field each belongs to
    "Initiativen einbinden": "A",
    "Standardisierung und Professionalisierung": "A",
    "Politisch vereinbarte": "B",
    "Formelle bereichsübergreifende": "C",
    "Umsetzungspläne und Priorisierungslisten": "C",
    "Prozess zur Auseinandersetzung": "C",
    "Ämterübergreifendes Agieren": "D",
}


@pytest.fixture
def world(tmp_path):
    return World(tmp_path)


def seed_rows() -> list[list[str]]:
    return [line.split("\t") for line in SEED.read_text(encoding="utf-8").splitlines()]


def as_xlsx(rows) -> bytes:  # as Excel saves the table: the empty cells stay empty, no merged range
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_csv(rows) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    return out.getvalue().encode("utf-8")


def action_fields(world) -> dict[str, tuple[str, str | None]]:
    with world.sessions() as db:
        out = {}
        for measure in db.scalars(select(Measure)):
            field = record_ops.current_values(db, measure)["action_field"].value
            prefix = next(p for p in ACTION_FIELDS if measure.title.startswith(p))
            out[prefix] = (field.removeprefix("Aktionsfeld ")[:1], measure.reference_number)
        return out


@pytest.mark.parametrize(("filename", "encode"), [("002.txt", None), ("002.xlsx", as_xlsx), ("002.csv", as_csv)])
def test_the_full_seed_table_keeps_its_action_fields(world, filename, encode):
    """Failed before for XLSX and CSV (the table as Excel saves it): rows 2, 5 and 6 got no action
    field, and "Nr." became the reference numbers 1…7."""
    data = SEED.read_bytes() if encode is None else encode(seed_rows())
    preview = world.run(data, filename=filename, apply=False)
    assert preview.ok and [r.action for r in preview.rows] == ["new"] * 7 and preview.numbering == "Nr."
    inherited = {r.title[:20]: r.inherited for r in preview.rows if r.inherited}
    assert inherited == {
        "Standardisierung und": [("Aktionsfeld", 12)],
        "Umsetzungspläne und ": [("Aktionsfeld", 15)],
        "Prozess zur Auseinan": [("Aktionsfeld", 15)],
    }
    assert world.run(data, filename=filename).applied
    assert action_fields(world) == {title: (field, None) for title, field in ACTION_FIELDS.items()}
    again = world.run(data, filename=filename)
    assert again.counts() == {"new": 0, "changed": 0, "unchanged": 7, "error": 0}
    assert all(row.choice == "update" for row in again.rows)  # matched by title, shown as such


def test_nr_becomes_the_reference_number_only_when_chosen(world):
    result = world.run(SEED.read_bytes(), numbering_as_reference=True)
    assert result.applied and result.numbering_as_reference
    assert sorted(ref for _field, ref in action_fields(world).values()) == [str(n) for n in range(1, 8)]


def test_an_existing_title_is_a_possible_duplicate_with_the_choice_to_update_it(world):
    rows = [
        ["Referenznummer", "Arbeitstitel des Vorhabens", "Übergeordnete Zielsetzung"],
        ["AC-1", "Initiativen einbinden", "Neu formuliert"],
    ]
    world.run(SEED.read_bytes())
    with world.sessions() as db:
        existing = db.scalar(select(Measure).where(Measure.title == "Initiativen einbinden"))
    preview = world.run(as_xlsx(rows), filename="neu.xlsx", apply=False)
    row = preview.rows[0]
    assert (row.twin_id, row.twin_title, row.choice, row.action) == (existing.id, "Initiativen einbinden", "new", "new")
    updated = world.run(as_xlsx(rows), filename="neu.xlsx", choices={2: "update"})
    assert updated.applied and updated.rows[0].action == "changed" and updated.rows[0].measure_id == existing.id
    assert world.values(title="Initiativen einbinden")["objective"] == "Neu formuliert"
    # without a number, a twin is updated by default; "new" makes a second measure of that title
    plain = [rows[0][1:], rows[1][1:]]
    twice = world.run(as_xlsx(plain), filename="plain.xlsx", choices={2: "new"})
    assert twice.applied and twice.rows[0].action == "new" and world.measures() == 8


def test_the_preview_page_offers_the_choices(world):
    world.run(SEED.read_bytes())
    client, token = world.client()
    page = client.post(
        "/register/import",
        data={"csrf_token": token, "file": (io.BytesIO(SEED.read_bytes()), "002.txt")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Mögliche Dublette: es gibt schon die Maßnahme „Initiativen einbinden“." in page
    assert 'name="row-12" value="new"' in page and 'name="numbering"' in page
    assert "„Aktionsfeld“ wie in Zeile 12 (verbundene Zelle)" in page
    upload = re.search(r'name="token" value="([^"]+)"', page).group(1)
    chosen = client.post(
        "/register/import",
        data={
            "csrf_token": token,
            "token": upload,
            "filename": "002.txt",
            "action": "preview",
            "numbering": "1",
            "row-12": "new",
        },
    ).get_data(as_text=True)
    assert re.search(r'name="numbering" value="1"\s+checked', chosen) and re.search(
        r'name="row-12" value="new" checked', chosen
    )
