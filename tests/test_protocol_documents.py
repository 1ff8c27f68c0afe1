"""The Ergebnisprotokoll a facilitator finishes, and its files (PDF/UA, DOCX), in-process: the
engine drives a real session over a migrated SQLite database, the pages go through Flask's test
client with the real login and CSRF, and the files are opened with pypdf and python-docx."""

from __future__ import annotations

import html
import io
import re
import shutil
import subprocess
from html import unescape as html_unescape
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from tests.conftest import IN_CI
from workshop.access.policy import add_member
from workshop.accounts.service import create_facilitator
from workshop.agenda.create import create_session
from workshop.app import create_app
from workshop.live import engine
from workshop.measures.models import Measure
from workshop.ops import FACILITATOR, PARTICIPANT, Actor
from workshop.protocols.models import ProtocolAttachment, ProtocolReopening, ProtocolVersion

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "protokoll-geheim-1"


class World:
    def __init__(self, database_url: str):
        self.url = database_url  # migrated (tests/conftest.py)
        self.app = create_app(
            {"DATABASE_URL": self.url, "SOCKETIO_ASYNC_MODE": "threading", "WORKSHOP_RATE_LIMITS": "off"}
        )
        self.factory = self.app.extensions["workshop.db"].session_factory
        with self.factory() as db:
            self.fid = create_facilitator(db, "mo@example.org", "Mo Deration", PASSWORD).id
            self.other = create_facilitator(db, "other@example.org", "Oda Other", PASSWORD).id
            measure = Measure(title="Anlaufstelle Prozessbegleitung", reference_number="2022-14222")
            db.add(measure)
            db.flush()
            add_member(db, measure.id, self.fid)  # the measure's owner (access)
            db.commit()
            self.mid = measure.id

    def session(self, template_key: str, **kw) -> int:
        with self.factory() as db:
            ws = create_session(db, measure_id=self.mid, facilitator_id=self.fid, template_key=template_key, **kw)
            db.commit()
            return ws.id

    def join(self, sid: int, name: str = "", named_in_protocol: bool = True) -> Actor:
        """named_in_protocol: the join page's question, may the protocol name them (yes here)."""
        payload = {"display_name": name, "named_in_protocol": named_in_protocol}
        result = engine.apply(
            self.factory, sid, Actor.system(), {"type": "participant.join", "payload": payload}
        ).result
        return Actor(PARTICIPANT, result["participant_id"])

    def op(self, sid: int, actor: Actor, op_type: str, **payload) -> dict:
        return engine.apply(self.factory, sid, actor, {"type": op_type, "payload": payload}).result

    def client(self, email: str = "mo@example.org"):
        client = self.app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        answer = client.post("/login", data={"csrf_token": token, "email": email, "password": PASSWORD})
        assert answer.status_code == 302
        return client


