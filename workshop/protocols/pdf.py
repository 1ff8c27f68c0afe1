"""Protocol (and record) → PDF with WeasyPrint, tagged as PDF/UA-1 so screen readers get real
headings, lists and tables, and the document language (/Lang) and title."""

from __future__ import annotations

from workshop.protocols.html import render_html, stylesheet
from workshop.protocols.model import Protocol


def _write_pdf(html: str) -> bytes:
    from weasyprint import HTML

    # base_url None: nothing is fetched; images come as data: URLs.
    return HTML(string=html, base_url=None).write_pdf(pdf_variant="pdf/ua-1")


def html_to_pdf(html: str) -> bytes:
    """Rendering takes most of a second of CPU. Under eventlet or gevent (`workshop serve`) it runs
    in a real OS thread, so the process keeps serving the live sessions' sockets meanwhile."""
    # Imported here, not at the top: WeasyPrint loads Debian's pango when imported, and without it
    # only the PDFs should fail, not the app. Imported before the hand-off, in the calling thread.
    import weasyprint  # noqa: F401

    try:
        import eventlet.patcher

        if eventlet.patcher.is_monkey_patched("thread"):
            from eventlet import tpool

            return tpool.execute(_write_pdf, html)
    except ImportError:
        pass
    try:
        import gevent.monkey

        if gevent.monkey.is_module_patched("threading"):
            import gevent

            return gevent.get_hub().threadpool.apply(_write_pdf, (html,))
    except ImportError:
        pass
    return _write_pdf(html)


def render_pdf(protocol: Protocol, images: dict[int, tuple[str, bytes]] | None = None) -> bytes:
    return html_to_pdf(render_html(protocol, images, extra_css=stylesheet("protocol-print.css")))
