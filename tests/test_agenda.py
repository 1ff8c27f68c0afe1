"""The agenda of a session (issue 13): the model in-process, and the builder's page through Flask's
test client over a migrated SQLite file (no server, no socket needed)."""

from __future__ import annotations

import html
import io
import re
from datetime import time

import pytest

from tests.conftest import migrated_sqlite
from tests.forms import form_of
from workshop.access.policy import add_member
from workshop.accounts.service import create_facilitator
from workshop.activities.registry import ACTIVITIES
from workshop.agenda import editor as agenda
from workshop.agenda.create import create_session
from workshop.agenda.plan import clock_plan
from workshop.agenda.templates import available_templates
from workshop.app import create_app
from workshop.measures.models import Measure
from workshop.sessions.models import CustomTemplate, WorkshopSession

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a5f6a8b40000000049454e44ae426082"
)
PASSWORD = "ein-langes-passwort"


@pytest.fixture
def app(tmp_path):
    url = migrated_sqlite(tmp_path / "agenda.db")
    app = create_app(
        {
            "DATABASE_URL": url,
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
            "SECRET_KEY": "test",
            "RATELIMIT_ENABLED": False,
        }
    )
    db = app.extensions["workshop.db"]()
    owner = create_facilitator(db, "moderation@example.org", "Moderation", PASSWORD)
    create_facilitator(db, "andere@example.org", "Andere", PASSWORD)
    measure = Measure(title="Anlaufstelle", reference_number="M-1")
    db.add(measure)
    db.flush()
    ws = create_session(db, measure_id=measure.id, facilitator_id=owner.id, template_key="framing")
    db.commit()
    app.session_id = ws.id
    db.close()
    return app


def login(app, email="moderation@example.org", lang="de"):
    client = app.test_client()
    client.set_cookie("lang", lang)
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def steps_of(app) -> list[dict]:
    db = app.extensions["workshop.db"]()
    try:
        return db.get(WorkshopSession, app.session_id).steps
    finally:
        db.close()


# --- the model -------------------------------------------------------------------------------------


def test_change_type_keeps_what_it_can(app):
    with app.test_request_context():
        draft = {
            "key": "vote",
            "type": "dot_vote",
            "title": "Punkte",
            "prompt": "Was zählt?",
            "timebox_minutes": "7",
            "hidden": "1",
            "budget": "4",
            "source": "questions",
        }
        poll = agenda.change_type(draft, "poll", "de")
        assert (poll["title"], poll["prompt"], poll["timebox_minutes"], poll["hidden"]) == (
            "Punkte",
            "Was zählt?",
            "7",
            "1",
        )
        assert "budget" not in poll and "source" not in poll
        assert poll["options"].splitlines() == ["Ja", "Nein"]  # a poll needs options: its preset fills them
        back = agenda.change_type(poll, "brainstorm", "de")
        assert back["title"] == "Punkte" and "options" not in back


def test_reorder_and_append_a_unit_keeps_keys_unique_and_sources_right(app):
    with app.test_request_context():
        unit1 = available_templates()["framing"]
        draft = [agenda.step_to_draft(s, "de") for s in unit1["steps"]]
        assert [d["key"] for d in agenda.move(draft, 0, 1)[:2]] == ["scope", "approaches"]
        assert agenda.move(draft, 0, -1) == draft  # nothing above the first step
        twice = agenda.append_unit(draft, unit1, "de")
        keys = [d["key"] for d in twice]
        assert len(keys) == len(set(keys)) and "vote-2" in keys
        second_vote = twice[keys.index("vote-2")]
        assert second_vote["source"] == "questions-2"  # follows the renamed step, not the first unit's
        steps = agenda.draft_to_steps(twice, [], "de")
        assert len(steps) == 2 * len(unit1["steps"])


