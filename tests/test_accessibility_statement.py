"""The accessibility statement (BITV 2.0 §12a) and its feedback form, in-process over a real database."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import migrated_sqlite
from workshop.accessibility.models import BarrierReport
from workshop.accounts.service import create_facilitator
from workshop.app import create_app


@pytest.fixture
def app(tmp_path):
    url = migrated_sqlite(tmp_path / "a11y.db")
    app = create_app(
        {
            "DATABASE_URL": url,
            "SOCKETIO_ASYNC_MODE": "threading",
            "SECRET_KEY": "t",
            "ENFORCEMENT_BODY_NAME": "Landesbeauftragte für digitale Barrierefreiheit",
            "ENFORCEMENT_BODY_URL": "https://example.org/durchsetzung",
        }
    )
    yield app


def token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def reports(app) -> list[BarrierReport]:
    with app.extensions["workshop.db"].session_factory() as db:
        return list(db.scalars(select(BarrierReport)))


@pytest.mark.parametrize("path", ["/join", "/login", "/barrierefreiheit"])
def test_every_page_links_the_statement_and_the_report_form_in_its_footer(app, path):
    page = app.test_client().get(path).get_data(as_text=True)
    footer = re.search(r'<footer class="site-footer">(.*?)</footer>', page, re.S).group(1)
    assert 'href="/barrierefreiheit"' in footer and "#barriere-melden" in footer


@pytest.mark.parametrize(
    "lang,texts",
    [
        (
            "de",
            [
                "Erklärung zur Barrierefreiheit",
                "teilweise vereinbar",
                "Was noch nicht barrierefrei ist",
                "Schlichtungsverfahren",
                "24. November 2026",
            ],
        ),
        (
            "en",
            [
                "Accessibility statement",
                "partially compliant",
                "What is not accessible yet",
                "Enforcement procedure",
                "November 24, 2026",
            ],
        ),
    ],
)
def test_the_statement_names_state_limitations_date_and_the_configured_enforcement_body(app, lang, texts):
    client = app.test_client()
    client.get(f"/lang/{lang}?next=/barrierefreiheit")
    page = client.get("/barrierefreiheit").get_data(as_text=True)
    for text in texts:
        assert text in page, text
    assert 'href="https://example.org/durchsetzung">Landesbeauftragte für digitale Barrierefreiheit</a>' in page


def test_a_report_is_stored_and_listed_for_the_team(app):
    client = app.test_client()
    page = client.get("/barrierefreiheit?page=/j/ABCDEF").get_data(as_text=True)
    assert 'value="/j/ABCDEF"' in page  # the footer link names the page the barrier is on
    answer = client.post(
        "/barrierefreiheit",
        data={
            "csrf_token": token(page),
            "page": "/j/ABCDEF",
            "description": "Der Knopf „Senden“ ist mit dem Screenreader nicht zu finden.",
            "contact": "",
        },
    )
    assert answer.status_code == 303
    [stored] = reports(app)
    assert stored.page == "/j/ABCDEF" and "Screenreader" in stored.description and stored.language == "de"
    with app.extensions["workshop.db"].session_factory() as db:
        create_facilitator(db, "team@example.org", "Team", "correct horse battery")
        db.commit()
    login = client.get("/login").get_data(as_text=True)
    client.post(
        "/login", data={"csrf_token": token(login), "email": "team@example.org", "password": "correct horse battery"}
    )
    listed = client.get("/barrierefreiheit/meldungen").get_data(as_text=True)
    assert "Screenreader" in listed
    client.post(f"/barrierefreiheit/meldungen/{stored.id}/answered", data={"csrf_token": token(listed)})
    assert reports(app)[0].answered


def test_the_report_list_is_for_the_team_only(app):
    answer = app.test_client().get("/barrierefreiheit/meldungen")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


@pytest.mark.parametrize(
    "lang,form,message",
    [
        ("de", {"description": "kurz"}, "Meldung nicht gesendet: Bitte beschreiben Sie die Barriere mit mindestens 10"),
        ("de", {"description": ""}, "Meldung nicht gesendet"),
        ("de", {"description": "x" * 5001}, "Meldung nicht gesendet"),
        ("en", {"description": "ok", "contact": "mail@example.org"}, "Report not sent: Please describe the barrier"),
        ("de", {"description": "Genug Text hier.", "page": "p" * 301}, "„Wo“ darf höchstens 300 Zeichen lang sein."),
    ],
)
def test_bad_input_is_refused_with_a_sentence_keeps_what_was_typed_and_stores_nothing(app, lang, form, message):
    client = app.test_client()
    client.get(f"/lang/{lang}?next=/barrierefreiheit")
    page = client.get("/barrierefreiheit").get_data(as_text=True)
    answer = client.post("/barrierefreiheit", data={"csrf_token": token(page), **form})
    body = answer.get_data(as_text=True)
    assert answer.status_code == 400 and message in body
    if form.get("contact"):
        assert f'value="{form["contact"]}"' in body  # nothing typed is lost
    assert reports(app) == []
