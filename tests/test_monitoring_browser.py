"""Monitoring end to end: a review session (Sachstand und Selbstevaluation) in a real browser moves
two milestones and adds an indicator value, and the record page, the register's roll-up, the public
page and the read API all say the same; a table import with one bad row changes nothing; the
status report's PDF opens and holds the figures. One server for the module."""

from __future__ import annotations

import io
import subprocess
from datetime import date

import pytest
import requests
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.browser import PHONE, login_page, module_browser  # noqa: F401  (module_browser: the `browser` fixture)
from tests.conftest import PASSWORD, running_server
from tests.live_client import csrf_token, login
from workshop.measures import monitoring
from workshop.measures import record as record_ops
from workshop.measures.models import Measure
from workshop.register.public import set_public
from workshop.register.tables import write_xlsx


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    path = tmp_path_factory.mktemp("monitoring")
    with running_server(f"sqlite:///{path / 'workshop.db'}", path) as running:
        yield running


def _mandated_measure(server, fid, title):
    """A measure in implementation with two milestones and an indicator, on a public page."""
    mid = server.measure(title, owner=fid)
    with server.db() as db:
        measure = db.get(Measure, mid)
        a = record_ops.save_milestone(db, measure, None, {"title": "Konzept abgestimmt", "weight": 1}, author_id=fid)
        b = record_ops.save_milestone(db, measure, None, {"title": "Pilot gestartet", "weight": 3}, author_id=fid)
        i = record_ops.save_indicator(
            db,
            measure,
            None,
            {"name": "Teilnehmende Ämter", "unit": "Ämter", "baseline_value": 0, "target_value": 10},
            author_id=fid,
        )
        for to in ("draft", "mandated", "in_implementation"):
            record_ops.advance_status(db, measure, to, fid)
        set_public(db, measure, True, fid)
        db.commit()
        return mid, a.id, b.id, i.id


def test_a_review_session_moves_two_milestones_and_every_view_agrees(server, browser):
    base = server.base_url
    fid = server.facilitator()
    mid, a, b, i = _mandated_measure(server, fid, "Ämterübergreifendes Agieren stärken")
    sid, code = server.session(fid, mid, template_key="review", title="Sachstand Q1")
    console = login_page(browser, base, "moderation@example.org", PASSWORD, viewport={"width": 1280, "height": 900})
    console.goto(f"{base}/sessions/{sid}")
    expect(console.locator("#conn")).to_have_text("verbunden")
    phone = browser.new_context(viewport=PHONE).new_page()
    phone.goto(f"{base}/j/{code}")
    phone.fill("#display_name", "Kim")
    phone.click("button[type=submit]")
    console.click("#start")
    console.click("#next")  # welcome -> milestones and indicators
    expect(console.locator("#now .step-summary-title")).to_have_text("Meilensteine und Indikatoren")

    # Milestone A: the phone proposes "done" and names the next step; the facilitator applies it.
    console.click(f"[data-focus='milestone:{a}']")
    expect(phone.locator(f".review-item[data-milestone='{a}']")).to_be_visible()
    phone.click("button[data-status='done']")
    phone.fill(f"#review-next-{a}", "Ergebnis im Ausschuss vorstellen")
    phone.locator(f"#review-next-{a}").press("Enter")
    expect(console.locator(".review-proposals li[data-status='done'] .votes")).to_have_text("1")
    expect(console.locator(".review-note.next")).to_contain_text("Ergebnis im Ausschuss vorstellen")
    console.select_option(f"#review-apply-status-{a}", "done")  # what the room proposed
    console.click("text=In den Meilenstein übernehmen")
    expect(console.locator(f"[data-focus='milestone:{a}']").locator("xpath=..")).to_contain_text("Abgeschlossen")

    # Milestone B: in progress, with an obstacle.
    console.click(f"[data-focus='milestone:{b}']")
    phone.fill(f"#review-obstacle-{b}", "Personal fehlt")
    phone.locator(f"#review-obstacle-{b}").press("Enter")
    expect(console.locator(".review-note.obstacle")).to_contain_text("Personal fehlt")
    console.select_option(f"#review-apply-status-{b}", "active")
    console.click("text=In den Meilenstein übernehmen")
    expect(console.locator(f"[data-focus='milestone:{b}']").locator("xpath=..")).to_contain_text("In Umsetzung")

    # The indicator: the phone rates the trend, the facilitator enters the new value.
    console.click(f"[data-focus='indicator:{i}']")
    phone.click("button[data-trend='better']")
    expect(console.locator(".review-trends li[data-trend='better'] .votes")).to_have_text("1")
    console.fill("#review-value", "4")
    console.fill("#review-value-source", "Abfrage der Ämter")
    console.click("text=Messwert eintragen")
    expect(console.locator(".review-item[data-indicator] .meta").first).to_contain_text("4 Ämter")

    # 25 % of the milestones' weight (1 of 4), 40 % of the way to the target: 33 % overall.
    with server.db() as db:
        state = monitoring.state(db, db.get(Measure, mid))
        assert [(m["title"], m["status"]) for m in state.milestones] == [
            ("Konzept abgestimmt", "done"),
            ("Pilot gestartet", "active"),
        ]
        assert [v["value"] for v in state.indicators[0].values] == [4]
        revisions = monitoring.revisions_since(db, mid, None)
        assert {r.session_id for r in revisions if r.source_kind == "capture"} == {sid}

    record = console.context.new_page()
    record.goto(f"{base}/measures/{mid}")
    section = record.locator("#monitoring")
    expect(section.locator(f"tr[data-milestone='{a}'] .milestone-status")).to_have_text("Abgeschlossen")
    expect(section.locator(f"tr[data-milestone='{b}'] .milestone-status")).to_have_text("In Umsetzung / aktiv")
    expect(section.locator(".progress-value")).to_have_text("33 %")
    expect(section.locator(".indicator-value")).to_have_text(["4"])
    expect(section.locator("svg.indicator-chart circle")).to_have_count(1)

    record.goto(f"{base}/register")
    expect(record.locator("#register-progress")).to_have_text("33 %")
    expect(record.locator(".measure-progress")).to_have_attribute("data-progress", "33")

    public = browser.new_context().new_page()  # no login
    public.goto(f"{base}/oeffentlich/{mid}")
    published = public.locator("#umsetzung")
    expect(published.locator(f"tr[data-milestone='{a}'] .milestone-status")).to_have_text("Abgeschlossen")
    expect(published.locator(".progress-value")).to_have_text("33 %")
    expect(published).not_to_contain_text("Personal fehlt")  # notes stay internal
    expect(published).not_to_contain_text("Kim")

    api = login(base, "moderation@example.org", PASSWORD).get(f"{base}/api/measures/{mid}/monitoring").json()
    assert [(m["id"], m["status"], m["done"]) for m in api["milestones"]] == [(a, "done", True), (b, "active", False)]
    assert api["indicators"][0]["values"][0]["value"] == 4 and api["indicators"][0]["share"] == pytest.approx(0.4)
    assert api["progress"] == pytest.approx(0.325)
    phone.context.close()
    public.context.close()
    console.context.close()


