"""Merging duplicate cards: two or more cards of a step become one, and an unmerge gives them back.

- The first card named stays: its text is what the room reads. The others become its variants,
  each with its text and its author's credit (`variants` in the card's view); they are stored like
  deleted cards (deleted_at, and merged_into_id naming the card that holds them), so nothing that
  reads a step's cards counts them twice, and nothing anybody wrote is lost.
- Votes: in every dot vote on the step's cards, each voter's dots on the merged cards go onto the
  card that stays, up to the vote's per-card maximum; dots over the maximum return to that voter's
  budget (they may spend them again). Budgets stay exact: a voter never has more dots than before.
- Unmerge restores the cards, the cluster the kept card had, and each voter's dots as they were,
  if the voter has not changed their dots on the kept card since. If they have, their dots stay
  where they put them last, and the returned cards start at none of theirs. Restored dots never
  exceed the budget (the surplus may have been spent meanwhile): the returned cards get what
  still fits, in order. A phone applies the same rule to its own dots (static/js/activities/card_merge.js).
- Events `card.merged` / `card.unmerged` in three forms: staff (all totals), room (no totals of a
  hidden vote before its reveal), and the facilitator who acted (its ack: `{merge_id}`).
"""

from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from workshop.activities.cards import VISIBLE, attach_variants, card_view, get_live_card, variant_view, variants_of
from workshop.activities.models import Card, CardMerge, Cluster, Vote
from workshop.db import utcnow
from workshop.ops import FACILITATOR, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.names import participant_names
from workshop.sessions.runtime import is_revealed, set_spotlight, spotlight

MAX_MERGED = 20
CARD_STEPS = frozenset({"brainstorm", "draft", "harvest"})  # harvest: the tables' cards in the plenary


class MergeCards(Schema):
    card_ids = fields.List(
        fields.Integer(strict=True),
        required=True,
        validate=validate.Length(2, MAX_MERGED, error=f"give 2 to {MAX_MERGED} cards, the one that stays first"),
    )


class UnmergeCards(Schema):
    merge_id = fields.Integer(strict=True)
    card_id = fields.Integer(strict=True)  # or: the latest merge into this card

    @validates_schema
    def _one_of(self, data, **kwargs):
        if ("merge_id" in data) == ("card_id" in data):
            raise ValidationError("give merge_id or card_id", "merge_id")


def _holder_view(ctx: OpContext, card: Card) -> dict:
    variants = variants_of(ctx.db, ctx.ws.id, {card.id}).get(card.id, [])
    names = participant_names(ctx.db, ctx.ws.id, only={card.participant_id, *(v.participant_id for v in variants)})
    return {**card_view(card, names), "variants": [variant_view(v, names) for v in variants]}


def _vote_steps(ws, step_key: str) -> list[dict]:
    """The dot votes on this step's cards."""
    return [s for s in ws.steps if s["type"] == "dot_vote" and s.get("source") == step_key]


def _votes(ctx: OpContext, vote_key: str, card_ids: list[int]) -> dict[tuple[int, int | None], Vote]:
    rows = ctx.db.scalars(
        select(Vote).where(Vote.session_id == ctx.ws.id, Vote.step_key == vote_key, Vote.card_id.in_(card_ids))
    )
    return {(v.participant_id, v.card_id): v for v in rows}


def _set(ctx: OpContext, votes: dict, vote_key: str, participant_id: int, card_id: int, count: int) -> None:
    row = votes.get((participant_id, card_id))
    if row is None:
        if not count:
            return
        row = votes[(participant_id, card_id)] = Vote(
            session_id=ctx.ws.id, step_key=vote_key, card_id=card_id, participant_id=participant_id, count=0
        )
        ctx.db.add(row)
    row.count = count


def _totals(ctx: OpContext, vote_key: str, card_ids: list[int]) -> dict[str, int]:
    totals: dict[int | None, int] = dict.fromkeys(card_ids, 0)
    for card_id, count in ctx.db.execute(
        select(Vote.card_id, Vote.count).where(
            Vote.session_id == ctx.ws.id, Vote.step_key == vote_key, Vote.card_id.in_(card_ids)
        )
    ):
        totals[card_id] += count
    return {str(k): v for k, v in totals.items()}


def _vote_forms(ctx: OpContext, vote_totals: dict[str, dict[str, int]]) -> tuple[list[dict], list[dict]]:
    """The votes part of an event: for staff, and for the room (a hidden vote's totals only after its reveal)."""
    staff, room = [], []
    for vote_key, totals in vote_totals.items():
        staff.append({"step_key": vote_key, "totals": totals})
        hidden = bool(ctx.ws.step(vote_key).get("hidden")) and not is_revealed(ctx.ws, vote_key)
        room.append({"step_key": vote_key, "redacted": True} if hidden else {"step_key": vote_key, "totals": totals})
    return staff, room


