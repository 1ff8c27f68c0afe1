"""The measure record (Maßnahmensteckbrief) as PDF and DOCX: one section per template section,
each a two-column table (field, content), read through measures/record.py."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from flask import render_template
from sqlalchemy.orm import Session

from workshop import jobs
from workshop.i18n import localized
from workshop.measures.models import Measure
from workshop.measures.record import current_values, template_of
from workshop.measures.status import LABELS as STATUS_LABELS
from workshop.protocols.docx import key_value_table, new_document, xml_safe
from workshop.protocols.export import DOCX_MIMETYPE
from workshop.protocols.html import stylesheet
from workshop.protocols.pdf import html_to_pdf
from workshop.protocols.wording import Wording
from workshop.timezone import now_local


@dataclass
class RecordSection:
    title: str
    rows: list[tuple[str, list[str]]] = field(default_factory=list)  # (field label, lines)


@dataclass
class RecordDocument:
    language: str
    labels: dict[str, str]
    title: str
    reference_number: str | None
    status: str
    as_of: str
    sections: list[RecordSection]


def build_record(db: Session, measure: Measure, language: str = "de") -> RecordDocument:
    w = Wording(language)
    labels = w.labels()
    values = current_values(db, measure)
    record_template = template_of(measure)
    sections = []
    for section_title, fields in record_template.sections:
        section = RecordSection(localized(section_title, w.language))
        for record_field in fields:
            value = values.get(record_field.key)
            lines = [line for line in (value.value if value else "").splitlines() if line.strip()]
            section.rows.append((record_field.label_text(w.language), lines or ["–"]))
        sections.append(section)
    now = now_local()
    return RecordDocument(
        language=w.language,
        labels=labels,
        title=f"{localized(record_template.title, w.language)}: {measure.title}",
        reference_number=measure.reference_number,
        status=w.gettext(STATUS_LABELS.get(measure.status, measure.status)),
        as_of=f"{w.date(now)} {w.time(now)}",
        sections=sections,
    )


def render_record_pdf(document: RecordDocument, owner=None) -> bytes:
    html = render_template(
        "protocols/record_document.html", d=document, css=stylesheet() + stylesheet("protocol-print.css")
    )
    return html_to_pdf(html, owner)


def render_record_docx(document: RecordDocument, owner=None) -> bytes:
    return jobs.run(write_record_docx, document, owner=owner)


@jobs.task(seconds=60.0, memory_mb=1536)
def write_record_docx(document: RecordDocument) -> bytes:
    document = xml_safe(document)
    L = document.labels
    doc = new_document(document.title, document.language)
    doc.add_heading(document.title, level=1)
    head = [(L["status"], document.status), (L["generated"], document.as_of)]
    if document.reference_number:
        head.insert(0, (L["reference"], document.reference_number))
    key_value_table(doc, head)
    for section in document.sections:
        doc.add_heading(section.title, level=2)
        key_value_table(doc, [(label, "\n".join(lines)) for label, lines in section.rows])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


RECORD_FORMATS = {"pdf": (render_record_pdf, "application/pdf"), "docx": (render_record_docx, DOCX_MIMETYPE)}


def export_record(db: Session, measure: Measure, fmt: str, language: str = "de", owner=None) -> tuple[bytes, str]:
    """Rendered in a worker (workshop/jobs); raises jobs.JobRefused when it could not be."""
    renderer, mimetype = RECORD_FORMATS[fmt]
    return renderer(build_record(db, measure, language), owner), mimetype


def record_filename(measure: Measure, fmt: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", measure.title).strip("-").lower()[:50] or "massnahme"
    return f"steckbrief-{measure.id}-{slug}.{fmt}"