def _upload(http, base, data: bytes, name="monitoring.xlsx", **form):
    token = csrf_token(http, f"{base}/register/monitoring/import")
    files = {"file": (name, data)} if data else None
    return http.post(f"{base}/register/monitoring/import", data={"csrf_token": token, **form}, files=files)


def test_an_import_with_one_bad_row_changes_nothing(server):
    base = server.base_url
    fid = server.facilitator("importer@example.org", "Ina Import")
    mid, a, b, i = _mandated_measure(server, fid, "Messwerte aus der Tabelle")
    http = login(base, "importer@example.org", PASSWORD)
    exported = http.get(f"{base}/register/monitoring.xlsx", params={"measure": mid})
    sheet = load_workbook(io.BytesIO(exported.content)).active
    header = [c.value for c in sheet[1]]
    rows = [[c.value or "" for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [r[header.index("Art")] for r in rows] == ["Meilenstein", "Meilenstein", "Indikator"]
    rows[0][header.index("Stand")] = "Abgeschlossen"
    rows[0][header.index("Erreicht am")] = "01.02.2026"
    rows[2][header.index("Messwert")] = "2,5"
    rows[2][header.index("Messdatum")] = "15.01.2026"
    rows.append(list(rows[2]))
    rows[3][header.index("Messwert")] = "viele"  # the bad row
    with server.db() as db:
        before = db.scalar(select(func.count(monitoring.MonitoringRevision.id)))

    preview = _upload(http, base, write_xlsx([str(h) for h in header], [[str(c) for c in r] for r in rows], "M"))
    assert preview.status_code == 200
    assert "Zeile 5" not in preview.text or "viele" in preview.text
    assert "„Messwert“: „viele“ ist keine Zahl" in preview.text
    assert "Jetzt übernehmen" not in preview.text  # nothing to confirm while a row is wrong
    with server.db() as db:
        assert db.scalar(select(func.count(monitoring.MonitoringRevision.id))) == before
        assert db.get(monitoring.Milestone, a).status == "planned"
        assert not monitoring.values_of(db, [i])[i]

    # Without the bad row: preview, then all rows at once.
    good = write_xlsx([str(h) for h in header], [[str(c) for c in r] for r in rows[:3]], "M")
    preview = _upload(http, base, good)
    token = preview.text.split('name="token" value="')[1].split('"')[0]
    applied = http.post(
        f"{base}/register/monitoring/import",
        data={
            "csrf_token": csrf_token(http, f"{base}/register/monitoring/import"),
            "token": token,
            "filename": "monitoring.xlsx",
            "action": "apply",
        },
    )
    assert applied.status_code == 200 and "1 Meilensteine geändert, 1 Messwerte neu" in applied.text
    with server.db() as db:
        assert db.get(monitoring.Milestone, a).status == "done"
        assert [v.value for v in monitoring.values_of(db, [i])[i]] == [2.5]
    # Someone not on the team imports nothing into it.
    server.facilitator("stranger@example.org", "Stranger")
    refused = _upload(login(base, "stranger@example.org", PASSWORD), base, good)
    assert "gibt es nicht, oder Sie dürfen sie nicht ändern" in refused.text


def test_the_status_report_pdf_opens_and_holds_the_figures(server, tmp_path):
    base = server.base_url
    fid = server.facilitator("report@example.org", "Rita Report")
    mid, a, b, i = _mandated_measure(server, fid, "Bericht an den Ausschuss")
    with server.db() as db:
        measure = db.get(Measure, mid)
        record_ops.save_milestone(db, measure, db.get(monitoring.Milestone, a), {"status": "done"}, author_id=fid)
        indicator = db.get(monitoring.Indicator, i)
        record_ops.add_indicator_value(db, measure, indicator, {"value": 7, "source": "Zählung"}, author_id=fid)
        db.commit()
    http = login(base, "report@example.org", PASSWORD)
    for lang, words in (("de", ("Sachstandsbericht", "Fortschritt", "Zählung")), ("en", ("Status report", "Progress"))):
        response = http.post(
            f"{base}/reports/status",
            data={
                "csrf_token": csrf_token(http, f"{base}/measures/{mid}/monitoring"),
                "scope": "measure",
                "measure_id": mid,
                "lang": lang,
                "format": "pdf",
            },
        )
        assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
        path = tmp_path / f"report-{lang}.pdf"
        path.write_bytes(response.content)
        subprocess.run(
            ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / lang)], check=True
        )
        assert list(tmp_path.glob(f"{lang}*.png"))
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        for word in words:
            assert word in text, word
        # milestones 1 of 4 by weight = 25 %, indicator 7 of 10 = 70 %: (25 + 70) / 2 = 47.5 -> 48 %
        assert "48 %" in text and "25 %" in text and "70 %" in text
        assert "Konzept abgestimmt" in text and "Teilnehmende Ämter" in text
    # The second report says what changed since the first (it has a date to compare with).
    docx = http.post(
        f"{base}/reports/status",
        data={
            "csrf_token": csrf_token(http, f"{base}/measures/{mid}/monitoring"),
            "scope": "measure",
            "measure_id": mid,
            "lang": "de",
            "format": "docx",
        },
    )
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    # Anyone outside the team gets no report of the measure.
    server.facilitator("outsider@example.org", "Out Sider")
    outsider = login(base, "outsider@example.org", PASSWORD)
    assert (
        outsider.post(
            f"{base}/reports/status",
            data={"csrf_token": csrf_token(outsider, f"{base}/register"), "scope": "measure", "measure_id": mid},
        ).status_code
        == 404
    )
    assert requests.get(f"{base}/measures/{mid}/calendar.ics", allow_redirects=False).status_code == 302


