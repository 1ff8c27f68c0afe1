"""Tasks for tests/unit/test_jobs.py: they run in real worker processes (workshop/jobs)."""

from __future__ import annotations

import os
import time

from workshop import jobs
from workshop.register.tables import TableRefused


@jobs.task(seconds=10)
def echo(value):
    return value


@jobs.task(seconds=10)
def pid_of_worker():
    return os.getpid()


@jobs.task(seconds=1)
def hang():
    time.sleep(60)


@jobs.task(seconds=1)
def spin():
    while True:
        pass


@jobs.task(seconds=10)
def die():
    os._exit(3)


@jobs.task(seconds=10, memory_mb=300)
def eat_memory():
    return len(bytearray(2 * 1024 * 1024 * 1024))


@jobs.task(seconds=10)
def refuse():
    raise TableRefused("Die Tabelle hat mehr als %(max)s Zeilen.", max=2000)


@jobs.task(seconds=10)
def crash():
    raise RuntimeError("a bug")


def unmarked():
    return "never"
