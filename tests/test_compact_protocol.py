"""The compact Ergebnisprotokoll (issue 30, point 3), in-process: the walk's session (unit 1 + 2,
welcome, input, break, fist of five, feedback; 28 people, 80 cards) files as a few pages, names
only who agreed on the join page, and nothing a participant wrote is lost on the way.

Before: 25 pages for two hours (every TOP began a page, empty ones too), all 54–80 cards with
points and authors inline, every chosen name in the protocol though the join page never asked.
"""

from __future__ import annotations

import io

import pytest
from docx import Document
from pypdf import PdfReader
from sqlalchemy import select

from tests.walk import Walk, make_walk_session
from workshop.access.policy import add_member
from workshop.accounts.service import create_facilitator
from workshop.activities.models import Card
from workshop.agenda.create import create_session
from workshop.app import create_app
from workshop.measures.models import Measure
from workshop.migrate import upgrade
from workshop.sessions.models import Participant

PASSWORD = "ein-langes-passwort"


@pytest.fixture
def walked(database_url):
    upgrade(database_url)
    app = create_app(
        {"DATABASE_URL": database_url, "SECRET_KEY": "t", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False}
    )
    sessions = app.extensions["workshop.db"]
    db = sessions()
    user = create_facilitator(db, "mo@example.org", "Mo Deration", PASSWORD)
    measure = Measure(title="Prozessbegleitung um (digitale) Partizipation", reference_number="2022-14222")
    db.add(measure)
    db.flush()
    add_member(db, measure.id, user.id)
    ws = create_session(db, measure_id=measure.id, facilitator_id=user.id, template_key="framing")
    db.commit()
    make_walk_session(db, ws.id)
    sid, fid = ws.id, user.id
    db.close()
    walk = Walk(sessions.session_factory, sid, fid)
    walk.join(28, named=12)
    with sessions.session_factory() as db:  # four of the twelve named ones said yes on the join page
        for participant in db.scalars(select(Participant).where(Participant.session_id == sid)):
            participant.named_in_protocol = participant.display_name in ("Alex", "Kim", "Sam", "Dana")
        db.commit()
    walk.run(80)
    walk.apply(walk.facilitator, "record.capture", step_key="vote")
    walk.apply(walk.facilitator, "record.capture", step_key="weigh")
    walk.apply(walk.facilitator, "session.end")
    client = app.test_client()
    assert client.post("/login", data={"email": "mo@example.org", "password": PASSWORD}).status_code == 302
    return {"app": app, "client": client, "sid": sid, "sessions": sessions.session_factory}


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def test_the_walks_two_hours_file_as_three_to_six_pages(walked):
    client, sid = walked["client"], walked["sid"]
    full = client.get(f"/sessions/{sid}/protocol.pdf").data
    assert 3 <= pages(full) <= 6, pages(full)
    # Leaving out the annex (the editor's checkbox) leaves the results: fewer pages still.
    form = {"language": "de", "annex": "0", "place": "Rathaus Schöneberg, Raum 1101"}
    assert client.post(f"/sessions/{sid}/protocol", data=form).status_code == 302
    short = client.get(f"/sessions/{sid}/protocol.pdf").data
    assert 2 <= pages(short) < pages(full), (pages(short), pages(full))
    assert "Beiträge im Wortlaut" not in "".join(p.extract_text() for p in PdfReader(io.BytesIO(short)).pages)


