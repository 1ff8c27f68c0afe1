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


def _vote_room(sessions, name: str):
    """A framing session in its vote step: three people, three questions, one card elsewhere."""
    from tests.unit.conftest import Room
    from workshop.accounts.models import Facilitator
    from workshop.agenda.create import create_session
    from workshop.measures.models import Measure
    from workshop.ops import FACILITATOR

    with sessions() as db:
        user = Facilitator(email=f"{name}@example.org", display_name=name, password_hash="!")
        measure = Measure(title=name)
        db.add_all([user, measure])
        db.flush()
        ws = create_session(db, measure_id=measure.id, facilitator_id=user.id, template_key="framing")
        db.commit()
        room = Room(sessions, ws.id, Actor(FACILITATOR, user.id))
    people = [room.join(n) for n in ("Kim", "Sam", "Ana")]
    room.start()
    other = room.apply(room.facilitator, "card.add", step_key="approaches", text="anderswo").result["card_id"]
    room.goto("questions")
    cards = [room.apply(room.facilitator, "card.add", step_key="questions", text=f"Frage {i}") for i in range(3)]
    room.goto("vote")
    return room, people, [c.result["card_id"] for c in cards], other


def test_votes_in_one_batch_end_as_if_applied_one_at_a_time(sessions):
    """The batch path (votes read and written together, budget checked in memory) must give
    each op the outcome, event and stored count it would get alone: budget, per-card maximum,
    taking back, unknown and unvotable cards, a retried op_id."""
    rooms = [_vote_room(sessions, "batch"), _vote_room(sessions, "alone")]

    def ops(people, cards, other):
        kim, sam, ana = people
        script = [(kim, "vote.add", cards[0])] * 4  # the 4th: over the per-card maximum (3)
        script += [(kim, "vote.add", cards[1])] * 3  # the 3rd: over the budget (5)
        script += [(sam, "vote.remove", cards[0]), (sam, "vote.add", cards[2]), (sam, "vote.remove", cards[2])]
        script += [(kim, "vote.remove", cards[1]), (kim, "vote.add", cards[2])]  # budget freed, spent again
        script += [(ana, "vote.add", 999999), (ana, "vote.add", other), (ana, "vote.add", cards[0])]
        out = [(actor, {"type": t, "payload": {"card_id": card}}) for actor, t, card in script]
        out.append((ana, {"type": "vote.add", "op_id": "ana-vote-1", "payload": {"card_id": cards[1]}}))
        out.append((ana, {"type": "vote.add", "op_id": "ana-vote-1", "payload": {"card_id": cards[1]}}))
        out.append((sam, {"type": "vote.add", "op_id": "ana-vote-1", "payload": {"card_id": cards[1]}}))
        return out

    (batch_room, *batch_args), (alone_room, *alone_args) = rooms
    batched = engine.apply_batch(batch_room.sessions, batch_room.session_id, ops(*batch_args))
    alone = [engine.apply_batch(alone_room.sessions, alone_room.session_id, [op])[0] for op in ops(*alone_args)]

    def seen(outcomes, people, cards, other):
        """Outcomes with ids made relative to the room, so the two rooms compare."""
        names = {c: f"card{i}" for i, c in enumerate(cards)}

        def plain(value):
            if isinstance(value, dict):
                return {k: names.get(v, v) if k in ("card_id", "target_id") else plain(v) for k, v in value.items()}
            return value

        first_seq = min(o.seq for o in outcomes if isinstance(o, Applied))
        return [
            (o.code, o.message.replace(f"Card {other} ", "Card other "))
            if isinstance(o, Rejected)
            else (o.seq - first_seq, o.duplicate, plain(o.event["payload"]), plain(o.result), o.public_event)
            for o in outcomes
        ]

    assert seen(batched, *batch_args) == seen(alone, *alone_args)
    codes = [o.code if isinstance(o, Rejected) else "ok" for o in batched]
    assert codes == ["ok"] * 3 + ["card_max_reached", "ok", "ok", "budget_exhausted"] + [
        "no_vote_to_remove",
        "ok",
        "ok",
        "ok",
        "ok",
        "card_not_found",
        "card_not_votable",
        "ok",
        "ok",
        "ok",
        "duplicate_op_id",
    ]
    stored = []
    for room, people, cards, _other in rooms:
        from sqlalchemy import select

        from workshop.activities.models import Vote

        with room.db() as db:
            rows = db.execute(
                select(Vote.participant_id, Vote.card_id, Vote.count).where(Vote.session_id == room.session_id)
            )
            stored.append(sorted((people.index(Actor("participant", p)), cards.index(c), n) for p, c, n in rows))
            events = db.scalars(select(Event).where(Event.session_id == room.session_id, Event.type == "vote.changed"))
            assert all(e.public_payload is None for e in events)
    assert stored[0] == stored[1]
    assert stored[0] == [(0, 0, 3), (0, 1, 1), (0, 2, 1), (1, 2, 0), (2, 0, 1), (2, 1, 1)]
