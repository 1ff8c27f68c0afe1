"""A participant's deletion reaches what was captured (issue 29, finding 5; docs/privacy.md).

A card its named author deletes after it was taken into the record: staff see on the record
page that its author deleted it, and may redact the captured line. The redaction is a revision
that says so (through measures/record.py); afterwards the card's text is in no revision, no
protocol (draft or final version), no export (CSV, XLSX, API, JSON) and no replay, and the
author's name has left the protocol and the staff's replay.

In-process: the engine and the pages over a migrated SQLite file (Flask's test client)."""

from __future__ import annotations

import io
import json
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from workshop.access.policy import EDITOR, OBSERVER, add_member
from workshop.accounts.service import create_facilitator
from workshop.agenda.create import create_session
from workshop.app import create_app
from workshop.live import engine
from workshop.live.models import Event
from workshop.measures.models import Measure, RecordRevision
from workshop.migrate import upgrade
from workshop.ops import FACILITATOR, PARTICIPANT, Actor
from workshop.protocols.models import ProtocolVersion
from workshop.protocols.service import finalize
from workshop.sessions.models import WorkshopSession

PASSWORD = "deleted-captures-1"
TEXT, NAME = "Ruf mich an: 0171 2345678", "Kimberly Beispiel"


class World:
    def __init__(self, tmp_path):
        url = f"sqlite:///{tmp_path / 'deleted.db'}"
        upgrade(url)
        self.app = create_app({"DATABASE_URL": url, "SOCKETIO_ASYNC_MODE": "threading", "SECRET_KEY": "x" * 40})
        self.sessions = self.app.extensions["workshop.db"].session_factory
        with self.sessions() as db:
            self.fid = create_facilitator(db, "owner@example.org", "Olga Owner", PASSWORD).id
            observer = create_facilitator(db, "observer@example.org", "Obi Observer", PASSWORD).id
            editor = create_facilitator(db, "editor@example.org", "Edi Editor", PASSWORD).id
            measure = Measure(title="Mehr Bänke", reference_number="2026-5")
            db.add(measure)
            db.flush()
            add_member(db, measure.id, self.fid)
            add_member(db, measure.id, observer, OBSERVER)
            add_member(db, measure.id, editor, EDITOR)
            self.mid = measure.id
            self.sid = create_session(db, measure_id=measure.id, facilitator_id=self.fid, template_key="framing").id
            db.commit()
        self.fac = Actor(FACILITATOR, self.fid)

    def do(self, actor, op_type, **payload):
        return engine.apply(self.sessions, self.sid, actor, {"type": op_type, "payload": payload}).result

    def client(self, email="owner@example.org"):
        client = self.app.test_client()
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
        client.token = token
        return client

    def everything_staff_can_get(self, client) -> str:
        """Every place the text or the name could still be, as one string."""
        texts = []
        for path in (
            f"/measures/{self.mid}",
            f"/measures/{self.mid}/history?field=open_questions",
            "/register/export.csv",
            f"/api/measures/{self.mid}",
            f"/api/measures/{self.mid}/revisions",
            f"/api/sessions/{self.sid}/protocol",
            f"/register/measures/{self.mid}.json",
            f"/sessions/{self.sid}/protocol.md",
            f"/sessions/{self.sid}/protocol.md?version=1",
            f"/sessions/{self.sid}/replay.json?view=console",
        ):
            answer = client.get(path)
            assert answer.status_code == 200, path
            texts.append(answer.get_data(as_text=True))
        book = load_workbook(io.BytesIO(client.get("/register/export.xlsx").data))
        texts += [str(cell.value) for row in book.active.iter_rows() for cell in row]
        with self.app.app_context(), self.sessions() as db:
            texts.append(json.dumps(engine.events_after(db, self.sid, 0, 1000, self.fac), ensure_ascii=False))
            texts += [json.dumps(r.lines, ensure_ascii=False) + r.value for r in db.scalars(select(RecordRevision))]
            texts += [json.dumps(v.document, ensure_ascii=False) for v in db.scalars(select(ProtocolVersion))]
            texts += [
                json.dumps([e.payload, e.public_payload, e.result], ensure_ascii=False)
                for e in db.scalars(select(Event).where(Event.session_id == self.sid))
            ]
        return "\n".join(texts)


@pytest.fixture
def world(tmp_path):
    world = World(tmp_path)
    world.do(world.fac, "session.start")
    world.author = Actor(PARTICIPANT, world.do(Actor.system(), "participant.join", display_name=NAME)["participant_id"])
    world.card = world.do(world.author, "card.add", step_key="approaches", text=TEXT)["card_id"]
    world.kept = world.do(world.author, "card.add", step_key="approaches", text="Mehr Schatten")["card_id"]
    world.do(world.fac, "record.capture", step_key="approaches", field_key="open_questions")
    with world.sessions() as db:
        finalize(db, db.get(WorkshopSession, world.sid), world.fid)  # a final version made before
        db.commit()
    return world


def test_staff_see_the_deletion_and_redact_the_captured_line_everywhere(world):
    client = world.client()
    record = client.get(f"/measures/{world.mid}").get_data(as_text=True)
    assert "redact" not in record, "nothing to redact while the card is there"

    world.do(world.author, "card.delete", card_id=world.card)
    record = client.get(f"/measures/{world.mid}").get_data(as_text=True)
    assert "Von der Person gelöscht" in record, "staff are not shown that the author deleted the captured card"
    assert f'name="card_id" value="{world.card}"' in record
    assert TEXT in world.everything_staff_can_get(client)  # stays in the file until redacted

    answer = client.post(f"/measures/{world.mid}/redact", data={"csrf_token": client.token, "card_id": str(world.card)})
    assert answer.status_code == 303
    everything = world.everything_staff_can_get(client)
    assert TEXT not in everything and "0171" not in everything, "the deleted card's text is still there"
    assert NAME not in everything, "the author's name is still in the protocol or the staff's replay"
    assert "Mehr Schatten" in everything, "the other results stay"
    with world.sessions() as db:
        newest = db.scalars(
            select(RecordRevision)
            .where(RecordRevision.field_key == "open_questions")
            .order_by(RecordRevision.id.desc())
        ).first()
        assert newest.source_kind == "redact", "the redaction is a revision that says so"
        assert newest.lines[0]["source"]["redacted"] is True and newest.lines[0]["source"]["card_id"] == world.card
        assert newest.lines[1]["text"] == "Mehr Schatten"


def test_only_a_deleted_card_is_redacted_and_only_by_those_who_write_the_record(world):
    owner = world.client()
    refused = owner.post(f"/measures/{world.mid}/redact", data={"csrf_token": owner.token, "card_id": str(world.card)})
    assert refused.status_code == 400, "a card its author did not delete is redacted"
    world.do(world.author, "card.delete", card_id=world.card)
    observer = world.client("observer@example.org")
    answer = observer.post(
        f"/measures/{world.mid}/redact", data={"csrf_token": observer.token, "card_id": str(world.card)}
    )
    assert answer.status_code == 403
    assert (
        owner.post(f"/measures/{world.mid}/redact", data={"csrf_token": owner.token, "card_id": "x"}).status_code == 400
    )
    editor = world.client("editor@example.org")
    assert (
        editor.post(
            f"/measures/{world.mid}/redact", data={"csrf_token": editor.token, "card_id": str(world.card)}
        ).status_code
        == 303
    )