def csrf(client, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


@pytest.fixture
def world(database_url):  # conftest: SQLite; PostgreSQL where a test asks for it
    return World(database_url)


@pytest.fixture
def mandate(world):
    return run_mandate(world)


def run_mandate(world):
    """A mandate session (unit 4): questions, consent, fist of five, the mandate; two people."""
    sid = world.session("mandate", title="Mandatsklärung", location="Raum 2.14")
    fac = Actor(FACILITATOR, world.fid)
    alex, kim = world.join(sid, "Alex"), world.join(sid)
    world.op(sid, fac, "session.start")
    world.op(sid, alex, "card.add", step_key="questions", text="Wie viele Stellen braucht es?")
    world.op(sid, fac, "record.capture", step_key="questions")
    world.op(sid, fac, "step.goto", step_key="consent")
    cards = world.op(sid, fac, "consent.option_add", text="Umsetzung ab 2028")
    with world.factory() as db:
        from workshop.activities.cards import live_cards

        options = {c.text: c.id for c in live_cards(db, sid, "consent")}
    pilot = options["Umsetzung zunächst als Pilot in einem Bezirk"]
    for person, values in ((alex, {pilot: 1, cards["card_id"]: 4}), (kim, {pilot: 2})):
        for card_id, value in values.items():
            world.op(sid, person, "rating.set", card_id=card_id, value=value)
    world.op(sid, fac, "step.goto", step_key="fist")
    world.op(sid, alex, "poll.answer", choices=[4])
    world.op(sid, kim, "poll.answer", choices=[5])
    world.op(sid, fac, "record.capture", step_key="fist")
    return {"sid": sid, "fac": fac}


def steps_of(world, sid):
    from workshop.sessions.models import WorkshopSession

    with world.factory() as db:
        return [(s["key"], s["type"]) for s in db.get(WorkshopSession, sid).steps]


def test_the_draft_says_what_happened_in_correct_german(world, mandate):
    client = world.client()
    md = client.get(f"/sessions/{mandate['sid']}/protocol.md").get_data(as_text=True)
    assert "| **Teilnehmende** | 2 (namentlich: Alex) |" in md
    assert "Ergebnis: " not in md and "Karten gesammelt" not in md
    # consent: "1 Enthaltung", never "1 Enthaltungen"; the winner is named
    assert "Umsetzung ab 2028: Widerstand 4, Durchschnitt 4,0 (1 Enthaltung)" in md
    assert "Enthaltungen)" not in md.replace("2 Enthaltungen", "")
    assert re.search(
        r"Umsetzung zunächst als Pilot in einem Bezirk: Widerstand 3, Durchschnitt 1,5 – geringster Widerstand", md
    )
    # fist of five: the mean and only the values someone chose, not "0: 0 … 5: 0"
    assert "- 2 Stimmen, Durchschnitt 4,5 (4: 1, 5: 1)" in md
    assert "0: 0" not in md
    # an appended field: each TOP shows only the lines its own step put there
    top_questions = md[md.index("## TOP 1") : md.index("## TOP 2")]
    top_fist = md[md.index("Faust der Fünf") :]
    top_fist = top_fist[: top_fist.index("## TOP", 1)] if "## TOP" in top_fist[1:] else top_fist
    assert "Wie viele Stellen braucht es?" in top_questions
    assert "Wie viele Stellen braucht es?" not in top_fist


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_edit_final_reopen_flow(world, mandate):
    sid = mandate["sid"]
    client = world.client()
    page = client.get(f"/sessions/{sid}/protocol")
    assert page.status_code == 200 and "Entwurf speichern" in page.get_data(as_text=True)
    token = csrf(client, f"/sessions/{sid}/protocol")
    form = {
        "csrf_token": token,
        "language": "de",
        "minute_taker": "Kim Protokoll",
        "place": "",
        "attendance_count": "14",
        "attendees": "Dana Beispiel; SenInnDS\nEli Muster",
        "distribution": "Teilnehmende\nAbteilungsleitung II",
        "next_date": "15.01.2027, 10:00 Uhr, Raum 2.14",
        "open_points": "Finanzierung klären",
        "top-consent-results": "Pilot in einem Bezirk hat den geringsten Widerstand.",
        "top-consent-decisions": "Die Maßnahme startet als Pilot in Friedrichshain-Kreuzberg.",
        "top-consent-dissent": "Ein Teilnehmer hält den Pilot für zu klein.",
        "top-consent-paper": "Karte vom Flipchart: Personal früh einbinden",
        "top-consent-notes": "Gute Stimmung, klare Mehrheit.",
    }
    for key, _kind in steps_of(world, sid):
        if key != "consent":
            form.setdefault(f"top-{key}-results", "")
    saved = client.post(f"/sessions/{sid}/protocol", data=form)
    assert saved.status_code == 302
    md = client.get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)
    assert "| **Teilnehmende** | 14 (namentlich: Alex) |" in md
    assert "| **Protokollführung** | Kim Protokoll |" in md
    assert "| **Verteiler** | Teilnehmende, Abteilungsleitung II |" in md
    assert "| Dana Beispiel | SenInnDS |" in md and "| Eli Muster |  |" in md
    assert "- Die Maßnahme startet als Pilot in Friedrichshain-Kreuzberg." in md
    assert "- Ein Teilnehmer hält den Pilot für zu klein." in md
    assert "- Karte vom Flipchart: Personal früh einbinden (von Papier übertragen)" in md
    assert "## Nächster Termin\n\n15.01.2027, 10:00 Uhr, Raum 2.14" in md
    assert "- Finanzierung klären" in md
    assert "*Entwurf*" in md

    # final: locked and versioned
    assert client.post(f"/sessions/{sid}/protocol/finalize", data={"csrf_token": token}).status_code == 302
    final_md = client.get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)
    assert "*Endfassung, Fassung 1*" in final_md
    refused = client.post(f"/sessions/{sid}/protocol", data={**form, "next_date": "geändert"}, follow_redirects=True)
    assert "Das Protokoll ist endgültig und gesperrt." in refused.get_data(as_text=True)
    assert "geändert" not in client.get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)
    # the session going on after the sign-off does not change the final version
    world.op(sid, mandate["fac"], "step.goto", step_key="questions")
    world.op(sid, world.join(sid, "Spät"), "card.add", step_key="questions", text="Nachzüglerkarte")
    assert "Nachzüglerkarte" not in client.get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)

    # reopening needs a reason and is recorded
    no_reason = client.post(
        f"/sessions/{sid}/protocol/reopen", data={"csrf_token": token, "reason": ""}, follow_redirects=True
    )
    assert "Bitte begründen Sie das erneute Öffnen" in no_reason.get_data(as_text=True)
    assert (
        client.post(
            f"/sessions/{sid}/protocol/reopen", data={"csrf_token": token, "reason": "Tippfehler im Beschluss"}
        ).status_code
        == 302
    )
    draft_md = client.get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)
    assert "*Entwurf*" in draft_md and "Nachzüglerkarte" in draft_md
    page = client.get(f"/sessions/{sid}/protocol").get_data(as_text=True)
    assert "Tippfehler im Beschluss" in page and "Mo Deration" in page
    assert client.post(f"/sessions/{sid}/protocol/finalize", data={"csrf_token": token}).status_code == 302
    with world.factory() as db:
        assert [v.number for v in db.scalars(select(ProtocolVersion).where(ProtocolVersion.session_id == sid))] == [
            1,
            2,
        ]
        reopening = db.scalars(select(ProtocolReopening)).one()
        assert (reopening.version_number, reopening.reopened_by_id, reopening.reason) == (
            1,
            world.fid,
            "Tippfehler im Beschluss",
        )
    old = client.get(f"/sessions/{sid}/protocol.md?version=1").get_data(as_text=True)
    assert "Nachzüglerkarte" not in old and "*Endfassung, Fassung 1*" in old
    assert "*Endfassung, Fassung 2*" in client.get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)

    # only the session's facilitator: anyone else gets 404 and changes nothing
    other = world.client("other@example.org")
    assert other.get(f"/sessions/{sid}/protocol").status_code == 404
    assert other.get(f"/sessions/{sid}/protocol.pdf").status_code == 404
    other_token = csrf(other, "/measures")
    assert (
        other.post(f"/sessions/{sid}/protocol/reopen", data={"csrf_token": other_token, "reason": "böse"}).status_code
        == 404
    )


