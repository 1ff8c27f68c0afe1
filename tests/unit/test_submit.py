"""live.submit(): the one way in, from an HTTP request and from a plain thread, in-process.

A Flask-SocketIO test client stands in for a phone in the room: it sees what was broadcast.
"""
from __future__ import annotations

import threading

import pytest

from workshop import live
from workshop.app import create_app
from workshop.extensions import socketio
from workshop.live.engine import Applied
from workshop.ops import Actor, Rejected


@pytest.fixture
def app(database_url):
    return create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "SOCKETIO_ASYNC_MODE": "threading",
                       "RATELIMIT_ENABLED": False, "BROADCAST_WINDOW_MS": 0})


def _events(client) -> list[dict]:
    received = client.get_received()
    return [event for message in received if message["name"] in ("event", "events")
            for event in (message["args"][0] if message["name"] == "events" else [message["args"][0]])]


def test_http_join_and_a_plain_thread_go_through_submit_and_are_broadcast(app, make_room):
    room = make_room("framing")
    with room.db() as db:
        code = room.ws(db).join_code
    joined = app.test_client().post("/api/join", json={"code": code, "display_name": "Kim"}).get_json()
    assert joined["ok"], joined
    phone = socketio.test_client(app, auth={"session_id": room.session_id, "role": "participant",
                                            "token": joined["token"]})
    assert phone.is_connected()
    phone.get_received()  # the snapshot

    outcomes = []
    worker = threading.Thread(target=lambda: outcomes.append(
        live.submit(room.session_id, room.facilitator, {"type": "session.start"}, app=app)))
    worker.start()
    worker.join(timeout=10)
    assert isinstance(outcomes[0], Applied), outcomes
    assert [e["type"] for e in _events(phone)] == ["session.started"]

    with app.app_context():  # in a handler: the current app, no app= needed
        refused = live.submit(room.session_id, room.facilitator, {"type": "session.start"})
    assert isinstance(refused, Rejected) and refused.code == "wrong_session_state"
    assert _events(phone) == []  # a refusal changes nothing and tells the room nothing
    phone.disconnect()


def test_submit_outside_the_app_says_what_to_do(make_room):
    with pytest.raises(RuntimeError, match="pass app"):
        live.submit(1, Actor.system(), {"type": "session.start"})
