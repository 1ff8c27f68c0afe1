"""Co-drafting under load: 30 editors each typing 5 updates a second into one field of one measure,
on PostgreSQL with one process and with two processes (Redis between them), beside a bare
Flask-SocketIO relay of the same messages in the same run.

    .venv/bin/python bench/drafting.py [--quick] [--editors 30] [--rate 5] [--seconds 20]

Each editor is a python-socketio AsyncClient with a pycrdt document (as the browser has a Yjs
one): it types one character at the end of the field, sends the Yjs update (`draft.update`) and
times the acknowledgement; what the others typed arrives as `draft.update` and is applied. At
the end every editor's text and each process's document must agree and hold every acknowledged
character. Writes its section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
import uuid
from base64 import b64decode, b64encode
from datetime import UTC, datetime
from pathlib import Path

import socketio
from pycrdt import Doc, Text
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from multi import REDIS_URL, cpu_seconds, drop_database, fresh_database  # noqa: E402
from report import write_section  # noqa: E402
from run import PASSWORD, BareServer, free_port, machine, pct, start  # noqa: E402

DB_NAME = "workshop_bench_drafting"  # a database of its own, not the tests' `test`
FIELD = "short_description"
NS = "/draft"
MARK_START, MARK_END = "<!-- drafting:start -->", "<!-- drafting:end -->"


class Servers:
    """`procs` workshop processes on one fresh PostgreSQL database (and Redis when more than one)."""

    def __init__(self, tmp: Path, procs: int, mode: str):
        from workshop.access.policy import OWNER, add_member
        from workshop.accounts.service import create_facilitator
        from workshop.db import make_engine
        from workshop.measures.models import Measure
        from workshop.migrate import upgrade

        self.db_url = fresh_database(DB_NAME)
        upgrade(self.db_url)
        self.engine = make_engine(self.db_url)
        with sessionmaker(bind=self.engine)() as db:
            fid = create_facilitator(db, "bench@example.org", "Bench", PASSWORD).id
            measure = Measure(title="Bench")
            db.add(measure)
            db.flush()
            add_member(db, measure.id, fid, OWNER)
            db.commit()
            self.measure_id = measure.id
        env = {
            "DATABASE_URL": self.db_url,
            "SECRET_KEY": "bench-secret-" + "x" * 32,
            "WORKSHOP_HOST": "127.0.0.1",
            "SOCKETIO_ASYNC_MODE": mode,
            "WORKSHOP_RATE_LIMITS": "off",
        }
        if procs > 1:
            env |= {"SOCKETIO_MESSAGE_QUEUE": REDIS_URL, "SOCKETIO_CHANNEL": f"workshop-bench-{uuid.uuid4().hex}"}
        self.processes, self.urls = [], []
        for i in range(procs):
            port = free_port()
            url = f"http://127.0.0.1:{port}"
            self.processes.append(
                start(
                    [sys.executable, "-m", "workshop.cli", "serve"],
                    {**env, "WORKSHOP_PORT": str(port), "PUBLIC_BASE_URL": url},
                    port,
                    tmp / f"drafting-{procs}-{i}.log",
                )
            )
            self.urls.append(url)
        self.cookies = self._login()

    def _login(self) -> str:
        import re

        import requests

        http = requests.Session()
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{self.urls[0]}/login").text).group(1)
        http.post(
            f"{self.urls[0]}/login", data={"csrf_token": token, "email": "bench@example.org", "password": PASSWORD}
        )
        return "; ".join(f"{c.name}={c.value}" for c in http.cookies)

    def cpu(self) -> float:
        return sum(cpu_seconds(p.pid) for p in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)
        self.engine.dispose()
        drop_database(DB_NAME)


class Editor:
    def __init__(self, number: int, workshop: bool):
        self.number, self.workshop = number, workshop
        self.doc = Doc()
        self.text = self.doc.get("text", type=Text)
        self.acks: list[float] = []
        self.failures: list[dict] = []
        self.lag: list[float] = []  # how late the load generator itself sent (its own CPU limit)
        self.sio = socketio.AsyncClient(reconnection=False)
        self.typed = 0

    def apply(self, message: dict) -> None:
        if message.get("field_key") == FIELD:
            self.doc.apply_update(b64decode(message["update"]))

    async def connect(self, url: str, cookies: str, measure_id: int) -> None:
        self.measure_id = measure_id
        if self.workshop:
            self.sio.on("draft.update", self._on_update, namespace=NS)
            await self.sio.connect(
                url, headers={"Cookie": cookies}, namespaces=[NS], transports=["websocket"], wait_timeout=30
            )
            ack = await self.sio.call("draft.join", {"measure_id": measure_id}, namespace=NS, timeout=30)
            assert ack["ok"], ack
            for key, state in ack["fields"].items():
                if key == FIELD:
                    self.doc.apply_update(b64decode(state["update"]))
        else:
            self.sio.on("event", self._on_bare)
            await self.sio.connect(url, transports=["websocket"], wait_timeout=30)

    async def _on_update(self, message: dict) -> None:
        self.apply(message)

    async def _on_bare(self, message: dict) -> None:
        if message.get("from") != self.number:  # the bare relay echoes to the sender too
            self.doc.apply_update(b64decode(message["text"]))

    async def type(self, rate: float, seconds: float, start: float) -> None:
        """One character every 1/rate s (from a random phase), each after the last ack."""
        period = 1 / rate
        at = start + random.uniform(0, period)
        while at < start + seconds:
            if (wait := at - time.time()) > 0:
                await asyncio.sleep(wait)
            self.lag.append(max(0.0, time.time() - at))
            before = self.doc.get_state()
            with self.doc.transaction():
                self.text.insert(len(self.text), chr(ord("a") + self.number % 26))
            update = b64encode(self.doc.get_update(before)).decode("ascii")
            started = time.perf_counter()
            if self.workshop:
                ack = await self.sio.call(
                    "draft.update",
                    {"measure_id": self.measure_id, "field_key": FIELD, "update": update},
                    namespace=NS,
                    timeout=60,
                )
            else:
                ack = await self.sio.call(
                    "ping_room", {"seq": self.typed, "text": update, "from": self.number}, timeout=60
                )
            self.acks.append(time.perf_counter() - started)
            if ack.get("ok"):
                self.typed += 1
            else:
                self.failures.append(ack)
            at += period


async def run_editors(urls: list[str], cookies: str, measure_id: int, n: int, rate: float, seconds: float, workshop):
    editors = [Editor(i, workshop) for i in range(n)]
    for i, editor in enumerate(editors):  # spread over the processes, alternating
        await editor.connect(urls[i % len(urls)], cookies, measure_id)
    start_at = time.time() + 1
    await asyncio.gather(*(e.type(rate, seconds, start_at) for e in editors))
    took = time.time() - start_at  # longer than `seconds` when the acks could not keep up
    acked = sum(e.typed for e in editors)
    converged = True
    if workshop:  # every editor's text holds every acknowledged character (waits on arrivals)
        deadline = time.monotonic() + 30
        while any(len(str(e.text)) != acked for e in editors) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        texts = {str(e.text) for e in editors}
        converged = len(texts) == 1 and len(texts.pop()) == acked
        # each process's own document: a fresh editor joining there
        for url in urls:
            fresh = Editor(999, True)
            await fresh.connect(url, cookies, measure_id)
            converged = converged and str(fresh.text) == str(editors[0].text)
            await fresh.sio.disconnect()
    for editor in editors:
        await editor.sio.disconnect()
    acks = [a for e in editors for a in e.acks]
    lag = [x for e in editors for x in e.lag]
    return {
        "acked": acked,
        "failures": sum(len(e.failures) for e in editors),
        "failure_codes": sorted({f.get("error", {}).get("code", "?") for e in editors for f in e.failures}),
        "p50": pct(acks, 50),
        "p99": pct(acks, 99),
        "max": max(acks) * 1000,
        "per_second": acked / max(took, seconds),
        "lag_p99": pct(lag, 99),
        "converged": converged,
    }


def measure(tmp: Path, procs: int, args) -> dict:
    bare = BareServer(tmp, args.mode)
    try:
        floor = asyncio.run(run_editors([bare.url], "", 0, args.editors, args.rate, args.seconds, workshop=False))
    finally:
        bare.stop()
    servers = Servers(tmp, procs, args.mode)
    try:
        cpu = servers.cpu()
        real = asyncio.run(
            run_editors(
                servers.urls, servers.cookies, servers.measure_id, args.editors, args.rate, args.seconds, workshop=True
            )
        )
        real["cpu_ms_per_update"] = (servers.cpu() - cpu) * 1000 / max(1, real["acked"])
    finally:
        servers.stop()
    return {"procs": procs, "bare": floor, "workshop": real}


def render(report: dict, argv: list[str]) -> str:
    a = report["args"]
    lines = [
        "## Co-drafting: many editors on one field (bench/drafting.py)",
        "",
        f"Run: `.venv/bin/python bench/drafting.py {' '.join(argv)}`".rstrip(),
        "",
        f"- machine: {report['machine']}",
        f"- date: {report['date']}",
        f"- {a.editors} editors each type one character {a.rate:g} times a second for {a.seconds:g} s into "
        f"`{FIELD}` of one measure (each waits for its ack before the next), PostgreSQL, async mode `{a.mode}`; "
        "with 2 processes the editors alternate between them and Redis carries the updates across. "
        "The bare server relays the same Yjs updates (broadcast + ack, nothing stored) in the same run, just before; "
        "both listen with Nagle off (before 2026-12-04 both had it on, and each ack waited ~40 ms for the "
        "client's delayed ACK: the bare relay's p50 was 44 ms for that). "
        "Clients: one asyncio process with a pycrdt document per editor, on the same 2 cores.",
        "",
        "| processes | bare ack p50 ms | bare ack p99 ms | ack p50 ms | ack p99 ms | ack max ms | p99 ratio "
        "| updates/s acknowledged | refused | all documents agree | server CPU ms per update | client lag p99 ms |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for row in report["rows"]:
        b, w = row["bare"], row["workshop"]
        lines.append(
            f"| {row['procs']} | {b['p50']:.1f} | {b['p99']:.1f} | {w['p50']:.1f} | {w['p99']:.1f} | {w['max']:.0f} | "
            f"{w['p99'] / max(b['p99'], 0.01):.1f} | {w['per_second']:.0f} | {w['failures']} "
            f"{' '.join(w['failure_codes'])} | {'yes' if w['converged'] else '**no**'} | "
            f"{w['cpu_ms_per_update']:.1f} | {w['lag_p99']:.0f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="5 s of typing")
    parser.add_argument("--editors", type=int, default=30)
    parser.add_argument("--rate", type=float, default=5.0, help="updates a second per editor")
    parser.add_argument("--seconds", type=float, help="seconds of typing (default 20)")
    parser.add_argument("--procs", default="1,2", help="process counts")
    parser.add_argument("--mode", default="eventlet", help="async mode of the processes")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    args.seconds = args.seconds or (5.0 if args.quick else 20.0)
    report = {
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "args": args,
        "rows": [],
    }
    os.environ.setdefault("PYTHONHASHSEED", "0")
    with tempfile.TemporaryDirectory(prefix="workshop-drafting-") as tmpdir:
        for procs in (int(p) for p in args.procs.split(",")):
            row = measure(Path(tmpdir), procs, args)
            report["rows"].append(row)
            print(row, flush=True)
    section = render(report, sys.argv[1:])
    print(section)
    write_section(Path(args.output), MARK_START, MARK_END, f"{MARK_START}\n{section.rstrip()}\n{MARK_END}")


if __name__ == "__main__":
    main()
