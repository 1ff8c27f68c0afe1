"""Merging duplicate cards through the engine (activities/card_merge.py): variants keep every
author's text and credit, dots are summed within the per-card maximum and the budget, an unmerge
gives the cards and the dots back, and every viewer's snapshot and replay agree with that."""

from __future__ import annotations

from workshop.live.engine import events_after
from workshop.live.snapshot import build_snapshot
from workshop.ops import VIEWER, Actor

# framing: "questions" (brainstorm) → "vote" (dot vote on its cards, budget 5, at most 3 per card)


def _voting_room(make_room):
    room = make_room("framing")
    room.start()
    kim, lou = room.join("Kim"), room.join("Lou")
    room.goto("questions")
    x = room.apply(kim, "card.add", step_key="questions", text="Wer entscheidet am Ende?").result["card_id"]
    y = room.apply(lou, "card.add", step_key="questions", text="Wer entscheidet zum Schluss?").result["card_id"]
    z = room.apply(kim, "card.add", step_key="questions", text="Woher kommt das Geld?").result["card_id"]
    room.goto("vote")
    return room, kim, lou, x, y, z


def _dots(room, who: Actor) -> tuple[dict, int]:
    with room.db() as db:
        state = build_snapshot(db, room.ws(db), who)["activity"]["vote"]
    return {int(k): v for k, v in state["mine"].items()}, state["remaining"]


def _vote(room, who, card_id, times=1, op="vote.add"):
    for _ in range(times):
        room.apply(who, op, card_id=card_id)


def test_a_merge_sums_dots_within_the_per_card_maximum_and_the_surplus_returns_to_the_budget(make_room):
    room, kim, lou, x, y, z = _voting_room(make_room)
    _vote(room, kim, x, 2)
    _vote(room, kim, y, 2)
    _vote(room, lou, y, 1)
    merged = room.apply(room.facilitator, "card.merge", card_ids=[x, y])
    assert merged.event["type"] == "card.merged"
    assert merged.event["payload"]["votes"] == [{"step_key": "vote", "totals": {str(x): 4}}]  # kim 3 (not 4), lou 1
    assert _dots(room, kim) == ({x: 3}, 2)  # 2 + 2 over the maximum of 3: one dot back in the budget
    assert _dots(room, lou) == ({x: 1}, 4)
    _vote(room, kim, z, 2)  # the surplus is spent again: kim's 5 dots are all used
    assert _dots(room, kim) == ({x: 3, z: 2}, 0)
    assert room.refused(kim, "vote.add", card_id=x).code == "budget_exhausted"
    assert room.refused(kim, "vote.add", card_id=y).code == "card_not_found"  # a merged card takes no votes


def test_an_unmerge_gives_the_dots_back_as_they_were_within_the_budget(make_room):
    room, kim, lou, x, y, z = _voting_room(make_room)
    _vote(room, kim, x, 2)
    _vote(room, kim, y, 2)
    _vote(room, lou, y, 1)
    merge_id = room.apply(room.facilitator, "card.merge", card_ids=[x, y]).result["merge_id"]
    _vote(room, kim, z, 2)  # kim spent the returned dot elsewhere
    undone = room.apply(room.facilitator, "card.unmerge", merge_id=merge_id)
    assert undone.event["type"] == "card.unmerged"
    # kim: x back to 2; y gets what still fits the budget of 5 (2 + 2 on z): 1 of its 2
    assert _dots(room, kim) == ({x: 2, y: 1, z: 2}, 0)
    assert _dots(room, lou) == ({y: 1}, 4)  # exactly as before
    assert undone.event["payload"]["votes"] == [{"step_key": "vote", "totals": {str(x): 2, str(y): 2}}]
    assert room.refused(room.facilitator, "card.unmerge", merge_id=merge_id).code == "merge_not_found"


def test_a_voter_who_changed_their_dots_since_the_merge_keeps_them_where_they_put_them(make_room):
    room, kim, _lou, x, y, _z = _voting_room(make_room)
    _vote(room, kim, x, 1)
    _vote(room, kim, y, 1)
    merge_id = room.apply(room.facilitator, "card.merge", card_ids=[x, y]).result["merge_id"]
    _vote(room, kim, x, 1, op="vote.remove")  # 2 → 1 on the merged card
    room.apply(room.facilitator, "card.unmerge", merge_id=merge_id)
    assert _dots(room, kim) == ({x: 1}, 4)


def test_every_authors_text_and_credit_stay_as_variants_and_come_back_whole(make_room):
    room, kim, lou, x, y, _z = _voting_room(make_room)
    merge_id = room.apply(room.facilitator, "card.merge", card_ids=[x, y]).result["merge_id"]
    with room.db() as db:
        for viewer in (room.facilitator, Actor(VIEWER), lou):
            cards = {c["id"]: c for c in build_snapshot(db, room.ws(db), viewer)["cards"]}
            assert y not in cards
            [variant] = cards[x]["variants"]
            assert (variant["id"], variant["text"], variant["author"]) == (y, "Wer entscheidet zum Schluss?", "Lou")
            assert variant.get("mine", False) == (viewer == lou)
    room.goto("questions")
    # Lou's card lives on as a variant: editing or deleting it says so (not "there is no card")
    assert room.refused(lou, "card.edit", card_id=y, text="anders").code == "card_merged"
    assert room.refused(lou, "card.delete", card_id=y).code == "card_merged"
    assert room.refused(kim, "card.delete", card_id=x).code == "card_has_variants"  # it holds Lou's text
    room.apply(room.facilitator, "card.unmerge", merge_id=merge_id)
    with room.db() as db:
        cards = {c["id"]: c for c in build_snapshot(db, room.ws(db), Actor(VIEWER))["cards"]}
    assert cards[y]["text"] == "Wer entscheidet zum Schluss?" and cards[y]["author"] == "Lou"
    assert "variants" not in cards[x]


