"""Operations on the session itself: join, start, end, move between steps, capture results."""

from __future__ import annotations

import secrets

from marshmallow import Schema, fields, validate
from sqlalchemy import delete, func, select

from workshop.activities.registry import activity_for, clear_contributions
from workshop.db import get_row, utcnow
from workshop.i18n import N_
from workshop.measures import capture as record_capture
from workshop.measures.messages import RecordRefused
from workshop.measures.models import Measure, RecordRevision
from workshop.measures.publication import public_path
from workshop.measures.record import forget_session, template_of
from workshop.measures.record import undo as record_undo
from workshop.ops import FACILITATOR, SYSTEM, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.models import ENDED, EXERCISE, LIVE, READY, Participant, token_hash
from workshop.sessions.runtime import enter_step, is_revealed, leave_step
from workshop.validation import CleanText

DISPLAY_NAME_MAX = 40


class JoinPayload(Schema):
    display_name = CleanText(
        load_default="",
        validate=validate.Length(max=DISPLAY_NAME_MAX, error=f"must be at most {DISPLAY_NAME_MAX} characters"),
    )
    # the join page's question: may the filed protocol name this person? (no by default)
    named_in_protocol = fields.Boolean(load_default=False)


class Empty(Schema):
    pass


class GotoPayload(Schema):
    step_key = fields.String(required=True, validate=validate.Length(1, 80))


class CapturePayload(Schema):
    step_key = fields.String(required=True, validate=validate.Length(1, 80))
    field_key = fields.String(validate=validate.Length(1, 80))
    card_ids = fields.List(fields.Integer(strict=True), validate=validate.Length(1, 100))
    mode = fields.String(validate=validate.OneOf(["replace", "append"]))  # default: the step's, else append
    # a cluster (or a vote on clusters) gives one line per cluster: its title, or with its cards
    clusters = fields.String(validate=validate.OneOf(list(record_capture.CLUSTER_SHAPES)))


class UndoPayload(Schema):
    revision_ids = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(1, 50))


def participant_count(ctx: OpContext) -> int:
    return ctx.db.scalar(select(func.count(Participant.id)).where(Participant.session_id == ctx.ws.id)) or 0


def join(ctx: OpContext, payload: dict) -> Outcome:
    token = secrets.token_urlsafe(24)
    # A public-audience format asks no names; a name sent anyway is not stored.
    name = None if ctx.ws.template.get("anonymous") else (payload["display_name"] or None)
    participant = Participant(
        session_id=ctx.ws.id,
        token_hash=token_hash(token),
        display_name=name,
        named_in_protocol=bool(name and payload["named_in_protocol"]),  # no name, nothing to name
    )
    ctx.db.add(participant)
    ctx.db.flush()
    return Outcome(
        "participant.joined",
        {"participants": participant_count(ctx), "name": name},
        {"participant_id": participant.id},
        private_result={"token": token},
        can_wait=True,  # a head count; the joiner's snapshot has it already
    )


def start(ctx: OpContext, payload: dict) -> Outcome:
    ctx.ws.status = LIVE
    ctx.ws.started_at = utcnow()
    enter_step(ctx.ws, ctx.ws.current["key"], ctx.ws.started_at)
    return Outcome(
        "session.started",
        {"started_at": ctx.ws.started_at.isoformat(), "step_index": ctx.ws.current_step, "steps": _step_times(ctx.ws)},
    )


def end(ctx: OpContext, payload: dict) -> Outcome:
    ctx.ws.status = ENDED
    ctx.ws.ended_at = utcnow()
    leave_step(ctx.ws, ctx.ws.current["key"], ctx.ws.ended_at)
    # Phones show the measure's public page (what becomes of the contributions) if the team opted in.
    return Outcome(
        "session.ended",
        {"ended_at": ctx.ws.ended_at.isoformat(), "public_path": public_path(ctx.db, ctx.ws.measure_id)},
    )


def goto_step(ctx: OpContext, payload: dict) -> Outcome:
    index = ctx.ws.step_index(payload["step_key"])
    if index is None:
        raise Rejected("unknown_step", f"This session has no step '{payload['step_key']}'.")
    now = utcnow()
    leave_step(ctx.ws, ctx.ws.current["key"], now)
    ctx.ws.current_step = index
    enter_step(ctx.ws, payload["step_key"], now)
    return Outcome("step.changed", {"step_index": index, "step_key": payload["step_key"], "steps": _step_times(ctx.ws)})


def _step_times(ws) -> dict:
    """Actual time per step so far, for every screen's agenda."""
    return {
        key: {"seconds": state.get("seconds", 0), "entered_at": state.get("entered_at")}
        for key, state in (ws.runtime.get("steps") or {}).items()
    }


def _chosen_results(ctx: OpContext, step: dict, payload: dict) -> list:
    results = activity_for(step).results(ctx.db, ctx.ws, step)
    if "card_ids" in payload:
        by_id = {item.card_id: item for item in results}
        missing = [cid for cid in payload["card_ids"] if cid not in by_id]
        if missing:
            raise Rejected(
                "card_not_found", f"Card(s) {', '.join(map(str, missing))} are not results of step '{step['key']}'."
            )
        return [by_id[cid] for cid in dict.fromkeys(payload["card_ids"])]
    if activity_for(step).ranked_by_votes:  # a card nobody voted for is no result of the vote
        results = [item for item in results if item.votes > 0]
    top = (step.get("capture") or {}).get("top")
    return results[:top] if top else results


