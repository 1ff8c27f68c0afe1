"""Action items: who does what by when. Anyone may propose one; its author or the facilitator changes it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate
from sqlalchemy import select

from workshop.activities.base import Activity, ResultItem, Simulated
from workshop.activities.models import ActionItem
from workshop.activities.protocol import Fold, Section, Task
from workshop.db import utcnow
from workshop.i18n import N_
from workshop.ops import FACILITATOR, PARTICIPANT, OpContext, OpSpec, Outcome, Rejected
from workshop.validation import CleanText

MAX_ITEMS = 100


class ItemFields(Schema):
    who = CleanText(required=True, validate=validate.Length(1, 200))
    what = CleanText(required=True, validate=validate.Length(1, 1000))
    due = fields.Date(load_default=None, allow_none=True)


class EditItem(ItemFields):
    item_id = fields.Integer(required=True, strict=True)


class ItemRef(Schema):
    item_id = fields.Integer(required=True, strict=True)


def item_view(item: ActionItem) -> dict:
    return {"id": item.id, "step_key": item.step_key, "who": item.who, "what": item.what, "due": item.due}


def session_items(db, session_id: int, step_key: str | None = None) -> list[ActionItem]:
    query = select(ActionItem).where(ActionItem.session_id == session_id, ActionItem.deleted_at.is_(None))
    if step_key:
        query = query.where(ActionItem.step_key == step_key)
    return list(db.scalars(query.order_by(ActionItem.id)))


def _own_item(ctx: OpContext, item_id: int) -> ActionItem:
    item = ctx.db.get(ActionItem, item_id)
    if item is None or item.session_id != ctx.ws.id or item.deleted_at is not None:
        raise Rejected("item_not_found", f"There is no action item {item_id} in this session.")
    if ctx.actor.role == PARTICIPANT and item.participant_id != ctx.actor.id:
        raise Rejected("not_your_item", "Only its author or the facilitator can change this action item.")
    return item


def add(ctx: OpContext, payload: dict) -> Outcome:
    step = ctx.ws.current  # an action_items step: the engine checked (OpSpec.step_types)
    if len(session_items(ctx.db, ctx.ws.id, step["key"])) >= MAX_ITEMS:
        raise Rejected("too_many_items", f"At most {MAX_ITEMS} action items in one step.")
    author = {"participant_id": ctx.actor.id} if ctx.actor.role == PARTICIPANT else {"facilitator_id": ctx.actor.id}
    item = ActionItem(
        session_id=ctx.ws.id,
        step_key=step["key"],
        who=payload["who"],
        what=payload["what"],
        due=payload["due"].isoformat() if payload["due"] else None,
        **author,
    )
    ctx.db.add(item)
    ctx.db.flush()
    return Outcome("action.added", {"item": item_view(item)}, {"item_id": item.id})


def edit(ctx: OpContext, payload: dict) -> Outcome:
    item = _own_item(ctx, payload["item_id"])
    item.who, item.what = payload["who"], payload["what"]
    item.due = payload["due"].isoformat() if payload["due"] else None
    return Outcome("action.edited", {"item": item_view(item)}, {"item_id": item.id})


def delete(ctx: OpContext, payload: dict) -> Outcome:
    item = _own_item(ctx, payload["item_id"])
    item.deleted_at = utcnow()
    return Outcome("action.deleted", {"item_id": item.id, "step_key": item.step_key}, {"item_id": item.id})


def _german_date(iso_date: str | None) -> str:
    return f"{iso_date[8:10]}.{iso_date[5:7]}.{iso_date[0:4]}" if iso_date else "–"


def format_item(item: ActionItem) -> str:
    due = f" – bis {_german_date(item.due)}" if item.due else ""
    return f"{item.what} – {item.who}{due}"


def propose_item(bot: Simulated, view: dict, step: dict) -> dict | None:
    """Now and then a simulated participant proposes one task (from the "actions" phrase bank)."""
    if step["key"] in bot.done:
        return None
    bot.done.add(step["key"])
    if bot.rng.random() > 0.3:
        return None
    item = bot.pick("actions")
    return {"type": "action.add", "payload": {"who": item["who"], "what": item["what"], "due": None}}


class ActionItemsActivity(Activity):
    type = "action_items"
    label = N_("Aufgaben")
    ops = (
        OpSpec(
            "action.add",
            ItemFields,
            frozenset({PARTICIPANT, FACILITATOR}),
            add,
            step_types=frozenset({type}),
            lock_applies=True,
        ),
        OpSpec(
            "action.edit",
            EditItem,
            frozenset({PARTICIPANT, FACILITATOR}),
            edit,
            step_types=frozenset({type}),
            lock_applies=True,
        ),
        OpSpec(
            "action.delete",
            ItemRef,
            frozenset({PARTICIPANT, FACILITATOR}),
            delete,
            step_types=frozenset({type}),
            lock_applies=True,
        ),
    )

    def state(self, db, ws, step, viewer):
        items = session_items(db, ws.id, step["key"])
        state = {"items": [item_view(i) for i in items]}
        if viewer.role == PARTICIPANT:
            state["mine"] = [i.id for i in items if i.participant_id == viewer.id]
        return state

    def results(self, db, ws, step):
        return [ResultItem(format_item(i), None, None) for i in session_items(db, ws.id, step["key"])]

    def protocol(self, f: Fold, step: dict, item: Section) -> None:
        for task in session_items(f.db, f.ws.id, step["key"]):
            due = f"{task.due[8:10]}.{task.due[5:7]}.{task.due[0:4]}" if task.due else "–"
            f.tasks.append(Task(task.what, task.who, due))
            by = f.w.gettext("bis")
            item.results.append(f"{task.what} – {task.who}" + (f" – {by} {due}" if task.due else ""))

    def bot_op(self, bot, view, step):
        return propose_item(bot, view, step)
