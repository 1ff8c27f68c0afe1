"""Replaying a session from its event log, as each viewer saw it.

A replay is the session's start (the snapshot it had when it was created: its steps and the
options it was seeded with, nothing anybody added) and its events, each in the form this viewer
receives (staff, room, or one participant's own), exactly as `sync` replays them. The browser folds
them with the same reducers as the live pages (static/js/live.js), so the console, the projector
and a phone show at any moment the state their live counterparts had then.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.activities.cards import card_view
from workshop.activities.models import Card
from workshop.live.engine import events_after
from workshop.live.models import Event
from workshop.live.snapshot import build_snapshot
from workshop.ops import FACILITATOR, PARTICIPANT, VIEWER, Actor
from workshop.sessions.models import Participant, WorkshopSession

MAX_EVENTS = 100_000
VIEWS = ("console", "projector", "phone")


def viewer_for(view: str, participant_id: int | None, facilitator_id: int) -> Actor:
    if view == "console":
        return Actor(FACILITATOR, facilitator_id)
    if view == "phone" and participant_id is not None:
        return Actor(PARTICIPANT, participant_id)
    return Actor(VIEWER)


def start_snapshot(db: Session, ws: WorkshopSession, viewer: Actor) -> dict:
    """The session as it was created: what every client had before the first event."""
    snapshot = build_snapshot(db, ws, viewer)
    # Seeded cards (consent options) were there before any event; every other card was added by one.
    added = {
        event.payload["card"]["id"]
        for event in db.scalars(select(Event).where(Event.session_id == ws.id, Event.type == "card.added"))
        if isinstance((event.payload or {}).get("card"), dict)
    }
    seeded = [
        card
        for card in db.scalars(
            select(Card).where(Card.session_id == ws.id, Card.participant_id.is_(None)).order_by(Card.id)
        )
        if card.id not in added
    ]
    snapshot.update(
        seq=0,
        participants=0,
        spotlight=None,
        captures=[],
        cards=[card_view(card, {}, viewer) for card in seeded],
        runtime={step["key"]: {} for step in ws.steps},
        activity={step["key"]: {} for step in ws.steps},
    )
    snapshot["session"].update(status="ready", current_step=0, started_at=None, ended_at=None)
    snapshot["server_now"] = ws.created_at.isoformat()
    return snapshot


def replay(db: Session, ws: WorkshopSession, viewer: Actor) -> dict:
    return {"start": start_snapshot(db, ws, viewer), "events": events_after(db, ws.id, 0, MAX_EVENTS, viewer)}


def phones(db: Session, ws: WorkshopSession) -> list[int]:
    """Participant ids in join order; pages name them Person 1, 2, … (never by name)."""
    return list(db.scalars(select(Participant.id).where(Participant.session_id == ws.id).order_by(Participant.id)))
