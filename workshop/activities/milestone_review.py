"""Sachstand und Selbstevaluation: the team goes through the measure's milestones and indicators live.

Mode "milestones" (default): the facilitator puts one milestone or indicator in focus; everyone
proposes a status for a milestone (from its record template's matrix), writes obstacles and next
steps, and rates an indicator's trend (better / same / worse). The facilitator then applies the
status the group agreed on — with the obstacles and next steps as the milestone's note — and
enters a newly measured value; both go through measures/capture.py into the monitoring with their
provenance (session, step, cards, proposal counts).

Mode "decision": after a consent step (source) on continuation or Verstetigung, the facilitator
records the outcome as the measure's review result, its lines pointing at the consent's options.

Everything a participant sends is a card of the step (column "status:<id>", "obstacle:<id>",
"next:<id>", "trend:<id>"), so the protocol and the replay see it like any other contribution.
Self-contained: its ops, state, results and protocol section are here; its screens are
static/js/activities/milestone_review.js.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from workshop.activities.base import Activity, ResultItem
from workshop.activities.consent import ConsentActivity
from workshop.activities.models import Card
from workshop.activities.protocol import Fold, Section
from workshop.db import utcnow
from workshop.i18n import N_
from workshop.measures import capture, monitoring
from workshop.measures.models import Measure
from workshop.measures.record import template_of
from workshop.ops import FACILITATOR, PARTICIPANT, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.steps import Problem, Step
from workshop.validation import CleanText

TYPE = "milestone_review"
TRENDS = ("better", "same", "worse")
TREND_LABELS = {"better": "besser", "same": "gleich", "worse": "schlechter"}
NOTE_MAX = 500


class ReviewConfig(Schema):
    mode = fields.String(
        load_default="milestones",
        validate=validate.OneOf(["milestones", "decision"]),
        metadata={
            "label": N_("Was der Schritt tut"),
            "help": N_(
                "Meilensteine und Indikatoren gemeinsam durchgehen, oder das Ergebnis eines Konsensierens festhalten."
            ),
            "choices": {
                "milestones": N_("Meilensteine und Indikatoren durchgehen"),
                "decision": N_("Ergebnis eines Konsensierens festhalten"),
            },
        },
    )
    source = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 80),
        metadata={
            "label": N_("Quelle (ein früherer Schritt)"),
            "help": N_("Nur beim Festhalten: das Konsensieren, dessen Ergebnis festgehalten wird."),
            "editor": "step",
        },
    )


@dataclass(kw_only=True)
class ReviewStep(Step):
    mode: str = "milestones"
    source: str | None = None

    def check(self, earlier: dict[str, frozenset[str]]) -> list[Problem]:
        if self.mode == "decision" and (not self.source or self.source not in earlier):
            return [
                Problem(
                    "source",
                    N_("Zum Festhalten eines Ergebnisses wählen Sie das frühere Konsensieren als Quelle."),
                )
            ]
        return []


class FocusPayload(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["milestone", "indicator"]))
    item_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**62))


class ProposePayload(Schema):
    milestone_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**62))
    status = fields.String(required=True, validate=validate.Length(1, 40))


class NotePayload(Schema):
    milestone_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**62))
    kind = fields.String(required=True, validate=validate.OneOf(["obstacle", "next"]))
    text = CleanText(required=True, validate=validate.Length(1, NOTE_MAX))


class TrendPayload(Schema):
    indicator_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**62))
    trend = fields.String(required=True, validate=validate.OneOf(TRENDS))


class ApplyPayload(Schema):
    milestone_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**62))
    status = fields.String(required=True, validate=validate.Length(1, 40))


class ValuePayload(Schema):
    indicator_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**62))
    value = fields.String(required=True, validate=validate.Length(1, 40))
    measured_on = fields.String(load_default="", validate=validate.Length(max=20))
    source = CleanText(load_default="", validate=validate.Length(max=300))


class DecidePayload(Schema):
    text = CleanText(required=True, validate=validate.Length(1, 2000))


def _measure(ctx_db, ws) -> Measure:
    return ctx_db.get(Measure, ws.measure_id)


def _cards(db, ws, step_key: str) -> list[Card]:
    return list(
        db.scalars(
            select(Card)
            .where(Card.session_id == ws.id, Card.step_key == step_key, Card.deleted_at.is_(None))
            .order_by(Card.id)
        )
    )


def _milestone(db, ws, milestone_id: int) -> monitoring.Milestone:
    milestone = db.get(monitoring.Milestone, milestone_id)
    if milestone is None or milestone.measure_id != ws.measure_id:
        raise Rejected("not_found", "payload.milestone_id: the measure has no such milestone.")
    return milestone


def _indicator(db, ws, indicator_id: int) -> monitoring.Indicator:
    indicator = db.get(monitoring.Indicator, indicator_id)
    if indicator is None or indicator.measure_id != ws.measure_id:
        raise Rejected("not_found", "payload.indicator_id: the measure has no such indicator.")
    return indicator


def board(db, ws, step: dict) -> dict:
    """Everything the room sees: the items, the focus, the proposals, notes and trend counts."""
    measure = _measure(db, ws)
    template = template_of(measure)
    state = monitoring.state(db, measure)
    cards = _cards(db, ws, step["key"])
    proposals: dict[str, dict[str, int]] = {}
    notes: dict[str, list[dict]] = {}
    trends: dict[str, dict[str, int]] = {}
    for card in cards:
        kind, _sep, ident = card.column_key.partition(":")
        if kind == "status":
            proposals.setdefault(ident, {}).setdefault(card.text, 0)
            proposals[ident][card.text] += 1
        elif kind in ("obstacle", "next"):
            notes.setdefault(ident, []).append({"id": card.id, "kind": kind, "text": card.text})
        elif kind == "trend":
            trends.setdefault(ident, {t: 0 for t in TRENDS})[card.text] += 1
    runtime = (ws.runtime or {}).get(step["key"]) or {}
    return {
        "statuses": [{"key": s.key, "label": s.label, "done": s.done} for s in template.milestone_statuses],
        "milestones": [
            {k: m[k] for k in ("id", "title", "planned_date", "actual_date", "status", "responsible")}
            for m in state.milestones
        ],
        "indicators": [
            {
                **{k: s.indicator[k] for k in ("id", "name", "unit", "baseline_value", "target_value", "direction")},
                "latest": s.values[-1]["value"] if s.values else None,
                "latest_on": s.values[-1]["measured_on"] if s.values else None,
            }
            for s in state.indicators
        ],
        "focus": runtime.get("focus"),
        "proposals": proposals,
        "notes": notes,
        "trends": trends,
    }


def _changed(ctx: OpContext, step: dict, own: dict | None = None) -> Outcome:
    return Outcome("review.changed", {"step_key": step["key"], **board(ctx.db, ctx.ws, step)}, own or {})


def focus(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current
    (_milestone if payload["kind"] == "milestone" else _indicator)(ctx.db, ctx.ws, payload["item_id"])
    runtime = dict(ctx.ws.runtime or {})
    runtime[step["key"]] = {**(runtime.get(step["key"]) or {}), "focus": f"{payload['kind']}:{payload['item_id']}"}
    ctx.ws.runtime = runtime
    return _changed(ctx, step)


def _own_card(ctx: OpContext, step: dict, column: str, text: str) -> Card:
    """One card per person and column (a second proposal replaces the first)."""
    own = ctx.db.scalars(
        select(Card).where(
            Card.session_id == ctx.ws.id,
            Card.step_key == step["key"],
            Card.column_key == column,
            Card.participant_id == ctx.actor.id,
            Card.deleted_at.is_(None),
        )
    ).first()
    if own is None:
        own = Card(
            session_id=ctx.ws.id, step_key=step["key"], column_key=column, text=text, participant_id=ctx.actor.id
        )
        ctx.db.add(own)
    else:
        own.text, own.updated_at = text, utcnow()
    ctx.db.flush()
    return own


def propose(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current
    milestone = _milestone(ctx.db, ctx.ws, payload["milestone_id"])
    if template_of(_measure(ctx.db, ctx.ws)).milestone_status(payload["status"]) is None:
        raise Rejected("invalid", "payload.status: not a status of this measure's milestones.")
    _own_card(ctx, step, f"status:{milestone.id}", payload["status"])
    return _changed(ctx, step, {"milestone_id": milestone.id, "status": payload["status"]})


def note(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current
    milestone = _milestone(ctx.db, ctx.ws, payload["milestone_id"])
    card = Card(
        session_id=ctx.ws.id,
        step_key=step["key"],
        column_key=f"{payload['kind']}:{milestone.id}",
        text=payload["text"],
        participant_id=ctx.actor.id if ctx.actor.role == PARTICIPANT else None,
        facilitator_id=ctx.actor.id if ctx.actor.role == FACILITATOR else None,
    )
    ctx.db.add(card)
    ctx.db.flush()
    return _changed(ctx, step, {"card_id": card.id})


def trend(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current
    indicator = _indicator(ctx.db, ctx.ws, payload["indicator_id"])
    _own_card(ctx, step, f"trend:{indicator.id}", payload["trend"])
    return _changed(ctx, step, {"indicator_id": indicator.id, "trend": payload["trend"]})


def apply_status(ctx: OpContext, payload: dict) -> Outcome:
    """The agreed status into the milestone, the step's obstacles and next steps into its note."""
    step = ctx.ws.current
    milestone = _milestone(ctx.db, ctx.ws, payload["milestone_id"])
    cards = [c for c in _cards(ctx.db, ctx.ws, step["key"]) if c.column_key.endswith(f":{milestone.id}")]
    capture.capture_milestone(
        ctx.db, ctx.ws, _measure(ctx.db, ctx.ws), step, milestone, payload["status"], cards, ctx.actor.id
    )
    return _changed(ctx, step, {"milestone_id": milestone.id})


