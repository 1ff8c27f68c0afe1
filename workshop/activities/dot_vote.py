"""Dot voting: each participant spends a budget of dots on the cards (or clusters) of an earlier step.

Budget and per-card maximum are enforced here, under the session lock the engine holds, so
two racing votes from one participant can never overspend. With hidden: true the totals
reach the room only when the facilitator reveals them.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import case, func, select, update

from workshop.activities.base import Activity, ResultItem, Simulated
from workshop.activities.card_merge import own_merge_votes
from workshop.activities.cards import live_cards, merged_trace
from workshop.activities.cluster import ClusterActivity, cluster_members
from workshop.activities.models import Card, Cluster, Vote
from workshop.activities.protocol import Fold, Section, points
from workshop.db import insert_many
from workshop.i18n import N_
from workshop.ops import FACILITATOR, PARTICIPANT, Actor, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.runtime import is_revealed
from workshop.sessions.steps import Problem, Step, StepRef


class DotVoteConfig(Schema):
    source = fields.String(
        required=True,
        validate=validate.Length(1, 80),
        metadata={
            "label": N_("Quelle (ein früherer Schritt)"),
            "help": N_("Bewertet werden die Beiträge oder Cluster dieses Schritts."),
            "editor": "step",
        },
    )
    budget = fields.Integer(
        load_default=5,
        strict=True,
        validate=validate.Range(1, 50),
        metadata={"label": N_("Punkte pro Person"), "help": N_("Wie viele Punkte jede Person insgesamt vergibt.")},
    )
    max_per_card = fields.Integer(
        load_default=3,
        strict=True,
        validate=validate.Range(1, 50),
        metadata={
            "label": N_("Höchstens pro Beitrag"),
            "help": N_("Wie viele ihrer Punkte eine Person einem Beitrag geben darf."),
        },
    )
    hidden = fields.Boolean(
        load_default=False,
        metadata={
            "label": N_("Ergebnis verdeckt bis zum Aufdecken"),
            "help": N_("Niemand lässt sich von den anderen leiten: das Ergebnis erscheint, wenn Sie aufdecken."),
        },
    )


@dataclass(kw_only=True)
class DotVoteStep(Step):
    source: str
    budget: int = 5
    max_per_card: int = 3
    hidden: bool = False

    def check(self, earlier):
        problems = []
        if self.max_per_card > self.budget:
            problems.append(
                Problem(
                    "max_per_card",
                    N_("„Höchstens pro Beitrag“ ist größer als „Punkte pro Person“; bitte verkleinern Sie es."),
                    names_option=False,
                )
            )
        source = {"source": StepRef(self.source)}
        if self.source not in earlier:
            problems.append(Problem("source", N_("%(source)s ist kein früherer Schritt."), source))
        elif not earlier[self.source] & {"cards", "clusters"}:
            problems.append(
                Problem(
                    "source",
                    N_(
                        "%(source)s hat keine Beiträge oder Cluster, über die abgestimmt werden kann; wählen Sie "
                        "einen früheren Schritt, in dem gesammelt oder geclustert wird."
                    ),
                    source,
                )
            )
        return problems


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


def _live_votes(columns, session_id: int, step_key: str, participant_ids):
    """Votes of these participants in the step, on cards / clusters that still exist."""
    return (
        select(*columns)
        .outerjoin(Card, Card.id == Vote.card_id)
        .outerjoin(Cluster, Cluster.id == Vote.cluster_id)
        .where(
            Vote.session_id == session_id,
            Vote.step_key == step_key,
            Vote.participant_id.in_(participant_ids),
            Card.deleted_at.is_(None),
            Cluster.deleted_at.is_(None),
        )
    )


def vote_totals(db, session_id: int, step_key: str) -> dict[int, int]:
    """Target id (card or cluster) -> total dots, counting only targets that still exist."""
    return vote_sums(db, session_id, step_key)[0]


def vote_sums(db, session_id: int, step_key: str, participant_id: int | None = None) -> tuple[dict, dict]:
    """(everyone's, this participant's) dots per target id, on cards / clusters that still exist:
    one query, as a phone's snapshot needs both."""
    target = func.coalesce(Vote.card_id, Vote.cluster_id)
    mine = func.sum(case((Vote.participant_id == participant_id, Vote.count), else_=0))
    rows = db.execute(
        select(target, func.sum(Vote.count), mine)
        .outerjoin(Card, Card.id == Vote.card_id)
        .outerjoin(Cluster, Cluster.id == Vote.cluster_id)
        .where(
            Vote.session_id == session_id,
            Vote.step_key == step_key,
            Card.deleted_at.is_(None),
            Cluster.deleted_at.is_(None),
        )
        .group_by(target)
    )
    totals: dict[int, int] = {}
    own: dict[int, int] = {}
    for target_id, total, my_total in rows:
        if total:
            totals[target_id] = int(total)
        if my_total:
            own[target_id] = int(my_total)
    return totals, own


