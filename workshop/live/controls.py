"""The facilitator's controls over a running step: lock input, reveal, timer, spotlight.

The timer is server-authoritative: the state is {duration, remaining, running_since}; every
screen computes the time left from it and the server clock in the snapshot, so a reload or a
late joiner shows the same countdown. At zero it only signals — it never cuts anyone off
(WCAG 2.2.1: time limits must be adjustable).
"""

from __future__ import annotations

from datetime import datetime

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from workshop.activities.cards import Seating, get_live_card, visible_to
from workshop.activities.models import Cluster
from workshop.activities.registry import activity_for
from workshop.db import utcnow
from workshop.ops import FACILITATOR, VIEWER, Actor, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.runtime import is_revealed, set_note, set_spotlight, step_state, update_step

ROOM = Actor(VIEWER)

MAX_TIMER_SECONDS = 8 * 3600
NOTE_MAX_LENGTH = 4000


class StepRef(Schema):
    step_key = fields.String(required=True, validate=validate.Length(1, 80))


class LockPayload(StepRef):
    locked = fields.Boolean(required=True)


class RevealPayload(StepRef):
    revealed = fields.Boolean(load_default=True)


class TimerStart(StepRef):
    seconds = fields.Integer(strict=True, validate=validate.Range(1, MAX_TIMER_SECONDS))


class TimerAdd(StepRef):
    seconds = fields.Integer(required=True, strict=True, validate=validate.Range(-MAX_TIMER_SECONDS, MAX_TIMER_SECONDS))


class SpotlightPayload(Schema):
    card_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    cluster_id = fields.Integer(strict=True, allow_none=True, load_default=None)

    @validates_schema
    def _one_target(self, data, **kwargs):
        if data["card_id"] is not None and data["cluster_id"] is not None:
            raise ValidationError("give card_id or cluster_id, not both", "cluster_id")


def _step(ctx: OpContext, key: str) -> dict:
    step = ctx.ws.step(key)
    if step is None:
        raise Rejected("unknown_step", f"This session has no step '{key}'.")
    return step


def lock(ctx: OpContext, payload: dict) -> Outcome:
    step = _step(ctx, payload["step_key"])
    update_step(ctx.ws, step["key"], locked=payload["locked"])
    return Outcome("step.locked", {"step_key": step["key"], "locked": payload["locked"]})


def reveal(ctx: OpContext, payload: dict) -> Outcome:
    step = _step(ctx, payload["step_key"])
    update_step(ctx.ws, step["key"], revealed=payload["revealed"])
    revealed = activity_for(step).reveal(ctx.db, ctx.ws, step) if payload["revealed"] else None
    return Outcome("step.revealed", {"step_key": step["key"], "revealed": payload["revealed"], "data": revealed})


def _timer_now(timer: dict, now: datetime) -> float:
    remaining = timer["remaining"]
    if timer.get("running_since"):
        remaining -= (now - datetime.fromisoformat(timer["running_since"])).total_seconds()
    return remaining


def _timer_outcome(ctx: OpContext, step: dict, timer: dict) -> Outcome:
    update_step(ctx.ws, step["key"], timer=timer)
    return Outcome("timer.changed", {"step_key": step["key"], "timer": timer, "server_now": utcnow().isoformat()})


def timer_start(ctx: OpContext, payload: dict) -> Outcome:
    """Start (or resume) the step's timer; seconds sets a new duration."""
    step = _step(ctx, payload["step_key"])
    now = utcnow()
    timer = step_state(ctx.ws, step["key"]).get("timer")
    if "seconds" in payload or timer is None:
        seconds = payload.get("seconds") or (step.get("timebox_minutes") or 5) * 60
        timer = {"duration": seconds, "remaining": seconds}
    elif timer.get("running_since"):
        raise Rejected("timer_running", "The timer is already running.")
    return _timer_outcome(ctx, step, {**timer, "running_since": now.isoformat()})


def timer_pause(ctx: OpContext, payload: dict) -> Outcome:
    step = _step(ctx, payload["step_key"])
    timer = step_state(ctx.ws, step["key"]).get("timer")
    if not timer or not timer.get("running_since"):
        raise Rejected("timer_not_running", "The timer is not running.")
    remaining = _timer_now(timer, utcnow())
    return _timer_outcome(ctx, step, {**timer, "remaining": round(remaining, 1), "running_since": None})


def timer_add(ctx: OpContext, payload: dict) -> Outcome:
    step = _step(ctx, payload["step_key"])
    timer = step_state(ctx.ws, step["key"]).get("timer")
    if not timer:
        raise Rejected("timer_not_started", "Start the timer first.")
    return _timer_outcome(
        ctx,
        step,
        {
            **timer,
            "remaining": timer["remaining"] + payload["seconds"],
            "duration": max(1, timer["duration"] + payload["seconds"]),
        },
    )


def spotlight(ctx: OpContext, payload: dict) -> Outcome:
    target = None
    if payload["card_id"] is not None:
        card = get_live_card(ctx.db, ctx.ws.id, payload["card_id"])
        # The spotlight is for the room: a card it may not see (hidden, pending, a silent
        # step's card before the reveal) is refused, whoever's screen could show it.
        step = ctx.ws.step(card.step_key)
        if not visible_to(card, step, is_revealed(ctx.ws, card.step_key), ROOM, Seating.room(ctx.ws)):
            raise Rejected("card_not_visible", "Only a card everybody can see can be put in the spotlight.")
        target = {"card_id": card.id, "text": card.text}
    elif payload["cluster_id"] is not None:
        cluster = ctx.db.get(Cluster, payload["cluster_id"])
        if cluster is None or cluster.session_id != ctx.ws.id or cluster.deleted_at is not None:
            raise Rejected("cluster_not_found", f"There is no cluster {payload['cluster_id']} in this session.")
        target = {"cluster_id": cluster.id, "text": cluster.title}
    set_spotlight(ctx.ws, target)
    return Outcome("spotlight.changed", {"spotlight": target})


class NotePayload(StepRef):
    text = fields.String(
        required=True,
        validate=validate.Length(max=NOTE_MAX_LENGTH, error=f"must be at most {NOTE_MAX_LENGTH} characters"),
    )


def note(ctx: OpContext, payload: dict) -> Outcome:
    """The facilitator's private notes on a step: kept with the session, never sent to the room."""
    step = _step(ctx, payload["step_key"])
    set_note(ctx.ws, step["key"], payload["text"])
    return Outcome(
        "step.noted",
        {"step_key": step["key"], "text": payload["text"]},
        public_payload={"step_key": step["key"], "redacted": True},
    )


CONTROL_OPS: dict[str, OpSpec] = {
    spec.type: spec
    for spec in (
        OpSpec("step.lock", LockPayload, frozenset({FACILITATOR}), lock),
        OpSpec("step.reveal", RevealPayload, frozenset({FACILITATOR}), reveal),
        OpSpec("timer.start", TimerStart, frozenset({FACILITATOR}), timer_start),
        OpSpec("timer.pause", StepRef, frozenset({FACILITATOR}), timer_pause),
        OpSpec("timer.add", TimerAdd, frozenset({FACILITATOR}), timer_add),
        OpSpec("spotlight.set", SpotlightPayload, frozenset({FACILITATOR}), spotlight),
        OpSpec("step.note", NotePayload, frozenset({FACILITATOR}), note, frozenset({"ready", "live", "ended"})),
    )
}
