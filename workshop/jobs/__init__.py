"""Heavy work off the event loop: one call for every feature that parses, renders or decodes.

Every live session of a process shares one event loop; work that grows with its input (an
import, a PDF or DOCX, a photo, a PDF turned into page images) runs in a worker process instead,
so a careless or hostile upload never stops a vote in another room.

How a feature uses it — two lines:

    from workshop import jobs

    @jobs.task(seconds=60)                      # in the module that does the work
    def write_pdf(html: str) -> bytes: ...      # plain data in, plain data out (pickled)

    pdf = jobs.run(write_pdf, html, owner=user_id)   # in the view: waits without blocking the loop

- A task is a module-level function marked with `@jobs.task`; a worker runs only marked functions. It gets and returns plain data (bytes, str, dataclasses) and writes nothing
  (no database, no files): the caller stores the result, so a worker that is cut off leaves
  nothing half-written.
- `jobs.run` returns the task's result, or raises what the task raised (a refusal such as
  register.tables.TableRefused arrives as itself), or `JobRefused` with a sentence in German and
  English: the worker took longer than the task's `seconds` (it is killed), died, the owner has
  `PER_OWNER` jobs running already, or every worker stayed busy for `WAIT_SECONDS`.
- Where the work runs is configuration (`WORKSHOP_JOB_QUEUE`): unset, a pool of worker processes
  of this process (jobs/pool.py); `redis://…`, the RQ queue on that Redis, worked by
  `workshop worker` processes (jobs/queue.py, docs/deployment.md).
- Caps: at most `PER_OWNER` jobs of one owner (a facilitator) at once in a process; at most
  `WORKSHOP_JOB_WORKERS` running and as many again waiting per process — a further request is
  told to wait, nothing queues without end.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from workshop.i18n import N_
from workshop.jobs.core import (
    DEFAULT_MEMORY_MB,
    DEFAULT_SECONDS,
    WAIT_SECONDS,
    Admission,
    JobRefused,
    Settings,
    TaskSpec,
    broken,
    failed,
    spec_of,
    task,
    timed_out,
    too_busy,
)

__all__ = [
    "DEFAULT_MEMORY_MB",
    "DEFAULT_SECONDS",
    "PER_OWNER",
    "WAIT_SECONDS",
    "Admission",
    "JobRefused",
    "Settings",
    "TaskSpec",
    "backend",
    "broken",
    "configure",
    "failed",
    "run",
    "settings",
    "spec_of",
    "stats",
    "task",
    "timed_out",
    "too_busy",
]

PER_OWNER = 2  # jobs of one person at once (a second download waits for the first, a third is refused)

_settings = Settings()
_backend: Any = None
_lock = threading.Lock()
_per_owner: dict[Any, int] = {}


def settings() -> Settings:
    return _settings


def configure(workers: int | None = None, queue_url: str | None = None, queue_name: str | None = None) -> None:
    """Called by create_app from the configuration; a change replaces the process's backend."""
    global _backend
    new = Settings(
        workers=workers or _settings.workers,
        queue_url=queue_url,
        queue_name=queue_name or _settings.queue_name,
        wait_seconds=_settings.wait_seconds,
    )
    with _lock:
        if new == _settings and _backend is not None:
            return
        old, _backend = _backend, None
        _settings.__dict__.update(new.__dict__)
    if old is not None:
        old.close()


def backend():
    global _backend
    with _lock:
        if _backend is None:
            if _settings.queue_url:
                from workshop.jobs.queue import RedisQueue  # redis and rq only where a queue is configured

                _backend = RedisQueue(_settings)
            else:
                from workshop.jobs.pool import LocalPool

                _backend = LocalPool(_settings)
        return _backend


class _OwnerSlot:
    def __init__(self, owner):
        self.owner = owner

    def __enter__(self):
        if self.owner is None:
            return self
        with _lock:
            if _per_owner.get(self.owner, 0) >= PER_OWNER:
                raise JobRefused(
                    "job_owner_busy",
                    N_(
                        "Sie haben schon %(max)s Aufträge in Arbeit (Ausgaben, Importe, Bilder). "
                        "Bitte warten Sie, bis einer fertig ist."
                    ),
                    max=PER_OWNER,
                )
            _per_owner[self.owner] = _per_owner.get(self.owner, 0) + 1
        return self

    def __exit__(self, *_exc):
        if self.owner is None:
            return False
        with _lock:
            left = _per_owner.get(self.owner, 1) - 1
            if left:
                _per_owner[self.owner] = left
            else:
                _per_owner.pop(self.owner, None)
        return False


def run(function: Callable, *args: Any, owner: Any = None, seconds: float | None = None) -> Any:
    """Run a @jobs.task in a worker and return its result; see the module's docstring.

    owner: who asked (a facilitator's id), for the per-person cap; None for system work.
    seconds: a tighter time limit than the task's own."""
    spec = spec_of(function)
    if seconds is not None:
        spec = TaskSpec(spec.target, min(seconds, spec.seconds), spec.memory_mb, spec.refusals)
    with _OwnerSlot(owner):
        started = time.monotonic()
        outcome = backend().run(spec, args)
        stats.record(spec.target, time.monotonic() - started)
    kind, value = outcome
    if kind == "ok":
        return value
    raise value  # the task's own refusal (or a JobRefused of the backend)


class _Stats:
    """What `workshop worker --status` and the benchmark read: jobs done per task, time spent."""

    def __init__(self) -> None:
        self.done: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def record(self, target: str, seconds: float) -> None:
        self.done[target] = self.done.get(target, 0) + 1
        self.seconds[target] = self.seconds.get(target, 0.0) + seconds


stats = _Stats()
