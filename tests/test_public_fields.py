"""The public page shows the record's published fields, chosen by the measure's owner (issue 30,
smaller points), in-process through Flask's test client. Regression: the page showed only title
and status (and the short description), none of what the record says."""

from __future__ import annotations

import pytest

from workshop.access.policy import EDITOR, add_member
from workshop.accounts.service import create_facilitator
from workshop.app import create_app
from workshop.measures.models import Measure
from workshop.measures.record import lines_from_text, set_field
from workshop.migrate import upgrade

PASSWORD = "ein-langes-passwort"


@pytest.fixture
def app(database_url):
    upgrade(database_url)
    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    )
    db = app.extensions["workshop.db"]()
    owner = create_facilitator(db, "owner@example.org", "Owner", PASSWORD)
    editor = create_facilitator(db, "editor@example.org", "Editor", PASSWORD)
    measure = Measure(title="Anlaufstelle")
    db.add(measure)
    db.flush()
    add_member(db, measure.id, owner.id)
    add_member(db, measure.id, editor.id, EDITOR)
    for key, text in (
        ("short_description", "Eine Anlaufstelle für Beteiligung."),
        ("implementation_ideas", "Train the Trainer für Freiwillige"),
        ("actors", "CityLAB Berlin"),
    ):
        set_field(db, measure, key, lines_from_text(text), source_kind="manual")
    db.commit()
    app.mid = measure.id
    db.close()
    return app


def login(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_the_owner_chooses_which_record_fields_the_public_page_shows(app):
    owner, mid = login(app, "owner@example.org"), app.mid
    assert owner.post(f"/register/measures/{mid}/public", data={"public": "1"}).status_code == 303
    page = app.test_client().get(f"/oeffentlich/{mid}").get_data(as_text=True)
    assert "Eine Anlaufstelle für Beteiligung." in page and "Train the Trainer" not in page
    form = owner.get(f"/register/measures/{mid}/contributions").get_data(as_text=True)
    assert 'name="field" value="implementation_ideas"' in form
    saved = owner.post(f"/register/measures/{mid}/public/fields", data={"field": ["implementation_ideas"]})
    assert saved.status_code == 303
    page = app.test_client().get(f"/oeffentlich/{mid}").get_data(as_text=True)
    assert "Train the Trainer für Freiwillige" in page and "CityLAB Berlin" not in page  # only what was chosen


def test_only_the_owner_chooses_and_a_field_that_is_none_is_refused(app):
    owner, editor, mid = login(app, "owner@example.org"), login(app, "editor@example.org"), app.mid
    not_yet = owner.post(f"/register/measures/{mid}/public/fields", data={"field": ["actors"]}, follow_redirects=True)
    assert "keine öffentliche Seite" in not_yet.get_data(as_text=True)
    owner.post(f"/register/measures/{mid}/public", data={"public": "1"})
    assert editor.post(f"/register/measures/{mid}/public/fields", data={"field": ["actors"]}).status_code == 403
    bad = owner.post(f"/register/measures/{mid}/public/fields", data={"field": ["gehalt"]}, follow_redirects=True)
    assert "kein Feld „gehalt“" in bad.get_data(as_text=True)
    assert "CityLAB Berlin" not in app.test_client().get(f"/oeffentlich/{mid}").get_data(as_text=True)
