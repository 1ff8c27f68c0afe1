"""What a replay (`sync`) gives one viewer: each event in the form that viewer got live, with
every card and action item in it as it is *now* — or a tombstone when it is gone for them.

Three forms of an event (docs/realtime.md, "Three forms"):
- staff: `Event.payload` — facilitators' consoles;
- room: `Event.public_payload` (None: the same as staff) — participants and the projector;
- the person who acted: the room form, except that a card the room does not see yet (silent,
  pending) is the card as the author's ack carried it (`Event.result["card"]`). The actor never
  gets the staff form: a hidden vote's total or a hidden poll's counts are staff-only. Besides it,
  the participant gets `own_result`: the rest of their ack's result (their dots and points left, their
  rating, their answer), which their phone applied live from the ack.

Why re-read the rows: the log keeps what was said when, but a replay must never carry text
that moderation hid, its author deleted or edited away since (a late joiner's `sync
{after_seq: 0}` would otherwise show it all). A tombstone is `{card_id, step_key, gone: true}`
(in a list or a spotlight: `{id | card_id, gone: true}`): the id, and that it is gone.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.activities.action_items import item_view
from workshop.activities.cards import CardLike, card_view, variant_view, variants_of, visible_to
from workshop.activities.models import ActionItem, Card
from workshop.activities.seating import Seating, reads_whole, seat_form
from workshop.live.models import Event
from workshop.ops import FACILITATOR, PARTICIPANT, VIEWER, Actor
from workshop.sessions.models import WorkshopSession
from workshop.sessions.names import participant_names
from workshop.sessions.runtime import is_revealed

CARD_COLUMNS = (
    Card.id,
    Card.step_key,
    Card.column_key,
    Card.text,
    Card.participant_id,
    Card.facilitator_id,
    Card.status,
    Card.cluster_id,
    Card.table_no,
    Card.picked,
    Card.deleted_at,
)
CARD_EVENTS = ("card.added", "card.edited", "card.shown", "card.hidden")
ITEM_EVENTS = ("action.added", "action.edited")
ROOM = Actor(VIEWER)  # a spotlight is for the room: shown only while the room may see its card


def own_form(event_type: str, public_payload: dict | None, result: dict | None) -> dict | None:
    """The acting person's form where it differs from the room's: their own card that the room
    does not see yet (silent, pending) comes whole, as their ack gave it. None: the room's form."""
    own_card = (result or {}).get("card")
    if public_payload is not None and public_payload.get("redacted") and own_card and event_type in CARD_EVENTS:
        return {"card": own_card}
    return None


def event_form(event: Event, viewer: Actor, seating: Seating | None = None) -> tuple[dict, bool]:
    """The payload this viewer received live for this event (before scrubbing), and whether it
    was the acting person's own form (the broadcaster sends it to them alone, live)."""
    if viewer.role == FACILITATOR:
        return event.payload, False
    if event.actor == viewer.label and (own := own_form(event.type, event.public_payload, event.result)):
        return own, True
    public = event.public_payload if event.public_payload is not None else event.payload
    if reads_whole(public, seating):  # a table's card event, to a member of that table (seating.py)
        return event.payload, False
    if viewer.role == PARTICIPANT and (mine := seat_form(event.payload, public, viewer.id)) is not None:
        return mine, False  # a seating event that seats this participant: with their own seat
    return public, False


def tombstone(card_id: int | None, step_key: str | None) -> dict:
    return {"card_id": card_id, "step_key": step_key, "gone": True}


