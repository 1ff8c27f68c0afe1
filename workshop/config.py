"""Configuration: safe defaults for one machine, everything overridable by environment.

| variable                | default                                  |
|-------------------------|------------------------------------------|
| DATABASE_URL            | sqlite:///<project>/instance/workshop.db |
| SECRET_KEY              | random per instance, kept in instance/   |
| WORKSHOP_HOST / _PORT   | 127.0.0.1 / 5000                         |
| PUBLIC_BASE_URL         | http://<host>:<port>                     |
| SOCKETIO_MESSAGE_QUEUE  | unset (one process); e.g. redis://...    |
| SOCKETIO_ASYNC_MODE     | eventlet when served by `workshop serve` |
| SOCKETIO_CHANNEL        | flask-socketio (the message queue's channel) |
| WORKSHOP_ENV            | development; `production` requires SECRET_KEY, Secure cookies |
| WORKSHOP_RATE_LIMITS    | on; `off` disables all rate limits      |
| WORKSHOP_JOIN_RATE_LIMIT        | 600 per minute (joins per address) |
| WORKSHOP_WRONG_CODE_RATE_LIMIT  | 60 per minute (wrong join codes per address) |
| WORKSHOP_SOCKET_EVENT_RATE_LIMIT | 50 per second; 1000 per minute (per person) |
| WORKSHOP_RATE_LIMIT_STORAGE     | memory:// (per process); redis://… to share |
| WORKSHOP_PROXY_FIX      | 0; number of reverse proxies to trust for X-Forwarded-* |
| WORKSHOP_BROADCAST_WINDOW_MS | 50; events of one session that come faster go out as one batch |
| WORKSHOP_BROADCAST_WINDOW_PER_PHONE_US | 200; the window grows by this per phone of the session in the process |
| WORKSHOP_BROADCAST_SLOW_WINDOW_MS | 500; a head count (participant.joined) waits up to this for company (keep it under the phones' 700 ms gap wait) |
| WORKSHOP_MAX_CONNECTIONS | 10000; open connections one `workshop serve` process accepts |
| WORKSHOP_LISTEN_BACKLOG  | 1024; connections the kernel queues while the server is busy |
| WORKSHOP_FILE_LIMIT      | unset: soft RLIMIT_NOFILE raised to the hard limit at start |
| WORKSHOP_MAX_CONNECTIONS_PER_ADDRESS | 1000; open requests/sockets one client address may hold |
| WORKSHOP_LOGIN_RATE_LIMIT | 10 per 15 minutes (failed logins per account and per address) |
| WORKSHOP_DB_STATEMENT_TIMEOUT / _CONNECT_TIMEOUT | 10 / 5 seconds (PostgreSQL) |
| WORKSHOP_DB_LOCK_TIMEOUT | 5 seconds a statement waits for a lock (PostgreSQL); then saving_paused |
| WORKSHOP_DB_IDLE_IN_TRANSACTION_TIMEOUT | 3 seconds: PostgreSQL ends a session idle inside a transaction (a hung process's) |
| WORKSHOP_DB_KEEPALIVE_SECONDS | 10; TCP keepalives on database connections, both ends (a host that is gone: ~2× this) |
| WORKSHOP_DB_POOL_SIZE / _MAX_OVERFLOW | 10 / 20 connections per process (PostgreSQL); processes × both < max_connections |
| WORKSHOP_RETENTION_DAYS  | 90; personal data of sessions older than this is purged (0: never) |
| WORKSHOP_REVOCATION_SWEEP_MS | 5000; how often each process closes staff sockets whose login, link or team role ended |
| WORKSHOP_PING_SECONDS    | 5; the server pings every socket this often and drops one that has not answered this long after; a phone gives a server up that sent no ping for twice this (10 s: a dead or hung one) |
| WORKSHOP_JOB_WORKERS     | 2; worker processes for imports, renders and images (jobs running at once per process with a queue) |
| WORKSHOP_JOB_QUEUE       | unset: a pool of worker processes per process; redis://… : the RQ queue worked by `workshop worker` |
| WORKSHOP_JOB_QUEUE_NAME  | workshop-jobs (the RQ queue's name; separate deployments sharing one Redis need different ones) |
| WORKSHOP_PRACTICE_MIN_PACE_MS | 500; simulated participants act at most once per this many ms (tests lower it) |
| WORKSHOP_PRACTICE_SHARE_PERCENT | 10; all practice of a process uses at most this share of its event loop |
| WORKSHOP_TIMEZONE        | Europe/Berlin; the one time zone of every time a person reads (screens, PDF, API) |
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("WORKSHOP_INSTANCE_DIR", PROJECT_ROOT / "instance"))
SESSION_TEMPLATE_DIR = PROJECT_ROOT / "session_templates"
RECORD_TEMPLATE_DIR = PROJECT_ROOT / "record_templates"


def _check_production_secret(secret: str | None) -> None:
    """In production the key must be given (not made up per machine) and long enough."""
    how = "e.g. SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
    if not secret:
        raise ConfigError(f"WORKSHOP_ENV=production needs SECRET_KEY to be set ({how}).")
    if len(secret) < MIN_PRODUCTION_SECRET:
        raise ConfigError(
            f"SECRET_KEY is {len(secret)} characters long; production needs at least {MIN_PRODUCTION_SECRET} ({how})."
        )


def _instance_secret_key() -> str:
    """A development secret that survives restarts, so logins and participant cookies do too."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


