"""Configuration: safe defaults for one machine, everything overridable by environment.

| variable                | default                                  |
|-------------------------|------------------------------------------|
| DATABASE_URL            | sqlite:///<project>/instance/workshop.db |
| SECRET_KEY              | random per instance, kept in instance/   |
| WORKSHOP_HOST / _PORT   | 127.0.0.1 / 5000                         |
| PUBLIC_BASE_URL         | http://<host>:<port>                     |
| SOCKETIO_MESSAGE_QUEUE  | unset (one process); e.g. redis://...    |
| SOCKETIO_ASYNC_MODE     | eventlet when served by `workshop serve` |
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("WORKSHOP_INSTANCE_DIR", PROJECT_ROOT / "instance"))
SESSION_TEMPLATE_DIR = PROJECT_ROOT / "session_templates"
RECORD_TEMPLATE_DIR = PROJECT_ROOT / "record_templates"


def _instance_secret_key() -> str:
    """A development secret that survives restarts, so logins and participant cookies do too."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(overrides: dict | None = None) -> dict:
    overrides = overrides or {}
    host = os.environ.get("WORKSHOP_HOST", "127.0.0.1")
    port = int(os.environ.get("WORKSHOP_PORT", "5000"))
    config = {
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'workshop.db'}"
        ),
        "SECRET_KEY": os.environ.get("SECRET_KEY"),
        "HOST": host,
        "PORT": port,
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", f"http://{host}:{port}"),
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        "SOCKETIO_ASYNC_MODE": os.environ.get("SOCKETIO_ASYNC_MODE") or None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("WORKSHOP_SECURE_COOKIES") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,
    }
    config.update(overrides)
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _instance_secret_key()
    return config
