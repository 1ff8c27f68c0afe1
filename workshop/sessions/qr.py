"""QR codes for join links, as inline SVG (segno), so they scale sharply on any projector."""

from __future__ import annotations

import io

import segno


def qr_svg(url: str) -> str:
    qr = segno.make(url, error="m")
    buffer = io.BytesIO()
    qr.save(
        buffer,
        kind="svg",
        scale=10,
        border=2,
        xmldecl=False,
        omitsize=True,
        svgns=True,
        title="QR-Code zum Beitreten",
        dark="#000",
        light="#fff",
        svgclass="qr",
        lineclass=None,
    )
    return buffer.getvalue().decode()
