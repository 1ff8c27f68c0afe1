"""The one path every change takes: validate → authorize → mutate + append Event → commit.

Plain Python over the database: no sockets, no HTTP. The socket handlers, the HTTP join,
the CLI and the tests all call apply(); broadcasting what it returns is the caller's job
(persist before broadcast: nothing is shown that is not stored).
"""

from __future__ import annotations

import logging
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass, field

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from workshop.access import policy
from workshop.activities.registry import ACTIVITY_OPS, activity_for, step_of
from workshop.db import insert_many, utcnow
from workshop.live import replay
from workshop.live.controls import CONTROL_OPS
from workshop.live.models import Event
from workshop.live.session_ops import SESSION_OPS
from workshop.ops import (
    FACILITATOR,
    JSON,
    PARTICIPANT,
    SYSTEM,
    Actor,
    OpContext,
    OpSpec,
    Outcome,
    Rejected,
)
from workshop.sessions.models import Participant, WorkshopSession
from workshop.sessions.runtime import is_locked
from workshop.validation import check_json_shape, describe_errors, schema_instance

log = logging.getLogger("workshop.live")

# Every op by type: a view of the three tables (an activity registered later is found too).
OPS: Mapping[str, OpSpec] = ChainMap(SESSION_OPS, CONTROL_OPS, ACTIVITY_OPS)


class OpEnvelope(Schema):
    type = fields.String(required=True, validate=validate.Length(1, 40))
    op_id = fields.String(
        load_default=None,
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{8,64}$", error="must be 8 to 64 letters, digits, - or _"),
    )
    payload = fields.Dict(load_default=dict)


@dataclass
class Applied:
    event: JSON  # {seq, type, payload, at}: what the facilitator's screens receive
    result: JSON  # what only the acting client receives in its ack
    duplicate: bool = False
    public_event: JSON | None = None  # what participants and the projector receive
    can_wait: bool = False  # Outcome.can_wait: the broadcast may wait for company, the ack not for it
    # The event in other forms for some participants (participant ids, event), each of whom gets it
    # instead of the room's form: the acting participant's own card the room does not see yet
    # (replay.own_form), a table's cards whole for its members (activities/seating.py).
    personal: list[tuple[list[int], JSON]] = field(default_factory=list)

    @property
    def for_public(self) -> JSON:
        return self.public_event or self.event

    @property
    def seq(self) -> int:
        seq: int = self.event["seq"]
        return seq

    def as_ack(self) -> JSON:
        ack: JSON = {"ok": True, "seq": self.seq, "result": self.result}
        if self.duplicate:
            ack["duplicate"] = True
        return ack


def event_view(event: Event, public: bool = False) -> JSON:
    payload = event.public_payload if public and event.public_payload is not None else event.payload
    return {"seq": event.seq, "type": event.type, "payload": payload, "at": event.created_at.isoformat()}


def _room_form(outcome: Outcome) -> JSON | None:
    """The room's form of an event. With personal forms (a table's members read its cards whole) it
    names who gets one, `whole_for`: those phones wait for theirs (static/js/live.js)."""
    ids = sorted({pid for participant_ids, _form in outcome.personal for pid in participant_ids})
    if not ids:
        return outcome.public_payload
    room_form = outcome.public_payload if outcome.public_payload is not None else outcome.event_payload
    return {**room_form, "whole_for": ids}


@dataclass(frozen=True)
class _Parsed:
    """An op that passed its schemas: who sends it, its envelope, its spec and its loaded payload."""

    actor: Actor
    envelope: JSON
    spec: OpSpec
    payload: JSON


def _parse(actor: Actor, raw: object) -> _Parsed:
    if not isinstance(raw, dict):
        raise Rejected("invalid", "An operation must be an object {type, op_id, payload}.")
    try:
        check_json_shape(raw)
        envelope: JSON = schema_instance(OpEnvelope).load(raw)
    except ValidationError as error:
        raise Rejected("invalid", describe_errors(error.messages)) from error
    spec = OPS.get(envelope["type"])
    if spec is None:
        raise Rejected("unknown_op", f"Unknown operation type '{envelope['type']}'.")
    try:
        payload: JSON = schema_instance(spec.schema).load(envelope["payload"])
    except ValidationError as error:
        raise Rejected("invalid", describe_errors(error.messages, "payload")) from error
    return _Parsed(actor, envelope, spec, payload)