def test_validation_names_step_and_field_in_the_users_language(app):
    draft = [
        {"key": "w", "type": "welcome", "title": "", "timebox_minutes": "abc"},
        {"key": "p", "type": "poll", "title": "Frage", "options": "nur eine"},
        {"key": "v", "type": "dot_vote", "title": "Punkte", "budget": "0", "source": "nirgends"},
    ]
    with app.test_request_context(headers={"Cookie": "lang=de"}):
        with pytest.raises(agenda.AgendaError) as german:
            agenda.draft_to_steps(draft, [], "de")
    texts = [text for _i, text in german.value.problems]
    assert "Schritt 1: Bitte geben Sie einen Titel ein." in texts
    assert "Schritt 1: Die Zeit „abc“ ist keine ganze Zahl von 1 bis 480 Minuten." in texts
    assert "Schritt 2: „Antwortmöglichkeiten (eine pro Zeile)“: bitte 2 bis 12 Zeilen (jetzt 1)." in texts
    assert any(t.startswith("Schritt 3: „Punkte pro Person“: „0“ ist keine ganze Zahl von 1 bis 50") for t in texts)
    assert any(t.startswith("Schritt 3: „Quelle") for t in texts)
    with app.test_request_context(headers={"Cookie": "lang=en"}):
        with pytest.raises(agenda.AgendaError) as english:
            agenda.draft_to_steps(draft, [], "en")
    texts = [text for _i, text in english.value.problems]
    assert "Step 1: Please enter a title." in texts
    assert "Step 2: “Answer options (one per line)”: please 2 to 12 lines (now 1)." in texts


def test_clock_plan_start_times_total_and_slot_warning():
    steps = [{"timebox_minutes": 10}, {"timebox_minutes": 50}, {"timebox_minutes": 15}, {"timebox_minutes": 55}]
    plan = clock_plan(steps, None, time(9, 30), time(11, 30))
    assert [r.start for r in plan.rows] == [time(9, 30), time(9, 40), time(10, 30), time(10, 45)]
    assert (plan.total_minutes, plan.ends_at, plan.over_minutes) == (130, time(11, 40), 10)
    assert clock_plan(steps, None, time(9, 0), time(11, 30)).over_minutes == 0


def test_every_activity_type_has_a_builder_form_from_its_schema(app):
    with app.test_request_context():
        kinds = {o.name: o.kind for o in agenda.option_fields("dot_vote")}
        assert kinds == {"source": "step", "budget": "number", "max_per_card": "number", "hidden": "checkbox"}
        assert {o.name: o.kind for o in agenda.option_fields("consent")}["options"] == "lines"
        assert {o.name: o.kind for o in agenda.option_fields("input")} == {"text": "longtext", "files": "files"}


# --- the builder page -----------------------------------------------------------------------------


def test_builder_adds_moves_and_saves_with_the_clock_plan(app):
    client = login(app)
    url = f"/sessions/{app.session_id}/agenda"
    page = client.get(url).get_data(as_text=True)
    form = {
        **form_of(page),
        "start_time": "09:00",
        "end_time": "09:45",
        "scheduled_date": "2026-12-03",
        "location": "Rathaus, Raum 101",
        "expected_headcount": "25",
        "add_type": "welcome",
    }
    added = client.post(url, data={**form, "action": "add"})
    assert added.status_code == 303
    steps = steps_of(app)
    assert steps[-1]["type"] == "welcome"
    page = client.get(url).get_data(as_text=True)
    last = len(steps) - 1
    for _ in range(last):  # move the welcome to the top, one step at a time
        form = form_of(page)
        index = next(i for i in range(len(steps)) if form[f"s{i}-type"] == "welcome")
        assert client.post(url, data={**form, "action": f"up-{index}"}).status_code == 303
        page = client.get(url).get_data(as_text=True)
    assert [s["type"] for s in steps_of(app)][0] == "welcome"
    assert 'id="plan-warning"' in page  # framing plus a welcome runs past 09:45
    assert "09:10" in page  # the first unit step starts after the 10-minute welcome
    db = app.extensions["workshop.db"]()
    ws = db.get(WorkshopSession, app.session_id)
    assert (ws.location, ws.expected_headcount, str(ws.scheduled_date)) == ("Rathaus, Raum 101", 25, "2026-12-03")
    db.close()


