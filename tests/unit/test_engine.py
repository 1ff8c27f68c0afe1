"""The engine in-process: one path for every change, each rule checked once with its error code."""

from __future__ import annotations

from workshop.live import engine
from workshop.live.engine import Applied
from workshop.live.models import Event
from workshop.ops import Actor, Rejected


def _last_seq(room) -> int:
    with room.db() as db:
        return room.ws(db).last_seq


def test_seq_is_gapless_and_every_change_is_an_event(make_room):
    room = make_room()
    kim = room.join("Kim")
    room.start()
    added = room.apply(kim, "card.add", step_key="approaches", text="Beratung")
    assert added.seq == 3 and added.event["type"] == "card.added"
    with room.db() as db:
        assert [e.seq for e in db.query(Event).filter_by(session_id=room.session_id).order_by(Event.seq)] == [1, 2, 3]


def test_a_retried_op_id_is_applied_once_and_only_for_its_author(make_room):
    room = make_room()
    kim, sam = room.join("Kim"), room.join("Sam")
    room.start()
    op = {"type": "card.add", "op_id": "retry-0001", "payload": {"step_key": "approaches", "text": "Idee"}}
    first = engine.apply(room.sessions, room.session_id, kim, op)
    again = engine.apply(room.sessions, room.session_id, kim, op)
    assert again.duplicate and again.seq == first.seq
    try:  # the same op_id from someone else
        engine.apply(room.sessions, room.session_id, sam, op)
    except Rejected as rejected:
        assert rejected.code == "duplicate_op_id"
    else:
        raise AssertionError("someone else's op_id was accepted")


def test_refusals_name_what_is_wrong_and_change_nothing(make_room):
    room = make_room()
    kim = room.join("Kim")
    before = _last_seq(room)
    assert room.refused(kim, "card.add", step_key="approaches", text="x").code == "session_not_started"
    room.start()
    before = _last_seq(room)
    assert room.refused(kim, "session.end").code == "forbidden"
    assert room.refused(kim, "no.such.op").code == "unknown_op"
    invalid = room.refused(kim, "card.add", step_key="approaches", text="")
    assert invalid.code == "invalid" and "payload.text" in invalid.message
    assert room.refused(Actor("facilitator", 999), "session.end").code == "forbidden"  # not their session
    assert _last_seq(room) == before


def test_wrong_step_type_is_the_engines_one_answer(make_room):
    room = make_room()
    kim = room.join("Kim")
    room.start()  # the first step is a brainstorm
    for op_type, payload in [
        ("vote.add", {"card_id": 1}),
        ("poll.answer", {"choices": [0]}),
        ("rating.set", {"card_id": 1, "value": 0}),
        ("cluster.create", {"title": "T"}),
        ("action.add", {"who": "A", "what": "B"}),
    ]:
        actor = room.facilitator if op_type == "cluster.create" else kim
        refused = room.refused(actor, op_type, **payload)
        assert refused.code == "wrong_step_type", (op_type, refused.code)
        assert op_type in refused.message
    room.goto("vote")  # cards are not taken in a vote step
    assert room.refused(kim, "card.add", step_key="vote", text="x").code == "wrong_step_type"


def test_the_step_lock_stops_participants_not_the_facilitator(make_room):
    room = make_room()
    kim = room.join("Kim")
    room.start()
    room.apply(room.facilitator, "step.lock", step_key="approaches", locked=True)
    assert room.refused(kim, "card.add", step_key="approaches", text="x").code == "step_locked"
    assert room.apply(room.facilitator, "card.add", step_key="approaches", text="Moderation").result["card_id"]
    room.apply(room.facilitator, "step.lock", step_key="approaches", locked=False)
    assert room.apply(kim, "card.add", step_key="approaches", text="jetzt").result["card_id"]


def test_a_batch_keeps_each_ops_own_outcome(make_room):
    room = make_room()
    kim = room.join("Kim")
    room.start()
    outcomes = engine.apply_batch(
        room.sessions,
        room.session_id,
        [
            (kim, {"type": "card.add", "payload": {"step_key": "approaches", "text": "eins"}}),
            (kim, {"type": "vote.add", "payload": {"card_id": 1}}),
            (kim, {"type": "card.add", "payload": {"step_key": "approaches", "text": "zwei"}}),
        ],
    )
    assert [type(o) for o in outcomes] == [Applied, Rejected, Applied]
    assert outcomes[1].code == "wrong_step_type"
    assert outcomes[2].seq == outcomes[0].seq + 1  # the refused op took no seq


def test_events_after_gives_each_viewer_its_form(make_room):
    room = make_room("knowledge_merge")  # the first step is silent: the room sees that there is a card
    kim, sam = room.join("Kim"), room.join("Sam")
    room.start()
    added = room.apply(kim, "card.add", step_key="knowledge", text="geheim")
    with room.db() as db:
        mine = engine.events_after(db, room.session_id, added.seq - 1, 10, kim)
        others = engine.events_after(db, room.session_id, added.seq - 1, 10, sam)
    assert mine[0]["payload"]["card"]["text"] == "geheim"
    assert "geheim" not in str(others) and others[0]["payload"]["redacted"]