def _authorize(db: Session, ws: WorkshopSession, actor: Actor, spec: OpSpec) -> Participant | None:
    if actor.role not in spec.roles:
        who = {PARTICIPANT: "Participants", FACILITATOR: "Facilitators"}.get(actor.role, "You")
        raise Rejected("forbidden", f"{who} may not do '{spec.type}'.")
    participant = None
    if actor.role == FACILITATOR and not policy.may(db, actor.id, policy.op_action(spec.type), ws):
        # staff of the session: facilitator and co-facilitator run it, a minute-taker writes notes
        raise Rejected(
            "forbidden",
            "This is not your session."
            if policy.session_role(db, actor.id, ws) is None
            else f"Your role in this session may not do '{spec.type}'.",
        )
    if actor.role == PARTICIPANT:
        participant = db.get(Participant, actor.id)
        if participant is None or participant.session_id != ws.id:
            raise Rejected("forbidden", "You are not a participant of this session.")
    if ws.status not in spec.allowed_in:
        if ws.status == "ended":
            raise Rejected("session_ended", "This session has ended.")
        if ws.status == "ready":
            raise Rejected("session_not_started", "The session has not started yet.")
        raise Rejected("wrong_session_state", f"Not possible while the session is {ws.status}.")
    return participant


def _check_step_rules(ws: WorkshopSession, actor: Actor, spec: OpSpec, payload: JSON) -> None:
    """The step rules, declared on the OpSpec and checked here only, one error code each."""
    step = step_of(ws.current)
    if spec.step_types and step.type not in spec.step_types:
        raise Rejected("wrong_step_type", f"The current step ('{step.key}') does not take '{spec.type}'.")
    if spec.lock_applies and actor.role == PARTICIPANT and is_locked(ws, step.key):
        raise Rejected("step_locked", "Input is paused by the facilitator for this step.")
    if spec.names_step and payload.get("step_key") != step.key:
        raise Rejected("step_not_active", f"Step '{payload.get('step_key')}' is not the current step ('{step.key}').")


def apply(db_factory: sessionmaker[Session], session_id: int, actor: Actor, raw_op: object) -> Applied:
    """Apply one operation, or raise Rejected having changed nothing."""
    outcome = apply_batch(db_factory, session_id, [(actor, raw_op)])[0]
    if isinstance(outcome, Rejected):
        raise outcome
    return outcome


def apply_batch(
    db_factory: sessionmaker[Session], session_id: int, ops: list[tuple[Actor, object]]
) -> list[Applied | Rejected]:
    """Apply several operations of one session in order, in one transaction (group commit).

    Each gets its own outcome: an Applied, or the Rejected that says why it changed nothing
    (with more than one op, each runs in a SAVEPOINT, so a refused op leaves the others be).
    Why batch: under a vote storm, the lock, the session row and the commit's fsync are paid
    once per batch instead of once per vote. All are committed before any is acknowledged.
    """
    parsed: list[_Parsed | Rejected] = []
    for actor, raw_op in ops:
        try:
            parsed.append(_parse(actor, raw_op))
        except Rejected as rejected:
            parsed.append(rejected)
    if all(isinstance(p, Rejected) for p in parsed):
        return [p for p in parsed if isinstance(p, Rejected)]
    if len(ops) == 1:  # alone: a refusal rolls back the whole transaction, no SAVEPOINT needed
        try:
            return _apply_in_transaction(db_factory, session_id, parsed, isolate=False)
        except Rejected as rejected:
            return [rejected]
    return _apply_in_transaction(db_factory, session_id, parsed, isolate=True)


