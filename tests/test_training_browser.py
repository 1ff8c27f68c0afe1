"""Debrief and replay in a real browser: two observers' notes on the timeline, and a replay whose
projector and phone frames show, at a chosen moment, what the live screens showed then."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser import PHONE, browser, login_page  # noqa: F401  (browser: fixture)
from tests.conftest import PASSWORD
from tests.live_client import LiveClient, cookie_header
from tests.test_browser import watch
from workshop.sessions.models import WorkshopSession
from workshop.training.practice import create_practice_session

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def test_debrief_with_two_observers_notes_and_a_replay_at_a_moment(server, browser):
    trainer = server.facilitator("trainer@example.org", "Tina Trainer")
    observers = [server.facilitator(f"beobachtung{n}@example.org", name) for n, name in ((1, "Olga"), (2, "Omar"))]
    with server.db() as db:
        ws = create_practice_session(db, facilitator_id=trainer, template_key="framing", title="Übung Rahmen")
        db.commit()
        sid, mid, code = ws.id, ws.measure_id, ws.join_code
    for observer in observers:  # trainees watch as observers of the exercise measure
        server.member(mid, observer, "observer")

    http = server.login("trainer@example.org")
    fac = LiveClient(server.base_url, sid, "facilitator", cookies=cookie_header(http))
    people = [server.participant(sid, code, name) for name in ("Ada", "Ben")]
    try:
        assert fac.op("session.start")["ok"]
        first = people[0].op("card.add", step_key="approaches", text="Online-Termine im Bürgeramt")["seq"]
        second = people[1].op("card.add", step_key="approaches", text="Digitallotsen in Bibliotheken")["seq"]
        assert fac.op("step.lock", step_key="approaches", locked=True)["ok"]
        last = fac.op("step.goto", step_key="scope")["seq"]
        fac.wait_seq(last)
    finally:
        for client in (fac, *people):
            client.close()

    problems: list[str] = []
    for n, observer_email in enumerate(("beobachtung1@example.org", "beobachtung2@example.org"), 1):
        page = watch(
            login_page(browser, server.base_url, server.email(observer_email), PASSWORD), server.base_url, problems
        )
        page.goto(f"{server.base_url}/sessions/{sid}/debrief")
        page.fill("#note-text", f"Beobachtung {n}: Die Sperre kam ohne Ansage.")
        page.get_by_role("button", name="Notiz speichern").click()
        expect(page.locator(".flash-success")).to_contain_text("Notiz gespeichert")
        page.context.close()

    page = watch(
        login_page(browser, server.base_url, server.email("trainer@example.org"), PASSWORD), server.base_url, problems
    )
    page.goto(f"{server.base_url}/sessions/{sid}/debrief")
    timeline = page.locator("#timeline")
    for text in (
        "Beobachtung 1: Die Sperre kam ohne Ansage.",
        "Beobachtung 2: Die Sperre kam ohne Ansage.",
        "Eingabe gesperrt: Vorhandene Ansätze",
        "Olga",
        "Omar",
    ):
        expect(timeline).to_contain_text(text)
    expect(page.locator("#participation-summary")).to_contain_text("2 Teilnehmende")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "training-debrief.png"), full_page=True)

    page.set_viewport_size({"width": 1600, "height": 1000})
    page.goto(f"{server.base_url}/sessions/{sid}/replay")
    projector = page.frame_locator("iframe[title^='Leinwand']")
    phone = page.frame_locator("#replay-phone")
    expect(projector.locator("body")).to_be_visible()

    def show(seq: int) -> None:
        page.eval_on_selector(
            "#replay-scrubber",
            "(el, seq) => { el.value = String(seq); el.dispatchEvent(new Event('input', { bubbles: true })); }",
            seq,
        )

    show(first)  # Ada's card is there, Ben's is not yet (the projector may page: count, not visibility)
    expect(projector.get_by_text("Online-Termine im Bürgeramt")).to_have_count(1)
    expect(projector.get_by_text("Digitallotsen in Bibliotheken")).to_have_count(0)
    expect(phone.get_by_text("Online-Termine im Bürgeramt")).to_be_visible()
    show(second)
    expect(projector.get_by_text("Digitallotsen in Bibliotheken")).to_have_count(1)
    page.get_by_role("button", name="Weiter zu „Maßnahmenumfang“").click()  # an intervention mark
    expect(page.locator("#replay-scrubber")).to_have_value(str(last))
    expect(projector.locator("body")).to_contain_text("Was gehört zur Maßnahme")
    show(0)
    expect(projector.get_by_text("Online-Termine im Bürgeramt")).to_have_count(0)
    show(last)
    page.screenshot(path=str(SCREENSHOTS / "training-replay.png"))
    with server.db() as db:
        assert db.get(WorkshopSession, sid).status == "live"  # the replay changed nothing
    assert not problems, problems
