"""Inside a worker process: run one @jobs.task and hand back its outcome.

`execute` is what both backends call: the local pool's worker loop below (`python -m
workshop.jobs.worker`, one job at a time over its stdin/stdout) and RQ's work horse
(`workshop worker`, jobs/queue.py). The outcome is an envelope, ("ok", result) or ("error",
exception), never a raised exception, so a task's refusal (a TableRefused naming a limit)
reaches the person who asked as itself, in both languages; RQ keeps only a traceback's text.
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import resource
import struct
import sys
from typing import Any

from workshop.jobs.core import JobRefused, TaskSpec, broken, failed

log = logging.getLogger("workshop.jobs")

HEADER = struct.Struct("!Q")  # a frame: 8-byte length, then a pickle
NICENESS = 10  # workers yield the CPU to the web process's event loop (2 cores shared)
_UNLIMITED = resource.getrlimit(resource.RLIMIT_AS)


def resolve(target: str):
    module_name, _sep, name = target.partition(":")
    if not module_name or not name.isidentifier():
        raise LookupError(f"not a job task: {target!r}")
    function = getattr(importlib.import_module(module_name), name, None)
    spec = getattr(function, "__workshop_task__", None)
    if not isinstance(spec, TaskSpec) or spec.target != target:
        raise LookupError(f"not a job task: {target!r}")  # only marked functions run in a worker
    return function, spec


def limit_memory(megabytes: int) -> None:
    """The address-space limit for what follows (the hard limit stays, so it can be raised again)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = megabytes * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def _portable(error: BaseException) -> BaseException:
    """The refusal itself when it survives pickling, else a generic failure."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        log.exception("refusal %r cannot be sent", error)
        return broken()


def _is_rq_timeout(error: BaseException) -> bool:
    timeouts = sys.modules.get("rq.timeouts")
    return timeouts is not None and isinstance(error, timeouts.BaseTimeoutException)


def execute(target: str, args: tuple, *, memory_limit: bool = True) -> tuple[str, Any]:
    """Run the task named by target with args; ("ok", result) or ("error", exception)."""
    try:
        function, spec = resolve(target)
    except Exception:
        log.exception("job task %s not found", target)
        return "error", broken()
    if memory_limit:
        limit_memory(spec.memory_mb)
    try:
        return "ok", function(*args)
    except MemoryError:
        return "error", failed()
    except (JobRefused, *spec.refusals) as error:
        return "error", _portable(error)
    except Exception as error:
        if _is_rq_timeout(error):
            raise  # RQ's work horse: its own time limit, it marks the job as timed out
        log.exception("job %s failed", target)  # a bug: the person reads only that it failed
        return "error", broken()
    finally:
        if memory_limit:
            resource.setrlimit(resource.RLIMIT_AS, _UNLIMITED)  # as before, between jobs


def _read_exactly(fd: int, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _write(fd: int, payload: bytes) -> None:
    data = HEADER.pack(len(payload)) + payload
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def main() -> None:
    """The local pool's worker: frames of (target, args) on stdin, envelopes on stdout."""
    logging.basicConfig(level=logging.INFO, format="workshop-worker %(process)d %(levelname)s %(message)s")
    try:
        os.nice(NICENESS)
    except OSError:
        pass
    # Frames go to the parent on the original stdout; anything a library prints goes to stderr.
    out = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _write(out, pickle.dumps(("ready", os.getpid())))
    while True:
        header = _read_exactly(0, HEADER.size)
        if header is None:
            return  # the parent went away
        body = _read_exactly(0, HEADER.unpack(header)[0])
        if body is None:
            return
        target, args = pickle.loads(body)
        envelope = execute(target, args)
        try:
            payload = pickle.dumps(envelope)
        except Exception:
            log.exception("result of %s cannot be sent", target)
            payload = pickle.dumps(("error", broken()))
        _write(out, payload)


if __name__ == "__main__":
    main()
