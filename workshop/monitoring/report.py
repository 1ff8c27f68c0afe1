"""The status report (Sachstandsbericht) for a committee: one measure, an action field or the whole
register, as of a date, with what changed since the previous report of the same scope, each
indicator's chart and table, the milestone table and the finances; as PDF/UA (WeasyPrint, like the
protocols) and DOCX, German or English (the report's own language, not the viewer's).

build_report() reads the database and records the report (StatusReport); render() is a plain
function from the document to bytes (no request, no database), so it can run in a worker."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.config import PROJECT_ROOT
from workshop.measures import monitoring
from workshop.measures.models import Measure, RecordRevision
from workshop.measures.record import template_of
from workshop.measures.status import LABELS as STATUS_LABELS
from workshop.monitoring import chart, progress
from workshop.monitoring.models import ACTION_FIELD, MEASURE, REGISTER, StatusReport
from workshop.protocols.wording import Wording

SCOPES = (MEASURE, ACTION_FIELD, REGISTER)
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMATS = ("pdf", "docx")
CHANGES_SHOWN = 40  # per measure; the rest is counted


@dataclass
class IndicatorRow:
    name: str
    unit: str
    direction: str
    baseline: str
    target: str
    latest: str
    percent: int | None
    off_track: bool
    svg: str
    png: bytes | None
    values: list[tuple[str, str, str]]  # (date, value, source)


@dataclass
class MeasureSection:
    title: str
    reference: str
    status: str
    action_field: str
    overall: int | None
    milestone_percent: int | None
    indicator_percent: int | None
    milestones: list[list[str]]  # title, planned, actual, status, responsible, weight
    changed_milestones: set[int]
    overdue: int
    indicators: list[IndicatorRow]
    finances: list[str]
    changes: list[str]
    more_changes: int
    reviews: list[str]


@dataclass
class ReportDocument:
    language: str
    labels: dict[str, str]
    title: str
    scope: str
    as_of: str
    since: str | None
    overall: int | None
    groups: list[tuple[str, int | None, int]]  # action field, percent, measures
    sections: list[MeasureSection] = field(default_factory=list)
    generated: str = ""


def labels(w: Wording) -> dict[str, str]:
    _ = w.gettext
    return {
        "report": _("Sachstandsbericht"),
        "scope": _("Umfang"),
        "as_of": _("Stand"),
        "since": _("Änderungen seit dem letzten Bericht"),
        "since_date": _("seit dem Bericht zum %(date)s"),
        "first": _("Erster Bericht in diesem Umfang: alle Einträge bis zum Stichtag."),
        "no_changes": _("Keine Änderungen."),
        "more_changes": _("und %(num)s weitere Änderungen"),
        "overall": _("Fortschritt"),
        "milestones": _("Meilensteine"),
        "indicators": _("Indikatoren"),
        "action_fields": _("Handlungsfelder"),
        "action_field": _("Handlungsfeld"),
        "measures": _("Maßnahmen"),
        "measure": _("Maßnahme"),
        "status": _("Status"),
        "reference": _("Az."),
        "title": _("Titel"),
        "planned": _("Geplant bis"),
        "actual": _("Erreicht am"),
        "state": _("Stand"),
        "responsible": _("Verantwortlich"),
        "weight": _("Gewicht"),
        "changed": _("geändert"),
        "overdue": _("überfällig"),
        "unit": _("Einheit"),
        "baseline": _("Ausgangswert"),
        "target": _("Zielwert"),
        "latest": _("Zuletzt gemessen"),
        "share": _("Anteil am Weg zum Ziel"),
        "off_track": _("hinter dem Plan"),
        "date": _("Datum"),
        "value": _("Wert"),
        "source": _("Quelle"),
        "finances": _("Finanzen"),
        "reviews": _("Ergebnisse der Reviews"),
        "none": _("keine"),
        "no_progress": _("noch ohne Fortschrittsangabe"),
        "generated": _("Erstellt am"),
        "whole_register": _("Gesamtes Register"),
        "no_field": _("ohne Handlungsfeld"),
        "chart": _("Verlauf von %(name)s"),
        "chart_description": _("Messwerte von %(first)s bis %(last)s; die Tabelle darunter enthält dieselben Daten."),
        "how": _(
            "Fortschritt: Meilensteine nach Gewicht (erreicht / alle, die zählen) und Indikatoren nach dem Anteil "
            "des Wegs vom Ausgangs- zum Zielwert, je zur Hälfte; Handlungsfelder und Register als Mittel ihrer "
            "Maßnahmen."
        ),
    }


def _pct(share: float | None) -> int | None:
    return progress.percent(share)


def _value_text(w: Wording, value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    number = format(value, ",.2f").rstrip("0").rstrip(".")
    if w.language == "de":
        number = number.replace(",", "\u202f").replace(".", ",")
    return f"{number} {unit}".strip()


def _day(w: Wording, text: str | date | None) -> str:
    if not text:
        return "–"
    day = date.fromisoformat(text) if isinstance(text, str) else text
    return day.strftime("%d.%m.%Y") if w.language == "de" else day.isoformat()


def chart_svg(ip: progress.IndicatorProgress, language: str) -> str:
    w = Wording(language)
    values = ip.state.values
    first = _day(w, values[0]["measured_on"]) if values else "–"
    last = _day(w, values[-1]["measured_on"]) if values else "–"
    L = labels(w)
    return chart.svg(
        ip.state, L["chart"] % {"name": ip.indicator["name"]}, L["chart_description"] % {"first": first, "last": last}
    )


def _finances(db: Session, measure: Measure, cutoff: datetime) -> list[str]:
    keys = [f.key for f in template_of(measure).fields if f.type == "money"]
    lines: list[str] = []
    for key in keys:
        revision = db.scalar(
            select(RecordRevision)
            .where(
                RecordRevision.measure_id == measure.id,
                RecordRevision.field_key == key,
                RecordRevision.created_at < cutoff,
            )
            .order_by(RecordRevision.id.desc())
            .limit(1)
        )
        if revision is not None:
            lines += [line for line in revision.value.splitlines() if line.strip()]
    return lines


def _describe(w: Wording, template, revision: monitoring.MonitoringRevision) -> str:
    _ = w.gettext
    before, after = revision.before or {}, revision.after or {}
    item = after or before
    day = _day(w, revision.created_at.astimezone(monitoring.LOCAL_TIME).date())
    if revision.item_kind == monitoring.MILESTONE:
        name = item.get("title", "")
        if revision.action == "create":
            return _("%(day)s: Meilenstein „%(name)s“ angelegt", day=day, name=name)
        if revision.action == "delete":
            return _("%(day)s: Meilenstein „%(name)s“ entfernt", day=day, name=name)
        if "status" in revision.changed:
            old, new = (template.milestone_status(d.get("status", "")) for d in (before, after))
            return _(
                "%(day)s: Meilenstein „%(name)s“: %(old)s → %(new)s",
                day=day,
                name=name,
                old=old.label_text(w.language) if old else before.get("status"),
                new=new.label_text(w.language) if new else after.get("status"),
            )
        fields = ", ".join(w.gettext(monitoring.FIELD_LABELS.get(k, k)) for k in revision.changed)
        return _("%(day)s: Meilenstein „%(name)s“ geändert (%(fields)s)", day=day, name=name, fields=fields)
    if revision.item_kind == monitoring.INDICATOR:
        name = item.get("name", "")
        if revision.action == "create":
            return _("%(day)s: Indikator „%(name)s“ angelegt", day=day, name=name)
        if revision.action == "delete":
            return _("%(day)s: Indikator „%(name)s“ entfernt", day=day, name=name)
        fields = ", ".join(w.gettext(monitoring.FIELD_LABELS.get(k, k)) for k in revision.changed)
        return _("%(day)s: Indikator „%(name)s“ geändert (%(fields)s)", day=day, name=name, fields=fields)
    if revision.item_kind == monitoring.VALUE:
        text = _value_text(w, item.get("value"), "")
        if revision.action == "delete":
            return _(
                "%(day)s: Messwert %(value)s vom %(measured)s zurückgenommen",
                day=day,
                value=text,
                measured=_day(w, item.get("measured_on")),
            )
        return _(
            "%(day)s: neuer Messwert %(value)s (gemessen am %(measured)s)",
            day=day,
            value=text,
            measured=_day(w, item.get("measured_on")),
        )
    return _("%(day)s: Review: %(decision)s", day=day, decision=item.get("decision", ""))


def _previous(db: Session, scope: str, measure: Measure | None, action_field: str, as_of: date):
    query = select(StatusReport).where(StatusReport.scope == scope, StatusReport.as_of < as_of)
    if scope == MEASURE and measure is not None:
        query = query.where(StatusReport.measure_id == measure.id)
    if scope == ACTION_FIELD:
        query = query.where(StatusReport.action_field == action_field)
    return db.scalar(query.order_by(StatusReport.as_of.desc(), StatusReport.id.desc()).limit(1))


def _section(db: Session, w: Wording, p: progress.MeasureProgress, since: datetime | None, cutoff: datetime):
    L = labels(w)
    measure = p.measure
    template = template_of(measure)
    revisions = monitoring.revisions_since(db, measure.id, since, cutoff)
    changed_ids = {r.item_id for r in revisions if r.item_kind == monitoring.MILESTONE}
    status_of = {s.key: s.label_text(w.language) for s in template.milestone_statuses}
    overdue_ids = {m["id"] for m in p.overdue}
    rows = [
        [
            m["title"] + (f" ({L['overdue']})" if m["id"] in overdue_ids else ""),
            _day(w, m["planned_date"]),
            _day(w, m["actual_date"]),
            status_of.get(m["status"], m["status"]),
            m["responsible"] or "–",
            _value_text(w, m["weight"], ""),
        ]
        for m in p.milestones
    ]
    indicators = []
    for ip in p.indicators:
        i = ip.indicator
        latest = ip.latest
        indicators.append(
            IndicatorRow(
                name=i["name"],
                unit=i["unit"],
                direction=w.gettext(monitoring.DIRECTION_LABELS[i["direction"]]),
                baseline=_value_text(w, i["baseline_value"], i["unit"])
                + (f" ({_day(w, i['baseline_date'])})" if i["baseline_date"] else ""),
                target=_value_text(w, i["target_value"], i["unit"])
                + (f" ({_day(w, i['target_date'])})" if i["target_date"] else ""),
                latest=(_value_text(w, latest["value"], i["unit"]) + f" ({_day(w, latest['measured_on'])})")
                if latest
                else "–",
                percent=_pct(ip.share),
                off_track=ip.off_track,
                svg=chart_svg(ip, w.language),
                png=chart.png(ip.state),
                values=[
                    (_day(w, v["measured_on"]), _value_text(w, v["value"], i["unit"]), v["source"] or "–")
                    for v in ip.state.values
                ],
            )
        )
    changes = [_describe(w, template, r) for r in revisions]
    reviews = [
        f"{_day(w, r.created_at.astimezone(monitoring.LOCAL_TIME).date())}: {r.decision}"
        for r in monitoring.reviews_of(db, measure.id)
        if r.created_at < cutoff
    ]
    return MeasureSection(
        title=measure.title,
        reference=measure.reference_number or "",
        status=w.gettext(STATUS_LABELS.get(measure.status, measure.status)),
        action_field=p.action_field or L["no_field"],
        overall=_pct(p.overall),
        milestone_percent=_pct(p.milestone_share),
        indicator_percent=_pct(p.indicator_share),
        milestones=rows,
        changed_milestones={n for n, m in enumerate(p.milestones) if m["id"] in changed_ids} if since else set(),
        overdue=len(p.overdue),
        indicators=indicators,
        finances=_finances(db, measure, cutoff),
        changes=changes[:CHANGES_SHOWN],
        more_changes=max(0, len(changes) - CHANGES_SHOWN),
        reviews=reviews,
    )


def scopes_for(db: Session, measure: Measure) -> list[tuple[str, str]]:
    """(scope, action field) choices offered on a measure's page."""
    field_ = progress.action_field_of(db, measure)
    return [(MEASURE, "")] + ([(ACTION_FIELD, field_)] if field_ else []) + [(REGISTER, "")]


