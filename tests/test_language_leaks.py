"""Texts that came out in the other language (issue 29, finding 13): in English the phone's
summary named a record field in German, the consent step's status quo was German, the record
page said "beendet"; in German the history named a step by its key ("vote").

Real browsers (a phone and the projector) against one server for the module; pages over HTTP."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, module_browser  # noqa: F401  (fixture: one browser for the module)
from tests.conftest import running_server
from tests.live_client import LiveClient, cookie_header, join


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("language")
    with running_server(f"sqlite:///{tmp / 'workshop.db'}", tmp) as running:
        yield running


def _phone(browser, base, code, lang):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "lang", "value": lang, "url": base}])
    page = context.new_page()
    page.goto(f"{base}/j/{code}")
    if page.locator("#display_name").count():
        page.fill("#display_name", "Kim")
        page.click("button[type=submit]")
    expect(page.locator("#conn")).to_have_attribute("data-state", "online")
    return page


def _projector(browser, base, sid, http, lang):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.add_cookies(
        [{"name": "lang", "value": lang, "url": base}]
        + [{"name": c.name, "value": c.value, "url": base} for c in http.cookies]
    )
    page = context.new_page()
    page.goto(f"{base}/sessions/{sid}/projector")
    return page


def test_the_phones_summary_names_the_record_field_in_english(server, browser):
    base = server.base_url
    fid = server.facilitator("summary@example.org")
    sid, code = server.session(fid, server.measure("Help desk", "HD-1", owner=fid), title="Help desk")
    http = server.login("summary@example.org")
    with LiveClient(base, sid, "facilitator", cookies=cookie_header(http)) as staff:
        phone = _phone(browser, base, code, "en")
        assert staff.op("session.start")["ok"]
        assert staff.op("step.goto", step_key="questions")["ok"]
        with LiveClient(base, sid, "participant", token=join(base, code)["token"]) as person:
            card = person.op("card.add", step_key="questions", text="Who pays")["result"]["card_id"]
            assert staff.op("step.goto", step_key="vote")["ok"]
            assert person.op("vote.add", card_id=card)["ok"]
        assert staff.op("record.capture", step_key="vote")["ok"]
        assert staff.op("step.goto", step_key="summary")["ok"]
        expect(phone.locator("#board")).to_contain_text("Central questions")
        assert "Zentrale Fragestellungen" not in phone.locator("body").inner_text()
        phone.reload()  # the snapshot's form, too
        expect(phone.locator("#board")).to_contain_text("Central questions")
        phone.context.close()


def test_the_consent_status_quo_is_in_the_viewers_language(server, browser):
    base = server.base_url
    fid = server.facilitator("consent@example.org")
    sid, code = server.session(fid, server.measure("Mandate", "MA-1", owner=fid), template_key="mandate")
    http = server.login("consent@example.org")
    with LiveClient(base, sid, "facilitator", cookies=cookie_header(http)) as staff:
        phones = {lang: _phone(browser, base, code, lang) for lang in ("en", "de")}
        projector = _projector(browser, base, sid, http, "en")
        assert staff.op("session.start")["ok"]
        assert staff.op("step.goto", step_key="consent")["ok"]
        expect(phones["en"].locator("#board")).to_contain_text("Status quo: nothing changes")
        expect(projector.locator("body")).to_contain_text("Status quo: nothing changes")
        expect(phones["de"].locator("#board")).to_contain_text("Passivlösung: Es bleibt, wie es ist")
        for page in (phones["en"], projector):
            assert "Passivlösung" not in page.locator("body").inner_text()
        with LiveClient(base, sid, "participant", token=join(base, code)["token"]) as person:
            for option in staff.cards("consent"):
                assert person.op("rating.set", card_id=option["id"], value=3)["ok"]
        assert staff.op("step.reveal", step_key="consent")["ok"]
        expect(phones["en"].locator(".consent-result")).to_contain_text("Status quo: nothing changes")
        expect(phones["en"].locator(".consent-table tbody")).to_contain_text("3.0")  # a mean as English writes it
        expect(phones["de"].locator(".consent-table tbody")).to_contain_text("3,0")
        for page in (*phones.values(), projector):
            page.context.close()
    english = server.login("consent@example.org")
    text = english.get(f"{base}/sessions/{sid}/protocol.md?lang=en").text
    assert "Status quo: nothing changes" in text and "Passivlösung" not in text


def test_record_and_history_speak_the_pages_language(server):
    base = server.base_url
    fid = server.facilitator("record@example.org")
    mid = server.measure("Benches", "BE-1", owner=fid)
    sid, code = server.session(fid, mid, title="Benches")
    http = server.login("record@example.org")
    with LiveClient(base, sid, "facilitator", cookies=cookie_header(http)) as staff:
        assert staff.op("session.start")["ok"]
        assert staff.op("step.goto", step_key="questions")["ok"]
        with LiveClient(base, sid, "participant", token=join(base, code)["token"]) as person:
            card = person.op("card.add", step_key="questions", text="Shade")["result"]["card_id"]
            assert staff.op("step.goto", step_key="vote")["ok"]
            assert person.op("vote.add", card_id=card)["ok"]
        assert staff.op("record.capture", step_key="vote")["ok"]
        assert staff.op("session.end")["ok"]
    http.cookies.set("lang", "en")
    record = _text(http.get(f"{base}/measures/{mid}").text)
    assert "beendet" not in record and "ended" in record
    assert "step “Dot vote”" in record, "the trace names the step in German"
    http.cookies.set("lang", "de")
    history = _text(http.get(f"{base}/measures/{mid}/history?field=central_questions").text)
    assert not re.search(r"\bvote\b", history), "the history names the step by its key"
    assert "Punkte vergeben" in history


def _text(html: str) -> str:
    html = re.sub(r"<script.*?</script>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
