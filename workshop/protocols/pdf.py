"""Protocol (and record) → PDF with WeasyPrint, tagged as PDF/UA-1 so screen readers get real
headings, lists and tables, and the document language (/Lang) and title.

The HTML is made here (Jinja, milliseconds); WeasyPrint's layout — seconds of CPU for a long
protocol — runs in a worker process (workshop/jobs), never on the event loop."""

from __future__ import annotations

from workshop import jobs
from workshop.protocols.html import render_html, stylesheet
from workshop.protocols.model import Protocol

RENDER_SECONDS = 90.0  # a worker still at a PDF after this is cut off


@jobs.task(seconds=RENDER_SECONDS, memory_mb=2048)
def write_pdf(html: str) -> bytes:
    # Imported here, not at the top: WeasyPrint loads Debian's pango when imported, and without it
    # only the PDFs should fail, not the app.
    from weasyprint import HTML

    # base_url None: nothing is fetched; images come as data: URLs.
    return HTML(string=html, base_url=None).write_pdf(pdf_variant="pdf/ua-1")


def html_to_pdf(html: str, owner=None) -> bytes:
    return jobs.run(write_pdf, html, owner=owner)


def render_pdf(protocol: Protocol, images: dict[int, tuple[str, bytes]] | None = None, owner=None) -> bytes:
    return html_to_pdf(render_html(protocol, images, extra_css=stylesheet("protocol-print.css")), owner)
