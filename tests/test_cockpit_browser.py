"""The facilitator's console as a cockpit (issue 30, point 2), in a real browser.

The walk's session grown to 20 steps and 80 cards (28 people; a dot vote on 40 cards, clusters,
a vote on clusters): at 1366×768 and 1920×1080 the current step, next/back, the timer, lock and
reveal and the capture panel are on screen without scrolling the page, in every kind of step; the
board and the agenda scroll in their own regions. All of it works by keyboard alone, the focus
order starts at the controls, and axe finds nothing. One server and one browser for the module.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.a11y import EMAIL, a11y_server, axe_violations
from tests.browser import (
    login_page,
    module_browser,  # noqa: F401  (the module's browser fixture)
)
from tests.conftest import PASSWORD
from tests.walk import Walk, make_walk_session

# Every control the cockpit must keep in view, by the step kinds that show it.
ALWAYS = [
    "#now .step-summary-title",
    "#prev",
    "#next",
    "#timer-start",
    "#timer-pause",
    "#timer-plus",
    "#timer-minus",
    "#lock",
]
CAPTURE = ["#capture-field", "#capture-append", "#capture-top"]
STEPS = {
    # step key: (title, the controls it shows besides ALWAYS)
    "questions": ("Zentrale Fragestellungen", [*CAPTURE, "#capture-selected"]),  # 40 cards
    "vote": ("Punkte vergeben", [*CAPTURE, "#capture-selected"]),  # a dot vote on those 40 cards
    "knowledge": ("Was wissen wir?", [*CAPTURE, "#capture-selected"]),  # 22 cards, two columns
    "clusters": ("Ordnen", CAPTURE),
    "weigh": ("Was ist wichtig?", [*CAPTURE, "#reveal", "#capture-as"]),  # hidden vote on clusters
}

IN_VIEW = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return `${selector}: not on the page`;
  const r = el.getBoundingClientRect();
  if (!r.width || !r.height) return `${selector}: not drawn`;
  if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth)
    return `${selector}: outside the window (${Math.round(r.top)}..${Math.round(r.bottom)} of ${innerHeight})`;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  if (!hit || !(el === hit || el.contains(hit) || hit.contains(el) || el.labels && [...el.labels].some((l) => l.contains(hit))))
    return `${selector}: covered by ${hit && (hit.id || hit.className || hit.tagName)}`;
  return null;
}"""

PAGE_SCROLLS = "() => document.scrollingElement.scrollHeight - innerHeight"
REGION_SCROLLS = "(selector) => { const r = document.querySelector(selector); return r.scrollHeight - r.clientHeight; }"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    for running in a11y_server(tmp_path_factory, "cockpit"):
        running.mid = running.measure("Prozessbegleitung um (digitale) Partizipation", "2022-14222")
        running.sid, running.code = running.session(running.fid, running.mid)
        with running.db() as db:
            make_walk_session(db, running.sid, extra_steps=2)  # 20 steps
        walk = Walk(running.sessions, running.sid, running.fid)
        walk.join(28)
        running.made = walk.run(
            cards=80, until="weigh", per_step={"approaches": 6, "scope": 6, "dependencies": 6, "questions": 40}
        )
        yield running


@pytest.fixture(scope="module")
def console(server, browser):
    page = login_page(browser, server.base_url, EMAIL, PASSWORD, viewport={"width": 1366, "height": 768})
    page.goto(f"{server.base_url}/sessions/{server.sid}")
    expect(page.locator("#conn")).to_have_attribute("data-state", "online")
    yield page
    page.context.close()


def go_to(page, key: str, title: str) -> None:
    page.locator("#agenda li", has_text=title).first.get_by_role("button").click()
    expect(page.locator("#now .step-summary-title")).to_have_text(title)


def test_the_session_is_as_long_as_the_walk(server):
    with server.db() as db:
        from workshop.activities.models import Card
        from workshop.sessions.models import WorkshopSession

        ws = db.get(WorkshopSession, server.sid)
        assert len(ws.steps) == 20
        assert db.query(Card).filter(Card.session_id == server.sid).count() == 80
        assert len(ws.participants) == 28


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_every_control_stays_in_view_in_every_kind_of_step(server, console, size):
    console.set_viewport_size({"width": size[0], "height": size[1]})
    problems = []
    for key, (title, extra) in STEPS.items():
        go_to(console, key, title)
        expect(console.locator("#capture-top")).to_be_visible()
        if console.evaluate(PAGE_SCROLLS) > 0:
            problems.append(f"{key}: the page scrolls by {console.evaluate(PAGE_SCROLLS)} px")
        problems += [
            f"{key}: {found}" for found in map(lambda s: console.evaluate(IN_VIEW, s), ALWAYS + extra) if found
        ]
        if key in ("questions", "vote"):  # 40 cards: the board scrolls in its own region
            assert console.evaluate(REGION_SCROLLS, "#stage") > 0
    assert console.evaluate(REGION_SCROLLS, "#agenda") > 0, "20 steps: the agenda scrolls in its own region"
    # The current step is scrolled into the agenda's region, not off it.
    assert console.evaluate(IN_VIEW, "#agenda li.current button") is None
    assert not problems, "\n".join(problems)


