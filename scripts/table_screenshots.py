"""Screenshots of table groups (issue 33): the projector's overview of the tables, a phone at a table,
the console with every table, and the projector showing one table.

Usage: .venv/bin/python scripts/table_screenshots.py [--lang en]   (own server, scratch database)
A World Café session (session_templates/world_cafe.yaml): eleven people take seats at three tables
(ten as Socket.IO clients, one real phone that scans table 1's QR code), write, and the tables get
their hosts; writes docs/screenshots/tables-projector-overview[-en].png, tables-phone[-en].png,
tables-console[-en].png and tables-projector-table[-en].png.
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

from tests.browser import PHONE, launch, login_page  # noqa: E402
from tests.conftest import start_server, stop_server  # noqa: E402
from tests.live_client import LiveClient, join  # noqa: E402
from workshop.agenda.create import create_session  # noqa: E402
from workshop.db import make_engine  # noqa: E402
from workshop.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo  # noqa: E402
from workshop.migrate import upgrade  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
NAMES = ["Aylin", "Bernd", "", "Doris", "Emre", "", "Greta", "Hakan", "", "Jana"]
CARDS = {
    "de": {
        1: ["Busspur am Ring endet vor der Kreuzung", "Radwege zur Schule sind unterbrochen", "Carsharing fehlt am Stadtrand"],
        2: ["Tablets für alle Grundschulen", "WLAN in den Klassenzimmern"],
        3: ["Online-Termine im Bürgeramt", "Formulare nur auf Papier", "Bezahlen ohne Bargeld"],
    },
    "en": {
        1: ["The bus lane on the ring stops before the junction", "Cycle lanes to school are broken up", "No car sharing on the outskirts"],
        2: ["Tablets for every primary school", "Wi-Fi in the classrooms"],
        3: ["Online appointments at the citizens' office", "Forms only on paper", "Paying without cash"],
    },
}  # fmt: skip
PHONE_CARD = {"de": "Ampeln bevorzugen Busse nicht", "en": "Traffic lights do not favour buses"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=["de", "en"], default="de")
    lang = parser.parse_args().lang
    suffix = "" if lang == "de" else f"-{lang}"
    locale = "de-DE" if lang == "de" else "en-GB"
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/shots.db"
        upgrade(url)
        with sessionmaker(bind=make_engine(url))() as db:
            facilitator, demo, _ = seed_demo(db)
            ws = create_session(
                db, measure_id=demo.measure_id, facilitator_id=facilitator.id, template_key="world_cafe"
            )
            db.commit()
            sid, code = ws.id, ws.join_code
        process, base = start_server(url, Path(scratch) / "server.log")
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                console = login_page(
                    browser, base, DEMO_EMAIL, DEMO_PASSWORD, viewport={"width": 1600, "height": 1100}, locale=locale
                )
                console.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                console.goto(f"{base}/sessions/{sid}")
                console.click("#start")
                expect(console.locator(".tables-grid")).to_be_visible()
                projector = console.context.new_page()
                projector.set_viewport_size({"width": 1920, "height": 1080})
                projector.goto(f"{base}/sessions/{sid}/projector")

                phone_context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale=locale)
                phone_context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                phone = phone_context.new_page()
                phone.goto(f"{base}/j/{code}/t/1")  # table 1's QR code
                phone.fill("#display_name", "Lena")
                phone.click("button[type=submit]")
                expect(phone.locator("#my-table")).to_be_visible()

                people = [LiveClient(base, sid, "participant", token=join(base, code, n)["token"]) for n in NAMES]
                for index, person in enumerate(people):
                    assert person.op("table.sit", step_key="tables", table_no=index % 3 + 1)["ok"]
                for no, texts in CARDS[lang].items():
                    at_table = [p for i, p in enumerate(people) if i % 3 + 1 == no]
                    for i, text in enumerate(texts):
                        assert at_table[i % len(at_table)].op("card.add", step_key="tables", text=text)["ok"]
                for no in (2, 3):  # the hosts of tables 2 and 3; the phone takes on table 1
                    host = next(p for i, p in enumerate(people) if i % 3 + 1 == no)
                    assert host.op("table.host", step_key="tables", table_no=no)["ok"]
                pick_host = next(p for i, p in enumerate(people) if i % 3 + 1 == 3)
                for card in pick_host.cards("tables")[:2]:
                    assert pick_host.op("table.pick", card_id=card["id"])["ok"]
                console.click("button:has-text('Timer starten'), button:has-text('Start timer')")

                phone.get_by_role(
                    "button", name="Ich übernehme die Gastgeberrolle" if lang == "de" else "I will host this table"
                ).click()
                phone.fill("#card-text", PHONE_CARD[lang])
                phone.click("#card-form button[type=submit]")
                expect(phone.locator("li.card")).to_have_count(len(CARDS[lang][1]) + 1)
                phone.locator("li.card", has_text=CARDS[lang][1][0]).get_by_role("button").first.click()
                expect(phone.locator(".card-actions button.primary, li.card button.primary")).to_have_count(1)
                phone.evaluate("window.scrollTo(0, 0)")
                phone.screenshot(path=str(OUT / f"tables-phone{suffix}.png"), full_page=True)

                expect(projector.locator(".table-tile")).to_have_count(3)
                expect(projector.locator("#timer .timer")).to_be_visible()
                expect(projector.locator(".table-tile[data-table='1'] .table-host")).to_contain_text("Lena")
                projector.screenshot(path=str(OUT / f"tables-projector-overview{suffix}.png"))
                console.locator(".tables-grid").scroll_into_view_if_needed()
                console.screenshot(path=str(OUT / f"tables-console{suffix}.png"), full_page=True)
                console.locator(".table-column[data-table='1'] button.show-table").click()
                expect(projector.locator(".table-focus li.card")).to_have_count(len(CARDS[lang][1]) + 1)
                projector.screenshot(path=str(OUT / f"tables-projector-table{suffix}.png"))
                for person in people:
                    person.close()
                browser.close()
        finally:
            stop_server(process)
    print(f"wrote docs/screenshots/tables-*{suffix}.png")


if __name__ == "__main__":
    main()
