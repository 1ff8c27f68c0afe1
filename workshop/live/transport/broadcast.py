"""Sending committed events to a session's two rooms, batched when they come fast.

An event that arrives after a quiet moment goes out at once, as one `event` message. Events
that follow within the window (BROADCAST_WINDOW_MS) wait for its end and go out together as
one `events` message (a list in seq order). Why: a 500-phone vote storm is thousands of
events; sent one by one that is 500 messages each, and the server (and every phone) spends
its time on message overhead instead of applying votes. Batching keeps every event and the
gapless seq, so clients need no other change than taking a list. An event that can wait (a
head count: participant.joined) waits up to BROADCAST_SLOW_WINDOW_MS for company instead.

Per process and cooperative (eventlet/gevent): the lock only matters under threading.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Protocol

from workshop.extensions import socketio


def room(session_id: int, audience: str) -> str:
    """Two rooms per session: "staff" (facilitators) and "public" (participants, projector); and one
    per participant (audience "participant:<id>", all their sockets) for an event's personal form."""
    return f"session:{session_id}:{audience}"


def personal_room(session_id: int, participant_id: int) -> str:
    return room(session_id, f"participant:{participant_id}")


# staff events, public events, and (index in public, participant ids, their form) — see _Pending
_Batches = tuple[list[dict], list[dict], list[tuple[int, list[int], dict]]]


class Signal(Protocol):
    """The async mode's event (threading, eventlet or gevent), from socketio.server.eio.create_event()."""

    def set(self) -> None: ...
    def clear(self) -> None: ...
    def wait(self, timeout: float | None = None) -> object: ...


@dataclass
class _Pending:
    staff: list[dict] = field(default_factory=list)
    public: list[dict] = field(default_factory=list)
    # (index in public, participant ids, event): the form those participants get of that event
    # instead of the room's (their own card the room does not see yet, a table's card for its members)
    personal: list[tuple[int, list[int], dict]] = field(default_factory=list)
    last_sent: float = float("-inf")
    last_size: int = 0  # events in the last batch sent: more than one means a burst is on
    flushed: Signal | None = None  # set once the waiting batch is out (None: nothing waits)
    due: float = 0.0  # when the waiting batch goes out (time.monotonic())
    sooner: Signal | None = None  # wakes the waiting flush when an event that cannot wait moved `due` up


class Broadcaster:
    def __init__(self, window_seconds: float, per_phone_seconds: float = 0.0, slow_seconds: float = 0.0):
        self.window = window_seconds
        # The window grows with the room: one message to a phone costs the process ~0.1 ms
        # (bench/multi.py), so a 50 ms window at 1,000 phones left it sending batches all the
        # time and the ops behind them waited (17 votes/s). During a burst (the last batch held
        # more than one event) per_phone_seconds × this process's phones in the session keeps
        # the session's broadcasts to a share of the process; a lone event still goes at once.
        self.per_phone = per_phone_seconds
        # An event that can wait (Outcome.can_wait: a head count) waits up to slow_seconds for
        # company, and goes sooner with the next event that cannot. Why: in a join storm every
        # join was a message to every phone already in (n joins: n²/2 messages).
        self.slow = slow_seconds
        self._sessions: dict[int, _Pending] = {}
        self._lock = threading.Lock()

    def _window(self, session_id: int, pending: _Pending) -> float:
        if not self.per_phone or pending.last_size < 2:  # quiet: a lone event keeps the short window
            return self.window
        phones = socketio.server.manager.rooms.get("/", {}).get(room(session_id, "public"), ())
        return max(self.window, len(phones) * self.per_phone)

    def send(
        self,
        session_id: int,
        staff_event: dict,
        public_event: dict,
        can_wait: bool = False,
        personal: list[tuple[list[int], dict]] | None = None,
    ) -> Signal | None:
        """Send now, or queue for the window's end; returns what to wait on before acknowledging
        (None: already sent), so the acting client still gets the event before its ack.

        personal: (participant ids, event) — the form of this event those participants' screens get
        instead of public_event (docs/realtime.md, "Three forms"); the first one named wins."""
        with self._lock:
            pending = self._sessions.setdefault(session_id, _Pending())
            pending.staff.append(staff_event)
            pending.personal += [(len(pending.public), ids, event) for ids, event in personal or ()]
            pending.public.append(public_event)
            now = time.monotonic()
            due = pending.last_sent + self._window(session_id, pending)
            if can_wait:
                due = max(due, now + self.slow)
            if pending.flushed is not None:  # a batch is waiting: this event goes with it
                if due < pending.due:  # …sooner, if it cannot wait as long as the batch would
                    pending.due = due
                    assert pending.sooner is not None, "set together with flushed"
                    pending.sooner.set()
                return pending.flushed
            if due > now:
                pending.flushed, pending.sooner = socketio.server.eio.create_event(), socketio.server.eio.create_event()
                pending.due = due
                socketio.start_background_task(self._flush_later, session_id)
                return pending.flushed
            batches = self._take(pending)
        self._emit(session_id, batches)
        return None

    def _flush_later(self, session_id: int) -> None:
        pending = self._sessions[session_id]
        while True:
            with self._lock:
                wait = pending.due - time.monotonic()
                if wait <= 0:
                    flushed, pending.flushed, pending.sooner = pending.flushed, None, None
                    assert flushed is not None, "only the batch's own _flush_later clears it"
                    batches = self._take(pending)
                    break
                sooner = pending.sooner
                assert sooner is not None, "set together with flushed"
                sooner.clear()
            sooner.wait(wait)  # the window's end, or an event that cannot wait as long
        try:
            self._emit(session_id, batches)
        finally:
            flushed.set()

    @staticmethod
    def _take(pending: _Pending) -> _Batches:
        batches = (pending.staff, pending.public, pending.personal)
        pending.last_size = len(pending.staff)
        pending.staff, pending.public, pending.personal = [], [], []
        pending.last_sent = time.monotonic()
        return batches

    @staticmethod
    def _emit(session_id: int, batches: _Batches) -> None:
        staff, public, personal = batches
        _send(staff, room(session_id, "staff"))
        if not personal:
            _send(public, room(session_id, "public"))
            return
        # Each participant with a form of their own gets the batch with their forms in it, and the
        # public batch skips their screens: one form per viewer. (skip_sid names this process's
        # screens; one of theirs on another process gets their batch first, and then the public
        # one, whose events its seq has passed already: a client ignores those.)
        replaced: dict[int, dict[int, dict]] = {}
        for index, participant_ids, event in personal:
            for participant_id in participant_ids:
                replaced.setdefault(participant_id, {}).setdefault(index, event)
        skip = []
        for participant_id, theirs in replaced.items():
            person = personal_room(session_id, participant_id)
            _send([theirs.get(i, event) for i, event in enumerate(public)], person)
            skip += [sid for sid, _eio in socketio.server.manager.get_participants("/", person)]
        _send(public, room(session_id, "public"), skip)


def _send(events: list[dict], to: str, skip: list[str] | None = None) -> None:
    """One event as `event`, several as one `events` batch."""
    extra = {"skip_sid": skip} if skip else {}
    if len(events) == 1:
        socketio.emit("event", events[0], to=to, **extra)
    elif events:
        socketio.emit("events", events, to=to, **extra)
