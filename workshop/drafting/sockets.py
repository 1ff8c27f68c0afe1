"""Socket.IO handlers of co-drafting, on the namespace /draft (multiplexed over the same
Socket.IO connection as the live session). Thin: who is this, may they, is the input well formed;
the hub (documents), room (connections, presence) and record sync do the rest.
Protocol: docs/realtime.md, "Co-drafting the record".
"""

from __future__ import annotations

import binascii
import logging
from base64 import b64decode, b64encode

from flask import request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room, leave_room  # not the builtin OSError of that name
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select

from workshop.access import policy, revocation
from workshop.drafting import room as rooms
from workshop.drafting.hub import DRAFTED_TYPES, MAX_UPDATE_BYTES, NAMESPACE, current_hub
from workshop.drafting.room import connections, room
from workshop.drafting.store import DATABASE_AWAY, saving_paused
from workshop.extensions import socketio
from workshop.measures.models import Measure
from workshop.measures.record import template_of
from workshop.measures.status import LABELS, is_locked
from workshop.ops import Rejected
from workshop.validation import describe_errors, schema_instance
from workshop.web import db_factory

log = logging.getLogger("workshop.drafting")

# base64 of MAX_UPDATE_BYTES, plus padding; longer strings are refused before decoding
MAX_UPDATE_B64 = (MAX_UPDATE_BYTES + 2) // 3 * 4 + 4
MAX_STATE_VECTOR_B64 = 8 * 1024


class MeasureRef(Schema):
    measure_id = fields.Integer(required=True, strict=True)


class JoinPayload(MeasureRef):
    state_vectors = fields.Dict(
        keys=fields.String(validate=validate.Length(1, 80)),
        values=fields.String(validate=validate.Length(max=MAX_STATE_VECTOR_B64)),
        load_default=dict,
    )


class FieldRef(MeasureRef):
    field_key = fields.String(required=True, validate=validate.Length(1, 80))


class UpdatePayload(FieldRef):
    update = fields.String(required=True, validate=validate.Length(min=1))


class CardPayload(FieldRef):
    card_id = fields.Integer(required=True, strict=True)


class Cursor(Schema):
    index = fields.Integer(required=True, strict=True, validate=validate.Range(0, 1_000_000))
    length = fields.Integer(load_default=0, strict=True, validate=validate.Range(0, 1_000_000))


class AwarenessPayload(MeasureRef):
    field_key = fields.String(required=True, allow_none=True, validate=validate.Length(1, 80))
    cursor = fields.Nested(Cursor, load_default=None, allow_none=True)


def _load(schema: type[Schema], data) -> dict:
    if not isinstance(data, dict):
        raise Rejected("invalid", "The payload must be an object.")
    try:
        return schema_instance(schema).load(data)
    except ValidationError as error:
        raise Rejected("invalid", describe_errors(error.messages)) from error


def _decode(text: str, what: str) -> bytes:
    try:
        return b64decode(text, validate=True)
    except (binascii.Error, ValueError) as error:
        raise Rejected("invalid", f"{what}: not base64 ({error}).") from error


def _connection() -> dict:
    connection = connections.get(request.sid)
    if connection is None:
        raise Rejected("forbidden", "Log in as a facilitator to co-draft.")
    return connection


def _joined(payload: dict, edit: bool = False) -> dict:
    connection = _connection()
    if payload["measure_id"] not in connection["measures"]:
        raise Rejected("not_joined", f"Send draft.join for measure {payload['measure_id']} first.")
    if edit and payload["measure_id"] not in connection.setdefault("editable", set()):
        raise Rejected("forbidden", "Your role on this measure's team may read the draft, not change it.")
    return connection


def _drafted_field(measure_id: int, field_key: str) -> None:
    with db_factory()() as db:
        measure = db.get(Measure, measure_id)
        if measure is None:
            raise Rejected("measure_not_found", f"There is no measure {measure_id}.")
        field = template_of(measure).field(field_key)
    if field is None:
        raise Rejected("unknown_field", f"The record has no field '{field_key}'.")
    if field.type not in DRAFTED_TYPES:
        raise Rejected("field_not_drafted", f"'{field_key}' is a {field.type} field; change it with the record's form.")


