"""What a replay (sync) and a snapshot may carry: exactly the form each viewer got live, and
never text that is hidden by moderation, deleted or edited away (issue 12, "what leaks").

In-process: the engine and the functions `sync` and the connect snapshot use, over a migrated
SQLite database (no socket is needed to see what they would send).
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import sessionmaker

from tests.conftest import migrated_sqlite
from workshop.access.policy import OWNER, add_member
from workshop.accounts.service import create_facilitator
from workshop.agenda.create import create_session
from workshop.db import make_engine
from workshop.live import engine
from workshop.live.snapshot import build_snapshot
from workshop.measures.models import Measure
from workshop.ops import FACILITATOR, PARTICIPANT, VIEWER, Actor, Rejected
from workshop.sessions.models import WorkshopSession


@pytest.fixture
def sessions(tmp_path):
    url = migrated_sqlite(tmp_path / "replay.db")
    bind = make_engine(url)
    yield sessionmaker(bind=bind, expire_on_commit=False)
    bind.dispose()


class Room:
    def __init__(self, sessions, template_key):
        self.sessions = sessions
        with sessions() as db:
            fid = create_facilitator(db, f"{template_key}@example.org", "Fa", "replay-password-1").id
            measure = Measure(title="Replay")
            db.add(measure)
            db.flush()
            add_member(db, measure.id, fid, OWNER)
            self.sid = create_session(db, measure_id=measure.id, facilitator_id=fid, template_key=template_key).id
            db.commit()
        self.fac = Actor(FACILITATOR, fid)
        self.projector = Actor(VIEWER, fid)
        self.do(self.fac, "session.start")

    def join(self) -> Actor:
        joined = self.do(Actor.system(), "participant.join")
        return Actor(PARTICIPANT, joined.result["participant_id"])

    def do(self, actor, op_type, **payload):
        return engine.apply(self.sessions, self.sid, actor, {"type": op_type, "payload": payload})

    def replay(self, viewer, after=0) -> str:
        """What sync {after_seq} answers this viewer, as the JSON that goes over the wire."""
        with self.sessions() as db:
            return json.dumps(engine.events_after(db, self.sid, after, 1000, viewer), ensure_ascii=False)

    def snapshot(self, viewer) -> str:
        with self.sessions() as db:
            return json.dumps(build_snapshot(db, db.get(WorkshopSession, self.sid), viewer), ensure_ascii=False)


def _events(replayed: str) -> list[dict]:
    return json.loads(replayed)


def test_own_vote_in_a_hidden_vote_replays_without_the_total(sessions):
    room = Room(sessions, "knowledge_merge")
    voter, other = room.join(), room.join()
    room.do(voter, "card.add", step_key="knowledge", text="Wissen")
    room.do(room.fac, "step.goto", step_key="clusters")
    cluster = room.do(room.fac, "cluster.create", title="Thema").result["cluster_id"]
    room.do(room.fac, "step.goto", step_key="weigh")
    room.do(other, "vote.add", cluster_id=cluster)
    applied = room.do(voter, "vote.add", cluster_id=cluster)
    assert applied.public_event["payload"] == {"step_key": "weigh", "redacted": True}  # what it got live
    replayed = _events(room.replay(voter, applied.seq - 1))
    # the room's form, and the voter's own part of it (their dots, what is left): what their ack said
    assert replayed == [{**applied.public_event, "own_result": applied.result}], (
        "the voter's replay reveals the hidden total"
    )
    assert applied.result == {"cluster_id": cluster, "mine": 1, "remaining": 2}
    assert "total" not in json.dumps(replayed)


def test_own_answer_in_a_hidden_poll_replays_without_the_counts(sessions):
    room = Room(sessions, "mandate")
    person = room.join()
    room.do(room.fac, "step.goto", step_key="fist")
    applied = room.do(person, "poll.answer", choices=[4])
    replayed = _events(room.replay(person, applied.seq - 1))
    assert replayed == [{**applied.public_event, "own_result": applied.result}]
    assert "counts" not in json.dumps(replayed), "the hidden poll's counts reach the person who answered"


def test_own_silent_card_replays_to_its_author_as_the_ack_gave_it(sessions):
    room = Room(sessions, "knowledge_merge")
    author, other = room.join(), room.join()
    applied = room.do(author, "card.add", step_key="knowledge", text="Nur ich sehe das")
    mine = _events(room.replay(author, applied.seq - 1))[0]["payload"]
    assert mine["card"]["text"] == "Nur ich sehe das" and mine["card"]["mine"] is True
    assert "Nur ich sehe das" not in room.replay(other)
    assert "Nur ich sehe das" not in room.replay(room.projector)


def test_late_joiner_replay_has_no_moderated_deleted_or_edited_away_text(sessions):
    room = Room(sessions, "public_participation")
    author = room.join()
    hidden = room.do(author, "card.add", step_key="ideas", text="Beleidigung von Kim").result["card_id"]
    room.do(room.fac, "card.approve", card_id=hidden)
    room.do(room.fac, "card.hide", card_id=hidden, hidden=True)
    deleted = room.do(author, "card.add", step_key="ideas", text="Ruf mich an: 0171 1234567").result["card_id"]
    room.do(room.fac, "card.approve", card_id=deleted)
    room.do(author, "card.delete", card_id=deleted)
    edited = room.do(author, "card.add", step_key="ideas", text="Erste Fassung mit Tippfehlr").result["card_id"]
    room.do(room.fac, "card.approve", card_id=edited)
    room.do(author, "card.edit", card_id=edited, text="Zweite Fassung")
    room.do(room.fac, "card.approve", card_id=edited)  # an edit goes back to the queue (finding 1 of issue 29)
    late = room.join()
    for viewer in (late, room.projector):
        replayed = room.replay(viewer)
        assert "Beleidigung" not in replayed, "a card hidden by moderation is replayed"
        assert "0171 1234567" not in replayed, "a deleted card is replayed"  # (not "0171": a timestamp may hold it)
        assert "Tippfehlr" not in replayed, "text from before an edit is replayed"
        assert "Zweite Fassung" in replayed
        events = _events(replayed)
        # tombstones: the id and that it is gone
        gone = {e["payload"]["card_id"] for e in events if e["payload"].get("gone")}
        assert {hidden, deleted} <= gone
    # staff keep seeing a hidden card (they moderate), never deleted or edited-away text
    staff = room.replay(room.fac)
    assert "Beleidigung" in staff and "0171 1234567" not in staff and "Tippfehlr" not in staff
    # the author's own replay: nothing of the deleted card either
    assert "0171 1234567" not in room.replay(author)


def test_spotlight_on_an_unrevealed_silent_card_is_refused(sessions):
    room = Room(sessions, "knowledge_merge")
    person = room.join()
    card = room.do(person, "card.add", step_key="knowledge", text="Geheim bis zur Aufdeckung").result["card_id"]
    with pytest.raises(Rejected) as refused:
        room.do(room.fac, "spotlight.set", card_id=card)
    assert refused.value.code == "card_not_visible"
    assert "Geheim" not in room.snapshot(room.join())
    room.do(room.fac, "step.reveal", step_key="knowledge")
    assert room.do(room.fac, "spotlight.set", card_id=card).event["payload"]["spotlight"]["card_id"] == card


def test_snapshot_and_replay_of_a_spotlight_follow_hide_and_edit(sessions):
    room = Room(sessions, "framing")
    person = room.join()
    card = room.do(person, "card.add", step_key="approaches", text="Alte Fassung").result["card_id"]
    room.do(room.fac, "spotlight.set", card_id=card)
    room.do(person, "card.edit", card_id=card, text="Neue Fassung")
    for viewer in (room.projector, room.join()):
        assert "Alte Fassung" not in room.snapshot(viewer)
        assert "Alte Fassung" not in room.replay(viewer)
    room.do(room.fac, "card.hide", card_id=card, hidden=True)
    for viewer in (room.projector, room.join()):
        assert "Neue Fassung" not in room.snapshot(viewer), "the snapshot's spotlight shows a hidden card"
        assert "Neue Fassung" not in room.replay(viewer)
