"""The production backend: RQ on the Redis the processes already share (WORKSHOP_JOB_QUEUE).

A job is enqueued on the queue `WORKSHOP_JOB_QUEUE_NAME` (default workshop-jobs) and worked by
`workshop worker` processes (RQ workers: each job runs in a forked work horse that RQ kills when
the job's time limit is up). The web process waits for the result by polling the job in Redis
(redis-py's sockets are cooperative under eventlet and gevent), then deletes it: Redis holds a
job — its arguments, e.g. an uploaded table, and its result — only while it is queued or running,
plus at most RESULT_TTL seconds should the web process be gone.

Why RQ (docs/deployment.md): it needs nothing but Redis, a job is a function and its arguments,
it kills a job at its time limit (and notices a work horse that died), and its workers are one
command to start under systemd; Celery brings a broker abstraction and a beat we do not need,
Dramatiq's time limit cannot interrupt C code such as WeasyPrint's layout.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any

from workshop.i18n import N_
from workshop.jobs.core import Admission, JobRefused, Settings, TaskSpec, failed, timed_out, too_busy

log = logging.getLogger("workshop.jobs")

RESULT_TTL = 60  # seconds Redis keeps an answer nobody fetched
POLL_SECONDS = 0.05
MAX_QUEUED_PER_WORKER = 4  # a queue longer than this × the process's share is refused at once


def no_worker(seconds: float) -> JobRefused:
    return JobRefused(
        "job_no_worker",
        N_(
            "Kein Hilfsprozess hat den Auftrag binnen %(seconds)s Sekunden angenommen. Nichts wurde "
            "gespeichert. Bitte versuchen Sie es gleich noch einmal; hält es an, sagen Sie dem Betrieb Bescheid."
        ),
        seconds=int(seconds),
    )


class RedisQueue:
    def __init__(self, settings: Settings):
        from redis import Redis
        from rq import Queue

        self.settings = settings
        self.redis = Redis.from_url(settings.queue_url or "", socket_timeout=10, socket_connect_timeout=5)
        self.queue = Queue(settings.queue_name, connection=self.redis)
        self.admission = Admission(settings.workers, settings.wait_seconds)
        self.killed = 0
        self.died = 0

    def status(self) -> dict:
        from rq import Worker

        return {
            "backend": "rq",
            "queue": self.settings.queue_name,
            "queued": self.queue.count,
            "workers": [w.name for w in Worker.all(queue=self.queue)],
            "running": self.admission.running,
            "waiting": self.admission.waiting,
        }

    def run(self, spec: TaskSpec, args: tuple) -> tuple[str, Any]:
        from rq.command import send_stop_job_command
        from rq.exceptions import InvalidJobOperation
        from rq.job import JobStatus

        with self.admission:
            if self.queue.count >= MAX_QUEUED_PER_WORKER * self.settings.workers:
                raise too_busy(self.settings.workers)
            wait = self.settings.wait_seconds
            job = self.queue.enqueue_call(
                "workshop.jobs.worker.execute",
                args=(spec.target, args),
                timeout=math.ceil(spec.seconds),
                ttl=math.ceil(wait),  # not started by then: RQ drops it
                result_ttl=RESULT_TTL,
                failure_ttl=RESULT_TTL,
            )
            start_by = time.monotonic() + wait
            finish_by: float | None = None
            try:
                while True:
                    try:
                        status = job.get_status(refresh=True)
                    except InvalidJobOperation:  # expired in Redis before a worker took it
                        status = None
                    now = time.monotonic()
                    if status == JobStatus.FINISHED:
                        envelope = job.return_value(refresh=True)
                        if not isinstance(envelope, tuple) or envelope[0] not in ("ok", "error"):
                            raise failed()
                        return envelope
                    if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
                        result = job.latest_result()
                        text = (result.exc_string or "") if result is not None else ""
                        if "JobTimeoutException" in text or status == JobStatus.STOPPED:
                            self.killed += 1
                            raise timed_out(spec.seconds)
                        self.died += 1
                        log.warning("job %s failed in the queue: %s", spec.target, text[-500:])
                        raise failed()
                    if status == JobStatus.STARTED and finish_by is None:
                        finish_by = now + spec.seconds + 5  # RQ's own kill comes first; this is the backstop
                    if status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED) and now > start_by:
                        job.cancel()
                        raise no_worker(wait)
                    if status is None:  # expired unstarted (or deleted)
                        raise no_worker(wait)
                    if finish_by is not None and now > finish_by:
                        try:
                            send_stop_job_command(self.redis, job.id)
                        except Exception:
                            log.warning("could not stop job %s", job.id)
                        self.killed += 1
                        raise timed_out(spec.seconds)
                    time.sleep(POLL_SECONDS)
            finally:
                try:
                    job.delete()
                except Exception:
                    log.warning("job %s left in Redis (expires after %ss)", job.id, RESULT_TTL)

    def close(self) -> None:
        try:
            self.redis.close()
        except Exception:
            pass


# Imported once by `workshop worker`, so every forked work horse starts with them loaded.
TASK_MODULES = (
    "workshop.register.reading",
    "workshop.protocols.pdf",
    "workshop.protocols.docx",
    "workshop.protocols.images",
)


def work(settings: Settings, burst: bool = False) -> None:
    """`workshop worker`: one RQ worker on the job queue (each job in a forked work horse)."""
    import importlib
    import os

    from redis import Redis
    from rq import Queue, Worker

    from workshop.jobs.worker import NICENESS

    logging.basicConfig(level=logging.INFO, format="workshop-worker %(process)d %(levelname)s %(message)s")
    try:
        os.nice(NICENESS)  # on a machine shared with web processes, their event loops come first
    except OSError:
        pass
    for name in TASK_MODULES:
        try:
            importlib.import_module(name)
        except ImportError as error:  # e.g. WeasyPrint without pango: only PDFs fail
            log.warning("could not preload %s: %s", name, error)
    redis = Redis.from_url(settings.queue_url or "")
    worker = Worker([Queue(settings.queue_name, connection=redis)], connection=redis)
    worker.work(burst=burst, with_scheduler=False, logging_level="INFO")


def describe(settings: Settings) -> list[str]:
    """`workshop worker --status`: what an operator looks at."""
    from redis import Redis
    from rq import Queue, Worker
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    redis = Redis.from_url(settings.queue_url or "", socket_connect_timeout=5)
    queue = Queue(settings.queue_name, connection=redis)
    workers = Worker.all(queue=queue)
    lines = [
        f"queue {settings.queue_name} at {settings.queue_url}: {queue.count} waiting, "
        f"{len(StartedJobRegistry(queue=queue))} running, {len(FailedJobRegistry(queue=queue))} failed (kept {RESULT_TTL} s)",
        f"{len(workers)} worker(s)" + (":" if workers else " — start some: systemctl start workshop-worker@1"),
    ]
    for worker in workers:
        job = worker.get_current_job()
        lines.append(
            f"  {worker.name} pid {worker.pid} {worker.get_state()}"
            f" · {worker.successful_job_count} done, {worker.failed_job_count} failed"
            + (f" · now {job.args[0] if job and job.args else '?'}" if job else "")
        )
    return lines
