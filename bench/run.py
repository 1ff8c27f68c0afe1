"""Benchmark: the real `workshop serve` against a bare Flask-SocketIO re-broadcaster (the floor).

    .venv/bin/python bench/run.py [--quick] [--modes eventlet,gevent] [--sizes 50,200,500,1000]

Fan-out (paired with the bare server), a paced join storm, the late joiner and memory per phone.
The vote storm lives in bench/vote_storm.py, several processes in bench/multi.py.

Servers run as separate processes; participants are bench/clients.py's lean phones (Socket.IO
over a bare aiohttp websocket, every event's seq recorded) held by worker processes, one asyncio
loop each. Prints the figures and writes BENCHMARKS.md.
Client and server share this machine's cores, so latencies include the clients' own load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing as mp
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from clients import worker  # noqa: E402
from report import write_section  # noqa: E402

PASSWORD = "bench-password-123"
PER_WORKER = 250
NOTHING_YET = 2**62  # no event counts as a round's before count_from()
WARM_UP_ROUNDS = 3  # not counted: the first broadcasts to a fresh room also pay for warming up
ROUND_GAP = 0.1  # s between rounds: each card lands in a quiet room (bursts: bench/vote_storm.py)


# --- processes ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], env: dict, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(cmd, env={**os.environ, **env}, stdout=open(log, "ab"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{cmd} exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return process
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{cmd} did not start") from None
            time.sleep(0.05)


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))] * 1000


# --- the workshop side ----------------------------------------------------------------------
class Workshop:
    def __init__(self, tmp: Path, mode: str, extra_env: dict | None = None, name: str | None = None):
        from sqlalchemy.orm import sessionmaker

        from workshop.accounts.service import create_facilitator
        from workshop.db import make_engine
        from workshop.migrate import upgrade

        name = name or mode
        self.db_url = f"sqlite:///{tmp / f'bench-{name}.db'}"
        upgrade(self.db_url)
        self.sessions = sessionmaker(bind=make_engine(self.db_url), expire_on_commit=False)
        with self.sessions() as db:
            self.fid = create_facilitator(db, f"bench-{name}@example.org", "Bench", PASSWORD).id
            db.commit()
        self.email = f"bench-{name}@example.org"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            "DATABASE_URL": self.db_url,
            "SECRET_KEY": "bench-secret",
            "WORKSHOP_PORT": str(self.port),
            "WORKSHOP_HOST": "127.0.0.1",
            "SOCKETIO_ASYNC_MODE": mode,
            "WORKSHOP_RATE_LIMITS": "off",
            # Every phone of the load generator comes from 127.0.0.1; real phones have addresses of
            # their own. Under the default cap of 1,000 per address the 1,000-phone rooms lost
            # 19–44 phones to it (refused connections), which measured the cap, not the server.
            "WORKSHOP_MAX_CONNECTIONS_PER_ADDRESS": "100000",
            "PUBLIC_BASE_URL": self.url,
            **(extra_env or {}),
        }
        self.process = start(
            [sys.executable, "-m", "workshop.cli", "serve"], env, self.port, tmp / f"workshop-{name}.log"
        )
        self.cookies = self._login()

    def _login(self) -> str:
        http = requests.Session()
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{self.url}/login").text).group(1)
        http.post(f"{self.url}/login", data={"csrf_token": token, "email": self.email, "password": PASSWORD})
        return "; ".join(f"{c.name}={c.value}" for c in http.cookies)

    def new_session(self) -> tuple[int, str]:
        from workshop.agenda.create import create_session
        from workshop.measures.models import Measure

        with self.sessions() as db:
            measure = Measure(title="Bench")
            db.add(measure)
            db.flush()
            ws = create_session(db, measure_id=measure.id, facilitator_id=self.fid, template_key="framing")
            db.commit()
            return ws.id, ws.join_code

    def facilitator(self, sid: int) -> socketio.Client:
        sio = socketio.Client(reconnection=False)
        sio.connect(
            self.url,
            auth={"session_id": sid, "role": "facilitator"},
            headers={"Cookie": self.cookies},
            transports=["websocket"],
            wait_timeout=30,
        )
        return sio

    def seed_cards(self, sid: int, count: int) -> None:
        """count cards in step 'approaches' straight through the engine (50 per person)."""
        from workshop.live import engine
        from workshop.ops import FACILITATOR, PARTICIPANT, Actor

        engine.apply(self.sessions, sid, Actor(FACILITATOR, self.fid), {"type": "session.start"})
        for person in range(math.ceil(count / 50)):
            pid = engine.apply(self.sessions, sid, Actor.system(), {"type": "participant.join"}).result[
                "participant_id"
            ]
            for i in range(min(50, count - person * 50)):
                engine.apply(
                    self.sessions,
                    sid,
                    Actor(PARTICIPANT, pid),
                    {"type": "card.add", "payload": {"step_key": "approaches", "text": f"Karte {person}-{i}"}},
                )

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=15)


# --- a room of N clients --------------------------------------------------------------------
class Room:
    def __init__(self, conf: dict, n: int):
        conf = {"lean": "seqs", **conf}  # lean phones unless a room asks otherwise (clients.LeanPhone)
        self.n = n
        self.counter, self.min_seq = mp.Value("l", 0), mp.Value("l", NOTHING_YET)
        self.results: mp.Queue = mp.Queue()
        self.commands: list[mp.Queue] = []
        self.procs = []
        sizes = [min(PER_WORKER, n - i) for i in range(0, n, PER_WORKER)]
        for index, size in enumerate(sizes):
            commands = mp.Queue()
            own = conf
            if conf.get("first_client") is not None:  # each worker's phones get addresses of their own
                own = {**conf, "first_client": conf["first_client"] + index * PER_WORKER}
            proc = mp.Process(target=worker, args=(own, size, commands, self.results, self.counter, self.min_seq))
            proc.start()
            self.commands.append(commands)
            self.procs.append(proc)
        self.join_times = self._collect("joined")
        self.join_errors = self.extra  # status codes of join requests answered with an error (retried)
        self.gave_up = self.join_errors.count(0)  # phones that never got in: not waited for in rounds
        self.n = n - self.gave_up

    def _collect(self, kind: str) -> list:
        out = []
        self.extra: list = []  # what else the workers sent with it (the per-client gap check)
        for _ in self.procs:
            got_kind, values, *extra = self.results.get(timeout=600)
            assert got_kind == kind, got_kind
            out += values
            self.extra += extra[0] if extra else []
        return out

    def count_from(self, seq: int) -> None:
        """Count events from this seq on: the rounds' own, not the join storm's participant.joined
        (which would otherwise make every round look delivered before it was sent)."""
        with self.min_seq.get_lock():
            self.min_seq.value = seq

    def round(self, send, r: int) -> tuple[int, float]:
        """send(r) -> (seq, send time); returns it once every client has that event."""
        seq, at = send(r)
        deadline = time.monotonic() + 30
        while self.counter.value < self.n * (r + 1) and time.monotonic() < deadline:
            time.sleep(0.002)  # polling a shared counter; the timing is taken by the receivers
        return seq, at

    def vote(self, card_ids: list[int], k: int, spread: float, every: int = 1) -> list:
        """Every (every-th) client taps k votes: all at once (spread 0) or at random moments within spread s."""
        start = time.time() + 1  # the same moment for every worker
        for commands in self.commands:
            commands.put(("vote", card_ids, k, spread, start, every))
        return self._collect("votes")

    def stop(self) -> list[tuple[int, float]]:
        for commands in self.commands:
            commands.put(("stop",))
        arrivals = self._collect("arrivals")
        for proc in self.procs:
            proc.join(timeout=60)
        return arrivals


def latencies(sent: dict[int, float], arrivals: list[tuple[int, float]], n: int) -> dict:
    values = [at - sent[seq] for seq, at in arrivals if seq in sent]
    return {
        "p50": pct(values, 50),
        "p99": pct(values, 99),
        "max": max(values) * 1000,
        "missing": n * len(sent) - len(values),
    }


# --- the measurements -----------------------------------------------------------------------
def paired_fan_out(pairs: list[tuple[Room, object]], rounds: int) -> list[dict[int, float]]:
    """Rounds alternate between the rooms (A B, B A, …), so both see the same machine at the
    same time: on a shared, noisy machine that is the only fair comparison.
    Returns {seq: send time} of the counted rounds, per room."""
    sent: list[dict[int, float]] = [{} for _ in pairs]
    for r in range(WARM_UP_ROUNDS + rounds):
        order = list(enumerate(pairs))
        if r % 2:
            order.reverse()
        for index, (room, send) in order:
            seq, at = room.round(send, r)
            if r >= WARM_UP_ROUNDS:
                sent[index][seq] = at
            time.sleep(ROUND_GAP)
    return sent


class BareServer:
    """bench/bare_server.py in its own process: the floor every figure is compared with."""

    def __init__(self, tmp: Path, mode: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = start(
            [sys.executable, str(ROOT / "bench" / "bare_server.py"), str(self.port), mode],
            {},
            self.port,
            tmp / f"bare-{mode}.log",
        )

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


def measure(tmp: Path, mode: str, ws: Workshop, n: int, rounds: int) -> tuple[dict, dict]:
    """One room size: the bare server's room and the workshop's, connected at the same time."""
    bare_server = BareServer(tmp, mode)
    try:
        url = bare_server.url
        bare_room = Room({"kind": "bare", "url": url}, n)
        bare_room.count_from(1)
        sender = socketio.Client(reconnection=False)
        sender.connect(url, transports=["websocket"], wait_timeout=30)

        def bare_send(r):
            at = time.time()
            sender.call("ping_room", {"seq": r + 1, "text": f"Karte {r}"}, timeout=60)
            return r + 1, at

        sid, code = ws.new_session()
        fac = ws.facilitator(sid)
        rss_before = rss_mb(ws.process.pid)
        room = Room({"kind": "workshop", "url": ws.url, "session_id": sid, "code": code}, n)
        rss_after = rss_mb(ws.process.pid)
        real = {
            "join_p50": pct(room.join_times, 50),
            "join_p99": pct(room.join_times, 99),
            "rss_per_participant_kb": (rss_after - rss_before) * 1024 / n,
            "rss_mb": rss_after,
        }
        room.count_from(fac.call("op", {"type": "session.start"}, timeout=60)["seq"] + 1)
        cards: list[int] = []

        def workshop_send(r):
            at = time.time()
            if r % 2 == 0:
                ack = fac.call(
                    "op", {"type": "card.add", "payload": {"step_key": "approaches", "text": f"Karte {r}"}}, timeout=60
                )
                cards.append(ack["result"]["card_id"])
            else:  # keep the facilitator under 50 cards per step
                ack = fac.call("op", {"type": "card.delete", "payload": {"card_id": cards.pop()}}, timeout=60)
            assert ack["ok"], ack
            return ack["seq"], at

        bare_sent, real_sent = paired_fan_out([(bare_room, bare_send), (room, workshop_send)], rounds)
        sender.disconnect()
        bare = latencies(bare_sent, bare_room.stop(), bare_room.n)
        real.update(latencies(real_sent, room.stop(), room.n))  # a phone that never got in is not "missing"
        real["gave_up"] = room.gave_up
        fac.disconnect()
        return bare, real
    finally:
        bare_server.stop()


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


PING_BEFORE, PING_NOW = 20, 5  # WORKSHOP_PING_SECONDS: the old default and the one of issue 34


def ping_cost(tmp: Path, mode: str, n: int, rounds: int, idle: float) -> dict:
    """What the shorter ping costs (issue 34: a hung server noticed within 10 s instead of 40 s; a
    ping is a message to every phone per interval): two servers, WORKSHOP_PING_SECONDS 20 and 5,
    n phones each, both connected at the same time; the server's CPU while the rooms are idle (only
    pings), then the fan-out in rounds taking turns (paired_fan_out)."""
    servers = [
        Workshop(tmp, mode, {"WORKSHOP_PING_SECONDS": str(ping)}, name=f"{mode}-ping{ping}")
        for ping in (PING_BEFORE, PING_NOW)
    ]
    try:
        rooms, senders, facilitators = [], [], []
        for ws in servers:
            sid, _code = ws.new_session()
            fac = ws.facilitator(sid)
            rooms.append(Room({"kind": "workshop", "url": ws.url, "session_id": sid, "code": _code}, n))
            rooms[-1].count_from(fac.call("op", {"type": "session.start"}, timeout=60)["seq"] + 1)
            facilitators.append(fac)
            cards: list[int] = []

            def send(r, fac=fac, cards=cards):
                at = time.time()
                if r % 2 == 0:
                    op = {"type": "card.add", "payload": {"step_key": "approaches", "text": f"Karte {r}"}}
                    ack = fac.call("op", op, timeout=60)
                    cards.append(ack["result"]["card_id"])
                else:
                    ack = fac.call("op", {"type": "card.delete", "payload": {"card_id": cards.pop()}}, timeout=60)
                assert ack["ok"], ack
                return ack["seq"], at

            senders.append(send)
        before = [cpu_seconds(ws.process.pid) for ws in servers]
        time.sleep(idle)  # idle rooms: the servers' only work is the pings
        idle_cpu = [(cpu_seconds(ws.process.pid) - b) / idle for ws, b in zip(servers, before, strict=True)]
        sent = paired_fan_out(list(zip(rooms, senders, strict=True)), rounds)
        out = {"n": n, "idle_seconds": idle, "rows": []}
        for ping, room, room_sent, cpu in zip((PING_BEFORE, PING_NOW), rooms, sent, idle_cpu, strict=True):
            row = {"ping": ping, "idle_cpu_pct": cpu * 100, "pings_per_second": n / ping}
            row.update(latencies(room_sent, room.stop(), room.n))
            out["rows"].append(row)
        for fac in facilitators:
            fac.disconnect()
        return out
    finally:
        for ws in servers:
            ws.stop()


def join_storm(tmp: Path, mode: str, ws: Workshop, n: int, spread: float) -> dict:
    """n phones arriving at random moments within `spread` s (people scanning the QR code), each
    timed from its join request to its first snapshot; the bare server's connect in the same run,
    just before, is the floor. Worker processes start first, the storm at an agreed moment."""
    out = {}
    bare_server = BareServer(tmp, mode)
    try:
        bare = Room({"kind": "bare", "url": bare_server.url, "join_spread": spread, "join_start": time.time() + 5}, n)
        out["bare"] = bare.join_times
        bare.stop()
    finally:
        bare_server.stop()
    sid, code = ws.new_session()
    fac = ws.facilitator(sid)
    assert fac.call("op", {"type": "session.start"}, timeout=60)["ok"]
    conf = {"kind": "workshop", "url": ws.url, "session_id": sid, "code": code}
    room = Room({**conf, "join_spread": spread, "join_start": time.time() + 5}, n)
    out["workshop"] = room.join_times
    gave_up = room.gave_up  # not in the percentiles: they never got a snapshot
    room.stop()
    fac.disconnect()
    return {
        "n": n,
        "spread": spread,
        **{f"{side}_{p}": pct(times, p) for side, times in out.items() for p in (50, 99)},
        "workshop_max": max(out["workshop"]) * 1000,
        "bare_max": max(out["bare"]) * 1000,
        "gave_up": gave_up,
    }


def memory(tmp: Path, mode: str, n: int) -> dict:
    """Server RSS per connected phone, from fresh processes: the workshop (its phones joined to one
    session) and the bare server, each taking n/2 phones and then n/2 more. `marginal` is what
    the second half added per phone (what one more phone costs once caches, pools and the code's
    first runs are paid); `whole` is the growth from the idle process per phone. (The fan-out
    table's RSS column is taken on a server that already held the earlier rooms.)"""
    half = n // 2
    out = {"n": n}
    own = tmp / f"memory-{mode}"
    own.mkdir(exist_ok=True)
    ws = Workshop(own, mode)
    bare_server = BareServer(own, mode)
    try:
        sid, code = ws.new_session()
        for side, pid, conf in (
            ("workshop", ws.process.pid, {"kind": "workshop", "url": ws.url, "session_id": sid, "code": code}),
            ("bare", bare_server.process.pid, {"kind": "bare", "url": bare_server.url}),
        ):
            idle = rss_mb(pid)
            first = Room(conf, half)
            middle = rss_mb(pid)
            second = Room(conf, half)
            full = rss_mb(pid)
            connected = first.n + second.n
            first.stop()
            second.stop()
            out[side] = {
                "marginal": (full - middle) * 1024 / max(second.n, 1),
                "whole": (full - idle) * 1024 / max(connected, 1),
                "rss_mb": full,
                "connected": connected,
            }
    finally:
        bare_server.stop()
        ws.stop()
    return out


def late_joiner(ws: Workshop, cards: int, tries: int = 10) -> dict:
    """A phone joining a session of `cards` cards: the whole way in (join, connect, first
    snapshot), and the snapshot alone (asked again with `sync`: built, sent and decoded).
    An asyncio client, like the load clients: websocket-client (the threaded client's transport)
    spends ~70 ms more in Python on a 350 KB frame than aiohttp or a browser does."""
    sid, code = ws.new_session()
    ws.seed_cards(sid, cards)
    return asyncio.run(_late_joins(ws.url, sid, code, cards, tries))


async def _late_joins(url: str, sid: int, code: str, cards: int, tries: int) -> dict:
    import aiohttp

    times, snapshot_times, size = [], [], 0
    async with aiohttp.ClientSession() as http:
        for _ in range(tries):
            started = time.perf_counter()
            async with http.post(f"{url}/api/join", json={"code": code}) as response:
                token = (await response.json())["token"]
            got = asyncio.Event()
            first: list[dict] = []
            sio = socketio.AsyncClient(reconnection=False)

            async def on_snapshot(snapshot, first=first, got=got):  # this iteration's, bound now
                first.append(snapshot)
                got.set()

            sio.on("snapshot", on_snapshot)
            await sio.connect(
                url,
                auth={"session_id": sid, "role": "participant", "token": token},
                transports=["websocket"],
                wait_timeout=60,
            )
            await asyncio.wait_for(got.wait(), 60)
            times.append(time.perf_counter() - started)
            size = len(json.dumps(first[0]).encode())
            assert len(first[0]["cards"]) == cards
            started = time.perf_counter()
            answer = await sio.call("sync", {}, timeout=60)
            snapshot_times.append(time.perf_counter() - started)
            assert len(answer["snapshot"]["cards"]) == cards
            await sio.disconnect()
    return {
        "p50": pct(times, 50),
        "max": max(times) * 1000,
        "snapshot_kb": size / 1024,
        "snapshot_p50": pct(snapshot_times, 50),
        "snapshot_max": max(snapshot_times) * 1000,
    }


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1)) / 1024 / 1024
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GB RAM, Python {platform.python_version()}, {platform.system()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick", action="store_true", help="50 and 200 participants, fewer rounds, a small join storm"
    )
    parser.add_argument("--sizes", help="comma-separated room sizes (default 50,200,500,1000)")
    parser.add_argument("--modes", default="eventlet", help="async modes, e.g. eventlet,gevent")
    parser.add_argument("--cards", type=int, default=2000, help="cards in the late joiner's session")
    parser.add_argument("--join-storm", type=int, help="phones in the paced join storm (default 1000)")
    parser.add_argument("--join-spread", type=float, default=30.0, help="seconds the join storm is spread over")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    parser.add_argument("--ping-phones", type=int, help="phones per server in the ping comparison (default 1000)")
    parser.add_argument("--ping-only", action="store_true", help="only the ping comparison (its own section)")
    args = parser.parse_args()
    sizes = [int(s) for s in (args.sizes or ("50,200" if args.quick else "50,200,500,1000")).split(",")]
    rounds = 20 if args.quick else 100
    storm_size = args.join_storm or (200 if args.quick else 1000)
    report = {
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "rounds": rounds,
        "modes": {},
    }
    ping_phones = args.ping_phones or (200 if args.quick else 1000)
    if args.ping_only:
        with tempfile.TemporaryDirectory(prefix="workshop-bench-") as tmpdir:
            write_ping_section(
                Path(args.output), report, ping_cost(Path(tmpdir), "eventlet", ping_phones, rounds, 30.0)
            )
        return
    with tempfile.TemporaryDirectory(prefix="workshop-bench-") as tmpdir:
        tmp = Path(tmpdir)
        first = args.modes.split(",")[0]
        for mode in args.modes.split(","):
            ws = Workshop(tmp, mode)
            try:
                rows = []
                for n in sizes:
                    bare, real = measure(tmp, mode, ws, n, rounds)
                    rows.append((n, bare, real))
                    print(
                        f"[{mode}] n={n}: bare p50 {bare['p50']:.1f} p99 {bare['p99']:.1f} | workshop p50 "
                        f"{real['p50']:.1f} p99 {real['p99']:.1f} max {real['max']:.1f} ms",
                        flush=True,
                    )
                storm = join_storm(tmp, mode, ws, storm_size, args.join_spread) if storm_size else None
                if storm:
                    print(f"[{mode}] join storm: {storm}", flush=True)
                late = late_joiner(ws, args.cards) if mode == first else None
                report["modes"][mode] = {"rows": rows, "late": late, "storm": storm}
            finally:
                ws.stop()
            report["modes"][mode]["memory"] = memory(tmp, mode, max(sizes))
            print(f"[{mode}] memory: {report['modes'][mode]['memory']}", flush=True)
    section = render(report, args)
    print(section)
    write_load_section(Path(args.output), section)
    with tempfile.TemporaryDirectory(prefix="workshop-bench-") as tmpdir:
        write_ping_section(Path(args.output), report, ping_cost(Path(tmpdir), "eventlet", ping_phones, rounds, 30.0))