def build_report(
    db: Session,
    *,
    scope: str,
    measure: Measure | None,
    action_field: str,
    as_of: date,
    language: str,
    visible_ids: list[int],
    author_id: int | None,
    record: bool = True,
) -> ReportDocument:
    """The report's document; records it (a StatusReport row, in the caller's transaction)."""
    w = Wording(language)
    L = labels(w)
    if scope == MEASURE:
        assert measure is not None
        measures = [measure]
    else:
        measures = list(
            db.scalars(
                select(Measure)
                .where(Measure.id.in_(visible_ids), Measure.is_exercise.is_(False))
                .order_by(Measure.reference_number.is_(None), Measure.reference_number, Measure.id)
            )
        )
    all_progress = [progress.measure_progress(db, m, as_of=as_of) for m in measures]
    if scope == ACTION_FIELD:
        all_progress = [p for p in all_progress if p.action_field == action_field]
    whole, groups = progress.roll_up(all_progress, L["no_field"])
    previous = _previous(db, scope, measure, action_field, as_of)
    since = monitoring.end_of_day(previous.as_of) if previous is not None else None
    cutoff = monitoring.end_of_day(as_of)
    title = {
        MEASURE: measure.title if measure else "",
        ACTION_FIELD: f"{L['action_field']}: {action_field}",
        REGISTER: L["whole_register"],
    }[scope]
    now = datetime.now(monitoring.LOCAL_TIME)
    document = ReportDocument(
        language=w.language,
        labels=L,
        title=f"{L['report']}: {title}",
        scope=title,
        as_of=_day(w, as_of),
        since=_day(w, previous.as_of) if previous is not None else None,
        overall=_pct(whole.share),
        groups=[(g.title, _pct(g.share), len(g.measures)) for g in groups],
        sections=[_section(db, w, p, since, cutoff) for p in all_progress],
        generated=f"{w.date(now)} {w.time(now)}",
    )
    if record:
        db.add(
            StatusReport(
                scope=scope,
                measure_id=measure.id if scope == MEASURE and measure else None,
                action_field=action_field if scope == ACTION_FIELD else None,
                as_of=as_of,
                language=w.language,
                author_id=author_id,
            )
        )
        db.flush()
    return document


