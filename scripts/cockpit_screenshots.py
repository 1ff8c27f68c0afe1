"""Screenshots of issue 30's cockpit and projector: the console as a cockpit at 1366×768 (a dot
vote on 40 cards in a 20-step, 80-card session), the whole-board view of six clusters and an
input's PDF page on the projector at 1920×1080.

Usage: .venv/bin/python scripts/cockpit_screenshots.py [--lang en]   (own server, scratch database)
Writes docs/screenshots/cockpit*.png, projector-clusters-board*.png, projector-pdf-input*.png.
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
from tests.conftest import PASSWORD, start_server, stop_server  # noqa: E402
from tests.live_client import LiveClient, cookie_header, login  # noqa: E402
from tests.walk import Walk, make_walk_session  # noqa: E402
from workshop.access.policy import add_member  # noqa: E402
from workshop.accounts.service import create_facilitator  # noqa: E402
from workshop.agenda.create import create_session  # noqa: E402
from workshop.db import make_engine  # noqa: E402
from workshop.measures.models import Measure  # noqa: E402
from workshop.migrate import upgrade  # noqa: E402
from workshop.sessions.models import SessionFile  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
EMAIL = "moderation@example.org"

SLIDES = """<html><head><style>@page {{ size: 297mm 167mm; margin: 0 }}
section {{ height: 167mm; box-sizing: border-box; padding: 18mm 22mm; page-break-after: always;
  font-family: 'DejaVu Sans', sans-serif; background: #0d2b4e; color: #fff }}
h1 {{ font-size: 30pt; margin: 0 0 10mm }} li {{ font-size: 20pt; margin: 4mm 0 }}
.n {{ color: #ffd166; font-weight: 700 }}</style></head><body>{pages}</body></html>"""
DECK = {
    "de": [
        (
            "Drei Befunde aus der Vorbereitung",
            [
                "Beteiligung ist in den Ressorts verstreut",
                "Niemand moderiert verwaltungsintern",
                "Ergebnisse gehen verloren",
            ],
        ),
        (
            "Befund 1: Beteiligung ist verstreut",
            ["14 Vorhaben in 6 Ressorts", "keine gemeinsame Anlaufstelle", "Wissen bleibt in den Projekten"],
        ),
        ("Was heute entstehen soll", ["Umfang der Maßnahme", "zentrale Fragestellungen", "erste Abhängigkeiten"]),
    ],
    "en": [
        (
            "Three findings from the preparation",
            [
                "Participation is scattered across departments",
                "Nobody facilitates inside the administration",
                "Results get lost",
            ],
        ),
        (
            "Finding 1: participation is scattered",
            ["14 projects in 6 departments", "no common help desk", "knowledge stays in the projects"],
        ),
        ("What today should bring", ["the scope of the measure", "central questions", "first dependencies"]),
    ],
}


def slide_deck(lang: str) -> bytes:
    from weasyprint import HTML

    pages = "".join(
        f"<section><p class='n'>{n}/3</p><h1>{title}</h1><ul>{''.join(f'<li>{i}</li>' for i in items)}</ul></section>"
        for n, (title, items) in enumerate(DECK[lang], 1)
    )
    return HTML(string=SLIDES.format(pages=pages)).write_pdf()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=["de", "en"], default="de")
    lang = parser.parse_args().lang
    suffix = "" if lang == "de" else f"-{lang}"
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/shots.db"
        upgrade(url)
        sessions = sessionmaker(bind=make_engine(url), expire_on_commit=False)
        with sessions() as db:
            user = create_facilitator(db, EMAIL, "Mo Deration", PASSWORD)
            measure = Measure(title="Prozessbegleitung um (digitale) Partizipation", reference_number="2022-14222")
            db.add(measure)
            db.flush()
            add_member(db, measure.id, user.id)
            ws = create_session(db, measure_id=measure.id, facilitator_id=user.id, template_key="framing")
            db.commit()
            sid, fid = ws.id, user.id
            deck = SessionFile(name="befunde.pdf", mime="application/pdf", size=0, data=slide_deck(lang))
            make_walk_session(db, sid, extra_steps=2, files=[deck])
            deck_id = deck.id
        walk = Walk(sessions, sid, fid)
        walk.join(28)
        walk.run(80, until="weigh", per_step={"approaches": 6, "scope": 6, "dependencies": 6, "questions": 40})
        walk.goto("vote")
        process, base = start_server(url, Path(scratch) / "server.log")
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                locale = "de-DE" if lang == "de" else "en-GB"
                console = login_page(
                    browser, base, EMAIL, PASSWORD, viewport={"width": 1366, "height": 768}, locale=locale
                )
                console.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                console.goto(f"{base}/sessions/{sid}")
                expect(console.locator("#conn")).to_have_attribute("data-state", "online")
                console.click("#timer-start")
                expect(console.locator("#timer-display .timer")).to_be_visible()
                console.screenshot(path=str(OUT / f"cockpit{suffix}.png"))
                facilitator = LiveClient(base, sid, "facilitator", cookies=cookie_header(login(base, EMAIL, PASSWORD)))
                projector = console.context.new_page()
                projector.set_viewport_size({"width": 1920, "height": 1080})
                assert facilitator.op("step.goto", step_key="clusters")["ok"]
                projector.goto(f"{base}/sessions/{sid}/projector")
                expect(projector.locator("#board section.cluster")).to_have_count(6)
                projector.wait_for_timeout(500)  # a screenshot script: let the board settle
                projector.screenshot(path=str(OUT / f"projector-clusters-board{suffix}.png"))
                assert facilitator.op("step.goto", step_key="input")["ok"]
                assert facilitator.op("input.page", step_key="input", file_id=deck_id, page=2)["ok"]
                projector.reload()
                projector.wait_for_function(
                    "() => (document.querySelector('figure.pdf-page img') || {}).naturalWidth > 0"
                )
                projector.screenshot(path=str(OUT / f"projector-pdf-input{suffix}.png"))
                facilitator.close()
                browser.close()
        finally:
            stop_server(process)
    print(f"cockpit screenshots ({lang}) written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
