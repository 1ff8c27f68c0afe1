"""Socket.IO handlers: thin. They establish who is connected to which session, hand every
operation to the engine, broadcast what it committed and acknowledge.

Client → server events: "op" {type, op_id, payload}, "sync" {after_seq}.
Server → client events: "snapshot", "event", "events" (a batch). See docs/realtime.md.
"""
from __future__ import annotations

import logging

from flask import current_app, request, session as cookie_session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room  # not the builtin OSError of that name

from workshop.extensions import socketio
from workshop.live import engine
from workshop.ops import FACILITATOR, PARTICIPANT, VIEWER, Actor
from workshop.live.transport.broadcast import room
from workshop.ops import Rejected
from workshop.live.snapshot import build_snapshot
from workshop.sessions.models import WorkshopSession
from workshop.sessions.service import participant_by_token
from workshop.validation import MAX_INT
from workshop.web import db_factory

log = logging.getLogger("workshop.live")

# Events a reconnecting client may be replayed before a fresh snapshot is cheaper.
MAX_REPLAY = 200

# sid -> (session id, actor). Per process: a socket always talks to the process it connected to.
connections: dict[str, tuple[int, Actor]] = {}


def broadcast(session_id: int, applied) -> None:
    """The committed event to both rooms, each in the form it may see (batched, see broadcast.py)."""
    current_app.extensions["workshop.broadcaster"].send(session_id, applied.event, applied.for_public)


def _identify(auth) -> tuple[int, Actor]:
    if not isinstance(auth, dict):
        raise ConnectionRefusedError("auth must be {session_id, role}")
    session_id, role = auth.get("session_id"), auth.get("role")
    if not isinstance(session_id, int) or isinstance(session_id, bool) or not 0 < session_id <= MAX_INT:
        raise ConnectionRefusedError("auth.session_id must be a number")
    with db_factory()() as db:
        ws = db.get(WorkshopSession, session_id)
        if ws is None:
            raise ConnectionRefusedError("unknown session")
        if role == PARTICIPANT:
            token = auth.get("token") or cookie_session.get("participants", {}).get(str(session_id))
            participant = participant_by_token(db, session_id, token)
            if participant is None:
                raise ConnectionRefusedError("not a participant of this session")
            return session_id, Actor(PARTICIPANT, participant.id)
        if role in (FACILITATOR, "projector"):
            if not current_user.is_authenticated or current_user.id != ws.facilitator_id:
                raise ConnectionRefusedError("log in as the session's facilitator")
            return session_id, Actor(FACILITATOR if role == FACILITATOR else VIEWER, current_user.id)
    raise ConnectionRefusedError("auth.role must be participant, facilitator or projector")


def close_sockets_of(facilitator_id: int) -> None:
    """At logout: this process's sockets opened with that facilitator's login (console and
    projector) are closed; their cookie no longer lets them back in."""
    for sid, (_session_id, actor) in list(connections.items()):
        if actor.role in (FACILITATOR, VIEWER) and actor.id == facilitator_id:
            socketio.server.disconnect(sid, namespace="/")


def _over_rate_limit() -> dict | None:
    """The rate_limited ack when this person (or unattached connection) sends too much."""
    connection = connections.get(request.sid)
    key = f"{connection[0]}:{connection[1].label}" if connection else f"sid:{request.sid}"
    try:
        current_app.extensions["workshop.event_limiter"].check(key)
    except Rejected as rejected:
        return rejected.as_ack()
    return None


def _snapshot(session_id: int, actor: Actor) -> dict:
    with db_factory()() as db:
        return build_snapshot(db, db.get(WorkshopSession, session_id), actor)


def _reserved_event_ack() -> dict:
    """'connect' and 'disconnect' sent as ordinary events by a client (not the real thing)."""
    name = request.event["message"]
    return Rejected("unknown_event", f"'{name}' is reserved; a client may not send it.").as_ack()


@socketio.on("connect")
def on_connect(auth=None):
    if request.sid in connections:  # already connected: this is an event the client emitted
        return _reserved_event_ack()
    session_id, actor = _identify(auth)
    connections[request.sid] = (session_id, actor)
    join_room(room(session_id, "staff" if actor.role == FACILITATOR else "public"))
    socketio.emit("snapshot", _snapshot(session_id, actor), to=request.sid)


@socketio.on("disconnect")
def on_disconnect(*_args):
    if socketio.server.manager.is_connected(request.sid, "/"):  # a real one is pending already
        return _reserved_event_ack()
    connections.pop(request.sid, None)


@socketio.on("op")
def on_op(op=None):
    if limited := _over_rate_limit():
        return limited
    connection = connections.get(request.sid)
    if connection is None:
        return Rejected("not_connected", "Connect to a session first.").as_ack()
    session_id, actor = connection
    outcome = current_app.extensions["workshop.op_queue"].submit(session_id, actor, op)
    return outcome.as_ack()  # broadcast already: see op_queue.py


@socketio.on("sync")
def on_sync(request_data=None):
    """Catch up after a gap or reconnect: the missed events, or a fresh snapshot."""
    if limited := _over_rate_limit():
        return limited
    connection = connections.get(request.sid)
    if connection is None:
        return Rejected("not_connected", "Connect to a session first.").as_ack()
    session_id, actor = connection
    after = request_data.get("after_seq") if isinstance(request_data, dict) else None
    if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after <= MAX_INT:
        return {"ok": True, "snapshot": _snapshot(session_id, actor)}
    with db_factory()() as db:
        events = engine.events_after(db, session_id, after, MAX_REPLAY + 1, actor)
    if len(events) > MAX_REPLAY:
        return {"ok": True, "snapshot": _snapshot(session_id, actor)}
    return {"ok": True, "events": events}


def on_unknown_event(*args):
    """Every event gets an answer: an unknown one is named back instead of left to time out.

    Registered on python-socketio directly (see register_catch_all): Flask-SocketIO's '*'
    wrapper mistakes an event literally named '*' for its own arguments and never answers.
    python-socketio calls a catch-all as (event, sid, *data), but an event named '*' as (sid, *data).
    """
    first = args[0] if args else "*"
    name = "*" if socketio.server.manager.is_connected(first, "/") else str(first)
    return Rejected("unknown_event", f"Unknown event '{name[:40]}'; this server takes 'op' and 'sync'.").as_ack()


def register_catch_all() -> None:
    socketio.server.on("*", on_unknown_event)


@socketio.on_error_default
def on_handler_error(_error):
    """A fault in any handler: logged once, answered with an error ack, the connection stays."""
    log.exception("socket handler failed for event from %s", request.sid)
    return Rejected.internal().as_ack()
