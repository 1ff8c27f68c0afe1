"""What the engine refuses, in-process (no socket needed): each refusal names its reason and
changes nothing — the author's own card, text limits, the vote budget and per-card maximum,
votes outside the vote, a retried op applied once. (The same over real sockets, with what only a
connection shows: tests/test_rejections.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from workshop.activities.models import Card, Vote
from workshop.live.models import Event
from workshop.ops import Actor


@pytest.fixture
def room(make_room):
    room = make_room("framing")
    room.a, room.b = room.join("A"), room.join()
    room.start()
    return room


def events(room) -> int:
    with room.db() as db:
        return db.scalar(select(func.count(Event.id)).where(Event.session_id == room.session_id))


def texts(room, step_key: str) -> list[str]:
    with room.db() as db:
        return sorted(
            db.scalars(
                select(Card.text).where(
                    Card.session_id == room.session_id, Card.step_key == step_key, Card.deleted_at.is_(None)
                )
            )
        )


def test_cards_belong_to_their_author(room):
    card = room.apply(room.a, "card.add", step_key="approaches", text="Meine Karte").result["card_id"]
    before = events(room)
    assert room.refused(room.b, "card.edit", card_id=card, text="übernommen").code == "not_your_card"
    assert room.refused(room.b, "card.delete", card_id=card).code == "not_your_card"
    assert room.refused(room.facilitator, "card.delete", card_id=card).code == "not_your_card"
    assert room.refused(room.b, "card.edit", card_id=999999, text="x").code == "card_not_found"
    assert events(room) == before
    assert texts(room, "approaches") == ["Meine Karte"]


@pytest.mark.parametrize(
    "text, why",
    [
        ("", "between 1 and 500"),
        ("   \n\t ", "between 1 and 500"),
        ("x" * 10_000, "between 1 and 500"),
        (42, "Not a valid string"),
    ],
)
def test_card_text_limits(room, text, why):
    before = events(room)
    refused = room.refused(room.a, "card.add", step_key="approaches", text=text)
    assert refused.code == "invalid" and "payload.text" in refused.message and why in refused.message
    assert events(room) == before


def test_dot_vote_budget_and_card_maximum(room):
    fac, a, b = room.facilitator, room.a, room.b
    room.goto("questions")
    q1 = room.apply(a, "card.add", step_key="questions", text="Frage 1").result["card_id"]
    q2 = room.apply(a, "card.add", step_key="questions", text="Frage 2").result["card_id"]
    q3 = room.apply(b, "card.add", step_key="questions", text="Frage 3").result["card_id"]
    assert room.refused(a, "vote.add", card_id=q1).code == "wrong_step_type"  # not the vote step yet
    room.goto("vote")
    for _ in range(3):
        room.apply(a, "vote.add", card_id=q1)
    maximum = room.refused(a, "vote.add", card_id=q1)
    assert maximum.code == "card_max_reached" and "At most 3" in maximum.message
    room.apply(a, "vote.add", card_id=q2)
    room.apply(a, "vote.add", card_id=q2)
    before = events(room)
    budget = room.refused(a, "vote.add", card_id=q3)
    assert budget.code == "budget_exhausted" and "5" in budget.message
    assert events(room) == before
    assert room.refused(b, "vote.remove", card_id=q1).code == "no_vote_to_remove"
    assert room.refused(fac, "vote.add", card_id=q3).code == "forbidden"  # the facilitator does not vote
    back = room.apply(a, "vote.remove", card_id=q2)  # taking a dot back frees budget
    assert back.result == {"card_id": q2, "mine": 1, "remaining": 1}
    room.apply(a, "vote.add", card_id=q3)
    with room.db() as db:
        assert db.scalar(select(func.sum(Vote.count)).where(Vote.participant_id == a.id)) == 5


def test_votes_on_cards_outside_the_vote_are_refused(room):
    approach = room.apply(room.a, "card.add", step_key="approaches", text="Ansatz").result["card_id"]
    room.goto("vote")
    assert room.refused(room.a, "vote.add", card_id=approach).code == "card_not_votable"


def test_retried_operation_is_applied_once(room):
    from workshop.live import engine

    def send(actor: Actor, text: str):
        op = {"type": "card.add", "op_id": "retry-0001", "payload": {"step_key": "approaches", "text": text}}
        return engine.apply(room.sessions, room.session_id, actor, op)

    first, again = send(room.a, "Einmal"), send(room.a, "Einmal")
    assert again.duplicate and again.seq == first.seq and again.result == first.result
    with pytest.raises(engine.Rejected) as refused:
        send(room.b, "fremd")
    assert refused.value.code == "duplicate_op_id"
    assert texts(room, "approaches") == ["Einmal"]
