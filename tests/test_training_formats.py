""" "Üben" offers the team's own formats besides the five units (issue 30, smaller points), in-process
through Flask's test client. Regression: /training listed only the five originals."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from workshop.access.policy import add_member
from workshop.accounts.service import create_facilitator
from workshop.agenda.templates import available_templates
from workshop.app import create_app
from workshop.measures.models import Measure
from workshop.migrate import upgrade
from workshop.sessions.models import CustomTemplate, WorkshopSession

PASSWORD = "ein-langes-passwort"


@pytest.fixture
def app(database_url):
    upgrade(database_url)
    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    )
    db = app.extensions["workshop.db"]()
    owner = create_facilitator(db, "team@example.org", "Team", PASSWORD)
    create_facilitator(db, "fremd@example.org", "Fremd", PASSWORD)
    measure = Measure(title="Anlaufstelle")
    db.add(measure)
    db.flush()
    add_member(db, measure.id, owner.id)
    base = available_templates()["knowledge_merge"]
    custom = CustomTemplate(
        facilitator_id=owner.id,
        measure_id=measure.id,
        base_key="knowledge_merge",
        title="Wissen kompakt",
        template=base,
    )
    db.add(custom)
    db.commit()
    app.custom_id = custom.id
    db.close()
    return app


def login(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def test_the_teams_format_is_offered_and_a_practice_of_it_runs(app):
    team = login(app, "team@example.org")
    page = team.get("/training").get_data(as_text=True)
    assert re.search(rf'<option value="custom-{app.custom_id}">Wissen kompakt \(Baustein 2: ', page)
    made = team.post("/training", data={"template_key": f"custom-{app.custom_id}", "title": "Übung kompakt"})
    assert made.status_code == 303
    with app.app_context():
        db = app.extensions["workshop.db"]()
        ws = db.scalars(select(WorkshopSession).where(WorkshopSession.title == "Übung kompakt")).one()
        assert ws.template_key == f"custom-{app.custom_id}" and ws.mode == "exercise"


def test_another_teams_format_is_neither_offered_nor_taken(app):
    other = login(app, "fremd@example.org")
    assert f"custom-{app.custom_id}" not in other.get("/training").get_data(as_text=True)
    refused = other.post("/training", data={"template_key": f"custom-{app.custom_id}"}, follow_redirects=True)
    assert "Keine Übung angelegt" in refused.get_data(as_text=True)
