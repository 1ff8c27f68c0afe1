"""The default backend: a small pool of worker processes belonging to this process.

Each worker is `python -m workshop.jobs.worker` (jobs/worker.py), started with the standard
library's subprocess (a fresh interpreter, like multiprocessing's spawn: nothing of the server's
state, sockets or monkey-patching is inherited) and fed one job at a time over its stdin/stdout.
The wait for its answer is a select() on the pipe, which eventlet and gevent make cooperative: the
event loop serves every room meanwhile. A worker that is still at work when the task's time is
up is killed (SIGKILL) and replaced on the next job; one that dies answers nothing, and both give
the person a JobRefused. Workers run niced, so the web process keeps the CPU it needs.

Why not concurrent.futures or pebble: both drive their pools with helper threads and
multiprocessing locks; under eventlet's monkey-patching those become green threads that block
the hub in C (measured: ProcessPoolExecutor hung for good, pebble refused to start). A pipe per
worker and select() is what eventlet handles natively.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import select
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from workshop.jobs.core import Admission, Settings, TaskSpec, failed, timed_out
from workshop.jobs.worker import HEADER

log = logging.getLogger("workshop.jobs")

JOBS_PER_WORKER = 200  # then the worker is replaced (whatever a library keeps grows no further)
START_SECONDS = 30.0  # a worker that is not ready by then is given up


class _Gone(Exception):
    """The worker died or closed its pipe."""


class _Late(Exception):
    """The deadline passed before the worker answered."""


class Worker:
    def __init__(self):
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "workshop.jobs.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=root,
            close_fds=True,
            start_new_session=True,  # a Ctrl+C of the server is not the worker's; the server ends it
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in, self._out = self.process.stdin.fileno(), self.process.stdout.fileno()
        os.set_blocking(self._in, False)
        os.set_blocking(self._out, False)
        self.jobs = 0
        self.ready = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def _send(self, payload: bytes, deadline: float) -> None:
        view = memoryview(HEADER.pack(len(payload)) + payload)
        while view:
            _r, writable, _x = select.select([], [self._in], [], _left(deadline))
            if not writable:
                raise _Late
            try:
                view = view[os.write(self._in, view) :]
            except BlockingIOError:
                continue
            except (BrokenPipeError, OSError):
                raise _Gone from None

    def _read(self, size: int, deadline: float) -> bytes:
        chunks, left = [], size
        while left:
            readable, _w, _x = select.select([self._out], [], [], _left(deadline))
            if not readable:
                raise _Late
            try:
                chunk = os.read(self._out, min(left, 1 << 20))
            except BlockingIOError:
                continue
            if not chunk:
                raise _Gone
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _receive(self, deadline: float) -> Any:
        size = HEADER.unpack(self._read(HEADER.size, deadline))[0]
        return pickle.loads(self._read(size, deadline))

    def wait_ready(self) -> None:
        if not self.ready:
            message = self._receive(time.monotonic() + START_SECONDS)
            if not (isinstance(message, tuple) and message[0] == "ready"):
                raise _Gone
            self.ready = True

    def call(self, spec: TaskSpec, args: tuple) -> tuple[str, Any]:
        self.wait_ready()  # its start-up does not count against the task's time
        deadline = time.monotonic() + spec.seconds
        self._send(pickle.dumps((spec.target, args), protocol=pickle.HIGHEST_PROTOCOL), deadline)
        envelope = self._receive(deadline)
        self.jobs += 1
        return envelope

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        for stream in (self.process.stdin, self.process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not refused
            log.error("job worker %s did not end after SIGKILL", self.pid)


def _left(deadline: float) -> float:
    return max(0.0, deadline - time.monotonic())


class LocalPool:
    """`settings.workers` worker processes, each doing one job at a time (jobs.Admission)."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.admission = Admission(settings.workers, settings.wait_seconds)
        self._lock = threading.Lock()
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self.killed = 0  # workers cut off at their time limit (what `workshop worker --status` shows)
        self.died = 0
        atexit.register(self.close)

    def status(self) -> dict:
        with self._lock:
            return {
                "backend": "local",
                "workers": [w.pid for w in self._all],
                "idle": len(self._idle),
                "running": self.admission.running,
                "waiting": self.admission.waiting,
                "killed": self.killed,
                "died": self.died,
            }

    def _take(self) -> Worker:
        with self._lock:
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                self._all.discard(worker)
        worker = Worker()
        with self._lock:
            self._all.add(worker)
        return worker

    def _give_back(self, worker: Worker) -> None:
        if worker.jobs >= JOBS_PER_WORKER or not worker.alive():
            self._drop(worker)
            return
        with self._lock:
            self._idle.append(worker)

    def _drop(self, worker: Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.kill()

    def warm(self) -> None:
        """Start the workers ahead of the first job (workshop serve), so nobody waits for one."""
        with self._lock:
            missing = self.settings.workers - len(self._all)
        for _ in range(max(0, missing)):
            worker = Worker()
            with self._lock:
                self._all.add(worker)
                self._idle.append(worker)

    def run(self, spec: TaskSpec, args: tuple) -> tuple[str, Any]:
        with self.admission:
            worker = self._take()
            try:
                envelope = worker.call(spec, args)
            except _Late:
                log.warning("job %s cut off after %ss (worker %s)", spec.target, spec.seconds, worker.pid)
                self.killed += 1
                self._drop(worker)
                raise timed_out(spec.seconds) from None
            except (_Gone, EOFError, pickle.UnpicklingError):
                log.warning("job worker %s died during %s", worker.pid, spec.target)
                self.died += 1
                self._drop(worker)
                raise failed() from None
            except BaseException:  # e.g. the request's greenlet was killed: the worker's state is unknown
                self._drop(worker)
                raise
            self._give_back(worker)
        if not isinstance(envelope, tuple) or envelope[0] not in ("ok", "error"):
            raise failed()
        if envelope[0] == "error" and not isinstance(envelope[1], BaseException):
            raise failed()
        return envelope

    def close(self) -> None:
        with self._lock:
            workers, self._all, self._idle = list(self._all), set(), []
        for worker in workers:
            worker.kill()