MARK_START, MARK_END = "<!-- load:start -->", "<!-- load:end -->"
PING_START, PING_END = "<!-- ping:start -->", "<!-- ping:end -->"


def write_ping_section(path: Path, report: dict, cost: dict) -> None:
    lines = [
        "## The ping's cost (bench/run.py, issue 34)",
        "",
        f"Run: `.venv/bin/python bench/run.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        f"- machine: {report['machine']}",
        f"- date: {report['date']}",
        f"- two `workshop serve` (eventlet), `WORKSHOP_PING_SECONDS` {PING_BEFORE} (the old default: a hung "
        f"server noticed after 40 s) and {PING_NOW} (now: within 10 s), {cost['n']} lean phones each, all "
        f"connected at the same time; server CPU over {cost['idle_seconds']:.0f} s of idle rooms (only pings "
        f"and pongs), then {report['rounds']} fan-out rounds taking turns (A B, B A, …), ms from send to arrival.",
        "",
        "| ping s | pings/s | idle server CPU % | fan-out p50 | fan-out p99 | max | missing |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in cost["rows"]:
        lines.append(
            f"| {row['ping']} | {row['pings_per_second']:.0f} | {row['idle_cpu_pct']:.1f} | {row['p50']:.1f} | "
            f"{row['p99']:.1f} | {row['max']:.1f} | {row['missing']} |"
        )
    section = "\n".join(lines) + "\n"
    print(section)
    write_section(path, PING_START, PING_END, f"{PING_START}\n{section.rstrip()}\n{PING_END}")


def write_load_section(path: Path, section: str) -> None:
    write_section(path, MARK_START, MARK_END, f"{MARK_START}\n{section.rstrip()}\n{MARK_END}")


def render(report: dict, args) -> str:
    lines = [
        "## Load: fan-out, join storm, late joiner, memory (bench/run.py)",
        "",
        f"Run: `.venv/bin/python bench/run.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        f"- machine: {report['machine']}",
        f"- date: {report['date']}",
        f"- {report['rounds']} broadcast rounds per room size (after {WARM_UP_ROUNDS} uncounted warm-up rounds, "
        f"{ROUND_GAP * 1000:.0f} ms apart, so each card lands in a quiet room); the bare server's room and the "
        "workshop's are connected at the same time and take turns round by round (A B, B A, …), so both "
        "figures come from the same minutes of this shared machine; clients are bench/clients.py's lean phones (Socket.IO over a bare aiohttp "
        f"websocket; python-socketio's client needed more CPU than the servers it measured) in worker processes of up to {PER_WORKER} asyncio clients on the same machine as the server, so every figure "
        "includes the clients' own CPU use on the same 2 cores.",
        "",
    ]
    for mode, data in report["modes"].items():
        lines += [
            f"### Fan-out, async mode `{mode}` (ms from send to arrival at each participant)",
            "",
            "| participants | bare p50 | bare p99 | bare max | workshop p50 | workshop p99 | workshop max "
            "| p50 ratio | p99 ratio | missing | phones that never got in | join p50 | join p99 | RSS KB/participant |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for n, bare, real in data["rows"]:
            lines.append(
                f"| {n} | {bare['p50']:.1f} | {bare['p99']:.1f} | {bare['max']:.1f} | {real['p50']:.1f} | "
                f"{real['p99']:.1f} | {real['max']:.1f} | {real['p50'] / max(bare['p50'], 0.01):.1f} | "
                f"{real['p99'] / max(bare['p99'], 0.01):.1f} | {real['missing']} | {real['gave_up']} | "
                f"{real['join_p50']:.0f} | "
                f"{real['join_p99']:.0f} | {real['rss_per_participant_kb']:.0f} |"
            )
        if data.get("storm"):
            st = data["storm"]
            lines += [
                "",
                f"Join storm ({mode}): {st['n']} phones, each at a random moment within {st['spread']:.0f} s, "
                "timed from the join request to the first snapshot (the bare server: connect only, "
                "the same storm just before):",
                "",
                "| phones | within s | bare p50 ms | bare p99 ms | workshop p50 ms | workshop p99 ms | workshop max ms "
                "| never got in |",
                "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
                f"| {st['n']} | {st['spread']:.0f} | {st['bare_50']:.0f} | {st['bare_99']:.0f} | "
                f"{st['workshop_50']:.0f} | {st['workshop_99']:.0f} | {st['workshop_max']:.0f} | {st['gave_up']} |",
            ]
        if data.get("memory"):
            mem, real, floor = data["memory"], data["memory"]["workshop"], data["memory"]["bare"]
            lines += [
                "",
                f"Memory ({mode}), fresh processes taking {mem['n'] // 2} phones and then {mem['n'] // 2} more "
                "(the workshop's joined to one session), server RSS per connected phone:",
                "",
                "| server | phones connected | RSS MB | KB per phone, second half (marginal) | KB per phone from idle |",
                "| --- | ---: | ---: | ---: | ---: |",
                f"| bare | {floor['connected']} | {floor['rss_mb']:.0f} | {floor['marginal']:.0f} | {floor['whole']:.0f} |",
                f"| workshop | {real['connected']} | {real['rss_mb']:.0f} | {real['marginal']:.0f} | {real['whole']:.0f} |",
            ]
        if data["late"]:
            late = data["late"]
            lines += [
                "",
                f"Late joiner ({mode}), session with {args.cards} cards: snapshot alone (built, sent, "
                f"decoded) p50 {late['snapshot_p50']:.0f} ms, max {late['snapshot_max']:.0f} ms; the whole way "
                f"in (join + connect + snapshot) p50 {late['p50']:.0f} ms, max {late['max']:.0f} ms; "
                f"snapshot {late['snapshot_kb']:.0f} KB of JSON.",
            ]
        lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
