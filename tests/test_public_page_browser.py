"""A public-participation session end to end in a real browser: three contributions from phones
over Socket.IO — one taken into the record, one merged, one not taken with a reason recorded in the
facilitator's form — and the public page shows each fate, without names, with no axe violation."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser import browser, login_page  # noqa: F401  (browser: fixture)
from tests.conftest import PASSWORD
from tests.test_accessibility import axe_violations


def test_public_page_shows_the_fate_of_every_contribution(server, browser):
    fid = server.facilitator()
    mid = server.measure("Mehr Grün am Markt", "2026-7")
    sid, code = server.session(fid, mid, template_key="public_participation")
    http = server.login()
    base = server.base_url
    with server.facilitator_client(sid, http) as facilitator:
        assert facilitator.op("session.start")["ok"]
        cards = {}
        for name, text in (
            ("Greta Grünlich", "Mehr Sitzbänke am Markt"),
            ("Bernd Baum", "Bänke auch im Schatten"),
            ("Rita Rasen", "Den Markt ganz zupflastern"),
        ):
            with server.participant(sid, code, name) as phone:
                ack = phone.op("card.add", step_key="ideas", text=text)
                assert ack["ok"], ack
                cards[text] = ack["result"]["card_id"]
            assert facilitator.op("card.approve", card_id=cards[text])["ok"]
        assert facilitator.op("record.capture", step_key="ideas", card_ids=[cards["Mehr Sitzbänke am Markt"]])["ok"]
        assert facilitator.op("session.end")["ok"]

    page = login_page(browser, base, server.email("moderation@example.org"), PASSWORD, bypass_csp=True)
    page.goto(f"{base}/register/measures/{mid}/contributions")
    page.get_by_role("button", name="Öffentliche Seite einschalten").click()
    expect(page.get_by_text("Die Maßnahme hat jetzt eine öffentliche Seite.")).to_be_visible()
    assert not axe_violations(page)

    merged = page.locator(f"#card-{cards['Bänke auch im Schatten']}")
    merged.get_by_label("Verbleib").select_option("merged")
    merged.get_by_label("Zusammengeführt mit Beitrag").select_option(str(cards["Mehr Sitzbänke am Markt"]))
    merged.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Verbleib gespeichert.")).to_be_visible()
    rejected = page.locator(f"#card-{cards['Den Markt ganz zupflastern']}")
    rejected.get_by_label("Verbleib").select_option("rejected")
    rejected.get_by_label("Begründung (bei „nicht übernommen“)").fill("Der Markt bleibt Veranstaltungsfläche.")
    rejected.get_by_role("button", name="Speichern").click()
    expect(page.get_by_text("Verbleib gespeichert.")).to_be_visible()

    for path in ("/register", "/register?template=default", "/register/import"):  # the register's pages too
        page.goto(base + path)
        assert axe_violations(page) == [], path

    public = browser.new_context(bypass_csp=True).new_page()  # nobody logged in
    public.goto(f"{base}/oeffentlich/{mid}")
    expect(public.get_by_role("heading", name="Mehr Grün am Markt")).to_be_visible()
    items = public.locator("ol.contributions > li")
    expect(items).to_have_count(3)
    expect(items.nth(0)).to_contain_text("Übernommen in: Öffentlichkeitsbeteiligung")
    expect(items.nth(1)).to_contain_text("Zusammengeführt mit Beitrag 1.")
    expect(items.nth(2)).to_contain_text("Nicht übernommen. Begründung: Der Markt bleibt Veranstaltungsfläche.")
    items.nth(0).get_by_role("link", name="Öffentlichkeitsbeteiligung").click()
    expect(public).to_have_url(re.compile(r"#field-public_participation$"))
    html = public.content()
    for name in ("Greta", "Bernd", "Rita", "Mo Deration"):
        assert name not in html
    assert axe_violations(public) == []


def test_phones_show_the_public_page_when_the_session_ends(server, browser):
    fid = server.facilitator()
    public_mid = server.measure("Mehr Grün am Markt", "2026-7")
    private_mid = server.measure("Interne Maßnahme", "2026-8")
    with server.db() as db:
        from workshop.register.models import PublicMeasure

        db.add(PublicMeasure(measure_id=public_mid, published_by=fid))
        db.commit()
    http = server.login()
    for mid, shows_link in ((public_mid, True), (private_mid, False)):
        sid, code = server.session(fid, mid, template_key="public_participation")
        phone = browser.new_context(viewport={"width": 390, "height": 800}, is_mobile=True).new_page()
        phone.goto(f"{server.base_url}/j/{code}")
        phone.click("button[type=submit]")
        expect(phone.get_by_role("heading", name="Gleich geht es los")).to_be_visible()
        with server.facilitator_client(sid, http) as facilitator:
            assert facilitator.op("session.start")["ok"]
            assert facilitator.op("session.end")["ok"]
        expect(phone.get_by_role("heading", name="Vielen Dank!")).to_be_visible()
        link = phone.get_by_role("link", name="Was aus den Beiträgen wird: die öffentliche Seite der Maßnahme")
        if shows_link:
            link.click()
            expect(phone.get_by_role("heading", name="Mehr Grün am Markt")).to_be_visible()
        else:
            expect(link).to_have_count(0)