def handler(event: str):
    """Register an event handler that answers Rejected (and bugs) with an error ack."""

    def wrap(fn):
        def run(data=None):
            try:
                return fn(data)
            except Rejected as rejected:
                return rejected.as_ack()
            except DATABASE_AWAY as error:  # e.g. the join's own reads
                log.warning("%s: database unavailable (%s)", event, error.__class__.__name__)
                return saving_paused().as_ack()
            except Exception:
                log.exception("%s failed: %r", event, data if not isinstance(data, dict) else list(data))
                return Rejected.internal().as_ack()

        run.__name__ = f"on_{event.replace('.', '_')}"
        return socketio.on(event, namespace=NAMESPACE)(run)

    return wrap


@socketio.on("connect", namespace=NAMESPACE)
def on_connect(auth=None):
    if not current_user.is_authenticated:
        raise ConnectionRefusedError("log in as a facilitator to co-draft")
    rooms.connect(request.sid, {"id": current_user.id, "name": current_user.display_name})
    connections[request.sid]["login"] = current_user.get_id()  # the revocation sweep compares it


def revoked_sockets(db) -> list[tuple[str, str]]:
    """This process's editors who lost their right since they joined (workshop/access/revocation.py):
    logged out anywhere, taken off a measure's team, or no longer allowed to edit one they edit."""
    present = {sid: c for sid, c in list(connections.items()) if "login" in c}
    doomed = revocation.stale_logins(db, {sid: c["login"] for sid, c in present.items()})
    # Two queries for all editors (it was two per editor and measure, every few seconds: with 30
    # editors typing, the sweep's queries showed up as the co-drafting ack's p99).
    pairs = {(m, c["user"]["id"]) for c in present.values() for m in list(c["measures"])}
    roles = policy.measure_roles(db, pairs)
    existing = set(db.scalars(select(Measure.id).where(Measure.id.in_({m for m, _user in pairs})))) if pairs else set()
    for sid, connection in present.items():
        if sid in doomed:
            continue
        for measure_id in list(connection["measures"]):
            role = roles.get((measure_id, connection["user"]["id"]))
            if measure_id not in existing or role is None:
                doomed.add(sid)
            elif measure_id in connection.get("editable", ()) and not policy.role_may(role, "measure.edit"):
                doomed.add(sid)  # reconnecting, it joins again read-only
    return [(sid, NAMESPACE) for sid in doomed]


revocation.register(revoked_sockets)


@socketio.on("disconnect", namespace=NAMESPACE)
def on_disconnect(*_args):
    _connection, deserted = rooms.disconnect(request.sid)
    for measure_id in deserted:  # the last editor (on this process) left: write the record now
        try:
            current_hub().flush_measure(measure_id)
        except Rejected as rejected:  # the database is away: the next flush or idle timer writes it
            log.warning("flushing measure %s on disconnect deferred: %s", measure_id, rejected.code)


@handler("draft.join")
def on_join(data):
    payload = _load(JoinPayload, data)
    connection = _connection()
    hub = current_hub()
    with db_factory()() as db:
        measure = db.get(Measure, payload["measure_id"])
        role = policy.measure_role(db, connection["user"]["id"], payload["measure_id"])
        may_edit = measure is not None and policy.may(db, connection["user"]["id"], "measure.edit", measure)
        if measure is None or role is None:  # not on the team: as if there were no such measure
            raise Rejected("measure_not_found", f"There is no measure {payload['measure_id']}.")
        drafted = [f.key for f in hub.drafted_fields(measure)]
        status, locked = measure.status, is_locked(measure)
    unknown = sorted(set(payload["state_vectors"]) - set(drafted))
    if unknown:
        raise Rejected("unknown_field", f"state_vectors: no drafted field(s) {', '.join(unknown)}.")
    vectors = {key: _decode(value, f"state_vectors.{key}") for key, value in payload["state_vectors"].items()}
    # In the room before reading the documents: an update stored meanwhile is then either in the
    # answer or broadcast to this client (or both, which is harmless), never missed.
    join_room(room(payload["measure_id"]), namespace=NAMESPACE)
    try:
        result = {key: _catch_up(hub, payload["measure_id"], key, vectors.get(key)) for key in drafted}
    except Exception:
        if payload["measure_id"] not in connection["measures"]:
            leave_room(room(payload["measure_id"]), namespace=NAMESPACE)
        raise
    if payload["measure_id"] not in connection["measures"]:  # editors on other processes answer with their caret
        rooms.presence(payload["measure_id"], request.sid, connection["user"], None, None, joined=True)
    connection["measures"][payload["measure_id"]] = {"field_key": None, "cursor": None}
    # the drafted fields, so an update needs no query to know its field is one (on_update)
    connection.setdefault("drafted", {})[payload["measure_id"]] = set(drafted)
    editable = connection.setdefault("editable", set())
    (editable.add if may_edit else editable.discard)(payload["measure_id"])
    presence = rooms.others_in(payload["measure_id"], request.sid)
    return {
        "ok": True,
        "status": status,
        "status_label": LABELS[status],
        "locked": locked,
        "may_edit": may_edit,
        "fields": result,
        "presence": presence,
        "me": {"sid": request.sid, **connection["user"]},
    }


