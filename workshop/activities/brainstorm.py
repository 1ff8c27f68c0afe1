"""Brainstorm: people write cards into one or more columns of the current step.

Options per step: silent (each participant sees only their own cards until the facilitator
reveals), moderated (a card reaches the room only after the facilitator approves it, and an
approved card its author edits goes back into the queue),
authors: facilitator (a notes step: only the facilitator writes), and columns that map to
record fields (a co-drafting step: each column is captured into its own field).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from workshop.activities.base import Activity, Preset, ResultItem, Simulated
from workshop.activities.card_merge import protocol_notes, variants_of
from workshop.activities.cards import (
    CARD_MAX_LENGTH,
    HIDDEN,
    PENDING,
    VISIBLE,
    card_view,
    get_live_card,
    is_author,
    live_cards,
    merged_trace,
    visible_to,
)
from workshop.activities.models import Card, Cluster
from workshop.activities.protocol import Fold, ProtocolCard, Section, points
from workshop.activities.seating import TABLES, Seating, is_table_step, members, redacted_card, seat_of
from workshop.db import utcnow
from workshop.i18n import N_, LocalizedText, localized
from workshop.ops import FACILITATOR, PARTICIPANT, VIEWER, Actor, OpContext, OpSpec, Outcome, Rejected
from workshop.sessions.names import participant_names
from workshop.sessions.runtime import is_revealed, set_spotlight, spotlight
from workshop.sessions.steps import Column, Problem, Step
from workshop.validation import CleanText

MAX_CARDS_PER_PERSON_AND_STEP = 50
KEY = validate.Regexp(r"^[a-z][a-z0-9_-]{0,39}$", error="use lower-case letters, digits, - and _")
PUBLIC_VIEWER = Actor(VIEWER)


class ColumnSchema(Schema):
    key = fields.String(required=True, validate=KEY)
    title = LocalizedText(required=True, max_length=120)
    field = fields.String(validate=validate.Length(1, 80))  # record field this column is captured into


class BrainstormConfig(Schema):
    columns = fields.List(
        fields.Nested(ColumnSchema),
        validate=validate.Length(1, 8),
        load_default=lambda: [{"key": "main", "title": {"de": "Karten", "en": "Cards"}}],
        metadata={
            "label": N_("Spalten (eine pro Zeile: „schluessel: Titel“ oder nur der Titel)"),
            "help": N_("Mit „schluessel [feld]: Titel“ geht eine Spalte in ein Feld des Steckbriefs."),
            "editor": "columns",
        },
    )
    silent = fields.Boolean(
        load_default=False,
        metadata={
            "label": N_("Still (Beiträge erst nach dem Aufdecken sichtbar)"),
            "help": N_("Jede Person sieht nur ihre eigenen Beiträge, bis Sie aufdecken."),
        },
    )
    moderated = fields.Boolean(
        load_default=False,
        metadata={
            "label": N_("Moderiert (Beiträge erst nach Freigabe sichtbar)"),
            "help": N_("Ein Beitrag erscheint erst, wenn die Moderation ihn freigibt (öffentliche Beteiligung)."),
        },
    )
    authors = fields.String(
        load_default="everyone",
        validate=validate.OneOf(["everyone", "facilitator"]),
        metadata={
            "label": N_("Wer schreibt"),
            "help": N_("„nur die Moderation“: ein Schritt für Notizen, die nur Sie schreiben."),
            "choices": {"everyone": N_("alle"), "facilitator": N_("nur die Moderation")},
        },
    )


@dataclass(kw_only=True)
class BrainstormStep(Step):
    columns: list[Column] = field(default_factory=list)
    silent: bool = False
    moderated: bool = False
    authors: str = "everyone"

    @classmethod
    def _nested(cls, values: dict[str, Any]) -> dict[str, Any]:
        return {**values, "columns": [Column(**c) for c in values.get("columns", [])]}

    def column_fields(self):
        return [c.field for c in self.columns if c.field]

    def check(self, earlier):
        keys = [column.key for column in self.columns]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        return [
            Problem(
                "columns", N_("Spaltenschlüssel müssen verschieden sein: „%(key)s“ steht zweimal da."), {"key": key}
            )
            for key in twice
        ]


@dataclass(kw_only=True)
class DraftStep(BrainstormStep):
    def check(self, earlier):
        problems = super().check(earlier)
        if any(not c.field for c in self.columns):
            problems.append(
                Problem(
                    "columns",
                    N_(
                        "Jede Spalte eines Formulier-Schritts braucht ein Feld des Steckbriefs: "
                        "schreiben Sie sie als „schluessel [feld]: Titel“."
                    ),
                    names_option=False,
                )
            )
        return problems


def _card_text():
    return CleanText(
        required=True,
        validate=validate.Length(1, CARD_MAX_LENGTH, error=f"must be between 1 and {CARD_MAX_LENGTH} characters"),
    )


class AddCard(Schema):
    step_key = fields.String(required=True, validate=validate.Length(1, 80))
    column_key = fields.String(validate=validate.Length(1, 80))
    text = _card_text()
    table_no = fields.Integer(strict=True)  # a table step: the table the facilitator writes at


class EditCard(Schema):
    card_id = fields.Integer(required=True, strict=True)
    text = _card_text()


class CardRef(Schema):
    card_id = fields.Integer(required=True, strict=True)


class HideCard(Schema):
    card_id = fields.Integer(required=True, strict=True)
    hidden = fields.Boolean(load_default=True)


def _require_current_step(ctx: OpContext, step_key: str) -> dict:
    """An existing card's step must be the current one (a phone may still be on the previous
    step); a new card's step_key the engine checked (OpSpec.names_step), and that the current
    step takes cards at all (OpSpec.step_types)."""
    current = ctx.ws.current
    if step_key != current["key"]:
        raise Rejected("step_not_active", f"Step '{step_key}' is not the current step ('{current['key']}').")
    return current


def _author_fields(ctx: OpContext) -> dict:
    if ctx.actor.role == PARTICIPANT:
        return {"participant_id": ctx.actor.id}
    return {"facilitator_id": ctx.actor.id}


def _public_form(ctx: OpContext, card: Card, step: dict, view: dict) -> dict | None:
    """What the room gets for this card: the card, or only that there is one more (at which table)."""
    if visible_to(card, step, is_revealed(ctx.ws, step["key"]), PUBLIC_VIEWER, Seating.room(ctx.ws)):
        return None
    if card.table_no is not None and is_table_step(step):
        return redacted_card(step["key"], card.id, card.table_no)
    return {"redacted": True, "step_key": step["key"], "card_id": card.id}


def _needs_approval(ctx: OpContext, step: dict) -> bool:
    """A participant's text in a moderated step reaches the room only once the facilitator approved it."""
    return bool(step.get("moderated")) and ctx.actor.role == PARTICIPANT


