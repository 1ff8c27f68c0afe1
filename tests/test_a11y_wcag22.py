"""WCAG 2.2's new AA criteria in a real browser (issue 17), beyond what axe can see:

- 2.4.11 focus not obscured (we hold ourselves to 2.4.12: no part hidden): Tab forwards and then
  Shift+Tab backwards through the phone, console, projector, record, draft page and agenda
  builder at small viewports; no focused control may be under a sticky or fixed element, and each
  must be scrolled into view. A self-check proves the detector fails a page with a sticky bar
  and no scroll padding.
- 2.5.7 dragging movements: the cluster step's drag and drop has a single-pointer alternative
  (a choice under each card, a form for new clusters, buttons to rename and dissolve), done here
  with clicks only and then with the keyboard only; the projector and a phone see the result.
- 1.4.12 text spacing: with WCAG's spacing (line height 1.5, paragraphs 2 em, letters 0.12 em,
  words 0.16 em) no text is cut off and the phone does not scroll sideways.
- 2.5.8 target size is axe's `target-size` rule, run with the wcag22aa tag over every state in
  tests/test_a11y_units.py.

One server and one browser for the module."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.a11y import EMAIL, a11y_server
from tests.browser import (
    PHONE,
    login_page,
    module_browser,  # noqa: F401  (the module's browser fixture)
)
from tests.conftest import PASSWORD

TABS = 60

OBSCURED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const r = el.getBoundingClientRect();
  if (!r.width && !r.height) return null;  // nothing drawn (a skip link before it shows)
  const name = (el.getAttribute('aria-label') || el.innerText || el.value || el.id || el.tagName).trim().slice(0, 40);
  const bars = [...document.querySelectorAll('body *')].filter((e) => {
    const p = getComputedStyle(e).position;
    return (p === 'sticky' || p === 'fixed') && !e.contains(el) && !el.contains(e);
  });
  const over = bars.filter((b) => { const q = b.getBoundingClientRect();
    return q.left < r.right && q.right > r.left && q.top < r.bottom && q.bottom > r.top; });
  const visible = r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
  return { name: `${el.tagName.toLowerCase()} "${name}"`, under: over.map((b) => b.className || b.tagName),
           visible };
}"""


def obscured(page) -> list[str]:
    """Tab forwards, then back: every focused control that is under a sticky/fixed bar or off screen."""
    found: dict[str, str] = {}
    for key in ["Tab"] * TABS + ["Shift+Tab"] * TABS:
        page.keyboard.press(key)
        seen = page.evaluate(OBSCURED)
        if seen and (seen["under"] or not seen["visible"]):
            found.setdefault(seen["name"], f"{seen['name']} under {seen['under']} (on screen: {seen['visible']})")
    return list(found.values())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    for running in a11y_server(tmp_path_factory, "a11y_wcag22"):
        running.mid = running.measure("Zweiundzwanzig")
        running.sid, running.code = running.session(running.fid, running.mid, template_key="knowledge_merge")
        yield running


@pytest.fixture(scope="module")
def room(server):
    """The session at its first step with 14 cards (pages long enough to scroll)."""
    fac = server.facilitator_client(server.sid, server.http)
    others = [server.participant(server.sid, server.code, name) for name in ("Ali", "Jo")]
    assert fac.op("session.start")["ok"]
    for n in range(14):
        column = "internal" if n % 2 else "external"
        assert others[n % 2].op("card.add", step_key="knowledge", column_key=column, text=f"Wissen Nummer {n + 1}")[
            "ok"
        ]
    yield {"fac": fac, "others": others}
    for client in [fac, *others]:
        client.close()


def test_no_focused_control_is_hidden_under_a_sticky_bar_on_any_page(server, browser, room):
    base = server.base_url
    phone = browser.new_context(viewport={"width": 320, "height": 568}, is_mobile=True).new_page()
    phone.goto(f"{base}/j/{server.code}")
    phone.fill("#display_name", "Kim")
    phone.click("button[type=submit]")
    phone.fill("#card-text", "Mein Beitrag")
    phone.click("#card-form button[type=submit]")
    expect(phone.locator("li.card.mine")).to_have_count(1)
    console = login_page(browser, base, EMAIL, PASSWORD, viewport={"width": 1024, "height": 600})
    found = {"phone 320×568": obscured(phone)}
    for name, path in {
        "console": f"/sessions/{server.sid}",
        "projector": f"/sessions/{server.sid}/projector",
        "record": f"/measures/{server.mid}",
        "draft": f"/measures/{server.mid}/draft",
        "agenda builder": f"/sessions/{server.sid}/agenda",
        "protocol editor": f"/sessions/{server.sid}/protocol",
    }.items():
        console.goto(base + path)
        found[f"{name} 1024×600"] = obscured(console)
    console.set_viewport_size({"width": 1280, "height": 720})  # the builder's plan is sticky here
    console.goto(f"{base}/sessions/{server.sid}/agenda")
    expect(console.locator(".plan-sticky")).to_be_visible()
    found["agenda builder 1280×720"] = obscured(console)
    assert {page: f for page, f in found.items() if f} == {}

    # The detector itself: a sticky header without scroll padding hides what Shift+Tab reaches.
    console.context.close()
    console = login_page(browser, base, EMAIL, PASSWORD, viewport={"width": 1024, "height": 600}, bypass_csp=True)
    console.goto(f"{base}/measures/{server.mid}")
    console.add_style_tag(
        content="html { scroll-padding: 0 !important; } "
        "header, .site-header, body > nav { position: sticky; top: 0; z-index: 5; height: 120px; background: #fff; }"
    )
    assert obscured(console), "the detector must see a control under a sticky header"
    phone.context.close()
    console.context.close()


