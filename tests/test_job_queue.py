"""The production job queue (RQ on Redis, WORKSHOP_JOB_QUEUE): a real `workshop worker` process
works the jobs of this process; a job over its time limit or whose work horse dies is a clear
refusal, a task's refusal arrives as itself, and `workshop worker --status` shows the queue."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import REDIS_URL, redis_queue_env
from tests.unit import job_tasks
from workshop import jobs
from workshop.register.tables import TableRefused

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def queue():
    redis_queue_env()  # skips (or fails under CI) without Redis
    name = f"workshop-test-jobs-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "WORKSHOP_JOB_QUEUE": REDIS_URL, "WORKSHOP_JOB_QUEUE_NAME": name, "PYTHONPATH": str(ROOT)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "workshop.cli", "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    jobs.configure(workers=2, queue_url=REDIS_URL, queue_name=name)
    yield {"name": name, "env": env}
    jobs.configure(workers=2, queue_url=None)
    worker.terminate()
    worker.wait(timeout=20)


def test_a_job_runs_in_the_worker_and_comes_back(queue):
    assert jobs.run(job_tasks.pid_of_worker) != os.getpid()
    assert jobs.run(job_tasks.echo, b"x" * 3_000_000) == b"x" * 3_000_000
    with pytest.raises(TableRefused) as caught:
        jobs.run(job_tasks.refuse)
    assert caught.value.texts["en"] == "The table has more than 2000 rows."


def test_a_job_over_its_time_or_whose_horse_dies_is_a_clear_refusal(queue):
    with pytest.raises(jobs.JobRefused) as late:
        jobs.run(job_tasks.hang)
    assert late.value.code == "job_timeout" and "1 Sekunden" in late.value.texts["de"]
    with pytest.raises(jobs.JobRefused) as died:
        jobs.run(job_tasks.die)
    assert died.value.code == "job_failed"
    assert jobs.run(job_tasks.echo, "after") == "after"  # the worker goes on
    backend = jobs.backend()
    assert backend.queue.count == 0  # nothing left behind in Redis
    status = subprocess.run(
        [sys.executable, "-m", "workshop.cli", "worker", "--status"],
        env=queue["env"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert status.returncode == 0 and f"queue {queue['name']}" in status.stdout and "1 worker(s)" in status.stdout


def test_without_a_worker_the_job_is_refused_after_the_wait(queue, monkeypatch):
    jobs.configure(workers=2, queue_url=REDIS_URL, queue_name=queue["name"] + "-nobody")
    monkeypatch.setattr(jobs.backend().settings, "wait_seconds", 1.0)
    try:
        with pytest.raises(jobs.JobRefused) as caught:
            jobs.run(job_tasks.echo, 1)
        assert caught.value.code == "job_no_worker"
        assert jobs.backend().queue.count == 0  # cancelled, not left to run later
    finally:
        jobs.configure(workers=2, queue_url=REDIS_URL, queue_name=queue["name"])
