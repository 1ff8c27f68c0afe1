"""The HTTP side a person uses: login, measure register and record, join flow, projector."""

from __future__ import annotations

import re

import requests

from tests.live_client import csrf_token
from workshop.sessions.qr import qr_svg


def test_login_needs_the_right_password_and_a_csrf_token(server):
    server.facilitator()
    http = requests.Session()
    token = csrf_token(http, f"{server.base_url}/login")
    wrong = http.post(
        f"{server.base_url}/login",
        data={"csrf_token": token, "email": server.email("moderation@example.org"), "password": "wrong"},
    )
    assert wrong.status_code == 401 and "falsch" in wrong.text
    no_csrf = requests.post(
        f"{server.base_url}/login",
        data={"email": server.email("moderation@example.org"), "password": "correct horse battery"},
    )
    assert no_csrf.status_code == 400
    assert requests.get(f"{server.base_url}/measures", allow_redirects=False).status_code == 302
    cookie = server.login().cookies
    set_cookie = [c for c in cookie if c.name == "session"][0]
    assert set_cookie.has_nonstandard_attr("HttpOnly")


def test_register_record_and_hand_edits_keep_revisions(server):
    server.facilitator()
    http = server.login()
    base = server.base_url
    token = csrf_token(http, f"{base}/measures")
    reference = server.reference("AC-1")  # unique in the module's database
    created = http.post(
        f"{base}/measures", data={"csrf_token": token, "title": "Initiativen einbinden", "reference_number": reference}
    )
    assert created.status_code == 200 and "Initiativen einbinden" in created.text
    measure_url = created.url
    assert re.search(r"/measures/\d+$", measure_url)
    duplicate = http.post(f"{base}/measures", data={"csrf_token": token, "title": "x", "reference_number": reference})
    assert f"Referenznummer „{reference}“ ist schon vergeben" in duplicate.text
    empty = http.post(f"{base}/measures", data={"csrf_token": token, "title": "  "})
    assert "title" in empty.text and "nicht angelegt" in empty.text
    assert http.get(f"{base}/measures").text.count("Initiativen einbinden") == 1

    page = http.get(measure_url).text
    for label in (
        "Referenznummer",
        "Handlungsfeld",
        "Zentrale Fragestellungen",
        "Maßnahmenumfang",
        "Ziele und Wirkung",
        "Zielgruppen",
        "Meilensteine",
        "Indikatoren",
        "Finanzen",
        "Risiken",
        "Öffentlichkeitsbeteiligung",
        "Mandat",
        "Kommentare",
        "Berlin Maßnahmensteckbrief",
        "Vorhaben",
        "Fortschritt",
        "Geplante Projekte",
        "Querschnittsziel",
        "Operatives Ziel",
        "nicht final",
    ):
        assert label in page
    mid = measure_url.rsplit("/", 1)[1]
    for value in ("Erste Fassung", "Zweite Fassung"):
        saved = http.post(
            f"{base}/measures/{mid}/fields", data={"csrf_token": token, "field_key": "objectives", "value": value}
        )
        assert saved.status_code == 200
    page = saved.text
    assert "Zweite Fassung" in page and "Erste Fassung" in page and "2 Fassungen" in page
    bad = http.post(f"{base}/measures/{mid}/fields", data={"csrf_token": token, "field_key": "nope", "value": "x"})
    assert bad.status_code == 400


def test_facilitator_starts_a_session_and_participants_join_by_link(server):
    server.facilitator()
    mid = server.measure("Anlaufstelle", "2022-14222")
    http = server.login()
    base = server.base_url
    token = csrf_token(http, f"{base}/measures/{mid}")
    console = http.post(
        f"{base}/measures/{mid}/sessions", data={"csrf_token": token, "template_key": "framing", "location": "Raum 1"}
    )
    assert console.status_code == 200 and "Sitzung starten" in console.text
    code = re.search(r'class="join-code">([A-Z0-9]{6})<', console.text).group(1)
    sid = re.search(r"/sessions/(\d+)$", console.url).group(1)
    bad_template = http.post(
        f"{base}/measures/{mid}/sessions", data={"csrf_token": token, "template_key": "../../etc/passwd"}
    )
    # A sentence in the person's language, not the template checker's English (issue 13's leftover).
    assert "Keine Sitzung angelegt: bitte wählen Sie eine Vorlage aus der Liste" in bad_template.text
    missing = http.post(f"{base}/measures/{mid}/sessions", data={"csrf_token": token, "template_key": "gibtsnicht"})
    assert "Keine Sitzung angelegt: die Vorlage „gibtsnicht“ gibt es nicht" in missing.text
    http.get(f"{base}/lang/en?next=/measures/{mid}")
    english = http.post(f"{base}/measures/{mid}/sessions", data={"csrf_token": token, "template_key": "gibtsnicht"})
    assert "No session created: there is no template “gibtsnicht”" in english.text
    assert not any(word in bad_template.text + missing.text for word in ("not a template name", "there is no"))
    http.get(f"{base}/lang/de?next=/measures/{mid}")

    projector = http.get(f"{base}/sessions/{sid}/projector").text
    assert code in projector and qr_svg(f"{base}/j/{code}") in projector  # the QR encodes the join link

    phone = requests.Session()
    by_code = phone.post(f"{base}/join", data={"csrf_token": csrf_token(phone, f"{base}/join"), "code": code.lower()})
    assert by_code.url.endswith(f"/j/{code}") and "Ihr Name" in by_code.text
    joined = phone.post(
        f"{base}/j/{code}", data={"csrf_token": csrf_token(phone, f"{base}/j/{code}"), "display_name": "Kim"}
    )
    assert joined.status_code == 200 and 'data-role="participant"' in joined.text
    assert phone.get(f"{base}/j/{code}").text.count('data-role="participant"') == 1  # reload: still in
    # One minified script and stylesheet for the phone (make setup builds them), not ~20 modules
    script = re.search(r'<script type="module" src="([^"]+)"', joined.text).group(1)
    style = re.search(r'<link rel="stylesheet" href="([^"]+)"', joined.text).group(1)
    assert script.endswith("/static/vendor/participant.bundle.js"), script
    assert style.endswith("/static/vendor/app.min.css"), style
    bundle = phone.get(f"{base}{script}")
    assert bundle.status_code == 200 and "javascript" in bundle.headers["Content-Type"]
    assert "import " not in bundle.text.split("\n", 1)[0]  # self-contained: no module to fetch after it
    headers = joined.headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
