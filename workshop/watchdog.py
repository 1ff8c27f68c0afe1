"""The event loop's heartbeat: systemd's watchdog and the health endpoint (issue 34).

A process that hangs (SIGSTOP, a stuck system call, a loop blocked by one piece of work) keeps its
listening socket: the kernel still accepts connections into its backlog, so nginx sees no error and
phones reconnect to it and wait. It must be ended, not waited for. Under systemd
(deploy/systemd/workshop@.service: Type=notify, WatchdogSec=) a greenlet of the event loop sends
WATCHDOG=1 every second through libsystemd's sd_notify (cysystemd); when the loop stops ticking the
heartbeats stop, and systemd kills and restarts the process: a hang becomes a crash, which nginx and
the phones recover from in seconds. GET /healthz answers only while the loop ticks (for a balancer
with active health checks; docs/deployment.md).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable

from flask import Blueprint, current_app, jsonify

from workshop.extensions import socketio

log = logging.getLogger("workshop.watchdog")

bp = Blueprint("watchdog", __name__)

TICK_SECONDS = 1.0  # how often the loop's greenlet beats (at most; more often under a short watchdog)
STALE_TICKS = 3  # a heartbeat older than this many ticks: the loop was blocked just now (503)


def systemd_watchdog_seconds() -> float | None:
    """The watchdog interval systemd set for this process (sd_watchdog_enabled), or None."""
    usec, pid = os.environ.get("WATCHDOG_USEC", ""), os.environ.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0 or (pid and pid != str(os.getpid())):
        return None
    return int(usec) / 1_000_000


def systemd_notifier() -> Callable[[str], None] | None:
    """sd_notify(3) through libsystemd when systemd gave a notification socket, else None."""
    if not os.environ.get("NOTIFY_SOCKET"):
        return None
    from cysystemd.daemon import Notification, notify

    def send(state: str) -> None:
        try:
            notify(Notification[state], return_exceptions=False)
        except Exception as error:  # a lost datagram must not take the heartbeat down
            log.warning("sd_notify %s failed: %s", state, error)

    return send


class Heartbeat:
    """Ticks on the event loop; tells systemd (if it listens) and answers how late the loop is."""

    def __init__(self, notify: Callable[[str], None] | None, watchdog_seconds: float | None):
        self.notify = notify
        # systemd wants a beat at least every half interval; a few per interval leave room for a late one
        self.interval = min(TICK_SECONDS, watchdog_seconds / 4) if watchdog_seconds else TICK_SECONDS
        self.last_tick: float | None = None
        self.lag = 0.0  # how much later than asked the last tick came (s)

    def run(self) -> None:
        """The background task of `workshop serve`: READY=1 once the loop runs, then WATCHDOG=1 per tick."""
        if self.notify:
            self.notify("READY")
        while True:
            self.last_tick = time.monotonic()
            if self.notify:
                self.notify("WATCHDOG")
            socketio.sleep(self.interval)
            self.lag = max(0.0, time.monotonic() - self.last_tick - self.interval)

    def healthy(self) -> bool:
        return self.last_tick is not None and time.monotonic() - self.last_tick < STALE_TICKS * self.interval


def start(app) -> Heartbeat:
    """Start the heartbeat on the server's event loop (from `workshop serve`)."""
    watchdog = systemd_watchdog_seconds()
    heartbeat = Heartbeat(systemd_notifier(), watchdog)
    app.extensions["workshop.heartbeat"] = heartbeat
    if watchdog:
        log.info("systemd watchdog: %.1f s, heartbeat every %.2f s", watchdog, heartbeat.interval)
    socketio.start_background_task(heartbeat.run)
    return heartbeat


@bp.route("/healthz")
def healthz():
    """200 while this process's event loop ticks (no database, no login: the process itself, so a
    database that is away does not take every process out of the balancer at once); 503 right
    after the loop was blocked. A hung process does not answer at all: the balancer's timeout."""
    heartbeat: Heartbeat | None = current_app.extensions.get("workshop.heartbeat")
    if heartbeat is None:  # not under `workshop serve` (tests, the CLI): nothing to watch
        response = jsonify(ok=True)
    elif heartbeat.healthy():
        response = jsonify(ok=True, loop_lag_ms=round(heartbeat.lag * 1000))
    else:
        response = jsonify(ok=False, loop_lag_ms=round(heartbeat.lag * 1000))
        response.status_code = 503
    response.headers["Cache-Control"] = "no-store"
    return response
