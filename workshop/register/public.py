"""The public page of a measure (opt-in) and what became of each public contribution.

A contribution is a card a participant wrote in a public-participation session, shown after
moderation (visible). Its fate: taken into a record field (read from the record's line provenance:
the line's source names the card, or the cluster the card was merged into), merged with another
contribution, or not taken with a reason (both recorded by the facilitator: CardFate). No names:
the page shows texts only, never who wrote them."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.activities.cards import VISIBLE
from workshop.activities.models import Card
from workshop.i18n import N_
from workshop.measures import record as record_ops
from workshop.measures.messages import RecordRefused
from workshop.measures.models import Measure, PublicMeasure
from workshop.measures.publication import is_public, public_path  # noqa: F401  (the register's pages ask here)
from workshop.register.models import CardFate

PUBLIC_TEMPLATE = "public_participation"
REASON_MAX = 500
FATES = ("merged", "rejected", "open")


class FateRefused(RecordRefused):
    def __init__(self, msgid: str, **params):
        super().__init__("invalid_fate", msgid, **params)


def set_public(db: Session, measure: Measure, public: bool, author_id: int | None) -> None:
    row = db.get(PublicMeasure, measure.id)
    if public and row is None:
        db.add(PublicMeasure(measure_id=measure.id, published_by=author_id))
    elif not public and row is not None:
        db.delete(row)
    db.flush()


def publishable_fields(measure: Measure) -> list:
    """The record fields an owner may put on the public page (the status shows anyway)."""
    return [f for f in record_ops.template_of(measure).fields if f.type != "status"]


def set_published_fields(db: Session, measure: Measure, keys: list[str]) -> None:
    """Which record fields the public page shows; FateRefused names a field that is no field."""
    row = db.get(PublicMeasure, measure.id)
    if row is None:
        raise FateRefused(N_("Die Maßnahme hat keine öffentliche Seite; bitte zuerst einschalten."))
    known = {f.key for f in publishable_fields(measure)}
    unknown = [key for key in keys if key not in known]
    if unknown:
        raise FateRefused(N_("Der Steckbrief hat kein Feld „%(field)s“."), field=unknown[0])
    row.published_fields = [f.key for f in publishable_fields(measure) if f.key in set(keys)]
    db.flush()


def published_fields(db: Session, measure_id: int) -> list[str]:
    row = db.get(PublicMeasure, measure_id)
    return list(row.published_fields or []) if row is not None else []


def public_sessions(db: Session, measure: Measure) -> list:
    from workshop.sessions.models import WorkshopSession  # sessions/ knows measures, not the reverse

    return list(
        db.scalars(
            select(WorkshopSession)
            .where(
                WorkshopSession.measure_id == measure.id,
                WorkshopSession.template_key == PUBLIC_TEMPLATE,
                WorkshopSession.mode != "exercise",
                WorkshopSession.status != "ready",
            )
            .order_by(WorkshopSession.id)
        )
    )


def practice_measure_ids(db: Session) -> set[int]:
    """Exercise measures (workshop.training): left out of the register unless asked for."""
    return set(db.scalars(select(Measure.id).where(Measure.is_exercise.is_(True))))


def contributions(db: Session, session_id: int) -> list[Card]:
    """The public's cards: written by participants, approved by moderation, not deleted."""
    return list(
        db.scalars(
            select(Card)
            .where(
                Card.session_id == session_id,
                Card.participant_id.is_not(None),
                Card.status == VISIBLE,
                Card.deleted_at.is_(None),
            )
            .order_by(Card.id)
        )
    )


def record_fate(
    db: Session, session, card_id: int, kind: str, reason: str, merged_into: int | None, author_id: int | None
) -> CardFate | None:
    """Set (or with kind "open" clear) what became of a contribution; FateRefused says what is wrong."""
    cards = {card.id: card for card in contributions(db, session.id)}
    if card_id not in cards:
        raise FateRefused(N_("Diesen Beitrag gibt es in dieser Sitzung nicht (oder er ist nicht freigegeben)."))
    if kind not in FATES:
        raise FateRefused(N_("Unbekannter Verbleib."))
    row = db.get(CardFate, card_id)
    if kind == "open":
        if row is not None:
            db.delete(row)
            db.flush()
        return None
    reason = " ".join((reason or "").split())
    if kind == "rejected" and not reason:
        raise FateRefused(N_("Bitte eine Begründung angeben, warum der Beitrag nicht übernommen wird."))
    if len(reason) > REASON_MAX:
        raise FateRefused(N_("Die Begründung hat höchstens %(max)s Zeichen."), max=REASON_MAX)
    if kind == "merged":
        if merged_into is None or merged_into not in cards or merged_into == card_id:
            raise FateRefused(
                N_("Bitte einen anderen Beitrag derselben Sitzung wählen, mit dem dieser zusammengeführt wurde.")
            )
    if row is None:
        row = CardFate(card_id=card_id, session_id=session.id)
        db.add(row)
    row.kind, row.reason, row.author_id = kind, reason, author_id
    row.merged_into_id = merged_into if kind == "merged" else None
    db.flush()
    return row


