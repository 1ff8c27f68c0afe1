"""Operations of one session wait in one queue and are applied in batches (group commit).

A socket handler hands its operation to the session's queue and waits for the outcome. One
worker per session (a background task, started when the first op arrives and ended when the
queue is empty) applies whatever is waiting through engine.apply_batch — one transaction,
one commit — broadcasts what was committed and wakes each handler with its own outcome.

Why: ops of one session are applied one at a time anyway (the session lock). When 500 phones
vote at once, paying the lock, the session row and the commit once per batch instead of once
per vote is what lets the room finish voting in seconds. An op that arrives alone is applied
at once; nothing waits for company.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy.orm import sessionmaker

from workshop.extensions import socketio
from workshop.live import engine
from workshop.ops import Actor
from workshop.live.transport.broadcast import Broadcaster, Signal
from workshop.live.engine import Applied
from workshop.ops import Rejected

log = logging.getLogger("workshop.live")

def submit(session_id: int, actor: Actor, op, app: Flask | None = None) -> Applied | Rejected:
    """The one way in for every change: HTTP, socket handlers, the CLI, simulated participants.

    Queues op behind the session's earlier ones, applies it (engine), broadcasts what was
    committed and returns the outcome: an Applied, or the Rejected that says why nothing changed.
    Works in a request or socket handler (the current app) and in a plain thread or the CLI
    (pass app, or push its app context). Raises nothing for a refused op: check the outcome.
    """
    try:
        queue: OpQueue = (app or current_app).extensions["workshop.op_queue"]
    except RuntimeError:  # no app given and no app context
        raise RuntimeError("live.submit() outside the app: pass app=… or push an app context") from None
    return queue.submit(session_id, actor, op)


# At most this many ops in one transaction, so one batch never holds the lock for long.
MAX_BATCH = 50


@dataclass
class _Waiting:
    actor: Actor
    op: object
    done: Signal = field(default_factory=lambda: socketio.server.eio.create_event())
    outcome: Applied | Rejected | None = None
    broadcast: Signal | None = None  # set once its event is out, if the broadcast waits for company


class OpQueue:
    def __init__(self, sessions: sessionmaker, broadcaster: Broadcaster):
        self.sessions = sessions
        self.broadcaster = broadcaster
        self._waiting: dict[int, list[_Waiting]] = {}
        self._working: set[int] = set()
        self._lock = threading.Lock()

    def submit(self, session_id: int, actor: Actor, op) -> Applied | Rejected:
        """Apply op (after the ops queued before it); returns its outcome once its event is out."""
        item = _Waiting(actor, op)
        with self._lock:
            self._waiting.setdefault(session_id, []).append(item)
            start = session_id not in self._working
            self._working.add(session_id)
        if start:
            socketio.start_background_task(self._work, session_id)
        item.done.wait()
        if item.broadcast is not None:
            item.broadcast.wait()  # the event first, then the ack (docs/realtime.md)
        assert item.outcome is not None, "the worker sets the outcome before done"
        return item.outcome

    def _take(self, session_id: int) -> list[_Waiting]:
        with self._lock:
            waiting = self._waiting.get(session_id, [])
            batch, self._waiting[session_id] = waiting[:MAX_BATCH], waiting[MAX_BATCH:]
            if not batch:
                del self._waiting[session_id]
                self._working.discard(session_id)
            return batch

    def _apply_alone(self, session_id: int, waiting: _Waiting) -> Applied | Rejected:
        """After a failed batch: one op that breaks its transaction must not cost the others theirs."""
        try:
            return engine.apply_batch(self.sessions, session_id, [(waiting.actor, waiting.op)])[0]
        except Exception:
            log.exception("op failed in session %s: %r", session_id, waiting.op)
            return Rejected.internal()

    def _work(self, session_id: int) -> None:
        while batch := self._take(session_id):
            try:
                outcomes = engine.apply_batch(self.sessions, session_id, [(w.actor, w.op) for w in batch])
            except Exception:  # the database failed the whole batch: nothing of it was committed
                log.exception("batch of %d ops failed in session %s; applying them one by one",
                              len(batch), session_id)
                outcomes = [self._apply_alone(session_id, w) for w in batch]
            for waiting, outcome in zip(batch, outcomes, strict=True):
                try:
                    if isinstance(outcome, Applied) and not outcome.duplicate:
                        waiting.broadcast = self.broadcaster.send(session_id, outcome.event, outcome.for_public)
                except Exception:  # stored all the same: clients see the gap and sync
                    log.exception("broadcast failed in session %s", session_id)
                finally:  # no handler is ever left waiting
                    waiting.outcome = outcome
                    waiting.done.set()
            socketio.sleep(0)  # let the woken handlers answer and new ops queue up
