"""The live room in real Chromium pages (issue 13): the facilitator's console under stress (now and
next, who is here, private notes, shortcuts) and a projector that holds 25 phones and 60 cards."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, login_page
from tests.conftest import PASSWORD
from tests.test_browser import browser, watch  # noqa: F401  (fixture)

MIN_TEXT_PX = 24  # --projector-min-text in static/css/app.css
MIN_NUMBER_PX = 40  # --projector-min-number


def test_console_now_next_people_notes_and_shortcuts(server, browser):
    base, problems = server.base_url, []
    fid = server.facilitator()
    sid, code = server.session(fid, server.measure())
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

    people = [server.participant(sid, code, name) for name in ("Ali", "Jo", "")]
    expect(console.locator("#participants")).to_have_text("3")
    expect(projector.locator("#participants")).to_have_text("3")  # it once showed "0 dabei"
    console.click("#people summary")
    expect(console.locator("#people-list li")).to_have_text(["Ali", "Jo", "1 Person ohne Namen"])
    projector.reload()
    expect(projector.locator("#participants")).to_have_text("3")

    console.click("#start")
    expect(console.locator("#now .step-summary-title")).to_have_text("Vorhandene Ansätze")
    expect(console.locator("#next-preview .step-summary-title")).to_have_text("Maßnahmenumfang")
    # Regression (issue 13): the title and the prompt stood twice, under "now" and above the board.
    # (The cockpit shows the prompt above the board and the title in the control column: once each.)
    main = console.locator(".cockpit-panel, .stage")  # the agenda lists every title anyway
    expect(main.get_by_text("Vorhandene Ansätze", exact=True).filter(visible=True)).to_have_count(1)
    prompt = main.get_by_text("Welche Projekte, Initiativen und Vorarbeiten", exact=False).filter(visible=True)
    expect(prompt).to_have_count(1)
    expect(console.locator("#now .eyebrow")).to_have_text("Jetzt · Schritt 1 von 6")

    # Notes: prefilled from the unit's guide, the facilitator's own text is stored and comes back.
    assert console.locator("#step-notes").input_value().startswith("Ziel: Den Rahmen der Maßnahme setzen")
    console.fill("#step-notes", "Frau K. zuerst fragen")
    expect(console.locator("#notes-status")).to_have_text("gespeichert")
    # Private: neither in any phone's state nor in any event it received.
    assert all("Frau K." not in str(p.state) + str(p.events) for p in people)

    # Shortcuts: n / b move, but not while typing in a field.
    console.locator("#step-notes").press("n")
    expect(console.locator("#step-notes")).to_have_value("Frau K. zuerst fragenn")  # typed, not "next"
    expect(console.locator("#now .step-summary-title")).to_have_text("Vorhandene Ansätze")
    console.locator("#step-notes").press("Backspace")
    expect(console.locator("#notes-status")).to_have_text("gespeichert")
    console.locator("body").click(position={"x": 5, "y": 5})
    console.keyboard.press("n")
    expect(console.locator("#now .step-summary-title")).to_have_text("Maßnahmenumfang")
    expect(projector.locator("h1")).to_have_text("Maßnahmenumfang")
    assert console.locator("#step-notes").input_value().startswith("Ziel:")  # the next step's own notes
    console.keyboard.press("l")
    expect(console.locator("#lock")).to_have_attribute("aria-pressed", "true")
    console.keyboard.press("l")
    expect(console.locator("#lock")).to_have_attribute("aria-pressed", "false")
    console.keyboard.press("t")
    expect(console.locator("#timer-pause")).to_be_enabled()
    console.keyboard.press("b")
    expect(console.locator("#now .step-summary-title")).to_have_text("Vorhandene Ansätze")

    console.reload()
    expect(console.locator("#step-notes")).to_have_value("Frau K. zuerst fragen")
    expect(console.locator("#shortcuts")).to_contain_text("nächster Schritt")

    # WCAG 2.1.4: the single keys can be switched off, and stay off after a reload
    console.locator("#shortcuts summary").click()
    console.get_by_label("Tastenkürzel verwenden").uncheck()
    console.keyboard.press("l")
    console.keyboard.press("n")
    console.reload()
    expect(console.get_by_label("Tastenkürzel verwenden")).not_to_be_checked()
    expect(console.locator("#now .step-summary-title")).to_have_text("Vorhandene Ansätze")
    expect(console.locator("#lock")).to_have_attribute("aria-pressed", "false")
    console.locator("#shortcuts summary").click()
    console.get_by_label("Tastenkürzel verwenden").check()
    for p in people:
        p.close()
    assert problems == []


def _session_on_a_projector(server, browser, viewport: dict, problems: list):
    """A new session, its console (logged in), a facilitator socket and its projector page at
    `viewport`: (session id, join code, console page, facilitator client, projector page)."""
    sid, code = server.session(server.facilitator(), server.measure())
    console = login_page(browser, server.base_url, server.email("moderation@example.org"), PASSWORD)
    facilitator = server.facilitator_client(sid, server.login())
    projector = watch(console.context.new_page(), server.base_url, problems)
    projector.set_viewport_size(viewport)
    projector.goto(f"{server.base_url}/sessions/{sid}/projector")
    return sid, code, console, facilitator, projector


def _visible_card_ids(projector) -> set[int]:
    return set(
        projector.evaluate("""() => [...document.querySelectorAll('#board li.card')]
        .filter((li) => { const r = li.getBoundingClientRect(); return li.offsetParent !== null
          && r.bottom <= innerHeight + 1 && r.right <= innerWidth + 1 && r.top >= 0; })
        .map((li) => Number(li.dataset.cardId))""")
    )


def _too_small_texts(projector) -> list[str]:
    return projector.evaluate(
        """(min) => {
      const small = [];
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        const node = walker.currentNode;
        const el = node.parentElement;
        if (!node.textContent.trim() || !el || el.offsetParent === null && getComputedStyle(el).position !== 'fixed') continue;
        if (el.closest('.visually-hidden, script, style, svg')) continue;
        const size = parseFloat(getComputedStyle(el).fontSize);
        if (size < min) small.push(`${size}px: ${node.textContent.trim().slice(0, 40)}`);
      }
      return small;
    }""",
        MIN_TEXT_PX,
    )


@pytest.mark.parametrize("viewport", [{"width": 1920, "height": 1080}, {"width": 1280, "height": 720}])
def test_projector_holds_25_phones_and_60_cards(server, browser, viewport):
    base, problems = server.base_url, []
    sid, code, console, facilitator, projector = _session_on_a_projector(server, browser, viewport, problems)

    # 22 phones as Socket.IO clients, 3 as real pages: 25 people.
    with ThreadPoolExecutor(8) as pool:
        clients = list(pool.map(lambda i: server.participant(sid, code, f"P{i}"), range(22)))
    pages = []
    for _ in range(3):
        page = watch(browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page(), base, problems)
        page.goto(f"{base}/j/{code}")
        page.click("button[type=submit]")
        expect(page.locator("#conn")).to_have_text("verbunden")
        pages.append(page)
    expect(projector.locator("#participants")).to_have_text("25")
    assert facilitator.op("session.start")["ok"]

    texts = [f"Beitrag {n}: " + ("kurz" if n % 3 else "ein etwas längerer Gedanke aus der Runde") for n in range(57)]
    with ThreadPoolExecutor(8) as pool:
        acks = list(pool.map(lambda n: clients[n % 22].op("card.add", step_key="approaches", text=texts[n]), range(57)))
    assert all(a["ok"] for a in acks)
    for i, page in enumerate(pages):
        page.fill("#card-text", f"Vom Telefon {i}")
        page.click("#card-form button[type=submit]")
        expect(page.locator("li.card.mine")).to_have_count(1)
    expect(projector.locator("#board li.card")).to_have_count(60)

    # Page through (the projector also turns pages by itself every few seconds): every page once.
    board = projector.locator("#board")
    pages_count = int(board.get_attribute("data-pages"))
    seen: dict[int, set[int]] = {}
    for _turn in range(3 * pages_count):
        page_no = int(board.get_attribute("data-page"))
        ids = _visible_card_ids(projector)
        if page_no == int(board.get_attribute("data-page")):  # no page turn in between
            seen[page_no] = ids
            assert _too_small_texts(projector) == [], f"page {page_no} at {viewport}"
        if len(seen) == pages_count:
            break
        projector.keyboard.press("ArrowRight")
        expect(board).not_to_have_attribute("data-page", str(page_no))
    shown = set().union(*seen.values())
    all_ids = {c["id"] for c in facilitator.cards("approaches")}
    assert len(all_ids) == 60 and shown == all_ids, f"{len(shown)} of 60 cards shown over {pages_count} page(s)"
    print(f"{viewport['width']}×{viewport['height']}: 60 cards on {pages_count} page(s)")
    # The join address breaks before "/join" if at all, never inside it (it showed "…:5077/j" + "oin").
    join_lines = projector.evaluate("""() => {
        const el = document.querySelector('.join-url');
        const node = [...el.childNodes].reverse().find((n) => n.nodeType === Node.TEXT_NODE && n.textContent.includes('/join'));
        const start = node.textContent.lastIndexOf('/join');
        const range = document.createRange();
        range.setStart(node, start);
        range.setEnd(node, start + 5);
        return range.getClientRects().length;
    }""")
    assert join_lines == 1, f"'/join' split over {join_lines} lines at {viewport}"
    numbers = projector.evaluate("""() => [...document.querySelectorAll('.join-count, .votes, .big-count, .timer')]
        .filter((el) => el.offsetParent !== null).map((el) => parseFloat(getComputedStyle(el).fontSize))""")
    assert numbers and min(numbers) >= MIN_NUMBER_PX
    for client in clients:
        client.close()
    facilitator.close()
    assert problems == []


def test_blitzlicht_on_phone_projector_and_console(server, browser):
    """The new activity end to end: its own server and front-end modules, nothing else."""
    from workshop.sessions.models import WorkshopSession

    base, problems = server.base_url, []
    fid = server.facilitator()
    sid, code = server.session(fid, server.measure())
    with server.db() as db:
        ws = db.get(WorkshopSession, sid)
        ws.template = {
            **ws.template,
            "steps": [
                {
                    "key": "flash",
                    "type": "blitzlicht",
                    "title": {"de": "Blitzlicht"},
                    "prompt": {"de": "Ein Wort zum Stand"},
                    "timebox_minutes": 5,
                },
                *ws.template["steps"],
            ],
        }
        db.commit()
    console = watch(login_page(browser, base, server.email("moderation@example.org"), PASSWORD), base, problems)
    console.goto(f"{base}/sessions/{sid}")
    projector = watch(console.context.new_page(), base, problems)
    projector.goto(f"{base}/sessions/{sid}/projector")
    phone = watch(browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page(), base, problems)
    phone.goto(f"{base}/j/{code}")
    phone.click("button[type=submit]")
    others = [server.participant(sid, code) for _ in range(2)]
    # The text-size control: larger text, kept on this phone over a reload (clicked once the page's
    # script runs: under load a click could land before its listener, seen once with 2 busy cores).
    root_size = "() => getComputedStyle(document.documentElement).fontSize"
    expect(phone.locator("#conn")).to_have_text("verbunden")
    phone.click("#text-larger")
    assert phone.evaluate(root_size) == "20px"
    phone.reload()
    expect(phone.locator("#text-smaller")).to_be_enabled()
    assert phone.evaluate(root_size) == "20px"
    console.click("#start")

    phone.fill("#blitz-word", "Mut")
    phone.click("#blitz-word ~ button[type=submit]")
    expect(phone.locator(".meta", has_text="Ihr Wort: Mut")).to_be_visible()  # its own form, via the reducer
    assert others[0].op("blitz.say", text="mut")["ok"] and others[1].op("blitz.say", text="Zeit")["ok"]
    expect(projector.locator(".word-cloud .word")).to_have_count(2)
    expect(projector.locator(".word", has_text="Mut").locator(".votes")).to_have_text("2")
    expect(console.locator("#board")).to_contain_text("3 Personen haben ein Wort gesendet.")
    # Typing is not lost when someone else's word arrives; replacing keeps one voice each.
    phone.fill("#blitz-word", "Zuversi")
    assert others[1].op("blitz.say", text="Geduld")["ok"]
    expect(projector.locator(".word", has_text="Geduld")).to_have_count(1)
    expect(phone.locator("#blitz-word")).to_have_value("Zuversi")
    phone.fill("#blitz-word", "Zuversicht")
    phone.click("#blitz-word ~ button[type=submit]")
    expect(projector.locator(".word", has_text="Zuversicht").locator(".votes")).to_have_text("1")
    expect(projector.locator(".word", has_text="Mut").locator(".votes")).to_have_text("1")
    if not console.locator("#capture-field").input_value():  # no field is guessed: choose one
        console.select_option("#capture-field", "inspiring_examples")
    console.click("#capture-top")
    console.click("#capture-confirm")  # after the preview (capture.js)
    expect(console.locator("#capture-result")).to_contain_text("übernommen")
    for other in others:
        other.close()
    assert problems == []


def test_one_long_card_does_not_push_the_short_ones_off_the_projector(server, browser):
    """Found by hand: with one card at the 500-character limit, every card in its grid row
    stretched to its height, none ended above the board's bottom, and the projector showed one
    short card per page (4 cards, "Seite 1 von 4", the rest of the wall empty)."""
    problems: list = []
    sid, code, _console, facilitator, projector = _session_on_a_projector(
        server, browser, {"width": 1920, "height": 1080}, problems
    )
    people = [server.participant(sid, code, name) for name in ("Kim", "Ali", "Jo", "Mo")]
    assert facilitator.op("session.start")["ok"]
    long_text = ("Beratung vor Ort im Bürgeramt mit festen Sprechzeiten und Dolmetschung " * 8)[:500]
    for person, text in zip(people, ["Idee eins", "Idee zwei", "Idee drei", long_text], strict=True):
        assert person.op("card.add", step_key="approaches", text=text)["ok"]
    expect(projector.locator("#board li.card")).to_have_count(4)
    board = projector.locator("#board")
    expect(board).to_have_attribute("data-page", "1")
    first_page = _visible_card_ids(projector)
    texts = {c["id"]: c["text"] for c in facilitator.cards("approaches")}
    assert {texts[i] for i in first_page} >= {"Idee eins", "Idee zwei", "Idee drei"}, board.get_attribute("data-pages")
    for client in [*people, facilitator]:
        client.close()
    assert problems == []
