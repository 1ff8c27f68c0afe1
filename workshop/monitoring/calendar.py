"""A measure's dates as an iCalendar file (RFC 5545, the icalendar library): each milestone's
planned date (or the date it was reached), each indicator's target date and the measure's
scheduled sessions (reviews included), so the people who answer for them see them coming."""

from __future__ import annotations

from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.db import utcnow
from workshop.measures import monitoring
from workshop.measures.models import Measure
from workshop.measures.record import template_of
from workshop.sessions.models import WorkshopSession

PRODID = "-//Workshop//Massnahmen-Monitoring//DE"


def _uid(kind: str, ident: int, measure: Measure) -> str:
    return f"{kind}-{ident}-measure-{measure.id}@workshop"


def measure_calendar(db: Session, measure: Measure) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{measure.title} – Meilensteine")
    stamp = utcnow()
    template = template_of(measure)
    for m in monitoring.milestones_of(db, measure.id):
        day = m.actual_date or m.planned_date
        if day is None:
            continue
        status = template.milestone_status(m.status)
        event = Event()
        event.add("uid", _uid("milestone", m.id, measure))
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + timedelta(days=1))
        label = status.label_text("de") if status else m.status
        event.add("summary", f"Meilenstein: {m.title} ({label})")
        lines = [f"Maßnahme: {measure.title}"]
        if m.responsible:
            lines.append(f"Verantwortlich: {m.responsible}")
        if m.note:
            lines.append(m.note)
        event.add("description", "\n".join(lines))
        event.add("categories", ["Meilenstein"])
        if status is not None and (status.done or status.excluded):
            event.add("status", "CANCELLED" if status.excluded else "CONFIRMED")
        cal.add_component(event)
    for i in monitoring.indicators_of(db, measure.id):
        if i.target_date is None:
            continue
        event = Event()
        event.add("uid", _uid("indicator", i.id, measure))
        event.add("dtstamp", stamp)
        event.add("dtstart", i.target_date)
        event.add("dtend", i.target_date + timedelta(days=1))
        target = f" {monitoring._number_text(i.target_value)} {i.unit}".rstrip() if i.target_value is not None else ""
        event.add("summary", f"Zieldatum Indikator: {i.name}{target}")
        event.add("categories", ["Indikator"])
        cal.add_component(event)
    for ws in db.scalars(
        select(WorkshopSession).where(
            WorkshopSession.measure_id == measure.id,
            WorkshopSession.scheduled_date.is_not(None),
            WorkshopSession.mode != "exercise",
        )
    ):
        day = ws.scheduled_date
        assert day is not None  # the query asks for it
        event = Event()
        event.add("uid", _uid("session", ws.id, measure))
        event.add("dtstamp", stamp)
        if ws.start_time is not None:
            start = datetime.combine(day, ws.start_time, tzinfo=monitoring.LOCAL_TIME)
            end = (
                datetime.combine(day, ws.end_time, tzinfo=monitoring.LOCAL_TIME)
                if ws.end_time is not None and ws.end_time > ws.start_time
                else start + timedelta(hours=2)
            )
            event.add("dtstart", start)
            event.add("dtend", end)
        else:
            event.add("dtstart", day)
            event.add("dtend", day + timedelta(days=1))
        event.add("summary", f"Sitzung: {ws.title}")
        if ws.location:
            event.add("location", ws.location)
        event.add("categories", ["Review" if ws.template_key == "review" else "Sitzung"])
        cal.add_component(event)
    return cal.to_ical()