def test_bad_input_is_refused_with_a_sentence_and_nothing_typed_is_lost(app):
    client = login(app, lang="en")
    url = f"/sessions/{app.session_id}/agenda"
    before = steps_of(app)
    form = {
        **form_of(client.get(url).get_data(as_text=True)),
        "s0-title": "My own title",
        "s4-budget": "99",
        "start_time": "25:99",
    }
    refused = client.post(url, data={**form, "action": "save"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Step 5: “Points per person”: “99” is not a whole number from 1 to 50." in text.replace("&#34;", '"')
    assert "25:99" in text and "My own title" in text and 'value="99"' in text  # shown again as typed
    assert steps_of(app) == before  # nothing stored


def test_columns_key_title_in_english_mode(app):
    """Regression (issue 13): the column syntax "key: Titel" failed in English mode."""
    client = login(app, lang="en")
    url = f"/sessions/{app.session_id}/agenda"
    form = form_of(client.get(url).get_data(as_text=True))
    index = next(i for i in range(30) if form.get(f"s{i}-key") == "scope")
    saved = client.post(
        url, data={**form, f"s{index}-columns": "in: In scope\nout: Out of scope\nlater: Later", "action": "save"}
    )
    assert saved.status_code == 303, saved.get_data(as_text=True)
    scope = next(s for s in steps_of(app) if s["key"] == "scope")
    assert [c["key"] for c in scope["columns"]] == ["in", "out", "later"]
    assert scope["columns"][0]["title"]["en"] == "In scope" and scope["columns"][0]["title"]["de"] == "Gehört dazu"
    assert scope["columns"][2]["title"] == {"de": "Later", "en": "Later"}


def test_input_files_are_checked_by_content_and_served_only_to_the_session(app):
    client = login(app)
    url = f"/sessions/{app.session_id}/agenda"
    form = {**form_of(client.get(url).get_data(as_text=True)), "add_type": "input"}
    assert client.post(url, data={**form, "action": "add"}).status_code == 303
    form = form_of(client.get(url).get_data(as_text=True))
    index = len(steps_of(app)) - 1
    fake = client.post(
        url,
        data={**form, f"s{index}-upload": (io.BytesIO(b"<html>nope</html>"), "bild.png"), "action": "save"},
        content_type="multipart/form-data",
    )
    assert fake.status_code == 400 and "„bild.png“ ist kein Bild (PNG, JPEG, GIF, WebP) und kein PDF." in fake.get_data(
        as_text=True
    )
    saved = client.post(
        url,
        data={
            **form,
            f"s{index}-upload": (io.BytesIO(PNG), "folie.png"),
            f"s{index}-text": "Was wir wissen",
            "action": "save",
        },
        content_type="multipart/form-data",
    )
    # An image needs a description (WCAG 1.1.1): the upload is kept, the page asks for it.
    assert saved.status_code == 400
    asked = saved.get_data(as_text=True)
    assert "Bitte beschreiben Sie in einem Satz, was das Bild „folie.png“ zeigt" in asked
    file_id = re.search(rf'name="s{index}-alt-(\d+)"', asked).group(1)
    form = form_of(asked)
    assert form[f"s{index}-files"] == file_id and form[f"s{index}-text"] == "Was wir wissen"  # nothing typed is lost
    too_long = client.post(url, data={**form, f"s{index}-alt-{file_id}": "x" * 501, "action": "save"})
    assert too_long.status_code == 400 and "höchstens 500" in too_long.get_data(as_text=True)
    saved = client.post(
        url, data={**form, f"s{index}-alt-{file_id}": "Balkendiagramm: 40 % mehr Anfragen seit 2024", "action": "save"}
    )
    assert saved.status_code == 303
    step = steps_of(app)[index]
    assert step["text"]["de"] == "Was wir wissen" and len(step["files"]) == 1
    db = app.extensions["workshop.db"]()
    ws = db.get(WorkshopSession, app.session_id)
    state = ACTIVITIES["input"].state(db, ws, step, None)
    db.close()
    assert state["files"][0]["alt"] == "Balkendiagramm: 40 % mehr Anfragen seit 2024"  # what phones and projector show
    file_url = f"/sessions/{app.session_id}/files/{step['files'][0]}"
    served = client.get(file_url)
    assert served.status_code == 200 and served.mimetype == "image/png" and served.data == PNG
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert app.test_client().get(file_url).status_code == 404  # not logged in, not a participant
    assert login(app, "andere@example.org").get(file_url).status_code == 404  # another facilitator

    pdf = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    form = form_of(client.get(url).get_data(as_text=True))
    both = client.post(
        url,
        data={**form, f"s{index}-upload": (io.BytesIO(pdf), "handout.pdf"), "action": "save"},
        content_type="multipart/form-data",
    )
    assert both.status_code == 303
    files = steps_of(app)[index]["files"]
    assert len(files) == 2
    served = client.get(f"/sessions/{app.session_id}/files/{files[1]}")
    assert served.mimetype == "application/pdf" and served.headers["X-Frame-Options"] == "SAMEORIGIN"
    form = form_of(client.get(url).get_data(as_text=True))
    dropped = client.post(url, data={**form, f"s{index}-drop-{files[0]}": "1", "action": "save"})
    assert dropped.status_code == 303 and steps_of(app)[index]["files"] == [files[1]]


def test_invitation_page_and_login_link(app):
    client = login(app)
    page = client.get(f"/sessions/{app.session_id}/invitation").get_data(as_text=True)
    db = app.extensions["workshop.db"]()
    code = db.get(WorkshopSession, app.session_id).join_code
    db.close()
    assert code in page and "<svg" in page and f"/j/{code}" in page and "Datenschutz" in page
    # The plan lists what takes time in the room; the 0-minute capture step is the staff's.
    assert "Vorhandene Ansätze" in page and "Punkte vergeben" in page
    assert "Ergebnis für den Steckbrief" not in page
    assert login(app, "andere@example.org").get(f"/sessions/{app.session_id}/invitation").status_code == 404
    anonymous = app.test_client()
    join = anonymous.get("/", follow_redirects=True).get_data(as_text=True)
    assert 'href="/login"' in join


def test_format_editor_columns_in_english_mode(app):
    """Regression (issue 13): the format editor's column syntax failed in English mode — a column
    typed as the English hint shows it ("Key: Title", or just a title) was refused with an
    English/German error naming 'key: Titel'."""
    client = login(app, lang="en")
    url = "/templates/framing/adapt"
    form = {**form_of(client.get(url).get_data(as_text=True)), "title": "Framing, short"}
    index = next(i for i in range(30) if form.get(f"s{i}-key") == "scope")
    saved = client.post(url, data={**form, f"s{index}-columns": "In: In scope\nOut of scope", "action": "save"})
    assert saved.status_code == 303, saved.get_data(as_text=True)
    db = app.extensions["workshop.db"]()
    custom = db.query(CustomTemplate).one()
    columns = custom.template["steps"][1]["columns"]
    db.close()
    assert [c["key"] for c in columns] == ["in", "out-of-scope"]
    assert columns[0]["title"] == {"de": "Gehört dazu", "en": "In scope"}  # the German text is kept


def test_plan_saved_as_a_library_format_and_frozen_once_live(app):
    client = login(app)
    url = f"/sessions/{app.session_id}/agenda"
    form = {**form_of(client.get(url).get_data(as_text=True)), "title": "Werkstatt kompakt", "add_type": "break"}
    assert client.post(url, data={**form, "action": "add"}).status_code == 303
    form = form_of(client.get(url).get_data(as_text=True))
    assert client.post(url, data={**form, "action": "save_format"}).status_code == 303
    # The format is the library of the measure's team (issue 13), not the whole instance's.
    db = app.extensions["workshop.db"]()
    custom = db.query(CustomTemplate).one()
    measure_id, custom_id = db.get(WorkshopSession, app.session_id).measure_id, custom.id
    assert custom.measure_id == measure_id
    for email, role in (("team@example.org", "editor"), ("zuschauer@example.org", "observer")):
        add_member(db, measure_id, create_facilitator(db, email, email, PASSWORD).id, role)
    db.commit()
    db.close()
    team = login(app, "team@example.org")
    assert "Werkstatt kompakt" in team.get("/templates").get_data(as_text=True)
    assert team.get(f"/templates/custom/{custom_id}").status_code == 200
    for outsider in ("andere@example.org", "zuschauer@example.org"):  # not on the team / only watching
        other = login(app, outsider)
        assert "Werkstatt kompakt" not in other.get("/templates").get_data(as_text=True)
        assert other.get(f"/templates/custom/{custom_id}").status_code == 404
        assert other.post(f"/templates/custom/{custom_id}", data={"title": "Gekapert"}).status_code == 404
    assert other.get(url).status_code == 404  # the session itself stays its facilitator's
    db = app.extensions["workshop.db"]()
    ws = db.get(WorkshopSession, app.session_id)
    ws.status = "live"
    db.commit()
    db.close()
    before = steps_of(app)
    refused = client.post(url, data={**form, "action": "remove-0"}, follow_redirects=True)
    assert "Der Ablauf lässt sich nur ändern, bevor die Sitzung beginnt." in refused.get_data(as_text=True)
    assert steps_of(app) == before


def test_a_combined_agenda_says_which_units_it_combines(app):
    """Regression (issue 13): a session combining units 1 and 2 still said "Baustein 1: Rahmen
    setzen" in its console, on the join page and on the projector."""
    client = login(app)
    url = f"/sessions/{app.session_id}/agenda"
    form = form_of(client.get(url).get_data(as_text=True))
    appended = client.post(url, data={**form, "append_key": "knowledge_merge", "action": "append"})
    assert appended.status_code == 303, appended.get_data(as_text=True)
    console = client.get(f"/sessions/{app.session_id}").get_data(as_text=True)
    assert "Bausteine 1 + 2" in console and "Baustein 1:" not in console
    english = login(app, lang="en").get(f"/sessions/{app.session_id}").get_data(as_text=True)
    assert "Units 1 + 2" in english
    # The units survive a later save of the same plan (the form carries them).
    form = form_of(client.get(url).get_data(as_text=True))
    assert client.post(url, data={**form, "action": "save"}).status_code == 303
    db = app.extensions["workshop.db"]()
    ws = db.get(WorkshopSession, app.session_id)
    assert ws.template["units"] == [1, 2]
    code = ws.join_code
    db.close()
    assert "Bausteine 1 + 2" in app.test_client().get(f"/j/{code}").get_data(as_text=True)
    protocol = client.get(f"/sessions/{app.session_id}/protocol.md").get_data(as_text=True)
    assert "1. Rahmen setzen + 2. Wissen zusammenführen" in protocol and "Baustein 1: Rahmen setzen" not in protocol
    # A format saved from it is offered as what it is too (the record page's list of formats).
    from workshop.agenda.templates import units_label

    with app.test_request_context(headers={"Cookie": "lang=en"}):
        assert units_label({"unit": 1, "units": [1, 2]}) == "Units 1 + 2"
        assert units_label({"unit": 3}) == "Unit 3"


TECHNICAL = ("source:", "columns:", "capture", "is not an earlier", "Unknown field", "must not be larger", "Ablauf:")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_cross_step_problems_are_sentences_and_nothing_typed_is_lost(app, lang):
    """Regression (issue 13): problems across steps (a vote on a step without cards, a drafting
    column without a record field, capture into the status, more points per card than per person)
    came back as the template checker's English text, e.g. "Ablauf: step 6 'vote': source: 'welcome'
    is not an earlier step with cards"."""
    client = login(app, lang=lang)
    url = f"/sessions/{app.session_id}/agenda"
    form = form_of(client.get(url).get_data(as_text=True))
    assert (
        client.post(url, data={**form, "add_type": "welcome", "add_position": "0", "action": "add"}).status_code == 303
    )
    form = form_of(client.get(url).get_data(as_text=True))
    index = {form[f"s{i}-key"]: i for i in range(30) if f"s{i}-key" in form}
    before = steps_of(app)
    typed = {
        "s0-title": "Hallo zusammen",
        f"s{index['vote']}-source": "welcome",  # a welcome has no cards to vote on
        f"s{index['scope']}-type": "draft",  # drafting columns need record fields
        f"s{index['approaches']}-capture_field": "status",  # the status moves only through its flow
        f"s{index['summary']}-type": "summary",
    }
    refused = client.post(url, data={**form, **typed, "action": "save"})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True).replace("&#34;", '"')
    problems = re.search(r'id="problems">(.*?)</div>', text, re.S).group(1)
    step = "Schritt" if lang == "de" else "Step"
    vote, scope, approaches = index["vote"] + 1, index["scope"] + 1, index["approaches"] + 1
    if lang == "de":
        assert (
            f"{step} {vote}: „Quelle (ein früherer Schritt)“: Schritt 1 „Hallo zusammen“ hat keine Beiträge" in problems
        )
        assert f"{step} {scope}: Jede Spalte eines Formulier-Schritts braucht ein Feld des Steckbriefs" in problems
        assert f"{step} {approaches}: „Status“ übernimmt nichts aus Beiträgen" in problems
    else:
        assert f"{step} {vote}: “Source (an earlier step)”: step 1 “Hallo zusammen” has no contributions" in problems
        assert f"{step} {scope}: Every column of a drafting step needs a field of the record" in problems
        assert f"{step} {approaches}: “Status” takes nothing from contributions" in problems
    assert not any(word in problems for word in TECHNICAL), problems
    assert 'value="Hallo zusammen"' in text  # nothing typed is lost
    assert steps_of(app) == before

    # Options that only fit together: more points per card than per person.
    typed = {f"s{index['vote']}-budget": "3", f"s{index['vote']}-max_per_card": "9"}
    refused = client.post(url, data={**form, **typed, "action": "save"})
    text = refused.get_data(as_text=True).replace("&#34;", '"')
    problems = re.search(r'id="problems">(.*?)</div>', text, re.S).group(1)
    expected = (
        "„Höchstens pro Beitrag“ ist größer als „Punkte pro Person“"
        if lang == "de"
        else "“At most per contribution” is larger than “Points per person”"
    )
    assert f"{step} {vote}: {expected}" in problems and not any(w in problems for w in TECHNICAL), problems
    assert 'value="9"' in text and steps_of(app) == before


SUPERSCRIPT_TWO = "²"  # str.isdigit() says yes, int() refuses it: it was a 500


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize(
    "change, named",
    [
        ({"expected_headcount": SUPERSCRIPT_TWO}, {"de": "„Erwartete Teilnehmende“", "en": "“Expected participants”"}),
        ({"units": f"1,{SUPERSCRIPT_TWO}"}, {"de": "„Bausteine“", "en": "“Units”"}),
        ({"action": f"up-{SUPERSCRIPT_TWO}"}, {"de": "Diesen Schritt gibt es nicht", "en": "This step does not"}),
        (
            {"action": "add", "add_type": "welcome", "add_position": SUPERSCRIPT_TWO},
            {"de": "„Position des neuen Schritts“", "en": "“Position of the new step”"},
        ),
        ({"s0-timebox_minutes": SUPERSCRIPT_TWO}, {"de": "Die Zeit „²“", "en": "The time “²”"}),
        ({"s0-files": SUPERSCRIPT_TWO}, {"de": "„Bilder oder PDF", "en": "“Images or PDF"}),
    ],
)
def test_a_number_that_is_none_is_named_and_changes_nothing(app, lang, change, named):
    """Regression (issue 29, finding 6): "²" in a number field of the builder gave 500."""
    client = login(app, lang=lang)
    url = f"/sessions/{app.session_id}/agenda"
    before = steps_of(app)
    form = {**form_of(client.get(url).get_data(as_text=True)), "action": "save", **change}
    if "s0-files" in change:
        form["s0-type"] = form["s0-old_type"] = "input"  # a step that takes files
    refused = client.post(url, data=form)
    text = html.unescape(refused.get_data(as_text=True))
    assert refused.status_code == 400, text[:300]
    problems = re.search(r'id="problems">(.*?)</div>', text, re.S).group(1)
    assert named[lang] in problems, problems
    if "action" not in change or "add_position" in change:  # a field a person sees: its value too
        assert SUPERSCRIPT_TWO in problems, problems
    assert 'name="title"' in text  # the form again, as typed
    assert steps_of(app) == before


def visible_text(page: str) -> str:
    """What a person reads on a page: no markup, no attributes, no scripts."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def texts_of(steps: list[dict]) -> list[dict]:
    """Every text a person reads of these steps, in its stored {de, en} form."""
    found = []
    for step in steps:
        found += [step[name] for name in ("title", "prompt", "text", "passive_option") if step.get(name)]
        found += [option for option in step.get("options") or []]
        found += [column["title"] for column in step.get("columns") or []]
    return found


def test_an_english_agenda_of_units_1_and_2_has_no_german_left(app):
    """Regression (issue 30, point 5): in English mode, steps appended from a unit or a preset kept
    the language of the moment they were added ("Was wissen wir?", "Begrüßung", "sehr zufrieden"),
    in the invitation, the console and the protocol; the builder must write what is typed into the
    person's language and keep the other one."""
    client = login(app, lang="en")
    url = f"/sessions/{app.session_id}/agenda"
    form = form_of(client.get(url).get_data(as_text=True))
    assert client.post(url, data={**form, "append_key": "knowledge_merge", "action": "append"}).status_code == 303
    for choice, where in (("welcome", "0"), ("feedback", ""), ("break", "3"), ("blitzlicht", "")):
        form = form_of(client.get(url).get_data(as_text=True))
        added = client.post(url, data={**form, "add_type": choice, "add_position": where, "action": "add"})
        assert added.status_code == 303, added.get_data(as_text=True)[:500]
    form = form_of(client.get(url).get_data(as_text=True))
    first = next(i for i in range(40) if form.get(f"s{i}-key") == "approaches")
    form[f"s{first}-title"] = "Approaches we know of"  # typed in English: German stays as it was
    assert client.post(url, data={**form, "action": "save"}).status_code == 303

    steps = steps_of(app)
    assert [s["type"] for s in steps].count("welcome") == 1 and len({s.get("unit") for s in steps}) >= 2
    texts = texts_of(steps)
    assert all(text.get("de") and text.get("en") for text in texts), [t for t in texts if not t.get("en")]
    approaches = next(s for s in steps if s["key"] == "approaches")
    assert approaches["title"] == {"de": "Vorhandene Ansätze", "en": "Approaches we know of"}
    welcome = next(s for s in steps if s["type"] == "welcome")
    assert welcome["title"] == {"de": "Begrüßung", "en": "Welcome"}
    german = {t["de"] for t in texts if t["de"] != t["en"]}
    assert {"Was wissen wir?", "Begrüßung", "sehr zufrieden", "Pause"} <= german  # the texts of the issue

    db = app.extensions["workshop.db"]()
    ws = db.get(WorkshopSession, app.session_id)
    plain = create_session(db, measure_id=ws.measure_id, facilitator_id=ws.facilitator_id, template_key="framing").id
    db.commit()
    db.close()
    pages = {
        "builder": "/sessions/{}/agenda",
        "invitation": "/sessions/{}/invitation",
        "console": "/sessions/{}",
        "protocol": "/sessions/{}/protocol.md?lang=en",
    }
    for name, path in pages.items():
        answer = client.get(path.format(app.session_id))
        assert answer.status_code == 200, name
        shown = visible_text(answer.get_data(as_text=True))
        # A word that reads the same on a plain unit-1 page (the timer's "Pause") is no step's.
        baseline = visible_text(client.get(path.format(plain)).get_data(as_text=True))
        left = sorted(
            text
            for text in german
            if re.search(rf"(?<!\w){re.escape(text)}(?!\w)", shown)
            and not re.search(rf"(?<!\w){re.escape(text)}(?!\w)", baseline)
        )
        assert not left, f"German on the English {name}: {left}"

    # In German: the same plan has no raw keys (a type, a step's key, a format's file name).
    german_client = login(app, lang="de")
    keys = set(ACTIVITIES) | {s["key"] for s in steps} | set(available_templates())
    for path in (url, f"/sessions/{app.session_id}/invitation", "/templates"):
        shown = visible_text(german_client.get(path).get_data(as_text=True))
        raw = sorted(key for key in keys if re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", shown))
        assert not raw, f"raw keys on {path}: {raw}"


def test_the_record_history_names_a_step_by_its_title(app):
    """Regression (issue 30, point 5): the history said "Sitzung 1, Schritt approaches" (its key)."""
    from workshop.live import engine
    from workshop.ops import FACILITATOR, Actor

    factory = app.extensions["workshop.db"].session_factory
    with factory() as db:
        ws = db.get(WorkshopSession, app.session_id)
        add_member(db, ws.measure_id, ws.facilitator_id)
        db.commit()
        measure_id, facilitator = ws.measure_id, Actor(FACILITATOR, ws.facilitator_id)

    def apply(actor, op_type, **payload):
        return engine.apply(factory, app.session_id, actor, {"type": op_type, "payload": payload}).result

    person = Actor("participant", apply(Actor.system(), "participant.join", display_name="")["participant_id"])
    apply(facilitator, "session.start")
    apply(person, "card.add", step_key="approaches", text="Bürgeramt testet Online-Termine")
    apply(facilitator, "record.capture", step_key="approaches", field_key="open_questions")
    for lang, named in (("de", "Schritt „Vorhandene Ansätze“"), ("en", "step “Existing approaches”")):
        shown = visible_text(login(app, lang=lang).get(f"/measures/{measure_id}/history").get_data(as_text=True))
        assert named in shown and not re.search(r"(Schritt|step) approaches", shown), shown[:2000]
        assert lang == "de" or "aus einer Sitzung" not in shown  # the revision's kind in English too
