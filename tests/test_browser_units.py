"""The activity screens of units 2, 4 and 5 in real Chromium pages: what the facilitator clicks in the
console reaches the phone and the projector, and what the phone sends reaches the console."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser import PHONE, login_page
from tests.conftest import PASSWORD
from tests.test_browser import ARTIFACTS, browser, watch  # noqa: F401  (fixture)


def open_room(server, browser, template):
    fid = server.facilitator() if not getattr(server, "_fid", None) else server._fid
    server._fid = fid
    mid = server.measure()
    sid, code = server.session(fid, mid, template_key=template)
    problems = []
    if not getattr(server, "_console", None):
        server._console = login_page(
            browser,
            server.base_url,
            server.email("moderation@example.org"),
            PASSWORD,
            viewport={"width": 1280, "height": 1000},
        )
    console = watch(server._console, server.base_url, problems)
    console.goto(f"{server.base_url}/sessions/{sid}")
    projector = watch(console.context.new_page(), server.base_url, problems)
    projector.goto(f"{server.base_url}/sessions/{sid}/projector")
    phone = watch(
        browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page(), server.base_url, problems
    )
    phone.goto(f"{server.base_url}/j/{code}")
    phone.click("button[type=submit]")
    expect(phone.locator("#conn")).to_have_text("verbunden")
    console.click("#start")
    return console, projector, phone, problems


def test_moderation_lock_and_timer_in_the_browser(server, browser):
    console, projector, phone, problems = open_room(server, browser, "public_participation")
    phone.fill("#card-text", "Mehr Bänke")
    phone.click("#card-form button[type=submit]")
    expect(phone.locator("li.card.pending")).to_contain_text("wartet auf Freigabe")
    expect(projector.locator(".card-text", has_text="Mehr Bänke")).to_have_count(0)
    console.locator("#queue-list li", has_text="Mehr Bänke").get_by_role("button", name="Freigeben").click()
    expect(projector.locator(".card-text", has_text="Mehr Bänke")).to_have_count(1)
    expect(phone.locator("li.card.pending")).to_have_count(0)

    console.click("#lock")
    expect(phone.locator("#compose")).to_be_hidden()
    expect(phone.locator(".notice", has_text="Eingabe pausiert")).to_be_visible()
    console.click("#lock")
    expect(phone.locator("#compose")).to_be_visible()

    console.click("#timer-start")
    expect(phone.locator(".timer")).to_contain_text("19:5")  # a 20-minute step counting down
    expect(projector.locator(".timer")).to_contain_text("19:5")
    console.click("#timer-pause")
    expect(phone.locator(".timer")).to_contain_text("⏸")

    console.click("#next")
    phone.get_by_role("button", name="Barrierefreiheit").click()
    expect(phone.get_by_role("button", name="Barrierefreiheit")).to_have_attribute("aria-pressed", "true")
    expect(console.locator(".results li", has_text="Barrierefreiheit").locator(".votes")).to_have_text("1")
    phone.screenshot(path=ARTIFACTS / "participant-poll.png", full_page=True)
    assert problems == []


def test_consent_and_clusters_in_the_browser(server, browser):
    console, projector, phone, problems = open_room(server, browser, "mandate")
    console.get_by_role("button", name="Konsensieren", exact=True).click()
    option = phone.locator("li.card", has_text="Umsetzung wie im Entwurf")
    option.get_by_role("button", name="Widerstand 3", exact=True).click()
    expect(option.get_by_role("button", name="Widerstand 3", exact=True)).to_have_attribute("aria-pressed", "true")
    expect(projector.locator(".meta", has_text="1 Personen haben bewertet")).to_be_visible()
    console.click("#reveal")
    expect(projector.locator(".consent-headline")).to_contain_text("Geringster Widerstand: Umsetzung wie im Entwurf")
    expect(phone.locator(".consent-table")).to_be_visible()
    projector.screenshot(path=ARTIFACTS / "projector-consent.png")

    console, projector, phone, problems2 = open_room(server, browser, "knowledge_merge")
    phone.fill("#card-text", "Hamburg hat eine Beteiligungsstelle")
    phone.click("#card-form button[type=submit]")
    expect(projector.locator(".big-count")).to_contain_text("Eingegangene Beiträge: 1")
    console.click("#reveal")
    expect(projector.locator(".card-text", has_text="Hamburg")).to_have_count(1)
    console.get_by_role("button", name="Ordnen", exact=True).click()
    console.fill("#cluster-title", "Vorbilder")
    console.get_by_role("button", name="Cluster anlegen").click()
    console.get_by_label("Cluster für: Hamburg hat eine Beteiligungsstelle").select_option(label="Vorbilder")
    expect(projector.locator("section.cluster", has_text="Vorbilder (1)")).to_contain_text("Hamburg")
    expect(phone.locator("section.cluster", has_text="Vorbilder (1)")).to_contain_text("Hamburg")
    assert problems == [] and problems2 == []


def test_a_card_typed_offline_is_kept_and_sent_once_when_back(server, browser):
    fid = server.facilitator()
    sid, code = server.session(fid, server.measure())
    fac = server.facilitator_client(sid, server.login())
    try:
        assert fac.op("session.start")["ok"]
        context = browser.new_context(viewport=PHONE, is_mobile=True)
        page = context.new_page()
        page.goto(f"{server.base_url}/j/{code}")
        page.click("button[type=submit]")
        expect(page.locator("h1")).to_have_text("Vorhandene Ansätze")
        context.set_offline(True)
        expect(page.locator("#conn")).to_have_attribute("data-state", "offline")
        # Plain language, not "keine Verbindung (xhr poll error)".
        expect(page.locator("#conn")).to_have_text("Verbindung unterbrochen – Ihre Eingaben bleiben erhalten")
        page.fill("#card-text", "Im Funkloch geschrieben")
        page.click("#card-form button[type=submit]")
        expect(page.locator("li.queued")).to_contain_text("wird gesendet")
        assert fac.cards("approaches") == []  # nothing reached the server while offline
        context.set_offline(False)
        expect(page.locator("#conn")).to_have_attribute("data-state", "online", timeout=20000)
        expect(page.locator("li.card.mine .card-text")).to_have_text("Im Funkloch geschrieben")
        expect(page.locator("li.queued")).to_have_count(0)
        fac.wait_for(lambda c: c.card_texts("approaches") == ["Im Funkloch geschrieben"], "the offline card")
        context.close()
    finally:
        fac.close()
