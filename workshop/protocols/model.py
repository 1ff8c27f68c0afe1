"""The protocol as a document model: a fold over a session's state and log, plus what the
facilitator (or minute-taker) edited on top of it.

Shaped like a German Ergebnisprotokoll: header block (occasion, date, place, start/end,
participants, moderation, minute-taker), one agenda item (TOP) per step with its results,
decisions, dissent and what went into the record, tasks (what / who / by when), open points,
next date, Verteiler, attachments. Each output format is a renderer of this one model; a final
version is this model frozen as JSON (to_dict / from_dict).

What each activity contributes to its TOP is one function per activity type (SECTIONS), so it
can move to the activity itself later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.activities.action_items import session_items
from workshop.activities.cards import HIDDEN, PENDING, live_cards
from workshop.activities.consent import consent_result
from workshop.activities.dot_vote import vote_totals
from workshop.activities.models import Card
from workshop.activities.poll import counts as poll_counts
from workshop.activities.registry import activity_for
from workshop.i18n import localized
from workshop.measures.models import Measure, RecordRevision
from workshop.measures.record import template_of
from workshop.protocols.wording import LOCAL_TIME, Wording
from workshop.sessions.models import Participant, WorkshopSession

UNIT_NAMES = {
    1: "Rahmen setzen",
    2: "Wissen zusammenführen",
    3: "Gemeinsam formulieren",
    4: "Mandat",
    5: "Öffentlichkeitsbeteiligung",
}


@dataclass
class ProtocolCard:
    text: str
    column: str | None = None
    notes: list[str] = field(default_factory=list)  # "5 Punkte", the author, "von Papier übertragen"


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


@dataclass
class Attendee:
    name: str
    organisation: str = ""


@dataclass
class Task:
    what: str
    who: str
    due: str


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


@dataclass
class Fold:
    """What every per-activity function may read while the protocol is built."""

    db: Session
    ws: WorkshopSession
    w: Wording
    names: dict[int, str | None]
    votes: dict[str, dict[int, int]]
    captured_card_ids: set
    open_points: list[str] = field(default_factory=list)
    tasks: list[Task] = field(default_factory=list)


def _votes_by_source(db: Session, ws: WorkshopSession) -> dict[str, dict[int, int]]:
    """For each brainstorm step: card id -> votes it got in the vote step(s) on it."""
    votes: dict[str, dict[int, int]] = {}
    for step in ws.steps:
        if step["type"] == "dot_vote":
            totals = votes.setdefault(step["source"], {})
            for card_id, count in vote_totals(db, ws.id, step["key"]).items():
                totals[card_id] = totals.get(card_id, 0) + count
    return votes


def _points(w: Wording, n: int) -> str:
    return w.ngettext("%(num)d Punkt", "%(num)d Punkte", n)


# --- one function per activity: what its step adds to its TOP -------------------------------


def brainstorm_section(f: Fold, step: dict, item: AgendaItem) -> None:
    """The contributions (sorted by the votes they later got) are the result; unreleased
    contributions are counted by why they were not released, never silently dropped."""
    columns = {c["key"]: localized(c["title"], f.w.language) for c in step.get("columns", [])}
    step_votes = f.votes.get(step["key"])
    cards = live_cards(f.db, f.ws.id, step["key"])
    if step_votes is not None:
        cards.sort(key=lambda c: (-step_votes.get(c.id, 0), c.id))
    for card in cards:
        notes = [_points(f.w, step_votes.get(card.id, 0))] if step_votes is not None else []
        if card.participant_id is not None and f.names.get(card.participant_id):
            notes.append(f.names[card.participant_id])
        item.cards.append(ProtocolCard(card.text, columns.get(card.column_key) if len(columns) > 1 else None, notes))
    unreleased = f.db.scalars(
        select(Card.status).where(
            Card.session_id == f.ws.id,
            Card.step_key == step["key"],
            Card.deleted_at.is_(None),
            Card.status.in_((PENDING, HIDDEN)),
        )
    ).all()
    pending, hidden = unreleased.count(PENDING), unreleased.count(HIDDEN)
    if pending:
        item.withheld.append(
            f.w.ngettext(
                "%(num)d Beitrag wurde nicht freigegeben: von der Moderation noch nicht geprüft.",
                "%(num)d Beiträge wurden nicht freigegeben: von der Moderation noch nicht geprüft.",
                pending,
            )
        )
    if hidden:
        item.withheld.append(
            f.w.ngettext(
                "%(num)d Beitrag wurde nicht freigegeben: von der Moderation zurückgehalten.",
                "%(num)d Beiträge wurden nicht freigegeben: von der Moderation zurückgehalten.",
                hidden,
            )
        )


def dot_vote_section(f: Fold, step: dict, item: AgendaItem) -> None:
    ranked = activity_for(step).results(f.db, f.ws, step)
    top = (step.get("capture") or {}).get("top") or len(ranked)
    item.cards = [ProtocolCard(r.text, None, [_points(f.w, r.votes)]) for r in ranked]
    item.results = [f"{r.text} ({_points(f.w, r.votes)})" for r in ranked[:top] if r.votes]
    if not any(r.votes for r in ranked):
        item.results = [f.w.gettext("Es wurden keine Punkte vergeben.")]
    f.open_points += [r.text for r in ranked if r.card_id is not None and r.card_id not in f.captured_card_ids]


def consent_section(f: Fold, step: dict, item: AgendaItem) -> None:
    result = consent_result(f.db, f.ws, step)
    for option in result["options"]:
        if option["mean"] is None:
            line = f.w.gettext("%(option)s: keine Bewertung", option=option["text"])
        else:
            line = f.w.gettext(
                "%(option)s: Widerstand %(total)d, Durchschnitt %(mean)s",
                option=option["text"],
                total=option["total"],
                mean=f.w.decimal(option["mean"]),
            )
            if option["abstentions"]:
                line += " (" + f.w.ngettext("%(num)d Enthaltung", "%(num)d Enthaltungen", option["abstentions"]) + ")"
        if option["card_id"] == result["winner"]:
            line += " – " + f.w.gettext("geringster Widerstand")
        item.results.append(line)
    if result["tied"]:
        item.results.append(f.w.gettext("Gleichstand beim geringsten Widerstand: keine Entscheidung."))
    if not result["raters"]:
        item.results = [f.w.gettext("Es wurden keine Bewertungen abgegeben.")]


def _is_scale(options: list[str]) -> bool:
    return len(options) > 2 and all(o.isdigit() for o in options)


def poll_section(f: Fold, step: dict, item: AgendaItem) -> None:
    """A scale (fist of five: options 0–5) gets its mean and only the values someone chose;
    a choice poll gets each option with its count."""
    options = [localized(o, f.w.language) for o in step["options"]]
    tally = poll_counts(f.db, f.ws.id, step)
    answers = sum(tally) if not step.get("multiple") else None
    if not any(tally):
        item.results = [f.w.gettext("Es wurden keine Stimmen abgegeben.")]
        return
    if _is_scale(options):
        total = sum(tally)
        mean = sum(int(o) * n for o, n in zip(options, tally, strict=True)) / total
        spread = ", ".join(f"{o}: {n}" for o, n in zip(options, tally, strict=True) if n)
        item.results = [
            f.w.ngettext(
                "%(num)d Stimme, Durchschnitt %(mean)s (%(spread)s)",
                "%(num)d Stimmen, Durchschnitt %(mean)s (%(spread)s)",
                total,
                mean=f.w.decimal(mean),
                spread=spread,
            )
        ]
        return
    item.results = [
        f"{o}: " + f.w.ngettext("%(num)d Stimme", "%(num)d Stimmen", n)
        for o, n in sorted(zip(options, tally, strict=True), key=lambda pair: -pair[1])
    ]
    if answers is None:
        item.results.append(f.w.gettext("Mehrfachauswahl möglich."))


def action_items_section(f: Fold, step: dict, item: AgendaItem) -> None:
    for task in session_items(f.db, f.ws.id, step["key"]):
        due = f"{task.due[8:10]}.{task.due[5:7]}.{task.due[0:4]}" if task.due else "–"
        f.tasks.append(Task(task.what, task.who, due))
        by = f.w.gettext("bis")
        item.results.append(f"{task.what} – {task.who}" + (f" – {by} {due}" if task.due else ""))


def summary_section(f: Fold, step: dict, item: AgendaItem) -> None:
    """The summary step shows what went into the record; its captures say it."""


def generic_section(f: Fold, step: dict, item: AgendaItem) -> None:
    item.results = [r.text for r in activity_for(step).results(f.db, f.ws, step)]


SECTIONS: dict[str, Callable[[Fold, dict, AgendaItem], None]] = {
    "brainstorm": brainstorm_section,
    "draft": brainstorm_section,
    "dot_vote": dot_vote_section,
    "consent": consent_section,
    "poll": poll_section,
    "action_items": action_items_section,
    "summary": summary_section,
}


def _captures(f: Fold, step: dict, revisions: list[RecordRevision], record_template) -> list[Capture]:
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


def build_protocol(
    db: Session, ws: WorkshopSession, edits: dict | None = None, language: str = "de", attachments: list | None = None
) -> Protocol:
    """The draft: generated from the session, with `edits` (ProtocolDraft.edits) applied."""
    edits = edits or {}
    w = Wording(language)
    _ = w.gettext
    measure = db.get(Measure, ws.measure_id)
    record_template = template_of(measure)
    participants = db.scalars(select(Participant).where(Participant.session_id == ws.id)).all()
    names = {p.id: p.display_name for p in participants}
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
        SECTIONS.get(step["type"], generic_section)(f, step, item)
        item.captures = _captures(f, step, revisions, record_template)
        if step.get("capture") and not item.captures and step["type"] != "summary":
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
        agenda.append(item)

    unit = ws.template.get("unit")
    unit_title = localized(ws.template.get("title"), w.language)
    units = ws.template.get("units") or [unit]  # a combined agenda: its first unit's title is not its name
    unit_line = f"{unit}. {unit_title if w.language != 'de' else UNIT_NAMES.get(unit, unit_title)}"
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
        generated_at=f"{w.date(datetime.now(LOCAL_TIME))} {w.time(datetime.now(LOCAL_TIME))}",
    )
