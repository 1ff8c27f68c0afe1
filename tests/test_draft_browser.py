"""Two facilitators co-draft one field in headless Chromium at the same time: one types on the
keyboard while the other page types through input events; both end with the same text."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import make_url, select
from sqlalchemy.orm import sessionmaker

from tests.browser import browser, login_page  # noqa: F401  (browser: fixture)
from tests.conftest import PASSWORD, Server, running_server, start_server, stop_server
from tests.draft_client import DraftClient
from tests.live_client import cookie_header
from tests.pg_proxy import PausableProxy
from tests.test_browser import watch
from workshop.db import make_engine
from workshop.measures.models import RecordRevision
from workshop.migrate import upgrade

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
        page = watch(
            login_page(browser, base, server.email(email), PASSWORD, viewport={"width": 1200, "height": 900}),
            base,
            problems,
        )
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
        assert facilitator.op("card.add", step_key=facilitator.current_step_key(), text="Service-Agent:innen-Schulung")[
            "ok"
        ]
    finally:
        facilitator.close()
    page = watch(
        login_page(
            browser, base, server.email("moderation@example.org"), PASSWORD, viewport={"width": 1200, "height": 900}
        ),
        base,
        problems,
    )
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


@pytest.fixture
def proxied_server(postgres_url, tmp_path):
    """`workshop serve` reaching PostgreSQL only through a proxy the test can pause."""
    host_port = make_url(postgres_url)
    proxy = PausableProxy((host_port.host or "127.0.0.1", host_port.port or 5432))
    upgrade(postgres_url)
    engine = make_engine(postgres_url)
    proxied = host_port.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    log_path = tmp_path / "server.log"
    process, base_url = start_server(proxied, log_path)
    try:
        yield (
            Server(base_url, postgres_url, process, sessionmaker(bind=engine, expire_on_commit=False), log_path),
            proxy,
        )
    finally:
        stop_server(process)
        proxy.close()
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.browser
def test_the_database_goes_away_while_a_person_types_and_the_field_ends_as_shown_once(proxied_server, browser):
    """Review finding: after the database was away the server held "Hello world.Hello world.!?" while
    the page showed no duplicate. Now the page says saving is paused, keeps the text, and syncs by
    state vectors when the database is back: server document and record hold what the page shows."""
    server, proxy = proxied_server
    base, problems = server.base_url, []
    server.facilitator()
    mid = server.measure("Anlaufstelle Prozessbegleitung", "2022-14222")
    page = watch(
        login_page(
            browser, base, server.email("moderation@example.org"), PASSWORD, viewport={"width": 1200, "height": 900}
        ),
        base,
        problems,
    )
    page.goto(f"{base}/measures/{mid}/draft")
    expect(page.locator("#conn")).to_have_text("verbunden")
    area = page.locator("#draft-short_description")
    expect(area).to_be_enabled()
    area.click()
    page.keyboard.type("Hello world.", delay=10)
    expect(page.locator('[data-saved="short_description"]')).to_contain_text("gespeichert")

    proxy.pause()
    page.keyboard.type("!?", delay=30)
    expect(page.locator("#saving-paused")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Backspace")  # a deletion while away, too
    page.keyboard.type(" Noch mehr", delay=30)
    shown = area.input_value()
    assert shown == "Hello world. Noch mehr?"
    page.evaluate("() => { document.querySelector('[data-saved=\"short_description\"]').textContent = ''; }")

    proxy.resume()
    expect(page.locator("#saving-paused")).to_be_hidden(timeout=15_000)
    expect(area).to_have_value(shown)
    page.click("h1")  # leaving the field writes it into the record
    expect(page.locator('[data-saved="short_description"]')).to_contain_text("gespeichert", timeout=15_000)
    cookies = cookie_header(server.login())
    other = DraftClient(base, cookies, mid)
    try:
        assert other.join()["ok"]
        assert other.text("short_description") == shown
    finally:
        other.close()
    with server.db() as db:
        revision = db.scalars(
            select(RecordRevision)
            .where(RecordRevision.measure_id == mid, RecordRevision.field_key == "short_description")
            .order_by(RecordRevision.id.desc())
            .limit(1)
        ).first()
    assert revision.value == shown
    assert problems == []


@pytest.mark.postgres
@pytest.mark.browser
def test_an_editor_on_another_process_sees_who_is_in_which_field(postgres_url, redis_queue, tmp_path, browser):
    with (
        running_server(postgres_url, tmp_path, redis_queue, name="a") as a,
        running_server(postgres_url, tmp_path, redis_queue, name="b") as b,
    ):
        problems = []
        a.facilitator()
        second = a.facilitator("zweite@example.org", "Zweite Person")
        mid = a.measure()
        a.member(mid, second, "editor")  # on the measure's team (access), so it may co-draft
        first = watch(
            login_page(browser, a.base_url, "zweite@example.org", PASSWORD, viewport={"width": 1200, "height": 900}),
            a.base_url,
            problems,
        )
        first.goto(f"{a.base_url}/measures/{mid}/draft")
        expect(first.locator("#draft-short_description")).to_be_enabled()
        first.click("#draft-short_description")
        later = watch(
            login_page(
                browser, b.base_url, "moderation@example.org", PASSWORD, viewport={"width": 1200, "height": 900}
            ),
            b.base_url,
            problems,
        )
        later.goto(f"{b.base_url}/measures/{mid}/draft")  # joins on process B, after A's editor sat down
        expect(later.locator('[data-presence="short_description"]')).to_have_text("✎ Zweite Person (Z. 1)")
        assert problems == []
