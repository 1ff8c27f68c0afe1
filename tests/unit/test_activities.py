"""Each activity type in-process: its ops, its state, its results and its protocol part."""

from __future__ import annotations

import pytest

from workshop.activities.cards import live_cards
from workshop.activities.registry import ACTIVITIES, ACTIVITY_OPS, activity_for
from workshop.agenda.templates import TemplateError, parse_template_data
from workshop.live.snapshot import build_snapshot
from workshop.ops import VIEWER, Actor
from workshop.protocols.model import build_protocol


def _state(room, step_key: str, viewer: Actor) -> dict:
    with room.db() as db:
        ws = room.ws(db)
        return activity_for(ws.step(step_key)).state(db, ws, ws.step(step_key), viewer)


def _protocol(room):
    with room.db() as db:
        return build_protocol(db, room.ws(db))


def test_every_op_that_needs_a_step_names_only_registered_step_types():
    for spec in ACTIVITY_OPS.values():
        assert spec.step_types <= set(ACTIVITIES), spec.type


def test_brainstorm_cards_only_in_the_current_step(make_room):
    room = make_room()
    kim = room.join("Kim")
    room.start()
    card = room.apply(kim, "card.add", step_key="approaches", text="Beratung").result["card_id"]
    room.apply(kim, "card.edit", card_id=card, text="Beratung vor Ort")
    room.goto("scope")
    assert room.refused(kim, "card.add", step_key="approaches", text="zu spät").code == "step_not_active"
    assert room.refused(kim, "card.add", step_key="scope", column_key="nope", text="x").code == "unknown_column"
    with room.db() as db:
        ws = room.ws(db)
        results = activity_for(ws.step("approaches")).results(db, ws, ws.step("approaches"))
    assert [r.text for r in results] == ["Beratung vor Ort"]


def test_moderated_cards_wait_for_approval(make_room):
    room = make_room("public_participation")
    anon = room.join()
    room.start()
    added = room.apply(anon, "card.add", step_key="ideas", text="Mehr Bänke")
    assert added.public_event["payload"]["redacted"]  # the room sees only that one waits
    room.apply(room.facilitator, "card.approve", card_id=added.result["card_id"])
    with room.db() as db:
        snapshot = build_snapshot(db, room.ws(db), Actor(VIEWER, room.facilitator.id))
    assert [c["text"] for c in snapshot["cards"]] == ["Mehr Bänke"]


def test_draft_steps_take_the_card_ops(make_room):
    room = make_room("co_drafting")
    kim = room.join("Kim")
    room.start()
    assert room.apply(kim, "card.add", step_key="draft", text="Ziel: schneller").result["card_id"]


def test_cluster_groups_cards_of_its_source(make_room):
    room = make_room("knowledge_merge")
    kim = room.join("Kim")
    room.start()
    card = room.apply(kim, "card.add", step_key="knowledge", text="Akten digital").result["card_id"]
    room.goto("clusters")
    cluster = room.apply(room.facilitator, "cluster.create", title="Digitalisierung").result["cluster_id"]
    room.apply(room.facilitator, "card.cluster", card_id=card, cluster_id=cluster)
    assert _state(room, "clusters", room.facilitator)["clusters"][0]["title"] == "Digitalisierung"
    protocol = _protocol(room)
    assert protocol.agenda[4].results == ["Digitalisierung (1 Beitrag)"]
    # the card stands once, in its own TOP, with its cluster's title
    assert [(c.text, c.notes) for c in protocol.agenda[0].cards] == [("Akten digital", ["Digitalisierung"])]


def test_dot_vote_budget_maximum_totals_and_protocol(make_room):
    room = make_room()
    kim = room.join("Kim")
    room.start()
    room.goto("questions")
    q1 = room.apply(kim, "card.add", step_key="questions", text="Frage 1").result["card_id"]
    q2 = room.apply(kim, "card.add", step_key="questions", text="Frage 2").result["card_id"]
    room.goto("vote")
    for _ in range(3):
        room.apply(kim, "vote.add", card_id=q2)
    assert room.refused(kim, "vote.add", card_id=q2).code == "card_max_reached"
    room.apply(kim, "vote.add", card_id=q1)
    room.apply(kim, "vote.add", card_id=q1)
    assert room.refused(kim, "vote.add", card_id=q1).code == "budget_exhausted"
    assert room.apply(kim, "vote.remove", card_id=q1).result["remaining"] == 1
    state = _state(room, "vote", kim)
    assert state["totals"] == {str(q2): 3, str(q1): 1} and state["remaining"] == 1
    protocol = _protocol(room)
    questions = protocol.agenda[3]
    assert [(c.text, c.notes[0]) for c in questions.cards] == [("Frage 2", "3 Punkte"), ("Frage 1", "1 Punkt")]
    vote = protocol.agenda[4]
    assert vote.results[0] == "Frage 2 (3 Punkte)"
    assert "Frage 2" in protocol.open_points  # voted, not yet in the record
    # each phone's own dots beside the room's totals (one query for both: vote_sums)
    lea = room.join("Lea")
    room.apply(lea, "vote.add", card_id=q1)
    lea_state, kim_state = _state(room, "vote", lea), _state(room, "vote", kim)
    assert lea_state["mine"] == {str(q1): 1} and lea_state["remaining"] == 4
    assert kim_state["mine"] == {str(q2): 3, str(q1): 1} and kim_state["remaining"] == 1
    assert lea_state["totals"] == kim_state["totals"] == {str(q2): 3, str(q1): 2}


