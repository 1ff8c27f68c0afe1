"""Draw the first page of the protocol and record PDFs into docs/screenshots/ (pdftoppm).

Usage: .venv/bin/python scripts/protocol_screenshots.py   (scratch SQLite database)
Writes protocol-pdf-page1.png (German), protocol-pdf-page1-en.png and record-pdf-page1.png, and
protocol-editor.png (the page where the facilitator finishes the draft; a real server and chromium).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser import launch, login_page  # noqa: E402
from tests.conftest import start_server, stop_server  # noqa: E402
from tests.test_protocol_documents import (  # noqa: E402
    PASSWORD,
    World,
    _finished_protocol,
    csrf,  # noqa: E402
    first_page,
    run_mandate,
)

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        world = World(f"sqlite:///{scratch / 'protocol.db'}")
        client = world.client()
        mandate = run_mandate(world)
        world.op(mandate["sid"], mandate["fac"], "session.end")
        sid = _finished_protocol(world, mandate, client)
        files = [
            ("protocol-pdf-page1-en", f"/sessions/{sid}/protocol.pdf?lang=en"),  # the draft, in English
            ("protocol-pdf-page1", f"/sessions/{sid}/protocol.pdf"),  # the final version
            ("record-pdf-page1", f"/measures/{world.mid}/record.pdf"),
        ]
        for name, path in files:
            if name == "protocol-pdf-page1":
                token = csrf(client, f"/sessions/{sid}/protocol")
                assert client.post(f"/sessions/{sid}/protocol/finalize", data={"csrf_token": token}).status_code == 302
            pdf = scratch / f"{name}.pdf"
            pdf.write_bytes(client.get(path).data)
            first_page(pdf, OUT / name)
            print(f"wrote {OUT / name}.png")
        editor = world.session("mandate", title="Mandatsklärung (Entwurf)", location="Raum 2.14")
        process, base = start_server(world.url, scratch / "server.log")
        try:
            with sync_playwright() as pw:
                page = login_page(
                    launch(pw), base, "mo@example.org", PASSWORD, viewport={"width": 1280, "height": 1400}
                )
                page.goto(f"{base}/sessions/{editor}/protocol")
                page.fill("#minute_taker", "Kim Protokoll")
                page.fill("#distribution", "Teilnehmende\nAbteilungsleitung II")
                page.screenshot(path=str(OUT / "protocol-editor.png"))
                print(f"wrote {OUT / 'protocol-editor.png'}")
        finally:
            stop_server(process)


if __name__ == "__main__":
    main()
