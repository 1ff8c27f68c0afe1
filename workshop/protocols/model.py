"""The protocol as a document model: a fold over a session's state and log, plus what the
facilitator (or minute-taker) edited on top of it.

Shaped like a German Ergebnisprotokoll: header block (occasion, date, place, start/end,
participants, moderation, minute-taker), one agenda item (TOP) per step with its results,
decisions, dissent and what went into the record, tasks (what / who / by when), open points,
next date, Verteiler, attachments. Each output format is a renderer of this one model; a final
version is this model frozen as JSON (to_dict / from_dict).

What each activity contributes to its TOP is its own: Activity.protocol() in its module
(workshop/activities/protocol.py is what it writes with).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.activities.protocol import Fold, ProtocolCard, Task, points
from workshop.activities.registry import activity_for
from workshop.db import get_row
from workshop.i18n import localized
from workshop.measures.models import Measure, RecordRevision
from workshop.measures.record import template_of
from workshop.protocols.wording import Wording
from workshop.sessions.models import Participant, WorkshopSession
from workshop.timezone import now_local

UNIT_NAMES = {
    1: "Rahmen setzen",
    2: "Wissen zusammenführen",
    3: "Gemeinsam formulieren",
    4: "Mandat",
    5: "Öffentlichkeitsbeteiligung",
}


@dataclass
class Capture:
    field_label: str
    lines: list[str]


@dataclass
class AgendaItem:
    number: int
    key: str
    title: str
    prompt: str
    kind: str
    cards: list[ProtocolCard] = field(default_factory=list)
    results: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    dissent: list[str] = field(default_factory=list)
    notes: str = ""
    captures: list[Capture] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)  # unreleased contributions, counted by reason
    # The contributions in one sentence (how many, per column, the most dots); the cards themselves
    # stand in the annex (Protocol.annex), so a TOP reads as its results.
    summary: str = ""

    def by_column(self) -> list[tuple[str | None, list[ProtocolCard]]]:
        """The contributions grouped by their column, in the order the columns first appear (the
        annex gives each column a heading instead of repeating it before every card)."""
        groups: dict[str | None, list[ProtocolCard]] = {}
        for card in self.cards:
            groups.setdefault(card.column, []).append(card)
        return list(groups.items())

    def empty(self) -> bool:
        """Nothing to report (a welcome, an input, a break): the protocol gives it one line."""
        return not (
            self.cards or self.results or self.decisions or self.dissent or self.notes or self.captures or self.withheld
        )


@dataclass
class Attendee:
    name: str
    organisation: str = ""


@dataclass
class AttachmentRef:
    id: int
    caption: str


@dataclass
class Protocol:
    language: str
    labels: dict[str, str]
    title: str
    occasion: str
    measure_title: str
    reference_number: str | None
    unit: str
    date: str
    place: str
    start: str
    end: str
    participants: str  # "3 (namentlich: Alex)"
    moderation: str
    minute_taker: str
    agenda: list[AgendaItem]
    open_points: list[str]
    generated_at: str
    tasks: list[Task] = field(default_factory=list)
    attendees: list[Attendee] = field(default_factory=list)
    distribution: list[str] = field(default_factory=list)
    next_date: str = ""
    attachments: list[AttachmentRef] = field(default_factory=list)
    status: str = "draft"  # draft | final
    version: int | None = None
    annex: bool = True  # the contributions in full, after the protocol (the facilitator may leave it out)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Protocol:
        data = dict(data)
        data["agenda"] = [
            AgendaItem(
                **{
                    **item,
                    "cards": [ProtocolCard(**c) for c in item["cards"]],
                    "captures": [Capture(**c) for c in item["captures"]],
                }
            )
            for item in data["agenda"]
        ]
        data["tasks"] = [Task(**t) for t in data.get("tasks", [])]
        data["attendees"] = [Attendee(**a) for a in data.get("attendees", [])]
        data["attachments"] = [AttachmentRef(**a) for a in data.get("attachments", [])]
        return cls(**data)


def _votes_by_source(db: Session, ws: WorkshopSession) -> dict[str, dict[int, int]]:
    """For each brainstorm step: card id -> votes it got in the vote step(s) on it."""
    votes: dict[str, dict[int, int]] = {}
    for step in ws.steps:
        step_votes = activity_for(step).votes_on_source(db, ws, step)
        if step_votes is not None:
            totals = votes.setdefault(step["source"], {})
            for card_id, count in step_votes.items():
                totals[card_id] = totals.get(card_id, 0) + count
    return votes


def _captures(f: Fold, step: dict, revisions: Sequence[RecordRevision], record_template) -> list[Capture]:
    """Per field, only the lines this step put there: an appended field lists each step's own
    lines in that step's TOP instead of the whole field again in every TOP."""
    latest: dict[str, RecordRevision] = {}
    for revision in revisions:
        if revision.source_step_key == step["key"]:
            latest[revision.field_key] = revision
    captures = []
    for field_key, revision in latest.items():
        record_field = record_template.field(field_key)
        label = localized(record_field.label, f.w.language) if record_field else field_key
        lines = [
            line["text"]
            for line in revision.lines or []
            if (line.get("source") or {}).get("step_key") == step["key"]
            and (line.get("source") or {}).get("session_id") in (f.ws.id, None)
        ]
        if lines:
            captures.append(Capture(label, lines))
    return captures


def _lines(value) -> list[str]:
    return [line for line in (value or []) if line.strip()]


MOST_VOTED = 3  # a TOP's summary names this many of its most-dotted contributions


