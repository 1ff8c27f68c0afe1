"""Simulated participants inside the server: a room that behaves like a real one.

Each bot joins and acts through the op queue, exactly like a phone's socket handler does
(same engine path, same batching, same broadcast), so the facilitator, the projector and real
phones cannot tell a simulated room from a real one. One green thread per simulation looks at
the room once per tick (the public snapshot, as a phone sees it) and hands each op to its own
task, so the bots' ops meet in the queue the way a room's do. Bots exist only in practice
sessions and stop when the session ends, is reset, or the trainer stops them.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time

from workshop import live
from workshop.extensions import socketio
from workshop.i18n import N_
from workshop.live.snapshot import build_snapshot
from workshop.measures.messages import RecordRefused
from workshop.ops import PARTICIPANT, SYSTEM, VIEWER, Actor, Rejected
from workshop.sessions.models import Participant, WorkshopSession
from workshop.training.bots import Bot, make_bots, next_op
from workshop.training.practice import is_practice

log = logging.getLogger("workshop.training")

MAX_BOTS = 200  # per session
MAX_BOTS_PER_FACILITATOR = 200  # all practice sessions one facilitator runs in this process
MAX_BOTS_PER_PROCESS = 400
MIN_PACE, MAX_PACE = 0.02, 30.0  # what the form accepts; the floor in force is the app's PRACTICE_MIN_PACE
OP_SECONDS = 0.003  # what one simulated op costs the loop (engine, commit, broadcast; bench/offloop.py)


class TooManyBots(RecordRefused):
    """A cap on simulated participants would be passed; nothing was started."""


class PracticeBudget:
    """All simulations of a process together may use at most `share` of its event loop's time:
    a bucket of loop-seconds, refilled by `share` per second. A tick (the room's snapshot) is
    charged what it took, each op OP_SECONDS; a simulation whose charge does not fit waits."""

    IN_FLIGHT = (
        4  # simulated ops of the process waiting for the engine at once (a real phone's op queues behind no more)
    )
    PENDING = 40  # ops handed out but not yet done; a tick hands out no more beyond this

    def __init__(self, share: float, burst: float = 0.1):
        self.share, self.burst = share, burst
        self.in_flight = threading.BoundedSemaphore(self.IN_FLIGHT)
        self.pending = 0
        self.level = burst
        self.at = time.monotonic()
        self.waited = 0.0  # seconds simulations spent waiting for the budget (the benchmark prints it)
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = time.monotonic()
        self.level = min(self.burst, self.level + (now - self.at) * self.share)
        self.at = now

    def charge(self, seconds: float) -> None:
        with self._lock:
            self._refill()
            self.level -= seconds

    def wait_time(self) -> float:
        """How long to wait until the bucket is not in debt (0: go on)."""
        with self._lock:
            self._refill()
            return 0.0 if self.level >= 0 else -self.level / self.share


def budget(app) -> PracticeBudget:
    every = app.extensions.setdefault("workshop.practice_budget", {})
    share = app.config.get("PRACTICE_SHARE", 0.1)
    if share not in every:
        every[share] = PracticeBudget(share)
    return every[share]


class Simulation:
    def __init__(
        self,
        app,
        session_id: int,
        count: int,
        temper: str,
        pace: float,
        seed: int | None = None,
        facilitator_id: int | None = None,
    ):
        self.app = app
        self.session_id = session_id
        self.facilitator_id = facilitator_id
        self.budget = budget(app)
        self.bots = make_bots(count, temper, seed)
        self.temper = temper
        self.pace = pace
        self._stop = threading.Event()
        self.ended = False

    @property
    def running(self) -> bool:
        return not self._stop.is_set() and not self.ended

    def start(self) -> None:
        socketio.start_background_task(self._run)

    def stop(self) -> None:
        self._stop.set()

    def _submit(self, actor: Actor, op: dict):
        op = {**op, "op_id": secrets.token_hex(12)}
        return live.submit(self.session_id, actor, op, app=self.app)  # the one way in, as for phones

    def _in_turn(self, work, *args) -> None:
        """Run one bot's op with at most IN_FLIGHT of the process's simulated ops at the engine:
        on SQLite every write takes one lock, and a burst of bots would queue a real room behind it."""
        try:
            with self.budget.in_flight:
                work(*args)
        finally:
            with self.budget._lock:
                self.budget.pending -= 1

    def _hand_out(self, work, *args) -> None:
        with self.budget._lock:
            self.budget.pending += 1
        socketio.start_background_task(self._in_turn, work, *args)

    def _join(self, bot: Bot) -> None:
        outcome = self._submit(Actor(SYSTEM), {"type": "participant.join", "payload": {"display_name": bot.name}})
        if isinstance(outcome, Rejected):
            log.info("simulated participant %s could not join: %s", bot.number, outcome.message)
            return
        bot.participant_id = outcome.result["participant_id"]
        with self.app.extensions["workshop.db"].session_factory() as db:  # marked: reset removes them
            db.get(Participant, bot.participant_id).simulated = True
            db.commit()

    def _act(self, bot: Bot, op: dict) -> None:
        try:
            self._submit(Actor(PARTICIPANT, bot.participant_id), op)  # a refusal is what a person gets too
        except Exception:
            log.exception("simulated op failed: %r", op)

    def _view(self) -> dict | None:
        with self.app.extensions["workshop.db"].session_factory() as db:
            ws = db.get(WorkshopSession, self.session_id)
            if ws is None or ws.status == "ended" or not is_practice(ws):
                return None
            return build_snapshot(db, ws, Actor(VIEWER))

    def _run(self) -> None:
        tick = 0
        try:
            while not self._stop.is_set():
                pause = self.budget.wait_time()
                if pause:  # practice has used its share of the loop: the room idles a moment
                    self.budget.waited += pause
                    socketio.sleep(min(pause, self.pace * 10))
                    continue
                began = time.perf_counter()
                view = self._view()
                self.budget.charge(time.perf_counter() - began)
                if view is None:
                    break
                start = tick % len(self.bots) if self.bots else 0
                for bot in self.bots[start:] + self.bots[:start]:  # who waits for the budget changes each tick
                    if (
                        self.budget.wait_time() > self.budget.burst / max(self.budget.share, 0.01)
                        or self.budget.pending >= self.budget.PENDING
                    ):
                        break  # a tick goes one burst into debt at most, and the engine's queue stays short
                    if bot.participant_id is None:
                        if tick >= bot.join_at_tick:
                            self.budget.charge(OP_SECONDS)
                            self._hand_out(self._join, bot)
                            bot.participant_id = -1  # joining
                        continue
                    if bot.participant_id < 0:
                        continue
                    op = next_op(bot, view, tick)
                    if op is not None:
                        self.budget.charge(OP_SECONDS)
                        self._hand_out(self._act, bot, op)
                tick += 1
                socketio.sleep(self.pace)
        except Exception:
            log.exception("simulation of session %s failed", self.session_id)
        finally:
            self.ended = True


def simulations(app, session_id: int) -> list[Simulation]:
    """The running simulations of a session in this process (ended ones are dropped)."""
    every = app.extensions.setdefault("workshop.simulations", {})
    every[session_id] = [s for s in every.get(session_id, []) if s.running]
    return every[session_id]


def simulated_count(app, session_id: int) -> int:
    return sum(len(s.bots) for s in simulations(app, session_id))


def _running(app) -> list[Simulation]:
    every = app.extensions.setdefault("workshop.simulations", {})
    return [s for session_id in list(every) for s in simulations(app, session_id)]


def start_simulation(
    app, session_id: int, count: int, temper: str, pace: float, facilitator_id: int | None = None
) -> Simulation:
    """Add `count` simulated participants to a practice session, on top of those already there.
    TooManyBots (de/en, naming the cap) past a cap per session, facilitator or process."""
    running = _running(app)
    if simulated_count(app, session_id) + count > MAX_BOTS:
        raise TooManyBots("too_many_bots", N_("Höchstens %(max)s simulierte Teilnehmende je Sitzung."), max=MAX_BOTS)
    mine = sum(len(s.bots) for s in running if facilitator_id is not None and s.facilitator_id == facilitator_id)
    if mine + count > MAX_BOTS_PER_FACILITATOR:
        raise TooManyBots(
            "too_many_bots",
            N_("Höchstens %(max)s simulierte Teilnehmende für Sie in allen Übungen zusammen (jetzt: %(now)s)."),
            max=MAX_BOTS_PER_FACILITATOR,
            now=mine,
        )
    if sum(len(s.bots) for s in running) + count > MAX_BOTS_PER_PROCESS:
        raise TooManyBots(
            "too_many_bots",
            N_(
                "Gerade üben zu viele: höchstens %(max)s simulierte Teilnehmende auf diesem Server. Bitte später noch einmal."
            ),
            max=MAX_BOTS_PER_PROCESS,
        )
    pace = max(pace, app.config.get("PRACTICE_MIN_PACE", 0.5))  # no room ticks faster (tests may lower it)
    simulation = Simulation(app, session_id, count, temper, pace, facilitator_id=facilitator_id)
    simulations(app, session_id).append(simulation)
    simulation.start()
    return simulation


def stop_simulations(app, session_id: int) -> int:
    """Stop every simulated participant of the session; returns how many there were."""
    running = simulations(app, session_id)
    for simulation in running:
        simulation.stop()
    app.extensions["workshop.simulations"][session_id] = []
    return sum(len(s.bots) for s in running)