def test_bad_edits_are_refused_and_change_nothing(world, mandate):
    sid = mandate["sid"]
    client = world.client()
    token = csrf(client, f"/sessions/{sid}/protocol")
    answer = client.post(
        f"/sessions/{sid}/protocol",
        data={"csrf_token": token, "language": "fr", "next_date": "morgen"},
        follow_redirects=True,
    )
    text = answer.get_data(as_text=True)
    assert "Eingabe ungültig" in text and "language" in text
    answer = client.post(
        f"/sessions/{sid}/protocol",
        data={"csrf_token": token, "attendance_count": "viele", "next_date": "morgen"},
        follow_redirects=True,
    )
    assert answer.status_code == 400
    assert "„Anzahl Anwesende“: „viele“ ist keine ganze Zahl von 0 bis 100000." in answer.get_data(as_text=True)
    assert "morgen" not in client.get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)


@pytest.mark.parametrize(
    "lang, version, count",
    [
        (
            "de",
            "„Fassung“: „²“ ist keine ganze Zahl.",
            "„Anzahl Anwesende“: „²“ ist keine ganze Zahl von 0 bis 100000.",
        ),
        (
            "en",
            "“version”: “²” is not a whole number.",
            "“Number of people present”: “²” is not a whole number from 0 to 100000.",
        ),
    ],
)
def test_a_number_that_is_none_is_named_on_the_protocol_page(world, mandate, lang, version, count):
    """Regression (issue 29, finding 6): "²" as ?version= or as the attendance gave 500."""
    sid = mandate["sid"]
    client = world.client()
    client.set_cookie("lang", lang)
    download = client.get(f"/sessions/{sid}/protocol.md?version=²")
    assert download.status_code == 400 and version in html.unescape(download.get_data(as_text=True))
    token = csrf(client, f"/sessions/{sid}/protocol")
    saved = client.post(
        f"/sessions/{sid}/protocol", data={"csrf_token": token, "attendance_count": "²", "next_date": "morgen"}
    )
    page = html.unescape(saved.get_data(as_text=True))
    assert saved.status_code == 400 and count in page and 'name="attendance_count"' in page  # the form again
    assert "morgen" not in client.get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)  # nothing stored


