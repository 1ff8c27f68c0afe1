"""Screenshots of the agenda builder and the printable invitation (issue 13), German and English.

Usage: .venv/bin/python scripts/agenda_screenshots.py [--lang en]   (own server, scratch database)
Builds a two-hour plan in the builder as a facilitator would (welcome, input with an image, units 1
and 2, a break, a feedback round) and writes docs/screenshots/agenda-*.png and invitation*.png, then
runs it with six people to the break and writes console-agenda*.png (now, next, who is here, notes).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from tests.browser import launch, login_page  # noqa: E402
from tests.conftest import start_server, stop_server  # noqa: E402
from tests.live_client import LiveClient, join  # noqa: E402
from tests.test_agenda_browser import png  # noqa: E402
from workshop.db import make_engine  # noqa: E402
from workshop.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo  # noqa: E402
from workshop.migrate import upgrade  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def submit(page, action: str) -> None:
    with page.expect_navigation():
        page.locator(f'button[name="action"][value="{action}"]:not(.visually-hidden)').click()


def index_of(page, key: str) -> int:
    return int(page.locator(f'input[type=hidden][value="{key}"][name$="-key"]').get_attribute("name")[1:].split("-")[0])


def index_of_break(client) -> int:
    return next(i for i, step in enumerate(client.state["steps"]) if step["type"] == "break")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=["de", "en"], default="de")
    lang = parser.parse_args().lang
    suffix = "" if lang == "de" else f"-{lang}"
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/shots.db"
        upgrade(url)
        with sessionmaker(bind=make_engine(url))() as db:
            _f, ws, _ = seed_demo(db)
            sid = ws.id
        process, base = start_server(url, Path(scratch) / "server.log")
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                page = login_page(
                    browser,
                    base,
                    DEMO_EMAIL,
                    DEMO_PASSWORD,
                    viewport={"width": 1366, "height": 900},
                    locale="de-DE" if lang == "de" else "en-GB",
                )
                page.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                page.goto(f"{base}/sessions/{sid}/agenda")
                page.fill(
                    "#title", "Maßnahmenwerkstatt Anlaufstelle" if lang == "de" else "Measure workshop: help desk"
                )
                page.fill("#scheduled_date", "2026-12-03")
                page.fill("#start_time", "09:00")
                page.fill("#end_time", "11:00")
                page.fill("#location", "Rathaus Schöneberg, Raum 1101" if lang == "de" else "Town hall, room 1101")
                page.fill("#expected_headcount", "25")
                page.select_option("#add_type", "welcome")
                page.select_option("#add_position", "0")
                submit(page, "add")
                page.select_option("#add_type", "input")
                page.select_option("#add_position", "1")
                submit(page, "add")
                slide = Path(scratch) / "befunde.png"
                slide.write_bytes(png(800, 450))
                page.fill(
                    "#s1-text",
                    "Drei Befunde aus der Vorbereitung: …"
                    if lang == "de"
                    else "Three findings from the preparation: …",
                )
                page.set_input_files("#s1-upload", str(slide))
                submit(page, "save")
                page.select_option("#append_key", "knowledge_merge")
                submit(page, "append")
                page.select_option("#add_type", "break")
                page.select_option("#add_position", str(index_of(page, "knowledge")))
                submit(page, "add")
                page.select_option("#add_type", "feedback")
                submit(page, "add")
                # Over the slot first (the warning), then the same plan shortened to two hours.
                page.locator("#plan-warning").scroll_into_view_if_needed()
                page.screenshot(path=str(OUT / f"agenda-builder-over{suffix}.png"))
                for key, minutes in {
                    "welcome": "5",
                    "input": "10",
                    "break": "10",
                    "knowledge": "10",
                    "practices": "5",
                    "dependencies-2": "5",
                    "open_questions": "5",
                    "clusters": "10",
                }.items():
                    page.fill(f"#s{index_of(page, key)}-timebox_minutes", minutes)
                submit(page, "save")
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(OUT / f"agenda-builder{suffix}.png"))
                page.locator(f"#step-{index_of(page, 'weigh')}").scroll_into_view_if_needed()
                page.screenshot(path=str(OUT / f"agenda-builder-options{suffix}.png"))
                # The invitation as printed on A4 (print CSS).
                page.goto(f"{base}/sessions/{sid}/invitation")
                page.set_viewport_size({"width": 794, "height": 1123})
                page.emulate_media(media="print")
                page.screenshot(path=str(OUT / f"invitation{suffix}.png"), full_page=True)
                page.pdf(path=str(Path(scratch) / "invitation.pdf"), format="A4")  # it prints (one page)
                # The console of the combined agenda at the break: now, next (unit 2), who is here.
                code = page.locator(".invitation .join-code").inner_text()
                page.emulate_media(media="screen")
                page.set_viewport_size({"width": 1366, "height": 900})
                names = ["Alex", "Kim", "Sam", "", "", ""]
                people = [LiveClient(base, sid, "participant", token=join(base, code, n)["token"]) for n in names]
                page.goto(f"{base}/sessions/{sid}")
                page.wait_for_selector("#conn[data-state=online]")
                page.click("#start")
                for _ in range(index_of_break(people[0])):
                    page.click("#next")
                    page.wait_for_timeout(150)  # a screenshot script: let each step settle
                page.wait_for_selector("#now .step-summary-title:text-matches('Pause|Break')")
                page.click("#people summary")
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(OUT / f"console-agenda{suffix}.png"))
                for person in people:
                    person.close()
                browser.close()
        finally:
            stop_server(process)
    print(f"agenda screenshots ({lang}) written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
