"""The job mechanism's parts that workers and backends share (workshop/jobs/__init__.py has the
story): what a task is, the refusals a person reads, the per-process admission."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from workshop.i18n import N_
from workshop.measures.messages import RecordRefused
from workshop.ops import Rejected

F = TypeVar("F", bound=Callable[..., Any])

WAIT_SECONDS = 20.0  # how long a job waits for a free worker before the person is told to try again
DEFAULT_SECONDS = 60.0
DEFAULT_MEMORY_MB = 1024


@dataclass(frozen=True)
class TaskSpec:
    target: str  # "workshop.protocols.pdf:write_pdf"
    seconds: float  # the worker is cut off after this
    memory_mb: int  # the worker's address-space limit while it runs this task
    refusals: tuple[type[BaseException], ...] = (Rejected,)  # raised to the caller as themselves


def task(
    seconds: float = DEFAULT_SECONDS,
    memory_mb: int = DEFAULT_MEMORY_MB,
    refusals: tuple[type[BaseException], ...] = (Rejected,),
) -> Callable[[F], F]:
    """Marks a module-level function as work a worker may run. `refusals`: the exceptions that
    are answers for the person (they must pickle); any other exception is a bug, logged in the
    worker, and the caller gets a JobRefused("job_failed")."""

    def mark(function: F) -> F:
        if "." in function.__qualname__ or function.__module__ == "__main__":
            raise TypeError("a job task is a module-level function of an importable module")
        function.__workshop_task__ = TaskSpec(  # type: ignore[attr-defined]
            f"{function.__module__}:{function.__qualname__}", seconds, memory_mb, tuple(refusals)
        )
        return function

    return mark


def spec_of(function: Callable) -> TaskSpec:
    spec = getattr(function, "__workshop_task__", None)
    if not isinstance(spec, TaskSpec):
        raise TypeError(f"{function!r} is not marked with @jobs.task")
    return spec


class JobRefused(RecordRefused):
    """The work was not done (or not finished); nothing was stored. Both languages, like every
    refusal a person reads (measures/messages.py)."""


def too_busy(workers: int) -> JobRefused:
    return JobRefused(
        "job_busy",
        N_(
            "Gerade sind alle Hilfsprozesse belegt (höchstens %(max)s Aufträge gleichzeitig). "
            "Bitte versuchen Sie es in einer Minute noch einmal."
        ),
        max=workers,
    )


def timed_out(seconds: float) -> JobRefused:
    return JobRefused(
        "job_timeout",
        N_(
            "Abgebrochen: die Arbeit hat länger als %(seconds)s Sekunden gedauert. Nichts wurde gespeichert. "
            "Ist die Datei sehr groß, teilen Sie sie bitte auf."
        ),
        seconds=int(seconds),
    )


def failed() -> JobRefused:
    return JobRefused(
        "job_failed",
        N_(
            "Abgebrochen: der Hilfsprozess ist unerwartet beendet worden (zu viel Speicher?). Nichts wurde gespeichert."
        ),
    )


def broken() -> JobRefused:
    return JobRefused(
        "job_error",
        N_("Abgebrochen: bei der Arbeit ist ein Fehler aufgetreten (er ist protokolliert). Nichts wurde gespeichert."),
    )


@dataclass
class Settings:
    workers: int = 2  # worker processes of the local pool (or jobs running at once per process with a queue)
    queue_url: str | None = None  # redis://… : RQ instead of the local pool
    queue_name: str = "workshop-jobs"
    wait_seconds: float = WAIT_SECONDS


class Admission:
    """At most `workers` jobs of this process at once and as many again waiting, each at most
    `wait_seconds`; a further job is refused at once (never a queue without end)."""

    def __init__(self, workers: int, wait_seconds: float):
        self.workers, self.wait_seconds = workers, wait_seconds
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self.waiting = 0
        self.running = 0

    def __enter__(self):
        with self._lock:
            if self.waiting >= 2 * self.workers:
                raise too_busy(self.workers)
            self.waiting += 1
        try:
            got = self._slots.acquire(timeout=self.wait_seconds)
        finally:
            with self._lock:
                self.waiting -= 1
        if not got:
            raise too_busy(self.workers)
        with self._lock:
            self.running += 1
        return self

    def __exit__(self, *_exc):
        with self._lock:
            self.running -= 1
        self._slots.release()
        return False
