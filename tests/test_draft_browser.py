"""Two facilitators co-draft one field in headless Chromium at the same time: one types on the
keyboard while the other page types through input events; both end with the same text."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import browser, login_page  # noqa: F401  (browser: fixture)
from tests.conftest import PASSWORD
from tests.test_browser import watch

# Types into the focused textarea like a person would: at the caret, one character per input event.
TYPER = """([text, delay]) => { window.typing = new Promise((resolve) => {
  const area = document.activeElement;
  let i = 0;
  const tick = () => {
    if (i === text.length) { resolve(area.value); return; }
    const at = area.selectionStart;
    area.setRangeText(text[i++], at, area.selectionEnd, "end");
    area.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertText" }));
    setTimeout(tick, delay);
  };
  tick();
}); }"""


def is_subsequence(part: str, whole: str) -> bool:
    letters = iter(whole)
    return all(ch in letters for ch in part)


def test_two_browsers_type_into_the_same_field_at_once(server, browser):
    base, problems = server.base_url, []
    server.facilitator()
    second = server.facilitator("zweite@example.org", "Zweite Person")
    mid = server.measure("Anlaufstelle Prozessbegleitung", "2022-14222")
    server.member(mid, second, "editor")  # both on the measure's team
    pages = []
    for email in ("moderation@example.org", "zweite@example.org"):
        page = watch(login_page(browser, base, email, PASSWORD, viewport={"width": 1200, "height": 900}),
                     base, problems)
        page.goto(f"{base}/measures/{mid}/draft")
        expect(page.locator("#conn")).to_have_text("verbunden")
        expect(page.locator("#draft-short_description")).to_be_enabled()
        pages.append(page)
    mo, zw = pages
    zw.click("#draft-short_description")
    expect(mo.locator('[data-presence="short_description"]')).to_have_text("✎ Zweite Person (Z. 1)")
    mo.click("#draft-short_description")

    ours, theirs = "Anlaufstelle für alle Ämter. ", "Schulung über mehrere Wochen! "
    zw.evaluate(TYPER, [theirs, 15])  # starts typing in the page and returns at once …
    mo.keyboard.type(ours, delay=15)  # … while this page types on the keyboard
    zw.evaluate("() => window.typing")  # waits until the second page has typed everything
    everything = re.compile(f"^.{{{len(ours) + len(theirs)}}}$", re.S)
    for page in pages:
        expect(page.locator("#draft-short_description")).to_have_value(everything, timeout=10_000)
    final = mo.locator("#draft-short_description").input_value()
    assert zw.locator("#draft-short_description").input_value() == final
    assert is_subsequence(ours, final) and is_subsequence(theirs, final)

    # leaving the field writes it into the record
    mo.click("h1")
    zw.click("h1")
    expect(mo.locator('[data-saved="short_description"]')).to_contain_text("gespeichert")
    mo.goto(f"{base}/measures/{mid}")
    expect(mo.locator("#field-short_description")).to_contain_text(final.strip().split("\n")[0][:10])
    assert problems == []


def test_a_card_is_pulled_into_a_field_in_the_browser_and_keeps_its_origin(server, browser):
    base, problems = server.base_url, []
    fid = server.facilitator()
    mid = server.measure("Anlaufstelle Prozessbegleitung", "2022-14222")
    sid, _code = server.session(fid, mid)
    facilitator = server.facilitator_client(sid, server.login())
    try:
        assert facilitator.op("session.start")["ok"]
        assert facilitator.op("card.add", step_key=facilitator.current_step_key(),
                              text="Service-Agent:innen-Schulung")["ok"]
    finally:
        facilitator.close()
    page = watch(login_page(browser, base, "moderation@example.org", PASSWORD,
                            viewport={"width": 1200, "height": 900}), base, problems)
    page.goto(f"{base}/measures/{mid}/draft")
    expect(page.locator("#conn")).to_have_text("verbunden")
    pull = page.get_by_role("button", name="Einfügen: Service-Agent:innen-Schulung")
    expect(pull).to_be_disabled()  # no field chosen yet
    page.click("#draft-inspiring_examples")
    page.keyboard.type("CityLAB Berlin")
    expect(page.locator("#pull-target")).to_have_text("Inspirierende Beispiele")
    pull.click()
    expect(page.locator("#draft-inspiring_examples")).to_have_value("CityLAB Berlin\nService-Agent:innen-Schulung")
    expect(page.locator('[data-saved="inspiring_examples"]')).to_contain_text("gespeichert")
    page.goto(f"{base}/measures/{mid}")
    card_line = page.locator("#field-inspiring_examples li", has_text="Service-Agent:innen-Schulung")
    expect(card_line.locator(".trace")).to_contain_text(f"Sitzung {sid}")
    expect(card_line.locator(".trace")).to_contain_text("Karte")
    expect(page.locator("#field-inspiring_examples li", has_text="CityLAB Berlin").locator(".trace")).to_have_count(0)
    assert problems == []
