"""Screenshots of the monitoring after the mandate: the record's monitoring section, the register
with progress, a review session (Sachstand und Selbstevaluation) on the projector and a phone, and
page 1 of the status report — over the demo data.

Usage: .venv/bin/python scripts/monitoring_screenshots.py [--lang en]   (own server, scratch database)
Writes docs/screenshots/monitoring-{record,register,review-projector,review-phone}[-en].png and
status-report-page1[-en].png.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from tests.browser import PHONE, launch, login_page  # noqa: E402
from tests.conftest import start_server, stop_server  # noqa: E402
from tests.live_client import csrf_token, login  # noqa: E402
from workshop.agenda.create import create_session  # noqa: E402
from workshop.db import make_engine  # noqa: E402
from workshop.demo import DEMO_EMAIL, DEMO_PASSWORD, IN_IMPLEMENTATION, seed_demo  # noqa: E402
from workshop.measures import monitoring  # noqa: E402
from workshop.measures.models import Measure  # noqa: E402
from workshop.migrate import upgrade  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", choices=["de", "en"], default="de")
    lang = parser.parse_args().lang
    suffix = "" if lang == "de" else f"-{lang}"
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/shots.db"
        upgrade(url)
        with sessionmaker(bind=make_engine(url), expire_on_commit=False)() as db:
            facilitator, _ws, _new = seed_demo(db)
            measure = db.scalar(
                select(Measure).where(Measure.reference_number == IN_IMPLEMENTATION["reference_number"])
            )
            review = create_session(
                db, measure_id=measure.id, facilitator_id=facilitator.id, template_key="review", title="Sachstand Q1"
            )
            db.commit()
            mid, sid, code = measure.id, review.id, review.join_code
            focus = next(m for m in monitoring.milestones_of(db, mid) if m.status == "active")
        process, base = start_server(url, Path(scratch) / "server.log")
        try:
            with sync_playwright() as pw:
                browser = launch(pw)
                page = login_page(browser, base, DEMO_EMAIL, DEMO_PASSWORD, viewport={"width": 1280, "height": 1000})
                page.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                page.goto(f"{base}/measures/{mid}")
                page.locator("#monitoring").screenshot(path=str(OUT / f"monitoring-record{suffix}.png"))
                page.goto(f"{base}/register")
                page.screenshot(path=str(OUT / f"monitoring-register{suffix}.png"), full_page=False)

                page.goto(f"{base}/sessions/{sid}")
                page.wait_for_selector("#conn:has-text('verbunden'), #conn:has-text('connected')")
                page.click("#start")
                page.click("#next")
                page.click(f"[data-focus='milestone:{focus.id}']")
                projector = page.context.new_page()
                projector.set_viewport_size({"width": 1280, "height": 720})
                projector.goto(f"{base}/sessions/{sid}/projector")
                phones = []
                for name, status in (("Kim", "active"), ("", "active"), ("Jo", "done")):
                    phone = browser.new_context(viewport=PHONE).new_page()
                    phone.context.add_cookies([{"name": "lang", "value": lang, "url": base}])
                    phone.goto(f"{base}/j/{code}")
                    phone.fill("#display_name", name)
                    phone.click("button[type=submit]")
                    phone.wait_for_selector(f"button[data-status='{status}']")
                    phone.click(f"button[data-status='{status}']")
                    phones.append(phone)
                phones[0].fill(f"#review-obstacle-{focus.id}", "Stellenplan noch nicht beschlossen")
                phones[0].locator(f"#review-obstacle-{focus.id}").press("Enter")
                phones[1].fill(f"#review-next-{focus.id}", "Entwurf bis Monatsende an das Personalamt")
                phones[1].locator(f"#review-next-{focus.id}").press("Enter")
                projector.wait_for_selector(".review-note.next")
                projector.screenshot(path=str(OUT / f"monitoring-review-projector{suffix}.png"))
                phones[2].wait_for_selector(".review-note.next")
                phones[2].screenshot(path=str(OUT / f"monitoring-review-phone{suffix}.png"), full_page=True)

                http = login(base, DEMO_EMAIL, DEMO_PASSWORD)
                pdf = http.post(
                    f"{base}/reports/status",
                    data={
                        "csrf_token": csrf_token(http, f"{base}/measures/{mid}/monitoring"),
                        "scope": "measure",
                        "measure_id": mid,
                        "lang": lang,
                        "format": "pdf",
                    },
                )
                pdf.raise_for_status()
                path = Path(scratch) / "report.pdf"
                path.write_bytes(pdf.content)
                prefix = OUT / f"status-report-page1{suffix}"
                subprocess.run(
                    ["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(path), str(prefix)],
                    check=True,
                )
                browser.close()
        finally:
            stop_server(process)
    print(
        "written:", ", ".join(p.name for p in sorted(OUT.glob("*")) if re.search(r"monitoring|status-report", p.name))
    )


if __name__ == "__main__":
    main()
