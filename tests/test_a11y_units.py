"""WCAG 2.2 AA over every unit, step by step (issue 17): axe-core with the 2.0/2.1/2.2 A and AA
tags, every impact, on the phone in German and in English at 320 px and at 390 px, on the
console (German) and on the projector (English), in every step of the shipped formats —
with content in each state: cards of others and the phone's own (with its edit button), a
hidden card, clusters, votes, consent ratings, poll answers revealed, action items, a paused
(locked) step and a running timer.

One server and one browser for the module; the phones are real pages, the other participants
Socket.IO clients. Fails naming the format, step, page, language and width of each violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.a11y import EMAIL, a11y_server, axe_violations
from tests.browser import (
    login_page,
    module_browser,  # noqa: F401  (the module's browser fixture)
)
from tests.conftest import PASSWORD
from workshop.agenda.templates import available_templates

FORMATS = ["framing", "knowledge_merge", "co_drafting", "mandate", "public_participation", "world_cafe"]
WIDTHS = (320, 390)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from a11y_server(tmp_path_factory, "a11y_units")


def phone_page(browser, base: str, code: str, lang: str, name: str):
    """A phone (CSP bypassed so axe can run) that joined by the join page in its language."""
    context = browser.new_context(bypass_csp=True, viewport={"width": WIDTHS[0], "height": 640}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{base}/lang/{lang}?next=/j/{code}")
    if page.locator("#display_name").count():  # public participation asks no names
        page.fill("#display_name", name)
    page.click("button[type=submit]")
    expect(page.locator("#phone-status")).to_have_count(1)
    return page


def fill(step: dict, fac, bots, phone) -> None:
    """Put the step into a state with content of every kind it shows."""
    key, kind = step["key"], step["type"]
    if kind in ("brainstorm", "draft"):
        author = fac if step.get("authors") == "facilitator" else bots[0]
        columns = [c["key"] for c in step.get("columns") or []] or [None]
        added = []
        for n, column in enumerate(columns):
            extra = {"column_key": column} if column else {}
            added.append(author.op("card.add", step_key=key, text=f"Beitrag {n + 1} zu {key}", **extra))
        extra = {"column_key": columns[0]} if columns[0] else {}
        hidden = author.op("card.add", step_key=key, text="Wird ausgeblendet", **extra)
        if hidden["ok"]:
            assert fac.op("card.hide", card_id=hidden["result"]["card_id"])["ok"]
        for ack in added:  # a moderated step: its cards wait for the facilitator
            if ack["ok"] and step.get("moderated"):
                fac.op("card.approve", card_id=ack["result"]["card_id"])
        if step.get("authors") != "facilitator" and phone.locator("#card-text").count():
            phone.fill("#card-text", "Mein eigener Beitrag")
            phone.click("#card-form button[type=submit]")
            expect(phone.locator("li.card.mine")).not_to_have_count(0)
    elif kind == "tables":  # people at three tables, a host and a key point; the German phone sits at table 1
        for n, bot in enumerate(bots):
            assert bot.op("table.sit", step_key=key, table_no=n % 3 + 1)["ok"]
            assert bot.op("card.add", step_key=key, text=f"Beitrag an Tisch {n % 3 + 1}")["ok"]
        assert bots[0].op("table.host", step_key=key, table_no=1)["ok"]
        assert bots[0].op("table.pick", card_id=bots[0].cards(key)[0]["id"])["ok"]
        phone.locator("button.table-choice").first.click()
        expect(phone.locator("#my-table")).to_be_visible()
        phone.fill("#card-text", "Mein eigener Beitrag")
        phone.click("#card-form button[type=submit]")
        expect(phone.locator("li.card.mine")).not_to_have_count(0)
    elif kind == "harvest":
        assert fac.op("harvest.collect")["ok"]
    elif kind == "cluster":
        cluster = fac.op("cluster.create", title="Erstes Cluster")
        assert cluster["ok"], cluster
        cards = [c for c in fac.cards(step["source"]) if c["status"] == "visible"]
        if cards:
            assert fac.op("card.cluster", card_id=cards[0]["id"], cluster_id=cluster["result"]["cluster_id"])["ok"]
    elif kind == "dot_vote":
        for bot in bots:
            targets = (
                [c for c in bot.cards(step["source"]) if c["status"] == "visible"]
                if step["source"] != "clusters"
                else []
            )
            if targets:
                bot.op("vote.add", card_id=targets[0]["id"])
    elif kind == "consent":
        options = [c for c in bots[0].cards(key) if c["status"] == "visible"]
        for n, bot in enumerate(bots):
            for option in options[:2]:
                bot.op("rating.set", card_id=option["id"], value=n % 4)
    elif kind == "poll":
        for n, bot in enumerate(bots):
            bot.op("poll.answer", choices=[n % len(step["options"])])
        if step.get("hidden"):
            assert fac.op("step.reveal", step_key=key)["ok"]
    elif kind == "action_items":
        assert fac.op("action.add", who="Kim", what="Kostenschätzung erstellen", due="2026-12-15")["ok"]


@pytest.mark.parametrize("template_key", FORMATS)
def test_every_step_of_every_unit_passes_axe_wcag_22_aa_on_phones_console_and_projector(server, browser, template_key):
    base = server.base_url
    steps = available_templates()[template_key]["steps"]
    mid = server.measure(f"Barrierefrei {template_key}")
    sid, code = server.session(server.fid, mid, template_key=template_key)
    fac = server.facilitator_client(sid, server.http)
    bots = [server.participant(sid, code, name) for name in ("Ali", "Jo", "")]
    phones = {"de": phone_page(browser, base, code, "de", "Kim"), "en": phone_page(browser, base, code, "en", "Sam")}
    console = login_page(browser, base, EMAIL, PASSWORD, bypass_csp=True, viewport={"width": 1280, "height": 900})
    console.goto(f"{base}/sessions/{sid}")
    projector = console.context.new_page()
    projector.goto(f"{base}/lang/en?next=/sessions/{sid}/projector")
    found: dict[str, list[str]] = {}

    def check(where: str) -> None:
        for lang, phone in phones.items():
            for width in WIDTHS:
                phone.set_viewport_size({"width": width, "height": 640})
                found[f"{where} · phone {lang} {width}px"] = axe_violations(phone)
        found[f"{where} · console de"] = axe_violations(console)
        found[f"{where} · projector en"] = axe_violations(projector)

    try:
        check("waiting room")
        assert fac.op("session.start")["ok"]
        for index, step in enumerate(steps):
            if index:
                assert fac.op("step.goto", step_key=step["key"])["ok"]
            for lang, phone in phones.items():
                expect(phone.locator("h1")).to_have_text(step["title"][lang])
            expect(console.locator("#now .step-summary-title")).to_have_text(step["title"]["de"])
            fill(step, fac, bots, phones["de"])
            if index == 0:  # a running timer and, on the phones, a paused step
                assert fac.op("timer.start", step_key=step["key"], seconds=300)["ok"]
                assert fac.op("step.lock", step_key=step["key"], locked=True)["ok"]
                check(f"{step['key']} ({step['type']}, paused, timer)")
                assert fac.op("step.lock", step_key=step["key"], locked=False)["ok"]
            check(f"{step['key']} ({step['type']})")
        assert fac.op("session.end")["ok"]
        for phone in phones.values():
            expect(phone.locator("h1")).not_to_have_text(steps[-1]["title"]["de"])
        check("ended")
    finally:
        fac.close()
        for bot in bots:
            bot.close()
        for phone in phones.values():
            phone.context.close()
        console.context.close()
    failing = [f"{where}: {line}" for where, lines in found.items() for line in lines]
    assert not failing, "\n".join(failing)
    assert len(found) == 6 * (len(steps) + 3)  # every state was checked on every page
