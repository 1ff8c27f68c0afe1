"""Operations on the session itself: join, start, end, move between steps, capture results."""
from __future__ import annotations

import secrets

from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from workshop.ops import OpContext, OpSpec, Outcome
from workshop.activities.registry import activity_for
from workshop.db import utcnow
from workshop.i18n import localized
from workshop.ops import FACILITATOR, SYSTEM
from workshop.ops import Rejected
from workshop.measures.models import Measure
from workshop.measures.record import current_values, set_field, template_of
from workshop.sessions.models import ENDED, LIVE, READY, Participant, token_hash
from workshop.sessions.runtime import enter_step, is_revealed, leave_step
from workshop.validation import CleanText

DISPLAY_NAME_MAX = 40


class JoinPayload(Schema):
    display_name = CleanText(load_default="", validate=validate.Length(
        max=DISPLAY_NAME_MAX, error=f"must be at most {DISPLAY_NAME_MAX} characters"))


class Empty(Schema):
    pass


class GotoPayload(Schema):
    step_key = fields.String(required=True, validate=validate.Length(1, 80))


class CapturePayload(Schema):
    step_key = fields.String(required=True, validate=validate.Length(1, 80))
    field_key = fields.String(validate=validate.Length(1, 80))
    card_ids = fields.List(fields.Integer(strict=True), validate=validate.Length(1, 100))
    mode = fields.String(validate=validate.OneOf(["replace", "append"]))


def participant_count(ctx: OpContext) -> int:
    return ctx.db.scalar(select(func.count(Participant.id)).where(Participant.session_id == ctx.ws.id)) or 0


def join(ctx: OpContext, payload: dict) -> Outcome:
    token = secrets.token_urlsafe(24)
    # A public-audience format asks no names; a name sent anyway is not stored.
    name = None if ctx.ws.template.get("anonymous") else (payload["display_name"] or None)
    participant = Participant(session_id=ctx.ws.id, token_hash=token_hash(token), display_name=name)
    ctx.db.add(participant)
    ctx.db.flush()
    return Outcome("participant.joined", {"participants": participant_count(ctx), "name": name},
                   {"participant_id": participant.id},
                   private_result={"token": token})


def start(ctx: OpContext, payload: dict) -> Outcome:
    ctx.ws.status = LIVE
    ctx.ws.started_at = utcnow()
    enter_step(ctx.ws, ctx.ws.current["key"], ctx.ws.started_at)
    return Outcome("session.started", {"started_at": ctx.ws.started_at.isoformat(),
                                       "step_index": ctx.ws.current_step, "steps": _step_times(ctx.ws)})


def end(ctx: OpContext, payload: dict) -> Outcome:
    ctx.ws.status = ENDED
    ctx.ws.ended_at = utcnow()
    leave_step(ctx.ws, ctx.ws.current["key"], ctx.ws.ended_at)
    return Outcome("session.ended", {"ended_at": ctx.ws.ended_at.isoformat()})


def goto_step(ctx: OpContext, payload: dict) -> Outcome:
    index = ctx.ws.step_index(payload["step_key"])
    if index is None:
        raise Rejected("unknown_step", f"This session has no step '{payload['step_key']}'.")
    now = utcnow()
    leave_step(ctx.ws, ctx.ws.current["key"], now)
    ctx.ws.current_step = index
    enter_step(ctx.ws, payload["step_key"], now)
    return Outcome("step.changed", {"step_index": index, "step_key": payload["step_key"],
                                    "steps": _step_times(ctx.ws)})


def _step_times(ws) -> dict:
    """Actual time per step so far, for every screen's agenda."""
    return {key: {"seconds": state.get("seconds", 0), "entered_at": state.get("entered_at")}
            for key, state in (ws.runtime.get("steps") or {}).items()}


def _chosen_results(ctx: OpContext, step: dict, payload: dict) -> list:
    results = activity_for(step).results(ctx.db, ctx.ws, step)
    if "card_ids" in payload:
        by_id = {item.card_id: item for item in results}
        missing = [cid for cid in payload["card_ids"] if cid not in by_id]
        if missing:
            raise Rejected("card_not_found",
                           f"Card(s) {', '.join(map(str, missing))} are not results of step '{step['key']}'.")
        return [by_id[cid] for cid in dict.fromkeys(payload["card_ids"])]
    if step["type"] == "dot_vote":  # a card nobody voted for is no result of the vote
        results = [item for item in results if item.votes > 0]
    top = (step.get("capture") or {}).get("top")
    return results[:top] if top else results


