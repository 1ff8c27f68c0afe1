"""Who sits at which table of a table step (activities/tables.py), as the rest of the app needs it.

What a viewer may see of a table step's cards before the step is revealed (the harvest reveals it):
- the facilitator and co-facilitators: every table (they run the room);
- a participant: the boards of the tables they sit or sat at in this step (the tablecloth stays on
  its table: the next group reads what the groups before wrote; what one has read stays readable);
- the projector and everybody else: a table's board only once the facilitator opened it (put it on
  the projector, or revealed the step). Of the other tables they know how many people sit there,
  who hosts them and how many cards they have — never a card's text.

The same rule decides the snapshot (cards.visible_to with a cards.Seating), what a replay gives each
viewer (live/replay.py: a table's card events reach its members whole, everyone else redacted) and
who receives a table's card live: its members get the event whole in their own Socket.IO room
(Outcome.personal), the room gets `{redacted: true, step_key, card_id, table_no}`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.activities.cards import TABLES, Seating, current_round, is_table_step, opened
from workshop.activities.models import TableSeat

__all__ = ["TABLES", "Seating", "current_round", "is_table_step", "opened"]  # (their home is cards.py)


def members(db: Session, ws, step_key: str, table_no: int) -> list[int]:
    """Everyone who sits or sat at this table in this step (they may read its board)."""
    return sorted(
        set(
            db.scalars(
                select(TableSeat.participant_id).where(
                    TableSeat.session_id == ws.id, TableSeat.step_key == step_key, TableSeat.table_no == table_no
                )
            )
        )
    )


def seats(db: Session, ws, step_key: str, round_no: int | None = None) -> dict[int, TableSeat]:
    """Participant id -> their seat in this round of the step (latest row; table_no None: up from
    their table). Participants without a row this round are not in it."""
    query = select(TableSeat).where(
        TableSeat.session_id == ws.id,
        TableSeat.step_key == step_key,
        TableSeat.round == (round_no or current_round(ws, step_key)),
    )
    return {row.participant_id: row for row in db.scalars(query.order_by(TableSeat.id))}


def seat_of(db: Session, ws, step_key: str, participant_id: int) -> TableSeat | None:
    row = db.scalars(
        select(TableSeat)
        .where(
            TableSeat.session_id == ws.id,
            TableSeat.step_key == step_key,
            TableSeat.round == current_round(ws, step_key),
            TableSeat.participant_id == participant_id,
        )
        .order_by(TableSeat.id.desc())
    ).first()
    return row


def redacted_card(step_key: str, card_id: int, table_no: int) -> dict:
    """What the room gets of a card at a table it may not read."""
    return {"redacted": True, "step_key": step_key, "card_id": card_id, "table_no": table_no}


def reads_whole(public: dict, seating: Seating | None) -> bool:
    """A table's event the room got redacted, which this viewer may read whole (its members)."""
    return (
        seating is not None
        and bool(public.get("redacted"))
        and isinstance(public.get("table_no"), int)
        and seating.sees(str(public.get("step_key")), public["table_no"])
    )


def seat_form(staff: dict, public: dict, participant_id: int | None) -> dict | None:
    """A seating event as the participant it seats receives it: the room's form and `mine`, their
    own seat ({table_no, host}; table_no None: up from the table). None: it does not seat them."""
    for seat in staff.get("seats") or []:
        if seat.get("participant_id") == participant_id:
            room_form = {k: v for k, v in public.items() if k != "whole_for"}
            return {**room_form, "mine": {"table_no": seat.get("table_no"), "host": bool(seat.get("host"))}}
    return None