def _votable(ctx: OpContext, step: dict, on_clusters: bool, ids: set[int]) -> dict[int, Rejected | None]:
    """Target id -> None if it may be voted on in this step, else why not (one query for all)."""
    out: dict[int, Rejected | None] = {}
    if on_clusters:
        clusters = ctx.db.execute(
            select(Cluster.id, Cluster.session_id, Cluster.deleted_at, Cluster.step_key).where(Cluster.id.in_(ids))
        )
        for cid, session_id, deleted_at, step_key in clusters:
            if session_id == ctx.ws.id and deleted_at is None and step_key == step["source"]:
                out[cid] = None
        for cid in ids:
            if cid not in out:
                out[cid] = Rejected("card_not_votable", f"Cluster {cid} is not part of this vote.")
        return out
    cards = ctx.db.execute(
        select(Card.id, Card.session_id, Card.deleted_at, Card.step_key, Card.status).where(Card.id.in_(ids))
    )
    for card_id, session_id, deleted_at, step_key, status in cards:
        if session_id != ctx.ws.id or deleted_at is not None:
            continue  # not found, below
        votable = step_key == step["source"] and status == "visible"
        out[card_id] = (
            None if votable else Rejected("card_not_votable", f"Card {card_id} is not one of the cards in this vote.")
        )
    for card_id in ids:
        if card_id not in out:
            out[card_id] = Rejected("card_not_found", f"There is no card {card_id} in this session.")
    return out


