"""Brainstorm: participants write cards into one or more columns of the current step."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from workshop.activities.base import Activity, OpContext, OpSpec, Outcome, ResultItem
from workshop.activities.cards import (
    CARD_MAX_LENGTH,
    card_view,
    get_live_card,
    is_author,
    live_cards,
)
from workshop.activities.models import Card
from workshop.db import utcnow
from workshop.i18n import LocalizedText
from workshop.live.actors import FACILITATOR, PARTICIPANT
from workshop.live.errors import Rejected
from workshop.sessions.names import participant_names
from workshop.validation import CleanText

MAX_CARDS_PER_PERSON_AND_STEP = 50
KEY = validate.Regexp(r"^[a-z][a-z0-9_-]{0,39}$", error="use lower-case letters, digits, - and _")


class ColumnSchema(Schema):
    key = fields.String(required=True, validate=KEY)
    title = LocalizedText(required=True, max_length=120)


class BrainstormConfig(Schema):
    columns = fields.List(fields.Nested(ColumnSchema), validate=validate.Length(1, 6),
                          load_default=lambda: [{"key": "main", "title": {"de": "Karten", "en": "Cards"}}])


def _card_text():
    return CleanText(required=True, validate=validate.Length(
        1, CARD_MAX_LENGTH, error=f"must be between 1 and {CARD_MAX_LENGTH} characters"))


class AddCard(Schema):
    step_key = fields.String(required=True, validate=validate.Length(1, 80))
    column_key = fields.String(validate=validate.Length(1, 80))
    text = _card_text()


class EditCard(Schema):
    card_id = fields.Integer(required=True, strict=True)
    text = _card_text()


class DeleteCard(Schema):
    card_id = fields.Integer(required=True, strict=True)


def _require_brainstorm_step(ctx: OpContext, step_key: str) -> dict:
    current = ctx.ws.current
    if step_key != current["key"]:
        raise Rejected("step_not_active",
                       f"Step '{step_key}' is not the current step ('{current['key']}').")
    if current["type"] != BrainstormActivity.type:
        raise Rejected("wrong_step_type", f"Step '{step_key}' does not take cards.")
    return current


def _author_fields(ctx: OpContext) -> dict:
    if ctx.actor.role == PARTICIPANT:
        return {"participant_id": ctx.actor.id}
    return {"facilitator_id": ctx.actor.id}


def add_card(ctx: OpContext, payload: dict) -> Outcome:
    step = _require_brainstorm_step(ctx, payload["step_key"])
    columns = [column["key"] for column in step["columns"]]
    column_key = payload.get("column_key") or columns[0]
    if column_key not in columns:
        raise Rejected("unknown_column",
                       f"Step '{step['key']}' has no column '{column_key}' (it has {', '.join(columns)}).")
    mine = [c for c in live_cards(ctx.db, ctx.ws.id, step["key"]) if is_author(c, ctx.actor)]
    if len(mine) >= MAX_CARDS_PER_PERSON_AND_STEP:
        raise Rejected("too_many_cards",
                       f"At most {MAX_CARDS_PER_PERSON_AND_STEP} cards per person in one step.")
    card = Card(session_id=ctx.ws.id, step_key=step["key"], column_key=column_key,
                text=payload["text"], **_author_fields(ctx))
    ctx.db.add(card)
    ctx.db.flush()
    names = participant_names(ctx.db, ctx.ws.id)
    return Outcome("card.added", {"card": card_view(card, names)}, {"card_id": card.id})


def _own_card_in_current_step(ctx: OpContext, card_id: int) -> Card:
    card = get_live_card(ctx.db, ctx.ws.id, card_id)
    if not is_author(card, ctx.actor):
        raise Rejected("not_your_card", "Only the author can change or delete this card.")
    _require_brainstorm_step(ctx, card.step_key)
    return card


def edit_card(ctx: OpContext, payload: dict) -> Outcome:
    card = _own_card_in_current_step(ctx, payload["card_id"])
    card.text = payload["text"]
    card.updated_at = utcnow()
    names = participant_names(ctx.db, ctx.ws.id)
    return Outcome("card.edited", {"card": card_view(card, names)}, {"card_id": card.id})


def delete_card(ctx: OpContext, payload: dict) -> Outcome:
    card = _own_card_in_current_step(ctx, payload["card_id"])
    card.deleted_at = utcnow()  # kept for the log; votes on it stop counting
    return Outcome("card.deleted", {"card_id": card.id, "step_key": card.step_key},
                   {"card_id": card.id})


class BrainstormActivity(Activity):
    type = "brainstorm"
    config_schema = BrainstormConfig
    ops = (
        OpSpec("card.add", AddCard, frozenset({PARTICIPANT, FACILITATOR}), add_card),
        OpSpec("card.edit", EditCard, frozenset({PARTICIPANT, FACILITATOR}), edit_card),
        OpSpec("card.delete", DeleteCard, frozenset({PARTICIPANT, FACILITATOR}), delete_card),
    )

    def check_step(self, step, earlier_steps):
        keys = [column["key"] for column in step["columns"]]
        return ["columns: column keys must differ"] if len(set(keys)) != len(keys) else []

    def results(self, db, ws, step):
        return [ResultItem(c.text, c.id, c.column_key) for c in live_cards(db, ws.id, step["key"])]
