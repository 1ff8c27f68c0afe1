"""Benchmark (issue 28): heavy work must not stall the room. Each row of the issue's table runs
against one `workshop serve` (eventlet, SQLite) while an unrelated phone in another live session
adds cards; its card.add ack p50/p99 is printed beside the quiet baseline of the same run.
Target per row: p99 ≤ 3× the quiet p99 and ≤ 250 ms. Also: the CPU of a 500-card protocol PDF
(target ≤ 5 s), rendered the way a worker renders it. Writes its section of BENCHMARKS.md.

    .venv/bin/python bench/offloop.py [--acks 40] [--rows merged,csv,…]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report import write_section  # noqa: E402

from tests.conftest import running_server  # noqa: E402
from tests.live_client import csrf_token  # noqa: E402

ACK_GAP = 0.1  # s between the phone's cards
START, END = "<!-- bench/offloop.py -->", "<!-- /bench/offloop.py -->"
CARDS = 500


# --- files an attacker or a busy office sends -----------------------------------------------
def xlsx_with_merge(ref: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Nr.", "Aktionsfeld", "Arbeitstitel des Vorhabens"])
    book.active.append(["1", "A", "Erstes"])
    out = io.BytesIO()
    book.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as patched:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</sheetData>",
                    f'</sheetData><mergeCells count="1"><mergeCell ref="{ref}"/></mergeCells>'.encode(),
                )
            patched.writestr(item, data)
    return target.getvalue()


def wide_csv(size: int) -> bytes:
    cells, out, n = [], 0, 0
    while out < size:
        cell = f"Spalte {n}"
        cells.append(cell)
        out += len(cell) + 1
        n += 1
    return (";".join(cells) + "\n1;2\n").encode()


def long_xlsx(rows: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Nr.", "Arbeitstitel des Vorhabens"])
    for n in range(rows):
        sheet.append([n, f"V{n}"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def big_photo() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (7100, 5350), (200, 210, 190)).save(out, "JPEG", quality=40)
    return out.getvalue()


# --- the world --------------------------------------------------------------------------------
class World:
    def __init__(self, server):
        self.server = server
        self.fid = server.facilitator()
        self.other = server.facilitator("zweite@example.org", "Zweite")
        self.mid = server.measure("Bench")
        server.member(self.mid, self.other, "co_facilitator")  # the second downloader may read the protocol
        self.http = server.login()
        self.http2 = server.login("zweite@example.org")
        # the unrelated live session and its phone
        self.live_sid, self.live_code = server.session(self.fid, self.mid)
        self.console = server.facilitator_client(self.live_sid, self.http)
        assert self.console.op("session.start")["ok"]
        self.phone = server.participant(self.live_sid, self.live_code)
        self.written = 0
        # a protocol of 500 cards (the draft: rendered anew each download)
        self.big_sid = self._big_session()
        # sessions to attach photos to (at most 30 attachments each)
        self.photo_sids = [server.session(self.fid, self.mid)[0] for _ in range(6)]
        self.uploads = 0

    def _big_session(self) -> int:
        from workshop.live import engine
        from workshop.ops import FACILITATOR, Actor

        sid, _code = self.server.session(self.fid, self.mid, title="Große Sitzung")
        factory = self.server.sessions
        fac = Actor(FACILITATOR, self.fid)
        engine.apply(factory, sid, fac, {"type": "session.start", "payload": {}})
        people = []
        for n in range(25):
            joined = engine.apply(
                factory, sid, Actor.system(), {"type": "participant.join", "payload": {"display_name": f"Person {n}"}}
            )
            people.append(Actor("participant", joined.result["participant_id"]))
        for n in range(CARDS):
            text = (
                f"Beitrag {n}: Die Verwaltung sollte Beteiligung früher beginnen, Ergebnisse offen zeigen "
                f"und die Fachbereiche {n % 7} und {n % 5} zusammenbringen."
            )
            engine.apply(
                factory, sid, people[n % 25], {"type": "card.add", "payload": {"step_key": "approaches", "text": text}}
            )
        return sid

    def ack(self, label: str, n: int) -> list[float]:
        times = []
        for i in range(n):
            if self.written >= 45:  # a person may write 50 cards per step: the next phone of the room
                self.phone.close()
                self.phone = self.server.participant(self.live_sid, self.live_code)
                self.written = 0
            self.written += 1
            started = time.perf_counter()
            answer = self.phone.op("card.add", step_key="approaches", text=f"{label} {i}")
            times.append(time.perf_counter() - started)
            assert answer["ok"], answer
            time.sleep(ACK_GAP)
        return times

    def post_file(self, http, name: str, data: bytes) -> int:
        url = f"{self.server.base_url}/register/import"
        token = csrf_token(http, url)
        return http.post(
            url, data={"csrf_token": token}, files={"file": (name, data)}, allow_redirects=False
        ).status_code

    def photo(self, data: bytes) -> int:
        sid = self.photo_sids[(self.uploads // 25) % len(self.photo_sids)]
        self.uploads += 1
        url = f"{self.server.base_url}/sessions/{sid}/protocol"
        token = csrf_token(self.http, url)
        return self.http.post(
            f"{url}/attachments",
            data={"csrf_token": token, "caption": "Flipchart"},
            files={"file": ("flipchart.jpg", data)},
            allow_redirects=False,
        ).status_code


def attacks(world: World) -> dict:
    base = world.server.base_url
    merged_a = xlsx_with_merge("A1:J10000")
    merged_b = xlsx_with_merge("A1:T20000")
    merged_c = xlsx_with_merge("A1:XFD1048576")
    csv_2 = wide_csv(2 * 1024 * 1024)
    csv_46 = wide_csv(int(4.6 * 1024 * 1024))
    rows_100k = long_xlsx(100_000)
    photo = big_photo()

    def download(http, fmt):
        return lambda: http.get(f"{base}/sessions/{world.big_sid}/protocol.{fmt}").status_code

    return {
        "merged": (
            "preview an XLSX with one merged range A1:J10000",
            [lambda: world.post_file(world.http, "m.xlsx", merged_a)],
        ),
        "merged-b": ("… A1:T20000", [lambda: world.post_file(world.http, "m.xlsx", merged_b)]),
        "merged-c": ("… A1:XFD1048576", [lambda: world.post_file(world.http, "m.xlsx", merged_c)]),
        "csv": (
            "preview a 2 MB CSV whose header has 100k+ cells",
            [lambda: world.post_file(world.http, "w.csv", csv_2)],
        ),
        "csv-b": ("… 4.6 MB", [lambda: world.post_file(world.http, "w.csv", csv_46)]),
        "rows": (
            f"an XLSX of 100k plain rows ({len(rows_100k) // 1024} KB)",
            [lambda: world.post_file(world.http, "r.xlsx", rows_100k)],
        ),
        "docx": (
            f"two people downloading a {CARDS}-card protocol as DOCX in a loop",
            [download(world.http, "docx"), download(world.http2, "docx")],
        ),
        "pdf": (
            f"two people downloading a {CARDS}-card protocol PDF in a loop",
            [download(world.http, "pdf"), download(world.http2, "pdf")],
        ),
        "photo": (
            f"uploading a {len(photo) // 1024} KB, 38-megapixel protocol photo in a loop",
            [lambda: world.photo(photo)],
        ),
        "bots": ("two practice sessions × 200 simulated participants at pace 0.02 s", None),
    }


def run_row(world: World, loops, n: int, label: str) -> tuple[list[float], dict]:
    stop = threading.Event()
    answers: dict = {}

    def loop(action):
        while not stop.is_set():
            try:
                status = action()
            except requests.RequestException as error:
                status = type(error).__name__
            answers[status] = answers.get(status, 0) + 1

    threads = [threading.Thread(target=loop, args=(a,), daemon=True) for a in loops]
    for thread in threads:
        thread.start()
    time.sleep(0.3)  # the load is under way (a load, not a wait for an event)
    try:
        return world.ack(label, n), answers
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)


def bots_row(world: World, n: int) -> tuple[list[float], dict]:
    from workshop.agenda.create import create_session
    from workshop.measures.models import Measure

    base = world.server.base_url
    sids = []
    with world.server.db() as db:
        for owner in (world.fid, world.other):
            measure = Measure(title="Übung", is_exercise=True)
            db.add(measure)
            db.flush()
            from workshop.access.policy import add_member

            add_member(db, measure.id, owner)
            ws = create_session(
                db, measure_id=measure.id, facilitator_id=owner, template_key="framing", mode="exercise"
            )
            sids.append((ws.id, owner))
        db.commit()
    answers = {}
    for (sid, _owner), http in zip(sids, (world.http, world.http2), strict=True):
        console = world.server.facilitator_client(sid, http)
        console.op("session.start")
        console.close()
        token = csrf_token(http, f"{base}/sessions/{sid}")
        status = http.post(
            f"{base}/training/sessions/{sid}/bots",
            data={"csrf_token": token, "count": 200, "temper": "lively", "seconds": "0.02"},
            allow_redirects=False,
        ).status_code
        answers[status] = answers.get(status, 0) + 1
    time.sleep(3)  # the rooms fill
    try:
        return world.ack("bots", n), answers
    finally:
        for (sid, _owner), http in zip(sids, (world.http, world.http2), strict=True):
            token = csrf_token(http, f"{base}/sessions/{sid}")
            http.post(f"{base}/training/sessions/{sid}/bots/stop", data={"csrf_token": token})


def pdf_cpu(world: World, tries: int = 2) -> dict:
    """The CPU one worker spends on the 500-card protocol PDF (HTML as the web process makes it,
    then WeasyPrint as the worker runs it), in a fresh process so nothing is cached."""
    script = f"""
