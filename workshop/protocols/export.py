"""One entry point for every protocol format."""
from __future__ import annotations

import re

from sqlalchemy.orm import Session

from workshop.protocols.html import render_html
from workshop.protocols.markdown import render_markdown
from workshop.protocols.model import build_protocol
from workshop.sessions.models import WorkshopSession

FORMATS = {
    "md": (render_markdown, "text/markdown; charset=utf-8"),
    "html": (render_html, "text/html; charset=utf-8"),
}


def export_protocol(db: Session, ws: WorkshopSession, fmt: str) -> tuple[str, str]:
    """(document text, mimetype). Needs an app context for HTML."""
    renderer, mimetype = FORMATS[fmt]
    return renderer(build_protocol(db, ws)), mimetype


def protocol_filename(ws: WorkshopSession, fmt: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ws.title).strip("-").lower()[:50] or "sitzung"
    return f"protokoll-{ws.id}-{slug}.{fmt}"
