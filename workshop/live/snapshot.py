"""The full state of a session as one viewer may see it: what a client draws after (re)connecting."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.activities.cards import Seating, attach_variants, card_view, visible_to
from workshop.activities.models import Card
from workshop.activities.registry import activity_for
from workshop.db import utcnow
from workshop.live.replay import current_spotlight
from workshop.measures.models import Measure, RecordRevision
from workshop.measures.publication import public_path
from workshop.measures.record import template_of
from workshop.ops import FACILITATOR, PARTICIPANT, Actor
from workshop.sessions.guides import guide_for
from workshop.sessions.models import Participant, WorkshopSession
from workshop.sessions.names import participant_names
from workshop.sessions.runtime import is_revealed, notes, spotlight, step_state


def step_view(step: dict) -> dict:
    """What every screen knows of a step: the common keys and the activity's own settings."""
    view = {k: step.get(k) for k in ("key", "type", "title", "prompt", "timebox_minutes")}
    if "capture" in step:
        view["capture"] = step["capture"]
    return {**view, **activity_for(step).settings(step)}


def _still_silent(ws: WorkshopSession, step_key: str | None) -> bool:
    step = ws.step(step_key) if step_key else None
    return bool(step and step.get("silent") and not is_revealed(ws, step["key"]))


def _public_runtime(state: dict) -> dict:
    return {k: state.get(k) for k in ("locked", "revealed", "timer", "seconds", "entered_at")}


def _label(record_template, field_key: str) -> dict | str:
    """A record field's name in both languages ({de, en}): each screen shows the one of its page."""
    field = record_template.field(field_key)
    return field.label if field else field_key


SNAPSHOT_CARD_COLUMNS = (
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
)


def build_snapshot(db: Session, ws: WorkshopSession, viewer: Actor) -> dict:
    # Plain rows, not ORM objects: a late joiner into 2,000 cards waits on this; the card
    # helpers read only these attributes.
    rows = db.execute(
        select(*SNAPSHOT_CARD_COLUMNS).where(Card.session_id == ws.id, Card.deleted_at.is_(None)).order_by(Card.id)
    )
    seating = Seating.of(db, ws, viewer)  # the tables this viewer may read (activities/seating.py)
    cards = [
        card
        for card in rows
        if visible_to(card, ws.step(card.step_key), is_revealed(ws, card.step_key), viewer, seating)
    ]
    # The authors' names only: every phone of a join storm gets a snapshot, and reading the whole
    # room's names for each made a storm of n phones read n²/2 rows.
    names = participant_names(db, ws.id, only={card.participant_id for card in cards})
    measure: Measure = ws.measure
    record_template = template_of(measure)
    captured = db.scalars(
        select(RecordRevision).where(RecordRevision.source_session_id == ws.id).order_by(RecordRevision.id)
    )
    snapshot: dict[str, Any] = {
        "seq": ws.last_seq,
        "session": {
            "id": ws.id,
            "title": ws.title,
            "status": ws.status,
            "join_code": ws.join_code,
            "unit": ws.template.get("unit"),
            # several: a combined agenda ("Bausteine 1 + 2"), see agenda.templates.template_units
            "units": ws.template.get("units") or [ws.template.get("unit")],
            "template_title": ws.template["title"],
            "measure": {"id": measure.id, "title": measure.title, "reference_number": measure.reference_number},
            "current_step": ws.current_step,
            "started_at": ws.started_at.isoformat() if ws.started_at else None,
            "ended_at": ws.ended_at.isoformat() if ws.ended_at else None,
            "public_path": public_path(db, measure.id) if ws.status == "ended" else None,
        },
        "participants": db.scalar(select(func.count(Participant.id)).where(Participant.session_id == ws.id)),
        "steps": [step_view(step) for step in ws.steps],
        "runtime": {step["key"]: _public_runtime(step_state(ws, step["key"])) for step in ws.steps},
        "spotlight": current_spotlight(db, ws, spotlight(ws)),
        "server_now": utcnow().isoformat(),
        "anonymous": bool(ws.template.get("anonymous")),
        "cards": [card_view(card, names, viewer) for card in cards],  # (variants attached below)
        "activity": {step["key"]: activity_for(step).state(db, ws, step, viewer) for step in ws.steps},
        "captures": [
            {
                "step_key": r.source_step_key,
                "field_key": r.field_key,
                "revision_id": r.id,
                "field_label": _label(record_template, r.field_key),
                "lines": [line["text"] for line in r.lines or []],
            }
            for r in captured
            if viewer.role == FACILITATOR or not _still_silent(ws, r.source_step_key)
        ],
        "me": {"role": viewer.role, "id": viewer.id},
    }
    attach_variants(db, ws.id, snapshot["cards"], viewer)  # merged cards (activities/card_merge.py)
    if viewer.role == PARTICIPANT and viewer.id is not None:
        snapshot["me"]["name"] = names.get(viewer.id)
    if viewer.role == FACILITATOR:
        # Staff only: who is here (chosen names, else a count), private notes, the unit's guide.
        named = [name for name in names.values() if name]
        snapshot["people"] = {"named": named, "anonymous": len(names) - len(named)}
        snapshot["notes"] = notes(ws)
        snapshot["guide"] = guide_for(ws.template.get("unit"))
        # A combined agenda: a step appended from another unit is prefilled from that unit's guide.
        step_units = {s["key"]: s["unit"] for s in ws.steps if s.get("unit")}
        snapshot["step_units"] = step_units
        snapshot["guides"] = {str(unit): guide_for(unit) for unit in set(step_units.values())}
        snapshot["unguided"] = [s["key"] for s in ws.steps if not activity_for(s).guided]
    return snapshot
