"""The simulated participants' brain and the debrief's figures, in-process (no server)."""

from __future__ import annotations

import pytest

from workshop.training.bots import DOMINANT_CARDS, TEMPERS, make_bots, next_op, phrase_banks
from workshop.training.debrief import clock, gini


def view(step: dict, cards=(), status="live", locked=False) -> dict:
    return {
        "session": {"status": status, "current_step": 0},
        "steps": [step],
        "cards": list(cards),
        "runtime": {step["key"]: {"locked": locked}},
        "activity": {},
    }


def joined(count=5, temper="lively", seed=1):
    bots = make_bots(count, temper, seed)
    for number, bot in enumerate(bots, 1):
        bot.participant_id = number
    return bots


def ops_until_quiet(bot, room, ticks=200):
    return [op for tick in range(ticks) if (op := next_op(bot, room, tick))]


def test_cards_come_from_the_phrase_bank_of_the_step_and_column():
    step = {"key": "scope", "type": "brainstorm", "columns": [{"key": "in"}, {"key": "out"}]}
    ops = [op for bot in joined(10) for op in ops_until_quiet(bot, view(step))]
    banks = phrase_banks()
    assert {op["payload"]["column_key"] for op in ops} == {"in", "out"}
    for op in ops:
        assert op["type"] == "card.add"
        assert op["payload"]["text"] in banks[f"scope.{op['payload']['column_key']}"]


def test_one_person_dominates_a_dominant_room():
    step = {"key": "approaches", "type": "brainstorm"}
    bots = joined(6, "dominant")
    written = [len(ops_until_quiet(bot, view(step))) for bot in bots]
    assert written[0] == DOMINANT_CARDS and max(written[1:]) == 1


def test_votes_never_exceed_the_budget_and_go_to_cards_of_the_source():
    step = {"key": "vote", "type": "dot_vote", "source": "questions", "budget": 5}
    cards = [{"id": i, "step_key": "questions", "status": "visible"} for i in range(10, 16)]
    cards.append({"id": 99, "step_key": "other", "status": "visible"})
    room = view(step, cards)
    room["steps"].append({"key": "questions", "type": "brainstorm"})
    for bot in joined(8):
        ops = ops_until_quiet(bot, room)
        assert len(ops) == 5
        assert all(op["payload"]["card_id"] in range(10, 16) for op in ops)


def test_consent_rates_every_option_once_and_polls_answer_once():
    consent = {"key": "consent", "type": "consent"}
    options = [{"id": 1, "step_key": "consent", "column_key": "passive"}, {"id": 2, "step_key": "consent"}]
    ops = ops_until_quiet(joined(1)[0], view(consent, options))
    assert [op["payload"]["card_id"] for op in ops] == [1, 2]
    assert all(0 <= op["payload"]["value"] <= 10 for op in ops)
    fist = {"key": "fist", "type": "poll", "options": list("012345")}
    ops = ops_until_quiet(joined(1)[0], view(fist))
    assert len(ops) == 1 and 0 <= ops[0]["payload"]["choices"][0] <= 5


@pytest.mark.parametrize(
    "room",
    [
        view({"key": "a", "type": "brainstorm"}, status="ready"),
        view({"key": "a", "type": "brainstorm"}, locked=True),
        view({"key": "a", "type": "brainstorm", "authors": "facilitator"}),
        view({"key": "s", "type": "summary"}),
    ],
)
def test_bots_stay_quiet_where_a_person_could_not_act(room):
    assert not any(ops_until_quiet(bot, room) for bot in joined(3))


def test_late_joiners_come_later_and_tempers_are_checked():
    late = make_bots(40, "late", seed=3)
    assert sum(1 for b in late if b.join_at_tick > 10) >= 10
    assert set(TEMPERS) == {"quiet", "lively", "dominant", "late", "drops"}
    with pytest.raises(ValueError, match="temper must be one of"):
        make_bots(3, "angry")


def test_gini_and_clock():
    assert gini([3, 3, 3]) == 0
    assert gini([0, 0, 0, 9]) == 0.75  # one of four did everything: 1 - 1/n
    assert gini([]) == 0
    assert clock(65) == "1:05" and clock(-30) == "−0:30" and clock(3725) == "1:02:05"


def test_a_flash_round_gets_one_word_from_each_simulated_participant():
    """Regression (issue 27): simulated participants skipped the Blitzlicht (no bot action for it)."""
    step = {"key": "mood", "type": "blitzlicht"}
    bots = joined(8, "lively")
    said = [ops_until_quiet(bot, view(step)) for bot in bots]
    assert all(len(ops) == 1 for ops in said)
    assert all(op["type"] == "blitz.say" and 1 <= len(op["payload"]["text"]) <= 40 for ops in said for op in ops)
