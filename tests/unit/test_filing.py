"""Filing-ready results (issue 30, point 3), in-process: what a capture writes into the record.

A cluster (or a vote on clusters) captures as its title — or, if chosen, its title with its cards,
each once —, a capture never writes a line twice, and the provenance names the unit a step came
from (a unit-2 step appended to a unit-1 session says Baustein 2).
"""

from __future__ import annotations

import pytest

from tests.walk import Walk, make_walk_session
from workshop.measures.models import Measure
from workshop.measures.record import current_values


@pytest.fixture
def walk(make_room):
    room = make_room("framing")
    with room.db() as db:
        make_walk_session(db, room.session_id)
    walk = Walk(room.sessions, room.session_id, room.facilitator.id)
    walk.join(6, named=3)
    walk.apply(walk.facilitator, "session.start")
    walk.goto("knowledge")
    texts = ["Akten digital", "akten  digital", "Datenschutz früh klären", "Datenschutz früh klären", "Personalrat"]
    cards = [
        walk.apply(walk.people[i], "card.add", step_key="knowledge", column_key="internal", text=t)
        for i, t in enumerate(texts)
    ]
    walk.apply(walk.facilitator, "step.reveal", step_key="knowledge")
    walk.goto("clusters")
    walk.themes = [
        walk.apply(walk.facilitator, "cluster.create", title=t).result["cluster_id"]
        for t in ("Digitalisierung", "Recht")
    ]
    for card, theme in zip(cards, [0, 0, 1, 1, 1], strict=True):
        walk.apply(walk.facilitator, "card.cluster", card_id=card.result["card_id"], cluster_id=walk.themes[theme])
    walk.goto("weigh")
    for person, theme in zip(walk.people, [0, 0, 0, 1, 1, 0], strict=True):
        walk.apply(person, "vote.add", cluster_id=walk.themes[theme])
    walk.room = room
    return walk


def field_lines(walk, key: str) -> list[dict]:
    with walk.room.db() as db:
        measure = db.get(Measure, walk.room.ws(db).measure_id)
        value = current_values(db, measure).get(key)
        return value.lines if value else []


def test_a_vote_on_clusters_captures_the_cluster_titles_once(walk):
    applied = walk.apply(walk.facilitator, "record.capture", step_key="weigh", field_key="initial_situation")
    assert applied.result["added"] == 2
    assert [line["text"] for line in field_lines(walk, "initial_situation")] == ["Digitalisierung", "Recht"]
    # Again: nothing new, nothing twice.
    again = walk.apply(walk.facilitator, "record.capture", step_key="weigh", field_key="initial_situation")
    assert again.result["added"] == 0
    assert len(field_lines(walk, "initial_situation")) == 2


def test_a_cluster_with_its_cards_names_each_card_once(walk):
    walk.apply(walk.facilitator, "record.capture", step_key="weigh", field_key="open_questions", clusters="cards")
    assert [line["text"] for line in field_lines(walk, "open_questions")] == [
        "Digitalisierung: Akten digital",
        "Recht: Datenschutz früh klären; Personalrat",
    ]


def test_the_provenance_names_the_unit_a_step_came_from(walk):
    walk.apply(walk.facilitator, "record.capture", step_key="weigh", field_key="initial_situation")
    sources = [line["source"] for line in field_lines(walk, "initial_situation")]
    assert {source["unit"] for source in sources} == {2}, "weigh is a unit-2 step appended to a unit-1 session"
    walk.goto("questions")
    card = walk.apply(walk.people[0], "card.add", step_key="questions", text="Wer entscheidet?").result["card_id"]
    walk.apply(walk.facilitator, "record.capture", step_key="questions", field_key="central_questions", card_ids=[card])
    assert field_lines(walk, "central_questions")[0]["source"]["unit"] == 1


def test_the_same_words_are_not_captured_twice_from_a_brainstorm(walk):
    walk.goto("practices")
    for person, text in zip(walk.people, ["Leipzig", "leipzig ", "Bonn"], strict=False):
        walk.apply(person, "card.add", step_key="practices", text=text)
    applied = walk.apply(walk.facilitator, "record.capture", step_key="practices", field_key="inspiring_examples")
    assert [line["text"] for line in field_lines(walk, "inspiring_examples")] == ["Leipzig", "Bonn"]
    assert applied.result["added"] == 2


def test_a_shape_that_does_not_exist_is_refused(walk):
    from workshop.ops import Rejected

    with pytest.raises(Rejected) as refused:
        walk.apply(walk.facilitator, "record.capture", step_key="weigh", field_key="initial_situation", clusters="all")
    assert "clusters" in refused.value.message
