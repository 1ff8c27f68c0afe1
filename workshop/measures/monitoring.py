"""After the mandate: a measure's milestones and indicators, and the rules for their values.

What the tables hold and how a value is checked live here; every change goes through the
record operations (measures/record.py: save_milestone, save_indicator, add_indicator_value, …),
which apply the lock rule and write one MonitoringRevision per change with its provenance.

The lock rule for monitoring data (docs/monitoring.md): a milestone's or an indicator's *plan*
(what, when, how much, measured how: PLAN fields, creating and deleting items) is part of what
the mandate granted, so after the mandate it changes only after a recorded reopening, like a
record field. Its *progress* (status, actual date, note, evidence, who is responsible, whether it
is published, measured values) is what implementation is for: a mandated measure records it
without a reopening.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Float, ForeignKey, Index, LargeBinary, String, Text, select, true
from sqlalchemy.orm import Mapped, Session, mapped_column

from workshop.db import Base, utcnow
from workshop.i18n import N_
from workshop.measures.messages import RecordRefused, texts
from workshop.measures.models import Measure
from workshop.measures.record_template import RecordTemplate

LOCAL_TIME = ZoneInfo("Europe/Berlin")  # "as of a date" means the end of that day here

MILESTONE, INDICATOR, VALUE, REVIEW = "milestone", "indicator", "value", "review"
HIGHER, LOWER = "higher", "lower"
DIRECTIONS = (HIGHER, LOWER)

TITLE_MAX, NAME_MAX, UNIT_MAX, RESPONSIBLE_MAX, NOTE_MAX, URL_MAX, SOURCE_MAX = 300, 300, 40, 200, 4000, 500, 300
WEIGHT_MAX = 100.0
VALUE_MAX = 1e15  # far beyond any count or euro amount; keeps a typo like 1e308 out of the charts
MAX_ITEMS = 200  # milestones or indicators per measure
MAX_VALUES = 1000  # measured values per indicator

MILESTONE_PLAN = frozenset({"title", "planned_date", "weight"})
MILESTONE_PROGRESS = frozenset({"status", "actual_date", "note", "evidence_url", "responsible", "public"})
INDICATOR_PLAN = frozenset(
    {"name", "unit", "direction", "baseline_value", "baseline_date", "target_value", "target_date"}
)
INDICATOR_PROGRESS = frozenset({"note", "public"})
MILESTONE_FIELDS = MILESTONE_PLAN | MILESTONE_PROGRESS
INDICATOR_FIELDS = INDICATOR_PLAN | INDICATOR_PROGRESS

# Field names as a person reads them (errors, the revision list, the import preview).
FIELD_LABELS = {
    "title": N_("Titel"),
    "planned_date": N_("Geplant bis"),
    "actual_date": N_("Erreicht am"),
    "status": N_("Stand"),
    "responsible": N_("Verantwortlich"),
    "weight": N_("Gewicht"),
    "note": N_("Notiz"),
    "evidence_url": N_("Nachweis (Link)"),
    "public": N_("Öffentlich"),
    "name": N_("Indikator"),
    "unit": N_("Einheit"),
    "direction": N_("Richtung"),
    "baseline_value": N_("Ausgangswert"),
    "baseline_date": N_("Ausgangsdatum"),
    "target_value": N_("Zielwert"),
    "target_date": N_("Zieldatum"),
    "value": N_("Messwert"),
    "measured_on": N_("Messdatum"),
    "source": N_("Quelle"),
}
DIRECTION_LABELS = {HIGHER: N_("höher ist besser"), LOWER: N_("niedriger ist besser")}


class Milestone(Base):
    """A milestone of a measure: planned, reached, with a status from its record template's matrix."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    planned_date: Mapped[date | None] = mapped_column(Date)
    actual_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(40))
    responsible: Mapped[str] = mapped_column(String(RESPONSIBLE_MAX), default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str] = mapped_column(String(URL_MAX), default="")
    evidence_file_id: Mapped[int | None] = mapped_column(ForeignKey("evidence_files.id", ondelete="SET NULL"))
    public: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Indicator(Base):
    """An indicator of a measure's success: from a baseline towards a target, measured over time."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    unit: Mapped[str] = mapped_column(String(UNIT_MAX), default="")
    direction: Mapped[str] = mapped_column(String(10), default=HIGHER)
    baseline_value: Mapped[float | None] = mapped_column(Float)
    baseline_date: Mapped[date | None] = mapped_column(Date)
    target_value: Mapped[float | None] = mapped_column(Float)
    target_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    public: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IndicatorValue(Base):
    """One measured value of an indicator: what, when measured, from which source, entered by whom."""

    __tablename__ = "indicator_values"
    __table_args__ = (Index("ix_indicator_values_indicator_date", "indicator_id", "measured_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicators.id", ondelete="CASCADE"))
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    value: Mapped[float] = mapped_column(Float)
    measured_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(SOURCE_MAX), default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    source_kind: Mapped[str] = mapped_column(String(20), default="manual")  # manual | capture | import | demo
    provenance: Mapped[dict | None] = mapped_column(default=None)  # {session_id, step_key, …} of a capture
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvidenceFile(Base):
    """A file proving a milestone (a PDF, an image); served only to the measure's team."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(60))  # read from the content
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitoringReview(Base):
    """What a review session (Sachstand und Selbstevaluation) decided about the measure as a whole:
    continue, adapt, make permanent (Verstetigung) … with the lines it came from."""

    __tablename__ = "monitoring_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    step_key: Mapped[str | None] = mapped_column(String(80))
    decision: Mapped[str] = mapped_column(Text, default="")
    lines: Mapped[list] = mapped_column(default=list)  # [{text, source}] as record lines
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MonitoringRevision(Base):
    """One change of a milestone, an indicator, a measured value or a review: before and after,
    which fields, where it came from (by hand, a session's card, an import) and who made it."""

    __tablename__ = "monitoring_revisions"
    __table_args__ = (Index("ix_monitoring_revisions_measure_created", "measure_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id", ondelete="CASCADE"))
    item_kind: Mapped[str] = mapped_column(String(20))  # milestone | indicator | value | review
    item_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(10))  # create | update | delete
    changed: Mapped[list] = mapped_column(default=list)  # field names
    before: Mapped[dict | None] = mapped_column(default=None)
    after: Mapped[dict | None] = mapped_column(default=None)
    source_kind: Mapped[str] = mapped_column(String(20))  # manual | capture | import | demo
    source: Mapped[dict | None] = mapped_column(default=None)  # a capture's {session_id, step_key, card_id, …}
    session_id: Mapped[int | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("facilitators.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- checking values -----------------------------------------------------------------------------


class MonitoringRefused(RecordRefused):
    """A monitoring value that is not allowed; `field` names the field it is about (or None)."""

    def __init__(self, field_key: str | None, msgid: str, **params):
        self.field = field_key
        super().__init__("invalid_value", msgid, **params)


_DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y")
# 12,5 · 12.5 · 1.234,5 · 1 234,5 · -3 — a decimal comma or point, thousands in groups of three
_GROUPED = re.compile(r"^[+-]?\d{1,3}([. \u00a0\u202f]\d{3})+(,\d+)?$")
_PLAIN = re.compile(r"^[+-]?\d+([.,]\d+)?$")


def parse_number(text, field_key: str) -> float:
    """A number as people type it in German or English; MonitoringRefused naming the field."""
    if isinstance(text, bool):
        raise MonitoringRefused(field_key, N_("„%(field)s“: bitte eine Zahl angeben."), field=_label(field_key))
    if isinstance(text, (int, float)):
        number = float(text)
    else:
        raw = " ".join(str(text).split())
        if _GROUPED.match(raw):
            number = float(re.sub(r"[. \u00a0\u202f]", "", raw).replace(",", "."))
        elif _PLAIN.match(raw):
            number = float(raw.replace(",", "."))
        else:
            raise MonitoringRefused(
                field_key,
                N_("„%(field)s“: „%(text)s“ ist keine Zahl (z. B. 12,5 oder 1.250)."),
                field=_label(field_key),
                text=raw[:40],
            )
    if number != number or abs(number) > VALUE_MAX:  # NaN or absurdly large
        raise MonitoringRefused(field_key, N_("„%(field)s“: diese Zahl ist zu groß."), field=_label(field_key))
    return number


def parse_date(text, field_key: str) -> date | None:
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    raw = str(text or "").strip()
    if not raw:
        return None
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    raise MonitoringRefused(
        field_key,
        N_("„%(field)s“: „%(text)s“ ist kein Datum; schreiben Sie es als 2026-11-23 oder 23.11.2026."),
        field=_label(field_key),
        text=raw[:40],
    )


def _label(key: str):
    from workshop.measures.messages import Label

    return Label(FIELD_LABELS.get(key, key))


def _text(values: dict, key: str, maximum: int, *, required: bool = False) -> str:
    raw = values.get(key)
    text = "".join(ch for ch in str(raw or "") if ch in "\n\t" or not (ord(ch) < 32 or 127 <= ord(ch) < 160)).strip()
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise MonitoringRefused(key, N_("„%(field)s“: der Text enthält ungültige Zeichen."), field=_label(key))
    if required and not text:
        raise MonitoringRefused(key, N_("„%(field)s“ fehlt."), field=_label(key))
    if len(text) > maximum:
        raise MonitoringRefused(key, N_("„%(field)s“: höchstens %(max)s Zeichen."), field=_label(key), max=maximum)
    return text


def _flag(raw) -> bool:
    return raw is True or str(raw).strip().lower() in ("1", "true", "on", "ja", "yes", "x")


def check_milestone(template: RecordTemplate, values: dict, existing: Milestone | None = None) -> dict:
    """The checked values of the fields given (all of a new milestone's); MonitoringRefused names
    the first field that is wrong and why."""
    out: dict = {}
    given = set(values) & MILESTONE_FIELDS
    if existing is None:
        given |= {"title"}
    for key in sorted(given):
        if key == "title":
            out[key] = " ".join(_text(values, key, TITLE_MAX, required=True).split())
        elif key in ("planned_date", "actual_date"):
            out[key] = parse_date(values.get(key), key)
        elif key == "status":
            wanted = str(values.get(key) or "").strip()
            found = template.milestone_status(wanted) or next(
                (
                    s
                    for s in template.milestone_statuses
                    if wanted.casefold() in {v.casefold() for v in s.label.values()}
                ),
                None,
            )
            if found is None:
                raise MonitoringRefused(
                    key,
                    N_("„%(field)s“: „%(text)s“ gibt es nicht; möglich sind: %(choices)s."),
                    field=_label(key),
                    text=wanted[:40],
                    choices=", ".join(s.label["de"] for s in template.milestone_statuses),
                )
            out[key] = found.key
        elif key == "responsible":
            text = " ".join(_text(values, key, RESPONSIBLE_MAX).split())
            if "@" in text:
                raise MonitoringRefused(
                    key, N_("„%(field)s“: nur Namen, Stellen oder Gremien, keine E-Mail-Adressen."), field=_label(key)
                )
            out[key] = text
        elif key == "weight":
            raw = values.get(key)
            weight = 1.0 if raw in (None, "") else parse_number(raw, key)
            if not 0 < weight <= WEIGHT_MAX:
                raise MonitoringRefused(
                    key, N_("„%(field)s“: eine Zahl über 0 bis %(max)s."), field=_label(key), max=int(WEIGHT_MAX)
                )
            out[key] = weight
        elif key == "note":
            out[key] = _text(values, key, NOTE_MAX)
        elif key == "evidence_url":
            out[key] = check_url(_text(values, key, URL_MAX))
        elif key == "public":
            out[key] = _flag(values.get(key))
    if existing is None:
        out.setdefault("status", template.milestone_statuses[0].key)
        out.setdefault("weight", 1.0)
    actual = out.get("actual_date", existing.actual_date if existing else None)
    status_key = out.get("status", existing.status if existing else None)
    kind = template.milestone_status(status_key or "")
    if actual is not None and actual > date.today() + timedelta(days=1):
        raise MonitoringRefused("actual_date", N_("„%(field)s“ liegt in der Zukunft."), field=_label("actual_date"))
    if kind is not None and kind.done and actual is None and "status" in out:
        out["actual_date"] = date.today()  # reached now, unless a date was given
    return out


def check_url(text: str) -> str:
    if not text:
        return ""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(ch.isspace() for ch in text):
        raise MonitoringRefused(
            "evidence_url",
            N_("„%(field)s“: bitte eine Adresse, die mit https:// oder http:// beginnt."),
            field=_label("evidence_url"),
        )
    return text


def check_indicator(values: dict, existing: Indicator | None = None) -> dict:
    out: dict = {}
    given = set(values) & INDICATOR_FIELDS
    if existing is None:
        given |= {"name"}
    for key in sorted(given):
        if key == "name":
            out[key] = " ".join(_text(values, key, NAME_MAX, required=True).split())
        elif key == "unit":
            out[key] = " ".join(_text(values, key, UNIT_MAX).split())
        elif key == "direction":
            word = str(values.get(key) or HIGHER).strip().lower()
            aliases = {
                "höher": HIGHER,
                "hoch": HIGHER,
                "up": HIGHER,
                "niedriger": LOWER,
                "niedrig": LOWER,
                "down": LOWER,
            }
            direction = aliases.get(word, word)
            if direction not in DIRECTIONS:
                raise MonitoringRefused(
                    key,
                    N_("„%(field)s“: „higher“ (höher ist besser) oder „lower“ (niedriger ist besser)."),
                    field=_label(key),
                )
            out[key] = direction
        elif key in ("baseline_value", "target_value"):
            raw = values.get(key)
            out[key] = None if raw in (None, "") else parse_number(raw, key)
        elif key in ("baseline_date", "target_date"):
            out[key] = parse_date(values.get(key), key)
        elif key == "note":
            out[key] = _text(values, key, NOTE_MAX)
        elif key == "public":
            out[key] = _flag(values.get(key))
    merged: dict = {k: getattr(existing, k) for k in INDICATOR_FIELDS} if existing else {"direction": HIGHER}
    merged.update(out)
    baseline: float | None = merged.get("baseline_value")
    target: float | None = merged.get("target_value")
    if baseline is not None and target is not None:
        if baseline == target:
            raise MonitoringRefused(
                "target_value", N_("Zielwert und Ausgangswert sind gleich: es gäbe keinen Weg zum Ziel.")
            )
        if (merged["direction"] == HIGHER) != (target > baseline):
            raise MonitoringRefused(
                "direction",
                N_("Die Richtung passt nicht zu Ausgangs- und Zielwert (%(baseline)s → %(target)s)."),
                baseline=_number_text(baseline),
                target=_number_text(target),
            )
    start, end = merged.get("baseline_date"), merged.get("target_date")
    if start is not None and end is not None and end <= start:
        raise MonitoringRefused("target_date", N_("Das Zieldatum liegt nicht nach dem Ausgangsdatum."))
    return out


def check_value(values: dict) -> dict:
    """A measured value: value, measured_on (default today), source."""
    raw = values.get("value")
    if raw in (None, ""):
        raise MonitoringRefused("value", N_("„%(field)s“ fehlt."), field=_label("value"))
    measured_on = parse_date(values.get("measured_on"), "measured_on") or date.today()
    if measured_on > date.today() + timedelta(days=1):
        raise MonitoringRefused("measured_on", N_("„%(field)s“ liegt in der Zukunft."), field=_label("measured_on"))
    return {
        "value": parse_number(raw, "value"),
        "measured_on": measured_on,
        "source": " ".join(_text(values, "source", SOURCE_MAX).split()),
    }


def _number_text(number: float) -> str:
    return f"{number:g}".replace(".", ",")


def refusal_texts(error: RecordRefused) -> dict:
    return error.texts if hasattr(error, "texts") else texts(str(error))


# --- reading -----------------------------------------------------------------------------------


def milestone_dict(m: Milestone) -> dict:
    return {
        "id": m.id,
        "position": m.position,
        "title": m.title,
        "planned_date": m.planned_date.isoformat() if m.planned_date else None,
        "actual_date": m.actual_date.isoformat() if m.actual_date else None,
        "status": m.status,
        "responsible": m.responsible or "",
        "weight": m.weight,
        "note": m.note or "",
        "evidence_url": m.evidence_url or "",
        "evidence_file_id": m.evidence_file_id,
        "public": bool(m.public),
    }


def indicator_dict(i: Indicator) -> dict:
    return {
        "id": i.id,
        "position": i.position,
        "name": i.name,
        "unit": i.unit or "",
        "direction": i.direction,
        "baseline_value": i.baseline_value,
        "baseline_date": i.baseline_date.isoformat() if i.baseline_date else None,
        "target_value": i.target_value,
        "target_date": i.target_date.isoformat() if i.target_date else None,
        "note": i.note or "",
        "public": bool(i.public),
    }


def value_dict(v: IndicatorValue) -> dict:
    return {
        "id": v.id,
        "indicator_id": v.indicator_id,
        "value": v.value,
        "measured_on": v.measured_on.isoformat(),
        "source": v.source or "",
        "author_name": v.author_name or "",
        "source_kind": v.source_kind,
        "provenance": v.provenance,
        "entered_at": v.created_at.isoformat() if v.created_at else None,
    }


@dataclass
class IndicatorState:
    indicator: dict
    values: list[dict] = field(default_factory=list)  # oldest first (by date measured)


@dataclass
class MonitoringState:
    """A measure's milestones and indicators (with their values) now, or as they were on a date."""

    milestones: list[dict]
    indicators: list[IndicatorState]
    last_update: datetime | None  # the newest monitoring change


def milestones_of(db: Session, measure_id: int) -> list[Milestone]:
    return list(
        db.scalars(
            select(Milestone).where(Milestone.measure_id == measure_id).order_by(Milestone.position, Milestone.id)
        )
    )


def indicators_of(db: Session, measure_id: int) -> list[Indicator]:
    return list(
        db.scalars(
            select(Indicator).where(Indicator.measure_id == measure_id).order_by(Indicator.position, Indicator.id)
        )
    )


def values_of(db: Session, indicator_ids: list[int]) -> dict[int, list[IndicatorValue]]:
    out: dict[int, list[IndicatorValue]] = {i: [] for i in indicator_ids}
    if indicator_ids:
        for v in db.scalars(
            select(IndicatorValue)
            .where(IndicatorValue.indicator_id.in_(indicator_ids))
            .order_by(IndicatorValue.measured_on, IndicatorValue.id)
        ):
            out[v.indicator_id].append(v)
    return out


def end_of_day(day: date) -> datetime:
    """The first moment after `day` (local time) as an aware datetime."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL_TIME)


def state(db: Session, measure: Measure, as_of: date | None = None) -> MonitoringState:
    """Now (as_of None: the tables) or at the end of a past day (replayed from the revisions, so a
    report "as of" a date shows what was known then)."""
    if as_of is None:
        indicators = indicators_of(db, measure.id)
        values = values_of(db, [i.id for i in indicators])
        last = db.scalar(
            select(MonitoringRevision.created_at)
            .where(MonitoringRevision.measure_id == measure.id)
            .order_by(MonitoringRevision.id.desc())
            .limit(1)
        )
        return MonitoringState(
            [milestone_dict(m) for m in milestones_of(db, measure.id)],
            [IndicatorState(indicator_dict(i), [value_dict(v) for v in values[i.id]]) for i in indicators],
            last,
        )
    cutoff = end_of_day(as_of)
    items: dict[tuple[str, int], dict] = {}
    last = None
    for revision in db.scalars(
        select(MonitoringRevision)
        .where(MonitoringRevision.measure_id == measure.id, MonitoringRevision.created_at < cutoff)
        .order_by(MonitoringRevision.id)
    ):
        last = revision.created_at
        key = (revision.item_kind, revision.item_id)
        if revision.after is None:
            items.pop(key, None)
        else:
            items[key] = revision.after
    by_position = lambda d: (d.get("position", 0), d["id"])  # noqa: E731
    milestone_rows = sorted((d for (kind, _i), d in items.items() if kind == MILESTONE), key=by_position)
    indicator_rows = sorted((d for (kind, _i), d in items.items() if kind == INDICATOR), key=by_position)
    measured: dict[int, list[dict]] = {}
    for (kind, _i), d in items.items():
        if kind == VALUE and d["measured_on"] <= as_of.isoformat():
            measured.setdefault(d["indicator_id"], []).append(d)
    return MonitoringState(
        milestone_rows,
        [
            IndicatorState(i, sorted(measured.get(i["id"], []), key=lambda v: (v["measured_on"], v["id"])))
            for i in indicator_rows
        ],
        last,
    )


def reviews_of(db: Session, measure_id: int) -> list[MonitoringReview]:
    return list(
        db.scalars(
            select(MonitoringReview).where(MonitoringReview.measure_id == measure_id).order_by(MonitoringReview.id)
        )
    )


def revisions_since(db: Session, measure_id: int, since: datetime | None, until: datetime | None = None):
    query = select(MonitoringRevision).where(MonitoringRevision.measure_id == measure_id)
    if since is not None:
        query = query.where(MonitoringRevision.created_at >= since)
    if until is not None:
        query = query.where(MonitoringRevision.created_at < until)
    return list(db.scalars(query.order_by(MonitoringRevision.id)))