def add_value(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current
    indicator = _indicator(ctx.db, ctx.ws, payload["indicator_id"])
    trend_cards = [c for c in _cards(ctx.db, ctx.ws, step["key"]) if c.column_key == f"trend:{indicator.id}"]
    value = capture.capture_indicator_value(
        ctx.db, ctx.ws, _measure(ctx.db, ctx.ws), step, indicator, payload, trend_cards, ctx.actor.id
    )
    return _changed(ctx, step, {"indicator_id": indicator.id, "value_id": value.id if value else None})


def decide(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current
    if step.get("mode") != "decision":
        raise Rejected("wrong_step_type", "review.decide belongs to a review step in mode decision.")
    source = ctx.ws.step(step.get("source") or "")
    # The consent step's ranked options (the format names one as source; another type gives none).
    items = (
        ConsentActivity().results(ctx.db, ctx.ws, source) if source and source["type"] == ConsentActivity.type else []
    )
    review = capture.capture_review(
        ctx.db, ctx.ws, _measure(ctx.db, ctx.ws), step, source, payload["text"], items, ctx.actor.id
    )
    return Outcome("review.decided", {"step_key": step["key"], "decision": review.decision, "review_id": review.id})


def _spec(op_type, schema, roles, handler, lock=False):
    return OpSpec(op_type, schema, frozenset(roles), handler, step_types=frozenset({TYPE}), lock_applies=lock)


class MilestoneReviewActivity(Activity):
    type = TYPE
    label = N_("Sachstand prüfen (Meilensteine und Indikatoren)")
    config_schema = ReviewConfig
    step_class = ReviewStep
    ops = (
        _spec("review.focus", FocusPayload, {FACILITATOR}, focus),
        _spec("review.propose", ProposePayload, {PARTICIPANT}, propose, lock=True),
        _spec("review.note", NotePayload, {PARTICIPANT, FACILITATOR}, note, lock=True),
        _spec("review.trend", TrendPayload, {PARTICIPANT}, trend, lock=True),
        _spec("review.apply", ApplyPayload, {FACILITATOR}, apply_status),
        _spec("review.value", ValuePayload, {FACILITATOR}, add_value),
        _spec("review.decide", DecidePayload, {FACILITATOR}, decide),
    )
    capturable = False  # it writes into the monitoring itself (review.apply / .value / .decide)

    def state(self, db, ws, step, viewer):
        if step.get("mode") == "decision":
            reviews = [r for r in monitoring.reviews_of(db, ws.measure_id) if r.session_id == ws.id]
            return {"decision": reviews[-1].decision if reviews else None}
        out = board(db, ws, step)
        if viewer.role == PARTICIPANT:
            mine = [c for c in _cards(db, ws, step["key"]) if c.participant_id == viewer.id]
            out["mine"] = {c.column_key: c.text for c in mine if not c.column_key.startswith(("obstacle", "next"))}
        return out

    def bot_op(self, bot, view, step):
        """A simulated team member proposes a status for the milestone in focus, or rates the trend of
        the indicator in focus, once each."""
        if step.get("mode") == "decision":
            return None
        state = view["activity"].get(step["key"]) or {}
        focus = state.get("focus") or {}
        kind, item = focus.get("kind"), focus.get("item_id")
        mine = state.get("mine") or {}
        if kind == "milestone" and state.get("statuses") and f"status:{item}" not in mine:
            status = bot.rng.choice(state["statuses"])["key"]
            return {"type": "review.propose", "payload": {"milestone_id": item, "status": status}}
        if kind == "indicator" and f"trend:{item}" not in mine:
            return {"type": "review.trend", "payload": {"indicator_id": item, "trend": bot.rng.choice(TRENDS)}}
        return None

    def results(self, db, ws, step):
        if step.get("mode") == "decision":
            return [
                ResultItem(r.decision, None, None)
                for r in monitoring.reviews_of(db, ws.measure_id)
                if r.session_id == ws.id
            ]
        b = board(db, ws, step)
        out = []
        for m in b["milestones"]:
            for n in b["notes"].get(str(m["id"]), []):
                label = "Hindernis" if n["kind"] == "obstacle" else "Nächster Schritt"
                out.append(ResultItem(f"{m['title']} – {label}: {n['text']}", n["id"], n["kind"]))
        return out

    def protocol(self, f: Fold, step: dict, item: Section) -> None:
        if step.get("mode") == "decision":
            item.results = [r.text for r in self.results(f.db, f.ws, step)] or [f.w.gettext("keine")]
            return
        b = board(f.db, f.ws, step)
        measure = _measure(f.db, f.ws)
        statuses = {s.key: s.label_text(f.w.language) for s in template_of(measure).milestone_statuses}
        lines = []
        for m in b["milestones"]:
            counts = b["proposals"].get(str(m["id"]), {})
            proposed = ", ".join(f"{statuses.get(k, k)}: {n}" for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))
            lines.append(
                f"{m['title']}: {statuses.get(m['status'], m['status'])}" + (f" ({proposed})" if proposed else "")
            )
            for n in b["notes"].get(str(m["id"]), []):
                word = f.w.gettext("Hindernis") if n["kind"] == "obstacle" else f.w.gettext("Nächster Schritt")
                lines.append(f"  {word}: {n['text']}")
        for i in b["indicators"]:
            counts = b["trends"].get(str(i["id"]), {})
            if any(counts.values()):
                spread = ", ".join(f"{f.w.gettext(TREND_LABELS[t])}: {counts[t]}" for t in TRENDS if counts[t])
                lines.append(f"{i['name']}: {f.w.gettext('Trend')} {spread}")
        item.results = lines or [f.w.gettext("keine")]
