"""Table groups in real pages (issue 33): two phones at different tables each see their own table's
board and not the other's, the projector shows the overview (people, hosts, counts — no texts) at the
back row's size, and after the harvest every page shows all the cards in the plenary, by table."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, login_page
from tests.conftest import PASSWORD, running_server
from tests.test_browser import browser, watch  # noqa: F401  (fixture)
from tests.test_room import _too_small_texts


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tables-browser")
    with running_server(f"sqlite:///{tmp / 'workshop.db'}", tmp) as running:
        running.facilitator()
        yield running


def phone_at(browser, base, code, table_no, name, problems):
    page = watch(browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page(), base, problems)
    page.goto(f"{base}/j/{code}/t/{table_no}")  # the table's QR code
    page.fill("#display_name", name)
    page.click("button[type=submit]")
    return page


def test_two_phones_at_two_tables_the_projector_overview_and_the_harvest(server, browser):
    base, problems = server.base_url, []
    sid, code = server.session(1, server.measure(), template_key="world_cafe")
    console = server.facilitator_client(sid, server.login())
    staff = login_page(browser, base, "moderation@example.org", PASSWORD, viewport={"width": 1920, "height": 1080})
    projector = watch(staff, base, problems)
    projector.goto(f"{base}/sessions/{sid}/projector")
    try:
        assert console.op("session.start")["ok"]
        ada = phone_at(browser, base, code, 1, "Ada", problems)
        ben = phone_at(browser, base, code, 2, "Ben", problems)
        expect(ada.locator("#my-table")).to_have_text("Mobilität")
        expect(ben.locator("#my-table")).to_have_text("Bildung")
        for page, text in ((ada, "Busspur am Ring fehlt"), (ben, "Tablets für alle Schulen")):
            page.fill("#card-text", text)
            page.click("#card-form button[type=submit]")
            expect(page.locator("li.card", has_text=text)).to_be_visible()
        ben.get_by_role("button", name="Ich übernehme die Gastgeberrolle").click()
        expect(ben.locator(".table-seat")).to_contain_text("Sie sind Gastgeber:in dieses Tisches.")
        ben.get_by_role("button", name="☆ fürs Plenum markieren").click()
        expect(ben.get_by_role("button", name="★ fürs Plenum – zurücknehmen")).to_be_visible()

        # apart: each phone its own table's card only; the projector counts, no texts
        expect(ada.locator("li.card")).to_have_count(1)
        expect(ada.get_by_text("Tablets für alle Schulen")).to_have_count(0)
        expect(ben.get_by_text("Busspur am Ring fehlt")).to_have_count(0)
        tile = projector.locator(".table-tile[data-table='2']")
        expect(tile.locator(".table-host")).to_have_text("Gastgeber:in: Ben")
        expect(tile.locator(".table-figures")).to_have_text("1 Person · 1 Beitrag · 1 fürs Plenum")
        expect(projector.locator("#board")).not_to_contain_text("Busspur")
        assert _too_small_texts(projector) == []  # readable from the back row (8 m)

        assert console.op("step.goto", step_key="harvest")["ok"]
        assert console.op("harvest.collect")["ok"]
        for page in (projector, ada, ben):  # all arrive in the plenary, each under its table
            expect(page.locator("section[data-table='1'] li.card .card-text")).to_have_text(["Busspur am Ring fehlt"])
            expect(page.locator("section[data-table='2'] li.card .card-text")).to_have_text(
                ["Tablets für alle Schulen"]
            )
        assert _too_small_texts(projector) == []
        assert problems == []
    finally:
        console.close()
        staff.context.close()
