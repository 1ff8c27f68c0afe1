"""One entry point for every protocol format."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from workshop.protocols import render_cache
from workshop.protocols.docx import render_docx
from workshop.protocols.html import render_html
from workshop.protocols.markdown import render_markdown
from workshop.protocols.model import Protocol
from workshop.protocols.models import FINAL, ProtocolAttachment
from workshop.protocols.pdf import render_pdf
from workshop.protocols.service import current_protocol
from workshop.sessions.models import WorkshopSession

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# protocol, its images (, who asked: renders in a worker count against their cap) -> the document
Renderer = Callable[..., str | bytes]
FORMATS: dict[str, tuple[Renderer, str]] = {
    "md": (render_markdown, "text/markdown; charset=utf-8"),
    "html": (render_html, "text/html; charset=utf-8"),
    "pdf": (render_pdf, "application/pdf"),
    "docx": (render_docx, DOCX_MIMETYPE),
}


def images_of(db: Session, protocol: Protocol) -> dict[int, tuple[str, bytes]]:
    """The attachments a protocol shows (removed ones too: an old final version still shows them)."""
    ids = [a.id for a in protocol.attachments]
    if not ids:
        return {}
    rows = db.scalars(select(ProtocolAttachment).where(ProtocolAttachment.id.in_(ids)))
    return {row.id: (row.mimetype, row.data) for row in rows}


def export_protocol(
    db: Session,
    ws: WorkshopSession,
    fmt: str,
    version: int | None = None,
    language: str | None = None,
    owner=None,
) -> tuple[str | bytes, str]:
    """(document, mimetype): text for md/html, bytes for pdf/docx. Needs an app context for HTML/PDF.

    PDF and DOCX are made in a worker process (workshop/jobs; jobs.JobRefused when that fails or
    every worker is busy); a final version's file is made once and then served from the cache."""
    renderer, mimetype = FORMATS[fmt]
    protocol = current_protocol(db, ws, version, language)
    if fmt not in render_cache.CACHED_FORMATS:
        return renderer(protocol, images_of(db, protocol)), mimetype
    if protocol.status != FINAL or not protocol.version:
        return renderer(protocol, images_of(db, protocol), owner), mimetype

    def render() -> bytes:
        body = renderer(protocol, images_of(db, protocol), owner)
        assert isinstance(body, bytes)  # PDF and DOCX are bytes
        return body

    return render_cache.rendered(ws.id, protocol, fmt, render), mimetype


def protocol_filename(ws: WorkshopSession, fmt: str, version: int | None = None) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ws.title).strip("-").lower()[:50] or "sitzung"
    return f"protokoll-{ws.id}-{slug}" + (f"-fassung-{version}" if version else "") + f".{fmt}"
