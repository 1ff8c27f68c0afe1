"""Protocol (and record) → DOCX with python-docx: Word's own heading styles and real tables, so
the file stays editable in Word or LibreOffice and its outline works."""

from __future__ import annotations

import dataclasses
import io
import re
from typing import TypeVar

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from workshop import jobs
from workshop.protocols.model import Protocol

# Characters XML 1.0 cannot hold: python-docx refuses a run with one (a 500 for the whole file).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Word's document properties (title, author) hold at most this many characters (python-docx checks).
CORE_PROPERTY_MAX = 255

Model = TypeVar("Model")


def xml_safe(value: Model) -> Model:
    """A copy of a document model (dataclasses, lists, dicts, strings) without characters XML
    cannot hold. The record path stores none (measures/record.py); this is for what an older
    version stored, and for every other text a document shows."""
    if isinstance(value, str):
        return _NOT_XML.sub("", value)  # type: ignore[return-value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: xml_safe(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    if isinstance(value, list):
        return [xml_safe(item) for item in value]  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(xml_safe(item) for item in value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {key: xml_safe(item) for key, item in value.items()}  # type: ignore[return-value]
    return value


def core_property(text: str) -> str:
    """text as a document property: whole if it fits, else cut at a word and marked with "…"
    (the document's own heading keeps the whole title)."""
    text = " ".join(xml_safe(text).split())
    if len(text) <= CORE_PROPERTY_MAX:
        return text
    cut = text[: CORE_PROPERTY_MAX - 1]
    if " " in cut[CORE_PROPERTY_MAX // 2 :]:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:–-") + "…"


def new_document(title: str, language: str, author: str = ""):
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.left_margin, section.right_margin = Cm(2.5), Cm(2.0)
    style = document.styles["Normal"]
    style.font.name, style.font.size = "Arial", Pt(10.5)
    props = document.core_properties
    props.title, props.language, props.author = core_property(title), language, core_property(author)
    set_proofing_language(document, language)
    return document


def set_proofing_language(document, language: str) -> None:
    """Word's spelling check and a screen reader's voice follow w:lang of the run properties; the
    default template says en-US. Set it on the document defaults and on every style that names
    its own, so headings and tables are checked in German too (de → de-DE, en → en-GB)."""
    tag = {"de": "de-DE", "en": "en-GB"}.get(language, language)
    styles = document.styles.element
    holders = [styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))]
    holders += [style for style in styles.findall(qn("w:style"))]
    for holder in holders:
        run_properties = holder.find(qn("w:rPr"))
        if run_properties is None:
            if holder.tag != qn("w:rPrDefault"):
                continue  # a style without its own run properties inherits the default
            run_properties = OxmlElement("w:rPr")
            holder.append(run_properties)
        lang = run_properties.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            run_properties.append(lang)
        for attribute in ("w:val", "w:eastAsia", "w:bidi"):
            if attribute == "w:val" or lang.get(qn(attribute)) is not None:
                lang.set(qn(attribute), tag)


def key_value_table(document, rows: list[tuple[str, str]]):
    """The header block: label column in bold, like a German administrative form."""
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    for label, value in rows:
        cells = table.add_row().cells
        cells[0].text = ""
        cells[0].paragraphs[0].add_run(label).bold = True
        cells[1].text = value
        cells[0].width, cells[1].width = Cm(4.5), Cm(12)
    return table


def grid_table(document, head: list[str], rows: list[list[str]]):
    table = document.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    return table


def _bullets(document, heading: str, lines: list[str]) -> None:
    if lines:
        document.add_heading(heading, level=3)
        for line in lines:
            document.add_paragraph(line, style="List Bullet")


DOCX_SECONDS = 60.0


def render_docx(protocol: Protocol, images: dict[int, tuple[str, bytes]] | None = None, owner=None) -> bytes:
    """python-docx is pure Python (0.6–1.8 s for 500 cards): a worker process writes it."""
    return jobs.run(write_docx, protocol, images or {}, owner=owner)


@jobs.task(seconds=DOCX_SECONDS, memory_mb=1536)
def write_docx(protocol: Protocol, images: dict[int, tuple[str, bytes]]) -> bytes:
    p = xml_safe(protocol)
    L = p.labels
    images = images or {}
    document = new_document(p.title, p.language, p.moderation)
    document.add_heading(p.title, level=1)
    document.add_paragraph(
        f"{L['status_final']}, {L['version']} {p.version}" if p.status == "final" else L["status_draft"]
    )
    header = [
        (L["occasion"], p.occasion),
        (L["measure"], p.measure_title + (f" ({L['reference']} {p.reference_number})" if p.reference_number else "")),
        (L["unit"], p.unit),
        (L["date"], p.date),
        (L["place"], p.place),
        (L["start_end"], f"{p.start} / {p.end}"),
        (L["participants"], p.participants),
        (L["moderation"], p.moderation),
        (L["minute_taker"], p.minute_taker),
    ]
    if p.distribution:
        header.append((L["distribution"], ", ".join(p.distribution)))
    key_value_table(document, header)
    if p.attendees:
        document.add_heading(L["attendance"], level=2)
        grid_table(document, [L["name"], L["organisation"]], [[a.name, a.organisation] for a in p.attendees])
    for item in p.agenda:
        document.add_heading(f"{L['top']} {item.number}: {item.title}", level=2)
        if item.empty():  # a welcome, an input, a break: the heading is all there is
            continue
        if item.prompt:
            para = document.add_paragraph()
            para.add_run(f"{L['prompt']}: ").italic = True
            para.add_run(item.prompt)
        _bullets(document, L["results"], item.results)
        _bullets(document, L["decisions"], item.decisions)
        _bullets(document, L["dissent"], item.dissent)
        for capture in item.captures:
            _bullets(document, f"{L['captured']} – {capture.field_label}", capture.lines)
        if item.summary:
            para = document.add_paragraph()
            para.add_run(f"{L['contributions']}: ").bold = True
            para.add_run(item.summary)
        _bullets(document, L["withheld"], item.withheld)
        if item.notes:
            document.add_heading(L["notes"], level=3)
            document.add_paragraph(item.notes)
    if p.tasks:
        document.add_heading(L["tasks"], level=2)
        grid_table(document, [L["what"], L["who"], L["due"]], [[t.what, t.who, t.due] for t in p.tasks])
    document.add_heading(L["open_points"], level=2)
    for point in p.open_points or [L["none"]]:
        document.add_paragraph(point, style="List Bullet")
    if p.next_date:
        document.add_heading(L["next_date"], level=2)
        document.add_paragraph(p.next_date)
    if p.attachments:
        document.add_heading(L["attachments"], level=2)
        for number, attachment in enumerate(p.attachments, 1):
            if attachment.id in images:
                document.add_picture(io.BytesIO(images[attachment.id][1]), width=Cm(15))
            document.add_paragraph(f"{L['attachment']} {number}: {attachment.caption}", style="Caption")
    if p.annex and any(item.cards for item in p.agenda):
        document.add_page_break()
        document.add_heading(L.get("annex_title", L["contributions"]), level=2)
        if L.get("annex_note"):
            document.add_paragraph(L["annex_note"])
        for item in (item for item in p.agenda if item.cards):
            document.add_heading(f"{L['top']} {item.number}: {item.title}", level=3)
            for column, cards in item.by_column():
                if column:
                    document.add_paragraph().add_run(column).bold = True
                for card in cards:
                    document.add_paragraph(
                        card.text + (f" ({', '.join(card.notes)})" if card.notes else ""), style="List Bullet"
                    )
    document.add_paragraph(f"{L['generated']} {p.generated_at}.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