# --- rendering: plain functions, document in, bytes out -----------------------------------------


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(PROJECT_ROOT / "templates")), autoescape=select_autoescape())


def render_html(document: ReportDocument) -> str:
    from workshop.protocols.html import stylesheet

    template = _environment().get_template("monitoring/report.html")
    return template.render(d=document, css=stylesheet() + stylesheet("protocol-print.css") + stylesheet("report.css"))


def render_pdf(document: ReportDocument) -> bytes:
    from workshop.protocols.pdf import html_to_pdf

    return html_to_pdf(render_html(document))


def render_docx(document: ReportDocument) -> bytes:
    from docx.shared import Cm

    from workshop.protocols.docx import grid_table, key_value_table, new_document

    L = document.labels
    doc = new_document(document.title, document.language)
    doc.add_heading(document.title, level=1)
    head = [
        (L["scope"], document.scope),
        (L["as_of"], document.as_of),
        (L["overall"], _percent_text(document.overall, L)),
    ]
    key_value_table(doc, head)
    doc.add_paragraph(L["how"])
    if len(document.sections) > 1:
        doc.add_heading(L["action_fields"], level=2)
        grid_table(
            doc,
            [L["action_field"], L["overall"], L["measures"]],
            [[title, _percent_text(pct, L), str(count)] for title, pct, count in document.groups],
        )
    for section in document.sections:
        doc.add_heading(section.title, level=2)
        key_value_table(
            doc,
            [
                *([(L["reference"], section.reference)] if section.reference else []),
                (L["status"], section.status),
                (L["action_field"], section.action_field),
                (L["overall"], _percent_text(section.overall, L)),
                (L["milestones"], _percent_text(section.milestone_percent, L)),
                (L["indicators"], _percent_text(section.indicator_percent, L)),
            ],
        )
        doc.add_heading(
            L["since"] + (f" ({L['since_date'] % {'date': document.since}})" if document.since else ""), level=3
        )
        if document.since is None:
            doc.add_paragraph(L["first"])
        for line in section.changes or [L["no_changes"]]:
            doc.add_paragraph(line, style="List Bullet")
        if section.more_changes:
            doc.add_paragraph(L["more_changes"] % {"num": section.more_changes})
        doc.add_heading(L["milestones"], level=3)
        if section.milestones:
            rows = [
                [r[0] + (f" ({L['changed']})" if n in section.changed_milestones else ""), *r[1:]]
                for n, r in enumerate(section.milestones)
            ]
            grid_table(doc, [L["title"], L["planned"], L["actual"], L["state"], L["responsible"], L["weight"]], rows)
        else:
            doc.add_paragraph(L["none"])
        doc.add_heading(L["indicators"], level=3)
        if not section.indicators:
            doc.add_paragraph(L["none"])
        for row in section.indicators:
            doc.add_paragraph().add_run(row.name).bold = True
            key_value_table(
                doc,
                [
                    (L["baseline"], row.baseline),
                    (L["target"], row.target),
                    (L["latest"], row.latest),
                    (L["share"], _percent_text(row.percent, L) + (f" – {L['off_track']}" if row.off_track else "")),
                ],
            )
            if row.png:
                doc.add_picture(io.BytesIO(row.png), width=Cm(14))
                doc.paragraphs[-1].runs[0]._r.xpath("./w:drawing/wp:inline/wp:docPr")[0].set(
                    "descr", L["chart"] % {"name": row.name}
                )
            if row.values:
                grid_table(doc, [L["date"], L["value"], L["source"]], [list(v) for v in row.values])
        doc.add_heading(L["finances"], level=3)
        for line in section.finances or [L["none"]]:
            doc.add_paragraph(line, style="List Bullet")
        if section.reviews:
            doc.add_heading(L["reviews"], level=3)
            for line in section.reviews:
                doc.add_paragraph(line, style="List Bullet")
    doc.add_paragraph(f"{L['generated']} {document.generated}.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _percent_text(value: int | None, L: dict) -> str:
    return f"{value} %" if value is not None else L["no_progress"]


def render(document: ReportDocument, fmt: str) -> tuple[bytes, str]:
    if fmt == "pdf":
        return render_pdf(document), "application/pdf"
    return render_docx(document), DOCX_MIMETYPE


def filename(document: ReportDocument, fmt: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", document.scope).strip("-").lower()[:50] or "register"
    return f"sachstandsbericht-{slug}-{document.as_of.replace('.', '-')}.{fmt}"
