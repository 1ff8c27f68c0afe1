"""Harvest: each table's key points come into the plenary, marked with their table.

A harvest step names a table step as its source. "Ernte einholen" (`harvest.collect`, the
facilitator) copies, for every table, the cards its host marked for the plenary — or, where a table
marked none, all of its cards — into this step, each with its table and its author's credit, and the
table's card it came from (origin_id; the record's provenance names both). Collecting again brings
only what was not harvested yet. It also reveals the table step: from then on everyone may read every
table's board. A cluster step or a dot vote takes the harvest as its source like any step with cards.
"""

from __future__ import annotations

from dataclasses import dataclass

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from workshop.activities.base import Activity, ResultItem
from workshop.activities.card_merge import protocol_notes
from workshop.activities.cards import card_view, live_cards, merged_trace
from workshop.activities.models import Card
from workshop.activities.protocol import Fold, ProtocolCard, Section, points
from workshop.activities.tables import table_cards, table_name
from workshop.i18n import N_
from workshop.ops import FACILITATOR, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.names import participant_names
from workshop.sessions.runtime import step_state, update_step
from workshop.sessions.steps import Problem, Step, StepRef

HARVEST = "harvest"


class HarvestConfig(Schema):
    source = fields.String(
        required=True,
        validate=validate.Length(1, 80),
        metadata={
            "label": N_("Quelle (ein früherer Schritt)"),
            "help": N_("Der Tisch-Schritt, dessen Kernpunkte ins Plenum kommen."),
            "editor": "step",
        },
    )


@dataclass(kw_only=True)
class HarvestStep(Step):
    source: str

    def check(self, earlier):
        if "table_cards" not in earlier.get(self.source, ()):
            return [
                Problem(
                    "source",
                    N_("%(source)s ist kein früherer Tisch-Schritt; wählen Sie den Schritt an den Tischen."),
                    {"source": StepRef(self.source)},
                )
            ]
        return []


class Empty(Schema):
    pass


def column_of(table_no: int) -> str:
    return f"table-{table_no}"


def collect(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current  # a harvest step: the engine checked (OpSpec.step_types)
    source = ctx.ws.step(step["source"])
    if source is None:
        raise Rejected("unknown_step", f"This session has no step '{step['source']}'.")
    harvested = set(
        ctx.db.scalars(
            select(Card.origin_id).where(
                Card.session_id == ctx.ws.id, Card.step_key == step["key"], Card.origin_id.is_not(None)
            )
        )
    )
    on_tables = table_cards(ctx.db, ctx.ws, source["key"])
    copies = []
    for no in range(1, len(source["tables"]) + 1):
        at_table = [c for c in on_tables if c.table_no == no]
        chosen = [c for c in at_table if c.picked] or at_table  # its key points, else all it wrote
        for card in chosen:
            if card.id in harvested:
                continue
            copy = Card(
                session_id=ctx.ws.id,
                step_key=step["key"],
                column_key=column_of(no),
                text=card.text,
                participant_id=card.participant_id,
                facilitator_id=card.facilitator_id,
                table_no=no,
                origin_id=card.id,
            )
            ctx.db.add(copy)
            copies.append(copy)
    first = not step_state(ctx.ws, step["key"]).get("collected")
    if not copies and not first:
        raise Rejected("nothing_to_harvest", "Every table's key points are in the plenary already.")
    ctx.db.flush()
    update_step(ctx.ws, source["key"], revealed=True)  # the tables' boards are everyone's now
    update_step(ctx.ws, step["key"], collected=True)
    names = participant_names(ctx.db, ctx.ws.id, only={c.participant_id for c in [*copies, *on_tables]})
    return Outcome(
        "harvest.collected",
        {
            "step_key": step["key"],
            "source": source["key"],
            "added": len(copies),
            "data": {"cards": [card_view(c, names) for c in [*copies, *on_tables]]},
        },
        {"added": len(copies)},
    )


class HarvestActivity(Activity):
    type = HARVEST
    label = N_("Ernte der Tische im Plenum")
    config_schema = HarvestConfig
    step_class = HarvestStep
    offers = frozenset({"cards"})
    ops = (OpSpec("harvest.collect", Empty, frozenset({FACILITATOR}), collect, step_types=frozenset({HARVEST})),)

    def state(self, db, ws, step, viewer):
        return {"collected": bool(step_state(ws, step["key"]).get("collected"))}

    def _cards(self, db, ws, step) -> list[Card]:
        return live_cards(db, ws.id, step["key"])

    def results(self, db, ws, step):
        """The plenary's cards, each naming its table (and the cards merged into it) in the record."""
        source = ws.step(step["source"]) or {}
        cards = self._cards(db, ws, step)
        merged = merged_trace(db, ws.id, [c.id for c in cards])
        return [
            ResultItem(
                c.text,
                c.id,
                c.column_key,
                trace={
                    "table": table_name(source, c.table_no or 0),
                    "origin_card_id": c.origin_id,
                    **merged.get(c.id, {}),
                },
            )
            for c in cards
        ]

    def protocol(self, f: Fold, step: dict, item: Section) -> None:
        source = f.ws.step(step["source"]) or {}
        step_votes = f.votes.get(step["key"]) or {}
        for card in sorted(self._cards(f.db, f.ws, step), key=lambda c: (-step_votes.get(c.id, 0), c.id)):
            notes = [points(f.w, step_votes[card.id])] if card.id in step_votes else []
            notes += protocol_notes(f, card)
            item.cards.append(ProtocolCard(card.text, table_name(source, card.table_no or 0, f.w.language), notes))