def _png(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _jpeg(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_uploads_are_checked_by_content_and_re_encoded(world, mandate):
    sid = mandate["sid"]
    client = world.client()
    token = csrf(client, f"/sessions/{sid}/protocol")

    def upload(name, data, caption=""):
        return client.post(
            f"/sessions/{sid}/protocol/attachments",
            follow_redirects=True,
            data={"csrf_token": token, "caption": caption, "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        ).get_data(as_text=True)

    assert "ist kein lesbares Bild" in upload("flipchart.jpg", b"%PDF-1.7 not an image at all")
    assert "ist ein PNG-Bild, die Endung passt nicht dazu" in upload("flipchart.jpg", _png())
    assert "Die Datei ist zu groß" in upload("riesig.jpg", _jpeg() + b"\0" * (8 * 1024 * 1024 + 10))
    assert "Die Datei ist zu groß; erlaubt sind höchstens 8 MB." in upload("riesig.jpg", b"\xff" * (10 * 1024 * 1024))
    other = world.client("other@example.org")
    big = {"csrf_token": csrf(other, "/measures"), "file": (io.BytesIO(b"\xff" * (10 * 1024 * 1024)), "x.jpg")}
    assert (
        other.post(f"/sessions/{sid}/protocol/attachments", data=big, content_type="multipart/form-data").status_code
        == 404
    )
    anonymous = world.app.test_client().post(
        f"/sessions/{sid}/protocol/attachments",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"\xff" * (10 * 1024 * 1024)), "x.jpg")},
    )
    assert anonymous.status_code in (400, 404)  # no CSRF token, no login: refused either way
    assert "ist ein GIF-Bild; erlaubt sind JPEG und PNG" in upload("x.gif", _gif())
    with world.factory() as db:
        assert db.scalars(select(ProtocolAttachment)).all() == []
    exif = Image.Exif()
    exif[0x010E] = "GPS-Koordinaten und Kamera"  # ImageDescription: metadata that must not survive
    photo = io.BytesIO()
    Image.new("RGB", (3000, 2000), (250, 250, 240)).save(photo, "JPEG", exif=exif)
    assert "Anlage hinzugefügt." in upload("flipchart.jpeg", photo.getvalue(), "Flipchart TOP 2")
    with world.factory() as db:
        stored = db.scalars(select(ProtocolAttachment)).one()
        assert (stored.mimetype, stored.width, stored.height) == ("image/jpeg", 2400, 1600)
        assert b"GPS-Koordinaten" not in stored.data
    md = client.get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)
    assert "1. Anlage 1: Flipchart TOP 2" in md


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, "GIF")
    return out.getvalue()


def _finished_protocol(world, mandate, client):
    sid = mandate["sid"]
    token = csrf(client, f"/sessions/{sid}/protocol")
    form = {
        "csrf_token": token,
        "language": "de",
        "attendance_count": "12",
        "attendees": "Dana Beispiel; SenInnDS",
        "distribution": "Abteilungsleitung II",
        "next_date": "15.01.2027",
        "top-consent-decisions": "Start als Pilot.",
        "top-consent-results": "Pilot hat den geringsten Widerstand.",
    }
    assert client.post(f"/sessions/{sid}/protocol", data=form).status_code == 302
    client.post(
        f"/sessions/{sid}/protocol/attachments",
        data={
            "csrf_token": token,
            "caption": "Flipchart Konsens",
            "file": (io.BytesIO(_jpeg((800, 600))), "konsens.jpg"),
        },
        content_type="multipart/form-data",
    )
    return sid


def test_the_pdf_is_tagged_and_has_every_part(world, mandate):
    client = world.client()
    sid = _finished_protocol(world, mandate, client)
    answer = client.get(f"/sessions/{sid}/protocol.pdf")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert "attachment" in answer.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(answer.data))
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"]) and root["/Lang"] == "de"
    assert reader.metadata.title == "Ergebnisprotokoll: Mandatsklärung"
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", " ", text)
    for expected in (
        "Ergebnisprotokoll: Mandatsklärung",
        "Anlass",
        "Raum 2.14",
        "Moderation Mo Deration",
        "Teilnehmende 12 (namentlich: Alex)",
        "Anwesenheit",
        "Dana Beispiel",
        "Verteiler",
        "TOP 1:",
        "TOP 2:",
        "TOP 3:",
        "TOP 4:",
        "Pilot hat den geringsten Widerstand.",
        "Beschlüsse",
        "Start als Pilot.",
        "Nächster Termin",
        "Anlage 1: Flipchart Konsens",
    ):
        assert expected in flat, expected
    # real structure: headings and tables in the structure tree
    tags = _structure_tags(root["/StructTreeRoot"])
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/L", "/LI", "/Figure"} <= tags

    english = PdfReader(io.BytesIO(client.get(f"/sessions/{sid}/protocol.pdf?lang=en").data))
    assert english.trailer["/Root"]["/Lang"] == "en"
    assert "Minutes of results: Mandatsklärung" in english.pages[0].extract_text()


