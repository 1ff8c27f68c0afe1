"""Card reading helpers shared by the activities that show or count cards."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.activities.models import Card
from workshop.live.actors import FACILITATOR, PARTICIPANT, Actor
from workshop.live.errors import Rejected

CARD_MAX_LENGTH = 500


def live_cards(db: Session, session_id: int, step_key: str) -> list[Card]:
    return list(
        db.scalars(
            select(Card)
            .where(Card.session_id == session_id, Card.step_key == step_key, Card.deleted_at.is_(None))
            .order_by(Card.id)
        )
    )


def card_author_name(card: Card, names: dict[int, str | None]) -> str | None:
    if card.participant_id is not None:
        return names.get(card.participant_id)
    return None


def is_author(card: Card, actor: Actor) -> bool:
    if actor.role == PARTICIPANT:
        return card.participant_id == actor.id
    if actor.role == FACILITATOR:
        return card.facilitator_id == actor.id and card.participant_id is None
    return False


def card_view(card: Card, names: dict[int, str | None], viewer: Actor | None = None) -> dict:
    """The public shape of a card. The author is shown only by the name they chose."""
    view = {
        "id": card.id,
        "step_key": card.step_key,
        "column_key": card.column_key,
        "text": card.text,
        "author": card_author_name(card, names),
        "by_facilitator": card.participant_id is None,
    }
    if viewer is not None:
        view["mine"] = is_author(card, viewer)
    return view


def get_live_card(db: Session, session_id: int, card_id: int) -> Card:
    card = db.get(Card, card_id)
    if card is None or card.session_id != session_id or card.deleted_at is not None:
        raise Rejected("card_not_found", f"There is no card {card_id} in this session.")
    return card
