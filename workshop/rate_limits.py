"""Rate limits, keyed by the client's address (and for logins also by the account).

- joins: every POST that may create a participant (/join, /j/<code>, /api/join) counts
  (Flask-Limiter);
- wrong codes: every answer "no such session" on the join routes counts. Over the limit, a wrong
  code is answered 429 and every lookup from that address is slowed down (GUESS_DELAY), but a
  right code is never refused and a joined phone's reload never waits: a venue's shared Wi-Fi
  must not be locked out of its own session by one guesser on it (25^6 codes: at one guess per
  second per connection, finding one of a few live sessions takes days);
- logins: failed attempts per account and per address (WORKSHOP_LOGIN_RATE_LIMIT, 10 per 15
  minutes), checked before the password is hashed.

A whole room often shares one address (the venue's Wi-Fi behind NAT), so the join limit is
generous by default. Everything is configurable (see config.py); behind a reverse proxy set
WORKSHOP_PROXY_FIX so the address is the phone's, not the proxy's.

The counts live in WORKSHOP_RATE_LIMIT_STORAGE (memory, or Redis to share them). When Redis is
away the limits count in memory (per process) until it is back: a missing Redis must not stop
joins and ops (ResilientLimiter; Flask-Limiter's own in-memory fallback for the join limit).
"""

from __future__ import annotations

import logging
import threading
import time

from flask import Flask, Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.storage import MemoryStorage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger("workshop.rate_limits")

limiter = Limiter(get_remote_address)

joins = limiter.shared_limit(lambda: current_app.config["JOIN_RATE_LIMIT"], scope="joins", methods=["POST"])

# Seconds an address over the wrong-code limit waits for each code lookup (right or wrong alike,
# so the wait does not tell a guesser anything).
GUESS_DELAY = 1.0
# How long the limits count in memory before Redis is tried again.
RETRY_STORAGE_AFTER = 5.0
REDIS_TIMEOUTS = {"socket_timeout": 0.3, "socket_connect_timeout": 0.3}


class ResilientLimiter:
    """A moving-window limiter over the configured storage that counts in memory while that
    storage (Redis) fails, and goes back to it by itself."""

    def __init__(self, storage_uri: str, enabled: bool = True):
        self.enabled = enabled
        self.memory = MovingWindowRateLimiter(MemoryStorage())
        self.shared = None
        if not storage_uri.startswith("memory://"):
            options = REDIS_TIMEOUTS if storage_uri.startswith("redis") else {}
            self.shared = MovingWindowRateLimiter(storage_from_string(storage_uri, **options))
        self._shared_down_until = 0.0
        self._lock = threading.Lock()

    def _call(self, method: str, *args) -> bool:
        if self.shared is not None and time.monotonic() >= self._shared_down_until:
            try:
                return getattr(self.shared, method)(*args)
            except Exception as error:  # noqa: BLE001 - any storage failure means: count locally
                with self._lock:
                    self._shared_down_until = time.monotonic() + RETRY_STORAGE_AFTER
                log.warning(
                    "rate-limit storage unavailable (%s); counting in memory for %.0f s",
                    type(error).__name__,
                    RETRY_STORAGE_AFTER,
                )
        return getattr(self.memory, method)(*args)

    def hit(self, limit_string: str, *key: str) -> bool:
        """Count one; False when that was over any of the limits."""
        if not self.enabled:
            return True
        return all([self._call("hit", item, *key) for item in parse_many(limit_string)])

    def test(self, limit_string: str, *key: str) -> bool:
        """True when one more would still be within every limit (counts nothing)."""
        if not self.enabled:
            return True
        return all(self._call("test", item, *key) for item in parse_many(limit_string))


def resilient(app: Flask | None = None) -> ResilientLimiter:
    return (app or current_app).extensions["workshop.limiter"]


# Barrier reports need no account; a person sends a few, a script thousands.
barrier_reports = limiter.shared_limit(
    lambda: current_app.config["BARRIER_REPORT_RATE_LIMIT"], scope="barrier-reports", methods=["POST"]
)


def init_rate_limits(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)  # Retry-After on a 429
    app.config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    if app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", dict(REDIS_TIMEOUTS))
    limiter.init_app(app)
    app.register_error_handler(RateLimitExceeded, lambda error: too_many(error.description))
    app.extensions["workshop.limiter"] = ResilientLimiter(
        app.config["RATELIMIT_STORAGE_URI"], app.config["RATELIMIT_ENABLED"]
    )


def too_many(description: str):
    message = f"Too many attempts from your address (limit: {description}). Please wait a moment and try again."
    if request.path.startswith("/api/"):
        response = jsonify(ok=False, error={"code": "rate_limited", "message": message})
    else:
        response = Response(
            _("Zu viele Versuche von Ihrer Adresse – bitte warten Sie einen Moment und versuchen Sie es dann erneut.")
            + f"\n\n{message}\n",
            mimetype="text/plain",
        )
    response.status_code = 429
    response.headers["Retry-After"] = "60"
    return response


# --- join codes ------------------------------------------------------------------------------------


def lookup_code(find, known=lambda ws: False):
    """find() -> session or None, throttled per address. Returns (session, refusal response).

    known(ws): the browser already belongs to that session (a reload) and is never slowed down.
    """
    from workshop.extensions import socketio

    ws = find()
    if ws is not None and known(ws):
        return ws, None
    limit = current_app.config["WRONG_CODE_RATE_LIMIT"]
    address = get_remote_address()
    over = not resilient().test(limit, "wrong-join-codes", address)
    if over:
        socketio.sleep(GUESS_DELAY)
    if ws is not None:
        return ws, None
    within = resilient().hit(limit, "wrong-join-codes", address)
    if over or not within:
        return None, too_many(limit)
    return None, None


# --- logins ----------------------------------------------------------------------------------------


def login_refused(email: str):
    """A 429 response when the account or the address has used up its failed logins, else None."""
    limit = current_app.config["LOGIN_RATE_LIMIT"]
    if resilient().test(limit, "login-account", email) and resilient().test(
        limit, "login-address", get_remote_address()
    ):
        return None
    return too_many(limit)


def login_failed(email: str) -> None:
    limit = current_app.config["LOGIN_RATE_LIMIT"]
    resilient().hit(limit, "login-account", email)
    resilient().hit(limit, "login-address", get_remote_address())
