"""Dot voting: each participant spends a budget of dots on the cards of an earlier step.

Budget and per-card maximum are enforced here, under the session lock the engine holds, so
two racing votes from one participant can never overspend.
"""
from __future__ import annotations

from collections import defaultdict

from marshmallow import Schema, fields, validate, validates_schema, ValidationError
from sqlalchemy import func, select

from workshop.activities.base import Activity, OpContext, OpSpec, Outcome, ResultItem
from workshop.activities.cards import get_live_card, live_cards
from workshop.activities.models import Card, Vote
from workshop.live.actors import PARTICIPANT, Actor
from workshop.live.errors import Rejected


class DotVoteConfig(Schema):
    source = fields.String(required=True, validate=validate.Length(1, 80))
    budget = fields.Integer(load_default=5, strict=True, validate=validate.Range(1, 50))
    max_per_card = fields.Integer(load_default=3, strict=True, validate=validate.Range(1, 50))

    @validates_schema
    def _max_within_budget(self, data, **kwargs):
        if data.get("max_per_card", 0) > data.get("budget", 0):
            raise ValidationError("must not be larger than budget", "max_per_card")


class VoteOnCard(Schema):
    card_id = fields.Integer(required=True, strict=True)


def _current_vote_step(ctx: OpContext) -> dict:
    step = ctx.ws.current
    if step["type"] != DotVoteActivity.type:
        raise Rejected("step_not_active", "Voting is not open: the current step is not a vote.")
    return step


def _votable_card(ctx: OpContext, step: dict, card_id: int) -> Card:
    card = get_live_card(ctx.db, ctx.ws.id, card_id)
    if card.step_key != step["source"]:
        raise Rejected("card_not_votable", f"Card {card_id} is not one of the cards in this vote.")
    return card


def _counted_votes(ctx: OpContext, step_key: str):
    """This participant's votes in the step, on cards that still exist."""
    return ctx.db.execute(
        select(Vote)
        .join(Card, Card.id == Vote.card_id)
        .where(Vote.session_id == ctx.ws.id, Vote.step_key == step_key,
               Vote.participant_id == ctx.actor.id, Card.deleted_at.is_(None))
    ).scalars().all()


def _card_total(ctx: OpContext, step_key: str, card_id: int) -> int:
    return ctx.db.scalar(
        select(func.coalesce(func.sum(Vote.count), 0))
        .where(Vote.step_key == step_key, Vote.card_id == card_id, Vote.session_id == ctx.ws.id)
    )


def _change(ctx: OpContext, payload: dict, delta: int) -> Outcome:
    step = _current_vote_step(ctx)
    card = _votable_card(ctx, step, payload["card_id"])
    votes = _counted_votes(ctx, step["key"])
    spent = sum(v.count for v in votes)
    vote = next((v for v in votes if v.card_id == card.id), None)
    on_card = vote.count if vote else 0
    if delta > 0:
        if spent >= step["budget"]:
            raise Rejected("budget_exhausted", f"All {step['budget']} of your votes are used.")
        if on_card >= step["max_per_card"]:
            raise Rejected("card_max_reached",
                           f"At most {step['max_per_card']} votes on one card.")
    elif on_card == 0:
        raise Rejected("no_vote_to_remove", "You have no vote on this card to take back.")
    if vote is None:
        vote = Vote(session_id=ctx.ws.id, step_key=step["key"], card_id=card.id,
                    participant_id=ctx.actor.id, count=0)
        ctx.db.add(vote)
    vote.count += delta
    ctx.db.flush()
    total = _card_total(ctx, step["key"], card.id)
    return Outcome(
        "vote.changed",
        {"step_key": step["key"], "card_id": card.id, "total": total},
        {"card_id": card.id, "mine": vote.count, "remaining": step["budget"] - spent - delta},
    )


def add_vote(ctx: OpContext, payload: dict) -> Outcome:
    return _change(ctx, payload, +1)


def remove_vote(ctx: OpContext, payload: dict) -> Outcome:
    return _change(ctx, payload, -1)


def vote_totals(db, session_id: int, step_key: str) -> dict[int, int]:
    rows = db.execute(
        select(Vote.card_id, func.sum(Vote.count))
        .join(Card, Card.id == Vote.card_id)
        .where(Vote.session_id == session_id, Vote.step_key == step_key, Card.deleted_at.is_(None))
        .group_by(Vote.card_id)
    )
    return {card_id: int(total) for card_id, total in rows if total}


class DotVoteActivity(Activity):
    type = "dot_vote"
    config_schema = DotVoteConfig
    ops = (
        OpSpec("vote.add", VoteOnCard, frozenset({PARTICIPANT}), add_vote),
        OpSpec("vote.remove", VoteOnCard, frozenset({PARTICIPANT}), remove_vote),
    )

    def check_step(self, step, earlier_steps):
        source = next((s for s in earlier_steps if s["key"] == step["source"]), None)
        if source is None:
            return [f"source: '{step['source']}' is not an earlier step"]
        if source["type"] != "brainstorm":
            return [f"source: step '{step['source']}' has no cards to vote on"]
        return []

    def state(self, db, ws, step, viewer: Actor):
        totals = vote_totals(db, ws.id, step["key"])
        state = {"totals": {str(k): v for k, v in totals.items()}}
        if viewer.role == PARTICIPANT:
            mine: dict[str, int] = defaultdict(int)
            rows = db.execute(
                select(Vote.card_id, Vote.count).join(Card, Card.id == Vote.card_id).where(
                    Vote.session_id == ws.id, Vote.step_key == step["key"],
                    Vote.participant_id == viewer.id, Card.deleted_at.is_(None))
            )
            for card_id, count in rows:
                if count:
                    mine[str(card_id)] += count
            state["mine"] = dict(mine)
            state["remaining"] = step["budget"] - sum(mine.values())
        return state

    def results(self, db, ws, step):
        totals = vote_totals(db, ws.id, step["key"])
        cards = live_cards(db, ws.id, step["source"])
        ranked = sorted(cards, key=lambda c: (-totals.get(c.id, 0), c.id))
        return [ResultItem(c.text, c.id, c.column_key, totals.get(c.id, 0)) for c in ranked]
