"""Cluster suggestions on a cluster step: the server suggests (workshop/suggestions/, asked for by
the console over GET /sessions/<id>/suggestions), the facilitator accepts or rejects each one.

Nothing is applied by itself. Accepting makes a cluster of the suggested cards through the engine,
as a manual cluster would be made (one event, `cluster.suggestion_accepted`: the cluster, its cards
and the words they share, which the server reads from the cards again). Rejecting is remembered on
the step (staff only) and the same cards are not suggested together again. A duplicates
suggestion is accepted with `card.merge` (card_merge.py) and rejected here.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy.orm import Session

from workshop.activities.cards import VISIBLE, get_live_card, live_cards
from workshop.activities.cluster import MAX_CLUSTERS, ClusterActivity, cluster_view, session_clusters
from workshop.activities.models import Card, Cluster
from workshop.ops import FACILITATOR, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.runtime import step_state, update_step
from workshop.suggestions.grouping import CLUSTER, DUPLICATES, key_of, shared_words
from workshop.suggestions.text import Analyser
from workshop.validation import CleanText

MAX_SUGGESTED = 50
MAX_REJECTED = 500  # remembered per step (the oldest are forgotten first)
REJECTED = "rejected_suggestions"


class CardIds(fields.List):
    def __init__(self, **kwargs):
        super().__init__(
            fields.Integer(strict=True), required=True, validate=validate.Length(2, MAX_SUGGESTED), **kwargs
        )


class AcceptSuggestion(Schema):
    card_ids = CardIds()
    title = CleanText(validate=validate.Length(1, 200))  # default: the words the cards share


class RejectSuggestion(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([CLUSTER, DUPLICATES]))
    card_ids = CardIds()


def rejected_keys(ws, step_key: str) -> list[str]:
    return list(step_state(ws, step_key).get(REJECTED, []))


def suggestion_input(db: Session, ws, step: dict) -> tuple[list[tuple[int, str]], set[int]]:
    """The cards a suggestion may name (the source's cards the room sees) and which of them are in no
    cluster of this step yet."""
    cards = live_cards(db, ws.id, step["source"])
    clusters = {c.id for c in session_clusters(db, ws.id, step["key"])}
    free = {c.id for c in cards if c.cluster_id not in clusters}
    return [(c.id, c.text) for c in cards], free


def accept(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current  # a cluster step: the engine checked (OpSpec.step_types)
    ids = sorted(set(payload["card_ids"]))
    cards: list[Card] = [get_live_card(ctx.db, ctx.ws.id, card_id) for card_id in ids]
    clusters = {c.id for c in session_clusters(ctx.db, ctx.ws.id, step["key"])}
    for card in cards:
        if card.step_key != step["source"] or card.status != VISIBLE:
            raise Rejected("card_not_clusterable", f"Card {card.id} is not one of the cards being clustered.")
        if card.cluster_id in clusters:
            raise Rejected("suggestion_outdated", f"Card {card.id} is in a cluster already: ask for new suggestions.")
    if len(clusters) >= MAX_CLUSTERS:
        raise Rejected("too_many_clusters", f"At most {MAX_CLUSTERS} clusters in one step.")
    words = list(shared_words(Analyser().analyse([(c.id, c.text) for c in cards])))
    title = payload.get("title") or " · ".join(words[:2]) or cards[0].text[:200]
    cluster = Cluster(session_id=ctx.ws.id, step_key=step["key"], title=title)
    ctx.db.add(cluster)
    ctx.db.flush()
    for card in cards:
        card.cluster_id = cluster.id
    return Outcome(
        "cluster.suggestion_accepted",
        {"cluster": cluster_view(cluster), "card_ids": ids, "words": words, "key": key_of(CLUSTER, ids)},
        {"cluster_id": cluster.id},
    )


def reject(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current
    key = key_of(payload["kind"], payload["card_ids"])
    kept = [k for k in rejected_keys(ctx.ws, step["key"]) if k != key]
    update_step(ctx.ws, step["key"], **{REJECTED: [*kept, key][-MAX_REJECTED:]})
    return Outcome(
        "cluster.suggestion_rejected",
        {"step_key": step["key"], "key": key},
        {"key": key},
        public_payload={"step_key": step["key"], "redacted": True},  # the room sees no suggestions
    )


SUGGESTION_OPS = (
    OpSpec(
        "cluster.accept_suggestion",
        AcceptSuggestion,
        frozenset({FACILITATOR}),
        accept,
        step_types=frozenset({ClusterActivity.type}),
    ),
    OpSpec(
        "cluster.reject_suggestion",
        RejectSuggestion,
        frozenset({FACILITATOR}),
        reject,
        step_types=frozenset({ClusterActivity.type}),
    ),
)
