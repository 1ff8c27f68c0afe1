"""How heavy is the participant's phone page? Loads it in headless Chromium over a real server,
records every response, and reports raw and gzip-compressed bytes (what a reverse proxy with gzip,
as in deploy/, sends). Target: under 50 kB compressed (issue 16). Writes its section into BENCHMARKS.md.

Usage: .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import gzip
import platform
import re
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from playwright.sync_api import sync_playwright  # noqa: E402
from report import write_section  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from tests.browser import PHONE, launch  # noqa: E402
from tests.conftest import start_server, stop_server  # noqa: E402
from workshop.db import make_engine  # noqa: E402
from workshop.demo import seed_demo  # noqa: E402
from workshop.migrate import upgrade  # noqa: E402

TARGET_KB = 50  # issue 16: the phone page stays under 50 kB compressed
MARK_START, MARK_END = "<!-- page-weight:start -->", "<!-- page-weight:end -->"


def measure() -> list[tuple[str, int, int]]:
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/weight.db"
        upgrade(url)
        with sessionmaker(bind=make_engine(url))() as db:
            _f, ws, _ = seed_demo(db)
            code = ws.join_code
        process, base = start_server(url, Path(scratch) / "server.log")
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                page = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
                page.goto(f"{base}/j/{code}")
                page.click("button[type=submit]")  # join, then the live page loads
                responses = []
                page.route("**/*", lambda route: route.continue_())  # routing turns the cache off
                page.on("response", lambda r: responses.append(r))
                page.reload()  # a first visit's weight: nothing from the cache
                page.wait_for_selector("#conn[data-state=online]")
                for response in responses:
                    try:
                        body = response.body()
                    except Exception:  # websocket upgrade / no body
                        continue
                    path = re.sub(r"^https?://[^/]+", "", response.url).split("?")[0]
                    rows.append((path, len(body), len(gzip.compress(body, 6))))
                browser.close()
        finally:
            stop_server(process)
    return rows


def main() -> None:
    rows = measure()
    raw, packed = sum(r[1] for r in rows), sum(r[2] for r in rows)
    lines = [
        MARK_START,
        "## Participant page weight",
        "",
        f"Measured {date.today().isoformat()} on {platform.node()} ({platform.machine()}, "
        f"Python {platform.python_version()}) by `bench/page_weight.py`: the phone page after joining, "
        "every response Chromium received (HTML, CSS, JS, Socket.IO handshake and polling); "
        "compressed = gzip level 6, as a reverse proxy would send it.",
        "",
        "| resource | bytes | gzip bytes |",
        "| --- | ---: | ---: |",
    ]
    lines += [f"| `{path}` | {size:,} | {gz:,} |" for path, size, gz in sorted(rows, key=lambda r: -r[1])]
    lines += [
        f"| **total** | **{raw:,}** | **{packed:,}** |",
        "",
        f"Target: under {TARGET_KB} kB compressed — {'met' if packed < TARGET_KB * 1000 else 'MISSED'} "
        f"({packed / 1000:.1f} kB).",
        MARK_END,
    ]
    section = "\n".join(lines)
    print(section)
    write_section(ROOT / "BENCHMARKS.md", MARK_START, MARK_END, section)


if __name__ == "__main__":
    main()