def _apply_in_transaction(
    db_factory: sessionmaker[Session], session_id: int, parsed: list[_Parsed | Rejected], isolate: bool
) -> list[Applied | Rejected]:
    outcomes: list[Applied | Rejected] = []
    with db_factory() as db, db.begin():
        # Lock the session row first thing: ops of one session are applied one at a time,
        # which makes seq gapless and budget checks race-free. A no-op UPDATE is a row lock
        # on PostgreSQL and takes SQLite's write lock before anything is read.
        db.execute(
            update(WorkshopSession).where(WorkshopSession.id == session_id).values(last_seq=WorkshopSession.last_seq)
        )
        ws = db.get(WorkshopSession, session_id)
        if ws is None:
            return [Rejected("session_not_found", f"There is no session {session_id}.") for _ in parsed]
        for run in _runs(parsed):
            if len(run) > 1 or (isinstance(run[0], _Parsed) and run[0].spec.batch_handler):
                outcomes += _apply_run(db, ws, run, isolate)
                continue
            item = run[0]
            if isinstance(item, Rejected):
                outcomes.append(item)
            elif not isolate:
                outcomes.append(_apply_one(db, ws, item))
            else:
                savepoint = db.begin_nested()
                try:
                    outcomes.append(_apply_one(db, ws, item))
                    savepoint.commit()
                except Rejected as rejected:
                    savepoint.rollback()
                    outcomes.append(rejected)
                except Exception:  # a bug in one op must not take its batch-mates down
                    savepoint.rollback()
                    log.exception("op failed: %r", item.envelope)
                    outcomes.append(Rejected.internal())
    return outcomes


def _runs(parsed: list[_Parsed | Rejected]) -> list[list[_Parsed | Rejected]]:
    """Consecutive ops that share a batch handler form one run (refused ones ride along);
    every other op is a run of its own. An op_id seen again starts a new run, so the second
    finds the first's event and is answered as its duplicate."""
    runs: list[list[_Parsed | Rejected]] = []
    handler: object = None
    op_ids: set[str] = set()
    for item in parsed:
        batch_handler = item.spec.batch_handler if isinstance(item, _Parsed) else handler
        op_id = item.envelope["op_id"] if isinstance(item, _Parsed) else None
        if runs and batch_handler is not None and batch_handler is handler and op_id not in op_ids:
            runs[-1].append(item)
        else:
            runs.append([item])
            handler, op_ids = batch_handler, set()
        if op_id:
            op_ids.add(op_id)
    return runs


def _apply_run(
    db: Session, ws: WorkshopSession, run: list[_Parsed | Rejected], isolate: bool
) -> list[Applied | Rejected]:
    """A run of ops with one batch handler, in one SAVEPOINT (one per run, not per op). If it
    fails, each op is tried alone: a bug in one op must not take its run-mates down."""
    if not isolate:
        return _apply_run_unguarded(db, ws, run)
    savepoint = db.begin_nested()
    try:
        outcomes = _apply_run_unguarded(db, ws, run)
        savepoint.commit()
        return outcomes
    except Exception:
        savepoint.rollback()
        if len(run) > 1:
            log.exception("a run of %d ops failed; applying them one by one", len(run))
            return [outcome for item in run for outcome in _apply_run(db, ws, [item], isolate)]
        log.exception("op failed: %r", getattr(run[0], "envelope", run[0]))
        return [Rejected.internal()]


