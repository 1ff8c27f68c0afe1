"""The console's capture in a real browser: a preview that changes nothing, then the capture,
then one click takes it back (a new revision of kind undo)."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import browser, login_page  # noqa: F401  (browser: fixture)
from tests.conftest import PASSWORD
from workshop.measures.models import Measure, RecordRevision
from workshop.measures.record import current_values, edit_by_hand


def _field(server, mid, key):
    with server.db() as db:
        measure = db.get(Measure, mid)
        kinds = [
            r.source_kind
            for r in db.scalars(
                select(RecordRevision)
                .where(RecordRevision.measure_id == mid, RecordRevision.field_key == key)
                .order_by(RecordRevision.id)
            )
        ]
        return current_values(db, measure)[key].value.splitlines(), kinds


def test_capture_preview_then_capture_then_undo(server, browser):
    fid = server.facilitator()
    mid = server.measure("Anlaufstelle Prozessbegleitung", "2022-14222")
    with server.db() as db:
        edit_by_hand(db, db.get(Measure, mid), "initial_situation", "Von Hand geschrieben", fid)
        db.commit()
    sid, code = server.session(fid, mid)
    console = login_page(
        browser,
        server.base_url,
        server.email("moderation@example.org"),
        PASSWORD,
        viewport={"width": 1280, "height": 900},
    )
    console.goto(f"{server.base_url}/sessions/{sid}")
    expect(console.locator("#conn")).to_have_text("verbunden")
    console.click("#start")
    person = server.participant(sid, code, "Kim")
    try:
        assert person.op("card.add", step_key="approaches", text="Leitlinien Bürgerbeteiligung")["ok"]
        expect(console.locator("#board")).to_contain_text("Leitlinien Bürgerbeteiligung")
        # The step names its field; append is the default.
        expect(console.locator("#capture-field")).to_have_value("initial_situation")
        expect(console.locator("#capture-append")).to_be_checked()

        console.click("#capture-top")
        preview = console.locator("#capture-preview")
        expect(preview).to_be_visible()
        expect(preview.locator("li")).to_have_text(["Von Hand geschrieben", "Leitlinien Bürgerbeteiligung"])
        expect(preview.locator("li.added")).to_have_text(["Leitlinien Bürgerbeteiligung"])
        assert _field(server, mid, "initial_situation") == (["Von Hand geschrieben"], ["manual"])  # nothing written

        console.click("#capture-confirm")
        expect(console.locator("#capture-result")).to_contain_text("übernommen")
        expect(preview).to_be_hidden()
        assert _field(server, mid, "initial_situation") == (
            ["Von Hand geschrieben", "Leitlinien Bürgerbeteiligung"],
            ["manual", "capture"],
        )

        console.click("#capture-undo")
        expect(console.locator("#capture-result")).to_contain_text("Rückgängig gemacht")
        expect(console.locator("#capture-undo")).to_be_hidden()
        assert _field(server, mid, "initial_situation") == (["Von Hand geschrieben"], ["manual", "capture", "undo"])
        expect(console.locator("#captured")).to_contain_text("Von Hand geschrieben")

        # A step that names no field: nothing is preselected, and the preview asks for one.
        for title in ("Maßnahmenumfang", "Erste Abhängigkeiten", "Zentrale Fragestellungen"):
            console.click("#next")  # one step at a time: each click moves on from the step shown
            expect(console.locator("#now .step-summary-title")).to_have_text(title)
        expect(console.locator("#capture-field")).to_have_value("")
        assert person.op("card.add", step_key="questions", text="Wer entscheidet?")["ok"]
        console.click("#capture-top")
        expect(console.locator("#op-error")).to_have_text(
            "Dieser Schritt sieht kein Feld des Steckbriefs vor; bitte ein Feld wählen."
        )
        expect(console.locator("#capture-preview")).to_be_hidden()
    finally:
        person.close()


def test_session_creation_asks_for_a_mapping_and_capture_follows_it(server, browser):
    fid = server.facilitator()
    with server.db() as db:
        aachen = Measure(title="Initiativen einbinden", record_template="aachen")
        db.add(aachen)
        db.commit()
        mid = aachen.id
    server.member(mid, fid, "owner")  # the measure's team (access)
    page = login_page(
        browser,
        server.base_url,
        server.email("moderation@example.org"),
        PASSWORD,
        viewport={"width": 1280, "height": 900},
    )
    page.goto(f"{server.base_url}/measures/{mid}")
    expect(page.locator(".eyebrow").first).to_contain_text("Aachen Aktionsplan")
    page.select_option("#template_key", "framing")
    page.click("form[action$='/sessions'] button[type=submit]")
    expect(page.locator("h1")).to_have_text("Felder zuordnen")
    expect(page.locator("label[for=map-initial_situation]")).to_contain_text("Ausgangslage / Herausforderung")
    assert "undefined" not in page.content()
    page.select_option("#map-initial_situation", "objective")
    page.select_option("#map-risks", "milestones")
    page.click("#field-mapping button[type=submit]")
    page.wait_for_url(f"{server.base_url}/sessions/*")
    expect(page.locator("#conn")).to_have_text("verbunden")
    expect(page.locator("#capture-field")).to_have_value("objective")
    expect(page.locator("#capture-hint")).to_have_text("Vorgesehen: „Übergeordnete Zielsetzung“.")
    with server.db() as db:
        from workshop.sessions.models import WorkshopSession

        ws = db.scalars(select(WorkshopSession).where(WorkshopSession.measure_id == mid)).one()
        assert ws.template["field_map"] == {
            "initial_situation": "objective",
            "scope": "",
            "risks": "milestones",
            "central_questions": "",
        }