def test_the_calendar_feed_holds_the_dates_while_its_owner_is_on_the_team(server):
    from icalendar import Calendar

    base = server.base_url
    fid = server.facilitator("calendar@example.org", "Cal Endar")
    mid, a, b, i = _mandated_measure(server, fid, "Termine im Blick")
    with server.db() as db:
        # a plan change of a mandated measure needs a reopening: the demo/test sets the date directly
        db.get(monitoring.Milestone, a).planned_date = date(2026, 9, 30)
        db.commit()
    http = login(base, "calendar@example.org", PASSWORD)
    created = http.post(
        f"{base}/measures/{mid}/calendar/feeds",
        data={"csrf_token": csrf_token(http, f"{base}/measures/{mid}/monitoring")},
    )
    url = created.text.split('id="feed-url">')[1].split("<")[0]
    feed = requests.get(url)
    assert feed.status_code == 200 and feed.headers["Content-Type"].startswith("text/calendar")
    events = [e for e in Calendar.from_ical(feed.content).walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == ["Meilenstein: Konzept abgestimmt (Vorhanden / geplant)"]
    assert events[0].decoded("dtstart").isoformat() == "2026-09-30"
    # Off the team: the address opens nothing any more (no existence leak: 404).
    with server.db() as db:
        from workshop.access.models import MeasureMember

        db.query(MeasureMember).filter_by(measure_id=mid, facilitator_id=fid).delete()
        db.commit()
    assert requests.get(url).status_code == 404
    assert requests.get(f"{base}/kalender/{'x' * 32}.ics").status_code == 404
