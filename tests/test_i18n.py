"""German (default) and English: every text goes through the catalog, the English catalog is
complete, and each person's language choice reaches the pages (HTTP and real browsers)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2 import Environment
from playwright.sync_api import expect

from tests.browser import PHONE, browser  # noqa: F401  (browser: fixture)
from tests.i18n_scan import html_texts, js_untranslated, masked_from_lexer, needs_translation
from tests.live_client import csrf_token

ROOT = Path(__file__).resolve().parent.parent
# The protocol documents take every word from the protocol's own language (workshop/protocols/wording.py).
GERMAN_DOCUMENTS: set[str] = set()


@pytest.fixture(autouse=True, scope="module")
def compiled_catalog():
    """`make setup` compiles the .mo; a test run straight after editing the .po gets it too."""
    po = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        with po.open("rb") as source, mo.open("wb") as target:
            write_mo(target, read_po(source))


def _template_env():
    from workshop.app import create_app

    return create_app({"DATABASE_URL": "sqlite://"}).jinja_env


def untranslated_in_template(env: Environment, source: str, name: str) -> list[str]:
    masked = masked_from_lexer(env, source, name)
    return [
        f"{name}:{masked.count(chr(10), 0, start) + 1}: {where} {text!r}"
        for start, _end, text, where in html_texts(masked)
        if needs_translation(text)
    ]


def test_every_template_text_goes_through_the_catalog():
    env = _template_env()
    problems = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        name = path.relative_to(ROOT / "templates").as_posix()
        if name not in GERMAN_DOCUMENTS:
            problems += untranslated_in_template(env, path.read_text(encoding="utf-8"), name)
    assert problems == [], "texts outside the catalog:\n" + "\n".join(problems)


def test_the_template_check_finds_literals_and_accepts_wrapped_texts():
    env = _template_env()
    bad = '<p>Hallo {{ name }}</p><button aria-label="Schließen">×</button><input placeholder="Suche">'
    found = untranslated_in_template(env, bad, "bad.html")
    assert [f.split(": ", 1)[1] for f in found] == ["text 'Hallo'", "aria-label 'Schließen'", "placeholder 'Suche'"]
    good = (
        '{% block title %}Workshop{% endblock %}<p>{{ _("Hallo") }} {{ name }}</p>'
        '<button aria-label="{{ _("Schließen") }}">×</button>{% trans %}Text im Block{% endtrans %}'
        '<script type="application/json">{"a": "Kein Text"}</script>'
    )
    assert untranslated_in_template(env, good, "good.html") == []


def test_every_js_text_goes_through_the_catalog():
    problems = [
        f"{path.name}:{line}: {literal}"
        for path in sorted((ROOT / "static" / "js").rglob("*.js"))
        for line, literal in js_untranslated(path.read_text(encoding="utf-8"))
    ]
    assert problems == [], "JS texts outside _():\n" + "\n".join(problems)


def test_no_js_function_hides_the_translation_function():
    """A parameter named _ (e.g. Array.from(..., (_, i) => ...)) would shadow _() inside it."""
    shadowing = re.compile(r"\(\s*_\s*[,)]|[(,]\s*_\s*\)\s*=>|\b_\s*=>")
    problems = [
        f"{path.name}:{number}"
        for path in sorted((ROOT / "static" / "js").rglob("*.js"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if shadowing.search(line.replace("_(", "gettext("))
    ]
    assert problems == []


def test_the_js_check_finds_literals_and_accepts_wrapped_texts():
    bad = 'h("p", {}, "Karte hinzugefügt."); el.textContent = "verbunden"; x = `Noch ${n} Punkte`;'
    assert [literal for _line, literal in js_untranslated(bad)] == [
        '"Karte hinzugefügt."',
        '"verbunden"',
        "`Noch ${n} Punkte`",
    ]
    good = (
        'h("li", { class: "card mine" }, _("Karte hinzugefügt.")); socket.on("connect_error", f);'
        'el.textContent = _("verbunden"); document.getElementById("card-text");'
    )
    assert list(js_untranslated(good)) == []


def test_the_english_catalog_is_complete_and_current():
    with (ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        english = read_po(handle)
    with (ROOT / "translations" / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    entries = [m for m in english if m.id]
    assert len(entries) > 300
    assert [m.id for m in entries if not m.string or not str(m.string).strip()] == []
    assert [m.id for m in entries if m.fuzzy] == []
    assert {m.id for m in template if m.id} <= {m.id for m in entries}, "run `make translations`"
    for message in entries:  # the placeholders survive translation
        for marker in ("%(", "{"):
            assert message.id.count(marker) == message.string.count(marker), message.id


def _login_page(http, base):
    return http.get(f"{base}/login").text


def test_english_on_login_participant_and_console_german_by_default(server):
    base = server.base_url
    fid = server.facilitator()
    sid, code = server.session(fid, server.measure())

    german = requests.Session()
    assert '<html lang="de">' in _login_page(german, base) and "Anmelden" in _login_page(german, base)

    english = requests.Session()
    switched = english.get(f"{base}/lang/en", params={"next": "/login"}, allow_redirects=False)
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/login")
    page = _login_page(english, base)
    assert '<html lang="en">' in page and "Log in" in page and "Anmelden" not in page
    assert "Password" in page and 'href="/lang/de?next=/login"' in page

    joined = english.post(
        f"{base}/j/{code}", data={"display_name": "", "csrf_token": csrf_token(english, f"{base}/j/{code}")}
    )
    assert "Add contribution" in joined.text and "Beitrag hinzufügen" not in joined.text
    assert '"Gleich geht es los": "About to start"' in joined.text  # the JS catalog of the page
    german_phone = german.post(
        f"{base}/j/{code}", data={"display_name": "", "csrf_token": csrf_token(german, f"{base}/j/{code}")}
    )
    assert "Beitrag hinzufügen" in german_phone.text and '<html lang="de">' in german_phone.text

    facilitator = server.login()
    facilitator.cookies.set("lang", "en")
    console = facilitator.get(f"{base}/sessions/{sid}").text
    assert "Start session" in console and "Sitzung starten" not in console and "Log out" in console
    facilitator.cookies.set("lang", "de")
    assert "Sitzung starten" in facilitator.get(f"{base}/sessions/{sid}").text


def test_language_switch_only_redirects_to_this_site(server):
    base = server.base_url
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        answer = requests.get(f"{base}/lang/en", params={"next": target}, allow_redirects=False)
        assert answer.headers["Location"] in ("/", f"{base}/"), target
    unknown = requests.get(f"{base}/lang/fr", params={"next": "/join"}, allow_redirects=False)
    assert "lang=" not in unknown.headers.get("Set-Cookie", "")


def test_a_phone_in_english_next_to_a_phone_in_german(server, browser):  # noqa: F811
    base = server.base_url
    fid = server.facilitator()
    sid, code = server.session(fid, server.measure())
    facilitator = server.facilitator_client(sid, server.login())

    phones = {}
    for lang in ("de", "en"):
        page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
        page.goto(f"{base}/j/{code}")
        if lang == "en":
            page.get_by_role("link", name="English").click()
            expect(page.locator("html")).to_have_attribute("lang", "en")
        page.click("button[type=submit]")
        phones[lang] = page
    expect(phones["de"].locator("h1")).to_have_text("Gleich geht es los")
    expect(phones["en"].locator("h1")).to_have_text("About to start")

    facilitator.op("session.start")
    expect(phones["de"].locator("h1")).to_have_text("Vorhandene Ansätze")
    expect(phones["en"].locator("h1")).to_have_text("Existing approaches")
    expect(phones["en"].locator("#card-form button[type=submit]")).to_have_text("Add contribution")
    expect(phones["en"].locator(".eyebrow").first).to_contain_text("Step 1 of")
    expect(phones["de"].locator("#card-form button[type=submit]")).to_have_text("Beitrag hinzufügen")
    expect(phones["de"].locator(".eyebrow").first).to_contain_text("Schritt 1 von")
    facilitator.close()
