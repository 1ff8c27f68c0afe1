"""The room's PC opens the projector with a link from the console — nobody logs in there — and
the screen follows the session until the link is revoked (issue 12: "the projector needs the
facilitator's full login on the room's PC")."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser import browser, login_page  # noqa: F401  (browser: fixture)
from tests.conftest import PASSWORD
from tests.test_browser import watch


def test_projector_link_from_the_console_runs_the_room_pc_until_revoked(server, browser):
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
    expect(console.locator(".staff-role")).to_have_text("Moderation")
    console.click("text=Team und Leinwand-Links")
    console.click("text=Neuen Leinwand-Link erzeugen")
    link = console.locator("#new-projector-link").get_attribute("href")

    room_pc = watch(browser.new_context(viewport={"width": 1920, "height": 1080}).new_page(), base, problems)
    room_pc.goto(link)
    expect(room_pc.locator(".big-code")).to_have_text(code)
    expect(room_pc.locator("#conn")).to_have_text("verbunden")
    assert "/login" not in room_pc.url

    console.goto(f"{base}/sessions/{sid}")
    console.click("#start")
    expect(room_pc.locator("#step")).not_to_be_empty()  # the projector follows the session live

    console.goto(f"{base}/sessions/{sid}/team")
    console.get_by_role("button", name="Widerrufen", exact=True).click()
    expect(console.locator("text=Leinwand-Link widerrufen")).to_be_visible()
    expect(room_pc.locator("#conn")).not_to_have_text("verbunden")
    room_pc.reload()
    expect(room_pc.locator("h1")).to_have_text("Leinwand-Link ungültig")
    # a disconnect and a 404 page are what revoking means; nothing else may go wrong
    assert not [p for p in problems if "404" not in p and "disconnect" not in p.lower()], problems