import sys, time, resource
sys.path.insert(0, {str(ROOT)!r})
from workshop.app import create_app
from workshop.protocols.export import export_protocol
from workshop.protocols.html import render_html, stylesheet
from workshop.protocols.service import current_protocol
from workshop.protocols.pdf import write_pdf
from workshop.sessions.models import WorkshopSession
app = create_app({{"DATABASE_URL": {world.server.database_url!r}, "SOCKETIO_ASYNC_MODE": "threading", "SECRET_KEY": "x" * 40}})
with app.test_request_context():
    db = app.extensions["workshop.db"]()
    ws = db.get(WorkshopSession, {world.big_sid})
    t = time.process_time()
    html = render_html(current_protocol(db, ws), {{}}, extra_css=stylesheet("protocol-print.css"))
    html_cpu = time.process_time() - t
    import weasyprint
    for _ in range({tries}):
        t = time.process_time()
        pdf = write_pdf(html)
        print("pdf", round(time.process_time() - t, 2), len(pdf), round(html_cpu, 3), len(html))
"""
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    runs = [line.split() for line in out.stdout.splitlines() if line.startswith("pdf ")]
    if not runs:
        raise RuntimeError(out.stderr[-2000:])
    return {
        "cpu": [float(r[1]) for r in runs],
        "bytes": int(runs[-1][2]),
        "html_cpu": float(runs[-1][3]),
        "html_bytes": int(runs[-1][4]),
    }


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--acks", type=int, default=40, help="card.add acks per row (0.1 s apart)")
    parser.add_argument("--rows", default="", help="comma-separated row keys (default: all)")
    parser.add_argument("--quick", action="store_true", help="30 acks per row (make bench BENCH_ARGS=--quick)")
    args = parser.parse_args()
    if args.quick:
        args.acks = 30
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'offloop.db'}"
        env = {
            "WORKSHOP_RATE_LIMITS": "off",
            "WORKSHOP_PRACTICE_MIN_PACE_MS": "500",  # the production floor (tests run bots faster)
            "WORKSHOP_RENDER_CACHE_DIR": str(Path(tmp) / "renders"),
            "WORKSHOP_IMPORT_PREVIEW_DIR": str(Path(tmp) / "previews"),
        }
        with running_server(url, Path(tmp), env, name="offloop") as server:
            world = World(server)
            table = attacks(world)
            wanted = [k for k in (args.rows.split(",") if args.rows else table)]
            world.ack("warm-up", 10)
            quiet = world.ack("quiet", args.acks)
            rows = []
            print(f"quiet: p50 {pct(quiet, 50):.0f} ms, p99 {pct(quiet, 99):.0f} ms", flush=True)
            for key in wanted:
                label, loops = table[key]
                if loops is None:
                    acks, answers = bots_row(world, args.acks)
                else:
                    acks, answers = run_row(world, loops, args.acks, key)
                again = world.ack("quiet-again", max(10, args.acks // 2))  # the machine's own noise, between rows
                rows.append((key, label, acks, answers, again))
                print(
                    f"{key}: p50 {pct(acks, 50):.0f} ms, p99 {pct(acks, 99):.0f} ms  "
                    f"(quiet after: p99 {pct(again, 99):.0f} ms) answers {answers}",
                    flush=True,
                )
            pdf = pdf_cpu(world)
            print(f"PDF of {CARDS} cards: CPU {pdf['cpu']} s, {pdf['bytes'] // 1024} KB", flush=True)
            world.phone.close()
            world.console.close()
    write(started, quiet, rows, pdf, args)


def write(started, quiet, rows, pdf, args) -> None:
    cpu = platform.processor() or platform.machine()
    try:
        model = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text()).group(1)
    except (OSError, AttributeError):
        model = cpu
    q99 = pct(quiet, 99)
    lines = [
        START,
        f"## Heavy work off the event loop (bench/offloop.py, {started:%Y-%m-%d %H:%M} UTC)",
        "",
        f"{os.cpu_count()} cores ({model}); one `workshop serve` (eventlet, SQLite), jobs in its local worker pool "
        f"(2 workers). An unrelated phone adds {args.acks} cards per row, {ACK_GAP:.1f} s apart; target: p99 ≤ 3× quiet "
        f"and ≤ 250 ms.",
        "",
        "| what | ack p50 / p99 | quiet p99 (same run) | target met | quiet again right after (p50 / p99) | what the attacker got |",
        "| --- | --- | --- | --- | --- | --- |",
        f"| quiet | {pct(quiet, 50):.0f} / {q99:.0f} ms | | | | |",
    ]
    for _key, label, acks, answers, again in rows:
        p99 = pct(acks, 99)
        met = "yes" if p99 <= 3 * q99 and p99 <= 250 else "**no**"
        said = ", ".join(f"{k}: {v}" for k, v in sorted(answers.items(), key=str))
        lines.append(
            f"| {label} | {pct(acks, 50):.0f} / {p99:.0f} ms | {q99:.0f} ms | {met} "
            f"| {pct(again, 50):.0f} / {pct(again, 99):.0f} ms | {said} |"
        )
    lines += [
        "",
        f"A {CARDS}-card protocol PDF: **{statistics.median(pdf['cpu']):.2f} s of CPU** in the worker "
        f"(runs: {', '.join(f'{c:.2f}' for c in pdf['cpu'])} s; target ≤ 5 s), {pdf['bytes'] // 1024} KB; its HTML "
        f"({pdf['html_bytes'] // 1024} KB) took {pdf['html_cpu'] * 1000:.0f} ms in the web process.",
        "",
        "Answers: 200/303 = done or refused with a page naming the limit; 429/503 = told to wait (caps). "
        "The machine is shared: the quiet phone right after each row shows how much of a row's tail is noise.",
        END,
    ]
    write_section(ROOT / "BENCHMARKS.md", START, END, "\n".join(lines))


if __name__ == "__main__":
    main()
