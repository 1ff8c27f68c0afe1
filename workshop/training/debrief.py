"""The debrief of a session, read from its event log: time per step, who contributed how much,
what the facilitator did, and what the observers noted — on one timeline.

Participation is anonymised (Person 1, 2, … by how much they contributed) and summed up by the
Gini coefficient: 0 when everybody contributed the same, towards 1 when one person did it all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workshop.accounts.models import Facilitator
from workshop.activities.models import ActionItem, Card, PollAnswer, Rating, Vote
from workshop.db import utcnow
from workshop.i18n import current_locale, localized
from workshop.live.models import Event
from workshop.sessions.models import Participant, WorkshopSession
from workshop.sessions.runtime import step_state
from workshop.training.models import ObserverNote

INTERVENTIONS = (
    "session.reset",
    "session.started",
    "step.changed",
    "step.locked",
    "step.revealed",
    "timer.changed",
    "card.hidden",
    "spotlight.changed",
    "record.captured",
    "session.ended",
)


@dataclass
class StepTime:
    title: str
    planned_seconds: int
    actual_seconds: float

    @property
    def difference_seconds(self) -> float:
        return self.actual_seconds - self.planned_seconds


@dataclass
class Moment:
    offset_seconds: float  # since the session started (negative: before)
    kind: str  # intervention | note
    text: str
    author: str = ""


@dataclass
class Debrief:
    ws: WorkshopSession
    steps: list[StepTime]
    contributions: list[int]  # per participant, most first
    gini: float
    timeline: list[Moment] = field(default_factory=list)

    @property
    def participants(self) -> int:
        return len(self.contributions)

    @property
    def silent_participants(self) -> int:
        return sum(1 for count in self.contributions if count == 0)


def gini(values: list[int]) -> float:
    """Gini coefficient of non-negative counts (0 = equal; 1 - 1/n = one person did everything)."""
    values = sorted(values)
    n, total = len(values), sum(values)
    if n == 0 or total == 0:
        return 0.0
    weighted = sum((index + 1) * value for index, value in enumerate(values))
    return round((2 * weighted) / (n * total) - (n + 1) / n, 3)


def _contributions(db: Session, session_id: int) -> list[int]:
    people = {pid: 0 for pid in db.scalars(select(Participant.id).where(Participant.session_id == session_id))}
    counters = (
        select(Card.participant_id, func.count()).where(Card.session_id == session_id).group_by(Card.participant_id),
        select(Vote.participant_id, func.sum(Vote.count))
        .where(Vote.session_id == session_id)
        .group_by(Vote.participant_id),
        select(Rating.participant_id, func.count())
        .where(Rating.session_id == session_id)
        .group_by(Rating.participant_id),
        select(PollAnswer.participant_id, func.count())
        .where(PollAnswer.session_id == session_id)
        .group_by(PollAnswer.participant_id),
        select(ActionItem.participant_id, func.count())
        .where(ActionItem.session_id == session_id)
        .group_by(ActionItem.participant_id),
    )
    for query in counters:
        for pid, count in db.execute(query):
            if pid in people:
                people[pid] += int(count or 0)
    return sorted(people.values(), reverse=True)


def _step_title(ws: WorkshopSession, key: str | None) -> str:
    step = ws.step(key) if key else None
    return localized(step["title"], current_locale()) if step else (key or "")


def describe(ws: WorkshopSession, event: Event) -> str:
    p = event.payload or {}
    title = _step_title(ws, p.get("step_key"))
    if event.type == "session.reset":
        return _("Übung auf den Anfang zurückgesetzt")
    if event.type == "session.started":
        return _("Sitzung gestartet")
    if event.type == "session.ended":
        return _("Sitzung beendet")
    if event.type == "step.changed":
        return _("Weiter zu „%(step)s“", step=title)
    if event.type == "step.locked":
        return (
            _("Eingabe gesperrt: %(step)s", step=title)
            if p.get("locked")
            else _("Eingabe freigegeben: %(step)s", step=title)
        )
    if event.type == "step.revealed":
        return _("Aufgedeckt: %(step)s", step=title)
    if event.type == "timer.changed":
        timer = p.get("timer") or {}
        if timer.get("running_since"):
            return _(
                "Timer läuft: %(step)s (%(minutes)s Min. übrig)",
                step=title,
                minutes=round((timer.get("remaining") or 0) / 60, 1),
            )
        return _("Timer angehalten: %(step)s", step=title)
    if event.type == "card.hidden":
        return _("Beitrag ausgeblendet")
    if event.type == "spotlight.changed":
        return _("Scheinwerfer auf einen Beitrag") if p.get("spotlight") else _("Scheinwerfer aus")
    if event.type == "record.captured":
        return _("In den Steckbrief übernommen: %(step)s", step=title)
    return event.type


def build_debrief(db: Session, ws: WorkshopSession) -> Debrief:
    now = utcnow()
    steps = []
    for step in ws.steps:
        state = step_state(ws, step["key"])
        seconds = state.get("seconds", 0) or 0
        if state.get("entered_at") and ws.status == "live":
            seconds += (now - datetime.fromisoformat(state["entered_at"])).total_seconds()
        steps.append(
            StepTime(localized(step["title"], current_locale()), int((step.get("timebox_minutes") or 0) * 60), seconds)
        )
    contributions = _contributions(db, ws.id)
    start = ws.started_at or ws.created_at
    # A practice session reset (its event) starts a new run: the debrief is the current run's.
    since = db.scalar(select(func.max(Event.seq)).where(Event.session_id == ws.id, Event.type == "session.reset")) or 0
    events = db.scalars(
        select(Event)
        .where(Event.session_id == ws.id, Event.seq > since, Event.type.in_(INTERVENTIONS))
        .order_by(Event.seq)
    ).all()
    timeline = [Moment((e.created_at - start).total_seconds(), "intervention", describe(ws, e)) for e in events]
    names = {fid: name for fid, name in db.execute(select(Facilitator.id, Facilitator.display_name))}
    notes = select(ObserverNote).where(ObserverNote.session_id == ws.id, ObserverNote.seq >= since)
    for note in db.scalars(notes.order_by(ObserverNote.id)):
        author = names.get(note.author_id, "") if note.author_id else ""
        timeline.append(Moment((note.created_at - start).total_seconds(), "note", note.text, author))
    timeline.sort(key=lambda m: m.offset_seconds)
    return Debrief(ws, steps, contributions, gini(contributions), timeline)


def clock(seconds: float) -> str:
    sign = "−" if seconds < 0 else ""
    seconds = abs(int(round(seconds)))
    return (
        f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        if seconds >= 3600
        else f"{sign}{seconds // 60}:{seconds % 60:02d}"
    )


def debrief_markdown(debrief: Debrief) -> str:
    ws = debrief.ws
    practice = _("Übung") + " – " if ws.mode == "exercise" else ""
    lines = [f"# {practice}{_('Nachbesprechung')}: {ws.title}", ""]
    lines += [
        f"## {_('Zeit je Schritt')}",
        "",
        f"| {_('Schritt')} | {_('geplant')} | {_('tatsächlich')} | {_('Differenz')} |",
        "| --- | --- | --- | --- |",
    ]
    for step in debrief.steps:
        lines.append(
            f"| {step.title} | {clock(step.planned_seconds)} | {clock(step.actual_seconds)} | "
            f"{clock(step.difference_seconds)} |"
        )
    lines += [
        "",
        f"## {_('Beteiligung')}",
        "",
        _(
            "%(people)s Teilnehmende, davon %(silent)s ohne Beitrag; Gini-Koeffizient %(gini)s "
            "(0 = alle gleich viel, nahe 1 = eine Person allein).",
            people=debrief.participants,
            silent=debrief.silent_participants,
            gini=f"{debrief.gini:.2f}",
        ),
        "",
    ]
    for index, count in enumerate(debrief.contributions, 1):
        lines.append(f"- {_('Person %(number)s', number=index)}: {count}")
    lines += ["", f"## {_('Zeitleiste')}", ""]
    for moment in debrief.timeline:
        who = f" ({moment.author})" if moment.author else ""
        mark = _("Notiz") if moment.kind == "note" else _("Eingriff")
        lines.append(f"- {clock(moment.offset_seconds)} · {mark}{who}: {moment.text}")
    return "\n".join(lines) + "\n"