def apply_votes(ops: list[tuple[str, OpContext, dict]]) -> list[Outcome | Rejected]:
    """vote.add / vote.remove: a run of them, in order, under the session lock the engine holds.

    Why all at once: in a vote storm the engine hands over up to a batch of votes. Their
    targets, the voters' earlier votes and the targets' totals are read in three queries, the
    budget and per-card checks run in memory, and the changed counts are written in one
    UPDATE and one INSERT; one op alone takes the same way.
    """
    if not ops:
        return []
    first = ops[0][1]
    db, ws = first.db, first.ws
    step = ws.current  # a vote: the engine checked (OpSpec.step_types)
    on_clusters = votes_on_clusters(ws, step)
    kind = "cluster_id" if on_clusters else "card_id"
    column = Vote.cluster_id if on_clusters else Vote.card_id
    targets = _votable(first, step, on_clusters, {payload[kind] for _t, _c, payload in ops if kind in payload})
    voters: set[int] = {ctx.actor.id for _t, ctx, _p in ops if ctx.actor.id is not None}  # participants only
    spent: dict[int, int] = dict.fromkeys(voters, 0)
    mine: dict[tuple[int, int], list] = {}  # (voter, target) -> [vote id or None, count]
    columns = (Vote.id, Vote.participant_id, Vote.card_id, Vote.cluster_id, Vote.count)
    for vote_id, voter_id, card_id, cluster_id, count in db.execute(_live_votes(columns, ws.id, step["key"], voters)):
        spent[voter_id] += count
        target = cluster_id if on_clusters else card_id
        if target is not None:
            mine.setdefault((voter_id, target), [vote_id, count])
    votable = [t for t, why in targets.items() if why is None]
    totals: dict[int, int] = dict.fromkeys(votable, 0)
    if votable:
        sums = db.execute(
            select(column, func.sum(Vote.count))
            .where(Vote.session_id == ws.id, Vote.step_key == step["key"], column.in_(votable))
            .group_by(column)
        )
        totals |= {target: int(total or 0) for target, total in sums if target is not None}
    hidden = bool(step.get("hidden")) and not is_revealed(ws, step["key"])
    changed: set[tuple[int, int]] = set()
    outcomes: list[Outcome | Rejected] = []
    for op_type, ctx, payload in ops:
        delta = 1 if op_type == "vote.add" else -1
        voter = ctx.actor.id
        assert voter is not None, "vote ops are participants' only (OpSpec.roles)"
        if kind not in payload:
            outcomes.append(
                Rejected("invalid", f"payload.{kind}: this vote is on {'clusters' if on_clusters else 'cards'}.")
            )
            continue
        target_id = payload[kind]
        if (refused := targets[target_id]) is not None:
            outcomes.append(refused)
            continue
        mine_on_target = mine.setdefault((voter, target_id), [None, 0])
        if delta > 0 and spent[voter] >= step["budget"]:
            outcomes.append(Rejected("budget_exhausted", f"All {step['budget']} of your votes are used."))
            continue
        if delta > 0 and mine_on_target[1] >= step["max_per_card"]:
            outcomes.append(Rejected("card_max_reached", f"At most {step['max_per_card']} votes on one card."))
            continue
        if delta < 0 and mine_on_target[1] == 0:
            outcomes.append(Rejected("no_vote_to_remove", "You have no vote on this card to take back."))
            continue
        mine_on_target[1] += delta
        spent[voter] += delta
        totals[target_id] += delta
        changed.add((voter, target_id))
        outcomes.append(
            Outcome(
                "vote.changed",
                {"step_key": step["key"], kind: target_id, "target_id": target_id, "total": int(totals[target_id])},
                {kind: target_id, "mine": mine_on_target[1], "remaining": step["budget"] - spent[voter]},
                public_payload={"step_key": step["key"], "redacted": True} if hidden else None,
            )
        )
    updates = [{"id": mine[key][0], "count": mine[key][1]} for key in changed if mine[key][0] is not None]
    inserts = [
        {"session_id": ws.id, "step_key": step["key"], "participant_id": voter, kind: target, "count": mine[key][1]}
        for key in changed
        if mine[key][0] is None
        for voter, target in (key,)
    ]
    if updates:  # one statement, not one per row (psycopg's executemany waits on each row's answer)
        counts = {row["id"]: row["count"] for row in updates}
        db.execute(
            update(Vote).where(Vote.id.in_(counts)).values(count=case(counts, value=Vote.id)),
            execution_options={"synchronize_session": False},
        )
    insert_many(db, Vote, inserts)
    return outcomes


def _one(op_type: str, ctx: OpContext, payload: dict) -> Outcome:
    outcome = apply_votes([(op_type, ctx, payload)])[0]
    if isinstance(outcome, Rejected):
        raise outcome
    return outcome


def add_vote(ctx: OpContext, payload: dict) -> Outcome:
    return _one("vote.add", ctx, payload)


def remove_vote(ctx: OpContext, payload: dict) -> Outcome:
    return _one("vote.remove", ctx, payload)


def cast_dot(bot: Simulated, view: dict, step: dict) -> dict | None:
    """A simulated participant spends its dots, on favourites it chose at the start (a room
    agrees somewhat: earlier cards or clusters are liked more)."""
    budget = step.get("budget", 5)
    if bot.spent.get(step["key"], 0) >= budget:
        return None
    source = next((s for s in view["steps"] if s["key"] == step.get("source")), None)
    on_clusters = bool(source and source["type"] == ClusterActivity.type)
    if on_clusters and source is not None:
        targets = [c["id"] for c in (view["activity"].get(source["key"]) or {}).get("clusters", [])]
    else:
        targets = [
            c["id"]
            for c in view["cards"]
            if c.get("step_key") == step.get("source") and c.get("status", "visible") == "visible"
        ]
    if not targets:
        return None
    if step["key"] not in bot.favourites:
        weights = [1 / (1 + index * 0.6) for index in range(len(targets))]
        bot.favourites[step["key"]] = bot.rng.choices(targets, weights=weights, k=budget)
    choice = bot.favourites[step["key"]][bot.spent.get(step["key"], 0) % budget]
    bot.spent[step["key"]] = bot.spent.get(step["key"], 0) + 1
    return {"type": "vote.add", "payload": {"cluster_id" if on_clusters else "card_id": choice}}