def _apply_run_unguarded(db: Session, ws: WorkshopSession, run: list[_Parsed | Rejected]) -> list[Applied | Rejected]:
    """The checks of _apply_one for each op, then the batch handler for those that passed;
    the participants and earlier events the checks need are read in one query each, and the
    events of the run are written in one INSERT."""
    ops = [item for item in run if isinstance(item, _Parsed)]
    op_ids = [op.envelope["op_id"] for op in ops if op.envelope["op_id"]]
    seen = (
        {e.op_id: e for e in db.scalars(select(Event).where(Event.session_id == ws.id, Event.op_id.in_(op_ids)))}
        if op_ids
        else {}
    )
    participant_ids = {op.actor.id for op in ops if op.actor.role == PARTICIPANT}
    # Into the identity map, so _authorize's db.get asks no query per op; held here because
    # the identity map keeps its objects only as long as someone else does.
    participants = (
        db.scalars(select(Participant).where(Participant.id.in_(participant_ids))).all() if participant_ids else []
    )
    outcomes: list[Applied | Rejected | None] = [None] * len(run)
    accepted: list[tuple[int, _Parsed, OpContext]] = []
    for index, item in enumerate(run):
        if isinstance(item, Rejected):
            outcomes[index] = item
            continue
        try:
            if (earlier := seen.get(item.envelope["op_id"])) is not None:
                outcomes[index] = _duplicate(earlier, item.actor)
                continue
            participant = _authorize(db, ws, item.actor, item.spec)
            _check_step_rules(ws, item.actor, item.spec, item.payload)
            accepted.append((index, item, OpContext(db, ws, item.actor, participant, activity_for)))
        except Rejected as rejected:
            outcomes[index] = rejected
    batch_handler = ops[0].spec.batch_handler if ops else None
    results = batch_handler([(op.spec.type, ctx, op.payload) for _i, op, ctx in accepted]) if batch_handler else []
    rows: list[JSON] = []
    now = utcnow()
    for (index, op, _ctx), result in zip(accepted, results, strict=True):
        if isinstance(result, Rejected):
            outcomes[index] = result
            continue
        ws.last_seq += 1
        row: JSON = {
            "session_id": ws.id,
            "seq": ws.last_seq,
            "type": result.event_type,
            "payload": result.event_payload,
            "public_payload": (public := _room_form(result)),
            "op_id": op.envelope["op_id"],
            "actor": op.actor.label,
            "result": result.result,
            "created_at": now,
        }
        rows.append(row)
        view = {"seq": row["seq"], "type": row["type"], "payload": row["payload"], "at": now.isoformat()}
        outcomes[index] = Applied(
            view,
            {**result.result, **result.private_result},
            public_event={**view, "payload": public} if public is not None else None,
            can_wait=result.can_wait,
            personal=_own(op.actor, view, result) + [(ids, {**view, "payload": form}) for ids, form in result.personal],
        )
    if rows:
        insert_many(db, Event, rows)
    del participants  # (held until here)
    return [outcome for outcome in outcomes if outcome is not None]


def _own(actor: Actor, view: JSON, outcome: Outcome) -> list[tuple[list[int], JSON]]:
    """The acting participant's own form, if it has one (first: it wins over a table's form)."""
    own = replay.own_form(outcome.event_type, outcome.public_payload, outcome.result)
    if own is None or actor.role != PARTICIPANT or actor.id is None:
        return []
    return [([actor.id], {**view, "payload": own})]


def _duplicate(seen: Event, actor: Actor) -> Applied:
    """The op_id was applied before: its first outcome again, or a refusal if it was someone else's."""
    if seen.actor != actor.label:
        raise Rejected("duplicate_op_id", "This op_id was already used by someone else.")
    return Applied(event_view(seen), seen.result or {}, duplicate=True)


def _apply_one(db: Session, ws: WorkshopSession, op: _Parsed) -> Applied:
    actor, envelope, spec = op.actor, op.envelope, op.spec
    if envelope["op_id"]:
        seen = db.scalars(select(Event).where(Event.session_id == ws.id, Event.op_id == envelope["op_id"])).first()
        if seen is not None:
            return _duplicate(seen, actor)
    participant = _authorize(db, ws, actor, spec)
    _check_step_rules(ws, actor, spec, op.payload)
    outcome = spec.handler(OpContext(db, ws, actor, participant, activity_for), op.payload)
    ws.last_seq += 1
    event = Event(
        session_id=ws.id,
        seq=ws.last_seq,
        type=outcome.event_type,
        payload=outcome.event_payload,
        public_payload=_room_form(outcome),
        op_id=envelope["op_id"],
        actor=actor.label,
        result=outcome.result,
    )
    db.add(event)
    db.flush()
    view = event_view(event)
    return Applied(
        view,
        {**outcome.result, **outcome.private_result},
        public_event=event_view(event, public=True) if event.public_payload is not None else None,
        can_wait=outcome.can_wait,
        personal=_own(actor, view, outcome)
        + [(ids, {**event_view(event), "payload": form}) for ids, form in outcome.personal],
    )


def events_after(db: Session, session_id: int, after_seq: int, limit: int, viewer: Actor) -> list[JSON]:
    """The events a viewer missed, each in the form that viewer received (or would have)."""
    rows = list(
        db.scalars(
            select(Event).where(Event.session_id == session_id, Event.seq > after_seq).order_by(Event.seq).limit(limit)
        )
    )
    if not rows:  # the usual answer at a connect (sockets.on_connect): one query
        return []
    ws = db.get(WorkshopSession, session_id)
    if ws is None:
        return []
    return replay.scrub(db, ws, rows, viewer)


__all__ = ["Applied", "Actor", "Rejected", "apply", "apply_batch", "events_after", "OPS", "SYSTEM"]