def test_the_capture_preview_of_a_dot_vote_on_40_cards_is_in_view(server, console):
    console.set_viewport_size({"width": 1366, "height": 768})
    go_to(console, "vote", "Punkte vergeben")
    console.click("#capture-top")
    expect(console.locator("#capture-confirm")).to_be_focused()
    assert console.evaluate(IN_VIEW, "#capture-confirm") is None
    assert console.evaluate(PAGE_SCROLLS) <= 0
    console.keyboard.press("Escape")
    expect(console.locator("#capture-preview")).to_be_hidden()


def test_the_cockpit_by_keyboard_alone(server, console):
    console.set_viewport_size({"width": 1366, "height": 768})
    go_to(console, "questions", "Zentrale Fragestellungen")
    # Focus order: after the page's links, the step controls come first, before board and agenda.
    console.locator(".console-links a").last.focus()
    order = []
    for _ in range(4):
        console.keyboard.press("Tab")
        order.append(console.evaluate("document.activeElement.id || document.activeElement.className"))
    assert order[:2] == ["prev", "next"], order
    console.evaluate("document.activeElement.blur()")
    console.keyboard.press("n")
    expect(console.locator("#now .step-summary-title")).to_have_text("Punkte vergeben")
    console.keyboard.press("b")
    expect(console.locator("#now .step-summary-title")).to_have_text("Zentrale Fragestellungen")
    console.keyboard.press("n")
    expect(console.locator("#now .step-summary-title")).to_have_text("Punkte vergeben")
    console.keyboard.press("t")
    expect(console.locator("#timer-display .timer")).to_be_visible()
    console.keyboard.press("+")
    expect(console.locator("#timer-display .timer")).to_contain_text("5:")  # 5 min planned + 1, ticking
    console.keyboard.press("t")
    expect(console.locator("#timer-display .timer")).to_contain_text("angehalten")
    console.keyboard.press("l")
    expect(console.locator("#lock")).to_have_attribute("aria-pressed", "true")
    console.keyboard.press("l")
    expect(console.locator("#lock")).to_have_attribute("aria-pressed", "false")
    # Capture the top 5 by keyboard: C shows the preview, Enter confirms it.
    console.keyboard.press("c")
    expect(console.locator("#capture-confirm")).to_be_focused()
    console.keyboard.press("Enter")
    expect(console.locator("#capture-result")).to_contain_text("übernommen")
    # A and K reach the agenda and the board (they scroll by arrow keys once focused).
    console.keyboard.press("a")
    expect(console.locator("#agenda")).to_be_focused()
    console.keyboard.press("k")
    expect(console.locator("#stage")).to_be_focused()
    before = console.evaluate("document.querySelector('#stage').scrollTop")
    console.keyboard.press("PageDown")
    console.wait_for_function("(before) => document.querySelector('#stage').scrollTop > before", arg=before)
    # The keys are on the page.
    console.click("#shortcuts summary")
    expect(console.locator("#shortcuts dl")).to_contain_text("nächster Schritt")
    expect(console.locator("#shortcuts dl")).to_contain_text("Ergebnis übernehmen")


def test_axe_finds_nothing_in_the_cockpit(server, console):
    console.set_viewport_size({"width": 1366, "height": 768})
    go_to(console, "weigh", "Was ist wichtig?")
    assert axe_violations(console) == []
    go_to(console, "questions", "Zentrale Fragestellungen")
    assert axe_violations(console) == []


BUTTONS = """() => [...document.querySelectorAll('button, input[type=submit], select, textarea:not([readonly]), input:not([type=hidden])')]
  .filter((el) => el.offsetParent !== null && !el.disabled)
  .map((el) => (el.id || el.innerText || el.getAttribute('aria-label') || el.name || el.tagName).trim())"""


@pytest.fixture(scope="module")
def practice(server):
    """A practice of unit 3 at its action items step, with one task; an observer on its team."""
    from workshop.access.policy import OBSERVER, add_member
    from workshop.training.practice import create_practice_session

    server.observer_id = server.facilitator("beobachtung@example.org", "Beo Bachter")
    with server.db() as db:
        ws = create_practice_session(db, facilitator_id=server.fid, template_key="co_drafting", title="Übung Aufgaben")
        add_member(db, ws.measure_id, server.observer_id, OBSERVER)
        db.commit()
        sid = ws.id
    facilitator = server.facilitator_client(sid, server.http)
    assert facilitator.op("session.start")["ok"]
    assert facilitator.op("step.goto", step_key="next_steps")["ok"]
    assert facilitator.op("action.add", who="Kim", what="Entwurf verschicken", due="2026-12-10")["ok"]
    yield sid
    facilitator.close()


