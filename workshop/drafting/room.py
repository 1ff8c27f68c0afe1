"""The room: who is connected to which measure's editor, where their caret is, and the fan-out.

Like pycrdt-websocket's YRoom minus the document: it knows connections and Socket.IO rooms, not
the log or the record. Emits go through Flask-SocketIO, so with a message queue (Redis) they reach
the editors connected to every process. Presence kept here is this process's connections only (the
draft.join answer); so a join is announced to the room (draft.presence with joined: true), and an
editor in a field answers with its caret, which reaches the newcomer on whichever process it is.
"""

from __future__ import annotations

from base64 import b64encode

from pycrdt import merge_updates

from workshop.extensions import socketio

NAMESPACE = "/draft"

# sid -> {"user": {"id", "name"}, "measures": {measure_id: {"field_key", "cursor"}}}
connections: dict[str, dict] = {}


def room(measure_id: int) -> str:
    return f"measure:{measure_id}"


def connect(sid: str, user: dict) -> None:
    connections[sid] = {"user": user, "measures": {}}


def disconnect(sid: str) -> tuple[dict | None, list[int]]:
    """Forget a connection; returns its user and the measures nobody on this process edits any more."""
    connection = connections.pop(sid, None)
    if connection is None:
        return None, []
    for measure_id in connection["measures"]:
        presence(measure_id, sid, connection["user"], None, None)
    return connection, [m for m in connection["measures"] if not editing(m)]


def editing(measure_id: int) -> bool:
    return any(measure_id in c["measures"] for c in connections.values())


def others_in(measure_id: int, sid: str) -> list[dict]:
    return [
        {"sid": other, "user": c["user"], **c["measures"][measure_id]}
        for other, c in connections.items()
        if other != sid and measure_id in c["measures"]
    ]


def presence(
    measure_id: int, sid: str, user: dict, field_key: str | None, cursor: dict | None, joined: bool = False
) -> None:
    socketio.emit(
        "draft.presence",
        {
            "measure_id": measure_id,
            "sid": sid,
            "user": user,
            "field_key": field_key,
            "cursor": cursor,
            "joined": joined,
        },
        to=room(measure_id),
        skip_sid=sid,
        namespace=NAMESPACE,
    )


def update(measure_id: int, field_key: str, data: bytes, skip_sid: str | None) -> None:
    _emit_update(measure_id, field_key, data, room(measure_id), skip_sid)


def updates(measure_id: int, field_key: str, sent: list[tuple[bytes, str | None]]) -> None:
    """The updates of one stored batch, (update, sender sid), as few messages as possible: the
    editors who sent none of them get all merged into one draft.update, each sender one of what the
    others sent (nobody gets their own back). Sent one by one, a batch of k updates cost k × the
    room's size in frames; now it costs about the room's size."""
    if len(sent) == 1:
        update(measure_id, field_key, sent[0][0], sent[0][1])
        return
    senders = list(dict.fromkeys(sid for _, sid in sent if sid is not None))
    _emit_update(measure_id, field_key, merge_updates(*[data for data, _ in sent]), room(measure_id), senders)
    for sender in senders:
        others = [data for data, sid in sent if sid != sender]
        if others:
            _emit_update(measure_id, field_key, merge_updates(*others), sender, None)


def _emit_update(measure_id: int, field_key: str, data: bytes, to: str, skip: list[str] | str | None) -> None:
    socketio.emit(
        "draft.update",
        {"measure_id": measure_id, "field_key": field_key, "update": b64encode(data).decode("ascii")},
        to=to,
        skip_sid=skip,
        namespace=NAMESPACE,
    )


def saved(measure_id: int, field_key: str, revision_id: int, value: str) -> None:
    socketio.emit(
        "draft.saved",
        {"measure_id": measure_id, "field_key": field_key, "revision_id": revision_id, "value": value},
        to=room(measure_id),
        namespace=NAMESPACE,
    )


def status(measure_id: int, status_key: str, label: str, locked: bool) -> None:
    socketio.emit(
        "draft.status",
        {"measure_id": measure_id, "status": status_key, "label": label, "locked": locked},
        to=room(measure_id),
        namespace=NAMESPACE,
    )