def _summary(w: Wording, cards: list[ProtocolCard], annex: bool) -> str:
    """ "14 Beiträge (Gehört dazu: 8, Gehört nicht dazu: 6) – die meisten Punkte: … – im Wortlaut
    in der Anlage": the contributions of a TOP in one sentence."""
    if not cards:
        return ""
    parts = [w.ngettext("%(num)d Beitrag", "%(num)d Beiträge", len(cards))]
    columns: dict[str, int] = {}
    for card in cards:
        if card.column:
            columns[card.column] = columns.get(card.column, 0) + 1
    if 1 < len(columns) <= 6:
        parts[0] += " (" + ", ".join(f"{name}: {count}" for name, count in columns.items()) + ")"
    voted = sorted((c for c in cards if c.votes), key=lambda c: -(c.votes or 0))[:MOST_VOTED]
    if voted:
        most = "; ".join(f"{c.text} ({points(w, c.votes or 0)})" for c in voted)
        parts.append(w.gettext("die meisten Punkte: %(cards)s", cards=most))
    if annex:
        parts.append(w.gettext("im Wortlaut in der Anlage"))
    return " – ".join(parts)


def build_protocol(
    db: Session, ws: WorkshopSession, edits: dict | None = None, language: str = "de", attachments: list | None = None
) -> Protocol:
    """The draft: generated from the session, with `edits` (ProtocolDraft.edits) applied."""
    edits = edits or {}
    w = Wording(language)
    _ = w.gettext
    measure = get_row(db, Measure, ws.measure_id)
    record_template = template_of(measure)
    participants = db.scalars(select(Participant).where(Participant.session_id == ws.id)).all()
    # A name only of who agreed on the join page to be named in the protocol (docs/privacy.md).
    names = {p.id: p.display_name if p.named_in_protocol else None for p in participants}
    annex = edits.get("annex", True) is not False
    revisions = db.scalars(
        select(RecordRevision).where(RecordRevision.source_session_id == ws.id).order_by(RecordRevision.id)
    ).all()
    captured = {(line.get("source") or {}).get("card_id") for r in revisions for line in (r.lines or [])}
    f = Fold(db, ws, w, names, _votes_by_source(db, ws), captured)

    agenda: list[AgendaItem] = []
    for number, step in enumerate(ws.steps, start=1):
        item = AgendaItem(
            number,
            step["key"],
            localized(step["title"], w.language),
            localized(step.get("prompt"), w.language),
            step["type"],
        )
        activity = activity_for(step)
        activity.protocol(f, step, item)
        item.captures = _captures(f, step, revisions, record_template)
        if step.get("capture") and not item.captures and activity.capturable:
            f.open_points.append(
                _("Ergebnis von „%(title)s“ noch nicht in den Steckbrief übernommen.", title=item.title)
            )
        top_edits = (edits.get("tops") or {}).get(step["key"]) or {}
        if top_edits.get("results") is not None:
            item.results = _lines(top_edits["results"])
        item.decisions = _lines(top_edits.get("decisions"))
        item.dissent = _lines(top_edits.get("dissent"))
        item.notes = (top_edits.get("notes") or "").strip()
        item.cards += [ProtocolCard(text, None, [w.labels()["from_paper"]]) for text in _lines(top_edits.get("paper"))]
        item.summary = _summary(w, item.cards, annex)
        agenda.append(item)

    unit = ws.template.get("unit")
    unit_title = localized(ws.template.get("title"), w.language)
    units = ws.template.get("units") or [unit]  # a combined agenda: its first unit's title is not its name
    unit_line = f"{unit}. {UNIT_NAMES.get(unit, unit_title) if w.language == 'de' and unit else unit_title}"
    occasion = f"{measure.title} – {w.labels()['unit']} {unit}: {unit_title}"
    if len(units) > 1:
        unit_line = " + ".join(f"{u}. {UNIT_NAMES[u]}" if w.language == "de" else str(u) for u in units)
        occasion = f"{measure.title} – {ws.title}"
    attendance = edits.get("attendance") or {}
    count = attendance.get("count")
    count = len(participants) if count is None else count
    named = sorted(name for name in names.values() if name)
    header = edits.get("header") or {}
    labels = w.labels()
    open_points = f.open_points if edits.get("open_points") is None else _lines(edits["open_points"])
    return Protocol(
        language=w.language,
        labels=labels,
        title=f"{labels['title']}: {ws.title}",
        occasion=occasion,
        measure_title=measure.title,
        reference_number=measure.reference_number,
        unit=unit_line,
        date=w.date(ws.started_at or ws.created_at),
        place=header.get("place") or ws.location or "–",
        start=w.time(ws.started_at),
        end=w.time(ws.ended_at) if ws.ended_at else _("läuft noch"),
        participants=f"{count}" + (f" ({labels['named']}: {', '.join(named)})" if named else ""),
        moderation=ws.facilitator.display_name,
        minute_taker=header.get("minute_taker")
        or _("automatisch erstellt (Workshop), verantwortlich: %(name)s", name=ws.facilitator.display_name),
        agenda=agenda,
        open_points=open_points,
        tasks=f.tasks,
        attendees=[Attendee(a.get("name", ""), a.get("organisation", "")) for a in attendance.get("people") or []],
        distribution=_lines(edits.get("distribution")),
        next_date=(edits.get("next_date") or "").strip(),
        attachments=[AttachmentRef(a.id, a.caption) for a in attachments or []],
        generated_at=f"{w.date(now_local())} {w.time(now_local())}",
        annex=annex,
    )
