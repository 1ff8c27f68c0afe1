"""Upload limits (issue 29 finding 8): a page that takes files has its limit in force before the
CSRF check reads the form, a body over it is refused unread, and the refusal is a page of the app
that names the limit in the viewer's language. In-process, CSRF on (as in production)."""

from __future__ import annotations

import io
import re

import pytest

from workshop.accounts.service import create_facilitator
from workshop.agenda.create import create_session
from workshop.app import create_app
from workshop.measures.models import Measure
from workshop.migrate import upgrade
from workshop.sessions.models import SessionFile, WorkshopSession

PASSWORD = "ein-langes-passwort"
PDF_HEAD = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n"


@pytest.fixture
def app(tmp_path):
    url = f"sqlite:///{tmp_path / 'uploads.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "s" * 40, "RATELIMIT_ENABLED": False})
    db = app.extensions["workshop.db"]()
    owner = create_facilitator(db, "moderation@example.org", "Moderation", PASSWORD)
    measure = Measure(title="Anlaufstelle")
    db.add(measure)
    db.flush()
    ws = create_session(db, measure_id=measure.id, facilitator_id=owner.id, template_key="framing")
    db.commit()
    app.session_id = ws.id
    db.close()
    return app


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(app, lang="de"):
    client = app.test_client()
    client.set_cookie("lang", lang)
    token = _token(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"csrf_token": token, "email": "moderation@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def builder_form(client, url) -> dict:
    page = client.get(url).get_data(as_text=True)
    form = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        form[name] = value
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body) or re.search(r'<option value="([^"]*)"', body)
        form[name] = chosen.group(1) if chosen else ""
    for tag in re.findall(r'<input[^>]*type="checkbox"[^>]*>', page):
        if "checked" not in tag:
            form.pop(re.search(r'name="([^"]+)"', tag).group(1), None)
    form.pop("action", None)
    return {k: v.replace("&#39;", "'").replace("&amp;", "&").replace("&quot;", '"') for k, v in form.items()}


def _input_step(app, client) -> tuple[str, dict, int]:
    url = f"/sessions/{app.session_id}/agenda"
    form = {**builder_form(client, url), "add_type": "input"}
    assert client.post(url, data={**form, "action": "add"}).status_code == 303
    db = app.extensions["workshop.db"]()
    index = len(db.get(WorkshopSession, app.session_id).steps) - 1
    db.close()
    return url, builder_form(client, url), index


def test_a_2_mb_pdf_goes_into_an_input_step_with_csrf_on(app):
    """Failed before the fix: the CSRF check read the form under the app's 1 MB limit, so a
    2 MB PDF got a bare 413 although the page promises 5 MB."""
    client = login(app)
    url, form, index = _input_step(app, client)
    two_mb = PDF_HEAD + b"%" + b"x" * (2 * 1024 * 1024) + b"\n%%EOF\n"
    response = client.post(
        url,
        data={**form, f"s{index}-upload": (io.BytesIO(two_mb), "handout.pdf"), "action": "save"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    db = app.extensions["workshop.db"]()
    assert [f.size for f in db.query(SessionFile).all()] == [len(two_mb)]
    db.close()


@pytest.mark.parametrize(("lang", "words"), [("de", "höchstens 5 MB"), ("en", "at most 5 MB")])
def test_a_body_over_the_limit_is_a_page_that_names_it(app, lang, words):
    client = login(app, lang)
    url, form, index = _input_step(app, client)
    thirteen_mb = PDF_HEAD + b"x" * (13 * 1024 * 1024)
    response = client.post(
        url,
        data={**form, f"s{index}-upload": (io.BytesIO(thirteen_mb), "gross.pdf"), "action": "save"},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and words in page and "<html" in page, page[:300]
    assert "Request Entity Too Large" not in page
    db = app.extensions["workshop.db"]()
    assert db.query(SessionFile).count() == 0
    db.close()


def test_a_form_elsewhere_keeps_the_1_mb_limit_and_says_so(app):
    client = login(app, "en")
    token = _token(client.get("/register/import").get_data(as_text=True))
    response = client.post(f"/sessions/{app.session_id}/protocol", data={"csrf_token": token, "notes": "x" * (2 << 20)})
    page = response.get_data(as_text=True)
    assert response.status_code == 413 and "at most 1 MB" in page


def test_a_length_over_the_limit_is_refused_before_the_body_is_read(app):
    client = login(app)
    url = f"/sessions/{app.session_id}/agenda"

    class Unread(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the body was read")

    response = client.post(
        url,
        input_stream=Unread(b""),
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": str(20 * 1024 * 1024)},
    )
    assert response.status_code == 413 and "höchstens 5 MB" in response.get_data(as_text=True)
