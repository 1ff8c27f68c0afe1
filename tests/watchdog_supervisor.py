"""systemd's watchdog for tests: what deploy/systemd/workshop@.service asks of systemd, done for one
`workshop serve` over the real sd_notify protocol.

The process gets NOTIFY_SOCKET (a datagram socket this object owns, credentials passed as systemd
has them: only the main process's messages count, NotifyAccess=main) and WATCHDOG_USEC. Once it said
READY=1, a WATCHDOG=1 must come at least every watchdog interval (WatchdogSec); when none does, the
process is sent SIGABRT and SIGCONT (WatchdogSignal=SIGABRT: a stopped process gets it too), then
SIGKILL if it is still there after abort_timeout (TimeoutAbortSec), and started again on the same
port after restart_delay (Restart=always, RestartSec).
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid


@dataclass
class Incarnation:
    """One start of the process: when it started, said READY, last beat and was ended."""

    process: subprocess.Popen
    started: float
    ready: float | None = None
    last_beat: float | None = None
    beats: int = 0
    killed: float | None = None  # when the watchdog fired
    exited: float | None = None  # when it was found gone by itself (a crash, kill -9): Restart=always
    messages: list[str] = field(default_factory=list)


class Supervisor:
    def __init__(
        self,
        env: dict,
        log_path: Path,
        watchdog: float = 5.0,
        abort_timeout: float = 3.0,
        restart_delay: float = 1.0,
    ):
        self.env, self.log_path = env, log_path
        self.watchdog, self.abort_timeout, self.restart_delay = watchdog, abort_timeout, restart_delay
        self.socket_path = str(log_path.with_suffix(".notify"))
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.socket_path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.settimeout(0.05)
        self.lives: list[Incarnation] = []
        self.changed = threading.Condition()
        self._stopping = False
        self._start()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    # --- what the test asks ------------------------------------------------------------------------
    @property
    def current(self) -> Incarnation:
        return self.lives[-1]

    def wait_for(self, predicate, what: str, timeout: float = 30) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: predicate(self), timeout):
                raise AssertionError(f"the supervised server never {what}; log: {self.log()[-3000:]}")

    def wait_ready(self, lives: int = 1, timeout: float = 30) -> Incarnation:
        """The `lives`-th start (1: the first) once it said READY=1."""
        self.wait_for(lambda s: len(s.lives) >= lives and s.lives[lives - 1].ready, f"said READY=1 ({lives})", timeout)
        return self.lives[lives - 1]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self._stopping = True
        self._thread.join(timeout=10)
        process = self.current.process
        if process.poll() is None:
            os.kill(process.pid, signal.SIGCONT)  # a stopped process cannot handle SIGTERM
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.sock.close()
        os.unlink(self.socket_path)

    # --- what systemd does -------------------------------------------------------------------------
    def _start(self) -> None:
        env = {
            **os.environ,
            **self.env,
            "NOTIFY_SOCKET": self.socket_path,
            "WATCHDOG_USEC": str(int(self.watchdog * 1_000_000)),
        }
        env.pop("WATCHDOG_PID", None)
        log = open(self.log_path, "ab")
        process = subprocess.Popen(
            [sys.executable, "-m", "workshop.cli", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CORE, (0, 0)),  # SIGABRT: no core file
        )
        with self.changed:
            self.lives.append(Incarnation(process, time.monotonic()))
            self.changed.notify_all()

    def _receive(self) -> None:
        try:
            data, ancillary, _flags, _address = self.sock.recvmsg(4096, socket.CMSG_SPACE(CREDENTIALS.size))
        except TimeoutError:
            return
        pid = next(
            (
                CREDENTIALS.unpack(cmsg_data[: CREDENTIALS.size])[0]
                for level, kind, cmsg_data in ancillary
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS
            ),
            None,
        )
        life = self.current
        if pid != life.process.pid:  # NotifyAccess=main: another process's (or an earlier life's) message
            return
        now = time.monotonic()
        with self.changed:
            for line in data.decode().splitlines():
                life.messages.append(line)
                if line == "READY=1" and life.ready is None:
                    life.ready = life.last_beat = now  # the watchdog is armed from here on
                elif line == "WATCHDOG=1":
                    life.last_beat, life.beats = now, life.beats + 1
            self.changed.notify_all()

    def _watch(self) -> None:
        while not self._stopping:
            self._receive()
            life = self.current
            if life.killed is not None or life.exited is not None:
                continue
            if life.process.poll() is not None:  # gone by itself: Restart=always
                with self.changed:
                    life.exited = time.monotonic()
                    self.changed.notify_all()
                time.sleep(self.restart_delay)
                if not self._stopping:
                    self._start()
            elif life.ready is not None and life.last_beat is not None:
                if time.monotonic() - life.last_beat > self.watchdog:
                    self._kill_and_restart(life)

    def _kill_and_restart(self, life: Incarnation) -> None:
        with self.changed:
            life.killed = time.monotonic()
            self.changed.notify_all()
        process = life.process
        os.kill(process.pid, signal.SIGABRT)
        os.kill(process.pid, signal.SIGCONT)
        try:
            process.wait(timeout=self.abort_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        time.sleep(self.restart_delay)  # RestartSec
        if not self._stopping:
            self._start()
