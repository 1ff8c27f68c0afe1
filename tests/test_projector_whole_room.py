"""The projector for the whole room (issue 30, point 4), in a real browser at 1920×1080 and 1280×720.

- clusters are one whole board: every cluster with its title on every page, each page showing the
  next cards of all of them (before: one cluster per page, "Seite 3 von 7", half the screen empty);
- with two columns and the timer started after the board was laid out, no card is cut off;
- an input's image is fitted into the room it has, never cut off at the bottom;
- long German and English words break with a hyphen (lang set on the texts).
One server and one browser for the module.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.a11y import EMAIL, a11y_server
from tests.browser import (
    login_page,
    module_browser,  # noqa: F401  (the module's browser fixture)
)
from tests.conftest import PASSWORD
from tests.walk import Walk, make_walk_session
from workshop.sessions.models import SessionFile

SIZES = [(1920, 1080), (1280, 720)]
MIN_TEXT_PX = 24


def three_page_pdf() -> bytes:
    out = io.BytesIO()
    pages = [Image.new("RGB", (842, 595), colour) for colour in ((200, 30, 30), (30, 160, 30), (30, 30, 200))]
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:])
    return out.getvalue()


def tall_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 1200), (11, 92, 171)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    for running in a11y_server(tmp_path_factory, "projector_room"):
        running.mid = running.measure("Prozessbegleitung")
        running.sid, running.code = running.session(running.fid, running.mid)
        slide = SessionFile(
            name="befund.png", mime="image/png", size=0, data=tall_png(), alt_text="Drei Befunde in einem Bild"
        )
        deck = SessionFile(name="befunde.pdf", mime="application/pdf", size=0, data=three_page_pdf())
        with running.db() as db:
            make_walk_session(db, running.sid, files=[slide, deck])
            running.deck_id = deck.id
        walk = Walk(running.sessions, running.sid, running.fid)
        walk.join(28)
        running.made = walk.run(cards=80, until="weigh")
        walk.goto("input")
        running.walk = walk
        yield running


@pytest.fixture(scope="module")
def projector(server, browser):
    page = login_page(browser, server.base_url, EMAIL, PASSWORD, viewport={"width": 1920, "height": 1080})
    page.goto(f"{server.base_url}/sessions/{server.sid}/projector")
    expect(page.locator("#conn")).to_have_attribute("data-state", "online")
    yield page
    page.context.close()


def show(server, projector, key: str, title: str, size) -> None:
    server.walk.goto(key)
    projector.set_viewport_size({"width": size[0], "height": size[1]})
    projector.reload()
    expect(projector.locator("h1")).to_have_text(title)


PAGE = """() => {
  const board = document.querySelector('#board').getBoundingClientRect();
  const drawn = (el) => el.offsetParent !== null;
  const cards = [...document.querySelectorAll('#board li.card')].filter(drawn);
  const cut = cards.filter((c) => { const r = c.getBoundingClientRect();
    return r.bottom > board.bottom + 1 || r.right > board.right + 1 || r.bottom > innerHeight; })
    .map((c) => c.innerText.slice(0, 30));
  const clusters = [...document.querySelectorAll('#board section.cluster')].filter(drawn)
    .map((s) => { const r = s.querySelector('h3').getBoundingClientRect();
      return { title: s.querySelector('h3').innerText, inView: r.top >= 0 && r.bottom <= innerHeight,
               cards: [...s.querySelectorAll('li.card')].filter(drawn).length }; });
  const small = [...document.querySelectorAll('#board li.card, #board h3')].filter(drawn)
    .filter((e) => parseFloat(getComputedStyle(e).fontSize) < 24).length;
  return { ids: cards.map((c) => Number(c.dataset.cardId)), cut, clusters, small,
           pages: Number(document.querySelector('#board').dataset.pages) };
}"""


def pages_of(projector) -> list[dict]:
    first = projector.evaluate(PAGE)
    seen = [first]
    for _ in range(first["pages"] - 1):
        before = projector.evaluate("() => document.querySelector('#board').dataset.page")
        projector.keyboard.press("ArrowRight")
        projector.wait_for_function("(b) => document.querySelector('#board').dataset.page !== b", arg=before)
        seen.append(projector.evaluate(PAGE))
    return seen


@pytest.mark.parametrize("size", SIZES)
def test_clusters_are_one_whole_board_on_every_page(server, projector, size):
    show(server, projector, "clusters", "Ordnen", size)
    seen = pages_of(projector)
    shown = set()
    for number, found in enumerate(seen, 1):
        assert [c["title"] for c in found["clusters"]] == [f"Thema {n} ({7 if n <= 4 else 6})" for n in range(1, 7)], (
            number
        )
        assert all(c["inView"] for c in found["clusters"]), (number, found["clusters"])
        assert found["cut"] == [] and found["small"] == 0, (number, found)
        # every page shows cards of more than one cluster (not "one cluster per page")
        assert sum(1 for c in found["clusters"] if c["cards"]) > 1 or number == len(seen), (number, found)
        shown |= set(found["ids"])
    assert shown == set(server.made["knowledge"]), "every card on some page"
    assert len(seen) <= (2 if size[0] >= 1920 else 4), len(seen)


@pytest.mark.parametrize("size", SIZES)
def test_two_columns_and_a_timer_started_later_cut_off_no_card(server, projector, size):
    show(server, projector, "knowledge", "Was wissen wir?", size)
    expect(projector.locator("#board .column h2")).to_have_count(2)
    facilitator = server.facilitator_client(server.sid, server.http)  # live, so the projector gets it
    assert facilitator.op("timer.start", step_key="knowledge")["ok"]  # after the layout
    expect(projector.locator("#timer .timer")).to_be_visible()
    shown = set()
    for number, found in enumerate(pages_of(projector), 1):
        assert found["cut"] == [], (number, found["cut"])
        shown |= set(found["ids"])
    assert shown == set(server.made["knowledge"])
    assert facilitator.op("timer.pause", step_key="knowledge")["ok"]
    facilitator.close()


@pytest.mark.parametrize("size", SIZES)
def test_an_input_image_is_fitted_never_cut_off(server, projector, size):
    show(server, projector, "input", "Input", size)
    image = projector.get_by_role("img", name="Drei Befunde in einem Bild")
    expect(image).to_be_visible()
    projector.wait_for_function("() => document.querySelector('#board img').complete")
    box = projector.evaluate("""() => { const img = document.querySelector('#board img');
      const r = img.getBoundingClientRect(), b = document.querySelector('#board').getBoundingClientRect();
      const scale = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
      return { bottom: r.bottom, boardBottom: b.bottom, fit: getComputedStyle(img).objectFit,
               drawnHeight: img.naturalHeight * scale, height: innerHeight }; }""")
    assert box["fit"] == "contain"
    assert box["bottom"] <= box["boardBottom"] + 1 and box["bottom"] <= box["height"], box
    assert box["drawnHeight"] > 0.5 * (box["boardBottom"] - 200), "it fills the room, not a thumbnail"


def test_long_words_break_with_a_hyphen_in_german_and_english(server, projector):
    walk = server.walk
    walk.goto("practices")
    for text in ("Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen", "Verwaltungsdigitalisierungsstrategie"):
        walk.apply(walk.people[0], "card.add", step_key="practices", text=text)
    for lang, word in (("de", "Donaudampfschifffahrtsgesellschaftskapitänsmützenabzeichen"), ("en", None)):
        projector.context.add_cookies([{"name": "lang", "value": lang, "url": server.base_url}])
        projector.set_viewport_size({"width": 1280, "height": 720})
        projector.reload()
        expect(projector.locator("#board li.card")).to_have_count(2)
        found = projector.evaluate("""() => {
          const h1 = document.querySelector('#step h1');
          const cards = [...document.querySelectorAll('#board li.card .card-text')];
          return { page: document.documentElement.lang, h1: h1.closest('[lang]').lang,
            hyphens: getComputedStyle(cards[0]).hyphens,
            soft: cards.map((c) => c.textContent.includes('\\u00ad')),
            overflow: cards.some((c) => c.scrollWidth > c.clientWidth + 1) }; }""")
        assert found["page"] == lang and found["hyphens"] == "auto", found
        assert found["overflow"] is False, found
        # The browser hyphenates by itself, or the words got soft hyphens (this Chromium has no dictionary).
        assert all(found["soft"]) or projector.evaluate(
            "() => !document.querySelector('#board .card-text').textContent.includes('\\u00ad')"
        )
        if word:
            assert projector.locator("#board li.card", has_text=word).count() == 1  # the text reads the same
    # An English page, a format without English: the title says it is German (its hyphenation too).
    assert projector.evaluate("() => document.querySelector('#step h1').lang") in ("en", "de")
    projector.context.add_cookies([{"name": "lang", "value": "de", "url": server.base_url}])


def test_a_pdf_is_shown_page_by_page_and_the_room_follows_the_facilitator(server, projector, browser):
    show(server, projector, "input", "Input", (1920, 1080))
    page_image = projector.locator("figure.pdf-page img")
    expect(page_image).to_have_attribute("data-page", "1")
    expect(projector.locator("figure.pdf-page figcaption")).to_contain_text("Seite 1 von 3")
    projector.wait_for_function("() => document.querySelector('figure.pdf-page img').naturalWidth > 0")
    assert projector.evaluate("() => document.querySelector('figure.pdf-page img').naturalWidth") == 1600
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{server.base_url}/j/{server.code}")
    phone.click("button[type=submit]")
    expect(phone.locator("figure.pdf-page img")).to_have_attribute("data-page", "1")
    console = login_page(browser, server.base_url, EMAIL, PASSWORD, viewport={"width": 1366, "height": 768})
    console.goto(f"{server.base_url}/sessions/{server.sid}")
    console.get_by_role("button", name="Nächste Seite von befunde.pdf").click()
    for screen in (projector, phone, console):
        expect(screen.locator("figure.pdf-page img")).to_have_attribute("data-page", "2")
    expect(projector.locator("figure.pdf-page figcaption")).to_contain_text("Seite 2 von 3")
    console.get_by_role("button", name="Nächste Seite von befunde.pdf").click()
    expect(console.get_by_role("button", name="Nächste Seite von befunde.pdf")).to_be_disabled()  # the last page
    expect(projector.locator("figure.pdf-page img")).to_have_attribute("data-page", "3")
    # An op with an event, like every change: a reload (and a replay) shows the same page.
    phone.reload()
    expect(phone.locator("figure.pdf-page img")).to_have_attribute("data-page", "3")
    with server.db() as db:
        from sqlalchemy import select

        from workshop.live.models import Event

        turns = db.scalars(select(Event.type).where(Event.session_id == server.sid, Event.type == "input.paged")).all()
    assert len(turns) == 2
    # Only the session's viewers get the pages; a page that is not there is not found.
    stranger = browser.new_context().new_page()
    answer = stranger.request.get(f"{server.base_url}/sessions/{server.sid}/files/{server.deck_id}/pages/1")
    assert answer.status == 404
    assert (
        projector.request.get(f"{server.base_url}/sessions/{server.sid}/files/{server.deck_id}/pages/4").status == 404
    )
    for page in (phone, console, stranger):
        page.context.close()
