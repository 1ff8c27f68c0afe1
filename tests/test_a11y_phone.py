"""What a screen-reader user and a person who relies on help hear and get on the phone (issue 17):
own votes and timers as words, one budget status that stays, timers that speak at 5 min / 1 min / 0,
the consent matrix as a table with headers, a plain-language help for every activity type in German
and English, a login that takes pasted and remembered passwords, and a name not asked for twice.

One server and one browser for the module; each test opens its own sessions."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.a11y import EMAIL, a11y_server
from tests.browser import (
    PHONE,
    login_page,
    module_browser,  # noqa: F401  (the module's browser fixture)
)
from tests.conftest import PASSWORD
from workshop.activities.registry import ACTIVITIES

SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from a11y_server(tmp_path_factory, "a11y_phone")


def room(server, template="framing"):
    """A session of `template`, started, with the facilitator's socket client."""
    sid, code = server.session(server.fid, server.measure(), template_key=template)
    fac = server.facilitator_client(sid, server.http)
    return sid, code, fac


def phone_in(browser, server, code, name="", **context):
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, **context).new_page()
    page.goto(f"{server.base_url}/j/{code}")
    page.fill("#display_name", name)
    page.click("button[type=submit]")
    expect(page.locator("#conn")).to_have_text("verbunden")
    return page


def test_own_votes_are_words_and_the_budget_status_is_one_node_whose_text_changes(server, browser):
    sid, code, fac = room(server)
    try:
        author = server.participant(sid, code)
        phone = phone_in(browser, server, code)
        assert fac.op("session.start")["ok"]
        assert fac.op("step.goto", step_key="questions")["ok"]
        assert author.op("card.add", step_key="questions", text="Wer zahlt?")["ok"]
        assert fac.op("step.goto", step_key="vote")["ok"]
        status = phone.locator("#phone-status")
        expect(status).to_have_text("Noch 5 von 5 Punkten")
        phone.evaluate("window.budgetNode = document.getElementById('phone-status')")
        card = phone.locator("li.card", has_text="Wer zahlt?")
        for _ in range(2):
            card.get_by_role("button", name="Punkt geben: Wer zahlt?").click()
        expect(status).to_have_text("Noch 3 von 5 Punkten")
        # the same node, still in the page, and the only status that speaks of the budget
        assert phone.evaluate(
            "window.budgetNode === document.getElementById('phone-status') && window.budgetNode.isConnected"
        )
        assert phone.get_by_role("status").filter(has_text="Punkten").count() == 1
        # the dots are read as words: the accessibility tree has the count, not the symbols
        snapshot = card.aria_snapshot()
        assert "2 eigene Punkte" in snapshot and "●" not in snapshot, snapshot
        card.get_by_role("button", name="Punkt wegnehmen: Wer zahlt?").click()
        expect(status).to_have_text("Noch 4 von 5 Punkten")
        assert "1 eigener Punkt" in card.aria_snapshot()
        assert phone.evaluate("window.budgetNode === document.getElementById('phone-status')")
        author.close()
    finally:
        fac.close()


def test_the_timer_is_named_silent_while_ticking_and_speaks_at_one_minute_and_at_zero(server, browser):
    sid, code, fac = room(server)
    try:
        phone = phone_in(browser, server, code)
        assert fac.op("session.start")["ok"]
        expect(phone.locator("h1")).to_have_text("Vorhandene Ansätze")
        # everything the polite timer region ever says, in order
        phone.evaluate("""() => { window.spoken = [];
            const region = document.getElementById('timer-live');
            new MutationObserver(() => window.spoken.push(region.textContent))
              .observe(region, {childList: true, characterData: true, subtree: true}); }""")
        assert fac.op("timer.start", step_key="approaches", seconds=62)["ok"]
        timer = phone.get_by_role("timer", name="Zeit für diesen Schritt")
        expect(timer).to_contain_text("1:0")
        expect(timer).to_have_attribute("aria-live", "off")
        expect(phone.locator("#timer-live")).to_have_text("Noch 1 Minute.")
        assert fac.op("timer.pause", step_key="approaches")["ok"]
        expect(timer).to_contain_text("angehalten")  # the pause sign as a word
        assert "⏸" not in timer.aria_snapshot()
        assert fac.op("timer.start", step_key="approaches", seconds=2)["ok"]  # a jump: nothing said
        expect(phone.locator("#timer-live")).to_have_text("Die Zeit ist um.")
        expect(timer).to_contain_text("Zeit ist um")
        # two moments spoken, not one per second
        assert phone.evaluate("window.spoken") == ["Noch 1 Minute.", "Die Zeit ist um."]
    finally:
        fac.close()


