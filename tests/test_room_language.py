"""German and English complete everywhere (issue 13): no German word on an English page and no
English word on a German one — the console, the projector and a phone through a session — and
every refusal a person can get has a text in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, login_page
from tests.conftest import PASSWORD
from tests.live_client import csrf_token
from tests.test_browser import browser, watch  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parent.parent
# Words that give the other language away (user content in these tests avoids them).
GERMAN = re.compile(
    r"\b(und|der|die|das|nicht|noch|von|ist|Punkte?|Antworten|beendet|Beitrag|Beiträge|Karten?|"
    r"Schritt|Sitzung|Teilnehmende|dabei|verbunden|läuft|gespeichert|Leinwand)\b|[äöüßÄÖÜ]"
)
ENGLISH = re.compile(
    r"\b(the|and|of|is|are|points?|answers?|ended|step|cards?|already|connected|saved|"
    r"participants|present|left|used)\b",
    re.I,
)


def test_every_refusal_code_has_a_text_for_people():
    """A code without a text showed the developer's English message ("… is already used") to everyone."""
    raised = set()
    for path in (ROOT / "workshop").rglob("*.py"):
        raised |= set(re.findall(r'Rejected\(\s*"([a-z_]+)"', path.read_text(encoding="utf-8")))
    texts = set(re.findall(r"^  ([a-z_]+): \(\) =>", (ROOT / "static/js/i18n.js").read_text(encoding="utf-8"), re.M))
    assert sorted(raised - texts) == []


@pytest.mark.parametrize("lang", ["de", "en"])
def test_duplicate_reference_number_is_refused_in_the_page_language(server, lang):
    server.facilitator()
    http = server.login()
    http.cookies.set("lang", lang)
    base = server.base_url
    token = csrf_token(http, f"{base}/measures")
    reference = server.reference("AC-1")  # unique in the module's database
    first = http.post(
        f"{base}/measures", data={"csrf_token": token, "title": "Help desk", "reference_number": reference}
    )
    assert first.status_code == 200 and "flash-error" not in first.text
    duplicate = http.post(
        f"{base}/measures", data={"csrf_token": token, "title": "Other", "reference_number": reference}
    )
    flash = re.search(r'class="flash flash-error"[^>]*>(.*?)<', duplicate.text, re.S).group(1)
    if lang == "de":
        assert f"Referenznummer „{reference}“ ist schon vergeben" in flash and not ENGLISH.search(flash), flash
    else:
        assert f"reference number “{reference}” is already taken" in flash and "nicht" not in flash, flash


def _visible_text(page) -> str:
    return page.evaluate("() => document.body.innerText")


def _other_language(text: str, lang: str) -> list[str]:
    pattern = GERMAN if lang == "en" else ENGLISH
    allowed = {"Workshop", "QR"}
    return sorted({m.group() for m in pattern.finditer(text)} - allowed)


@pytest.mark.parametrize("lang", ["de", "en"])
def test_no_word_of_the_other_language_on_the_live_pages(server, browser, lang):
    base, problems = server.base_url, []
    fid = server.facilitator()
    sid, code = server.session(fid, server.measure("Help desk", "HD-1"), title="Help desk", location="Hall")
    console = watch(
        login_page(
            browser, base, server.email("moderation@example.org"), PASSWORD, viewport={"width": 1280, "height": 900}
        ),
        base,
        problems,
    )
    console.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
    console.goto(f"{base}/sessions/{sid}")
    projector = watch(console.context.new_page(), base, problems)
    projector.goto(f"{base}/sessions/{sid}/projector")
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_cookies([{"name": "lang", "value": lang, "url": base}])
    phone = watch(context.new_page(), base, problems)
    phone.goto(f"{base}/j/{code}")
    phone.fill("#display_name", "Kim")
    phone.click("button[type=submit]")
    expect(phone.locator("#conn")).to_have_attribute("data-state", "online")

    def check(stage):
        for name, page in (("console", console), ("projector", projector), ("phone", phone)):
            found = _other_language(_visible_text(page), lang)
            assert found == [], f"{lang} {name} at {stage}: {found}"

    check("waiting")
    console.click("#start")
    expect(phone.locator("#card-text")).to_be_visible()
    console.click("#capture-top")  # nothing to capture yet: a refusal in the page's language
    expect(console.locator("#op-error")).to_be_visible()
    check("first step, with a refusal")
    phone.fill("#card-text", "Kim's idea")
    phone.click("#card-form button[type=submit]")
    expect(projector.locator("li.card")).to_have_count(1)
    check("a contribution")
    console.locator("#agenda li").nth(3).locator("button").click()
    expect(phone.locator("#card-text")).to_be_visible()
    phone.fill("#card-text", "Who pays")
    phone.click("#card-form button[type=submit]")
    expect(console.locator("#board li.card")).to_have_count(1)
    console.click("#next")
    phone.locator(".vote-btn").nth(1).click()
    expect(projector.locator(".results .votes")).to_have_text(["1"])
    check("the vote")
    console.click("#next")
    check("the summary")
    console.once("dialog", lambda d: d.accept())
    console.click("#end")
    expect(phone.locator("h1")).not_to_have_text("")
    expect(console.locator("#status")).not_to_have_text(re.compile("^(läuft|live)$"))
    check("ended")
    assert problems == []
