"""Take the README's screenshots: run a short framing session in headless Chromium.

Usage: .venv/bin/python scripts/screenshots.py [--lang en]   (starts its own server on a scratch database)
German by default; --lang en takes the English UI and writes *-en.png next to the German ones.
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

from tests.browser import PHONE, launch, login_page  # noqa: E402
from tests.conftest import start_server, stop_server  # noqa: E402
from tests.live_client import LiveClient, join  # noqa: E402
from workshop.agenda.create import create_session  # noqa: E402
from workshop.db import make_engine  # noqa: E402
from workshop.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo  # noqa: E402
from workshop.migrate import upgrade  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
# The texts the script waits for, per language.
TEXTS = {
    "de": {"questions": "Zentrale Fragestellungen", "budget": "Noch 1 von 5 Punkten", "captured": "übernommen"},
    "en": {"questions": "Central questions", "budget": "1 of 5 points left", "captured": "captured"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=sorted(TEXTS), default="de")
    lang = parser.parse_args().lang
    texts, suffix = TEXTS[lang], "" if lang == "de" else f"-{lang}"

    def shot(name: str) -> str:
        return str(OUT / f"{name}{suffix}.png")

    def in_language(context):
        context.add_cookies([{"name": "lang", "value": lang, "url": base}])
        return context

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/shots.db"
        upgrade(url)
        with sessionmaker(bind=make_engine(url))() as db:
            fac, ws, _ = seed_demo(db)
            sid, code = ws.id, ws.join_code
            # A second framing session for the full room: 25 people, 60 contributions.
            room = create_session(
                db,
                measure_id=ws.measure_id,
                facilitator_id=fac.id,
                template_key="framing",
                title="Rahmen setzen – großer Saal",
                location="Rathaus, Saal 2",
            )
            db.commit()
            room_id, room_code = room.id, room.join_code
        process, base = start_server(url, Path(scratch) / "server.log")
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                console = login_page(browser, base, DEMO_EMAIL, DEMO_PASSWORD, viewport={"width": 1366, "height": 900})
                in_language(console.context)
                console.goto(f"{base}/sessions/{sid}")
                projector = console.context.new_page()
                projector.set_viewport_size({"width": 1920, "height": 1080})
                projector.goto(f"{base}/sessions/{sid}/projector")
                projector.wait_for_selector("#conn[data-state=online]")
                projector.screenshot(path=shot("projector-join"))
                phones = []
                for name, cards in [
                    ("Alex", ["Service Agent:innen-Schulung (CityLAB)", "Leitlinien Bürgerbeteiligung"]),
                    ("", ["Moderationskurse der Verwaltungsakademie"]),
                ]:
                    phone = in_language(
                        browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
                    ).new_page()
                    phone.goto(f"{base}/j/{code}")
                    phone.fill("#display_name", name)
                    phone.click("button[type=submit]")
                    phone.wait_for_selector("#conn[data-state=online]")
                    phones.append((phone, cards))
                console.click("#start")
                for phone, cards in phones:
                    phone.wait_for_selector("#card-text:visible")
                    for text in cards:
                        phone.fill("#card-text", text)
                        phone.click("#card-form button[type=submit]")
                        phone.wait_for_selector(f".card-text:text-is('{text}')")
                phones[0][0].screenshot(path=shot("participant-brainstorm"), full_page=True)
                projector.wait_for_selector(".card-text:text-is('Moderationskurse der Verwaltungsakademie')")
                projector.screenshot(path=shot("projector-brainstorm"))
                console.wait_for_selector(".card-text:text-is('Moderationskurse der Verwaltungsakademie')")
                console.screenshot(path=shot("console"), full_page=True)
                # Questions, then the vote.
                console.click("#agenda li:nth-child(4) button")
                questions = [
                    "Wer trägt die Anlaufstelle dauerhaft?",
                    "Wie messen wir die Wirkung?",
                    "Wie gewinnen wir Freiwillige?",
                ]
                for i, text in enumerate(questions):
                    phone = phones[i % 2][0]
                    phone.wait_for_selector(f"h1:text-is('{texts['questions']}')")
                    phone.fill("#card-text", text)
                    phone.click("#card-form button[type=submit]")
                    phone.wait_for_selector(f".card-text:text-is('{text}')")
                console.click("#next")
                alex = phones[0][0]
                alex.wait_for_selector(".budget")
                for _ in range(3):
                    alex.click("li.card:has-text('Wer trägt') button:text-is('+')")
                    alex.wait_for_selector("li.card:has-text('Wer trägt') .dots", state="visible")
                alex.click("li.card:has-text('Wirkung') button:text-is('+')")
                alex.wait_for_selector(f".budget:text-is('{texts['budget']}')")
                alex.screenshot(path=shot("participant-vote"), full_page=True)
                projector.wait_for_selector(".results li:first-child .votes:text-is('3')")
                projector.screenshot(path=shot("projector-vote"))
                console.click("#capture-top")
                console.click("#capture-confirm")  # the preview comes first (scripts/record_screenshots.py shows it)
                console.wait_for_selector(f"#capture-result:has-text('{texts['captured']}')")
                full_room(browser, console, base, room_id, room_code, shot, lang)
                console.goto(f"{base}/measures/{1}")
                console.wait_for_selector("#field-central_questions .trace")
                console.locator("#field-central_questions").screenshot(path=shot("record-trace"))
                browser.close()
        finally:
            stop_server(process)
    print(f"screenshots ({lang}) written to {OUT.relative_to(ROOT)}")


IDEAS = [
    "Anlaufstelle im Bürgeramt",
    "Sprechstunde im Stadtteilzentrum",
    "Leitlinien Bürgerbeteiligung",
    "Moderationskurse der Verwaltungsakademie",
    "Service-Agent:innen-Schulung",
    "Beteiligungsportal nutzen",
    "Quartiersmanagement einbinden",
    "Ehrenamtliche Lotsinnen und Lotsen",
    "Mehrsprachige Informationen",
    "Barrierefreie Räume",
    "Kooperation mit der Volkshochschule",
    "Erfahrungen aus Aachen",
    "Jugendbeirat fragen",
    "Online-Sprechstunde am Abend",
    "Feste Ansprechperson je Ressort",
    "Budget für Veranstaltungen",
    "Rückmeldung an alle Beteiligten",
    "Mobiler Infostand",
    "Leichte Sprache",
    "Kinderbetreuung während der Termine",
]


def full_room(browser, console, base, sid, code, shot, lang):
    """25 phones (Socket.IO clients) and 60 contributions; the console and the projector at that size."""
    people = [
        LiveClient(base, sid, "participant", token=join(base, code, name)["token"])
        for name in ["Alex", "Kim", "Sam", "Jo", "Ali"] + [""] * 20
    ]
    console.goto(f"{base}/sessions/{sid}")
    console.wait_for_selector("#conn[data-state=online]")
    console.click("#start")
    for n in range(60):
        idea = IDEAS[n % len(IDEAS)]
        text = idea if n < len(IDEAS) else f"{idea} ({'Variante' if n % 2 else 'ergänzt'} {n // len(IDEAS)})"
        people[n % len(people)].op("card.add", step_key="approaches", text=text)
    console.wait_for_selector("#board li.card >> nth=59")
    console.click("#timer-start")
    console.click("#people summary")
    console.fill("#step-notes", console.input_value("#step-notes") + "\n– Frau K. (Jugendamt) zuerst fragen")
    console.wait_for_selector("#notes-status:text-matches('gespeichert|saved')")
    console.set_viewport_size({"width": 1366, "height": 1000})
    console.screenshot(path=shot("console-room"))
    projector = console.context.new_page()
    for width, height in [(1920, 1080), (1280, 720)]:
        projector.set_viewport_size({"width": width, "height": height})
        projector.goto(f"{base}/sessions/{sid}/projector")
        projector.wait_for_selector("#board[data-pages]")
        projector.screenshot(path=shot(f"projector-60-cards-{width}x{height}"))
    projector.close()
    for person in people:
        person.close()


if __name__ == "__main__":
    main()
