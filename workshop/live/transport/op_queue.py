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
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.orm import sessionmaker

from workshop.extensions import socketio
from workshop.live import engine
from workshop.live.engine import Applied
from workshop.live.transport.broadcast import Broadcaster, Signal, room
from workshop.offload import DeadlineExceeded, deadline
from workshop.ops import Actor, Rejected

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


SAVING_PAUSED = (
    "Saving is paused: the database does not answer. Your change was not confirmed; "
    "send it again in a moment (it will not be stored twice)."
)

# At most this many ops in one transaction, so one batch never holds the lock for long
# (200 votes take ~40 ms: they are read and written together, see dot_vote.apply_votes).
MAX_BATCH = 200


@dataclass
class _Waiting:
    actor: Actor
    op: object
    done: Signal = field(default_factory=lambda: socketio.server.eio.create_event())
    outcome: Applied | Rejected | None = None
    broadcast: Signal | None = None  # set once its event is out, if the broadcast waits for company


def _database_away(error: BaseException | None) -> bool:
    """The error (or one it arose from) says the database is unreachable, did not answer in time or
    ended the connection (e.g. a transaction this process left idle too long while it hung)."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, (DeadlineExceeded, OperationalError, SATimeoutError)):
            return True
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            return True
        error, seen = error.__cause__ or error.__context__, seen + 1
    return False


class OpQueue:
    def __init__(self, sessions: sessionmaker, broadcaster: Broadcaster, op_timeout: float | None = None):
        self.sessions = sessions
        self.broadcaster = broadcaster
        self.op_timeout = op_timeout  # seconds a batch may wait for the database (None: no limit)
        self._paused: set[int] = set()  # sessions told "saving paused" and not yet "ok"
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
            with deadline(self.op_timeout):
                return engine.apply_batch(self.sessions, session_id, [(waiting.actor, waiting.op)])[0]
        except Exception as error:
            if _database_away(error):
                return self._database_unavailable(session_id, error)
            log.exception("op failed in session %s: %r", session_id, waiting.op)
            return Rejected.internal()

    def _database_unavailable(self, session_id: int, error: BaseException) -> Rejected:
        """The database is away or hangs: tell the room once that saving is paused; the op's
        sender gets saving_paused (the same op_id sent again later is stored at most once)."""
        log.warning("database unavailable in session %s: %s", session_id, type(error).__name__)
        if session_id not in self._paused:
            self._paused.add(session_id)
            self._status(session_id, "paused")
        return Rejected("saving_paused", SAVING_PAUSED)

    def _saved(self, session_id: int) -> None:
        if session_id in self._paused:
            self._paused.discard(session_id)
            self._status(session_id, "ok")

    @staticmethod
    def _status(session_id: int, saving: str) -> None:
        for audience in ("staff", "public"):
            socketio.emit("status", {"saving": saving}, to=room(session_id, audience))

    def _apply(self, session_id: int, batch: list[_Waiting]) -> list[Applied | Rejected]:
        try:
            with deadline(self.op_timeout):
                outcomes = engine.apply_batch(self.sessions, session_id, [(w.actor, w.op) for w in batch])
        except Exception as error:  # the database failed the whole batch: nothing of it was committed
            if _database_away(error):  # away or hung: one by one would wait as long again, each
                return [self._database_unavailable(session_id, error)] * len(batch)
            log.exception("batch of %d ops failed in session %s; applying them one by one", len(batch), session_id)
            return [self._apply_alone(session_id, w) for w in batch]
        self._saved(session_id)
        return outcomes

    def _work(self, session_id: int) -> None:
        while batch := self._take(session_id):
            outcomes = self._apply(session_id, batch)
            for waiting, outcome in zip(batch, outcomes, strict=True):
                try:
                    if isinstance(outcome, Applied) and not outcome.duplicate:
                        out = self.broadcaster.send(
                            session_id, outcome.event, outcome.for_public, outcome.can_wait, outcome.personal
                        )
                        waiting.broadcast = None if outcome.can_wait else out
                except Exception:  # stored all the same: clients see the gap and sync
                    log.exception("broadcast failed in session %s", session_id)
                finally:  # no handler is ever left waiting
                    waiting.outcome = outcome
                    waiting.done.set()
            socketio.sleep(0)  # let the woken handlers answer and new ops queue up