def _table_forms(ctx: OpContext, card: Card, step: dict, public: dict | None, staff: dict) -> list:
    """A card the room gets redacted goes whole to the members of its table (activities/seating.py)."""
    if public is None or card.table_no is None or not is_table_step(step):
        return []
    return [(members(ctx.db, ctx.ws, step["key"], card.table_no), staff)]


def _table_of_new_card(ctx: OpContext, step: dict, payload: dict) -> int | None:
    """A table step's card is written at its author's table; the facilitator names the table."""
    if not is_table_step(step):
        return None
    if ctx.actor.role == PARTICIPANT:
        seat = seat_of(ctx.db, ctx.ws, step["key"], ctx.actor.id or 0)
        if seat is None or seat.table_no is None:
            raise Rejected("not_seated", "Take a seat at a table first.")
        return seat.table_no
    table_no = payload.get("table_no")
    if table_no is None or not 1 <= table_no <= len(step.get("tables") or []):
        raise Rejected("unknown_table", "payload.table_no: the table to write at.")
    return table_no


def add_card(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current  # payload["step_key"] is the current step: OpSpec.names_step
    if step.get("authors") == "facilitator" and ctx.actor.role != FACILITATOR:
        raise Rejected("forbidden", "Only the facilitator writes in this step.")
    table_no = _table_of_new_card(ctx, step, payload)
    columns = [column["key"] for column in step["columns"]]
    column_key = payload.get("column_key") or columns[0]
    if column_key not in columns:
        raise Rejected(
            "unknown_column", f"Step '{step['key']}' has no column '{column_key}' (it has {', '.join(columns)})."
        )
    mine = [c for c in live_cards(ctx.db, ctx.ws.id, step["key"], shown_only=False) if is_author(c, ctx.actor)]
    if len(mine) >= MAX_CARDS_PER_PERSON_AND_STEP:
        raise Rejected("too_many_cards", f"At most {MAX_CARDS_PER_PERSON_AND_STEP} cards per person in one step.")
    needs_approval = _needs_approval(ctx, step)
    card = Card(
        session_id=ctx.ws.id,
        step_key=step["key"],
        column_key=column_key,
        text=payload["text"],
        status=PENDING if needs_approval else VISIBLE,
        table_no=table_no,
        **_author_fields(ctx),
    )
    ctx.db.add(card)
    ctx.db.flush()
    view = card_view(card, participant_names(ctx.db, ctx.ws.id, only=[card.participant_id]))
    public = _public_form(ctx, card, step, view)
    return Outcome(
        "card.added",
        {"card": view},
        {"card_id": card.id, "card": {**view, "mine": True}},
        public_payload=public,
        personal=_table_forms(ctx, card, step, public, {"card": view}),
    )


def _follow_spotlight(ctx: OpContext, card: Card, gone: bool) -> None:
    """A spotlit card that is hidden, deleted or back in the moderation queue leaves the spotlight;
    an edited one shows its new text (clients do the same on the card's event, so no second event
    is needed)."""
    spot = spotlight(ctx.ws)
    if spot and spot.get("card_id") == card.id:
        set_spotlight(ctx.ws, None if gone else {**spot, "text": card.text})


def _own_card_in_current_step(ctx: OpContext, card_id: int) -> Card:
    card = get_live_card(ctx.db, ctx.ws.id, card_id)
    if not is_author(card, ctx.actor):
        raise Rejected("not_your_card", "Only the author can change or delete this card.")
    _require_current_step(ctx, card.step_key)
    return card


def edit_card(ctx: OpContext, payload: dict) -> Outcome:
    card = _own_card_in_current_step(ctx, payload["card_id"])
    changed = card.text != payload["text"]
    card.text = payload["text"]
    card.updated_at = utcnow()
    back_to_queue = changed and card.status == VISIBLE and _needs_approval(ctx, ctx.ws.current)
    if back_to_queue:  # what moderation approved was the old text: the new one waits like a new card
        card.status = PENDING
    _follow_spotlight(ctx, card, gone=back_to_queue)
    view = card_view(card, participant_names(ctx.db, ctx.ws.id, only=[card.participant_id]))
    public = _public_form(ctx, card, ctx.ws.current, view)
    return Outcome(
        "card.edited",
        {"card": view},
        {"card_id": card.id, "card": {**view, "mine": True}},
        public_payload=public,
        personal=_table_forms(ctx, card, ctx.ws.current, public, {"card": view}),
    )


def delete_card(ctx: OpContext, payload: dict) -> Outcome:
    card = _own_card_in_current_step(ctx, payload["card_id"])
    if variants_of(ctx.db, ctx.ws.id, {card.id}):
        raise Rejected("card_has_variants", "Other people's cards were merged into this one: ask the facilitator.")
    card.deleted_at = utcnow()  # kept for the log; votes on it stop counting
    _follow_spotlight(ctx, card, gone=True)
    gone = {"card_id": card.id, "step_key": card.step_key}
    if card.table_no is not None:  # every screen counts a table's cards
        gone["table_no"] = card.table_no
    return Outcome("card.deleted", gone, {"card_id": card.id})


def _moderate(ctx: OpContext, card: Card, status: str) -> Outcome:
    card.status = status
    view = card_view(card, participant_names(ctx.db, ctx.ws.id, only=[card.participant_id]))
    step = ctx.ws.step(card.step_key)
    if status == HIDDEN:
        _follow_spotlight(ctx, card, gone=True)
        return Outcome(
            "card.hidden",
            {"card": view},
            {"card_id": card.id},
            public_payload={"card_id": card.id, "step_key": card.step_key},
        )
    public = _public_form(ctx, card, step, view)
    return Outcome(
        "card.shown",
        {"card": view},
        {"card_id": card.id},
        public_payload=public if public is not None else {"card": view},
        personal=_table_forms(ctx, card, step, public, {"card": view}),
    )


def hide_card(ctx: OpContext, payload: dict) -> Outcome:
    """Moderation: take a card off every participant's screen and the projector (kept in the log)."""
    card = get_live_card(ctx.db, ctx.ws.id, payload["card_id"])
    return _moderate(ctx, card, HIDDEN if payload["hidden"] else VISIBLE)


def approve_card(ctx: OpContext, payload: dict) -> Outcome:
    card = get_live_card(ctx.db, ctx.ws.id, payload["card_id"])
    if card.status != PENDING:
        raise Rejected("not_pending", f"Card {card.id} is not waiting for approval.")
    return _moderate(ctx, card, VISIBLE)


# The card ops are brainstorm's; draft steps (co-drafting, below) take them too.
CARD_STEP_TYPES = frozenset({"brainstorm", "draft", TABLES})  # tables: activities/tables.py


def write_card(bot: Simulated, view: dict, step: dict) -> dict | None:
    """A simulated participant writes a card from the phrase banks, up to its temper's number."""
    if step.get("authors", "everyone") != "everyone":
        return None
    if bot.written.get(step["key"], 0) >= bot.card_limit():
        return None
    columns = step.get("columns") or [None]
    column = bot.rng.choice(columns)
    column_key = column["key"] if column else None
    text = bot.phrase(step, column_key)
    bot.written[step["key"]] = bot.written.get(step["key"], 0) + 1
    payload = {"step_key": step["key"], "text": text}
    if column_key:
        payload["column_key"] = column_key
    return {"type": "card.add", "payload": payload}


class BrainstormActivity(Activity):
    type = "brainstorm"
    label = N_("Sammeln (Beiträge)")
    presets = (Preset(type, label, N_("Sammeln"), minutes=10),)
    offers = frozenset({"cards"})
    config_schema = BrainstormConfig
    step_class = BrainstormStep
    ops: tuple[OpSpec, ...] = (
        OpSpec(
            "card.add",
            AddCard,
            frozenset({PARTICIPANT, FACILITATOR}),
            add_card,
            step_types=CARD_STEP_TYPES,
            lock_applies=True,
            names_step=True,
        ),
        OpSpec(
            "card.edit",
            EditCard,
            frozenset({PARTICIPANT, FACILITATOR}),
            edit_card,
            step_types=CARD_STEP_TYPES,
            lock_applies=True,
        ),
        OpSpec(
            "card.delete",
            CardRef,
            frozenset({PARTICIPANT, FACILITATOR}),
            delete_card,
            step_types=CARD_STEP_TYPES,
            lock_applies=True,
        ),
        OpSpec("card.hide", HideCard, frozenset({FACILITATOR}), hide_card, frozenset({"live", "ended"})),
        OpSpec("card.approve", CardRef, frozenset({FACILITATOR}), approve_card),
    )

    def results(self, db, ws, step):
        cards = live_cards(db, ws.id, step["key"])
        traces = merged_trace(db, ws.id, [c.id for c in cards])
        return [ResultItem(c.text, c.id, c.column_key, trace=traces.get(c.id, {})) for c in cards]

    def protocol(self, f: Fold, step: dict, item: Section) -> None:
        """The contributions (sorted by the votes they later got) are the result; unreleased
        contributions are counted by why they were not released, never silently dropped."""
        columns = {c["key"]: localized(c["title"], f.w.language) for c in step.get("columns", [])}
        step_votes = f.votes.get(step["key"])
        cards = live_cards(f.db, f.ws.id, step["key"])
        if step_votes is not None:
            cards.sort(key=lambda c: (-step_votes.get(c.id, 0), c.id))
        # A later cluster step grouped these cards: each says its cluster's title.
        clusters = {
            cluster.id: cluster.title
            for cluster in f.db.scalars(
                select(Cluster).where(
                    Cluster.session_id == f.ws.id,
                    Cluster.deleted_at.is_(None),
                    Cluster.id.in_({c.cluster_id for c in cards if c.cluster_id is not None}),
                )
            )
        }
        for card in cards:
            notes = [clusters[card.cluster_id]] if card.cluster_id in clusters else []
            notes += [points(f.w, step_votes.get(card.id, 0))] if step_votes is not None else []
            name = f.names.get(card.participant_id) if card.participant_id is not None else None
            if name:
                notes.append(name)
            notes += protocol_notes(f, card)
            item.cards.append(
                ProtocolCard(
                    card.text,
                    columns.get(card.column_key) if len(columns) > 1 else None,
                    notes,
                    step_votes.get(card.id, 0) if step_votes is not None else None,
                )
            )
        unreleased = f.db.scalars(
            select(Card.status).where(
                Card.session_id == f.ws.id,
                Card.step_key == step["key"],
                Card.deleted_at.is_(None),
                Card.status.in_((PENDING, HIDDEN)),
            )
        ).all()
        pending, hidden = unreleased.count(PENDING), unreleased.count(HIDDEN)
        if pending:
            item.withheld.append(
                f.w.ngettext(
                    "%(num)d Beitrag wurde nicht freigegeben: von der Moderation noch nicht geprüft.",
                    "%(num)d Beiträge wurden nicht freigegeben: von der Moderation noch nicht geprüft.",
                    pending,
                )
            )
        if hidden:
            item.withheld.append(
                f.w.ngettext(
                    "%(num)d Beitrag wurde nicht freigegeben: von der Moderation zurückgehalten.",
                    "%(num)d Beiträge wurden nicht freigegeben: von der Moderation zurückgehalten.",
                    hidden,
                )
            )

    def reveal(self, db, ws, step):
        if not step.get("silent"):
            return None
        cards = live_cards(db, ws.id, step["key"])
        names = participant_names(db, ws.id, only={c.participant_id for c in cards})
        return {"cards": [card_view(c, names) for c in cards]}

    def bot_op(self, bot, view, step):
        return write_card(bot, view, step)


class DraftActivity(BrainstormActivity):
    """Co-drafting on the record's structure: one column per record field."""

    type = "draft"
    label = N_("Formulieren (Spalten = Felder des Steckbriefs)")
    presets = (Preset(type, label, N_("Formulieren"), minutes=15),)
    step_class = DraftStep
    ops = ()  # the card ops are brainstorm's; they accept draft steps too
