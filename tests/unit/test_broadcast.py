"""The broadcaster's windows, in-process: an event that can wait (a head count) waits for company,
one that cannot takes the waiting ones along at once, and a join's answer does not wait for its
broadcast. socketio.emit is watched instead of a socket client (as in test_submit.py)."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from workshop.config import load_config
from workshop.extensions import socketio
from workshop.live.transport.broadcast import Broadcaster, room

A_MINUTE = 60.0  # a slow window no test waits out: what arrives before it went sooner


@pytest.fixture
def app(threading_app):
    return threading_app(BROADCAST_SLOW_WINDOW_MS=int(A_MINUTE * 1000))


@pytest.fixture
def emitted(app, monkeypatch):
    """(message, data, room) of every emit, and an event set at each."""
    sent: list[tuple[str, object, str]] = []
    arrived = threading.Event()

    def emit(message, data, to):
        sent.append((message, data, to))
        arrived.set()

    monkeypatch.setattr(socketio, "emit", emit)
    return sent, arrived


def _event(seq: int, type_: str = "card.added") -> dict:
    return {"seq": seq, "type": type_, "payload": {}, "at": "2026-12-04T22:00:00+00:00"}


def test_a_head_count_waits_for_company_and_the_next_event_that_cannot_wait_takes_it_along(app, emitted):
    sent, arrived = emitted
    broadcaster = Broadcaster(0.0, 0.0, A_MINUTE)
    joined = _event(1, "participant.joined")
    flushed = broadcaster.send(7, joined, joined, can_wait=True)
    assert flushed is not None, "a head count alone must wait for company"
    assert not arrived.wait(0.2) and sent == []  # still waiting (its window is a minute)

    card = _event(2)
    assert broadcaster.send(7, card, card) is flushed  # goes with the waiting batch…
    assert flushed.wait(10), "…which the event that cannot wait sends at once, not after the minute"
    assert sent == [
        ("events", [joined, card], room(7, "staff")),
        ("events", [joined, card], room(7, "public")),
    ]  # both rooms, one batch each, in seq order


def test_an_event_that_cannot_wait_goes_at_once_after_a_quiet_moment(app, emitted):
    sent, _arrived = emitted
    broadcaster = Broadcaster(0.0, 0.0, A_MINUTE)
    card = _event(1)
    assert broadcaster.send(7, card, card) is None  # sent already
    assert [message for message, *_ in sent] == ["event", "event"]


def test_a_join_is_answered_before_its_head_count_is_broadcast(app, make_room, emitted):
    """The joiner is not in the room yet (its snapshot counts itself); the phones already in get
    the count with the next event or within the slow window."""
    sent, arrived = emitted
    room_ = make_room("framing")
    with room_.db() as db:
        code = room_.ws(db).join_code
    answers: list = []
    client = app.test_client()
    asking = threading.Thread(target=lambda: answers.append(client.post("/api/join", json={"code": code})))
    asking.start()
    asking.join(timeout=30)
    assert answers and answers[0].get_json()["ok"], "the join waited for its broadcast's slow window"
    assert sent == []  # the count is still waiting for company


def test_a_head_count_waits_less_than_a_phone_waits_for_a_missing_event():
    """On several processes an event of another process can overtake a head count held back here;
    if it waited longer than the phones wait for a missing event, every screen would ask for a
    sync at each join (seen in review, not in a test run)."""
    live_js = (Path(__file__).resolve().parents[2] / "static" / "js" / "live.js").read_text()
    gap_wait_ms = int(re.search(r"if \(early\.size\) sync\(\); \}, (\d+)\)", live_js).group(1))
    assert load_config()["BROADCAST_SLOW_WINDOW_MS"] < gap_wait_ms


def test_an_own_form_goes_to_its_author_alone_inside_the_batch(app, emitted):
    """The acting participant's own form of an event (their silent or pending card) replaces the
    room's form in the batch their screens get; the room's batch is the same for everyone else."""
    sent, _arrived = emitted
    broadcaster = Broadcaster(0.0, 0.0, A_MINUTE)
    joined = _event(1, "participant.joined")
    flushed = broadcaster.send(7, joined, joined, can_wait=True)
    staff, room_form = _event(2), {**_event(2), "payload": {"redacted": True}}
    own = {**_event(2), "payload": {"card": {"id": 5, "mine": True}}}
    assert broadcaster.send(7, staff, room_form, personal=[([3], own)]) is flushed
    assert flushed.wait(10)
    assert sent == [
        ("events", [joined, staff], room(7, "staff")),
        ("events", [joined, own], room(7, "participant:3")),
        ("events", [joined, room_form], room(7, "public")),
    ]
