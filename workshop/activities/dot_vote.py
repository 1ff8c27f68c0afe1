"""Dot voting: each participant spends a budget of dots on the cards (or clusters) of an earlier step.

Budget and per-card maximum are enforced here, under the session lock the engine holds, so
two racing votes from one participant can never overspend. With hidden: true the totals
reach the room only when the facilitator reveals them.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import func, select

from workshop.activities.base import Activity, ResultItem
from workshop.activities.cards import get_live_card, live_cards
from workshop.activities.cluster import ClusterActivity, cluster_lines
from workshop.activities.models import Card, Cluster, Vote
from workshop.activities.protocol import Fold, ProtocolCard, Section, points
from workshop.ops import FACILITATOR, PARTICIPANT, Actor, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.runtime import is_revealed
from workshop.sessions.steps import Step


class DotVoteConfig(Schema):
    source = fields.String(required=True, validate=validate.Length(1, 80))
    budget = fields.Integer(load_default=5, strict=True, validate=validate.Range(1, 50))
    max_per_card = fields.Integer(load_default=3, strict=True, validate=validate.Range(1, 50))
    hidden = fields.Boolean(load_default=False)

    @validates_schema
    def _max_within_budget(self, data, **kwargs):
        if data.get("max_per_card", 0) > data.get("budget", 0):
            raise ValidationError("must not be larger than budget", "max_per_card")


@dataclass(kw_only=True)
class DotVoteStep(Step):
    source: str
    budget: int = 5
    max_per_card: int = 3
    hidden: bool = False

    def check(self, earlier):
        if self.source not in earlier:
            return [f"source: '{self.source}' is not an earlier step"]
        if not earlier[self.source] & {"cards", "clusters"}:
            return [f"source: step '{self.source}' has no cards or clusters to vote on"]
        return []


class VoteOnTarget(Schema):
    card_id = fields.Integer(strict=True)
    cluster_id = fields.Integer(strict=True)

    @validates_schema
    def _exactly_one(self, data, **kwargs):
        if ("card_id" in data) == ("cluster_id" in data):
            raise ValidationError("give card_id or cluster_id", "card_id")


def votes_on_clusters(ws, step: dict) -> bool:
    source = ws.step(step["source"])
    return bool(source and source["type"] == ClusterActivity.type)


def _target(ctx: OpContext, step: dict, payload: dict) -> tuple[str, int]:
    if votes_on_clusters(ctx.ws, step):
        if "cluster_id" not in payload:
            raise Rejected("invalid", "payload.cluster_id: this vote is on clusters.")
        cluster = ctx.db.get(Cluster, payload["cluster_id"])
        if (
            cluster is None
            or cluster.session_id != ctx.ws.id
            or cluster.deleted_at is not None
            or cluster.step_key != step["source"]
        ):
            raise Rejected("card_not_votable", f"Cluster {payload['cluster_id']} is not part of this vote.")
        return "cluster_id", cluster.id
    if "card_id" not in payload:
        raise Rejected("invalid", "payload.card_id: this vote is on cards.")
    card = get_live_card(ctx.db, ctx.ws.id, payload["card_id"])
    if card.step_key != step["source"] or card.status != "visible":
        raise Rejected("card_not_votable", f"Card {card.id} is not one of the cards in this vote.")
    return "card_id", card.id


def _my_votes(db, session_id: int, step_key: str, participant_id: int | None) -> list[Vote]:
    """A participant's votes in the step, on cards / clusters that still exist."""
    query = (
        select(Vote)
        .outerjoin(Card, Card.id == Vote.card_id)
        .outerjoin(Cluster, Cluster.id == Vote.cluster_id)
        .where(
            Vote.session_id == session_id,
            Vote.step_key == step_key,
            Vote.participant_id == participant_id,
            Card.deleted_at.is_(None),
            Cluster.deleted_at.is_(None),
        )
    )
    return list(db.scalars(query))


def vote_totals(db, session_id: int, step_key: str) -> dict[int, int]:
    """Target id (card or cluster) -> total dots, counting only targets that still exist."""
    rows = db.execute(
        select(func.coalesce(Vote.card_id, Vote.cluster_id), func.sum(Vote.count))
        .outerjoin(Card, Card.id == Vote.card_id)
        .outerjoin(Cluster, Cluster.id == Vote.cluster_id)
        .where(
            Vote.session_id == session_id,
            Vote.step_key == step_key,
            Card.deleted_at.is_(None),
            Cluster.deleted_at.is_(None),
        )
        .group_by(func.coalesce(Vote.card_id, Vote.cluster_id))
    )
    return {target: int(total) for target, total in rows if total}


def _target_total(db, session_id: int, step_key: str, kind: str, target_id: int) -> int:
    """The dots on one target (checked to exist just before): one indexed sum, not all totals."""
    column = Vote.card_id if kind == "card_id" else Vote.cluster_id
    return int(
        db.scalar(
            select(func.coalesce(func.sum(Vote.count), 0)).where(
                Vote.session_id == session_id, Vote.step_key == step_key, column == target_id
            )
        )
    )


