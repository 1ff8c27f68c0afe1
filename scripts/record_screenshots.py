"""Screenshots of the record path: the console's capture preview, and the field mapping asked for
when a session's format names fields the measure's record lacks (an Aachen action-plan measure).

Usage: .venv/bin/python scripts/record_screenshots.py [--lang en]   (own server, scratch database)
Writes docs/screenshots/capture-preview[-en].png and session-field-mapping[-en].png.
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
from workshop.accounts.service import create_facilitator  # noqa: E402
from workshop.agenda.create import create_session  # noqa: E402
from workshop.db import make_engine  # noqa: E402
from workshop.measures.models import Measure  # noqa: E402
from workshop.measures.record import edit_by_hand  # noqa: E402
from workshop.migrate import upgrade  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
EMAIL, PASSWORD = "moderation@example.org", "screenshot-password-1"


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
            fid = create_facilitator(db, EMAIL, "Rita Moderation", PASSWORD).id
            berlin = Measure(
                title="Prozessbegleitung um (digitale) Partizipation und deren Ergebnisse zu verarbeiten",
                reference_number="2022-14222",
            )
            aachen = Measure(title="Initiativen einbinden", record_template="aachen")
            db.add_all([berlin, aachen])
            db.flush()
            edit_by_hand(
                db,
                berlin,
                "initial_situation",
                "In der Verwaltung gibt es bereits zahlreiche Projekte und Initiativen.",
                fid,
            )
            ws = create_session(
                db,
                measure_id=berlin.id,
                facilitator_id=fid,
                template_key="framing",
                title="Rahmen setzen: Anlaufstelle Prozessbegleitung",
            )
            db.commit()
            sid, code, aachen_id = ws.id, ws.join_code, aachen.id
        process, base = start_server(url, Path(scratch) / "server.log")
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                page = login_page(browser, base, EMAIL, PASSWORD, viewport={"width": 1280, "height": 1000})
                page.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                page.goto(f"{base}/sessions/{sid}")
                page.wait_for_selector("#conn.ok, #conn:has-text('verbunden'), #conn:has-text('connected')")
                page.click("#start")
                for text in (
                    "Leitlinien Bürgerbeteiligung der Senatsverwaltung",
                    "Service Agent:innen-Schulung (CityLAB)",
                ):
                    person = LiveClient(base, sid, "participant", token=join(base, code, "")["token"])
                    assert person.op("card.add", step_key="approaches", text=text)["ok"]
                    person.close()
                page.wait_for_selector("#board :text('CityLAB')")
                page.click("#capture-top")
                page.wait_for_selector("#capture-preview li.added")
                page.locator("#capture").scroll_into_view_if_needed()
                page.locator("#capture").screenshot(path=str(OUT / f"capture-preview{suffix}.png"))

                page.goto(f"{base}/measures/{aachen_id}")
                page.select_option("#template_key", "framing")
                page.click("form[action$='/sessions'] button[type=submit]")
                page.wait_for_selector("#field-mapping")
                page.select_option("#map-initial_situation", "objective")
                page.select_option("#map-risks", "milestones")
                page.screenshot(path=str(OUT / f"session-field-mapping{suffix}.png"), full_page=True)
                browser.close()
        finally:
            stop_server(process)


if __name__ == "__main__":
    main()
