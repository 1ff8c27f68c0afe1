"""Screenshots of the console with cluster suggestions and their shared words (issue 33).

Usage: .venv/bin/python scripts/suggestion_screenshots.py [--lang en]   (own server, scratch database)
A knowledge-merge session: eight people write cards from the labelled set
(tests/fixtures/cluster_labelled_<lang>.yaml), the facilitator reveals them, opens the cluster step
and asks for suggestions; writes docs/screenshots/console-suggestions[-en].png, then accepts the
first cluster suggestion with the keyboard and writes console-suggestion-accepted[-en].png.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect, sync_playwright  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from tests.browser import launch, login_page  # noqa: E402
from tests.conftest import start_server, stop_server  # noqa: E402
from tests.live_client import LiveClient, join  # noqa: E402
from workshop.agenda.create import create_session  # noqa: E402
from workshop.db import make_engine  # noqa: E402
from workshop.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo  # noqa: E402
from workshop.migrate import upgrade  # noqa: E402
from workshop.suggestions.quality import LabelledSet  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
GROUPS = 5  # the first groups of the labelled set: enough for a screen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=["de", "en"], default="de")
    lang = parser.parse_args().lang
    suffix = "" if lang == "de" else f"-{lang}"
    labelled = LabelledSet.load(ROOT / "tests" / "fixtures" / f"cluster_labelled_{lang}.yaml")
    groups = list(dict.fromkeys(labelled.group_of.values()))[:GROUPS]
    texts = [text for card_id, text in labelled.cards if labelled.group_of[card_id] in groups]
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/shots.db"
        upgrade(url)
        with sessionmaker(bind=make_engine(url))() as db:
            facilitator, demo, _ = seed_demo(db)
            ws = create_session(
                db, measure_id=demo.measure_id, facilitator_id=facilitator.id, template_key="knowledge_merge"
            )
            db.commit()
            sid, code = ws.id, ws.join_code
        process, base = start_server(url, Path(scratch) / "server.log")
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                page = login_page(
                    browser,
                    base,
                    DEMO_EMAIL,
                    DEMO_PASSWORD,
                    viewport={"width": 1366, "height": 1000},
                    locale="de-DE" if lang == "de" else "en-GB",
                )
                page.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                page.goto(f"{base}/sessions/{sid}")
                page.click("#start")
                expect(page.locator("#next")).to_be_enabled()
                people = [
                    LiveClient(base, sid, "participant", token=join(base, code, f"P{i}")["token"]) for i in range(8)
                ]
                for index, text in enumerate(texts):
                    assert people[index % len(people)].op("card.add", step_key="knowledge", text=text)["ok"]
                page.click("#reveal")
                for _ in range(4):  # knowledge → practices → dependencies → open questions → clusters
                    page.click("#next")
                expect(page.locator("#suggest")).to_be_visible()
                page.click("#suggest")
                expect(page.locator("li.suggestion").first).to_be_visible()
                page.locator("#suggestions").scroll_into_view_if_needed()
                page.locator("li.suggestion.cluster").first.focus()
                page.screenshot(path=str(OUT / f"console-suggestions{suffix}.png"), full_page=False)
                page.keyboard.press("Enter")  # accepts the focused suggestion
                expect(page.locator("section.cluster[data-cluster-id]:not([data-cluster-id=''])").first).to_be_visible()
                page.locator("#board").scroll_into_view_if_needed()
                page.screenshot(path=str(OUT / f"console-suggestion-accepted{suffix}.png"), full_page=False)
                for person in people:
                    person.close()
                browser.close()
        finally:
            stop_server(process)
    print(f"wrote docs/screenshots/console-suggestions{suffix}.png, console-suggestion-accepted{suffix}.png")


if __name__ == "__main__":
    main()
