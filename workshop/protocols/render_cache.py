"""Finalised protocol versions, rendered once: PDF and DOCX files kept in the instance folder.

A final version is frozen (protocols/models.ProtocolVersion), so its PDF is the same bytes every
time; rendering it again for every download cost seconds of a worker each and let a loop of
downloads keep all workers busy. The key is (session, version, language, format) plus a digest
of the stored document, so a version whose document changes (the retention purge removes names)
is rendered anew, and the old file is deleted with it. Two requests for the same file at once
render it once: the second waits for the first. privacy.purge() deletes a session's files.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from workshop.config import INSTANCE_DIR
from workshop.protocols.model import Protocol

CACHED_FORMATS = ("pdf", "docx")
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def cache_dir() -> Path:
    return Path(os.environ.get("WORKSHOP_RENDER_CACHE_DIR") or INSTANCE_DIR / "renders")


def _digest(protocol: Protocol) -> str:
    canonical = json.dumps(protocol.to_dict(), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]


def _prefix(session_id: int, protocol: Protocol, fmt: str) -> str:
    return f"{int(session_id)}-v{int(protocol.version or 0)}-{protocol.language}-{fmt}-"


def _lock(key: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def rendered(session_id: int, protocol: Protocol, fmt: str, render: Callable[[], bytes]) -> bytes:
    """The file of a final version: from the cache, or rendered now (once) and kept."""
    folder = cache_dir()
    prefix = _prefix(session_id, protocol, fmt)
    path = folder / f"{prefix}{_digest(protocol)}.{fmt}"
    with _lock(prefix):
        try:
            return path.read_bytes()
        except FileNotFoundError:
            pass
        body = render()
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for stale in folder.glob(f"{prefix}*"):  # the version as it was before a purge
            stale.unlink(missing_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".part-")
        with os.fdopen(handle, "wb") as out:  # mkstemp: mode 600 (protocols hold names)
            out.write(body)
        os.replace(temporary, path)  # whole or not at all: a half-written file is never served
        return body


def forget_sessions(session_ids) -> int:
    """Delete the cached files of these sessions (the purge); returns how many."""
    folder = cache_dir()
    removed = 0
    for session_id in session_ids:
        for path in folder.glob(f"{int(session_id)}-v*"):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