def test_the_consent_matrix_is_a_table_with_headers_on_phone_console_and_projector(server, browser):
    sid, code, fac = room(server, "mandate")
    try:
        phone = phone_in(browser, server, code)
        assert fac.op("session.start")["ok"]
        assert fac.op("step.goto", step_key="consent")["ok"]
        option = phone.locator("li.card", has_text="Umsetzung wie im Entwurf")
        option.get_by_role("button", name="Widerstand 3", exact=True).click()
        expect(option.get_by_role("button", name="Widerstand 3", exact=True)).to_have_attribute("aria-pressed", "true")
        assert fac.op("step.reveal", step_key="consent", revealed=True)["ok"]
        console = login_page(browser, server.base_url, EMAIL, PASSWORD, viewport={"width": 1280, "height": 900})
        console.goto(f"{server.base_url}/sessions/{sid}")
        projector = console.context.new_page()
        projector.goto(f"{server.base_url}/sessions/{sid}/projector")
        for name, page in (("phone", phone), ("console", console), ("projector", projector)):
            result = page.locator(".consent-result")
            expect(result.get_by_role("columnheader", name="Summe")).to_be_visible()
            expect(result.get_by_role("rowheader", name="Umsetzung wie im Entwurf")).to_be_visible()
            result.locator("details.matrix summary").click()
            matrix = result.get_by_role("table", name="Widerstand je Person (Zeilen) und Option (Spalten)")
            expect(matrix).to_be_visible()
            expect(matrix.get_by_role("rowheader", name="P1")).to_be_visible()
            expect(matrix.get_by_role("columnheader", name="Umsetzung wie im Entwurf")).to_be_visible()
            assert matrix.locator("th[scope=col]").count() >= 2, name
        console.context.close()
    finally:
        fac.close()


# Step settings that choose another help text (see the activities' `help`).
VARIANTS = {"brainstorm": [{}, {"authors": "facilitator"}], "poll": [{}, {"multiple": True}]}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_activity_type_has_a_plain_language_help_in_both_languages(server, browser, lang):
    sid, code, fac = room(server)
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    try:
        page = context.new_page()
        page.goto(f"{server.base_url}/lang/{lang}?next=/j/{code}")
        page.click("button[type=submit]")
        assert fac.op("session.start")["ok"]
        helps = page.evaluate(
            """async (variants) => {
            const { ACTIVITIES } = await import('/static/js/activities/index.js');
            const { _ } = await import('/static/js/i18n.js');
            const out = {};
            for (const [type, activity] of Object.entries(ACTIVITIES)) {
              out[type] = (variants[type] || [{}]).map((step) => (activity.help ? activity.help({ _ }, step) : ''));
            }
            return out;
        }""",
            VARIANTS,
        )
        # every activity the server knows has a front end with a help, in this page's language
        assert set(ACTIVITIES) <= set(helps)
        for type_, texts in helps.items():
            for text in texts:
                assert len(text) > 30 and "{" not in text, (type_, text)
                german = any(word in text for word in (" Sie ", "Moderation", "Pause"))
                assert german == (lang == "de"), f"{type_} in {lang}: {text}"  # no German key left in English
        summary = "Was soll ich hier tun?" if lang == "de" else "What do I do here?"
        help_box = page.locator("details#help")
        help_box.get_by_text(summary).click()
        expect(help_box.locator("#help-text")).to_have_text(helps["brainstorm"][0])
        page.screenshot(path=SCREENSHOTS / f"participant-help{'' if lang == 'de' else '-en'}.png")
        assert fac.op("step.goto", step_key="vote")["ok"]
        expect(help_box.locator("#help-text")).to_have_text(helps["dot_vote"][0])
        assert help_box.evaluate("el => el.open") is False  # a new step starts with the help closed
        # nothing to vote on yet (no questions were written): the phone says so, not only "5 of 5 left"
        nothing = "Noch nichts zum Bewerten" if lang == "de" else "Nothing to vote on yet"
        expect(page.locator("p.empty")).to_contain_text(nothing)
    finally:
        context.close()
        fac.close()


