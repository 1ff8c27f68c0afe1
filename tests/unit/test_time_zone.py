"""One time zone everywhere a person reads a time (issue 30): the instance's, Europe/Berlin by
default (WORKSHOP_TIMEZONE). Regression: the protocol said 09:30 (Berlin) while the record page
and the API said 08:30 (UTC) for the same moment.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from workshop.accounts.service import create_facilitator
from workshop.agenda.create import create_session
from workshop.app import create_app
from workshop.config import ConfigError, load_config
from workshop.measures.models import Measure
from workshop.measures.record import lines_from_text, set_field
from workshop.protocols.model import build_protocol
from workshop.sessions.models import WorkshopSession

WINTER = datetime(2026, 12, 3, 8, 30, tzinfo=UTC)  # 09:30 in Berlin (CET, +01:00)


def make_app(database_url, **config):
    return create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
        | config
    )


@pytest.fixture
def room(database_url):
    app = make_app(database_url)
    db = app.extensions["workshop.db"]()
    user = create_facilitator(db, "zeit@example.org", "Zeit", "ein-langes-passwort")
    measure = Measure(title="Uhrzeit")
    db.add(measure)
    db.flush()
    from workshop.access.policy import add_member

    add_member(db, measure.id, user.id)
    revision = set_field(db, measure, "short_description", lines_from_text("Kurz"), source_kind="manual")
    revision.created_at = WINTER
    ws = create_session(db, measure_id=measure.id, facilitator_id=user.id, template_key="framing")
    ws.status, ws.started_at = "live", WINTER
    db.commit()
    ids = {"measure": measure.id, "session": ws.id}
    db.close()
    return ids


def login(app):
    client = app.test_client()
    assert (
        client.post("/login", data={"email": "zeit@example.org", "password": "ein-langes-passwort"}).status_code == 302
    )
    return client


def protocol_start(app, session_id) -> str:
    with app.app_context():
        db = app.extensions["workshop.db"]()
        return build_protocol(db, db.get(WorkshopSession, session_id)).start


def test_page_api_and_protocol_say_the_same_time(database_url, room):
    app = make_app(database_url)
    client = login(app)
    page = client.get(f"/measures/{room['measure']}/history").get_data(as_text=True)
    assert "09:30" in page and "08:30" not in page
    revisions = client.get(f"/api/measures/{room['measure']}/revisions").get_json()
    assert revisions[0]["created_at"] == "2026-12-03T09:30:00+01:00"
    assert protocol_start(app, room["session"]) == "09:30 Uhr"
    # the browser gets the zone for the clock times it writes (a break's "weiter um …")
    assert 'data-time-zone="Europe/Berlin"' in page


def test_another_zone_is_configured_once_for_all_of_them(database_url, room):
    app = make_app(database_url, TIMEZONE="Europe/London")
    client = login(app)
    page = client.get(f"/measures/{room['measure']}/history").get_data(as_text=True)
    assert "08:30" in page
    revisions = client.get(f"/api/measures/{room['measure']}/revisions").get_json()
    assert revisions[0]["created_at"] == "2026-12-03T08:30:00+00:00"
    assert protocol_start(app, room["session"]) == "08:30 Uhr"


def test_a_zone_that_does_not_exist_stops_the_start_with_its_name(monkeypatch):
    monkeypatch.setenv("WORKSHOP_TIMEZONE", "Europe/Atlantis")
    with pytest.raises(ConfigError, match="WORKSHOP_TIMEZONE: 'Europe/Atlantis' is no time zone"):
        load_config()
    monkeypatch.delenv("WORKSHOP_TIMEZONE")
    assert load_config()["TIMEZONE"] == "Europe/Berlin"
