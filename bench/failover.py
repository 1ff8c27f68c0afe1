"""Failover: one of two `workshop serve` processes dies (kill -9) or hangs (SIGSTOP) in the middle
of a session, on the documented deployment (deploy/nginx/workshop.conf as shipped, PostgreSQL,
Redis), each process under systemd's watchdog as deploy/systemd/workshop@.service asks for it
(emulated over the real sd_notify protocol by tests/watchdog_supervisor.py: WatchdogSec=5,
Restart=always, RestartSec=2).

    .venv/bin/python bench/failover.py [--phones 40] [--after 30]

Phones are python-socketio clients over aiohttp, each from a loopback address of its own (a /24
each, so ip_hash spreads them), adding a card a second like a person and resending, as the
browser does, an op that got no answer or saving_paused (same op_id). The hang is caught inside
an op batch: the session's row lock is held until a batch of the victim waits for it, then the
victim is stopped and the lock let go, so the victim holds it, stopped (the worst moment).

Per scenario: the victim's phones' reconnect time (from the kill or stop to their next snapshot)
p50/p99; acknowledged cards per 10 s before and during the outage (all phones, and the other
process's phones); cards acknowledged but not stored (lost), stored twice (duplicates), and
phones whose state has a gap at the end (their seq behind the log's after a sync). Writes its
section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import requests
import socketio
from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from multi import NGINX, REDIS_URL, SITE_CONF, drop_database, fresh_database  # noqa: E402
from report import write_section  # noqa: E402
from run import PASSWORD, free_port, machine, pct  # noqa: E402

from tests.watchdog_supervisor import Supervisor  # noqa: E402

DB_NAME = "workshop_bench_failover"
MARK_START, MARK_END = "<!-- failover:start -->", "<!-- failover:end -->"
WATCHDOG, RESTART = 5.0, 2.0  # WatchdogSec, RestartSec of deploy/systemd/workshop@.service
WARM = 10.0  # s of writing before the outage
ACK_TIMEOUT = 15.0  # the browser's op timeout (static/js/live.js)


def address(i: int) -> str:
    return f"127.{1 + i // 250}.{i % 250}.1"


class Deployment:
    """Two supervised processes, nginx in front, one database and one Redis channel."""

    def __init__(self, tmp: Path):
        from workshop.accounts.service import create_facilitator
        from workshop.agenda.create import create_session
        from workshop.db import make_engine
        from workshop.measures.models import Measure
        from workshop.migrate import upgrade

        self.db_url = fresh_database(DB_NAME)
        upgrade(self.db_url)
        self.engine = make_engine(self.db_url)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        with self.sessions() as db:
            fid = create_facilitator(db, "bench@example.org", "Bench", PASSWORD).id
            measure = Measure(title="Failover")
            db.add(measure)
            db.flush()
            ws = create_session(db, measure_id=measure.id, facilitator_id=fid, template_key="framing")
            db.commit()
            self.session_id, self.code = ws.id, ws.join_code
        self.ports = [free_port(), free_port()]
        self.front_port = free_port()
        self.url = f"http://127.0.0.1:{self.front_port}"
        channel = f"workshop-bench-{uuid.uuid4().hex}"
        self.supervisors = []
        for port in self.ports:
            env = {
                "DATABASE_URL": self.db_url,
                "SECRET_KEY": "bench-secret-" + "x" * 32,
                "WORKSHOP_HOST": "127.0.0.1",
                "WORKSHOP_PORT": str(port),
                "SOCKETIO_MESSAGE_QUEUE": REDIS_URL,
                "SOCKETIO_CHANNEL": channel,
                "WORKSHOP_PROXY_FIX": "1",
                "WORKSHOP_RATE_LIMITS": "off",
                "PUBLIC_BASE_URL": self.url,
                "PGAPPNAME": f"workshop-{port}",
            }
            log = tmp / f"workshop-{port}.log"
            self.supervisors.append(Supervisor(env, log, watchdog=WATCHDOG, restart_delay=RESTART))
        for supervisor in self.supervisors:
            supervisor.wait_ready()
        self.nginx = self._nginx(tmp)
        http = requests.Session()
        token = http.get(f"{self.url}/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        http.post(f"{self.url}/login", data={"csrf_token": token, "email": "bench@example.org", "password": PASSWORD})
        cookies = "; ".join(f"{c.name}={c.value}" for c in http.cookies)
        facilitator = socketio.Client(reconnection=False)
        facilitator.connect(
            self.url,
            auth={"session_id": self.session_id, "role": "facilitator"},
            headers={"Cookie": cookies},
            transports=["websocket"],
        )
        assert facilitator.call("op", {"type": "session.start"}, timeout=30)["ok"]
        facilitator.disconnect()

    def _nginx(self, tmp: Path) -> subprocess.Popen:
        import re

        site = SITE_CONF.read_text()
        parameters = re.search(r"    server 127\.0\.0\.1:\d+([^;]*);\n", site)
        assert parameters, "deploy/nginx/workshop.conf changed: adapt bench/failover.py"
        servers = "".join(f"    server 127.0.0.1:{port}{parameters.group(1)};\n" for port in self.ports)
        site = re.sub(r"(    server 127\.0\.0\.1:\d+[^;]*;\n)+", servers, site)
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.front_port};")
        conf_dir = tmp / "nginx"
        conf_dir.mkdir()
        (conf_dir / "workshop.conf").write_text(site)
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (conf_dir / temp).mkdir()
        main = conf_dir / "nginx.conf"
        main.write_text(f"""daemon off;