ENVIRONMENTS = ("development", "production")
MIN_PRODUCTION_SECRET = 32


class ConfigError(RuntimeError):
    """The configuration cannot be run as it is; the message says what to set."""


def _int_setting(name: str, default: int, minimum: int) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {value}")
    return value


def _zone_setting(name: str) -> str:
    from workshop.timezone import DEFAULT_ZONE, zone_named

    value = os.environ.get(name) or DEFAULT_ZONE
    try:
        zone_named(value)
    except ValueError as error:
        raise ConfigError(f"{name}: {error}") from None
    return value


def load_config(overrides: dict | None = None) -> dict:
    overrides = overrides or {}
    environment = os.environ.get("WORKSHOP_ENV", "development")
    if environment not in ENVIRONMENTS:
        raise ConfigError(f"WORKSHOP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {environment!r}")
    production = environment == "production"
    secure_cookies = production or os.environ.get("WORKSHOP_SECURE_COOKIES") == "1"
    host = os.environ.get("WORKSHOP_HOST", "127.0.0.1")
    port = int(os.environ.get("WORKSHOP_PORT", "5000"))
    config: dict[str, Any] = {
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'workshop.db'}"),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "HOST": host,
        "PORT": port,
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", f"http://{host}:{port}"),
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        "SOCKETIO_ASYNC_MODE": os.environ.get("SOCKETIO_ASYNC_MODE") or None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "WORKSHOP_ENV": environment,
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
        "MAX_FORM_MEMORY_SIZE": 1 * 1024 * 1024,  # a form's text fields, so the one limit a page names holds
        "SOCKETIO_CHANNEL": os.environ.get("SOCKETIO_CHANNEL") or "flask-socketio",
        "RATELIMIT_ENABLED": os.environ.get("WORKSHOP_RATE_LIMITS", "on") != "off",
        "RATELIMIT_STORAGE_URI": os.environ.get("WORKSHOP_RATE_LIMIT_STORAGE") or "memory://",
        "JOIN_RATE_LIMIT": os.environ.get("WORKSHOP_JOIN_RATE_LIMIT") or "600 per minute",
        "WRONG_CODE_RATE_LIMIT": os.environ.get("WORKSHOP_WRONG_CODE_RATE_LIMIT") or "60 per minute",
        "SOCKET_EVENT_RATE_LIMIT": os.environ.get("WORKSHOP_SOCKET_EVENT_RATE_LIMIT")
        or "50 per second; 1000 per minute",
        "PROXY_FIX": _int_setting("WORKSHOP_PROXY_FIX", 0, 0),
        "BROADCAST_WINDOW_MS": _int_setting("WORKSHOP_BROADCAST_WINDOW_MS", 50, 0),
        "BROADCAST_WINDOW_PER_PHONE_US": _int_setting("WORKSHOP_BROADCAST_WINDOW_PER_PHONE_US", 200, 0),
        "BROADCAST_SLOW_WINDOW_MS": _int_setting("WORKSHOP_BROADCAST_SLOW_WINDOW_MS", 500, 0),
        "MAX_CONNECTIONS": _int_setting("WORKSHOP_MAX_CONNECTIONS", 10_000, 1),
        "LISTEN_BACKLOG": _int_setting("WORKSHOP_LISTEN_BACKLOG", 1024, 1),
        "BARRIER_REPORT_RATE_LIMIT": os.environ.get("WORKSHOP_BARRIER_REPORT_RATE_LIMIT") or "10 per hour",
        # The accessibility statement (BITV 2.0 §12a): who runs this instance, the enforcement body
        # people may turn to (a Land's own, or the federal one), and the date of the last check.
        "ACCESSIBILITY_OPERATOR": os.environ.get("WORKSHOP_OPERATOR") or "",
        "ENFORCEMENT_BODY_NAME": os.environ.get("WORKSHOP_ENFORCEMENT_BODY_NAME")
        or "Schlichtungsstelle nach dem Behindertengleichstellungsgesetz (BGG)",
        "ENFORCEMENT_BODY_URL": os.environ.get("WORKSHOP_ENFORCEMENT_BODY_URL")
        or "https://www.schlichtungsstelle-bgg.de",
        "ACCESSIBILITY_CHECKED": os.environ.get("WORKSHOP_ACCESSIBILITY_CHECKED") or "2026-11-24",
        # None: raise the soft file limit to the hard one at start; a number sets it (tests).
        "FILE_LIMIT": _int_setting("WORKSHOP_FILE_LIMIT", 0, 0) or None,
        "MAX_CONNECTIONS_PER_ADDRESS": _int_setting("WORKSHOP_MAX_CONNECTIONS_PER_ADDRESS", 1000, 1),
        "LOGIN_RATE_LIMIT": os.environ.get("WORKSHOP_LOGIN_RATE_LIMIT") or "10 per 15 minutes",
        # Seconds a database statement may take; PostgreSQL cancels it then (0: no limit).
        "DB_STATEMENT_TIMEOUT": _int_setting("WORKSHOP_DB_STATEMENT_TIMEOUT", 10, 0),
        "DB_CONNECT_TIMEOUT": _int_setting("WORKSHOP_DB_CONNECT_TIMEOUT", 5, 1),
        # A hung process (SIGSTOP, a GC pause, a swapped-out VM) inside an op batch must not hold
        # its session's row lock for every other process (issue 34): PostgreSQL ends a transaction
        # left idle this long (a batch is idle for milliseconds), and a statement waiting for a lock
        # longer than the lock timeout is cancelled (the op: saving_paused). The idle timeout stays
        # below the lock timeout, so the lock is gone before the waiting batch gives up.
        "DB_LOCK_TIMEOUT": _int_setting("WORKSHOP_DB_LOCK_TIMEOUT", 5, 0),
        "DB_IDLE_IN_TRANSACTION_TIMEOUT": _int_setting("WORKSHOP_DB_IDLE_IN_TRANSACTION_TIMEOUT", 3, 0),
        "DB_KEEPALIVE_SECONDS": _int_setting("WORKSHOP_DB_KEEPALIVE_SECONDS", 10, 0),
        # Pooled connections per process: the op queue needs one per session at work, requests
        # and the sweeps a few more; processes × (size + overflow) must fit max_connections.
        "DB_POOL_SIZE": _int_setting("WORKSHOP_DB_POOL_SIZE", 10, 1),
        "DB_MAX_OVERFLOW": _int_setting("WORKSHOP_DB_MAX_OVERFLOW", 20, 0),
        # Days after a session's end until its personal data is purged (docs/privacy.md); 0: never.
        "RETENTION_DAYS": _int_setting("WORKSHOP_RETENTION_DAYS", 90, 0),
        # How often each process looks for open staff sockets that lost their right (logout elsewhere,
        # a revoked projector link, taken off the team): workshop/access/revocation.py.
        "REVOCATION_SWEEP_MS": _int_setting("WORKSHOP_REVOCATION_SWEEP_MS", 5000, 100),
        # Ping interval and timeout (Engine.IO): a phone gives up on a server that sent no ping for
        # both together and reconnects, so a dead or hung server is noticed within 2 × 5 s (issue 34;
        # was 20: 40 s). A ping is a message per phone per interval: bench/run.py measures its cost.
        "PING_SECONDS": _int_setting("WORKSHOP_PING_SECONDS", 5, 1),
        # Heavy work (imports, PDF/DOCX, photos) runs in worker processes: workshop/jobs.
        "JOB_WORKERS": _int_setting("WORKSHOP_JOB_WORKERS", 2, 1),
        "JOB_QUEUE": os.environ.get("WORKSHOP_JOB_QUEUE") or None,
        "JOB_QUEUE_NAME": os.environ.get("WORKSHOP_JOB_QUEUE_NAME") or "workshop-jobs",
        # Simulated participants (training/simulation.py): no room ticks faster than this, and all
        # practice of a process together uses at most this share of its event loop.
        # An uploaded table between its preview and its import (register/previews.py).
        "IMPORT_PREVIEW_DIR": os.environ.get("WORKSHOP_IMPORT_PREVIEW_DIR") or str(INSTANCE_DIR / "import-previews"),
        "PRACTICE_MIN_PACE": _int_setting("WORKSHOP_PRACTICE_MIN_PACE_MS", 500, 1) / 1000,
        "PRACTICE_SHARE": _int_setting("WORKSHOP_PRACTICE_SHARE_PERCENT", 10, 1) / 100,
        # Every time a person reads is in this zone (workshop/timezone.py); the database keeps UTC.
        "TIMEZONE": _zone_setting("WORKSHOP_TIMEZONE"),
    }
    config.update(overrides)
    if production:
        _check_production_secret(config["SECRET_KEY"])
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret_key()
    return config