def test_a_hidden_vote_shows_a_phone_its_own_dots_but_not_the_totals(make_room):
    room = make_room("knowledge_merge")
    kim, lea = room.join("Kim"), room.join("Lea")
    room.start()
    room.goto("clusters")
    cluster = room.apply(room.facilitator, "cluster.create", title="Akten").result["cluster_id"]
    room.goto("weigh")
    room.apply(kim, "vote.add", cluster_id=cluster)
    room.apply(lea, "vote.add", cluster_id=cluster)
    kim_state = _state(room, "weigh", kim)
    assert kim_state["totals"] == {} and kim_state["mine"] == {str(cluster): 1} and kim_state["remaining"] == 2
    assert _state(room, "weigh", room.facilitator)["totals"] == {str(cluster): 2}
    assert "mine" not in _state(room, "weigh", room.facilitator)


def test_consent_ratings_on_its_options(make_room):
    room = make_room("mandate")
    kim = room.join("Kim")
    room.start()
    room.goto("consent")
    assert _state(room, "consent", room.facilitator)["raters"] == 0
    with room.db() as db:
        option = live_cards(db, room.session_id, "consent")[0].id
    room.apply(kim, "rating.set", card_id=option, value=2)
    assert _state(room, "consent", kim)["mine"] == {str(option): 2}
    room.apply(kim, "rating.clear", card_id=option)
    assert _state(room, "consent", kim)["mine"] == {}


def test_a_hidden_poll_tells_the_room_only_that_someone_answered(make_room):
    room = make_room("mandate")
    kim = room.join("Kim")
    room.start()
    room.goto("fist")
    answered = room.apply(kim, "poll.answer", choices=[4])
    assert answered.event["payload"]["counts"][4] == 1
    assert answered.public_event["payload"]["redacted"] and "counts" not in answered.public_event["payload"]
    assert room.refused(kim, "poll.answer", choices=[9]).code == "invalid"


def test_action_items_become_the_protocols_tasks(make_room):
    room = make_room("co_drafting")
    kim = room.join("Kim")
    room.start()
    room.goto("next_steps")
    item = room.apply(kim, "action.add", who="Kim", what="Entwurf verschicken", due="2026-12-01").result["item_id"]
    sam = room.join("Sam")
    assert room.refused(sam, "action.delete", item_id=item).code == "not_your_item"
    protocol = _protocol(room)
    assert [(t.what, t.who, t.due) for t in protocol.tasks] == [("Entwurf verschicken", "Kim", "01.12.2026")]
    assert protocol.agenda[2].results == ["Entwurf verschicken – Kim – bis 01.12.2026"]


def test_summary_has_no_results_and_cannot_capture():
    assert activity_for({"type": "summary"}).capturable is False
    template = {
        "key": "t",
        "title": "T",
        "unit": 1,
        "steps": [{"key": "s", "type": "summary", "title": "Zusammenfassung", "capture": {"field": "ziel"}}],
    }
    with pytest.raises(TemplateError, match="capture: a summary step has nothing to capture"):
        parse_template_data(template, "test")


def test_screens_get_each_steps_own_settings(make_room):
    room = make_room("knowledge_merge")
    with room.db() as db:
        snapshot = build_snapshot(db, room.ws(db), room.facilitator)
    steps = {s["key"]: s for s in snapshot["steps"]}
    assert steps["knowledge"]["silent"] is True and "columns" in steps["knowledge"]
    assert steps["weigh"]["source"] == "clusters" and steps["weigh"]["budget"] == 3 and steps["weigh"]["hidden"]
    assert "budget" not in steps["knowledge"]


def test_a_snapshot_names_its_card_authors_without_reading_the_whole_room(make_room):
    """Every phone of a join storm gets a snapshot; each used to read every participant's name
    (a storm of 2,000 phones: 2 million rows). Now only the names its cards need are read."""
    from sqlalchemy import event

    room = make_room()
    kim = room.join("Kim")
    for i in range(30):
        room.join(f"Gast {i}")
    room.start()
    room.apply(kim, "card.add", step_key="approaches", text="Beratung vor Ort")
    name_queries: list[str] = []
    with room.db() as db:

        def count_name_rows(_conn, _cursor, statement, _parameters, _context, _many):
            if "participants.display_name" in statement:
                name_queries.append(" ".join(statement.split()))

        event.listen(db.get_bind(), "after_cursor_execute", count_name_rows)
        try:
            snapshot = build_snapshot(db, room.ws(db), Actor(VIEWER))
        finally:
            event.remove(db.get_bind(), "after_cursor_execute", count_name_rows)
    assert [(c["text"], c["author"]) for c in snapshot["cards"]] == [("Beratung vor Ort", "Kim")]
    assert snapshot["participants"] == 31
    # the names read are those of the cards' authors (Kim), not the 31 of the room
    assert name_queries and all("participants.id IN" in q for q in name_queries), name_queries