worker_processes 1;
pid {conf_dir}/nginx.pid;
error_log {conf_dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {conf_dir}/body;
    proxy_temp_path {conf_dir}/proxy;
    fastcgi_temp_path {conf_dir}/fastcgi;
    uwsgi_temp_path {conf_dir}/uwsgi;
    scgi_temp_path {conf_dir}/scgi;
    include {conf_dir}/workshop.conf;
}}
""")
        process = subprocess.Popen([NGINX, "-p", str(conf_dir), "-c", str(main), "-e", str(conf_dir / "error.log")])
        deadline = time.monotonic() + 15
        while True:
            try:
                requests.get(f"{self.url}/healthz", timeout=1)
                return process
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)

    def stored(self) -> tuple[int, dict[str, int], list[str]]:
        from workshop.activities.models import Card
        from workshop.live.models import Event
        from workshop.sessions.models import WorkshopSession

        with self.sessions() as db:
            last_seq = db.get(WorkshopSession, self.session_id).last_seq
            events = db.scalars(select(Event).where(Event.session_id == self.session_id)).all()
            cards = db.scalars(select(Card).where(Card.session_id == self.session_id)).all()
            seqs = sorted(e.seq for e in events)
            assert seqs == list(range(1, last_seq + 1)), "the event log has a gap"
            return last_seq, {e.op_id: e.seq for e in events if e.op_id}, [c.text for c in cards]

    def stop(self) -> None:
        self.nginx.terminate()
        self.nginx.wait(timeout=10)
        for supervisor in self.supervisors:
            supervisor.stop()
        self.engine.dispose()
        drop_database(DB_NAME)


class Phone:
    """A participant's phone: joins, holds a websocket, adds a card a second, resends until acked."""

    def __init__(self, index: int, url: str, session_id: int, code: str):
        self.index, self.url, self.session_id, self.code = index, url, session_id, code
        self.acks: list[tuple[float, str, int]] = []  # (time, op_id, seq)
        self.snapshots: list[float] = []
        self.disconnects: list[float] = []
        self.seq = 0
        self.early: set[int] = set()
        self.port: int | None = None  # the process it is on (nginx's upstream, from its sockets)
        self.stop = False
        self.reconnected = asyncio.Event()

    async def run(self, start_writing: float) -> None:
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(address(self.index), 0)))
        async with self.http.post(f"{self.url}/api/join", json={"code": self.code}) as response:
            token = (await response.json())["token"]
        # the browser's reconnection: 1 s, randomised by half, up to 5 s
        self.sio = socketio.AsyncClient(
            reconnection=True,
            reconnection_delay=1,
            reconnection_delay_max=5,
            randomization_factor=0.5,
            http_session=self.http,
        )
        self.sio.on("snapshot", self._snapshot)
        self.sio.on("event", lambda event: self._events([event]))
        self.sio.on("events", self._events)
        self.sio.on("disconnect", lambda *_a: self.disconnects.append(time.monotonic()))
        for attempt in range(10):  # a browser tries again too
            try:
                await self.sio.connect(
                    self.url,
                    auth={"session_id": self.session_id, "role": "participant", "token": token},
                    transports=["websocket"],
                    wait_timeout=10,
                )
                break
            except socketio.exceptions.ConnectionError:
                if attempt == 9:
                    raise
                await asyncio.sleep(1)
        await asyncio.sleep(max(0.0, start_writing - time.monotonic()) + (self.index % 10) / 10)
        i = 0
        while not self.stop:
            op_id = f"phone{self.index}-{i:05d}"
            op = {"type": "card.add", "op_id": op_id, "payload": {"step_key": "approaches", "text": op_id}}
            while not self.stop:
                ack, reconnected = await self._send(op)
                if ack and ack.get("ok"):
                    self.acks.append((time.monotonic(), op_id, ack["seq"]))
                    break
                if not reconnected:  # the browser resends its outbox at once on a new snapshot
                    await asyncio.sleep(0.5 if ack else 0.2)
            i += 1
            await asyncio.sleep(1.0)

    async def _send(self, op: dict) -> tuple[dict | None, bool]:
        """The op's ack (None: no answer), and whether a new connection's snapshot came first (then
        the browser sends its outbox again at once: the pending answer is lost with the old socket)."""
        if not self.sio.connected:
            return None, False
        self.reconnected.clear()
        call = asyncio.ensure_future(self.sio.call("op", op, timeout=ACK_TIMEOUT))
        fresh = asyncio.ensure_future(self.reconnected.wait())
        done, _pending = await asyncio.wait({call, fresh}, return_when=asyncio.FIRST_COMPLETED)
        fresh.cancel()
        if call not in done:
            call.cancel()
            return None, True
        try:
            return call.result(), False
        except Exception:  # no answer: it stays in the outbox and goes again
            return None, False

    def _snapshot(self, snapshot) -> None:
        self.reconnected.set()
        self.snapshots.append(time.monotonic())
        self.seq, self.early = snapshot["seq"], set()

    def _events(self, events) -> None:
        self.early |= {e["seq"] for e in events if e["seq"] > self.seq}
        while self.seq + 1 in self.early:
            self.early.discard(self.seq + 1)
            self.seq += 1

    async def catch_up(self, last_seq: int) -> bool:
        """After the run: still behind the log a moment later? Then a sync, as the browser does."""
        for _ in range(20):
            if self.seq >= last_seq:
                return True
            await asyncio.sleep(0.1)
        answer = await self.sio.call("sync", {"after_seq": self.seq}, timeout=15)
        if answer.get("snapshot"):
            self._snapshot(answer["snapshot"])
        self._events(answer.get("events", []))
        return self.seq >= last_seq

    async def close(self) -> None:
        await self.sio.disconnect()
        await self.http.close()