def plan_capture(ctx: OpContext, payload: dict) -> tuple[dict, Measure, list]:
    """The session side of a capture (which step, which results); the record side is
    measures/capture.py. Also the console's preview, which writes nothing."""
    step = ctx.ws.step(payload["step_key"])
    if step is None:
        raise RecordRefused(
            "unknown_step", N_("Diese Sitzung hat keinen Schritt „%(step)s“."), step=payload["step_key"]
        )
    measure = get_row(ctx.db, Measure, ctx.ws.measure_id)
    planned = record_capture.plan(
        ctx.db,
        ctx.ws,
        measure,
        step,
        _chosen_results(ctx, step, payload),
        field_key=payload.get("field_key"),
        mode=payload.get("mode"),
        clusters=payload.get("clusters"),
        with_votes=activity_for(step).ranked_by_votes,
    )
    return step, measure, planned


def capture(ctx: OpContext, payload: dict) -> Outcome:
    """Take a step's results into the record (rules and writing: measures/capture.py)."""
    step, measure, planned = plan_capture(ctx, payload)
    actor_id = ctx.actor.id if ctx.actor.role == FACILITATOR else None
    captured = record_capture.write(ctx.db, ctx.ws, measure, step, planned, actor_id)
    still_silent = step.get("silent") and not is_revealed(ctx.ws, step["key"])
    return Outcome(
        "record.captured",
        {"step_key": step["key"], "captures": captured},
        {
            "fields": [c["field_key"] for c in captured],
            "lines": sum(len(c["lines"]) for c in captured),
            "added": sum(c["added"] for c in captured),
            "changed": any(c["revision_id"] for c in captured),
            "revision_ids": [c["revision_id"] for c in captured if c["revision_id"]],
        },
        # Captured before the reveal, the lines are still other people's silent cards.
        public_payload={"step_key": step["key"], "redacted": True} if still_silent else None,
    )


def undo_capture(ctx: OpContext, payload: dict) -> Outcome:
    """One click takes a capture of this session back: each field gets its previous value again,
    recorded as a new revision of kind undo (measures/record.undo)."""
    measure = get_row(ctx.db, Measure, ctx.ws.measure_id)
    found = [ctx.db.get(RecordRevision, rid) for rid in dict.fromkeys(payload["revision_ids"])]
    revisions = [r for r in found if r is not None and r.source_session_id == ctx.ws.id and r.source_kind == "capture"]
    if len(revisions) != len(found):
        raise RecordRefused(
            "revision_not_found", N_("Rückgängig machen lässt sich hier nur eine Übernahme aus dieser Sitzung.")
        )
    actor_id = ctx.actor.id if ctx.actor.role == FACILITATOR else None
    record_template = template_of(measure)
    undone = []
    for revision in revisions:
        written = record_undo(ctx.db, measure, revision.id, actor_id, session_id=ctx.ws.id)
        field = record_template.required_field(revision.field_key)
        undone.append(
            {
                "field_key": revision.field_key,
                "field_label": field.label,  # {de, en}, as a capture's
                "lines": [line["text"] for line in written.lines or []],
                "revision_id": written.id,
            }
        )
    step_key = revisions[0].source_step_key or ""
    still_silent = (ctx.ws.step(step_key) or {}).get("silent") and not is_revealed(ctx.ws, step_key)
    # The same event as a capture (every screen already follows it): the field's value now.
    return Outcome(
        "record.captured",
        {"step_key": step_key, "captures": undone, "undo": True},
        {"fields": [u["field_key"] for u in undone], "revision_ids": [u["revision_id"] for u in undone]},
        public_payload={"step_key": step_key, "redacted": True} if still_silent else None,
    )


def reset_practice(ctx: OpContext, payload: dict) -> Outcome:
    """A practice session back to its start, as if just created: every contribution and
    simulated participant goes, and what it captured into its exercise measure. The log keeps
    what happened and this event after it: every screen starts again from a fresh snapshot, a
    replay shows the reset, the debrief counts from here. Only a practice session."""
    ws = ctx.ws
    if ws.mode != EXERCISE:
        raise Rejected("not_practice", "Only a practice session can be reset.")
    clear_contributions(ctx.db, ws)
    ctx.db.execute(delete(Participant).where(Participant.session_id == ws.id, Participant.simulated.is_(True)))
    measure = get_row(ctx.db, Measure, ws.measure_id)
    if measure.is_exercise:  # a practice session's captures went there, never into a real record
        forget_session(ctx.db, measure, ws.id)
    ws.status, ws.current_step, ws.runtime = READY, 0, {}
    ws.started_at = ws.ended_at = None
    return Outcome("session.reset", {"status": READY, "step_index": 0})


SESSION_OPS: dict[str, OpSpec] = {
    spec.type: spec
    for spec in (
        OpSpec("participant.join", JoinPayload, frozenset({SYSTEM}), join, frozenset({READY, LIVE})),
        OpSpec("session.start", Empty, frozenset({FACILITATOR}), start, frozenset({READY})),
        OpSpec("session.end", Empty, frozenset({FACILITATOR}), end, frozenset({READY, LIVE})),
        OpSpec("step.goto", GotoPayload, frozenset({FACILITATOR}), goto_step, frozenset({LIVE})),
        OpSpec("record.capture", CapturePayload, frozenset({FACILITATOR}), capture, frozenset({LIVE, ENDED})),
        OpSpec("record.undo", UndoPayload, frozenset({FACILITATOR}), undo_capture, frozenset({LIVE, ENDED})),
        OpSpec("session.reset", Empty, frozenset({FACILITATOR}), reset_practice, frozenset({READY, LIVE, ENDED})),
    )
}
