"""Benchmark: a join storm on one `workshop serve` process on PostgreSQL, as production runs it.

    .venv/bin/python bench/join_storm.py [--quick] [--phones 1000,2000] [--spread 30] [--before REV]

Each phone joins at a random moment of the spread (POST /api/join, then its socket and its first
snapshot: what a person waits for after scanning the QR code), timed from the request to the
snapshot. With --before REV the same storms also run against the code of git revision REV, storm
by storm in turn with the current code, so both figures come from the same minutes of this
shared machine. bench/run.py's join storm is the same on SQLite with the bare server beside it.
Writes its section of BENCHMARKS.md (`joins`).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from report import write_section  # noqa: E402
from run import Room, machine, pct  # noqa: E402
from vote_storm import Server, cpu_seconds, export_tree, fresh_database  # noqa: E402

MARK_START, MARK_END = "<!-- joins:start -->", "<!-- joins:end -->"
# Every phone of the load generator comes from 127.0.0.1; under the default cap of 1,000 open
# connections per address the 2,000-phone storm measured the cap, not the server.
os.environ["WORKSHOP_MAX_CONNECTIONS_PER_ADDRESS"] = "100000"


def join_storm(server: Server, phones: int, spread: float) -> dict:
    """One storm into a fresh, started session: join times and the server's CPU meanwhile."""
    sid, code = server.new_session()
    fac = server.facilitator(sid)
    try:
        assert fac.call("op", {"type": "session.start"}, timeout=60)["ok"]
        cpu = cpu_seconds(server.process.pid)
        conf = {"kind": "workshop", "url": server.url, "session_id": sid, "code": code, "lean": True}
        room = Room({**conf, "join_spread": spread, "join_start": time.time() + 5}, phones)
        cpu = cpu_seconds(server.process.pid) - cpu
        times, gave_up = room.join_times, room.gave_up
        room.stop()
    finally:
        fac.disconnect()
    return {
        "phones": phones,
        "joined": len(times),
        "gave_up": gave_up,
        "p50": pct(times, 50),
        "p99": pct(times, 99),
        "max": max(times) * 1000 if times else float("nan"),
        "cpu_ms_per_join": cpu * 1000 / phones,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 phones within 10 s")
    parser.add_argument("--phones", help="comma-separated storm sizes (default 1000,2000)")
    parser.add_argument("--spread", type=float, help="seconds the arrivals are spread over (default 30)")
    parser.add_argument("--before", metavar="REV", help="also run the code of this git revision, in turn")
    parser.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    args.phones = args.phones or ("200" if args.quick else "1000,2000")
    args.spread = args.spread or (10.0 if args.quick else 30.0)
    report = {"machine": machine(), "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "rows": []}
    with tempfile.TemporaryDirectory(prefix="workshop-joins-") as tmpdir:
        tmp = Path(tmpdir)
        codes: list[tuple[str, Path | None]] = [("now", None)]
        if args.before:
            codes.insert(0, (args.before, export_tree(args.before, tmp)))
        servers = []
        try:
            for label, source in codes:
                name = f"bench_joins_{'before' if source else 'now'}"
                database = fresh_database("postgresql", name, tmp)
                servers.append((label, Server(tmp, name, database, source, None)))
            for turn, phones in enumerate(int(n) for n in args.phones.split(",")):
                for label, server in servers if turn % 2 == 0 else servers[::-1]:
                    got = join_storm(server, phones, args.spread)
                    report["rows"].append((label, got))
                    print(f"{label}: {got}", flush=True)
        finally:
            for _label, server in servers:
                server.stop()
    section = render(report, args)
    print(section)
    write_section(Path(args.output), MARK_START, MARK_END, f"{MARK_START}\n{section.rstrip()}\n{MARK_END}")


def render(report: dict, args) -> str:
    lines = [
        "## Join storm on PostgreSQL, one process (bench/join_storm.py)",
        "",
        f"Run: `.venv/bin/python bench/join_storm.py {' '.join(sys.argv[1:])}`".rstrip(),
        "",
        f"- machine: {report['machine']}",
        f"- date: {report['date']}",
        f"- phones (bench/clients.py's LeanPhone) join at random moments of {args.spread:g} s: POST /api/join, "
        "then the socket, timed to the first snapshot; a fresh started session per storm, `workshop serve` on "
        "PostgreSQL. Server CPU: the process's user + system time during the storm, per phone. "
        + (
            f"`{args.before}`: the same storms on that revision's code, in turn in the same minutes."
            if args.before
            else ""
        ),
        "",
        "| code | phones | joined | gave up | join p50 ms | join p99 ms | max ms | server CPU ms per join |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, row in report["rows"]:
        lines.append(
            f"| {label} | {row['phones']} | {row['joined']} | {row['gave_up']} | {row['p50']:.0f} | {row['p99']:.0f} | "
            f"{row['max']:.0f} | {row['cpu_ms_per_join']:.1f} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
