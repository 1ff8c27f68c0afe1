"""Screenshots of each process unit's projector and participant views (docs/screenshots/units/).

Participants and the facilitator act through real Socket.IO clients; one phone and the projector
are real Chromium pages, so what is captured is what the room sees.
Usage: .venv/bin/python scripts/unit_screenshots.py
"""

from __future__ import annotations

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

OUT = ROOT / "docs" / "screenshots" / "units"


class Room:
    def __init__(self, browser, base, db_factory, facilitator_id, measure_id, http_cookie, template):
        with db_factory() as db:
            ws = create_session(db, measure_id=measure_id, facilitator_id=facilitator_id, template_key=template)
            db.commit()
            self.sid, self.code = ws.id, ws.join_code
        self.base, self.template = base, template
        self.fac = LiveClient(base, self.sid, "facilitator", cookies=http_cookie)
        self.projector = browser.contexts[0].new_page()
        self.projector.set_viewport_size({"width": 1920, "height": 1080})
        self.projector.goto(f"{base}/sessions/{self.sid}/projector")
        self.phone = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        ).new_page()
        self.phone.goto(f"{base}/j/{self.code}")
        self.phone.click("button[type=submit]")
        self.phone.wait_for_selector("#conn[data-state=online]")
        self.people = [
            LiveClient(base, self.sid, "participant", token=join(base, self.code, name)["token"])
            for name in ("Alex", "", "Kim", "")
        ]
        assert self.fac.op("session.start")["ok"]

    def op(self, *args, **kwargs):
        ack = self.fac.op(*args, **kwargs)
        assert ack["ok"], ack
        return ack

    def shoot(self, name, wait_text=None, projector_text=None):
        """Screenshot both screens once each shows what it should (the projector may show less)."""
        if wait_text:
            self.phone.wait_for_selector(f"text={wait_text}")
            self.projector.wait_for_selector(f"text={projector_text or wait_text}")
        self.projector.screenshot(path=str(OUT / f"{self.template}-{name}-projector.png"))
        self.phone.screenshot(path=str(OUT / f"{self.template}-{name}-phone.png"), full_page=True)

    def close(self):
        for client in [self.fac, *self.people]:
            client.close()
        self.phone.context.close()
        self.projector.close()


def knowledge_merge(room):
    texts = [
        "Fachverfahren kennen nur wenige",
        "Bürgerämter haben Moderationserfahrung",
        "Hamburg hat eine Beteiligungsstelle",
        "Wissenschaft: Partizipation braucht Rückmeldung",
    ]
    for person, text in zip(room.people, texts):
        assert person.op("card.add", step_key="knowledge", column_key="internal", text=text)["ok"]
    room.phone.fill("#card-text", "Meine stille Karte")
    room.phone.click("#card-form button[type=submit]")
    room.shoot("silent", "Meine stille Karte", projector_text="5 Karten eingegangen")
    room.op("step.reveal", step_key="knowledge")
    room.op("step.goto", step_key="clusters")
    ids = {c["text"]: c["id"] for c in room.fac.cards("knowledge")}
    org = room.op("cluster.create", title="Organisation")["result"]["cluster_id"]
    ppl = room.op("cluster.create", title="Menschen und Kompetenzen")["result"]["cluster_id"]
    for text, cluster in zip(texts, [org, ppl, org, ppl]):
        room.op("card.cluster", card_id=ids[text], cluster_id=cluster)
    room.shoot("clusters", "Menschen und Kompetenzen")
    room.op("step.goto", step_key="weigh")
    for person in room.people:
        assert person.op("vote.add", cluster_id=ppl)["ok"]
    room.op("step.reveal", step_key="weigh")
    room.shoot("vote", "Punkte")


def co_drafting(room):
    for person, (column, text) in zip(
        room.people,
        [
            ("objectives", "Verwaltung moderiert Beteiligung selbst"),
            ("ideas", "Train-the-Trainer-Programm"),
            ("milestones", "Erste Kohorte ausgebildet"),
            ("indicators", "Anzahl begleiteter Prozesse"),
        ],
    ):
        assert person.op("card.add", step_key="draft", column_key=column, text=text)["ok"]
    room.op("timer.start", step_key="draft")
    room.shoot("draft", "Train-the-Trainer-Programm")
    room.op("step.goto", step_key="next_steps")
    room.op("action.add", who="Kim", what="Kostenschätzung erstellen", due="2026-12-15")
    room.shoot("actions", "Kostenschätzung erstellen")


def mandate(room):
    room.op("step.goto", step_key="consent")
    options = {c["text"]: c["id"] for c in room.fac.cards("consent")}
    for person, values in zip(room.people, [(2, 1, 9), (0, 3, 10), (7, 2, 8), (3, 0, 6)]):
        for card_id, value in zip(options.values(), values):
            assert person.op("rating.set", card_id=card_id, value=value)["ok"]
    room.phone.wait_for_selector(".scale-btn")
    room.phone.locator("li.card").first.get_by_role("button", name="Widerstand 2", exact=True).click()
    room.shoot("consent-rating", "Konsensieren", projector_text="5 Personen haben bewertet")
    room.op("step.reveal", step_key="consent")
    room.shoot("consent-result", "Geringster Widerstand")
    room.op("step.goto", step_key="fist")
    room.shoot("fist", "Faust der Fünf", projector_text="0 Antworten")


def public_participation(room):
    for person, text in zip(room.people, ["Mehr Sitzbänke am Markt", "Beleidigung", "Barrierefreie Wege"]):
        assert person.op("card.add", step_key="ideas", text=text)["ok"]
    pending = {c["text"]: c["id"] for c in room.fac.cards("ideas")}
    room.op("card.approve", card_id=pending["Mehr Sitzbänke am Markt"])
    room.op("card.approve", card_id=pending["Barrierefreie Wege"])
    room.op("card.hide", card_id=pending["Beleidigung"], hidden=True)
    room.phone.fill("#card-text", "Meine Idee wartet")
    room.phone.click("#card-form button[type=submit]")
    room.shoot("moderated", "wartet auf Freigabe", projector_text="Barrierefreie Wege")
    room.op("step.goto", step_key="priorities")
    for person, choices in zip(room.people, [[0, 2], [2], [1, 2, 3]]):
        assert person.op("poll.answer", choices=choices)["ok"]
    room.phone.get_by_role("button", name="Barrierefreiheit").click()
    room.shoot("poll", "4 Antworten")


UNITS = {
    "knowledge_merge": knowledge_merge,
    "co_drafting": co_drafting,
    "mandate": mandate,
    "public_participation": public_participation,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/shots.db"
        upgrade(url)
        factory = sessionmaker(bind=make_engine(url), expire_on_commit=False)
        with factory() as db:
            facilitator, ws, _ = seed_demo(db)
            fid, mid = facilitator.id, ws.measure_id
        process, base = start_server(url, Path(scratch) / "server.log")
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                console = login_page(browser, base, DEMO_EMAIL, DEMO_PASSWORD)
                cookie = "; ".join(f"{c['name']}={c['value']}" for c in console.context.cookies())
                for template, run in UNITS.items():
                    room = Room(browser, base, factory, fid, mid, cookie, template)
                    run(room)
                    room.close()
                browser.close()
        finally:
            stop_server(process)
    print(f"screenshots written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
