"""The facilitator's controls: lock, timer (across a reload), spotlight, hide, agenda times."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.live_client import LiveClient
from workshop.activities.consent import compute_consent


def test_lock_pauses_participant_input_only(live):
    fac, a = live["facilitator"], live["a"]
    assert fac.op("step.lock", step_key="approaches", locked=True)["ok"]
    refused = a.op("card.add", step_key="approaches", text="gesperrt")
    assert refused["error"]["code"] == "step_locked"
    assert fac.op("card.add", step_key="approaches", text="Moderation darf")["ok"]
    assert a.op("step.lock", step_key="approaches", locked=False)["error"]["code"] == "forbidden"
    unlocked = fac.op("step.lock", step_key="approaches", locked=False)
    a.wait_seq(unlocked["seq"])
    assert a.state["runtime"]["approaches"]["locked"] is False
    assert a.op("card.add", step_key="approaches", text="wieder offen")["ok"]


def test_timer_is_the_same_after_a_reload(live):
    fac, a, server, sid = live["facilitator"], live["a"], live["server"], live["session_id"]
    started = fac.op("timer.start", step_key="approaches")
    assert started["ok"]
    a.wait_seq(started["seq"])
    timer = a.state["runtime"]["approaches"]["timer"]
    assert timer["duration"] == 600 and timer["remaining"] == 600 and timer["running_since"]
    assert fac.op("timer.start", step_key="approaches")["error"]["code"] == "timer_running"
    paused = fac.op("timer.pause", step_key="approaches")
    assert paused["ok"]
    more = fac.op("timer.add", step_key="approaches", seconds=120)
    assert more["ok"]
    reloaded = LiveClient(server.base_url, sid, "participant", token=a.token)
    live["clients"].append(reloaded)
    after = reloaded.state["runtime"]["approaches"]["timer"]
    assert after["running_since"] is None
    assert 600 + 120 - 5 < after["remaining"] <= 600 + 120  # paused: it kept what was left, plus 2 min
    assert after["duration"] == 720
    # The clock reference travels with the snapshot so every screen counts down alike.
    assert datetime.fromisoformat(reloaded.state["server_now"])
    assert a.op("timer.start", step_key="approaches")["error"]["code"] == "forbidden"
    assert fac.op("timer.pause", step_key="approaches")["error"]["code"] == "timer_not_running"
    assert fac.op("timer.add", step_key="approaches", seconds=10**9)["error"]["code"] == "invalid"


def test_spotlight_and_hide(live):
    fac, a, b = live["facilitator"], live["a"], live["b"]
    card = a.op("card.add", step_key="approaches", text="Sieh mich an")["result"]["card_id"]
    other = b.op("card.add", step_key="approaches", text="Unpassend")["result"]["card_id"]
    shown = fac.op("spotlight.set", card_id=card)
    b.wait_seq(shown["seq"])
    assert b.state["spotlight"] == {"card_id": card, "text": "Sieh mich an"}
    hidden = fac.op("card.hide", card_id=other, hidden=True)
    for client in (a, b, fac):
        client.wait_seq(hidden["seq"])
    assert a.card_texts("approaches") == ["Sieh mich an"] == b.card_texts("approaches")
    assert [c["status"] for c in fac.cards("approaches") if c["id"] == other] == ["hidden"]
    assert fac.op("spotlight.set", card_id=other)["error"]["code"] == "card_not_visible"
    assert b.op("card.edit", card_id=other, text="x")["ok"]  # nothing is lost: the author still has it
    cleared = fac.op("spotlight.set")
    a.wait_seq(cleared["seq"])
    assert a.state["spotlight"] is None
    back = fac.op("card.hide", card_id=other, hidden=False)
    a.wait_seq(back["seq"])
    assert a.card_texts("approaches") == ["Sieh mich an", "x"]


def test_going_back_loses_nothing_and_agenda_counts_actual_time(live):
    fac, a = live["facilitator"], live["a"]
    assert a.op("card.add", step_key="approaches", text="Bleibt")["ok"]
    assert fac.op("step.goto", step_key="scope")["ok"]
    back = fac.op("step.goto", step_key="approaches")
    a.wait_seq(back["seq"])
    assert a.card_texts("approaches") == ["Bleibt"]
    runtime = a.state["runtime"]["approaches"]
    assert runtime["seconds"] > 0 and runtime["entered_at"]  # time spent before, and running again
    assert a.state["runtime"]["scope"]["seconds"] > 0


@pytest.mark.parametrize(
    "ratings, winner, tied",
    [
        # (participant, option, value); options 1, 2 and passive 3
        ([(1, 1, 2), (1, 2, 5), (1, 3, 9), (2, 1, 1), (2, 2, 0), (2, 3, 10)], 1, []),  # 3 < 5 < 19
        ([(1, 1, 2), (1, 2, 3), (2, 1, 3), (2, 2, 2), (1, 3, 9), (2, 3, 9)], None, [1, 2]),  # tie 5 = 5
        ([(1, 1, 8), (1, 2, 9), (1, 3, 1)], 3, []),  # the status quo wins
        ([], None, []),  # nobody rated
    ],
)
def test_consent_arithmetic(ratings, winner, tied):
    result = compute_consent([(1, "A", False), (2, "B", False), (3, "Passiv", True)], ratings)
    assert result["winner"] == winner
    assert result["tied"] == tied
    assert result["passive_wins"] == (winner == 3)


def test_consent_abstentions_count_neither_for_nor_against():
    # Option 1: rated 4 and 6 (mean 5). Option 2: rated 2 by one person, the other abstains
    # (mean 2; total 2 would look even better if abstentions counted as 0 — they don't count at all).
    result = compute_consent([(1, "A", False), (2, "B", False)], [(1, 1, 4), (2, 1, 6), (1, 2, 2)])
    by_id = {o["card_id"]: o for o in result["options"]}
    assert by_id[2]["abstentions"] == 1 and by_id[2]["count"] == 1 and by_id[2]["mean"] == 2.0
    assert by_id[1]["abstentions"] == 0 and by_id[1]["mean"] == 5.0
    assert result["winner"] == 2
    assert result["matrix"]["columns"] == [1, 2]
    assert sorted(result["matrix"]["rows"], key=str) == sorted([[4, 2], [6, None]], key=str)
