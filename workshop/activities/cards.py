"""Card reading helpers shared by the activities that show or count cards."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from workshop.activities.models import Card, TableSeat
from workshop.ops import FACILITATOR, PARTICIPANT, Actor, Rejected
from workshop.sessions.names import participant_names
from workshop.sessions.runtime import step_state

# A card, or a row of its columns (the snapshot reads 2,000 cards as plain rows): the helpers
# below read only attributes both have.
CardLike = Card | Row

CARD_MAX_LENGTH = 500
VISIBLE, PENDING, HIDDEN = "visible", "pending", "hidden"


# --- a card's table (activities/tables.py; seat rules: activities/seating.py) ---

TABLES = "tables"  # the activity type of a table step


def is_table_step(step: dict | None) -> bool:
    return step is not None and step.get("type") == TABLES


def current_round(ws, step_key: str) -> int:
    return int(step_state(ws, step_key).get("round") or 1)


def opened(ws, step_key: str) -> set[int]:
    """The tables whose boards the facilitator opened to everyone (put on the projector)."""
    return set(step_state(ws, step_key).get("opened") or [])


@dataclass
class Seating:
    """What one viewer may read of the tables: the tables they sat at, per step, and the opened ones."""

    ws: object
    visited: dict[str, set[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, db: Session, ws, viewer: Actor) -> Seating:
        if viewer.role != PARTICIPANT or viewer.id is None or not any(is_table_step(s) for s in ws.steps):
            return cls(ws)
        visited: dict[str, set[int]] = {}
        rows = db.execute(
            select(TableSeat.step_key, TableSeat.table_no).where(
                TableSeat.session_id == ws.id, TableSeat.participant_id == viewer.id, TableSeat.table_no.is_not(None)
            )
        )
        for step_key, table_no in rows:
            if table_no is not None:
                visited.setdefault(step_key, set()).add(table_no)
        return cls(ws, visited)

    @classmethod
    def room(cls, ws) -> Seating:
        """The projector's (and the room's): the opened tables only."""
        return cls(ws)

    def sees(self, step_key: str, table_no: int) -> bool:
        return table_no in self.visited.get(step_key, set()) or table_no in opened(self.ws, step_key)


def live_cards(db: Session, session_id: int, step_key: str, *, shown_only: bool = True) -> list[Card]:
    """The step's cards that count: not deleted and (by default) not pending or hidden."""
    query = select(Card).where(Card.session_id == session_id, Card.step_key == step_key, Card.deleted_at.is_(None))
    if shown_only:
        query = query.where(Card.status == VISIBLE)
    return list(db.scalars(query.order_by(Card.id)))


def visible_to(
    card: CardLike, step: dict | None, revealed: bool, viewer: Actor, seating: Seating | None = None
) -> bool:
    """May this viewer see this card now? Facilitators see everything (they moderate). A card at a
    table (a table step before its reveal) is its table's: seating says which tables this viewer may
    read (activities/seating.py); without one, none but their own cards."""
    if viewer.role == FACILITATOR:
        return True
    own = is_author(card, viewer)
    if card.status == HIDDEN:
        return False
    if card.status == PENDING:
        return own
    if card.table_no is not None and is_table_step(step) and not revealed:
        return own or (seating is not None and seating.sees(step["key"], card.table_no))  # type: ignore[index]
    if step is not None and step.get("silent") and not revealed:
        return own
    return True


def card_author_name(card: CardLike, names: dict[int, str | None]) -> str | None:
    if card.participant_id is not None:
        return names.get(card.participant_id)
    return None


def is_author(card: CardLike, actor: Actor) -> bool:
    if actor.role == PARTICIPANT:
        return card.participant_id == actor.id
    if actor.role == FACILITATOR:
        return card.facilitator_id == actor.id and card.participant_id is None
    return False


def card_view(card: CardLike, names: dict[int, str | None], viewer: Actor | None = None) -> dict:
    """The public shape of a card. The author is shown only by the name they chose."""
    view = {
        "id": card.id,
        "step_key": card.step_key,
        "column_key": card.column_key,
        "text": card.text,
        "author": card_author_name(card, names),
        "by_facilitator": card.participant_id is None,
        "status": card.status,
        "cluster_id": card.cluster_id,
    }
    if card.table_no is not None:  # written at a table, or harvested from one (activities/tables.py)
        view["table_no"] = card.table_no
        view["picked"] = bool(card.picked)
    if viewer is not None:
        view["mine"] = is_author(card, viewer)
    return view


def get_live_card(db: Session, session_id: int, card_id: int) -> Card:
    card = db.get(Card, card_id)
    if card is not None and card.session_id == session_id and card.merged_into_id is not None:
        # its text lives on as a variant of the card it was merged into: say so, not "no such card"
        raise Rejected(
            "card_merged",
            f"Card {card_id} was merged into card {card.merged_into_id}; it is kept there as a variant. "
            "Ask the facilitator to undo the merge to change it.",
        )
    if card is None or card.session_id != session_id or card.deleted_at is not None:
        raise Rejected("card_not_found", f"There is no card {card_id} in this session.")
    return card


# --- a card's variants: the cards merged into it (activities/card_merge.py) ---


def variant_view(card, names: dict[int, str | None], viewer: Actor | None = None) -> dict:
    view = {
        "id": card.id,
        "text": card.text,
        "author": names.get(card.participant_id) if card.participant_id is not None else None,
        "by_facilitator": card.participant_id is None,
    }
    if viewer is not None and is_author(card, viewer):
        view["mine"] = True
    return view


def variants_of(db, session_id: int, holder_ids) -> dict[int, list[Card]]:
    """Card id -> the cards merged into it, oldest first."""
    if not holder_ids:
        return {}
    rows = db.scalars(
        select(Card)
        .where(Card.session_id == session_id, Card.merged_into_id.in_(list(holder_ids)), Card.deleted_at.is_not(None))
        .order_by(Card.id)
    )
    out: dict[int, list[Card]] = {}
    for card in rows:
        out.setdefault(card.merged_into_id, []).append(card)
    return out


def merged_trace(db, session_id: int, card_ids) -> dict[int, dict]:
    """Card id -> what a record line taken from it names besides it: the cards merged into it (their
    ids and texts; no names: the record is read beyond the room)."""
    return {
        holder: {"merged": [{"card_id": c.id, "text": c.text} for c in cards]}
        for holder, cards in variants_of(db, session_id, set(card_ids)).items()
    }


def attach_variants(db, session_id: int, views: list[dict], viewer: Actor | None = None) -> None:
    """Give each card view that holds merged cards its `variants` (the snapshot's cards)."""
    found = variants_of(db, session_id, {view["id"] for view in views})
    if not found:
        return
    names = participant_names(db, session_id, only={c.participant_id for cs in found.values() for c in cs})
    for view in views:
        if view["id"] in found:
            view["variants"] = [variant_view(c, names, viewer) for c in found[view["id"]]]