def test_empty_tops_are_one_line_results_come_first_and_every_card_is_in_the_annex(walked):
    client, sid = walked["client"], walked["sid"]
    html = client.get(f"/sessions/{sid}/protocol.html").get_data(as_text=True)
    for line in ("TOP 1: Begrüßung", "TOP 2: Input", "TOP 9: Pause"):
        assert f'<h2 class="top-line">{line}</h2>' in html
    md = client.get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)
    vote = md[md.index("## TOP 7: Punkte vergeben") : md.index("## TOP 8")]
    assert vote.index("**Ergebnis**") < vote.index("**In den Maßnahmensteckbrief übernommen")
    questions = md[md.index("## TOP 6: Zentrale Fragestellungen") : md.index("## TOP 7")]
    assert "**Beiträge:** 14 Beiträge – die meisten Punkte: " in questions
    assert "- " not in questions.split("**Beiträge:**")[1]  # no card list inside the TOP
    clusters = md[md.index("## TOP 14: Ordnen") : md.index("## TOP 15")]
    assert "- Thema 1 (7 Beiträge)" in clusters
    annex = md[md.index("## Anlage: Beiträge im Wortlaut") :]
    with walked["sessions"]() as db:
        texts = db.scalars(select(Card.text).where(Card.session_id == sid, Card.deleted_at.is_(None))).all()
    assert len(texts) == 80
    listed = [line for line in annex.splitlines() if line.startswith("- ")]
    assert len(listed) == 80, "each card once in the annex: nothing lost, nothing twice"
    assert all(any(line[2:].startswith(text.replace("(", "\\(")[:20]) for line in listed) for text in texts)


def test_names_only_of_who_agreed_in_every_format(walked):
    client, sid = walked["client"], walked["sid"]
    md = client.get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)
    assert "| **Teilnehmende** | 28 (namentlich: Alex, Dana, Kim, Sam) |" in md
    docx = Document(io.BytesIO(client.get(f"/sessions/{sid}/protocol.docx").data))
    word = "\n".join(p.text for p in docx.paragraphs) + "\n".join(
        cell.text for table in docx.tables for row in table.rows for cell in row.cells
    )
    pdf = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(client.get(f"/sessions/{sid}/protocol.pdf").data)).pages
    )
    for text in (md, word, pdf):
        assert "Alex" in text
        for declined in ("Jo", "Robin", "Mika", "Luca", "Noa", "Yara", "Emil", "Ida"):
            assert f"{declined})" not in text and f"{declined}," not in text, declined


def test_the_join_page_asks_in_both_languages_and_the_answer_is_stored(walked):
    app = walked["app"]
    from workshop.sessions.models import WorkshopSession

    with walked["sessions"]() as db:
        measure_id = db.get(WorkshopSession, walked["sid"]).measure_id
        ws = create_session(db, measure_id=measure_id, facilitator_id=1, template_key="knowledge_merge")
        ws.status = "live"
        db.commit()
        code, sid = ws.join_code, ws.id
    for lang, question in (("de", "Mein Name darf im Protokoll stehen"), ("en", "My name may appear in the minutes")):
        phone = app.test_client()
        phone.set_cookie("lang", lang)
        assert question in phone.get(f"/j/{code}").get_data(as_text=True)
    yes, no, nameless = app.test_client(), app.test_client(), app.test_client()
    assert yes.post(f"/j/{code}", data={"display_name": "Ja", "named_in_protocol": "1"}).status_code == 303
    assert no.post(f"/j/{code}", data={"display_name": "Nein"}).status_code == 303
    assert nameless.post(f"/j/{code}", data={"display_name": "", "named_in_protocol": "1"}).status_code == 303
    bad = app.test_client().post(f"/j/{code}", data={"display_name": "X", "named_in_protocol": "vielleicht"})
    assert bad.status_code == 400 and "named_in_protocol" in bad.get_data(as_text=True)
    with walked["sessions"]() as db:
        rows = db.execute(
            select(Participant.display_name, Participant.named_in_protocol).where(Participant.session_id == sid)
        ).all()
    assert sorted(rows, key=str) == sorted([("Ja", True), ("Nein", False), (None, False)], key=str)


def test_the_editor_starts_with_the_sessions_place(walked):
    page = walked["client"].get(f"/sessions/{walked['sid']}/protocol").get_data(as_text=True)
    assert 'name="place" maxlength="300" value="Rathaus Schöneberg, Raum 1101"' in page
    assert 'id="annex" name="annex" value="1" checked' in page
