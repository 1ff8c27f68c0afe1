"""The real pages in headless Chromium: a facilitator, the projector and five phones run a framing
session. Screenshots of each page are kept in test-artifacts/ for a person to look at."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.browser import PHONE, browser, login_page  # noqa: F401  (browser: fixture)
from tests.conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def watch(page, origin, problems):
    """Every request must stay on the app's own origin; no page may log an error."""
    page.on(
        "request",
        lambda r: (
            urlsplit(r.url)._replace(path="", query="", fragment="").geturl() != origin
            and not r.url.startswith("data:")
            and problems.append(f"{page.url}: request to {r.url}")
        ),
    )
    page.on("console", lambda m: m.type == "error" and problems.append(f"{page.url}: console error {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"{page.url}: {e}"))
    return page


def phone(browser):
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()


def test_framing_session_in_real_browsers(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    base, problems = server.base_url, []
    fid = server.facilitator()
    mid = server.measure("Anlaufstelle Prozessbegleitung", "2022-14222")
    sid, code = server.session(fid, mid, location="Raum 1")

    console = watch(
        login_page(
            browser, base, server.email("moderation@example.org"), PASSWORD, viewport={"width": 1280, "height": 900}
        ),
        base,
        problems,
    )
    console.goto(f"{base}/sessions/{sid}")
    expect(console.locator("#conn")).to_have_text("verbunden")
    projector = watch(console.context.new_page(), base, problems)
    projector.goto(f"{base}/sessions/{sid}/projector")
    expect(projector.locator(".big-code")).to_have_text(code)

    # One phone follows the QR link, the other types the code.
    kim = watch(phone(browser), base, problems)
    kim.goto(f"{base}/j/{code}")
    kim.fill("#display_name", "Kim")
    kim.get_by_label("Mein Name darf im Protokoll stehen").check()  # asked on the join page (issue 30)
    kim.click("button[type=submit]")
    anon = watch(phone(browser), base, problems)
    anon.goto(f"{base}/join")
    anon.fill("#code", code.lower())
    anon.click("button[type=submit]")
    anon.click("button[type=submit]")  # no name: anonymous
    others = []
    for name in ("Jo", "", "Ali"):  # three more follow the QR link
        page = watch(phone(browser), base, problems)
        page.goto(f"{base}/j/{code}")
        page.fill("#display_name", name)
        if name == "Ali":  # Ali agrees to be named in the protocol, Jo does not
            page.get_by_label("Mein Name darf im Protokoll stehen").check()
        page.click("button[type=submit]")
        others.append(page)
    phones = [kim, anon, *others]
    for page in phones:
        expect(page.locator("h1")).to_have_text("Gleich geht es los")
    expect(console.locator("#participants")).to_have_text("5")
    expect(projector.locator("#participants")).to_have_text("5")

    console.click("#start")
    expect(console.locator("#start")).to_be_hidden()
    for page in (kim, anon):
        expect(page.locator("h1")).to_have_text("Vorhandene Ansätze")

    kim.fill("#card-text", "Service-Agent:innen-Schulung")
    kim.click("#card-form button[type=submit]")
    anon.fill("#card-text", "Tippfeler")
    anon.click("#card-form button[type=submit]")
    mine = anon.locator("li.card.mine")
    expect(mine).to_have_count(1)
    mine.get_by_role("button", name="Bearbeiten").click()
    anon.locator("li.card.mine textarea").fill("Leitlinien Bürgerbeteiligung")
    anon.get_by_role("button", name="Speichern").click()
    for page in (kim, console, projector):
        expect(page.locator(".card-text", has_text="Leitlinien Bürgerbeteiligung")).to_have_count(1)
        expect(page.locator(".card-text", has_text="Service-Agent:innen-Schulung")).to_have_count(1)
    expect(kim.locator("li.card.mine")).to_have_count(1)  # Kim can change only her own card
    expect(kim.locator("li.card:not(.mine) button")).to_have_count(0)
    kim.locator("li.card.mine").get_by_role("button", name="Löschen").click()
    for page in (anon, console, projector):
        expect(page.locator(".card-text", has_text="Service-Agent")).to_have_count(0)
    for i, page in enumerate(others):
        page.fill("#card-text", f"Ansatz {i + 3}")
        page.click("#card-form button[type=submit]")
    for page in (*phones, console, projector):
        for i in range(3):
            expect(page.locator(".card-text", has_text=f"Ansatz {i + 3}")).to_have_count(1)
    kim.screenshot(path=ARTIFACTS / "participant-brainstorm.png", full_page=True)

    # Questions, then the dot vote.
    console.get_by_role("button", name="Zentrale Fragestellungen", exact=True).click()
    for page, text in ((kim, "Wer trägt die Anlaufstelle?"), (anon, "Wie messen wir Wirkung?")):
        expect(page.locator("h1")).to_have_text("Zentrale Fragestellungen")
        page.fill("#card-text", text)
        page.click("#card-form button[type=submit]")
        expect(page.locator(".card-text", has_text=text)).to_have_count(1)
    console.click("#next")
    expect(kim.locator(".budget")).to_have_text("Noch 5 von 5 Punkten")
    plus = kim.locator("li.card", has_text="Wer trägt").get_by_role(
        "button", name="Punkt geben: Wer trägt die Anlaufstelle?"
    )
    for remaining in (4, 3, 2):
        plus.click()
        expect(kim.locator(".budget")).to_have_text(f"Noch {remaining} von 5 Punkten")
    expect(plus).to_be_disabled()  # at most 3 on one card
    for page in others:
        page.get_by_role("button", name="Punkt geben: Wie messen wir Wirkung?").click()
        expect(page.locator(".budget")).to_have_text("Noch 4 von 5 Punkten")
    expect(projector.locator(".results li").first.locator(".votes")).to_have_text("3")
    expect(console.locator(".ranked li").first).to_contain_text("3 Punkte")
    projector.screenshot(path=ARTIFACTS / "projector-vote.png")

    console.click("#capture-top")  # a preview first, then the capture
    expect(console.locator("#capture-preview")).to_contain_text("Wer trägt die Anlaufstelle?")
    console.click("#capture-confirm")
    expect(console.locator("#capture-result")).to_contain_text("2 Zeile(n) in 1 Feld(er)")
    expect(console.locator("#captured")).to_contain_text("Wer trägt die Anlaufstelle?")
    console.click("#next")
    for page in phones:
        expect(page.locator("#board")).to_contain_text("Wer trägt die Anlaufstelle?")

    # A reload shows the same state.
    kim.reload()
    expect(kim.locator("h1")).to_have_text("Ergebnis für den Steckbrief")
    console.screenshot(path=ARTIFACTS / "console.png", full_page=True)

    with console.expect_download() as download:
        console.get_by_role("link", name="Protokoll (Markdown)").click()
    text = Path(download.value.path()).read_text()
    assert "| **Teilnehmende** | 5 (namentlich: Ali, Kim) |" in text  # Jo did not agree
    assert "- Wer trägt die Anlaufstelle? (3 Punkte, Kim)" in text

    console.goto(f"{base}/measures/{mid}")
    expect(console.locator("#field-central_questions .trace")).to_have_count(2)
    expect(console.locator("#field-central_questions .trace").first).to_contain_text("· 3 Punkte")
    assert problems == []


def test_cards_that_come_in_a_burst_reach_the_phone_page_in_batches(server, browser):
    """Several phones send at once: the room gets the events as `events` batches (the broadcast
    window), and the phone page must show every card from them."""
    base, problems = server.base_url, []
    sid, code = server.session(server.facilitator(), server.measure())
    facilitator = server.facilitator_client(sid, server.login())
    watcher = watch(phone(browser), base, problems)
    watcher.goto(f"{base}/j/{code}")
    watcher.click("button[type=submit]")
    expect(watcher.locator("h1")).to_have_text("Gleich geht es los")
    writers = [server.participant(sid, code) for _ in range(8)]
    try:
        assert facilitator.op("session.start")["ok"]
        expect(watcher.locator("h1")).to_have_text("Vorhandene Ansätze")
        with ThreadPoolExecutor(len(writers)) as pool:
            acks = list(
                pool.map(
                    lambda w: w[1].op("card.add", step_key="approaches", text=f"Ansatz {w[0]}"), enumerate(writers)
                )
            )
        assert all(ack["ok"] for ack in acks), acks
        facilitator.wait_seq(max(ack["seq"] for ack in acks))
        assert facilitator.batches, "the cards did not come as a batch; this test needs one"
        expect(watcher.locator("li.card")).to_have_count(len(writers))
        expect(watcher.locator("li.card", has_text="Ansatz 7")).to_be_visible()
    finally:
        for client in (facilitator, *writers):
            client.close()
    assert not problems, problems
