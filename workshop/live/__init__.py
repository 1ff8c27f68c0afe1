"""Live sessions: the engine (domain: apply ops, event log, snapshot) and transport/ around it.

submit() is the one entry point for a change: it goes through the op queue (group commit),
is broadcast after commit, and returns the outcome. It lives in transport/ (it needs the
queue and Socket.IO); the wrapper here imports it on use so the engine itself loads without
Socket.IO (plain-Python tests, the CLI).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from workshop.live.engine import Applied
    from workshop.ops import Actor, Rejected


def submit(session_id: int, actor: Actor, op, app: Flask | None = None) -> Applied | Rejected:
    """Apply op in session_id as actor, through the op queue; see transport/op_queue.submit."""
    from workshop.live.transport.op_queue import submit as queued

    return queued(session_id, actor, op, app)
