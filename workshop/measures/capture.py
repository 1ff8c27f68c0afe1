"""Capture: a live session's results become lines of the measure record.

The record side of "In den Maßnahmensteckbrief übernehmen" — the live op (live/session_ops.py)
only chooses the step's results and calls plan() / write() here, so a capture gets the same
rules as every other record write (record.set_field): the lock, the status field only through the
status flow, the field types' validation (field_values.check_value), one revision per field.

Capture must not surprise: the field is the one the facilitator picked, else the one the step
names (through the session's field map, fixed when the session was created), never a guess;
append is the default; plan() is also the preview — it computes what each field will hold
afterwards and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from workshop.db import utcnow
from workshop.i18n import N_, localized
from workshop.measures import monitoring
from workshop.measures.field_values import check_value
from workshop.measures.messages import RecordRefused
from workshop.measures.models import Measure
from workshop.measures.record import (
    add_indicator_value,
    current_values,
    record_review,
    save_milestone,
    set_field,
    template_of,
)
from workshop.measures.record_template import RecordField, RecordTemplate
from workshop.measures.status import ensure_editable

APPEND, REPLACE = "append", "replace"
# What a cluster becomes in the record: its title (the default), or its title and its cards, each once.
TITLES, WITH_CARDS = "titles", "cards"
CLUSTER_SHAPES = (TITLES, WITH_CARDS)
# Identification the record keeps for itself (also on the measure row): never filled from cards.
PROTECTED_KEYS = frozenset({"reference_number", "title"})


@dataclass
class Planned:
    """One field of a capture: its lines before and after, and how many lines are new."""

    field: RecordField
    before: list[dict]
    after: list[dict]
    added: int
    mode: str

    def view(self, locale: str = "de") -> dict:
        return {
            "field_key": self.field.key,
            "field_label": self.field.label_text(locale),
            "mode": self.mode,
            "added": self.added,
            "before": [line["text"] for line in self.before],
            "after": [line["text"] for line in self.after],
        }


def field_map(ws) -> dict[str, str]:
    """The session's mapping of the format's field names to this record's fields ("" = none)."""
    return dict((ws.template or {}).get("field_map") or {})


def format_fields(template: dict) -> list[str]:
    """Every record field a session format captures into, in order of its steps."""
    keys: list[str] = []
    for step in template.get("steps", []):
        named = [c.get("field") for c in step.get("columns", []) if c.get("field")]
        named += [(step.get("capture") or {}).get("field")]
        keys += [k for k in named if k and k not in keys]
    return keys


def capturable(field: RecordField | None) -> bool:
    return field is not None and field.type != "status" and field.key not in PROTECTED_KEYS


def incompatible_fields(template: dict, record_template: RecordTemplate) -> list[str]:
    """The format's capture fields this record cannot take (missing, status, reference number)."""
    return [key for key in format_fields(template) if not capturable(record_template.field(key))]


def _capturable_field(record_template: RecordTemplate, key: str) -> RecordField:
    """The field a capture may write, or RecordRefused naming why not."""
    field = record_template.field(key)
    if field is None:
        raise RecordRefused(
            "unknown_field", N_("Der Steckbrief hat kein Feld „%(field)s“; bitte ein anderes Feld wählen."), field=key
        )
    if field.type == "status":
        raise RecordRefused(
            "status_field",
            N_(
                "Der Status ändert sich nur über den Statusablauf auf der Seite "
                "des Steckbriefs (weiterschalten oder wiedereröffnen), nicht "
                "durch Übernehmen von Karten."
            ),
        )
    if field.key in PROTECTED_KEYS:
        raise RecordRefused(
            "protected_field",
            N_("„%(field)s“ wird nicht aus Karten übernommen; bitte ein anderes Feld wählen."),
            field=field.label,
        )
    return field