def test_an_observer_is_offered_nothing_an_observer_may_not_do(server, browser, practice):
    """Regression (issue 30): the observer's console offered bots, reset, "add task" and "delete",
    each ending on a bare 404 or a refusal."""
    page = login_page(
        browser, server.base_url, "beobachtung@example.org", PASSWORD, viewport={"width": 1366, "height": 768}
    )
    page.goto(f"{server.base_url}/sessions/{practice}")
    expect(page.locator("#board")).to_contain_text("Entwurf verschicken")
    offered = page.evaluate(BUTTONS)
    # What an observer may do here: take a note for the debrief (and log out, switch shortcuts).
    assert set(offered) <= {"observer-note", "Notiz speichern", "Abmelden (Beo Bachter)"}, offered
    expect(page.locator("#step-notes")).to_have_attribute("readonly", "")
    page.context.close()
    # The facilitator of the same practice gets all of it, the task's due date with a label too.
    page = login_page(browser, server.base_url, EMAIL, PASSWORD, viewport={"width": 1366, "height": 768})
    page.goto(f"{server.base_url}/sessions/{practice}")
    expect(page.locator("#board")).to_contain_text("Entwurf verschicken")
    offered = page.evaluate(BUTTONS)
    for wanted in (
        "next",
        "timer-start",
        "Simulierte Teilnehmende hinzufügen",
        "Übung zurücksetzen",
        "Aufgabe hinzufügen",
        "Löschen",
    ):
        assert wanted in offered, (wanted, offered)
    expect(page.get_by_label("Bis wann? (optional)")).to_have_attribute("type", "date")
    page.context.close()


def test_the_invitation_of_the_20_step_walk_prints_on_one_a4_page(server, browser):
    """Regression (issue 30): the invitation printed on two A4 pages."""
    import io

    from pypdf import PdfReader

    page = login_page(browser, server.base_url, EMAIL, PASSWORD)
    page.goto(f"{server.base_url}/sessions/{server.sid}/invitation")
    expect(page.locator(".invite-agenda li")).to_have_count(18)  # the steps with planned minutes
    pdf = page.pdf(format="A4")
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    page.context.close()


def test_a_phone_at_320_px_with_the_largest_text_does_not_scroll_sideways(server, browser):
    """Regression (issue 30): at 320 px after "A+" twice the phone's page scrolled sideways (the
    console's minimum width of the contribution box applied to the phone's box too)."""
    facilitator = server.facilitator_client(server.sid, server.http)
    assert facilitator.op("step.goto", step_key="questions")["ok"]
    facilitator.close()
    phone = browser.new_context(viewport={"width": 320, "height": 640}).new_page()
    phone.goto(f"{server.base_url}/j/{server.code}")
    phone.click("button[type=submit]")
    expect(phone.locator("#card-text")).to_be_visible()  # the session is at a brainstorm step
    for _ in range(2):
        phone.click("#text-larger")
    expect(phone.locator("#text-larger")).to_be_disabled()
    wide = phone.evaluate("""() => [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > 321).map((e) => e.tagName + '.' + e.className + '#' + e.id + ':' + Math.round(e.getBoundingClientRect().right))""")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 320, wide
    phone.context.close()


def test_the_replays_projector_is_the_whole_screen_scaled_not_cropped(server, console):
    """Regression (issue 30): the replay showed the projector cropped in a small frame."""
    console.set_viewport_size({"width": 1366, "height": 768})
    console.goto(f"{server.base_url}/sessions/{server.sid}/replay")
    frame = console.frame_locator(".replay-screen iframe")
    expect(frame.locator("#board")).to_be_attached()
    sizes = console.evaluate("""() => { const f = document.querySelector('.replay-screen iframe');
      const box = { width: f.parentElement.clientWidth, height: f.parentElement.clientHeight }, drawn = f.getBoundingClientRect();
      return { inner: f.contentWindow.innerWidth, box: box.width, drawn: drawn.width, drawnH: drawn.height, boxH: box.height }; }""")
    assert sizes["inner"] == 1920, sizes  # laid out as on a projector
    assert sizes["drawn"] <= sizes["box"] + 0.5 and sizes["drawnH"] <= sizes["boxH"] + 0.5, sizes  # all of it in view
    assert sizes["drawn"] > sizes["box"] - 8, sizes  # and the frame filled, not a thumbnail
    console.goto(f"{server.base_url}/sessions/{server.sid}")
    expect(console.locator("#conn")).to_have_attribute("data-state", "online")


def test_a_unit_2_step_of_a_unit_1_session_gets_unit_2_s_guide(server, console):
    """Regression (issue 30): in a unit 1 + 2 session the guide of unit 1 showed for unit-2 steps."""
    console.set_viewport_size({"width": 1366, "height": 768})
    go_to(console, "weigh", "Was ist wichtig?")
    expect(console.locator("#step-notes")).to_have_value(re.compile(r"^Ziel: Internes und externes Wissen"))
    expect(console.locator("#guide-link")).to_have_attribute("href", re.compile(r"#baustein-2$"))
    go_to(console, "questions", "Zentrale Fragestellungen")
    expect(console.locator("#step-notes")).to_have_value(re.compile(r"^Ziel: Den Rahmen der Maßnahme setzen"))
    expect(console.locator("#guide-link")).to_have_attribute("href", re.compile(r"#baustein-1$"))
