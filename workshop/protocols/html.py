"""Protocol → printable HTML (a standalone page: its own styles, no scripts)."""
from __future__ import annotations

from flask import render_template

from workshop.protocols.model import Protocol


def render_html(protocol: Protocol) -> str:
    return render_template("protocols/protocol.html", p=protocol)
