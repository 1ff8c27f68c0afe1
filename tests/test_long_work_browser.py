"""Long work on a page (issue 28): a PDF made by a worker comes as a download while the page stays
as it is, and a wait over a second shows a progress bar with the seconds so far; a refusal is
shown next to the link in the viewer's language. Real server, real browser."""

from __future__ import annotations

import time

from tests.browser import browser, login_page  # noqa: F401  (browser: fixture)
from tests.conftest import PASSWORD


def test_a_record_pdf_arrives_in_the_background_with_a_progress_bar(server, browser):
    server.facilitator()
    mid = server.measure("Anlaufstelle Prozessbegleitung")
    page = login_page(browser, server.base_url, server.email("moderation@example.org"), PASSWORD, accept_downloads=True)
    page.goto(f"{server.base_url}/measures/{mid}")

    def slow(route):
        time.sleep(1.6)  # as a long protocol would take (the real render of this record is quick)
        route.continue_()

    page.route("**/record.pdf*", slow)
    with page.expect_download(timeout=30_000) as caught:
        page.get_by_role("link", name="Steckbrief als PDF").click()
        status = page.locator(".long-work-status")
        status.locator("progress").wait_for(timeout=5_000)  # after a second: it says it is at work
        assert "Wird erstellt" in status.inner_text()
        assert page.url.endswith(f"/measures/{mid}")  # still the same page, usable
    download = caught.value
    assert download.suggested_filename.startswith(f"steckbrief-{mid}-") and download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.wait_for_function("document.querySelector('.long-work-status').textContent.includes('Fertig')")


def test_a_refused_download_says_why_next_to_the_link(server, browser):
    server.facilitator()
    mid = server.measure("Anlaufstelle")
    page = login_page(browser, server.base_url, server.email("moderation@example.org"), PASSWORD)
    page.context.add_cookies([{"name": "lang", "value": "en", "url": server.base_url}])
    page.goto(f"{server.base_url}/measures/{mid}")
    page.route(
        "**/record.docx*",
        lambda route: route.fulfill(
            status=503,
            content_type="text/html",
            body='<html><body><p role="alert">All worker processes are busy right now.</p></body></html>',
        ),
    )
    page.get_by_role("link", name="Record as Word file").click()
    page.wait_for_function("document.querySelector('.long-work-status')?.textContent.includes('busy')")