def _change(ctx: OpContext, payload: dict, delta: int) -> Outcome:
    step = ctx.ws.current  # a vote: the engine checked (OpSpec.step_types)
    kind, target_id = _target(ctx, step, payload)
    votes = _my_votes(ctx.db, ctx.ws.id, step["key"], ctx.actor.id)
    spent = sum(v.count for v in votes)
    vote = next((v for v in votes if getattr(v, kind) == target_id), None)
    on_target = vote.count if vote else 0
    if delta > 0:
        if spent >= step["budget"]:
            raise Rejected("budget_exhausted", f"All {step['budget']} of your votes are used.")
        if on_target >= step["max_per_card"]:
            raise Rejected("card_max_reached", f"At most {step['max_per_card']} votes on one card.")
    elif on_target == 0:
        raise Rejected("no_vote_to_remove", "You have no vote on this card to take back.")
    if vote is None:
        vote = Vote(
            session_id=ctx.ws.id, step_key=step["key"], participant_id=ctx.actor.id, count=0, **{kind: target_id}
        )
        ctx.db.add(vote)
    vote.count += delta
    ctx.db.flush()
    total = _target_total(ctx.db, ctx.ws.id, step["key"], kind, target_id)
    hidden = step.get("hidden") and not is_revealed(ctx.ws, step["key"])
    return Outcome(
        "vote.changed",
        {"step_key": step["key"], kind: target_id, "target_id": target_id, "total": total},
        {kind: target_id, "mine": vote.count, "remaining": step["budget"] - spent - delta},
        public_payload={"step_key": step["key"], "redacted": True} if hidden else None,
    )


def add_vote(ctx: OpContext, payload: dict) -> Outcome:
    return _change(ctx, payload, +1)


def remove_vote(ctx: OpContext, payload: dict) -> Outcome:
    return _change(ctx, payload, -1)


class DotVoteActivity(Activity):
    type = "dot_vote"
    config_schema = DotVoteConfig
    step_class = DotVoteStep
    ops = (
        OpSpec(
            "vote.add",
            VoteOnTarget,
            frozenset({PARTICIPANT}),
            add_vote,
            step_types=frozenset({type}),
            lock_applies=True,
        ),
        OpSpec(
            "vote.remove",
            VoteOnTarget,
            frozenset({PARTICIPANT}),
            remove_vote,
            step_types=frozenset({type}),
            lock_applies=True,
        ),
    )

    def state(self, db, ws, step, viewer: Actor):
        visible = viewer.role == FACILITATOR or not step.get("hidden") or is_revealed(ws, step["key"])
        totals = vote_totals(db, ws.id, step["key"]) if visible else {}
        state = {
            "totals": {str(k): v for k, v in totals.items()},
            "on": "clusters" if votes_on_clusters(ws, step) else "cards",
        }
        if viewer.role == PARTICIPANT:
            mine: dict[str, int] = {}
            for vote in _my_votes(db, ws.id, step["key"], viewer.id):
                if vote.count:
                    key = str(vote.card_id or vote.cluster_id)
                    mine[key] = mine.get(key, 0) + vote.count
            state["mine"] = mine
            state["remaining"] = step["budget"] - sum(mine.values())
        return state

    def results(self, db, ws, step):
        totals = vote_totals(db, ws.id, step["key"])
        if votes_on_clusters(ws, step):
            lines = cluster_lines(db, ws, ws.step(step["source"]))
            ranked = sorted(lines, key=lambda cid: (-totals.get(cid, 0), cid))
            return [ResultItem(lines[cid], None, None, totals.get(cid, 0), cluster_id=cid) for cid in ranked]
        cards = live_cards(db, ws.id, step["source"])
        ranked = sorted(cards, key=lambda c: (-totals.get(c.id, 0), c.id))
        return [ResultItem(c.text, c.id, c.column_key, totals.get(c.id, 0)) for c in ranked]

    def protocol(self, f: Fold, step: dict, item: Section) -> None:
        ranked = self.results(f.db, f.ws, step)
        top = (step.get("capture") or {}).get("top") or len(ranked)
        item.cards = [ProtocolCard(r.text, None, [points(f.w, r.votes)]) for r in ranked]
        item.results = [f"{r.text} ({points(f.w, r.votes)})" for r in ranked[:top] if r.votes]
        if not any(r.votes for r in ranked):
            item.results = [f.w.gettext("Es wurden keine Punkte vergeben.")]
        f.open_points += [r.text for r in ranked if r.card_id is not None and r.card_id not in f.captured_card_ids]

    def reveal(self, db, ws, step):
        if not step.get("hidden"):
            return None
        return {"totals": {str(k): v for k, v in vote_totals(db, ws.id, step["key"]).items()}}

    def votes_on_source(self, db, ws, step):
        return vote_totals(db, ws.id, step["key"])