def test_a_replay_shows_the_merge_and_the_unmerge_to_every_viewer(make_room):
    room, kim, lou, x, y, _z = _voting_room(make_room)
    _vote(room, kim, y, 2)
    merge_id = room.apply(room.facilitator, "card.merge", card_ids=[x, y]).result["merge_id"]
    room.apply(room.facilitator, "card.unmerge", merge_id=merge_id)
    with room.db() as db:
        for viewer in (room.facilitator, Actor(VIEWER), kim):
            events = {e["type"]: e["payload"] for e in events_after(db, room.session_id, 0, 500, viewer)}
            assert events["card.merged"]["merged_ids"] == [y] and events["card.merged"]["merge_id"] == merge_id
            assert [c["id"] for c in events["card.unmerged"]["data"]["cards"]] == [y]
            assert events["card.unmerged"]["votes"][0]["totals"][str(y)] == 2


def test_a_hidden_votes_totals_stay_with_the_staff(make_room):
    room = make_room("framing")
    with room.db() as db:  # the vote hidden until its reveal
        ws = room.ws(db)
        steps = [{**s, "hidden": True} if s["key"] == "vote" else s for s in ws.steps]
        ws.template = {**ws.template, "steps": steps}
        db.commit()
    room.start()
    kim = room.join("Kim")
    room.goto("questions")
    x = room.apply(kim, "card.add", step_key="questions", text="Eins").result["card_id"]
    y = room.apply(kim, "card.add", step_key="questions", text="Zwei").result["card_id"]
    room.goto("vote")
    _vote(room, kim, y, 1)
    merged = room.apply(room.facilitator, "card.merge", card_ids=[x, y])
    assert merged.event["payload"]["votes"] == [{"step_key": "vote", "totals": {str(x): 1}}]
    assert merged.public_event["payload"]["votes"] == [{"step_key": "vote", "redacted": True}]


def test_what_cannot_be_merged_is_refused_and_changes_nothing(make_room):
    room, kim, lou, x, y, _z = _voting_room(make_room)
    assert room.refused(lou, "card.merge", card_ids=[x, y]).code == "forbidden"
    assert room.refused(room.facilitator, "card.merge", card_ids=[x]).code == "invalid"
    assert room.refused(room.facilitator, "card.merge", card_ids=[x, x]).code == "invalid"
    assert room.refused(room.facilitator, "card.merge", card_ids=[x, 999999]).code == "card_not_found"
    room.apply(room.facilitator, "card.hide", card_id=y, hidden=True)
    assert room.refused(room.facilitator, "card.merge", card_ids=[x, y]).code == "not_mergeable"
    room.goto("approaches")
    other = room.apply(kim, "card.add", step_key="approaches", text="Woanders").result["card_id"]
    assert room.refused(room.facilitator, "card.merge", card_ids=[x, other]).code == "not_same_step"
    with room.db() as db:
        cards = {c["id"] for c in build_snapshot(db, room.ws(db), room.facilitator)["cards"]}
    assert {x, y, other} <= cards


def test_a_silent_steps_cards_are_merged_after_the_reveal(make_room):
    room = make_room("knowledge_merge")
    room.start()
    kim = room.join("Kim")
    room.goto("knowledge")
    a = room.apply(kim, "card.add", step_key="knowledge", text="Eins").result["card_id"]
    b = room.apply(kim, "card.add", step_key="knowledge", text="Eins!").result["card_id"]
    assert room.refused(room.facilitator, "card.merge", card_ids=[a, b]).code == "not_revealed"
    room.apply(room.facilitator, "step.reveal", step_key="knowledge")
    room.apply(room.facilitator, "card.merge", card_ids=[a, b])


def test_a_captured_merged_card_names_the_cards_merged_into_it_in_the_records_provenance(make_room):
    from workshop.measures.models import Measure
    from workshop.measures.record import current_values

    room, kim, lou, x, y, z = _voting_room(make_room)
    _vote(room, kim, x, 1)
    room.apply(room.facilitator, "card.merge", card_ids=[x, y])
    room.apply(room.facilitator, "record.capture", step_key="vote")
    with room.db() as db:
        lines = current_values(db, db.get(Measure, room.ws(db).measure_id))["central_questions"].lines
    by_card = {line["source"]["card_id"]: line["source"] for line in lines}
    assert list(by_card) == [x]  # only voted cards are a vote's result
    assert by_card[x]["merged"] == [{"card_id": y, "text": "Wer entscheidet zum Schluss?"}]
    assert "Lou" not in str(lines)  # no participant's name goes into the record
