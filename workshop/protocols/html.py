"""Protocol → printable HTML: one self-contained file (styles inlined, no scripts), so the
download reads the same when opened from disk, mailed or archived."""
from __future__ import annotations

from functools import lru_cache

from flask import render_template

from workshop.config import PROJECT_ROOT
from workshop.protocols.model import Protocol

# The protocol page allows only its own inline styles; it runs no script at all.
PROTOCOL_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@lru_cache(maxsize=1)
def _stylesheet() -> str:
    return (PROJECT_ROOT / "static" / "css" / "protocol.css").read_text(encoding="utf-8")


def render_html(protocol: Protocol) -> str:
    return render_template("protocols/protocol.html", p=protocol, css=_stylesheet())
