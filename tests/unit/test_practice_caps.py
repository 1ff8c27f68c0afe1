"""Simulated participants are capped per session, per facilitator and per process, tick no faster
than the floor outside tests, and all practice of a process shares a fixed part of its loop
(issue 28: two practice sessions × 200 bots at 0.02 s took a real session's ack from 9 ms to 6 s)."""

from __future__ import annotations

import pytest

from workshop.training import simulation
from workshop.training.simulation import PracticeBudget, TooManyBots, start_simulation, stop_simulations


@pytest.fixture
def app(threading_app, monkeypatch):
    monkeypatch.setattr(simulation.Simulation, "start", lambda self: None)  # bookkeeping only: no room is run
    return threading_app()


def refused(app, session_id, count, facilitator) -> TooManyBots:
    with pytest.raises(TooManyBots) as caught:
        start_simulation(app, session_id, count, "lively", 3.0, facilitator)
    return caught.value


def test_caps_per_session_facilitator_and_process(app):
    """Failed before: only the session had a cap (200), so one facilitator could run 200 bots in
    each of as many practice sessions as they liked."""
    start_simulation(app, 1, 150, "lively", 3.0, facilitator_id=7)
    assert "200" in refused(app, 1, 51, 7).text("de")  # per session
    too_many_for_one = refused(app, 2, 51, 7)  # another session of the same facilitator
    assert "für Sie in allen Übungen" in too_many_for_one.text("de") and "150" in too_many_for_one.text("de")
    assert "for you in all practice sessions" in too_many_for_one.text("en")
    start_simulation(app, 2, 50, "lively", 3.0, facilitator_id=7)
    start_simulation(app, 3, 200, "lively", 3.0, facilitator_id=8)
    on_the_server = refused(app, 4, 1, 9)  # a third facilitator: the process is full (400)
    assert "400" in on_the_server.text("de") and "on this server" in on_the_server.text("en")
    assert stop_simulations(app, 3) == 200
    start_simulation(app, 4, 1, "lively", 3.0, facilitator_id=9)  # room again


def test_the_pace_has_a_floor_outside_tests(app, threading_app):
    assert start_simulation(app, 1, 2, "quiet", 0.02, 7).pace == 0.5
    fast = threading_app(PRACTICE_MIN_PACE=0.02)
    assert start_simulation(fast, 1, 2, "quiet", 0.02, 7).pace == 0.02


def test_practice_gets_at_most_its_share_of_the_loop():
    budget = PracticeBudget(share=0.1, burst=0.5)
    assert budget.wait_time() == 0
    budget.charge(0.5 + 0.2)  # 0.2 s beyond the burst
    assert budget.wait_time() == pytest.approx(2.0, abs=0.05)  # refilled at 0.1 s per second
