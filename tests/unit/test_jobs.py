"""The job mechanism (workshop/jobs) with real worker processes: a worker that runs over its time,
dies or eats memory is cut off and the person gets a sentence in German and English; a task's own
refusal arrives as itself; the caps per person and per process hold. No timed assertions: each
limit is seen by what the caller gets."""

from __future__ import annotations

import threading

import pytest

from tests.unit import job_tasks
from workshop import jobs
from workshop.register.tables import TableRefused


@pytest.fixture(autouse=True)
def local_pool():
    jobs.configure(workers=2, queue_url=None)
    yield
    jobs.configure(workers=2, queue_url=None)


def refused(function, *args, **kw) -> jobs.JobRefused:
    with pytest.raises(jobs.JobRefused) as caught:
        jobs.run(function, *args, **kw)
    return caught.value


def test_a_task_runs_in_another_process_and_big_data_goes_both_ways():
    import os

    assert jobs.run(job_tasks.pid_of_worker) != os.getpid()
    payload = os.urandom(6 * 1024 * 1024)
    assert jobs.run(job_tasks.echo, payload) == payload


@pytest.mark.parametrize("task", [job_tasks.hang, job_tasks.spin])
def test_a_worker_over_its_time_is_cut_off_with_a_clear_message(task):
    """Failed before: nothing cut off work on the event loop (an XLSX with a merged range over the
    whole sheet never finished)."""
    error = refused(task)
    assert error.code == "job_timeout"
    assert "länger als 1 Sekunden" in error.texts["de"] and "Nichts wurde gespeichert" in error.texts["de"]
    assert "longer than 1 seconds" in error.texts["en"]
    assert jobs.backend().status()["killed"] >= 1
    assert jobs.run(job_tasks.echo, "next") == "next"  # the pool goes on with a fresh worker


def test_a_worker_that_dies_or_runs_out_of_memory_is_a_clear_message():
    for task in (job_tasks.die, job_tasks.eat_memory):
        error = refused(task)
        assert error.code == "job_failed" and "unexpectedly" in error.texts["en"], task
    assert jobs.run(job_tasks.echo, 1) == 1


def test_a_refusal_of_the_task_arrives_as_itself_and_a_bug_as_a_sentence():
    with pytest.raises(TableRefused) as caught:
        jobs.run(job_tasks.refuse)
    assert caught.value.texts == {
        "de": "Die Tabelle hat mehr als 2000 Zeilen.",
        "en": "The table has more than 2000 rows.",
    }
    bug = refused(job_tasks.crash)
    assert bug.code == "job_error" and "a bug" not in bug.texts["en"]  # the traceback stays in the worker's log


def test_only_marked_functions_run():
    with pytest.raises(TypeError):
        jobs.run(job_tasks.unmarked)


def test_one_person_has_at_most_two_jobs_at_once():
    started = threading.Barrier(jobs.PER_OWNER + 1)
    outcomes = []

    def slow():
        started.wait()
        try:
            jobs.run(job_tasks.hang, owner=7)
        except jobs.JobRefused as error:
            outcomes.append(error.code)

    threads = [threading.Thread(target=slow) for _ in range(jobs.PER_OWNER)]
    for thread in threads:
        thread.start()
    started.wait()
    while jobs.backend().status()["running"] < jobs.PER_OWNER:
        threading.Event().wait(0.01)
    third = refused(job_tasks.echo, 1, owner=7)
    assert third.code == "job_owner_busy" and "2" in third.texts["de"]
    for thread in threads:
        thread.join()
    assert outcomes == ["job_timeout"] * jobs.PER_OWNER
    assert jobs.run(job_tasks.echo, 2, owner=7) == 2  # the slots are free again


def test_a_process_queues_no_more_than_twice_its_workers():
    jobs.configure(workers=1, queue_url=None)
    codes = []

    def one(index):
        try:
            jobs.run(job_tasks.hang, owner=100 + index)
        except jobs.JobRefused as error:
            codes.append(error.code)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    while (jobs.backend().status()["running"], jobs.backend().status()["waiting"]) != (1, 2):
        threading.Event().wait(0.005)
    # one running, two waiting: a fourth is told to wait at once, it does not queue
    assert refused(job_tasks.echo, 1).code == "job_busy"
    for thread in threads:
        thread.join()
    assert codes == ["job_timeout"] * 3  # the waiting ones ran in turn
