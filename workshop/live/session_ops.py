"""Operations on the session itself: join, start, end, move between steps, capture results."""
from __future__ import annotations

import hashlib
import secrets

from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from workshop.activities.base import OpContext, OpSpec, Outcome
from workshop.activities.registry import activity_for
from workshop.db import utcnow
from workshop.i18n import localized
from workshop.live.actors import FACILITATOR, SYSTEM
from workshop.live.errors import Rejected
from workshop.measures.models import Measure
from workshop.measures.record import current_values, set_field, template_of
from workshop.sessions.models import Participant
from workshop.validation import CleanText

READY, LIVE, ENDED = "ready", "live", "ended"
DISPLAY_NAME_MAX = 40


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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
    mode = fields.String(load_default="replace", validate=validate.OneOf(["replace", "append"]))


def participant_count(ctx: OpContext) -> int:
    return ctx.db.scalar(select(func.count(Participant.id)).where(Participant.session_id == ctx.ws.id))


def join(ctx: OpContext, payload: dict) -> Outcome:
    token = secrets.token_urlsafe(24)
    name = payload["display_name"] or None
    participant = Participant(session_id=ctx.ws.id, token_hash=token_hash(token), display_name=name)
    ctx.db.add(participant)
    ctx.db.flush()
    return Outcome("participant.joined", {"participants": participant_count(ctx), "name": name},
                   {"participant_id": participant.id},
                   private_result={"token": token})


def start(ctx: OpContext, payload: dict) -> Outcome:
    ctx.ws.status = LIVE
    ctx.ws.started_at = utcnow()
    return Outcome("session.started", {"started_at": ctx.ws.started_at.isoformat(),
                                       "step_index": ctx.ws.current_step})


def end(ctx: OpContext, payload: dict) -> Outcome:
    ctx.ws.status = ENDED
    ctx.ws.ended_at = utcnow()
    return Outcome("session.ended", {"ended_at": ctx.ws.ended_at.isoformat()})


def goto_step(ctx: OpContext, payload: dict) -> Outcome:
    index = ctx.ws.step_index(payload["step_key"])
    if index is None:
        raise Rejected("unknown_step", f"This session has no step '{payload['step_key']}'.")
    ctx.ws.current_step = index
    return Outcome("step.changed", {"step_index": index, "step_key": payload["step_key"]})


def capture(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.step(payload["step_key"])
    if step is None:
        raise Rejected("unknown_step", f"This session has no step '{payload['step_key']}'.")
    configured = step.get("capture") or {}
    field_key = payload.get("field_key") or configured.get("field")
    if not field_key:
        raise Rejected("invalid", "payload.field_key: this step has no record field; name one.")
    measure = ctx.db.get(Measure, ctx.ws.measure_id)
    field = template_of(measure).field(field_key)
    if field is None:
        raise Rejected("unknown_field", f"The record has no field '{field_key}'.")
    results = activity_for(step).results(ctx.db, ctx.ws, step)
    if "card_ids" in payload:
        by_id = {item.card_id: item for item in results}
        missing = [cid for cid in payload["card_ids"] if cid not in by_id]
        if missing:
            raise Rejected("card_not_found",
                           f"Card(s) {', '.join(map(str, missing))} are not results of step '{step['key']}'.")
        chosen = [by_id[cid] for cid in dict.fromkeys(payload["card_ids"])]
    else:
        if step["type"] == "dot_vote":  # a card nobody voted for is no result of the vote
            results = [item for item in results if item.votes > 0]
        chosen = results[: configured["top"]] if configured.get("top") else results
    if not chosen:
        raise Rejected("nothing_to_capture", f"Step '{step['key']}' has no results to capture yet.")

    columns = {c["key"]: localized(c["title"]) for c in step.get("columns", [])}
    new_lines = [
        {
            "text": f"{columns[item.column_key]}: {item.text}" if len(columns) > 1 else item.text,
            "source": {
                "session_id": ctx.ws.id, "session_title": ctx.ws.title,
                "unit": ctx.ws.template.get("unit"), "template": ctx.ws.template_key,
                "step_key": step["key"], "step_title": localized(step["title"]),
                "card_id": item.card_id, "votes": item.votes if step["type"] == "dot_vote" else None,
                "captured_at": utcnow().isoformat(),
            },
        }
        for item in chosen
    ]
    lines = new_lines
    if payload["mode"] == "append":
        existing = current_values(ctx.db, measure)[field_key].lines
        known = {(l.get("source") or {}).get("card_id") for l in existing} - {None}
        lines = existing + [l for l in new_lines if l["source"]["card_id"] not in known]
    actor_id = ctx.actor.id if ctx.actor.role == FACILITATOR else None
    revision = set_field(ctx.db, measure, field_key, lines, source_kind="capture",
                         author_id=actor_id, session_id=ctx.ws.id, step_key=step["key"])
    ctx.db.flush()
    return Outcome(
        "record.captured",
        {"step_key": step["key"], "field_key": field_key, "field_label": localized(field.label),
         "lines": [line["text"] for line in lines], "revision_id": revision.id if revision else None},
        {"field_key": field_key, "lines": len(lines), "changed": revision is not None},
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
