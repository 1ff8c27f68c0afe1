"""A connect's snapshot and the room's events are in order (issue 34): a screen never gets an
event newer than its snapshot before that snapshot, and misses none committed meanwhile.

Before: the socket joined the room first and then read its snapshot. An event committed while the
snapshot was read (by this process or another, through Redis) reached the new connection first;
the client applied it and then replaced its state with the older snapshot (the facilitator's
reconnect: snapshot seq 839 after event 840), and the event was gone until the next one showed
the gap. Here a second phone's card is committed and broadcast in the middle of the connect."""

from __future__ import annotations

from workshop import live
from workshop.extensions import socketio
from workshop.live.transport import sockets
from workshop.ops import PARTICIPANT, Actor
from workshop.sessions.models import WorkshopSession


def _joined(app, session_id: int) -> tuple[Actor, str]:
    outcome = live.submit(session_id, Actor.system(), {"type": "participant.join", "payload": {}}, app=app)
    return Actor(PARTICIPANT, outcome.result["participant_id"]), outcome.result["token"]


def test_an_event_committed_while_the_snapshot_is_read_comes_after_it(threading_app, make_room, monkeypatch):
    app = threading_app()
    room = make_room()
    room.start()
    writer, _token = _joined(app, room.session_id)
    _phone, token = _joined(app, room.session_id)
    real_build = sockets.build_snapshot
    committed: list[int] = []

    def build_while_someone_writes(db, ws, viewer):
        snapshot = real_build(db, ws, viewer)
        if not committed:  # once: the card lands between this read and the snapshot's sending
            op = {"type": "card.add", "payload": {"step_key": "approaches", "text": "mittendrin"}}
            committed.append(live.submit(room.session_id, writer, op, app=app).seq)
        return snapshot

    monkeypatch.setattr(sockets, "build_snapshot", build_while_someone_writes)
    client = socketio.test_client(app, auth={"session_id": room.session_id, "role": "participant", "token": token})
    assert client.is_connected()
    received = client.get_received()
    names = [message["name"] for message in received]
    assert names[0] == "snapshot", f"the snapshot must come first, got {names}"
    snapshot_seq = received[0]["args"][0]["seq"]
    after = [event for message in received[1:] for event in _events(message)]
    assert committed and committed[0] > snapshot_seq, "the card is newer than the snapshot"
    assert [event["seq"] for event in after if event["seq"] > snapshot_seq] == [committed[0]], (
        f"the card committed during the connect must follow the snapshot: {received[1:]}"
    )
    with room.db() as db:
        assert db.get(WorkshopSession, room.session_id).last_seq == committed[0]
    client.disconnect()


def _events(message: dict) -> list[dict]:
    if message["name"] == "event":
        return [message["args"][0]]
    if message["name"] == "events":
        return list(message["args"][0])
    return []