class DotVoteActivity(Activity):
    type = "dot_vote"
    label = N_("Punkte vergeben")
    config_schema = DotVoteConfig
    step_class = DotVoteStep
    ranked_by_votes = True
    ops = (
        OpSpec(
            "vote.add",
            VoteOnTarget,
            frozenset({PARTICIPANT}),
            add_vote,
            step_types=frozenset({type}),
            lock_applies=True,
            batch_handler=apply_votes,
        ),
        OpSpec(
            "vote.remove",
            VoteOnTarget,
            frozenset({PARTICIPANT}),
            remove_vote,
            step_types=frozenset({type}),
            lock_applies=True,
            batch_handler=apply_votes,
        ),
    )

    def state(self, db, ws, step, viewer: Actor):
        visible = viewer.role == FACILITATOR or not step.get("hidden") or is_revealed(ws, step["key"])
        me = viewer.id if viewer.role == PARTICIPANT else None
        totals, mine = vote_sums(db, ws.id, step["key"], me)
        state = {
            "totals": {str(k): v for k, v in totals.items()} if visible else {},
            "on": "clusters" if votes_on_clusters(ws, step) else "cards",
        }
        if viewer.role == PARTICIPANT and viewer.id is not None:
            state["mine"] = {str(k): v for k, v in mine.items()}
            state["remaining"] = step["budget"] - sum(mine.values())
            state["merges"] = own_merge_votes(db, ws, step["key"], viewer.id)  # for an unmerge (card_merge.py)
        return state

    def results(self, db, ws, step):
        totals = vote_totals(db, ws.id, step["key"])
        if votes_on_clusters(ws, step):
            clusters = cluster_members(db, ws, ws.step(step["source"]))
            ranked = sorted(clusters, key=lambda cid: (-totals.get(cid, 0), cid))
            return [
                ResultItem(clusters[cid][0], None, None, totals.get(cid, 0), cluster_id=cid, members=clusters[cid][1])
                for cid in ranked
            ]
        cards = live_cards(db, ws.id, step["source"])
        ranked = sorted(cards, key=lambda c: (-totals.get(c.id, 0), c.id))
        traces = merged_trace(db, ws.id, [c.id for c in cards])
        return [ResultItem(c.text, c.id, c.column_key, totals.get(c.id, 0), trace=traces.get(c.id, {})) for c in ranked]

    def protocol(self, f: Fold, step: dict, item: Section) -> None:
        """The top results with their dots. Every card's dots stand with the card in its own TOP
        (its contributions), so they are not listed here a second time; voted cards that did not
        reach the record are open points."""
        ranked = self.results(f.db, f.ws, step)
        top = (step.get("capture") or {}).get("top") or len(ranked)
        item.results = [f"{r.text} ({points(f.w, r.votes)})" for r in ranked[:top] if r.votes]
        if not any(r.votes for r in ranked):
            item.results = [f.w.gettext("Es wurden keine Punkte vergeben.")]
        f.open_points += [
            r.text for r in ranked if r.votes and r.card_id is not None and r.card_id not in f.captured_card_ids
        ]

    def reveal(self, db, ws, step):
        if not step.get("hidden"):
            return None
        return {"totals": {str(k): v for k, v in vote_totals(db, ws.id, step["key"]).items()}}

    def votes_on_source(self, db, ws, step):
        return vote_totals(db, ws.id, step["key"])

    def bot_op(self, bot, view, step):
        return cast_dot(bot, view, step)
