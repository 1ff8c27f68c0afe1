"""Accessibility in a real browser: axe-core on every page (no WCAG 2.0–2.2 A/AA violation at all),
keyboard-only use of the participant page with a visible focus, and small screens / large text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.a11y import axe_violations
from tests.browser import PHONE
from tests.conftest import PASSWORD
from tests.live_client import join
from tests.test_browser import browser  # noqa: F401  (fixture)


@pytest.fixture
def room(server, browser):
    """A framing session with a card in each state, the facilitator logged in (CSP bypassed so axe can run)."""
    fid = server.facilitator()
    mid = server.measure("Anlaufstelle Prozessbegleitung", "2022-14222")
    sid, code = server.session(fid, mid)
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server.base_url}/login")
    yield {"server": server, "sid": sid, "code": code, "mid": mid, "context": context, "page": page}
    context.close()


def test_every_page_passes_axe(room, browser):
    page, base = room["page"], room["server"].base_url
    found = {}
    found["login"] = axe_violations(page)
    page.fill("#email", room["server"].email("moderation@example.org"))
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/measures")
    found["register"] = axe_violations(page)
    page.goto(f"{base}/measures/{room['mid']}")
    found["record"] = axe_violations(page)
    page.goto(f"{base}/measures/{room['mid']}/history")
    found["record history"] = axe_violations(page)
    page.goto(f"{base}/measures/{room['mid']}/draft")
    expect(page.locator("textarea").first).to_be_visible()
    found["co-drafting editor"] = axe_violations(page)
    page.goto(f"{base}/templates")
    found["templates"] = axe_violations(page)
    page.goto(f"{base}/templates/framing/adapt")
    found["template editor"] = axe_violations(page)
    page.goto(f"{base}/sessions/{room['sid']}/agenda")
    found["agenda builder"] = axe_violations(page)
    page.goto(f"{base}/sessions/{room['sid']}/invitation")
    found["invitation"] = axe_violations(page)
    page.goto(f"{base}/sessions/{room['sid']}")
    expect(page.locator("#conn")).to_have_text("verbunden")
    page.click("#start")
    expect(page.locator("#start")).to_be_hidden()
    found["console"] = axe_violations(page)
    projector = room["context"].new_page()
    projector.goto(f"{base}/sessions/{room['sid']}/projector")
    expect(projector.locator("#conn")).to_have_text("verbunden")
    found["projector"] = axe_violations(projector)

    phone_context = browser.new_context(bypass_csp=True, viewport=PHONE, is_mobile=True)
    phone = phone_context.new_page()
    phone.goto(f"{base}/join")
    found["join code"] = axe_violations(phone)
    phone.goto(f"{base}/j/{room['code']}")
    found["join name"] = axe_violations(phone)
    phone.click("button[type=submit]")
    phone.fill("#card-text", "Eine Karte")
    phone.click("#card-form button[type=submit]")
    expect(phone.locator("li.card.mine")).to_have_count(1)
    found["participant brainstorm"] = axe_violations(phone)
    page.get_by_role("button", name="Punkte vergeben", exact=True).click()
    expect(phone.locator(".budget")).to_be_visible()
    found["participant vote"] = axe_violations(phone)
    found["console vote"] = axe_violations(page)
    phone_context.close()
    page.goto(f"{base}/sessions/{room['sid']}/protocol")
    expect(page.locator("#protocol-form")).to_be_visible()
    found["protocol editor"] = axe_violations(page)
    page.goto(f"{base}/sessions/{room['sid']}/protocol.html")
    expect(page.locator("h1")).to_contain_text("Ergebnisprotokoll")
    found["protocol document"] = axe_violations(page)
    page.goto(f"{base}/barrierefreiheit")
    found["accessibility statement"] = axe_violations(page)
    page.goto(f"{base}/training")
    found["practice"] = axe_violations(page)
    page.goto(f"{base}/training/guides")
    found["guides"] = axe_violations(page)
    page.goto(f"{base}/sessions/{room['sid']}/debrief")
    found["debrief"] = axe_violations(page)
    page.goto(f"{base}/sessions/{room['sid']}/replay")
    found["replay"] = axe_violations(page)
    assert {name: v for name, v in found.items() if v} == {}


def test_participant_page_by_keyboard_alone(room, browser):
    server, base = room["server"], room["server"].base_url
    phone = browser.new_context(viewport=PHONE).new_page()
    phone.goto(f"{base}/j/{room['code']}")
    for _ in range(4):  # skip link, home link, then the name field
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.id") == "display_name":
            break
    assert phone.evaluate("document.activeElement.id") == "display_name"
    phone.keyboard.type("Tastatur")
    phone.keyboard.press("Enter")
    expect(phone.locator("h1")).to_have_text("Gleich geht es los")
    fac = server.facilitator_client(room["sid"], server.login())
    try:
        assert fac.op("session.start")["ok"]
        expect(phone.locator("h1")).to_have_text("Vorhandene Ansätze")
        phone.locator("#card-text").focus()
        outline = phone.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"  # a visible focus
        phone.keyboard.type("Per Tastatur geschrieben")
        phone.keyboard.press("Tab")  # to the button
        assert phone.evaluate("document.activeElement.textContent") == "Beitrag hinzufügen"
        phone.keyboard.press("Enter")
        expect(phone.locator("li.card.mine .card-text")).to_have_text("Per Tastatur geschrieben")
        fac.wait_for(lambda c: c.card_texts("approaches") == ["Per Tastatur geschrieben"], "the keyboard card")
    finally:
        fac.close()


@pytest.mark.parametrize("width, font_size", [(320, "100%"), (390, "200%")])
def test_small_screens_and_large_text_need_no_sideways_scrolling(room, browser, width, font_size):
    base = room["server"].base_url
    joined = join(base, room["code"], "Lange Namen brauchen Platz")
    page = browser.new_context(viewport={"width": width, "height": 800}).new_page()
    page.goto(f"{base}/join")
    page.evaluate(f"document.documentElement.style.fontSize = '{font_size}'")
    overflow = page.evaluate("document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")
    assert overflow <= 0, f"join page scrolls sideways by {overflow}px at {width}px / {font_size}"
    page.goto(f"{base}/j/{room['code']}")
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Gleich geht es los")
    page.evaluate(f"document.documentElement.style.fontSize = '{font_size}'")
    overflow = page.evaluate("document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")
    assert overflow <= 0, f"participant page scrolls sideways by {overflow}px at {width}px / {font_size}"
    assert joined["token"]
