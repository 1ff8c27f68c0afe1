"""The record around co-drafting: the Aachen template, typed fields, the status flow with its
recorded reopening, and the history with diff and restore — through the real server."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tests.draft_client import DraftClient
from tests.live_client import cookie_header, csrf_token
from workshop.measures.models import Measure, MeasureStatusChange, RecordRevision
from workshop.measures.record_template import load_record_template


@pytest.fixture
def record(server):
    fid = server.facilitator()
    mid = server.measure("Initiativen einbinden")
    http = server.login()
    base = f"{server.base_url}/measures/{mid}"

    def post(path: str, **data):
        data.setdefault("csrf_token", csrf_token(http, base))
        response = http.post(f"{base}{path}", data=data)
        assert response.status_code == 200, response.status_code
        return html.unescape(response.text)

    return {"server": server, "mid": mid, "fid": fid, "http": http, "base": base, "post": post}


def revisions(server, mid, field_key):
    with server.db() as db:
        return db.scalars(
            select(RecordRevision)
            .where(RecordRevision.measure_id == mid, RecordRevision.field_key == field_key)
            .order_by(RecordRevision.id)
        ).all()


def status_of(server, mid):
    with server.db() as db:
        return db.get(Measure, mid).status


def test_the_aachen_action_plan_shape_is_a_record_template(server):
    template = load_record_template("aachen")
    keys = [f.key for f in template.fields]
    for key in (
        "action_field",
        "title",
        "objective",
        "implementation_ideas",
        "milestones",
        "indicators",
        "experience_transfer",
        "cross_project_resolutions",
    ):
        assert key in keys
    assert {f.type for f in template.fields} >= {"text", "longtext", "list", "date", "money", "status", "people"}
    assert template.field("objective").label_text() == "Übergeordnete Zielsetzung"

    server.facilitator()
    http = server.login()
    response = http.post(
        f"{server.base_url}/measures",
        data={
            "csrf_token": csrf_token(http, f"{server.base_url}/measures"),
            "title": "Initiativen einbinden",
            "record_template": "aachen",
        },
    )
    assert response.status_code == 200 and "Übergeordnete Zielsetzung" in response.text
    draft = http.get(response.url + "/draft").text
    assert 'id="draft-objective"' in draft and 'id="draft-experience_transfer"' in draft
    assert 'id="draft-budget"' not in draft  # money goes through the validated form


@pytest.mark.parametrize(
    "field_key,value,error,stored",
    [
        ("schedule", "irgendwann", None, "irgendwann"),
        ("title", "Zeile eins\nZeile zwei", "nur eine Zeile", None),
        ("finances", "viel Geld", "Betrag in Euro", None),
        (
            "finances",
            "12.500 € Personalmittel\n3.000 EUR Sachmittel",
            None,
            "12.500 € Personalmittel\n3.000 EUR Sachmittel",
        ),
        ("team", "anna@example.org", "keine E-Mail", None),
        ("team", "Anna Beispiel (Federführung)\nFB 61", None, "Anna Beispiel (Federführung)\nFB 61"),
        ("status", "Mandatiert", "Statusablauf", None),
    ],
)
def test_typed_fields_are_checked_on_hand_edits(record, field_key, value, error, stored):
    page = record["post"]("/fields", field_key=field_key, value=value)
    found = revisions(record["server"], record["mid"], field_key)
    if error:
        assert "nicht gespeichert" in page and error in page
        assert found == []
    else:
        assert found[-1].value == stored


def test_dates_are_checked_and_stored_as_iso(server):
    server.facilitator()
    http = server.login()
    response = http.post(
        f"{server.base_url}/measures",
        data={
            "csrf_token": csrf_token(http, f"{server.base_url}/measures"),
            "title": "Aachen",
            "record_template": "aachen",
        },
    )
    mid = int(re.search(r"/measures/(\d+)", response.url).group(1))
    base = f"{server.base_url}/measures/{mid}"
    page = http.post(
        f"{base}/fields", data={"csrf_token": csrf_token(http, base), "field_key": "start_date", "value": "31.02.2026"}
    ).text
    assert "ist kein Datum" in html.unescape(page)  # in the page's language
    http.post(
        f"{base}/fields", data={"csrf_token": csrf_token(http, base), "field_key": "start_date", "value": "23.11.2026"}
    )
    assert [r.value for r in revisions(server, mid, "start_date")] == ["2026-11-23"]


def test_mandated_measures_change_only_after_a_recorded_reopening(record):
    server, mid, post = record["server"], record["mid"], record["post"]
    post("/fields", field_key="objectives", value="Synergien erzeugen")
    drafter = DraftClient(server.base_url, cookie_header(record["http"]), mid)
    try:
        assert drafter.join()["ok"]
        page = post("/status", to_status="mandated")
        assert "Status nicht geändert" in page and status_of(server, mid) == "idea"  # no skipping
        post("/status", to_status="draft")
        post("/status", to_status="mandated")
        assert status_of(server, mid) == "mandated"
        drafter.wait_for(lambda c: c.statuses and c.statuses[-1]["locked"], "the lock")

        page = post("/fields", field_key="objectives", value="Anders")
        assert "nicht gespeichert" in page and "Wiedereröffnung" in page
        ack = drafter.edit("objectives", lambda t: t.insert(0, "Heimlich "))
        assert ack["ok"] is False and ack["error"]["code"] == "measure_locked"
        assert revisions(server, mid, "objectives")[-1].value == "Synergien erzeugen"

        page = post("/reopen", reason="")
        assert "Nicht wiedereröffnet" in page and status_of(server, mid) == "mandated"
        post("/reopen", reason="Ratsbeschluss verlangt andere Meilensteine")
        assert status_of(server, mid) == "draft"
        drafter.wait_for(lambda c: not c.statuses[-1]["locked"], "the reopening")
        with server.db() as db:
            change = db.scalars(
                select(MeasureStatusChange)
                .where(MeasureStatusChange.measure_id == mid)
                .order_by(MeasureStatusChange.id.desc())
            ).first()
        assert (change.kind, change.from_status, change.to_status, change.author_id) == (
            "reopen",
            "mandated",
            "draft",
            record["fid"],
        )
        assert change.reason == "Ratsbeschluss verlangt andere Meilensteine" and change.created_at
        post("/fields", field_key="objectives", value="Anders")
        assert revisions(server, mid, "objectives")[-1].value == "Anders"
        history = html.unescape(record["http"].get(f"{record['base']}/history").text)
        assert "Mandatiert → Entwurf (wiedereröffnet: „Ratsbeschluss verlangt andere Meilensteine“)" in history
        assert [r.value for r in revisions(server, mid, "status")][-1].startswith("Entwurf (wiedereröffnet")
    finally:
        drafter.close()


def test_history_diffs_two_revisions_and_restores_an_old_one(record):
    server, mid, post, http = record["server"], record["mid"], record["post"], record["http"]
    post("/fields", field_key="milestones", value="Fachbereich 61 klären\nErfolge feiern")
    post("/fields", field_key="milestones", value="Fachbereich 61 klären\nNegativkommunikation drehen")
    first, second = revisions(server, mid, "milestones")
    page = html.unescape(
        http.get(f"{record['base']}/history", params={"field": "milestones", "a": first.id, "b": second.id}).text
    )
    diff = page[page.index('id="diff"') :]
    assert re.search(r'class="del">.*entfernt: </span>Erfolge feiern', diff)
    assert re.search(r'class="add">.*hinzugefügt: </span>Negativkommunikation drehen', diff)

    drafter = DraftClient(server.base_url, cookie_header(http), mid)
    try:
        assert drafter.join()["ok"]
        assert drafter.text("milestones") == second.value
        refused = http.post(f"{record['base']}/revisions/{first.id}/restore")  # no CSRF token
        assert refused.status_code == 400 and len(revisions(server, mid, "milestones")) == 2
        post(f"/revisions/{first.id}/restore")
        restored = revisions(server, mid, "milestones")[-1]
        assert (restored.value, restored.source_kind, restored.author_id) == (first.value, "restore", record["fid"])
        # the co-drafters' documents follow the restored value
        drafter.wait_for(lambda c: c.text("milestones") == first.value, "the restored value")
    finally:
        drafter.close()


def test_a_live_session_cannot_capture_into_a_mandated_record(framing):
    server, facilitator = framing["server"], framing["facilitator"]
    assert facilitator.op("session.start")["ok"]
    step = facilitator.current_step_key()
    assert facilitator.op("card.add", step_key=step, text="Leitlinien Bürgerbeteiligung")["ok"]
    with server.db() as db:
        db.get(Measure, framing["measure_id"]).status = "mandated"
        db.commit()
    ack = facilitator.op("record.capture", step_key=step, field_key="inspiring_examples")
    assert ack["ok"] is False and ack["error"]["code"] == "measure_locked"
    assert revisions(server, framing["measure_id"], "inspiring_examples") == []
