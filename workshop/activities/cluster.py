"""Cluster: the facilitator groups the cards of an earlier step into named clusters."""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from workshop.activities.base import Activity, ResultItem
from workshop.activities.cards import get_live_card, live_cards
from workshop.activities.models import Card, Cluster
from workshop.db import utcnow
from workshop.i18n import N_
from workshop.ops import FACILITATOR, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.steps import Problem, Step, StepRef
from workshop.validation import CleanText

MAX_CLUSTERS = 40


class ClusterConfig(Schema):
    source = fields.String(
        required=True,
        validate=validate.Length(1, 80),
        metadata={
            "label": N_("Quelle (ein früherer Schritt)"),
            "help": N_("Die Beiträge dieses Schritts werden geclustert."),
            "editor": "step",
        },
    )


@dataclass(kw_only=True)
class ClusterStep(Step):
    source: str

    def check(self, earlier):
        source = {"source": StepRef(self.source)}
        if self.source not in earlier:
            return [Problem("source", N_("%(source)s ist kein früherer Schritt."), source)]
        if "cards" not in earlier[self.source]:
            return [
                Problem(
                    "source",
                    N_(
                        "%(source)s hat keine Beiträge, mit denen dieser Schritt arbeiten kann; wählen Sie einen "
                        "früheren Schritt, in dem gesammelt wird."
                    ),
                    source,
                )
            ]
        return []


class CreateCluster(Schema):
    title = CleanText(required=True, validate=validate.Length(1, 200))


class RenameCluster(Schema):
    cluster_id = fields.Integer(required=True, strict=True)
    title = CleanText(required=True, validate=validate.Length(1, 200))


class ClusterRef(Schema):
    cluster_id = fields.Integer(required=True, strict=True)


class AssignCard(Schema):
    card_id = fields.Integer(required=True, strict=True)
    cluster_id = fields.Integer(required=True, strict=True, allow_none=True)


def cluster_view(cluster: Cluster) -> dict:
    return {"id": cluster.id, "step_key": cluster.step_key, "title": cluster.title}


def session_clusters(db, session_id: int, step_key: str | None = None) -> list[Cluster]:
    query = select(Cluster).where(Cluster.session_id == session_id, Cluster.deleted_at.is_(None))
    if step_key:
        query = query.where(Cluster.step_key == step_key)
    return list(db.scalars(query.order_by(Cluster.id)))


def _get_cluster(ctx: OpContext, cluster_id: int) -> Cluster:
    cluster = ctx.db.get(Cluster, cluster_id)
    if cluster is None or cluster.session_id != ctx.ws.id or cluster.deleted_at is not None:
        raise Rejected("cluster_not_found", f"There is no cluster {cluster_id} in this session.")
    return cluster


def create(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current  # a cluster step: the engine checked (OpSpec.step_types)
    if len(session_clusters(ctx.db, ctx.ws.id, step["key"])) >= MAX_CLUSTERS:
        raise Rejected("too_many_clusters", f"At most {MAX_CLUSTERS} clusters in one step.")
    cluster = Cluster(session_id=ctx.ws.id, step_key=step["key"], title=payload["title"])
    ctx.db.add(cluster)
    ctx.db.flush()
    return Outcome("cluster.created", {"cluster": cluster_view(cluster)}, {"cluster_id": cluster.id})


def rename(ctx: OpContext, payload: dict) -> Outcome:
    cluster = _get_cluster(ctx, payload["cluster_id"])
    cluster.title = payload["title"]
    return Outcome("cluster.renamed", {"cluster": cluster_view(cluster)}, {"cluster_id": cluster.id})


def delete(ctx: OpContext, payload: dict) -> Outcome:
    """The cluster goes; its cards stay, unclustered."""
    cluster = _get_cluster(ctx, payload["cluster_id"])
    cluster.deleted_at = utcnow()
    for card in ctx.db.scalars(select(Card).where(Card.cluster_id == cluster.id)):
        card.cluster_id = None
    return Outcome("cluster.deleted", {"cluster_id": cluster.id}, {"cluster_id": cluster.id})


def assign(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current  # a cluster step: the engine checked (OpSpec.step_types)
    card = get_live_card(ctx.db, ctx.ws.id, payload["card_id"])
    if card.step_key != step["source"]:
        raise Rejected("card_not_clusterable", f"Card {card.id} is not one of the cards being clustered.")
    if payload["cluster_id"] is not None:
        _get_cluster(ctx, payload["cluster_id"])
    card.cluster_id = payload["cluster_id"]
    return Outcome("card.clustered", {"card_id": card.id, "cluster_id": card.cluster_id}, {"card_id": card.id})


class ClusterActivity(Activity):
    type = "cluster"
    label = N_("Clustern")
    offers = frozenset({"clusters"})
    config_schema = ClusterConfig
    step_class = ClusterStep
    ops = (
        OpSpec("cluster.create", CreateCluster, frozenset({FACILITATOR}), create, step_types=frozenset({type})),
        OpSpec("cluster.rename", RenameCluster, frozenset({FACILITATOR}), rename),
        OpSpec("cluster.delete", ClusterRef, frozenset({FACILITATOR}), delete),
        OpSpec("card.cluster", AssignCard, frozenset({FACILITATOR}), assign, step_types=frozenset({type})),
    )

    def state(self, db, ws, step, viewer):
        return {"clusters": [cluster_view(c) for c in session_clusters(db, ws.id, step["key"])]}

    def protocol(self, f, step, item):
        """The clusters by title with how many contributions each groups. The contributions stand
        once, in their own step's TOP, each with its cluster's title (brainstorm.protocol)."""
        for result in self.results(f.db, f.ws, step):
            count = f.w.ngettext("%(num)d Beitrag", "%(num)d Beiträge", len(result.members))
            item.results.append(f"{result.text} ({count})")

    def results(self, db, ws, step):
        """One result per cluster: its title, with its distinct cards beside it."""
        return [
            ResultItem(title, None, None, cluster_id=cid, members=members)
            for cid, (title, members) in cluster_members(db, ws, step).items()
        ]


def _same_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def distinct(texts: list[str]) -> tuple[str, ...]:
    """Each text once (two people often write the same card): case and spacing do not count."""
    seen: dict[str, str] = {}
    for text in texts:
        seen.setdefault(_same_text(text), text)
    return tuple(seen.values())


def cluster_members(db, ws, step: dict) -> dict[int, tuple[str, tuple[str, ...]]]:
    """Cluster id -> (title, its cards' texts, each once) for the clusters of a cluster step."""
    cards = live_cards(db, ws.id, step["source"])
    return {
        cluster.id: (cluster.title, distinct([c.text for c in cards if c.cluster_id == cluster.id]))
        for cluster in session_clusters(db, ws.id, step["key"])
    }