def _structure_tags(node, seen=None, depth=0) -> set:
    seen = set() if seen is None else seen
    if depth > 60:
        return seen
    node = node.get_object()
    if hasattr(node, "get") and node.get("/S"):
        seen.add(node["/S"])
    kids = node.get("/K") if hasattr(node, "get") else None
    if kids is None:
        return seen
    kids = kids if isinstance(kids, list) else [kids]
    for kid in kids:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if hasattr(kid, "get"):
            _structure_tags(kid, seen, depth + 1)
    return seen


def test_the_docx_has_real_headings_and_tables(world, mandate):
    client = world.client()
    sid = _finished_protocol(world, mandate, client)
    answer = client.get(f"/sessions/{sid}/protocol.docx")
    assert answer.status_code == 200 and answer.mimetype.endswith("wordprocessingml.document")
    document = Document(io.BytesIO(answer.data))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0] == ("Heading 1", "Ergebnisprotokoll: Mandatsklärung")
    tops = [text for style, text in headings if style == "Heading 2" and text.startswith("TOP ")]
    assert len(tops) == len(steps_of(world, sid)) and tops[0].startswith("TOP 1: ")
    header = {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}
    assert header["Ort"] == "Raum 2.14" and header["Teilnehmende"] == "12 (namentlich: Alex)"
    assert header["Verteiler"] == "Abteilungsleitung II" and header["Moderation"] == "Mo Deration"
    attendance = document.tables[1]
    assert [c.text for c in attendance.rows[1].cells] == ["Dana Beispiel", "SenInnDS"]
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Pilot hat den geringsten Widerstand." in body and "Start als Pilot." in body
    assert "Anlage 1: Flipchart Konsens" in body and len(document.inline_shapes) == 1
    assert document.core_properties.language == "de"
    # Word's spelling check and screen readers follow w:lang: German on the defaults and every style
    # that sets a language of its own (the stock template says en-US).
    langs = [lang.get(qn("w:val")) for lang in document.styles.element.iter(qn("w:lang"))]
    assert langs and set(langs) == {"de-DE"}


def test_the_record_as_pdf_and_docx(world, mandate):
    client = world.client()
    pdf = client.get(f"/measures/{world.mid}/record.pdf")
    assert pdf.status_code == 200
    reader = PdfReader(io.BytesIO(pdf.data))
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    flat = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in reader.pages))
    assert "Maßnahmensteckbrief: Anlaufstelle Prozessbegleitung" in flat and "2022-14222" in flat
    assert "Wie viele Stellen braucht es?" in flat
    docx = Document(io.BytesIO(client.get(f"/measures/{world.mid}/record.docx").data))
    cells = [c.text for t in docx.tables for row in t.rows for c in row.cells]
    assert "Wie viele Stellen braucht es?" in "\n".join(cells)
    assert client.get(f"/measures/{world.mid}/record.xls").status_code == 404
    anonymous = world.app.test_client()
    assert anonymous.get(f"/measures/{world.mid}/record.pdf").status_code in (302, 401)


def test_pdftoppm_draws_the_first_page(world, mandate, tmp_path):
    """scripts/protocol_screenshots.py draws docs/screenshots/protocol-*.png the same way."""
    if shutil.which("pdftoppm") is None:
        if IN_CI:
            pytest.fail("pdftoppm is missing: `make setup` installs poppler-utils")
        pytest.skip("pdftoppm is missing (poppler-utils; `make setup` installs it)")
    client = world.client()
    sid = _finished_protocol(world, mandate, client)
    pdf = tmp_path / "protocol.pdf"
    pdf.write_bytes(client.get(f"/sessions/{sid}/protocol.pdf").data)
    first_page(pdf, tmp_path / "page1")
    assert Image.open(tmp_path / "page1.png").size == (579, 819)  # A4 at 70 dpi


def first_page(pdf: Path, target: Path) -> None:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(target)], check=True
    )