def test_clusters_are_made_and_filled_without_dragging_by_clicks_and_by_keyboard(server, browser, room):
    base, fac = server.base_url, room["fac"]
    assert fac.op("step.goto", step_key="clusters")["ok"]
    console = login_page(browser, base, EMAIL, PASSWORD, viewport={"width": 1280, "height": 900})
    console.goto(f"{base}/sessions/{server.sid}")
    projector = console.context.new_page()
    projector.goto(f"{base}/sessions/{server.sid}/projector")
    phone = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
    phone.goto(f"{base}/j/{server.code}")
    phone.fill("#display_name", "Lou")
    phone.click("button[type=submit]")
    expect(console.locator("#now .step-summary-title")).to_have_text("Ordnen")
    # The cards come from a silent step: the console says the room does not see them yet.
    expect(console.locator("#source-hidden")).to_contain_text("„Was wissen wir?“ sind noch verdeckt")
    expect(projector.locator(".card-text")).to_have_count(0)
    console.get_by_role("button", name="Jetzt aufdecken").click()
    expect(console.locator("#source-hidden")).to_have_count(0)
    expect(projector.locator(".card-text", has_text="Wissen Nummer 2")).to_have_count(1)
    expect(console.locator("main")).to_contain_text("mit der Auswahl unter jedem Beitrag")  # the alternative is said

    # Clicks only: a new cluster, a card into it, renamed.
    console.fill("#cluster-title", "Recht")
    console.get_by_role("button", name="Cluster anlegen").click()
    expect(projector.locator("section.cluster h3", has_text="Recht")).to_have_count(1)
    console.get_by_label("Cluster für: Wissen Nummer 2").select_option(label="Recht")
    recht = projector.locator("section.cluster", has=projector.locator("h3", has_text="Recht"))
    expect(recht.locator(".card-text", has_text="Wissen Nummer 2")).to_have_count(1)
    expect(phone.locator("section.cluster", has=phone.locator("h3", has_text="Recht"))).to_contain_text(
        "Wissen Nummer 2"
    )
    console.once("dialog", lambda dialog: dialog.accept("Rechtliches"))
    console.locator("section.cluster h3", has_text="Recht").get_by_role("button", name="umbenennen").click()
    expect(projector.locator("section.cluster h3", has_text="Rechtliches")).to_have_count(1)

    # Keyboard only: focus the choice under a card, pick the cluster with the arrow keys, and back out.
    choice = console.get_by_label("Cluster für: Wissen Nummer 4")
    choice.focus()
    console.keyboard.press("ArrowDown")  # "– ohne Cluster –" → "Rechtliches"
    rechtliches = projector.locator("section.cluster", has=projector.locator("h3", has_text="Rechtliches"))
    expect(rechtliches.locator(".card-text", has_text="Wissen Nummer 4")).to_have_count(1)
    choice = console.get_by_label("Cluster für: Wissen Nummer 4")
    choice.focus()
    console.keyboard.press("ArrowUp")  # back to "– ohne Cluster –"
    expect(rechtliches.locator(".card-text", has_text="Wissen Nummer 4")).to_have_count(0)
    fac.wait_for(
        lambda c: {card["text"]: card.get("cluster_id") for card in c.cards("knowledge")}["Wissen Nummer 4"] is None,
        "the card out of its cluster again",
    )
    # Dissolving is a button too.
    console.locator("section.cluster h3", has_text="Rechtliches").get_by_role("button", name="auflösen").click()
    expect(projector.locator("section.cluster h3", has_text="Rechtliches")).to_have_count(0)
    phone.context.close()
    console.context.close()


SPACING = (
    "* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; } "
    "p { margin-bottom: 2em !important; }"
)
CLIPPED = """() => [...document.querySelectorAll('body *')].filter((e) => {
  const s = getComputedStyle(e);
  const clips = ['hidden', 'clip'].includes(s.overflowX) || ['hidden', 'clip'].includes(s.overflowY);
  return clips && e.innerText && e.innerText.trim() && !e.matches('.visually-hidden, .visually-hidden *')
    && (e.scrollHeight > e.clientHeight + 2 || e.scrollWidth > e.clientWidth + 2);
}).map((e) => `${e.tagName.toLowerCase()}.${e.className}: "${e.innerText.trim().slice(0, 30)}"`)"""


def test_wcag_text_spacing_cuts_off_no_text_on_phone_console_and_record(server, browser, room):
    base = server.base_url
    phone = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True, bypass_csp=True).new_page()
    phone.goto(f"{base}/j/{server.code}")
    phone.fill("#display_name", "Abstand")
    phone.click("button[type=submit]")
    expect(phone.locator("h1")).not_to_have_text("")
    console = login_page(browser, base, EMAIL, PASSWORD, viewport={"width": 1024, "height": 700}, bypass_csp=True)
    found = {}
    for name, page, path in [
        ("phone", phone, None),
        ("console", console, f"/sessions/{server.sid}"),
        ("record", console, f"/measures/{server.mid}"),
        ("statement", console, "/barrierefreiheit"),
    ]:
        if path:
            page.goto(base + path)
        page.add_style_tag(content=SPACING)
        sideways = page.evaluate("document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth")
        found[name] = page.evaluate(CLIPPED) + ([f"scrolls sideways by {sideways}px"] if sideways > 0 else [])
    assert {name: f for name, f in found.items() if f} == {}
    phone.context.close()
    console.context.close()