def merge(ctx: OpContext, payload: dict) -> Outcome:
    ids = payload["card_ids"]
    if len(set(ids)) != len(ids):
        raise Rejected("invalid", "payload.card_ids: each card once.")
    cards = [get_live_card(ctx.db, ctx.ws.id, card_id) for card_id in ids]
    keep, others = cards[0], cards[1:]
    step = ctx.ws.step(keep.step_key)
    if any(c.step_key != keep.step_key for c in others):
        raise Rejected("not_same_step", "Only cards of one step can be merged.")
    if step is None or step["type"] not in CARD_STEPS:
        raise Rejected("not_mergeable", "Only contributions of a collecting step can be merged.")
    if any(c.status != VISIBLE for c in cards):
        raise Rejected("not_mergeable", "A hidden card, or one awaiting moderation, cannot be merged.")
    if step.get("silent") and not is_revealed(ctx.ws, step["key"]):
        raise Rejected("not_revealed", "Merge the cards of a silent step after they are revealed.")
    before: dict = {"clusters": {str(keep.id): keep.cluster_id}, "variants": {}, "votes": {}}
    now = utcnow()
    for other in others:
        for variant in variants_of(ctx.db, ctx.ws.id, {other.id}).get(other.id, []):
            before["variants"][str(variant.id)] = other.id  # an earlier merge's variants move along
            variant.merged_into_id = keep.id
        other.merged_into_id = keep.id
        other.deleted_at = now
        if keep.cluster_id is None and other.cluster_id is not None:
            keep.cluster_id = other.cluster_id
    merged_ids = [c.id for c in others]
    vote_totals = {}
    for vote_step in _vote_steps(ctx.ws, step["key"]):
        votes = _votes(ctx, vote_step["key"], ids)
        voters: dict[str, dict] = {}
        for participant_id in sorted({p for p, _c in votes}):
            dots = {str(c): votes[(participant_id, c)].count for c in ids if (participant_id, c) in votes}
            dots = {c: n for c, n in dots.items() if n}
            if not dots:
                continue
            after = min(sum(dots.values()), vote_step["max_per_card"])
            voters[str(participant_id)] = {"before": dots, "after": after}
            _set(ctx, votes, vote_step["key"], participant_id, keep.id, after)
            for other_id in merged_ids:
                _set(ctx, votes, vote_step["key"], participant_id, other_id, 0)
        before["votes"][vote_step["key"]] = voters
        ctx.db.flush()
        vote_totals[vote_step["key"]] = _totals(ctx, vote_step["key"], [keep.id])
    spot = spotlight(ctx.ws)
    if spot and spot.get("card_id") in merged_ids:
        set_spotlight(ctx.ws, {**spot, "card_id": keep.id, "text": keep.text})
    record = CardMerge(
        session_id=ctx.ws.id,
        step_key=step["key"],
        card_id=keep.id,
        merged_ids=merged_ids,
        before=before,
        facilitator_id=ctx.actor.id,
    )
    ctx.db.add(record)
    ctx.db.flush()
    staff_votes, room_votes = _vote_forms(ctx, vote_totals)
    common = {"step_key": step["key"], "merge_id": record.id, "card": _holder_view(ctx, keep), "merged_ids": merged_ids}
    return Outcome(
        "card.merged",
        {**common, "votes": staff_votes},
        {"merge_id": record.id, "card_id": keep.id},
        public_payload={**common, "votes": room_votes},
    )


def _live_spent(ctx: OpContext, vote_key: str, participant_id: int) -> int:
    """A voter's dots in a vote, on cards and clusters that still exist (as the budget counts them)."""
    spent = 0
    rows = ctx.db.execute(
        select(Vote.count, Card.deleted_at, Cluster.deleted_at)
        .outerjoin(Card, Card.id == Vote.card_id)
        .outerjoin(Cluster, Cluster.id == Vote.cluster_id)
        .where(Vote.session_id == ctx.ws.id, Vote.step_key == vote_key, Vote.participant_id == participant_id)
    )
    for count, card_gone, cluster_gone in rows:
        if card_gone is None and cluster_gone is None:
            spent += count
    return spent


