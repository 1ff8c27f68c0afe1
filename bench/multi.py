"""Several processes: one session of N participants spread over 1, 2 and 4 `workshop serve`
processes behind nginx (deploy/nginx/workshop.conf as shipped: ip_hash), Redis as the
Socket.IO message queue, PostgreSQL (a database of its own, `workshop_bench_multi`).

    .venv/bin/python bench/multi.py [--quick] [--participants 2000] [--procs 1,2,4]

Each phone connects from a loopback address of its own (127.x.y.1, a /24 each), so ip_hash
spreads the room as it would spread a city's phones. Per process count: the join storm, then
broadcast rounds (the facilitator adds or deletes a card; every phone must get every event,
gapless), then a vote storm of a share of the room (stored = acknowledged, nobody over budget),
and the CPU each part of the system spent. Writes its section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import redis
import requests
import socketio
from sqlalchemy import create_engine, delete, func, select, text
from sqlalchemy.orm import sessionmaker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report import write_section  # noqa: E402
from run import PASSWORD, ROUND_GAP, WARM_UP_ROUNDS, Room, free_port, latencies, machine, pct, rss_mb, start  # noqa: E402

ADMIN_URL = os.environ.get("WORKSHOP_BENCH_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DB_NAME = "workshop_bench_multi"  # not `test`: the other test runs on this machine stay undisturbed
REDIS_URL = os.environ.get("WORKSHOP_BENCH_REDIS", "redis://127.0.0.1:6379/0")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE_CONF = ROOT / "deploy" / "nginx" / "workshop.conf"
MARK_START, MARK_END = "<!-- multi:start -->", "<!-- multi:end -->"
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """user + system CPU time of a process (and its waited-for children) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / TICK


def open_sockets(pid: int) -> int:
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            pass
    return count


