"""Run CPU-heavy, GIL-releasing work (password hashing) in a native thread, so the event loop
keeps serving everyone else meanwhile (scrypt takes ~170 ms; on the loop two guessers pushed
every card's ack from 26 ms to over a second)."""

from __future__ import annotations

import sys


def run_blocking(function, *args):
    if "eventlet" in sys.modules:
        from eventlet.patcher import is_monkey_patched

        if is_monkey_patched("thread"):
            from eventlet import tpool

            return tpool.execute(function, *args)
    if "gevent" in sys.modules:
        from gevent import monkey

        if monkey.is_module_patched("thread"):
            import gevent

            return gevent.get_hub().threadpool.apply(function, args)
    return function(*args)  # threads (tests, CLI): already off any event loop


class DeadlineExceeded(Exception):
    """The work under deadline() took longer than allowed and was interrupted."""


class deadline:
    """with deadline(seconds): interrupt the block when it takes longer (eventlet/gevent: the
    greenlet is woken with a timeout wherever it waits, e.g. for a database that hangs).
    Under plain threads nothing can be interrupted, and the block runs to its end."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self._timeout = None

    def __enter__(self):
        if not self.seconds:
            return self
        if "eventlet" in sys.modules and _eventlet_patched():
            import eventlet

            self._timeout = eventlet.Timeout(self.seconds, DeadlineExceeded)
        elif "gevent" in sys.modules and _gevent_patched():
            import gevent

            self._timeout = gevent.Timeout(self.seconds, DeadlineExceeded)
            self._timeout.start()
        return self

    def __exit__(self, *_exc):
        if self._timeout is not None:
            self._timeout.cancel()
        return False


def _eventlet_patched() -> bool:
    from eventlet.patcher import is_monkey_patched

    return is_monkey_patched("thread")


def _gevent_patched() -> bool:
    from gevent import monkey

    return monkey.is_module_patched("thread")