def test_the_login_takes_a_pasted_password_and_names_its_fields_for_password_managers(server, browser):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    try:
        page = context.new_page()
        page.goto(f"{server.base_url}/login")
        expect(page.locator("#email")).to_have_attribute("autocomplete", "username")
        expect(page.locator("#password")).to_have_attribute("autocomplete", "current-password")
        assert page.locator("iframe, [class*=captcha], [id*=captcha]").count() == 0  # no puzzle to solve
        for field, value in (("#email", EMAIL), ("#password", PASSWORD)):
            page.evaluate("text => navigator.clipboard.writeText(text)", value)
            page.focus(field)
            page.keyboard.press("Control+V")
            expect(page.locator(field)).to_have_value(value)
        # nothing on the page cancels a paste (a password manager's fill is a paste or an input event)
        assert page.evaluate("""() => document.getElementById('password')
            .dispatchEvent(new ClipboardEvent('paste', {bubbles: true, cancelable: true}))""")
        page.click("button[type=submit]")
        page.wait_for_url(f"{server.base_url}/measures")
    finally:
        context.close()


def test_the_phone_rejoins_without_asking_and_offers_the_last_name_at_the_next_join(server, browser):
    _first, code_a, fac_a = room(server)
    _second, code_b, fac_b = room(server)
    _third, code_c, fac_c = room(server)
    fac_a.close(), fac_b.close(), fac_c.close()
    phone = phone_in(browser, server, code_a, "Ada")
    phone.goto(f"{server.base_url}/j/{code_a}")  # back to the same session: straight in
    expect(phone.locator("#conn")).to_have_text("verbunden")
    expect(phone.locator("#display_name")).to_have_count(0)
    phone.goto(f"{server.base_url}/j/{code_b}")  # the next session: the name is offered
    expect(phone.locator("#display_name")).to_have_value("Ada")
    expect(phone.locator("#display_name")).to_have_accessible_description(
        "Vorgeschlagen ist der Name, den Sie zuletzt auf diesem Gerät angegeben haben. "
        "Leeren Sie das Feld, um ohne Namen teilzunehmen."
    )
    phone.fill("#display_name", "")  # cleared: anonymous here, and forgotten
    phone.click("button[type=submit]")
    expect(phone.locator("#conn")).to_have_text("verbunden")
    phone.goto(f"{server.base_url}/j/{code_c}")
    expect(phone.locator("#display_name")).to_have_value("")
    phone.context.close()


def test_the_consoles_now_region_speaks_on_a_new_step_not_on_every_card(server, browser):
    sid, code, fac = room(server)
    author = server.participant(sid, code)
    console = login_page(browser, server.base_url, EMAIL, PASSWORD, viewport={"width": 1280, "height": 900})
    try:
        console.goto(f"{server.base_url}/sessions/{sid}")
        assert fac.op("session.start")["ok"]
        now = console.locator("#now")
        expect(now).to_contain_text("Vorhandene Ansätze")
        console.evaluate("""() => { window.nowChanges = 0;
            new MutationObserver(() => window.nowChanges++)
              .observe(document.getElementById('now'), {childList: true, characterData: true, subtree: true}); }""")
        for text in ("Bürgeramt digital", "Zweite Karte"):
            assert author.op("card.add", step_key="approaches", text=text)["ok"]
            expect(console.locator("#board .card-text", has_text=text)).to_be_visible()
        assert console.evaluate("window.nowChanges") == 0  # two cards: the live region stayed quiet
        assert fac.op("step.goto", step_key="scope")["ok"]
        expect(now).to_contain_text("Maßnahmenumfang")
        assert console.evaluate("window.nowChanges") > 0
    finally:
        author.close()
        fac.close()
        console.context.close()
