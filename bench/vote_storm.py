"""Benchmark: a vote storm on one `workshop serve` process, on SQLite and on PostgreSQL.

    .venv/bin/python bench/vote_storm.py [--quick] [--phones 500] [--databases sqlite,postgresql]
                                         [--before REV] [--profile DIR]

Every phone taps `vote.add` 6 times (budget 5, so its 6th tap must be refused), each tap after
the previous ack: at random moments within 3 s (the issue's shape) and all at once (what one
process can take). Afterwards the database is asked what it stored: acknowledged = stored,
nobody over budget. With --before REV the same storms also run against the code of git
revision REV (a second server started from an exported copy of that tree), storm by storm in
turn with the current code, so both figures come from the same minutes of this shared machine.
--profile DIR writes a cProfile of each server covering the storms only (DIR/<server>-<db>.prof).
--sample DIR samples each server with py-spy during each storm instead (DIR/<server>-<db>-<storm>.txt:
the busy share of the functions that took most of the server's main thread; cProfile's own cost
and its confusion over greenlets make it say less about where the time goes).
Writes its section of BENCHMARKS.md (`votes`).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import clients  # noqa: E402
from report import write_section  # noqa: E402
from run import PASSWORD, BareServer, Room, Workshop, free_port, machine, pct, start  # noqa: E402

# Joins, not votes, are not measured here: 8 at a time instead of 16. On SQLite the pool holds
# 15 connections; 16 join requests each holding one while they wait for the op queue, whose
# worker then waits for a 16th, stalled a join storm until the pool's 30 s timeout (seen with
# the older code on this loaded machine; reported, not fixed here). Forked workers inherit it.
clients.CONNECT_CONCURRENCY = 8
PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TAPS, BUDGET = 6, 5
SHAPES = (("within 3 s", 3.0), ("at once", 0.0))
MARK_START, MARK_END = "<!-- votes:start -->", "<!-- votes:end -->"


def fresh_database(kind: str, name: str, tmp: Path) -> str:
    """A database of our own (never the tests' `test`), empty, migrated to head."""
    from workshop.migrate import upgrade

    if kind == "sqlite":
        url = f"sqlite:///{tmp / f'{name}.db'}"
    else:
        from sqlalchemy import create_engine, text

        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    upgrade(url)
    return url


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server(Workshop):
    """run.Workshop on a given database, optionally from another source tree and profiled."""

    def __init__(
        self, tmp: Path, label: str, db_url: str, source: Path | None, profile: Path | None, sample: Path | None = None
    ):
        from sqlalchemy.orm import sessionmaker

        from workshop.accounts.service import create_facilitator
        from workshop.db import make_engine

        self.label, self.db_url, self.profile, self.sample = label, db_url, profile, sample
        self.sessions = sessionmaker(bind=make_engine(db_url), expire_on_commit=False)
        self.email = f"votes-{label}@example.org"
        with self.sessions() as db:
            self.fid = create_facilitator(db, self.email, "Bench", PASSWORD).id
            db.commit()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            "DATABASE_URL": db_url,
            "SECRET_KEY": "bench-secret",
            "WORKSHOP_PORT": str(self.port),
            "WORKSHOP_HOST": "127.0.0.1",
            "SOCKETIO_ASYNC_MODE": "eventlet",
            "WORKSHOP_RATE_LIMITS": "off",
            "PUBLIC_BASE_URL": self.url,
        }
        if source is not None:  # the older code: its package first, not the current directory's
            env |= {"PYTHONPATH": str(source), "PYTHONSAFEPATH": "1"}
        cmd = [sys.executable, "-m", "workshop.cli", "serve"]
        if profile is not None:  # (PYTHONSAFEPATH: bench/'s own modules must not shadow the server's imports)
            env["PYTHONSAFEPATH"] = "1"
            cmd = [sys.executable, str(ROOT / "bench" / "profiled_server.py"), str(profile)]
        logs = Path(tempfile.gettempdir()) / "workshop-vote-storm-logs"  # kept after the run
        logs.mkdir(exist_ok=True)
        self.process = start(cmd, env, self.port, logs / f"server-{label}.log")
        self.cookies = self._login()

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def profiling(self, on: bool) -> None:
        if self.profile is not None:
            self.process.send_signal(signal.SIGUSR1 if on else signal.SIGUSR2)

    def sampling(self, storm_name: str):
        """profiling(on) for one storm: cProfile (--profile) and/or py-spy (--sample)."""
        if self.sample is None:
            return self.profiling
        out = self.sample.with_name(f"{self.sample.name}-{storm_name}")
        spy: list[subprocess.Popen] = []

        def switch(on: bool) -> None:
            self.profiling(on)
            if on:
                cmd = [str(Path(sys.executable).with_name("py-spy")), "record", "-p", str(self.process.pid)]
                cmd += ["-r", "100", "--nonblocking", "-f", "raw", "-o", f"{out}.raw"]  # not pausing the server
                spy.append(subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            elif spy:
                spy[0].send_signal(signal.SIGINT)
                spy[0].wait(timeout=60)
                Path(f"{out}.txt").write_text(busy_shares(Path(f"{out}.raw")))

        return switch


def vote_session(server: Server) -> tuple[int, str, list[int]]:
    """A started session in its vote step, 6 question cards to vote on."""
    sid, code = server.new_session()
    fac = server.facilitator(sid)
    try:
        assert fac.call("op", {"type": "session.start"}, timeout=60)["ok"]
        assert fac.call("op", {"type": "step.goto", "payload": {"step_key": "questions"}}, timeout=60)["ok"]
        ids = []
        for i in range(TAPS):
            ack = fac.call("op", {"type": "card.add", "payload": {"step_key": "questions", "text": f"Frage {i}"}})
            ids.append(ack["result"]["card_id"])
        assert fac.call("op", {"type": "step.goto", "payload": {"step_key": "vote"}}, timeout=60)["ok"]
    finally:
        fac.disconnect()
    return sid, code, ids


def storm(server: Server, phones: int, spread: float) -> dict:
    """One storm in a fresh session (budgets are per step): its figures, checked against the database."""
    from sqlalchemy import func, select

    from workshop.activities.models import Vote

    sid, code, ids = vote_session(server)
    # lean phones (clients.LeanPhone): python-socketio's client used more CPU than the server it measured
    room = Room({"kind": "workshop", "url": server.url, "session_id": sid, "code": code, "lean": True}, phones)
    sampling = server.sampling(f"{'at-once' if spread == 0 else 'within'}")
    results, cpu, clients_cpu = timed_votes(room, server.process.pid, ids, spread, sampling)
    with server.sessions() as db:
        stored = db.scalar(select(func.coalesce(func.sum(Vote.count), 0)).where(Vote.session_id == sid))
        over = db.execute(
            select(Vote.participant_id)
            .where(Vote.session_id == sid)
            .group_by(Vote.participant_id)
            .having(func.sum(Vote.count) > BUDGET)
        ).all()
    return figures(results, cpu, clients_cpu, spread, stored, len(over))


def bare_storm(bare: BareServer, phones: int, spread: float) -> dict:
    """The same storm on bench/bare_server.py (votes counted in memory, batched broadcasts like
    the workshop's, no database): the floor, in the same minutes. Fresh phones, fresh budgets."""
    room = Room({"kind": "bare", "url": bare.url, "lean": True}, phones)
    results, cpu, clients_cpu = timed_votes(room, bare.process.pid, list(range(1, TAPS + 1)), spread)
    acked = sum(ok for ok, *_ in results)
    return figures(results, cpu, clients_cpu, spread, stored=None, over=0) | {"stored": f"({acked} in memory)"}


def timed_votes(room: Room, pid: int, ids: list[int], spread: float, profiling=lambda _on: None):
    """The room's phones tap; their results, and the CPU seconds the server and the phones used meanwhile."""
    try:
        cpu = cpu_seconds(pid)
        clients_cpu = sum(cpu_seconds(proc.pid) for proc in room.procs)
        profiling(True)
        results = room.vote(ids, TAPS, spread)  # (ok, ack latency, code, s from start to this ack)
        profiling(False)
        cpu = cpu_seconds(pid) - cpu
        clients_cpu = sum(cpu_seconds(proc.pid) for proc in room.procs) - clients_cpu
    finally:
        room.stop()
    return results, cpu, clients_cpu


def figures(results: list, cpu: float, clients_cpu: float, spread: float, stored, over: int) -> dict:
    last_ack = max(done for *_x, done in results)  # s from the agreed start
    refused = [c for ok, _l, c, _d in results if not ok]
    latencies = [lat for _ok, lat, _c, _d in results]
    return {
        "taps": len(results),
        "acked": sum(ok for ok, *_ in results),
        "stored": stored,
        "over_budget": over,
        "refused": len(refused),
        "refused_codes": sorted(set(refused)),
        "p50": pct(latencies, 50),
        "p99": pct(latencies, 99),
        "max": max(latencies) * 1000,
        "after_window": last_ack - spread,
        "ops_per_second": len(results) / last_ack,
        "cpu_ms_per_op": cpu * 1000 / len(results),
        "server_cpu_share": cpu / last_ack,  # of one core, over the storm
        "clients_cpu_share": clients_cpu / last_ack,
    }


def busy_shares(raw: Path, top: int = 60) -> str:
    """py-spy's raw stacks of the main thread, as each function's share of the busy samples
    (idle = the event loop waiting in epoll); the threads of the tpool are left out."""
    import collections
    import re

    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    busy = idle = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or "tworker" in stack or not count.isdigit():  # (a line py-spy cut off when stopped)
            continue
        frames = [re.sub(r" \((?:.*/)?([^/]+?):\d+\)$", r" (\1)", f) for f in stack.split(";")]
        if frames[-1].startswith("do_poll") or frames[-1].startswith("poll ("):
            idle += int(count)
            continue
        busy += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    lines = [f"busy samples {busy}, idle {idle}", "", "inclusive:"]
    lines += [f"{n * 100 / max(busy, 1):5.1f}% {name}" for name, n in inclusive.most_common(top)]
    lines += ["", "own:"] + [f"{n * 100 / max(busy, 1):5.1f}% {name}" for name, n in own.most_common(top // 2)]
    return "\n".join(lines) + "\n"


def export_tree(rev: str, tmp: Path) -> Path:
    """The tree of revision rev, exported (not a worktree), to start the older server from."""
    target = tmp / "before"
    target.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="100 phones, SQLite only")
    parser.add_argument("--phones", type=int, help="phones per storm (default 500)")
    parser.add_argument("--databases", help="sqlite,postgresql (default both)")
    parser.add_argument("--before", metavar="REV", help="also run the code of this git revision, in turn")
    parser.add_argument("--profile", metavar="DIR", help="cProfile each server during the storms")
    parser.add_argument("--sample", metavar="DIR", help="py-spy each server during each storm")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    phones = args.phones or (100 if args.quick else 500)
    databases = (args.databases or ("sqlite" if args.quick else "sqlite,postgresql")).split(",")
    report = {"machine": machine(), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "rows": []}
    with tempfile.TemporaryDirectory(prefix="workshop-votes-") as tmpdir:
        tmp = Path(tmpdir)
        codes = [("now", None)]
        if args.before:
            codes.insert(0, (args.before, export_tree(args.before, tmp)))
        for kind in databases:
            servers, bare = [], None
            try:
                for label, source in codes:
                    name = f"bench_votes_{'before' if source else 'now'}"
                    profile = (
                        Path(args.profile) / f"{'before' if source else 'now'}-{kind}.prof" if args.profile else None
                    )
                    if profile:
                        profile.parent.mkdir(parents=True, exist_ok=True)
                    sample = None
                    if args.sample:
                        sample = Path(args.sample) / f"{'before' if source else 'now'}-{kind}"
                        sample.parent.mkdir(parents=True, exist_ok=True)
                    database = fresh_database(kind, name, tmp)
                    servers.append((label, Server(tmp, f"{name}-{kind}", database, source, profile, sample)))
                bare = BareServer(tmp, "eventlet")
                for turn, (shape, spread) in enumerate(SHAPES):
                    for label, server in servers if turn % 2 == 0 else servers[::-1]:
                        got = storm(server, phones, spread)
                        report["rows"].append((kind, shape, label, got))
                        print(f"[{kind}] {shape} {label}: {got}", flush=True)
                    got = bare_storm(bare, phones, spread)
                    report["rows"].append((kind, shape, "bare server", got))
                    print(f"[{kind}] {shape} bare server: {got}", flush=True)
            finally:
                if bare is not None:
                    bare.stop()
                for _label, server in servers:
                    if server.profile is not None:
                        server.profiling(False)
                        time.sleep(1)  # the profile is written by the server's signal handler
                    server.stop()
    section = render(report, phones, args)
    print(section)
    write_section(Path(args.output), MARK_START, MARK_END, f"{MARK_START}\n{section.rstrip()}\n{MARK_END}")


def render(report: dict, phones: int, args) -> str:
    lines = [
        "## Vote storm on one process (bench/vote_storm.py)",
        "",
        f"Run: `.venv/bin/python bench/vote_storm.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        f"- machine: {report['machine']}",
        f"- date: {report['date']}",
        f"- {phones} phones (bench/clients.py's LeanPhone: Socket.IO over a bare aiohttp websocket, on the same machine) each tap `vote.add` "
        f"{TAPS} times with a budget of {BUDGET}, each tap after the previous ack; a fresh session per storm. "
        "`within 3 s`: taps at random moments of 3 s (offered load ≤ 1,000/s, so ops/s cannot exceed that); "
        "`at once`: every phone taps as fast as its acks come (what one process can take). "
        "Last ack after the taps' window: seconds from the end of the 3 s (or from the start, at once) to the last ack; "
        "ops/s = taps / seconds from the start to the last ack; server CPU = the server process's user + system time "
        "during the storm per tap; server / phones CPU: the cores the server process and the phones' worker "
        "processes kept busy on average during the storm (the machine has 2, shared with other work). "
        "`bare server`: the same phones and taps on bench/bare_server.py in the same minutes (votes counted in "
        "memory, events batched and acks sent after them as the workshop does, no database): the floor of the stack "
        "on this machine at this moment.",
        "",
        "| database | taps | code | acknowledged | stored | over budget | refused (6th taps) | ack p50 ms "
        "| ack p99 ms | last ack after the taps' window s | ops/s | server CPU ms/op | server / phones CPU, cores |",
        "| --- | --- | --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, shape, label, f in report["rows"]:
        refused = f"{f['refused']} {', '.join(f['refused_codes'])}".strip()
        lines.append(
            f"| {kind} | {shape} | {label} | {f['acked']} | {f['stored']} | {f['over_budget']} | {refused} | "
            f"{f['p50']:.0f} | {f['p99']:.0f} | {f['after_window']:.2f} | {f['ops_per_second']:.0f} | "
            f"{f['cpu_ms_per_op']:.2f} | {f.get('server_cpu_share', 0):.2f} / {f.get('clients_cpu_share', 0):.2f} |"
        )
    ratios = []
    for kind, shape, label, f in report["rows"]:
        floor = next((b for k, sh, lb, b in report["rows"] if (k, sh, lb) == (kind, shape, "bare server")), None)
        if floor and label != "bare server":
            ratios.append(
                f"{kind} {shape} ({label}): {f['ops_per_second'] / floor['ops_per_second']:.2f}× the bare server's "
                f"ops/s, ack p99 {f['p99'] / floor['p99']:.2f}×"
            )
    if ratios:
        lines += ["", "Against the bare server in the same run: " + "; ".join(ratios) + "."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