def test_unreleased_public_contributions_are_counted_with_their_reason(world):
    """Regression: a public contribution that was never released was silently missing."""
    sid = world.session("public_participation", title="Bürgerforum")
    fac = Actor(FACILITATOR, world.fid)
    people = [world.join(sid) for _ in range(4)]
    world.op(sid, fac, "session.start")
    cards = [
        world.op(sid, person, "card.add", step_key="ideas", text=text)["card_id"]
        for person, text in zip(people, ("Mehr Bänke am Markt", "BELEIDIGUNG", "Noch offen 1", "Noch offen 2"))
    ]
    world.op(sid, fac, "card.approve", card_id=cards[0])
    world.op(sid, fac, "card.hide", card_id=cards[1], hidden=True)
    md = world.client().get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)
    top = md[md.index("## TOP 1") : md.index("## TOP 2")]
    assert "**Beiträge:** 1 Beitrag – im Wortlaut in der Anlage" in top  # the compact TOP (issue 30)
    assert "- Mehr Bänke am Markt" in md[md.index("## Anlage: Beiträge im Wortlaut") :]
    assert "BELEIDIGUNG" not in md and "Noch offen" not in md  # counted, not shown
    assert "**Nicht freigegebene Beiträge**" in top
    assert "- 2 Beiträge wurden nicht freigegeben: von der Moderation noch nicht geprüft." in top
    assert "- 1 Beitrag wurde nicht freigegeben: von der Moderation zurückgehalten." in top
    english = world.client().get(f"/sessions/{sid}/protocol.md?lang=en").get_data(as_text=True)
    assert "- 1 contribution was not released: withheld by the facilitator." in english
    assert "- 2 contributions were not released: not yet reviewed by the facilitator." in english


def test_the_html_keeps_its_stylesheet_intact(world, mandate):
    """Regression: the inlined stylesheet was HTML-escaped (font-family: &#34;Noto Sans&#34;), so
    browsers and WeasyPrint dropped those rules."""
    html = world.client().get(f"/sessions/{mandate['sid']}/protocol.html").get_data(as_text=True)
    style = html[html.index("<style>") : html.index("</style>")]
    assert 'font-family: "Noto Sans"' in style and "&#34;" not in style


def test_the_command_writes_pdf_and_docx_and_names_a_missing_version(world, mandate, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from workshop.cli import cli

    monkeypatch.setenv("DATABASE_URL", world.url)
    runner = CliRunner()
    pdf, docx = tmp_path / "p.pdf", tmp_path / "p.docx"
    sid = str(mandate["sid"])
    assert runner.invoke(cli, ["export-protocol", sid, "--format", "pdf", "-o", str(pdf)]).exit_code == 0
    assert PdfReader(pdf).trailer["/Root"]["/Lang"] == "de"
    assert runner.invoke(cli, ["export-protocol", sid, "--format", "docx", "-o", str(docx)]).exit_code == 0
    assert Document(docx).paragraphs[0].text == "Ergebnisprotokoll: Mandatsklärung"
    missing = runner.invoke(cli, ["export-protocol", sid, "--version", "3", "-o", str(pdf)])
    assert missing.exit_code != 0 and "keine Fassung 3" in missing.output


def test_the_protocol_language_is_chosen_on_its_page(world, mandate):
    sid = mandate["sid"]
    client = world.client()
    token = csrf(client, f"/sessions/{sid}/protocol")
    # the form as the page shows it (German draft), with only the language switched
    page = client.get(f"/sessions/{sid}/protocol").get_data(as_text=True)
    form = {"csrf_token": token, "language": "en"}
    for name, text in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        form[name] = html_unescape(text)
    assert "2 Stimmen, Durchschnitt 4,5" in form["top-fist-results"]
    assert client.post(f"/sessions/{sid}/protocol", data=form).status_code == 302
    md = client.get(f"/sessions/{sid}/protocol.md").get_data(as_text=True)
    assert md.startswith("# Minutes of results: Mandatsklärung")
    assert "| **Participants** | 2 (by name: Alex) |" in md and "## Item 2: Consent finding" in md
    assert "- 2 votes, mean 4.5 (4: 1, 5: 1)" in md and "(1 abstention)" in md
    docx = Document(io.BytesIO(client.get(f"/sessions/{sid}/protocol.docx").data))
    assert docx.core_properties.language == "en" and docx.paragraphs[0].text.startswith("Minutes of results")
    # the facilitator's own UI language is a separate choice
    client.set_cookie("lang", "de")
    assert "Sprache des Protokolls" in client.get(f"/sessions/{sid}/protocol").get_data(as_text=True)
