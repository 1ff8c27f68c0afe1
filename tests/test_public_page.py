"""The public page of a measure: opt-in, no login, every public contribution with its fate
(taken into a field with a link, merged, not taken with the reason), never a name.
In-process: ops through the live engine over a migrated SQLite file, pages by Flask's client."""

from __future__ import annotations

import re

from tests.conftest import migrated_sqlite
from workshop.access.policy import add_member
from workshop.accounts.service import create_facilitator
from workshop.agenda.create import create_session
from workshop.app import create_app
from workshop.live import engine
from workshop.measures.models import Measure
from workshop.ops import FACILITATOR, PARTICIPANT, Actor

PASSWORD = "public-password-1"


class World:
    def __init__(self, tmp_path):
        url = migrated_sqlite(tmp_path / "public.db")
        self.app = create_app({"DATABASE_URL": url, "SOCKETIO_ASYNC_MODE": "threading", "SECRET_KEY": "x" * 40})
        self.sessions = self.app.extensions["workshop.db"].session_factory
        with self.sessions() as db:
            self.fid = create_facilitator(db, "owner@example.org", "Owner", PASSWORD).id
            create_facilitator(db, "other@example.org", "Other", PASSWORD)
            measure = Measure(title="Mehr Grün am Markt", reference_number="2026-7")
            db.add(measure)
            db.flush()
            add_member(db, measure.id, self.fid)  # the measure's owner (access)
            self.mid = measure.id
            self.sid = create_session(
                db, measure_id=measure.id, facilitator_id=self.fid, template_key="public_participation"
            ).id
            db.commit()
        self.fac = Actor(FACILITATOR, self.fid)
        self.op("session.start")

    def op(self, op_type, actor=None, **payload):
        return engine.apply(self.sessions, self.sid, actor or self.fac, {"type": op_type, "payload": payload}).result

    def contribution(self, name, text) -> int:
        person = Actor(PARTICIPANT, self.op("participant.join", Actor.system(), display_name=name)["participant_id"])
        card = self.op("card.add", person, step_key="ideas", text=text)["card_id"]
        self.op("card.approve", card_id=card)
        return card

    def client(self, email=None):
        client = self.app.test_client()
        if email:
            token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(
                1
            )
            client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
            client.token = token
        return client


def test_public_page_shows_each_fate_without_names(tmp_path):
    world = World(tmp_path)
    taken = world.contribution("Greta Grünlich", "Mehr Sitzbänke am Markt")
    merged = world.contribution("Bernd Baum", "Bänke bitte auch im Schatten")
    rejected = world.contribution("Rita Rasen", "Den Markt ganz zupflastern")
    world.contribution("Otto Offen", "Trinkbrunnen aufstellen")
    world.op("record.capture", step_key="ideas", card_ids=[taken])
    world.op("session.end")

    anonymous = world.client()
    assert anonymous.get(f"/oeffentlich/{world.mid}").status_code == 404, "not public until the team opts in"

    owner, other = world.client("owner@example.org"), world.client("other@example.org")
    assert (
        owner.post(
            f"/register/measures/{world.mid}/public", data={"csrf_token": owner.token, "public": "1"}
        ).status_code
        == 303
    )
    fate = f"/register/sessions/{world.sid}/cards"
    # refused: no reason, merged with itself, another facilitator's session
    owner.post(f"{fate}/{rejected}/fate", data={"csrf_token": owner.token, "kind": "rejected", "reason": " "})
    owner.post(f"{fate}/{merged}/fate", data={"csrf_token": owner.token, "kind": "merged", "merged_into": str(merged)})
    assert (
        other.post(
            f"{fate}/{rejected}/fate", data={"csrf_token": other.token, "kind": "rejected", "reason": "x"}
        ).status_code
        == 404
    )
    page = anonymous.get(f"/oeffentlich/{world.mid}").get_data(as_text=True)
    assert page.count("Noch offen.") == 4 - 1  # only the capture counts so far

    response = owner.post(
        f"{fate}/{rejected}/fate",
        data={"csrf_token": owner.token, "kind": "rejected", "reason": "Der Markt bleibt Veranstaltungsfläche."},
    )
    assert response.status_code == 303
    owner.post(f"{fate}/{merged}/fate", data={"csrf_token": owner.token, "kind": "merged", "merged_into": str(taken)})

    page = anonymous.get(f"/oeffentlich/{world.mid}").get_data(as_text=True)
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "Mehr Sitzbänke am Markt Übernommen in: Öffentlichkeitsbeteiligung" in text
    assert 'href="#field-public_participation"' in page and 'id="field-public_participation"' in page
    assert "Bänke bitte auch im Schatten Zusammengeführt mit Beitrag 1." in text
    assert "Den Markt ganz zupflastern Nicht übernommen. Begründung: Der Markt bleibt Veranstaltungsfläche." in text
    assert "Trinkbrunnen aufstellen Noch offen." in text
    for name in ("Greta", "Bernd", "Rita", "Otto", "Owner"):
        assert name not in page

    owner.post(f"/register/measures/{world.mid}/public", data={"csrf_token": owner.token, "public": "0"})
    assert anonymous.get(f"/oeffentlich/{world.mid}").status_code == 404


def test_publishing_is_a_decision_of_owner_and_co_facilitator(tmp_path):
    """Like the status flow: an editor writes the record but does not publish it (403, as for
    other writes a team member may not do); someone off the team learns nothing (404)."""
    from workshop.access.policy import CO_FACILITATOR, EDITOR, OBSERVER

    world = World(tmp_path)
    with world.sessions() as db:
        for role in (CO_FACILITATOR, EDITOR, OBSERVER):
            add_member(db, world.mid, create_facilitator(db, f"{role}@example.org", role, PASSWORD).id, role)
        db.commit()
    path = f"/register/measures/{world.mid}/public"
    expected = {
        "owner@example.org": 303,
        "co_facilitator@example.org": 303,
        "editor@example.org": 403,
        "observer@example.org": 403,
        "other@example.org": 404,
    }
    answers = {}
    for email in expected:
        client = world.client(email)
        answers[email] = client.post(path, data={"csrf_token": client.token, "public": "1"}).status_code
    assert answers == expected
    page = world.client("editor@example.org").get(f"/register/measures/{world.mid}/contributions")
    assert f'action="{path}"' not in page.get_data(as_text=True), "the editor is offered a switch they may not use"