def _targets(ws, step: dict, items: list, field_key: str | None) -> dict[str, list]:
    """Record field -> the results it takes. Only what the facilitator or the step names."""
    mapping = field_map(ws)
    resolve = lambda key: mapping.get(key, key)  # noqa: E731 — "" means: mapped to no field
    if field_key:
        return {field_key: items}
    column_fields = {c["key"]: c["field"] for c in step.get("columns", []) if c.get("field")}
    if column_fields:
        targets: dict[str, list] = {}
        for item in items:
            target = resolve(column_fields.get(item.column_key, ""))
            if target:
                targets.setdefault(target, []).append(item)
        if targets:
            return targets
    elif target := resolve((step.get("capture") or {}).get("field") or ""):
        return {target: items}
    raise RecordRefused("no_field", N_("Dieser Schritt sieht kein Feld des Steckbriefs vor; bitte ein Feld wählen."))


def _line(ws, step: dict, item, prefix: str | None, clusters: str, with_votes: bool) -> dict:
    text = item.with_members() if clusters == WITH_CARDS else item.text
    return {
        "text": f"{prefix}: {text}" if prefix else text,
        "source": {
            "session_id": ws.id,
            "session_title": ws.title,
            # the unit the step came from: a step appended from another unit names that one
            "unit": step.get("unit") or ws.template.get("unit"),
            "run": None if step.get("unit") else ws.run_number,  # the session's run counts its own unit
            "template": ws.template_key,
            "step_key": step["key"],
            "step_title": localized(step["title"]),
            "card_id": item.card_id,
            "cluster_id": item.cluster_id,
            "votes": item.votes if with_votes else None,
            "captured_at": utcnow().isoformat(),
            **getattr(item, "trace", {}),  # e.g. the cards merged into this one (activities.base.ResultItem)
        },
    }


def _same(text: str) -> str:
    return " ".join(text.split()).casefold()


def _without_repeats(before: list[dict], new_lines: list[dict]) -> list[dict]:
    """New lines minus what the field already says (the same card, or the same words) and minus
    repeats among themselves: a capture never writes a line twice."""
    known_cards = {(line.get("source") or {}).get("card_id") for line in before} - {None}
    known_texts = {_same(line["text"]) for line in before}
    kept = []
    for line in new_lines:
        words = _same(line["text"])
        if line["source"]["card_id"] in known_cards or words in known_texts:
            continue
        known_texts.add(words)
        kept.append(line)
    return kept


def plan(
    db: Session,
    ws,
    measure: Measure,
    step: dict,
    items: list,
    *,
    field_key: str | None = None,
    mode: str | None = None,
    clusters: str | None = None,
    with_votes: bool = False,
) -> list[Planned]:
    """What each field will hold after the capture; refuses (RecordRefused) and writes nothing.
    with_votes: the step's results are ranked by dots (Activity.ranked_by_votes), and each line
    says how many it got."""
    ensure_editable(measure)
    record_template = template_of(measure)
    if not items:
        raise RecordRefused("nothing_to_capture", N_("Der Schritt hat noch kein Ergebnis."))
    targets = _targets(ws, step, items, field_key)
    mode = mode or (step.get("capture") or {}).get("mode") or APPEND
    columns = {c["key"]: localized(c["title"]) for c in step.get("columns", [])}
    prefix_columns = len(columns) > 1 and not any(c.get("field") for c in step.get("columns", []))
    values = current_values(db, measure)
    planned = []
    for key, chosen in targets.items():
        field = _capturable_field(record_template, key)
        new_lines = [
            _line(
                ws, step, item, columns.get(item.column_key) if prefix_columns else None, clusters or TITLES, with_votes
            )
            for item in chosen
        ]
        before = values[key].lines if key in values else []
        if mode == APPEND:
            new_lines = _without_repeats(before, new_lines)
            after = before + new_lines
        else:
            new_lines = _without_repeats([], new_lines)
            after = new_lines
        # The same check a hand edit gets, on what the field will hold (a date is normalised).
        checked = check_value(field, "\n".join(line["text"] for line in after))
        if field.type == "date" and after:
            after = [{**after[-1], "text": checked}]
        planned.append(Planned(field, before, after, len(new_lines), mode))
    return planned


