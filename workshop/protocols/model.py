"""The protocol as a document model: a fold over a session's state and log.

Shaped like a German Ergebnisprotokoll: header, one agenda item (TOP) per step with its
prompt, cards (sorted by votes), results and what went into the record, then open points.
Each output format is a renderer of this one model.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.activities.base import ProtocolCard, ProtocolContext
from workshop.activities.registry import activity_for
from workshop.i18n import localized
from workshop.measures.models import Measure, RecordRevision
from workshop.measures.record import template_of
from workshop.sessions.models import Participant, WorkshopSession

LOCAL_TIME = ZoneInfo("Europe/Berlin")
UNIT_NAMES = {1: "Rahmen setzen", 2: "Wissen zusammenführen", 3: "Gemeinsam formulieren",
              4: "Mandat", 5: "Öffentlichkeitsbeteiligung"}


@dataclass
class Capture:
    field_label: str
    lines: list[str]


@dataclass
class AgendaItem:
    number: int
    title: str
    prompt: str
    kind: str
    cards: list[ProtocolCard] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    captures: list[Capture] = field(default_factory=list)


@dataclass
class Protocol:
    title: str
    occasion: str
    measure_title: str
    reference_number: str | None
    unit: str
    date: str
    place: str
    start: str
    end: str
    participants: int
    named_participants: list[str]
    moderation: str
    minute_taker: str
    agenda: list[AgendaItem]
    open_points: list[str]
    generated_at: str
    tasks: list[tuple[str, str, str]] = field(default_factory=list)  # (what, who, by when)


def _local(moment: datetime | None, fmt: str) -> str:
    return moment.astimezone(LOCAL_TIME).strftime(fmt) if moment else "–"


def _votes_by_source(db: Session, ws: WorkshopSession) -> dict[str, dict[int, int]]:
    """For each step voted on: card (or cluster) id -> votes it got in the vote step(s) on it."""
    votes: dict[str, dict[int, int]] = {}
    for step in ws.steps:
        given = activity_for(step).votes_on_source(db, ws, step)
        if given is not None:
            totals = votes.setdefault(step["source"], {})
            for target_id, count in given.items():
                totals[target_id] = totals.get(target_id, 0) + count
    return votes


def build_protocol(db: Session, ws: WorkshopSession) -> Protocol:
    measure: Measure = ws.measure
    record_template = template_of(measure)
    participants = db.scalars(select(Participant).where(Participant.session_id == ws.id)).all()
    names = {p.id: p.display_name for p in participants}
    revisions = db.scalars(
        select(RecordRevision).where(RecordRevision.source_session_id == ws.id).order_by(RecordRevision.id)
    ).all()
    context = ProtocolContext(names, _votes_by_source(db, ws), {
        (line.get("source") or {}).get("card_id") for r in revisions for line in (r.lines or [])
    })

    agenda: list[AgendaItem] = []
    open_points: list[str] = []
    tasks: list[tuple[str, str, str]] = []
    for number, step in enumerate(ws.steps, start=1):
        item = AgendaItem(number, localized(step["title"]), localized(step.get("prompt")), step["type"])
        part = activity_for(step).protocol(db, ws, step, context)  # each activity writes its own part
        item.cards, item.results = part.cards, part.results
        open_points += part.open_points
        tasks += part.tasks
        latest_per_field: dict[str, RecordRevision] = {}
        for revision in revisions:
            if revision.source_step_key == step["key"]:
                if revision.source_kind == "undo":  # the capture was taken back: nothing of it stays
                    latest_per_field.pop(revision.field_key, None)
                else:
                    latest_per_field[revision.field_key] = revision
        for field_key, revision in latest_per_field.items():
            record_field = record_template.field(field_key)
            label = record_field.label_text() if record_field else field_key
            item.captures.append(Capture(label, [line["text"] for line in revision.lines or []]))
        if step.get("capture") and not item.captures:  # (steps that cannot capture have no capture:)
            open_points.append(f"Ergebnis von „{item.title}“ noch nicht in den Steckbrief übernommen.")
        agenda.append(item)

    unit = ws.template.get("unit")
    unit_title = localized(ws.template.get("title"))
    named = sorted(name for name in names.values() if name)
    return Protocol(
        title=f"Ergebnisprotokoll: {ws.title}",
        occasion=f"{measure.title} – Baustein {unit}: {unit_title}",
        measure_title=measure.title,
        reference_number=measure.reference_number,
        unit=f"{unit}. {UNIT_NAMES.get(unit, unit_title) if isinstance(unit, int) else unit_title}",
        date=_local(ws.started_at or ws.created_at, "%d.%m.%Y"),
        place=ws.location or "–",
        start=_local(ws.started_at, "%H:%M Uhr"),
        end=_local(ws.ended_at, "%H:%M Uhr") if ws.ended_at else "läuft noch",
        participants=len(participants),
        named_participants=named,
        moderation=ws.facilitator.display_name,
        minute_taker=f"automatisch erstellt (Workshop), verantwortlich: {ws.facilitator.display_name}",
        agenda=agenda,
        open_points=open_points,
        tasks=tasks,
        generated_at=datetime.now(LOCAL_TIME).strftime("%d.%m.%Y %H:%M Uhr"),
    )
