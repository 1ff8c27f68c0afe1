"""The read API: the OpenAPI document is valid and lists every API route; the data is there for
a logged-in facilitator only (a session only for its own facilitator); nothing can be written."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from tests.conftest import migrated_sqlite
from workshop.access.policy import add_member
from workshop.accounts.service import create_facilitator
from workshop.agenda.create import create_session
from workshop.app import create_app
from workshop.measures import record as record_ops
from workshop.measures.models import Measure

PASSWORD = "api-password-123"


def _app(tmp_path):
    url = migrated_sqlite(tmp_path / "api.db")
    app = create_app({"DATABASE_URL": url, "SOCKETIO_ASYNC_MODE": "threading", "SECRET_KEY": "x" * 40})
    factory = app.extensions["workshop.db"].session_factory
    with factory() as db:
        owner = create_facilitator(db, "owner@example.org", "Owner", PASSWORD).id
        create_facilitator(db, "other@example.org", "Other", PASSWORD)
        measure = Measure(title="Anlaufstelle Prozessbegleitung", reference_number="2022-14222")
        db.add(measure)
        db.flush()
        add_member(db, measure.id, owner)  # the measure's owner (access)
        record_ops.edit_by_hand(db, measure, "short_description", "Eine Anlaufstelle", owner)
        sid = create_session(db, measure_id=measure.id, facilitator_id=owner, template_key="framing").id
        db.commit()
        return app, measure.id, sid


def _client(app, email):
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
    return client


def test_openapi_document_is_valid_and_lists_every_api_route(tmp_path):
    app, _mid, _sid = _app(tmp_path)
    document = app.test_client().get("/api/openapi.json").get_json()
    validate(document)
    documented = {re.sub(r"\{(\w+)\}", r"<\1>", path) for path in document["paths"]}
    routes = {
        re.sub(r"<int:(\w+)>", r"<\1>", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
    }
    assert routes and routes == documented, (routes, documented)
    assert all(set(item) == {"get"} for item in document["paths"].values()), "read-only"


def test_api_reads_like_the_pages(tmp_path):
    app, mid, sid = _app(tmp_path)
    anonymous = app.test_client()
    assert anonymous.get("/api/measures").status_code == 401
    assert anonymous.get(f"/api/measures/{mid}").get_json()["error"]["code"] == "login_required"

    owner, other = _client(app, "owner@example.org"), _client(app, "other@example.org")
    listed = owner.get("/api/measures").get_json()
    assert [m["reference_number"] for m in listed] == ["2022-14222"]
    assert other.get("/api/measures").get_json() == []  # not on the measure's team (access)
    assert other.get(f"/api/measures/{mid}").status_code == 404
    record = {f["key"]: f["value"] for f in owner.get(f"/api/measures/{mid}").get_json()["record"]}
    assert record["short_description"] == "Eine Anlaufstelle"
    assert owner.get(f"/api/measures/{mid}/revisions").get_json()[0]["source_kind"] == "manual"
    assert [s["id"] for s in owner.get(f"/api/measures/{mid}/sessions").get_json()] == [sid]
    assert owner.get("/api/measures/999").status_code == 404

    assert owner.get(f"/api/sessions/{sid}").get_json()["template_key"] == "framing"
    assert (
        owner.get(f"/api/sessions/{sid}/protocol").get_json()["protocol"]["measure_title"]
        == "Anlaufstelle Prozessbegleitung"
    )
    assert other.get(f"/api/sessions/{sid}").status_code == 404  # another facilitator's session
    assert other.get(f"/api/sessions/{sid}/protocol").status_code == 404
    assert owner.post("/api/measures").status_code in (400, 405)  # nothing to write

    # the whole measure as one JSON file (data portability): record, revisions, sessions with protocol
    assert other.get(f"/register/measures/{mid}.json").status_code == 404
    whole = owner.get(f"/register/measures/{mid}.json").get_json()
    assert whole["format"] == "workshop.measure/1" and whole["revisions"][0]["value"] == "Eine Anlaufstelle"
    assert whole["sessions"][0]["id"] == sid and whole["sessions"][0]["protocol"]["measure_title"]
