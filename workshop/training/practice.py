"""Practice mode: exercise measures whose sessions never touch a real record.

An exercise measure is marked (Measure.is_exercise) and shown as "Übung" everywhere; its sessions
run in mode "exercise". A practice session can be reset to its start — the engine's op
session.reset (live/session_ops.py), so every screen and the replay see it — and an exercise
measure can be deleted with all its sessions. Real measures and their sessions can be neither.
"""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from workshop.access import policy
from workshop.activities.registry import clear_contributions
from workshop.agenda.create import FieldMapNeeded, create_session
from workshop.live.models import Event
from workshop.measures.models import Measure
from workshop.measures.record import forget_session
from workshop.ops import Rejected
from workshop.sessions.models import EXERCISE, CustomTemplate, Participant, WorkshopSession


def is_practice(ws: WorkshopSession) -> bool:
    return ws.mode == EXERCISE


def create_practice_session(db: Session, *, facilitator_id: int, template_key: str, title: str) -> WorkshopSession:
    """A new exercise measure with one practice session of the given format."""
    measure = Measure(title=title, is_exercise=True, record_template="default")
    db.add(measure)
    db.flush()
    policy.add_member(db, measure.id, facilitator_id)  # the trainer owns the exercise measure
    try:
        return create_session(
            db,
            measure_id=measure.id,
            facilitator_id=facilitator_id,
            template_key=template_key,
            title=title,
            mode=EXERCISE,
        )
    except FieldMapNeeded as needed:
        # A team's format may capture into fields of another record template; an exercise record
        # is never real, so those steps capture into no field rather than the practice failing.
        return create_session(
            db,
            measure_id=measure.id,
            facilitator_id=facilitator_id,
            template_key=template_key,
            title=title,
            mode=EXERCISE,
            field_map=dict.fromkeys(needed.missing, ""),
        )


def delete_practice_measure(db: Session, measure: Measure) -> None:
    if not measure.is_exercise:
        raise Rejected("not_practice", "Only an exercise measure can be deleted.")
    for ws in db.scalars(select(WorkshopSession).where(WorkshopSession.measure_id == measure.id)):
        # The whole session goes, its log with it (a reset instead is an op with an event:
        # live/session_ops.reset_practice).
        clear_contributions(db, ws)
        forget_session(db, measure, ws.id)
        db.execute(delete(Event).where(Event.session_id == ws.id))
        db.execute(delete(Participant).where(Participant.session_id == ws.id))
        db.delete(ws)
    # Its formats stay their authors' only: on SQLite (no foreign key added by the migration) a
    # later measure could get the same id and its team would inherit them.
    db.execute(update(CustomTemplate).where(CustomTemplate.measure_id == measure.id).values(measure_id=None))
    db.flush()
    db.delete(measure)
