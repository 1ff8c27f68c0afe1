"""Socket.IO handlers: thin. They establish who is connected to which session, hand every
operation to live.submit() (the op queue: applied, committed, broadcast) and acknowledge.

Client → server events: "op" {type, op_id, payload}, "sync" {after_seq}.
Server → client events: "snapshot", "event", "events" (a batch). See docs/realtime.md.
"""

from __future__ import annotations

import logging

from flask import current_app, request
from flask import session as cookie_session
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room  # not the builtin OSError of that name
from sqlalchemy import select

from workshop import live
from workshop.access import policy, revocation
from workshop.access.models import ProjectorLink
from workshop.access.projector import projector_link
from workshop.extensions import socketio
from workshop.live import engine
from workshop.live.snapshot import build_snapshot
from workshop.live.transport.broadcast import personal_room, room
from workshop.ops import FACILITATOR, PARTICIPANT, VIEWER, Actor, Rejected
from workshop.sessions.models import WorkshopSession
from workshop.sessions.service import participant_by_token
from workshop.validation import MAX_INT
from workshop.web import db_factory

log = logging.getLogger("workshop.live")

# Events a reconnecting client may be replayed before a fresh snapshot is cheaper.
MAX_REPLAY = 200

# sid -> (session id, actor). Per process: a socket always talks to the process it connected to.
connections: dict[str, tuple[int, Actor]] = {}
# sid -> projector link id, for the screens opened by a link (revoking it closes them)
link_connections: dict[str, int] = {}
# sid -> the login id ("<facilitator id>.<epoch>") a staff socket's cookie carried when it connected
staff_logins: dict[str, str] = {}


def _identify(auth) -> tuple[int, Actor, int | None]:
    if not isinstance(auth, dict):
        raise ConnectionRefusedError("auth must be {session_id, role}")
    session_id, role = auth.get("session_id"), auth.get("role")
    if not isinstance(session_id, int) or isinstance(session_id, bool) or not 0 < session_id <= MAX_INT:
        raise ConnectionRefusedError("auth.session_id must be a number")
    with db_factory()() as db:
        if role == PARTICIPANT:
            # The token names the session: a phone's connect reads no session row (the snapshot
            # reads it; in a join storm each read of its template was a tenth of the connect).
            token = auth.get("token") or cookie_session.get("participants", {}).get(str(session_id))
            participant = participant_by_token(db, session_id, token)
            if participant is not None:
                return session_id, Actor(PARTICIPANT, participant.id), None
        ws = db.get(WorkshopSession, session_id)
        if ws is None:
            raise ConnectionRefusedError("unknown session")
        if role == PARTICIPANT:
            raise ConnectionRefusedError("not a participant of this session")
        user_id = current_user.id if current_user.is_authenticated else None
        if role == "projector" and not policy.may(db, user_id, "session.view", ws):
            # the room's PC: a projector link (its token from auth, or the cookie /p/<token> set)
            token = auth.get("token") or cookie_session.get("projectors", {}).get(str(session_id))
            if not token:
                raise ConnectionRefusedError("log in as the session's facilitator")
            link = projector_link(db, session_id, token)
            if link is None:
                raise ConnectionRefusedError("this projector link is not valid (revoked?)")
            return session_id, Actor(VIEWER), link.id
        if role in (FACILITATOR, "projector"):
            # every staff role of the session has a console; what each may do, the engine asks
            # the policy op by op (workshop.access.policy)
            if not policy.may(db, user_id, "session.view", ws):
                raise ConnectionRefusedError("log in as the session's facilitator")
            return session_id, Actor(FACILITATOR if role == FACILITATOR else VIEWER, user_id), None
    raise ConnectionRefusedError("auth.role must be participant, facilitator or projector")


def revoked_sockets(db) -> list[tuple[str, str]]:
    """This process's staff and projector-link sockets that lost their right since they connected
    (workshop/access/revocation.py sweeps it): the login ended (a logout on any process), the
    person is no longer on the session's team, or the link was revoked."""
    doomed = revocation.stale_logins(db, dict(staff_logins))
    sessions: dict[int, WorkshopSession | None] = {}
    for sid in list(staff_logins):
        if sid in doomed or sid not in connections:
            continue
        session_id, actor = connections[sid]
        if session_id not in sessions:
            sessions[session_id] = db.get(WorkshopSession, session_id)
        ws = sessions[session_id]
        if ws is None or not policy.may(db, actor.id, "session.view", ws):
            doomed.add(sid)
    links = dict(link_connections)
    if links:
        alive = set(
            db.scalars(
                select(ProjectorLink.id).where(
                    ProjectorLink.id.in_(set(links.values())), ProjectorLink.revoked_at.is_(None)
                )
            )
        )
        doomed |= {sid for sid, link in links.items() if link not in alive}
    return [(sid, "/") for sid in doomed]


revocation.register(revoked_sockets)


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
        if db.get_bind().dialect.name == "postgresql":
            # One view of the database for the whole snapshot: its seq and everything it holds are
            # of the same moment (READ COMMITTED would let each query see a later commit).
            db.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        return build_snapshot(db, db.get(WorkshopSession, session_id), actor)


def _reserved_event_ack() -> dict:
    """'connect' and 'disconnect' sent as ordinary events by a client (not the real thing)."""
    name = request.event["message"]
    return Rejected("unknown_event", f"'{name}' is reserved; a client may not send it.").as_ack()


@socketio.on("connect")
def on_connect(auth=None):
    if request.sid in connections:  # already connected: this is an event the client emitted
        return _reserved_event_ack()
    session_id, actor, link_id = _identify(auth)
    connections[request.sid] = (session_id, actor)
    if link_id is not None:
        link_connections[request.sid] = link_id
    elif actor.role in (FACILITATOR, VIEWER) and current_user.is_authenticated:
        staff_logins[request.sid] = current_user.get_id()
    # The snapshot first, then the room, then what the room got in between (issue 34): an event
    # committed while the snapshot was read must neither reach this socket before the snapshot
    # (the client would apply it, then fall back to the older snapshot) nor be missed.
    snapshot = _snapshot(session_id, actor)
    socketio.emit("snapshot", snapshot, to=request.sid, ignore_queue=True)  # this process's socket
    join_room(room(session_id, "staff" if actor.role == FACILITATOR else "public"))
    if actor.role == PARTICIPANT and actor.id is not None:  # an event's personal form (broadcast.py)
        join_room(personal_room(session_id, actor.id))
    with db_factory()() as db:  # committed before the join: the room's broadcast went past this socket
        missed = engine.events_after(db, session_id, snapshot["seq"], MAX_REPLAY + 1, actor)
    if len(missed) > MAX_REPLAY:
        socketio.emit("snapshot", _snapshot(session_id, actor), to=request.sid, ignore_queue=True)
    elif missed:  # events that come from the room as well are skipped by seq, as always
        socketio.emit("events", missed, to=request.sid, ignore_queue=True)


@socketio.on("disconnect")
def on_disconnect(*_args):
    if socketio.server.manager.is_connected(request.sid, "/"):  # a real one is pending already
        return _reserved_event_ack()
    connections.pop(request.sid, None)
    link_connections.pop(request.sid, None)
    staff_logins.pop(request.sid, None)


@socketio.on("op")
def on_op(op=None):
    if limited := _over_rate_limit():
        return limited
    connection = connections.get(request.sid)
    if connection is None:
        return Rejected("not_connected", "Connect to a session first.").as_ack()
    session_id, actor = connection
    return live.submit(session_id, actor, op).as_ack()  # broadcast already: see op_queue.py


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
