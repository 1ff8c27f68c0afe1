"""Issue 34: one hung process (SIGSTOP: a long GC pause, a swapped-out VM, a stuck system call)
must not stop the evening. systemd's watchdog is emulated by tests/watchdog_supervisor.py over
the real sd_notify protocol (NOTIFY_SOCKET, WATCHDOG_USEC), as deploy/systemd/workshop@.service
asks for it."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, text
from sqlalchemy.orm import sessionmaker

from tests.conftest import Server, _free_port
from tests.live_client import LiveClient, cookie_header, join
from tests.test_reverse_proxy import nginx_binary, nginx_config  # noqa: F401  (a fixture)
from tests.watchdog_supervisor import Supervisor
from workshop.activities.models import Card
from workshop.config import load_config
from workshop.db import make_engine
from workshop.live.models import Event
from workshop.migrate import upgrade
from workshop.sessions.models import WorkshopSession

WATCHDOG = 5.0  # s: WatchdogSec in deploy/systemd/workshop@.service
DEFAULTS = load_config({"SECRET_KEY": "test-secret"})
LOCK_TIMEOUT = DEFAULTS["DB_LOCK_TIMEOUT"]


def _env(database_url: str, port: int, extra: dict | None = None) -> dict:
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret",
        "WORKSHOP_HOST": "127.0.0.1",
        "WORKSHOP_PORT": str(port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        **(extra or {}),
    }


def _server(base_url: str, database_url: str, supervisor: Supervisor, engine) -> Server:
    """The conftest helpers (accounts, measures, sessions) for a supervised process."""
    return Server(
        base_url,
        database_url,
        supervisor.current.process,
        sessionmaker(bind=engine, expire_on_commit=False),
        supervisor.log_path,
    )


def test_the_loop_beats_for_systemd_and_a_stopped_process_is_restarted(tmp_path):
    """READY=1 once the loop runs, WATCHDOG=1 while it ticks, /healthz while it answers; SIGSTOP
    silences the heartbeat, the watchdog ends the process (its traceback in the log says where
    it was) and starts it again, and a phone is back with a fresh snapshot."""
    url = f"sqlite:///{tmp_path / 'workshop.db'}"
    upgrade(url)
    port = _free_port()
    engine = make_engine(url)
    supervisor = Supervisor(_env(url, port), tmp_path / "server.log", watchdog=2.0, restart_delay=0.2)
    try:
        first = supervisor.wait_ready()
        supervisor.wait_for(lambda s: s.current.beats >= 2, "beat twice")
        base = f"http://127.0.0.1:{port}"
        health = requests.get(f"{base}/healthz", timeout=5)
        assert health.status_code == 200 and health.json()["ok"] is True, health.text
        server = _server(base, url, supervisor, engine)
        fid = server.facilitator()
        sid, code = server.session(fid, server.measure())
        phone = LiveClient(base, sid, "participant", token=join(base, code)["token"], reconnection=True)

        os.kill(first.process.pid, signal.SIGSTOP)
        with pytest.raises(requests.Timeout):  # a hung process does not answer its health check
            requests.get(f"{base}/healthz", timeout=1)
        second = supervisor.wait_ready(lives=2, timeout=30)
        assert first.killed is not None and first.process.returncode == -signal.SIGABRT
        assert "Fatal Python error: Aborted" in supervisor.log()  # faulthandler: where it hung
        assert second.process.pid != first.process.pid
        phone.wait_for(lambda c: len(c.snapshots) >= 2, "a snapshot after the restart", timeout=20)
        assert requests.get(f"{base}/healthz", timeout=5).status_code == 200
        phone.close()
    finally:
        supervisor.stop()
        engine.dispose()


# --- two processes on PostgreSQL + Redis behind nginx --------------------------------------------------


def _established(port: int) -> int:
    """TCP connections established to a local port (nginx's upstream connections to a process)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


class Writer(threading.Thread):
    """A phone adding a card every `pause` seconds, like the browser: an op without an answer or
    answered saving_paused is sent again with its op_id until it is acknowledged."""

    def __init__(self, client: LiveClient, name: str, pause: float = 0.2):
        super().__init__(daemon=True)
        self.client, self.name, self.pause = client, name, pause
        self.sent: list[tuple[str, float, float | None, str]] = []  # op_id, sent, answered, outcome
        self.acked: dict[str, int] = {}  # op_id -> seq
        self.stop = threading.Event()

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            op_id = f"{self.name}-{i:05d}"
            payload = {"step_key": "approaches", "text": f"{self.name} {i}"}
            while op_id not in self.acked:
                started = time.monotonic()
                try:
                    ack = self.client.sio.call(
                        "op", {"type": "card.add", "op_id": op_id, "payload": payload}, timeout=LOCK_TIMEOUT + 5
                    )
                except Exception as error:  # no answer (the process hung or died): again, as a phone does
                    self.sent.append((op_id, started, None, type(error).__name__))
                    time.sleep(0.2)
                    continue
                outcome = "ok" if ack.get("ok") else ack["error"]["code"]
                self.sent.append((op_id, started, time.monotonic(), outcome))
                if ack.get("ok"):
                    self.acked[op_id] = ack["seq"]
                elif self.stop.is_set() and outcome == "session_ended":
                    return
                else:
                    time.sleep(0.2)
            i += 1
            self.stop.wait(self.pause)


@pytest.fixture
def two_processes_behind_nginx(nginx_binary, postgres_url, redis_queue, tmp_path):  # noqa: F811
    upgrade(postgres_url)
    ports = [_free_port(), _free_port()]
    env = {**redis_queue, "WORKSHOP_PROXY_FIX": "1"}
    supervisors = [  # PGAPPNAME: pg_stat_activity tells the processes' connections apart
        Supervisor(
            _env(postgres_url, port, {**env, "PGAPPNAME": f"workshop-{port}"}),
            tmp_path / f"server-{port}.log",
            watchdog=WATCHDOG,
        )
        for port in ports
    ]
    nginx_process = None
    engine = make_engine(postgres_url)
    try:
        for supervisor in supervisors:
            supervisor.wait_ready()
        front_port = _free_port()
        nginx_dir = tmp_path / "nginx"
        nginx_dir.mkdir()
        conf = nginx_config(nginx_dir, front_port, [f"127.0.0.1:{port}" for port in ports])
        nginx_process = subprocess.Popen(
            [nginx_binary, "-p", str(nginx_dir), "-c", str(conf), "-e", str(nginx_dir / "error.log")]
        )
        front = f"http://127.0.0.1:{front_port}"
        deadline = time.monotonic() + 15
        while True:  # readiness of nginx's port
            try:
                requests.get(f"{front}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield front, ports, supervisors, engine
    finally:
        if nginx_process is not None:
            nginx_process.terminate()
            nginx_process.wait(timeout=10)
        for supervisor in supervisors:
            supervisor.stop()
        engine.dispose()


def test_a_process_stopped_inside_an_op_batch_costs_the_other_nothing_and_its_phones_come_back(
    two_processes_behind_nginx,
):
    """SIGSTOP one of two processes while it holds the session's row lock inside an op batch. The
    other process's phones keep getting acks (PostgreSQL ends the stopped process's transaction
    before the lock timeout; before: no ack anywhere until the hung process was killed by hand);
    the watchdog ends the stopped process and starts it again; its phones are back through nginx
    (before: they waited for the ping timeout, 40 s, and reconnected to the hung process); nothing
    acknowledged is lost, nothing stored twice, the log has no gap."""
    front, ports, supervisors, engine = two_processes_behind_nginx
    direct = [f"http://127.0.0.1:{port}" for port in ports]
    server = _server(direct[0], "", supervisors[0], engine)
    fid = server.facilitator()
    sid, code = server.session(fid, server.measure())
    http = server.login()
    facilitator = LiveClient(direct[0], sid, "facilitator", cookies=cookie_header(http), reconnection=True)
    assert facilitator.op("session.start")["ok"]

    # Every client of this machine has one address: nginx's ip_hash puts all of them on one process.
    # That one is hung; the other process's phones connect to it directly.
    proxied = [
        LiveClient(front, sid, "participant", token=join(front, code)["token"], reconnection=True) for _ in range(3)
    ]
    hung_index = 0 if _established(ports[0]) >= 3 else 1
    assert _established(ports[hung_index]) >= 3, "nginx's connections to the process it chose"
    healthy_url = direct[1 - hung_index]
    healthy = [
        LiveClient(healthy_url, sid, "participant", token=join(healthy_url, code)["token"], reconnection=True)
        for _ in range(3)
    ]
    clients = [facilitator, *proxied, *healthy]
    writers = [Writer(c, f"hung{i}") for i, c in enumerate(proxied)]
    writers += [Writer(c, f"healthy{i}") for i, c in enumerate(healthy)]
    hung = supervisors[hung_index].current
    try:
        for writer in writers:
            writer.start()
        for writer in writers:  # everyone is writing
            deadline = time.monotonic() + 15
            while len(writer.acked) < 3:
                assert time.monotonic() < deadline, f"{writer.name} got no acks"
                time.sleep(0.05)

        # Catch the process inside an op batch: hold the session's row lock until one of its
        # batches waits for it, stop the process, let go: its batch takes the lock, and stops.
        with engine.connect() as blocker:
            blocker.begin()
            blocker.execute(text("SELECT id FROM sessions WHERE id = :id FOR UPDATE"), {"id": sid})
            waiting = _waits_for_a_lock(engine, f"workshop-{ports[hung_index]}")
            os.kill(hung.process.pid, signal.SIGSTOP)
            stopped_at = time.monotonic()
            assert waiting, "no batch of the process waited for the lock"
            blocker.rollback()

        # The healthy process's phones: an answer for every op, within the lock timeout.
        supervisors[hung_index].wait_for(lambda s: s.current.killed is not None, "was ended by the watchdog", 20)
        killed_at = hung.killed
        for writer in writers[len(proxied) :]:  # every op sent before the kill has its outcome by then
            deadline = time.monotonic() + LOCK_TIMEOUT + 10
            while not any(sent > killed_at for _op, sent, _answered, _outcome in writer.sent):
                assert time.monotonic() < deadline, f"{writer.name} sent nothing after the kill"
                time.sleep(0.05)
        during = [
            (op_id, sent, answered, outcome)
            for writer in writers[len(proxied) :]
            for op_id, sent, answered, outcome in writer.sent
            if stopped_at <= sent <= killed_at
        ]
        assert during, "the healthy phones sent nothing while the other process hung"
        unanswered = [entry for entry in during if entry[2] is None]
        assert not unanswered, f"ops of the healthy process without an answer: {unanswered}"
        slowest = max(answered - sent for _op, sent, answered, _outcome in during)
        assert slowest < LOCK_TIMEOUT + 2, f"an ack of the healthy process took {slowest:.1f} s"
        acked_before_the_kill = [e for e in during if e[3] == "ok" and e[2] < killed_at]
        assert acked_before_the_kill, "the lock was released only by the kill, not by the database"

        # The stopped process's phones: back on a process (through nginx) well within 15 s.
        for client in proxied:
            client.wait_for(
                lambda c: len(c.snapshots) >= 2,
                "a snapshot on a process again",
                timeout=15 - (time.monotonic() - stopped_at),
            )
        assert time.monotonic() - stopped_at < 15
        restarted = supervisors[hung_index].wait_ready(lives=2, timeout=30)
        assert restarted.process.pid != hung.process.pid
        for writer in writers[: len(proxied)]:  # they write again
            acked = len(writer.acked)
            deadline = time.monotonic() + 15
            while len(writer.acked) < acked + 2:
                assert time.monotonic() < deadline, f"{writer.name} gets no acks after the failover"
                time.sleep(0.05)
    finally:
        for writer in writers:
            writer.stop.set()
        for writer in writers:
            writer.join(timeout=LOCK_TIMEOUT + 10)

    # Nothing acknowledged is lost, nothing is stored twice, the log is gapless; every screen agrees.
    with sessionmaker(bind=engine)() as db:
        last_seq = db.get(WorkshopSession, sid).last_seq
        events = db.scalars(select(Event).where(Event.session_id == sid)).all()
        cards = db.scalars(select(Card).where(Card.session_id == sid, Card.deleted_at.is_(None))).all()
    by_op_id = {e.op_id: e.seq for e in events if e.op_id}
    for writer in writers:
        for op_id, seq in writer.acked.items():
            assert by_op_id.get(op_id) == seq, f"acknowledged {op_id} (seq {seq}) is not stored as acknowledged"
    texts = [card.text for card in cards]
    assert len(texts) == len(set(texts)), "a card is stored twice"
    assert sorted(e.seq for e in events) == list(range(1, last_seq + 1)), "the event log has a gap"
    for client in clients:
        client.wait_seq(last_seq, timeout=15)
        assert sorted(c["text"] for c in client.state["cards"]) == sorted(texts), f"{client.role} differs"
    for client in clients:
        client.close()


def _waits_for_a_lock(engine, application_name: str, timeout: float = 10) -> bool:
    """Whether a batch of that process waits for the session's row lock (caught inside)."""
    deadline = time.monotonic() + timeout
    with engine.connect() as probe:
        while time.monotonic() < deadline:
            waiting = probe.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query LIKE 'UPDATE sessions%' AND application_name = :name"
                ),
                {"name": application_name},
            ).scalar()
            if waiting:
                return True
            probe.rollback()
            time.sleep(0.01)
    return False