def connections_per_port(ports: list[int]) -> dict[int, int]:
    counts = dict.fromkeys(ports, 0)
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            port = int(local.rsplit(":", 1)[1], 16)
            if state == "01" and port in counts:
                counts[port] += 1
    return counts


def catch_inside_a_batch(deployment: Deployment, port: int, pid: int) -> None:
    """Stop the process while it holds the session's row lock inside an op batch."""
    with deployment.engine.connect() as blocker:
        blocker.begin()
        blocker.execute(text("SELECT id FROM sessions WHERE id = :id FOR UPDATE"), {"id": deployment.session_id})
        deadline = time.monotonic() + 10
        with deployment.engine.connect() as probe:
            while time.monotonic() < deadline:
                waiting = probe.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                        "AND query LIKE 'UPDATE sessions%' AND application_name = :name"
                    ),
                    {"name": f"workshop-{port}"},
                ).scalar()
                probe.rollback()
                if waiting:
                    break
                time.sleep(0.005)
        os.kill(pid, signal.SIGSTOP)
        blocker.rollback()


async def scenario(tmp: Path, kind: str, phones: int, after: float) -> dict:
    deployment = Deployment(tmp / kind)
    try:
        start_writing = time.monotonic() + 3
        fleet = [Phone(i, deployment.url, deployment.session_id, deployment.code) for i in range(phones)]
        tasks = [asyncio.create_task(phone.run(start_writing)) for phone in fleet]
        await asyncio.sleep(start_writing - time.monotonic() + WARM)
        counts = connections_per_port(deployment.ports)
        victim_index = max(range(2), key=lambda i: counts[deployment.ports[i]])
        victim = deployment.supervisors[victim_index]
        pid = victim.current.process.pid
        victim_phones = counts[deployment.ports[victim_index]]
        await asyncio.sleep(0)
        if kind == "crash":
            at = time.monotonic()
            os.kill(pid, signal.SIGKILL)
        else:
            await asyncio.to_thread(catch_inside_a_batch, deployment, deployment.ports[victim_index], pid)
            at = time.monotonic()
        await asyncio.sleep(after)
        for phone in fleet:
            phone.stop = True
        await asyncio.wait(tasks, timeout=ACK_TIMEOUT + 5)
        last_seq, by_op_id, texts = deployment.stored()
        behind = [not await phone.catch_up(last_seq) for phone in fleet]
        for phone in fleet:
            await phone.close()
        stopped = at + after  # the phones' own disconnects at the end are not the outage's
        moved = [phone for phone in fleet if any(at <= d < stopped for d in phone.disconnects)]
        back = [
            min(s for s in phone.snapshots if s > at) - at for phone in moved if any(s > at for s in phone.snapshots)
        ]
        acked = [(t, op_id, seq) for phone in fleet for t, op_id, seq in phone.acks]
        others = [(t, op_id, seq) for phone in fleet if phone not in moved for t, op_id, seq in phone.acks]
        lost = sum(1 for _t, op_id, seq in acked if by_op_id.get(op_id) != seq)
        twice = sum(n - 1 for n in Counter(texts).values() if n > 1)
        life = victim.lives[1] if len(victim.lives) > 1 else None
        return {
            "kind": kind,
            "phones": phones,
            "victim_phones": victim_phones,
            "moved": len(moved),
            "back": len(back),
            "reconnect_p50": pct(back, 50) / 1000 if back else None,
            "reconnect_p99": pct(back, 99) / 1000 if back else None,
            "ended_after": ((victim.lives[0].killed or victim.lives[0].exited or at) - at),
            "ready_again": (life.ready - at) if life and life.ready else None,
            "acks_before": sum(1 for t, *_ in acked if at - 10 <= t < at),
            "acks_during": sum(1 for t, *_ in acked if at <= t < at + 10),
            "others_before": sum(1 for t, *_ in others if at - 10 <= t < at),
            "others_during": sum(1 for t, *_ in others if at <= t < at + 10),
            "acked": len(acked),
            "lost": lost,
            "duplicates": twice,
            "gaps": sum(behind),
        }
    finally:
        deployment.stop()


