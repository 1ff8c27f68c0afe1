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