@dataclass
class Contribution:
    number: int
    text: str
    fate: str  # taken | merged | rejected | open
    fields: list[tuple[str, str]] = field(default_factory=list)  # (key, label) it was taken into
    merged_with: int | None = None  # the number of the other contribution
    reason: str = ""


@dataclass
class PublicSession:
    title: str
    date: object
    contributions: list[Contribution]


def _taken_into(values, template, session_id: int) -> dict[tuple[str, int], set[str]]:
    """(card|cluster, id) -> the field keys whose current lines came from it in this session."""
    taken: dict[tuple[str, int], set[str]] = {}
    for f in template.fields:
        for line in values[f.key].lines:
            source = line.get("source") or {}
            if source.get("session_id") != session_id:
                continue
            for kind in ("card", "cluster"):
                if source.get(f"{kind}_id") is not None:
                    taken.setdefault((kind, source[f"{kind}_id"]), set()).add(f.key)
    return taken


def public_view(db: Session, measure: Measure, locale: str) -> dict:
    template = record_ops.template_of(measure)
    values = record_ops.current_values(db, measure)
    description_key = next((k for k in ("short_description", "objective") if template.field(k)), None)
    sessions, shown_fields = [], set()
    for ws in public_sessions(db, measure):
        taken = _taken_into(values, template, ws.id)
        cards = contributions(db, ws.id)
        numbers = {card.id: n for n, card in enumerate(cards, 1)}
        fates = {row.card_id: row for row in db.scalars(select(CardFate).where(CardFate.session_id == ws.id))}
        items = []
        for card in cards:
            keys = taken.get(("card", card.id), set()) | (
                taken.get(("cluster", card.cluster_id), set()) if card.cluster_id else set()
            )
            item = Contribution(numbers[card.id], card.text, "open")
            if keys:
                item.fate = "taken"
                item.fields = [(f.key, f.label_text(locale)) for f in template.fields if f.key in keys]
                shown_fields |= keys
            elif card.id in fates:
                fate = fates[card.id]
                item.fate, item.reason = fate.kind, fate.reason
                item.merged_with = numbers.get(fate.merged_into_id) if fate.merged_into_id else None
            items.append(item)
        sessions.append(PublicSession(ws.title, ws.started_at or ws.created_at, items))
    # What the owner chose to publish, and the fields public contributions went into (their fate).
    chosen = set(published_fields(db, measure.id)) - {description_key}
    shown_fields |= chosen
    return {
        "title": measure.title,
        "status": measure.status,
        "description": values[description_key].value if description_key else "",
        "sessions": sessions,
        "fields": [
            (f.key, f.label_text(locale), values[f.key].value)
            for f in template.fields
            if f.key in shown_fields and values[f.key].value.strip()
        ],
    }


def public_monitoring(db: Session, measure: Measure, locale: str) -> dict:
    """The published part of the monitoring: milestones and indicators marked public (title,
    dates, status; values with date and source), their progress and charts. Never notes, who is
    responsible, evidence, who entered a value, or items the team keeps internal."""
    from workshop.measures import monitoring
    from workshop.monitoring import progress, report

    full = progress.measure_progress(db, measure)
    shown = [ip for ip in full.indicators if ip.indicator["public"]]
    for ip in shown:  # only what the page shows of each value
        ip.state.values = [
            {k: v[k] for k in ("id", "indicator_id", "value", "measured_on", "source")} for v in ip.state.values
        ]
    milestones = [
        {k: m[k] for k in ("id", "title", "planned_date", "actual_date", "status", "weight", "public")}
        for m in full.milestones
        if m["public"]
    ]
    template = record_ops.template_of(measure)
    published = progress.MeasureProgress(
        measure=measure,
        action_field=full.action_field,
        milestones=milestones,
        milestone_share=progress.milestone_share(milestones, template),
        indicators=shown,
        indicator_share=progress.mean([ip.share for ip in shown]),
        overall=None,
    )
    published.overall = progress.mean([published.milestone_share, published.indicator_share])
    return {
        "monitoring": published if (milestones or shown) else None,
        "status_of": {s.key: s for s in template.milestone_statuses},
        "charts": {ip.indicator["id"]: report.chart_svg(ip, locale) for ip in shown},
        "percent": progress.percent,
        "direction_labels": monitoring.DIRECTION_LABELS,
    }
