"""An uploaded table between its preview and "import now": kept in this instance's folder.

The confirmation imports the very bytes that were previewed, so they are kept server-side under
a random token — in the instance folder (not the host's shared temp directory, where every
instance on the machine saw them), readable by this process's user only, at most
MAX_PER_PERSON per person (a new preview removes that person's oldest), removed when the import
is applied or cancelled, and after KEPT_SECONDS when nobody comes back.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

from workshop.config import INSTANCE_DIR

MAX_PER_PERSON = 3
KEPT_SECONDS = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def folder() -> Path:
    return Path(current_app.config.get("IMPORT_PREVIEW_DIR") or INSTANCE_DIR / "import-previews")


def _path(user_id: int, token: str) -> Path | None:
    if not _TOKEN.match(token or ""):
        return None
    return folder() / f"{int(user_id)}-{token}"


def _forget_old() -> None:
    cutoff = time.time() - KEPT_SECONDS
    for path in folder().glob("*-*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:
            pass  # another process took it first


def keep(user_id: int, data: bytes) -> str:
    """Store the upload; returns its token."""
    base = folder()
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    _forget_old()
    mine = sorted(base.glob(f"{int(user_id)}-*"), key=lambda p: p.stat().st_mtime)
    for old in mine[: max(0, len(mine) - MAX_PER_PERSON + 1)]:
        old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    path = base / f"{int(user_id)}-{token}"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    return token


def read(user_id: int, token: str) -> bytes | None:
    """The kept upload of this person, or None (unknown, another person's, expired)."""
    path = _path(user_id, token)
    if path is None:
        return None
    try:
        if path.stat().st_mtime < time.time() - KEPT_SECONDS:
            path.unlink(missing_ok=True)
            return None
        return path.read_bytes()
    except FileNotFoundError:
        return None


def forget(user_id: int, token: str) -> None:
    path = _path(user_id, token)
    if path is not None:
        path.unlink(missing_ok=True)


def count(user_id: int) -> int:
    return len(list(folder().glob(f"{int(user_id)}-*"))) if folder().exists() else 0