def _catch_up(hub, measure_id: int, key: str, vector: bytes | None) -> dict:
    """Yjs sync step 2 for one field: what a client with state `vector` (None: nothing) lacks, and
    the server's state vector, from which the client computes what the server lacks and sends it."""
    fd = hub.field_doc(measure_id, key, read_log=False)
    with fd.lock:
        # Caught up here, under the lock: a write batch that failed since (and reset the document
        # to the log) must not hand the joiner an empty document.
        with hub.store.reading() as db:
            hub.catch_up(fd, db)
        try:
            update = fd.doc.get_update(vector) if vector is not None else fd.doc.get_update()
        except Exception as error:
            raise Rejected("invalid", f"state_vectors.{key}: not a Yjs state vector ({error}).") from error
        return {
            "update": b64encode(update).decode("ascii"),
            "state_vector": b64encode(fd.doc.get_state()).decode("ascii"),
        }


@handler("draft.leave")
def on_leave(data):
    payload = _load(MeasureRef, data)
    connection = _joined(payload)
    connection["measures"].pop(payload["measure_id"])
    leave_room(room(payload["measure_id"]), namespace=NAMESPACE)
    rooms.presence(payload["measure_id"], request.sid, connection["user"], None, None)
    return {"ok": True}


@handler("draft.update")
def on_update(data):
    payload = _load(UpdatePayload, data)
    connection = _joined(payload, edit=True)
    if payload["field_key"] not in connection.get("drafted", {}).get(payload["measure_id"], ()):
        _drafted_field(payload["measure_id"], payload["field_key"])  # says why not (or it became one)
    if len(payload["update"]) > MAX_UPDATE_B64:
        raise Rejected(
            "update_too_large",
            f"update: at most {MAX_UPDATE_BYTES} bytes per update; send a large change in several updates.",
        )
    update = _decode(payload["update"], "update")
    row_id = current_hub().apply_client_update(
        payload["measure_id"], payload["field_key"], update, connection["user"]["id"], request.sid
    )
    return {"ok": True, "stored": row_id}


@handler("draft.flush")
def on_flush(data):
    payload = _load(FieldRef, data)
    _joined(payload, edit=True)
    _drafted_field(payload["measure_id"], payload["field_key"])
    hub = current_hub()
    revision_id = hub.materialise(hub.field_doc(payload["measure_id"], payload["field_key"]))
    return {"ok": True, "revision_id": revision_id}


@handler("draft.pull_card")
def on_pull_card(data):
    payload = _load(CardPayload, data)
    connection = _joined(payload, edit=True)
    _drafted_field(payload["measure_id"], payload["field_key"])
    line = current_hub().pull_card(
        payload["measure_id"], payload["field_key"], payload["card_id"], connection["user"]["id"]
    )
    return {"ok": True, "line": line}


@handler("draft.awareness")
def on_awareness(data):
    payload = _load(AwarenessPayload, data)
    connection = _joined(payload)
    if payload["field_key"] is not None:
        _drafted_field(payload["measure_id"], payload["field_key"])
    state = connection["measures"][payload["measure_id"]]
    left = state["field_key"]
    state.update(field_key=payload["field_key"], cursor=payload["cursor"])
    rooms.presence(payload["measure_id"], request.sid, connection["user"], payload["field_key"], payload["cursor"])
    if left and left != payload["field_key"]:  # leaving a field writes it into the record
        hub = current_hub()
        fd = hub.docs.get((payload["measure_id"], left))
        if fd is not None and fd.dirty:
            try:
                hub.materialise(fd)
            except Rejected as rejected:  # stays dirty; the idle timer or the next flush writes it
                log.warning("materialising on leaving a field deferred: %s", rejected.code)
    return {"ok": True}