def unmerge(ctx: OpContext, payload: dict) -> Outcome:
    if "card_id" in payload:
        record = ctx.db.scalars(
            select(CardMerge)
            .where(
                CardMerge.session_id == ctx.ws.id,
                CardMerge.card_id == payload["card_id"],
                CardMerge.undone_at.is_(None),
            )
            .order_by(CardMerge.id.desc())
        ).first()
    else:
        record = ctx.db.get(CardMerge, payload["merge_id"])
    if record is None or record.session_id != ctx.ws.id or record.undone_at is not None:
        raise Rejected("merge_not_found", "There is no such merge to undo in this session.")
    keep = get_live_card(ctx.db, ctx.ws.id, record.card_id)
    found = [ctx.db.get(Card, card_id) for card_id in record.merged_ids]
    merged = [c for c in found if c is not None and c.merged_into_id == keep.id and c.deleted_at is not None]
    if len(merged) != len(found):
        raise Rejected("merged_since", "These cards were merged again since: undo that merge first.")
    before = record.before
    cluster_id = before["clusters"].get(str(keep.id))
    cluster = ctx.db.get(Cluster, cluster_id) if cluster_id is not None else None
    keep.cluster_id = cluster.id if cluster is not None and cluster.deleted_at is None else None
    for card in merged:
        card.merged_into_id = None
        card.deleted_at = None
    for variant_id, holder_id in before["variants"].items():
        variant = ctx.db.get(Card, int(variant_id))
        if variant is not None and variant.merged_into_id == keep.id:
            variant.merged_into_id = holder_id
    ctx.db.flush()
    ids = [keep.id, *record.merged_ids]
    vote_totals = {}
    for vote_key, voters in before["votes"].items():
        vote_step = ctx.ws.step(vote_key)
        if vote_step is None:
            continue
        votes = _votes(ctx, vote_key, ids)
        for participant, dots in voters.items():
            participant_id = int(participant)
            now_on_keep = votes[(participant_id, keep.id)].count if (participant_id, keep.id) in votes else 0
            if now_on_keep != dots["after"]:
                continue  # changed since: their dots stay where they put them last
            _set(ctx, votes, vote_key, participant_id, keep.id, dots["before"].get(str(keep.id), 0))
            ctx.db.flush()
            spent = _live_spent(ctx, vote_key, participant_id)
            for card_id in record.merged_ids:
                give = min(dots["before"].get(str(card_id), 0), max(0, vote_step["budget"] - spent))
                _set(ctx, votes, vote_key, participant_id, card_id, give)
                spent += give
        ctx.db.flush()
        vote_totals[vote_key] = _totals(ctx, vote_key, ids)
    record.undone_at = utcnow()
    names = participant_names(ctx.db, ctx.ws.id, only={c.participant_id for c in merged})
    restored = [card_view(c, names) for c in merged]
    attach_variants(ctx.db, ctx.ws.id, restored)
    staff_votes, room_votes = _vote_forms(ctx, vote_totals)
    common = {
        "step_key": record.step_key,
        "merge_id": record.id,
        "card": _holder_view(ctx, keep),
        "data": {"cards": restored},
    }
    return Outcome(
        "card.unmerged",
        {**common, "votes": staff_votes},
        {"merge_id": record.id, "card_id": keep.id},
        public_payload={**common, "votes": room_votes},
    )


def own_merge_votes(db, ws, vote_key: str, participant_id: int) -> dict[str, dict]:
    """Merge id -> this voter's dots before and after it, for the merges of this vote's cards not
    undone: what a phone needs to apply an unmerge to its own dots after a reload."""
    step = ws.step(vote_key)
    if step is None or not step.get("source"):
        return {}
    out = {}
    for record in db.scalars(
        select(CardMerge).where(
            CardMerge.session_id == ws.id, CardMerge.step_key == step["source"], CardMerge.undone_at.is_(None)
        )
    ):
        mine = (record.before.get("votes", {}).get(vote_key) or {}).get(str(participant_id))
        if mine:
            out[str(record.id)] = mine
    return out


def merges_of(db, ws) -> list[CardMerge]:
    return list(db.scalars(select(CardMerge).where(CardMerge.session_id == ws.id).order_by(CardMerge.id)))


MERGE_OPS = (
    OpSpec("card.merge", MergeCards, frozenset({FACILITATOR}), merge),
    OpSpec("card.unmerge", UnmergeCards, frozenset({FACILITATOR}), unmerge),
)


def protocol_notes(f, card: Card) -> list[str]:
    """The protocol's line of a card that holds merged ones: each variant's text and its author."""
    notes = []
    for variant in variants_of(f.db, f.ws.id, {card.id}).get(card.id, []):
        name = f.names.get(variant.participant_id) if variant.participant_id is not None else None
        text = f.w.gettext("zusammengeführt mit „%(text)s“", text=variant.text)
        notes.append(f"{text} ({name})" if name else text)
    return notes
