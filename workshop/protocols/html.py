"""Protocol → printable HTML: one self-contained file (styles inlined, images as data: URLs, no
scripts), so the download reads the same when opened from disk, mailed or archived. The PDF is
this HTML with the print stylesheet, rendered by WeasyPrint."""

from __future__ import annotations

import base64
from functools import cache

from flask import render_template

from workshop.config import PROJECT_ROOT
from workshop.protocols.model import Protocol

# The protocol page allows only its own inline styles; it runs no script at all.
PROTOCOL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@cache
def stylesheet(name: str = "protocol.css") -> str:
    return (PROJECT_ROOT / "static" / "css" / name).read_text(encoding="utf-8")


def data_urls(images: dict[int, tuple[str, bytes]]) -> dict[int, str]:
    return {
        key: f"data:{mimetype};base64,{base64.b64encode(data).decode('ascii')}"
        for key, (mimetype, data) in images.items()
    }


def render_html(
    protocol: Protocol,
    images: dict[int, tuple[str, bytes]] | None = None,
    *,
    template: str = "protocols/protocol.html",
    extra_css: str = "",
) -> str:
    return render_template(template, p=protocol, css=stylesheet() + extra_css, images=data_urls(images or {}))