def fresh_database(name: str = DB_NAME) -> str:
    """An empty PostgreSQL database of the benchmark's own (bench/drafting.py uses another name)."""
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_database(name: str = DB_NAME) -> None:
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Cluster:
    """n `workshop serve` processes on one database and one Redis channel, nginx in front."""

    def __init__(self, tmp: Path, n: int, mode: str):
        from workshop.accounts.service import create_facilitator
        from workshop.db import make_engine
        from workshop.migrate import upgrade

        self.tmp = tmp / f"procs-{n}"
        self.tmp.mkdir()
        self.db_url = fresh_database()
        upgrade(self.db_url)
        self.engine = make_engine(self.db_url)
        self.sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        with self.sessions() as db:
            self.fid = create_facilitator(db, "bench@example.org", "Bench", PASSWORD).id
            db.commit()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.channel = f"workshop-bench-{uuid.uuid4().hex}"
        env = {
            "DATABASE_URL": self.db_url,
            "SECRET_KEY": "bench-secret-" + "x" * 32,
            "WORKSHOP_HOST": "127.0.0.1",
            "SOCKETIO_ASYNC_MODE": mode,
            "SOCKETIO_MESSAGE_QUEUE": REDIS_URL,
            "SOCKETIO_CHANNEL": self.channel,
            "WORKSHOP_PROXY_FIX": "1",
            "WORKSHOP_RATE_LIMITS": "off",
            "PUBLIC_BASE_URL": self.url,
            # PostgreSQL's default max_connections is 100: n processes share it (docs/deployment.md).
            "WORKSHOP_DB_POOL_SIZE": str(max(2, 60 // (3 * n))),
            "WORKSHOP_DB_MAX_OVERFLOW": str(max(1, 2 * 60 // (3 * n))),
        }
        self.processes: list[subprocess.Popen] = []
        backends = []
        for i in range(n):  # one after the other: each `serve` migrates at start
            port = free_port()
            self.processes.append(
                start(
                    [sys.executable, "-m", "workshop.cli", "serve"],
                    {**env, "WORKSHOP_PORT": str(port)},
                    port,
                    self.tmp / f"workshop-{i}.log",
                )
            )
            backends.append(f"127.0.0.1:{port}")
        self.nginx = self._nginx(backends)
        self.cookies = self._login()

    def _nginx(self, backends: list[str]) -> subprocess.Popen:
        """The shipped site config; only ports, and the per-address connection limit (the whole
        load generator is one machine), differ."""
        site = SITE_CONF.read_text()
        parameters = re.search(r"    server 127\.0\.0\.1:\d+([^;]*);\n", site)  # max_fails, fail_timeout
        assert parameters, "deploy/nginx/workshop.conf changed: adapt bench/multi.py"
        servers = "".join(f"    server {backend}{parameters.group(1)};\n" for backend in backends)
        site, replaced = re.subn(r"(    server 127\.0\.0\.1:\d+[^;]*;\n)+", servers, site)
        assert replaced == 1 and "ip_hash;" in site, "deploy/nginx/workshop.conf changed: adapt bench/multi.py"
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.port};")
        conf_dir = self.tmp / "nginx"
        conf_dir.mkdir()
        (conf_dir / "workshop.conf").write_text(site)
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (conf_dir / temp).mkdir()
        main = conf_dir / "nginx.conf"
        main.write_text(f"""daemon off;
worker_processes 1;
worker_rlimit_nofile 20000;
pid {conf_dir}/nginx.pid;
error_log {conf_dir}/error.log warn;
events {{ worker_connections 10000; }}
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
        cmd = [NGINX, "-p", str(conf_dir), "-c", str(main), "-e", str(conf_dir / "error.log")]
        return start(cmd, {}, self.port, conf_dir / "stderr.log")

    def _login(self) -> str:
        http = requests.Session()
        token = re.search(r'name="csrf_token" value="([^"]+)"', http.get(f"{self.url}/login").text).group(1)
        http.post(f"{self.url}/login", data={"csrf_token": token, "email": "bench@example.org", "password": PASSWORD})
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

    def cpu(self) -> dict:
        info = redis.Redis.from_url(REDIS_URL).info("cpu")
        return {
            "workshop": [cpu_seconds(p.pid) for p in self.processes],
            "nginx": sum(cpu_seconds(int(pid)) for pid in _children(self.nginx.pid)) + cpu_seconds(self.nginx.pid),
            "redis": info["used_cpu_user"] + info["used_cpu_sys"],
        }

    def stop(self) -> None:
        self.nginx.terminate()
        self.nginx.wait(timeout=15)
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=30)
        self.engine.dispose()
        drop_database()


def _children(pid: int) -> list[str]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return path.read_text().split() if path.exists() else []


def spent(before: dict, after: dict) -> dict:
    return {
        "workshop": [b - a for a, b in zip(before["workshop"], after["workshop"], strict=True)],
        "nginx": after["nginx"] - before["nginx"],
        "redis": after["redis"] - before["redis"],
    }


def measure(tmp: Path, procs: int, n: int, rounds: int, voters_every: int, mode: str, join_spread: float) -> dict:
    cluster = Cluster(tmp, procs, mode)
    try:
        sid, code = cluster.new_session()
        fac = cluster.facilitator(sid)
        base_sockets = [open_sockets(p.pid) for p in cluster.processes]
        joined_at = time.perf_counter()
        conf = {"kind": "workshop", "url": cluster.url, "session_id": sid, "code": code, "first_client": 0}
        if join_spread:  # phones arrive over join_spread s, as people at an evening do
            conf |= {"join_spread": join_spread, "join_start": time.time() + 5}
        room = Room(conf, n)
        out: dict = {
            "procs": procs,
            "n": n,
            "join_seconds": time.perf_counter() - joined_at,
            "join_p50": pct(room.join_times, 50),
            "join_p99": pct(room.join_times, 99),
            "join_errors": len([e for e in room.join_errors if e]),
            "gave_up": room.gave_up,
            "per_process": [open_sockets(p.pid) - b for p, b in zip(cluster.processes, base_sockets, strict=True)],
            "rss_mb": [rss_mb(p.pid) for p in cluster.processes],
        }
        room.count_from(fac.call("op", {"type": "session.start"}, timeout=60)["seq"] + 1)
        cards: list[int] = []

        def send(r):
            at = time.time()
            if r % 2 == 0:
                ack = fac.call(
                    "op", {"type": "card.add", "payload": {"step_key": "approaches", "text": f"Karte {r}"}}, timeout=60
                )
                cards.append(ack["result"]["card_id"])
            else:
                ack = fac.call("op", {"type": "card.delete", "payload": {"card_id": cards.pop()}}, timeout=60)
            assert ack["ok"], ack
            return ack["seq"], at

        sent: dict[int, float] = {}
        cpu_before, wall = cluster.cpu(), time.perf_counter()
        for r in range(WARM_UP_ROUNDS + rounds):
            seq, at = room.round(send, r)
            if r >= WARM_UP_ROUNDS:
                sent[seq] = at
            time.sleep(ROUND_GAP)
        out["round_cpu"] = spent(cpu_before, cluster.cpu())
        out["round_wall"] = time.perf_counter() - wall
        out["round_count"] = WARM_UP_ROUNDS + rounds
        out["storm"] = vote_storm(cluster, fac, room, sid, voters_every)
        # One last event after the storm; each phone's events arrive in order on its one
        # connection, so once every phone has this one, whatever it lacks is lost, not late.
        room.count_from(fac.call("sync", {}, timeout=60)["snapshot"]["seq"] + 1)
        counted = room.counter.value
        final = fac.call("op", {"type": "step.goto", "payload": {"step_key": "questions"}}, timeout=60)
        assert final["ok"], final
        final_seq = final["seq"]
        deadline = time.monotonic() + 60
        while room.counter.value < counted + room.n and time.monotonic() < deadline:
            time.sleep(0.01)
        arrivals = room.stop()
        out.update(latencies(sent, arrivals, room.n))
        gaps = room.extra
        out["clients_checked"] = len(gaps)
        out["clients_short"] = sum(1 for _snap, top, holes, _d in gaps if top != final_seq or holes)
        out["holes"] = sum(h for _s, _t, h, _d in gaps)
        out["duplicates"] = sum(d for *_rest, d in gaps)
        out["final_seq"] = final_seq
        fac.disconnect()
        return out
    finally:
        cluster.stop()


def vote_storm(cluster: Cluster, fac: socketio.Client, room: Room, sid: int, every: int) -> dict:
    """Every `every`-th phone taps vote.add 6 times within 10 s (budget 5: the 6th is refused),
    through whichever process nginx gave it; then stored is compared with acknowledged."""
    from workshop.activities.models import Vote

    assert fac.call("op", {"type": "step.goto", "payload": {"step_key": "questions"}}, timeout=60)["ok"]
    ids = [
        fac.call("op", {"type": "card.add", "payload": {"step_key": "questions", "text": f"Frage {i}"}}, timeout=60)[
            "result"
        ]["card_id"]
        for i in range(6)
    ]
    assert fac.call("op", {"type": "step.goto", "payload": {"step_key": "vote"}}, timeout=60)["ok"]
    cpu_before = cluster.cpu()
    results = room.vote(ids, 6, 10.0, every)
    cpu = spent(cpu_before, cluster.cpu())
    with cluster.sessions() as db:
        stored = db.scalar(select(func.coalesce(func.sum(Vote.count), 0)).where(Vote.session_id == sid))
        over = db.execute(
            select(Vote.participant_id)
            .where(Vote.session_id == sid)
            .group_by(Vote.participant_id)
            .having(func.sum(Vote.count) > 5)
        ).all()
        db.execute(delete(Vote).where(Vote.session_id == sid))
        db.commit()
    acks = [lat for _ok, lat, _c, _d in results]
    elapsed = max(done for *_rest, done in results)
    return {
        "voters": len(results) // 6,
        "taps": len(results),
        "acked": sum(ok for ok, *_ in results),
        "stored": stored,
        "over_budget": len(over),
        "refused": sorted({code for ok, _l, code, _d in results if not ok}),
        "p50": pct(acks, 50),
        "p99": pct(acks, 99),
        "seconds": elapsed,
        "ops_per_second": len(results) / elapsed,
        "cpu": cpu,
    }


def render(report: dict, argv: list[str]) -> str:
    lines = [
        "## Several processes: nginx, Redis, PostgreSQL (bench/multi.py)",
        "",
        f"Run: `.venv/bin/python bench/multi.py {' '.join(argv)}`".rstrip(),
        "",
        f"- machine: {report['machine']}",
        f"- date: {report['date']}",
        f"- async mode `{report['mode']}`; nginx (1 worker) with deploy/nginx/workshop.conf as shipped (ip_hash), "
        "Redis message queue, PostgreSQL; every phone connects from a loopback address of its own, so "
        "ip_hash spreads them; phones are bench/clients.py's lean phones (Socket.IO over a bare aiohttp "
        "websocket, every event's seq recorded; they do not reconnect). Everything — processes, nginx, Redis, "
        "PostgreSQL and the client processes — shares the same 2 cores.",
        f"- per row: the phones join at random moments within {report['join_spread']:g} s (join = request "
        "to first snapshot), "
        f"{report['rounds']} broadcast rounds ({ROUND_GAP * 1000:.0f} ms apart, after "
        f"{WARM_UP_ROUNDS} warm-up rounds), then a vote storm: every {report['every']}th phone taps "
        "`vote.add` 6 times within 10 s (budget 5).",
        "",
        "| processes | phones | sockets per process | join p50 ms | join p99 ms | join errors (retried) / phones that gave up | fan-out p50 ms | fan-out p99 ms "
        "| max ms | missing | phones with a gap | duplicates | server CPU ms per round | nginx | Redis |",
        "| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report["rows"]:
        rounds = row["round_count"]
        cpu = row["round_cpu"]
        lines.append(
            f"| {row['procs']} | {row['n']} | {' / '.join(str(c) for c in row['per_process'])} | "
            f"{row['join_p50']:.0f} | {row['join_p99']:.0f} | {row['join_errors']} / {row['gave_up']} | {row['p50']:.0f} | {row['p99']:.0f} | {row['max']:.0f} | "
            f"{row['missing']} | {row['clients_short']} | {row['duplicates']} | "
            f"{' + '.join(f'{c * 1000 / rounds:.0f}' for c in cpu['workshop'])} | "
            f"{cpu['nginx'] * 1000 / rounds:.0f} | {cpu['redis'] * 1000 / rounds:.0f} |"
        )
    lines += [
        "",
        "Gapless: every phone's events after its snapshot, up to the session's last seq "
        "(after the vote storm too), without a hole: "
        + ", ".join(
            f"{row['procs']} process{'es' if row['procs'] > 1 else ''}: {row['clients_checked'] - row['clients_short']}"
            f"/{row['clients_checked']} complete, {row['holes']} holes"
            for row in report["rows"]
        )
        + ".",
        "",
        "Vote storm across the processes:",
        "",
        "| processes | voters | taps | acknowledged | stored | over budget | refused | ack p50 ms | ack p99 ms "
        "| last ack after s | ops/s | server CPU s |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in report["rows"]:
        st = row["storm"]
        lines.append(
            f"| {row['procs']} | {st['voters']} | {st['taps']} | {st['acked']} | {st['stored']} | {st['over_budget']} | "
            f"{', '.join(st['refused'])} | {st['p50']:.0f} | {st['p99']:.0f} | {st['seconds']:.1f} | "
            f"{st['ops_per_second']:.0f} | {' + '.join(f'{c:.1f}' for c in st['cpu']['workshop'])} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="400 phones on 1 and 2 processes, 10 rounds")
    parser.add_argument("--participants", type=int, help="phones in the one session (default 2000)")
    parser.add_argument("--procs", help="process counts (default 1,2,4)")
    parser.add_argument("--rounds", type=int, help="broadcast rounds per process count (default 30)")
    parser.add_argument("--voters-every", type=int, default=5, help="every n-th phone votes (default 5)")
    parser.add_argument(
        "--join-spread", type=float, default=30.0, help="s the phones' arrivals are spread over (0: all at once)"
    )
    parser.add_argument("--mode", default="eventlet", help="async mode of the processes")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    n = args.participants or (400 if args.quick else 2000)
    procs = [int(p) for p in (args.procs or ("1,2" if args.quick else "1,2,4")).split(",")]
    rounds = args.rounds or (10 if args.quick else 30)
    report = {
        "machine": machine(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "mode": args.mode,
        "rounds": rounds,
        "every": args.voters_every,
        "join_spread": args.join_spread,
        "rows": [],
    }
    tmpdir = tempfile.mkdtemp(prefix="workshop-multi-")
    print(f"server and nginx logs: {tmpdir} (removed after a run without failure)", flush=True)
    for count in procs:
        row = measure(Path(tmpdir), count, n, rounds, args.voters_every, args.mode, args.join_spread)
        report["rows"].append(row)
        print({k: v for k, v in row.items()}, flush=True)
    shutil.rmtree(tmpdir)
    section = render(report, sys.argv[1:])
    print(section)
    write_section(Path(args.output), MARK_START, MARK_END, f"{MARK_START}\n{section.rstrip()}\n{MARK_END}")


if __name__ == "__main__":
    main()