class _Now:
    """The current state of every card and item the replayed events mention, for one viewer."""

    def __init__(self, db: Session, ws: WorkshopSession, viewer: Actor, payloads: list[dict], seating: Seating):
        card_ids, item_ids = set(), set()
        for payload in payloads:
            if isinstance(payload.get("card"), dict):
                card_ids.add(payload["card"].get("id"))
            for card in (payload.get("data") or {}).get("cards") or []:
                card_ids.add(card.get("id"))
            if isinstance(payload.get("spotlight"), dict) and payload["spotlight"].get("card_id"):
                card_ids.add(payload["spotlight"]["card_id"])
            if isinstance(payload.get("item"), dict):
                item_ids.add(payload["item"].get("id"))
        card_ids.discard(None)
        item_ids.discard(None)
        self.ws, self.viewer, self.seating = ws, viewer, seating
        # plain rows (as the snapshot reads them): a 200-event replay must not load 200 ORM objects
        self.cards = (
            {c.id: c for c in db.execute(select(*CARD_COLUMNS).where(Card.session_id == ws.id, Card.id.in_(card_ids)))}
            if card_ids
            else {}
        )
        self.items = (
            {
                i.id: i
                for i in db.scalars(
                    select(ActionItem).where(ActionItem.session_id == ws.id, ActionItem.id.in_(item_ids))
                )
            }
            if item_ids
            else {}
        )
        # cards merged into these (a card's `variants`), as they are now
        self.variants = variants_of(db, ws.id, set(self.cards))
        authors = {c.participant_id for c in self.cards.values()}
        authors |= {v.participant_id for vs in self.variants.values() for v in vs}
        self.names = participant_names(db, ws.id, only=authors)

    def card(self, card_id: int | None) -> CardLike | None:
        """The card if this viewer may see it now, else None."""
        card = self.cards.get(card_id)
        if card is None or card.deleted_at is not None:
            return None
        step = self.ws.step(card.step_key)
        if not visible_to(card, step, is_revealed(self.ws, card.step_key), self.viewer, self.seating):
            return None
        return card

    def card_payload(self, old: dict, own: bool = False) -> dict:
        card = self.card(old.get("id"))
        if card is None:
            return tombstone(old.get("id"), old.get("step_key"))
        view = card_view(card, self.names, self.viewer)
        if not own:  # as live: only the author's own form says "mine"
            view.pop("mine", None)
        if card.id in self.variants or old.get("variants") is not None:
            view["variants"] = [variant_view(v, self.names) for v in self.variants.get(card.id, [])]
        return view


def scrub(db: Session, ws: WorkshopSession, events: list[Event], viewer: Actor) -> list[dict]:
    """The events as this viewer replays them: their live form, with nothing that is gone."""
    seating = Seating.of(db, ws, viewer)
    forms = [event_form(event, viewer, seating) for event in events]
    now = _Now(db, ws, viewer, [payload for payload, _own in forms], seating)
    replayed = []
    for event, (payload, own) in zip(events, forms, strict=True):
        if isinstance(payload.get("card"), dict):
            card = now.card_payload(payload["card"], own)
            payload = card if card.get("gone") else {**payload, "card": card}
        if isinstance((payload.get("data") or {}).get("cards"), list):
            cards = []
            for old in payload["data"]["cards"]:
                view = now.card_payload(old)
                cards.append(
                    {"id": view["card_id"], "step_key": view["step_key"], "gone": True} if view.get("gone") else view
                )
            payload = {**payload, "data": {**payload["data"], "cards": cards}}
        spot = payload.get("spotlight")
        if isinstance(spot, dict) and spot.get("card_id"):
            current = current_spotlight(db, ws, spot)
            payload = {**payload, "spotlight": current or {"card_id": spot["card_id"], "gone": True}}
        if event.type in ITEM_EVENTS and isinstance(payload.get("item"), dict):
            item = now.items.get(payload["item"].get("id"))
            if item is None or item.deleted_at is not None:
                payload = {
                    "item_id": payload["item"].get("id"),
                    "step_key": payload["item"].get("step_key"),
                    "gone": True,
                }
            else:
                payload = {**payload, "item": item_view(item)}
        entry = {"seq": event.seq, "type": event.type, "payload": payload, "at": event.created_at.isoformat()}
        if (own_result := own_part(event, viewer)) is not None:
            entry["own_result"] = own_result
        replayed.append(entry)
    return replayed


def own_part(event: Event, viewer: Actor) -> dict | None:
    """What the participant who acted got in their ack besides the event (their dots and points left,
    their rating, their answer), so their replay shows what their phone showed. Their own card is in
    the event's author form already (event_form), as it is now; the ack's copy may be stale."""
    if viewer.role != PARTICIPANT or event.actor != viewer.label or not event.result:
        return None
    own = {key: value for key, value in event.result.items() if key != "card"}
    return own or None


def current_spotlight(db: Session, ws: WorkshopSession, spot: dict | None) -> dict | None:
    """The spotlight as the room sees it now: a card's current text, or none once it is gone."""
    if not spot or not spot.get("card_id"):
        return spot
    card = db.get(Card, spot["card_id"])
    if (
        card is None
        or card.deleted_at is not None
        or not visible_to(card, ws.step(card.step_key), is_revealed(ws, card.step_key), ROOM, Seating.room(ws))
    ):
        return None
    return {**spot, "text": card.text}
