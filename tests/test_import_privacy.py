"""An import preview tells nobody about another team's measures (issue 29, finding 2).

A row is matched only against measures the importer may read; a measure of another team is,
for them, as if it did not exist: its title is never named, a row with its title is a new
measure of their own. Only a reference number cannot be taken twice (numbers are unique in
the installation): that row is refused as "already taken", without a word about whose.

In-process: the import over a migrated SQLite file, the preview page by Flask's test client."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from workshop.access import policy
from workshop.access.policy import OBSERVER, add_member
from workshop.accounts.service import create_facilitator
from workshop.app import create_app
from workshop.measures import record as record_ops
from workshop.measures.models import Measure
from workshop.migrate import upgrade
from workshop.register.importing import run_import

PASSWORD = "import-privacy-1"
SECRET_TITLE = "Geheimprojekt Nordhafen"


@pytest.fixture
def world(tmp_path):
    url = f"sqlite:///{tmp_path / 'import.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SOCKETIO_ASYNC_MODE": "threading", "SECRET_KEY": "x" * 40})
    sessions = app.extensions["workshop.db"].session_factory
    with sessions() as db:
        a = create_facilitator(db, "a@example.org", "Team A", PASSWORD).id
        b = create_facilitator(db, "b@example.org", "Team B", PASSWORD).id
        secret = Measure(title=SECRET_TITLE, reference_number="2026-A1")
        shared = Measure(title="Gemeinsam gelesen", reference_number="2026-S1")
        db.add_all([secret, shared])
        db.flush()
        add_member(db, secret.id, a)
        add_member(db, shared.id, a)
        add_member(db, shared.id, b, OBSERVER)  # B reads it, may not change it
        db.commit()
        ids = {"a": a, "b": b, "secret": secret.id, "shared": shared.id}
    return app, sessions, ids


def _csv(*rows: tuple[str, str, str]) -> bytes:
    lines = ["Referenznummer;Titel der Maßnahme;Kurzbeschreibung"] + [";".join(row) for row in rows]
    return "\r\n".join(lines).encode()


def _preview(app, sessions, user_id, data, apply=False):
    """As the import page runs it: rows change only measures the person may edit."""
    with app.app_context(), sessions() as db:
        may_write = lambda measure: policy.may(db, user_id, "measure.edit", measure)  # noqa: E731
        return run_import(db, "table.csv", data, user_id, apply=apply, may_write=may_write)


def _said(result) -> str:
    return " ".join(str(error.texts) for row in result.rows for error in row.errors)


def test_a_guessed_number_of_another_team_names_no_title(world):
    app, sessions, ids = world
    result = _preview(app, sessions, ids["b"], _csv(("2026-A1", "Irgendwas", "x"), ("2026-Z9", "Neu", "y")))
    assert SECRET_TITLE not in _said(result), "the preview names another team's measure"
    taken, free = result.rows
    assert taken.action == "error" and free.action == "new"
    assert "vergeben" in taken.errors[0].texts["de"] and "taken" in taken.errors[0].texts["en"]
    assert taken.measure_id is None


def test_another_teams_exact_title_is_a_new_measure_as_for_an_unknown_title(world):
    app, sessions, ids = world
    row = ("", SECRET_TITLE, "Unsere eigene Beschreibung")
    unknown = _preview(app, sessions, ids["b"], _csv(("", "Ein Titel, den es nicht gibt", "x")))
    guessed = _preview(app, sessions, ids["b"], _csv(row))
    assert [r.action for r in guessed.rows] == [r.action for r in unknown.rows] == ["new"]
    assert not _said(guessed)
    applied = _preview(app, sessions, ids["b"], _csv(row), apply=True)
    assert applied.applied
    with sessions() as db:
        secret = db.get(Measure, ids["secret"])
        assert record_ops.current_values(db, secret)["short_description"].value == "", "B changed A's measure"
        assert db.scalar(select(func.count(Measure.id)).where(Measure.title == SECRET_TITLE)) == 2


def test_a_measure_one_reads_but_may_not_change_is_still_named(world):
    """What the importer may read, the preview may name (and refuse to change)."""
    app, sessions, ids = world
    result = _preview(app, sessions, ids["b"], _csv(("2026-S1", "Gemeinsam gelesen", "geändert")))
    assert result.rows[0].action == "error" and "Gemeinsam gelesen" in _said(result)


def test_the_preview_page_shows_no_title_of_another_team(world):
    app, _sessions, _ids = world
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"csrf_token": token, "email": "b@example.org", "password": PASSWORD})
    page = client.post(
        "/register/import",
        data={"csrf_token": token, "file": (io.BytesIO(_csv(("2026-A1", "Rate", "x"))), "table.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "<td>Rate</td>" in page  # the row is shown…
    assert SECRET_TITLE not in page  # …but not whose number it is