def render(rows: list[dict], args) -> str:
    lines = [
        "## Failover: a process dies or hangs (bench/failover.py, issue 34)",
        "",
        f"Run: `{' '.join(['.venv/bin/python', 'bench/failover.py', *sys.argv[1:]])}`",
        "",
        f"- machine: {machine()}",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- two `workshop serve` (eventlet, default settings) behind deploy/nginx/workshop.conf as shipped, "
        f"PostgreSQL, Redis; each under the watchdog of deploy/systemd/workshop@.service (WatchdogSec={WATCHDOG:.0f}, "
        f"RestartSec={RESTART:.0f}; emulated over sd_notify by tests/watchdog_supervisor.py); {args.phones} phones, "
        "each from an address of its own (ip_hash spreads them), a card a second, resending unanswered ops "
        "with their op_id; after "
        f"{WARM:.0f} s the process with more phones is killed (`kill -9`) or stopped (SIGSTOP) while it holds the "
        f"session's lock inside an op batch; {args.after:.0f} s more of writing.",
        "- reconnect: from the kill or stop to the victim's phones' next snapshot (on a process again). "
        "Acks per 10 s: all phones (the other process's phones), the 10 s before and the 10 s after the "
        "outage began. Lost: acknowledged, not stored as acknowledged; duplicates: a card stored twice; "
        "gaps: phones whose seq is behind the log at the end after a sync.",
        "",
        "| outage | victim's phones | back on a process | reconnect p50 s | reconnect p99 s | victim ended after s "
        "| victim ready again after s | acks/10 s before | acks/10 s during | cards acked | lost | duplicates | gaps |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        lines.append(
            f"| {'kill -9' if r['kind'] == 'crash' else 'SIGSTOP in a batch'} | {r['victim_phones']} | "
            f"{r['back']} of {r['moved']} | {_s(r['reconnect_p50'])} | {_s(r['reconnect_p99'])} | "
            f"{r['ended_after']:.1f} | {_s(r['ready_again'])} | {r['acks_before']} ({r['others_before']}) | "
            f"{r['acks_during']} ({r['others_during']}) | {r['acked']} | {r['lost']} | {r['duplicates']} | {r['gaps']} |"
        )
    return "\n".join(lines) + "\n"


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20 phones, 15 s after the outage")
    parser.add_argument("--phones", type=int, help="phones (default 40)")
    parser.add_argument("--after", type=float, help="seconds of writing after the outage begins (default 30)")
    parser.add_argument("--scenarios", default="crash,hang")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    args.phones = args.phones or (20 if args.quick else 40)
    args.after = args.after or (15.0 if args.quick else 30.0)
    rows = []
    with tempfile.TemporaryDirectory(prefix="workshop-failover-") as tmpdir:
        for kind in args.scenarios.split(","):
            (Path(tmpdir) / kind).mkdir()
            row = asyncio.run(scenario(Path(tmpdir), kind, args.phones, args.after))
            print(row, flush=True)
            rows.append(row)
    section = render(rows, args)
    print(section)
    write_section(Path(args.output), MARK_START, MARK_END, f"{MARK_START}\n{section.rstrip()}\n{MARK_END}")


if __name__ == "__main__":
    main()