def _line(ctx: OpContext, step: dict, item, columns: dict) -> dict:
    prefix = columns.get(item.column_key) if len(columns) > 1 and not _column_fields(step) else None
    return {
        "text": f"{prefix}: {item.text}" if prefix else item.text,
        "source": {
            "session_id": ctx.ws.id, "session_title": ctx.ws.title,
            "unit": ctx.ws.template.get("unit"), "run": ctx.ws.run_number, "template": ctx.ws.template_key,
            "step_key": step["key"], "step_title": localized(step["title"]),
            "card_id": item.card_id, "cluster_id": item.cluster_id,
            "votes": item.votes if step["type"] == "dot_vote" else None,
            "captured_at": utcnow().isoformat(),
        },
    }


def _column_fields(step: dict) -> dict[str, str]:
    return {c["key"]: c["field"] for c in step.get("columns", []) if c.get("field")}


def capture(ctx: OpContext, payload: dict) -> Outcome:
    """Take a step's results into the record. A step whose columns map to record fields (co-drafting)
    fills each field from its column; otherwise one field takes the chosen results."""
    step = ctx.ws.step(payload["step_key"])
    if step is None:
        raise Rejected("unknown_step", f"This session has no step '{payload['step_key']}'.")
    measure = ctx.db.get(Measure, ctx.ws.measure_id)
    record_template = template_of(measure)
    chosen = _chosen_results(ctx, step, payload)
    if not chosen:
        raise Rejected("nothing_to_capture", f"Step '{step['key']}' has no results to capture yet.")
    columns = {c["key"]: localized(c["title"]) for c in step.get("columns", [])}
    column_fields = _column_fields(step)
    if payload.get("field_key"):
        targets = {payload["field_key"]: chosen}
    elif column_fields:
        targets = {}
        for item in chosen:
            targets.setdefault(column_fields.get(item.column_key, ""), []).append(item)
        targets.pop("", None)
    elif (step.get("capture") or {}).get("field"):
        targets = {step["capture"]["field"]: chosen}
    else:
        raise Rejected("invalid", "payload.field_key: this step has no record field; name one.")

    captured, total, changed = [], 0, False
    for field_key, items in targets.items():
        field = record_template.field(field_key)
        if field is None:
            raise Rejected("unknown_field", f"The record has no field '{field_key}'.")
        new_lines = [_line(ctx, step, item, columns) for item in items]
        if field.type == "status":
            if new_lines[0]["text"] not in field.choices:
                raise Rejected("invalid_value", f"'{new_lines[0]['text']}' is not a status "
                                                f"({', '.join(field.choices)}).")
            new_lines = new_lines[:1]
        lines = new_lines
        if payload.get("mode", (step.get("capture") or {}).get("mode", "replace")) == "append":
            existing = current_values(ctx.db, measure)[field_key].lines
            known = {(l.get("source") or {}).get("card_id") for l in existing} - {None}
            lines = existing + [l for l in new_lines if l["source"]["card_id"] not in known]
        actor_id = ctx.actor.id if ctx.actor.role == FACILITATOR else None
        revision = set_field(ctx.db, measure, field_key, lines, source_kind="capture",
                             author_id=actor_id, session_id=ctx.ws.id, step_key=step["key"])
        ctx.db.flush()
        captured.append({"field_key": field_key, "field_label": localized(field.label),
                         "lines": [line["text"] for line in lines],
                         "revision_id": revision.id if revision else None})
        total += len(lines)
        changed = changed or revision is not None
    still_silent = step.get("silent") and not is_revealed(ctx.ws, step["key"])
    return Outcome(
        "record.captured", {"step_key": step["key"], "captures": captured},
        {"fields": [c["field_key"] for c in captured], "lines": total, "changed": changed},
        # Captured before the reveal, the lines are still other people's silent cards.
        public_payload={"step_key": step["key"], "redacted": True} if still_silent else None,
    )


SESSION_OPS: dict[str, OpSpec] = {
    spec.type: spec
    for spec in (
        OpSpec("participant.join", JoinPayload, frozenset({SYSTEM}), join, frozenset({READY, LIVE})),
        OpSpec("session.start", Empty, frozenset({FACILITATOR}), start, frozenset({READY})),
        OpSpec("session.end", Empty, frozenset({FACILITATOR}), end, frozenset({READY, LIVE})),
        OpSpec("step.goto", GotoPayload, frozenset({FACILITATOR}), goto_step, frozenset({LIVE})),
        OpSpec("record.capture", CapturePayload, frozenset({FACILITATOR}), capture,
               frozenset({LIVE, ENDED})),
    )
}