def write(db: Session, ws, measure: Measure, step: dict, planned: list[Planned], author_id: int | None) -> list[dict]:
    """Store a plan: one revision per changed field, through record.set_field."""
    captured = []
    for item in planned:
        revision = set_field(
            db,
            measure,
            item.field.key,
            item.after,
            source_kind="capture",
            author_id=author_id,
            session_id=ws.id,
            step_key=step["key"],
        )
        db.flush()
        captured.append(
            {
                "field_key": item.field.key,
                "field_label": item.field.label,  # {de, en}: each screen shows its language
                "lines": [line["text"] for line in item.after],
                "added": item.added,
                "revision_id": revision.id if revision else None,
            }
        )
    return captured


# --- a review session's results into the monitoring (activities/milestone_review.py) ------------


def _review_source(ws, step: dict, **extra) -> dict:
    return {
        "session_id": ws.id,
        "session_title": ws.title,
        "template": ws.template_key,
        "step_key": step["key"],
        "step_title": localized(step["title"]),
        "captured_at": utcnow().isoformat(),
        **extra,
    }


def capture_milestone(
    db: Session, ws, measure: Measure, step: dict, milestone, status: str, cards: list, author_id: int | None
):
    """The status the group agreed on, and its obstacles and next steps appended to the note.

    Progress, so a mandated measure takes it (record.save_milestone applies the lock to plans)."""
    proposals: dict[str, int] = {}
    lines = []
    for card in cards:
        kind = card.column_key.partition(":")[0]
        if kind == "status":
            proposals[card.text] = proposals.get(card.text, 0) + 1
        elif kind == "obstacle":
            lines.append(f"Hindernis: {card.text}")
        elif kind == "next":
            lines.append(f"Nächster Schritt: {card.text}")
    note = milestone.note or ""
    new = [line for line in lines if line not in note.splitlines()]
    if new:
        stamp = f"Review {utcnow().astimezone(monitoring.LOCAL_TIME).strftime('%d.%m.%Y')} ({ws.title}):"
        note = "\n".join(part for part in (note, stamp, *new) if part)[: monitoring.NOTE_MAX]
    source = _review_source(ws, step, card_ids=[c.id for c in cards], proposals=proposals, milestone_id=milestone.id)
    return save_milestone(
        db,
        measure,
        milestone,
        {"status": status, "note": note},
        source_kind="capture",
        author_id=author_id,
        source=source,
    )


def capture_indicator_value(
    db: Session, ws, measure: Measure, step: dict, indicator, values: dict, trend_cards: list, author_id: int | None
):
    trends: dict[str, int] = {}
    for card in trend_cards:
        trends[card.text] = trends.get(card.text, 0) + 1
    source = _review_source(ws, step, card_ids=[c.id for c in trend_cards], trends=trends)
    return add_indicator_value(
        db,
        measure,
        indicator,
        {
            "value": values.get("value"),
            "measured_on": values.get("measured_on"),
            "source": values.get("source") or f"Review: {ws.title}"[:300],
        },
        author_id=author_id,
        author_name="",
        source_kind="capture",
        source=source,
    )


def capture_review(
    db: Session,
    ws,
    measure: Measure,
    step: dict,
    source_step: dict | None,
    decision: str,
    items: list,
    author_id: int | None,
):
    """The review's decision (continue, adapt, Verstetigung …) with the consent's ranked options."""
    lines = [
        {"text": item.text, "source": {**_review_source(ws, source_step or step), "card_id": item.card_id}}
        for item in items
    ]
    return record_review(db, measure, decision, lines, author_id=author_id, session_id=ws.id, step_key=step["key"])
