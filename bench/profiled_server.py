"""`workshop serve` under cProfile, switched on by SIGUSR1 and written to argv[1] by SIGUSR2
(so the profile covers a benchmark's storms, not the joins before them); see bench/vote_storm.py.

Its own small file: eventlet must patch the standard library before threading, subprocess & co.
are imported, which the benchmark script itself does.
"""

import cProfile
import signal
import sys

from workshop.cli import main

profiler = cProfile.Profile()
OUT = sys.argv[1] if len(sys.argv) > 1 else "server.prof"


def _begin(*_args) -> None:
    profiler.enable()


def _dump(*_args) -> None:
    profiler.disable()
    profiler.dump_stats(OUT)  # cumulative over every storm so far


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, _begin)
    signal.signal(signal.SIGUSR2, _dump)
    sys.argv = ["workshop", "serve"]
    main()
