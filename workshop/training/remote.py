"""`workshop simulate`: simulated participants from the shell, as real phones.

Each bot joins over HTTP (POST /api/join) and talks to the running server over Socket.IO like
the phone page does, so this exercises the whole path (and doubles as a demo or a load test).
They share one brain with the in-server simulation (training/bots.py); bot 1 fetches the room's
state once per tick (sync, as a phone does after a gap) and every bot decides on it.
"""

from __future__ import annotations

import threading
import time

import requests
import socketio as socketio_client

from workshop.training.bots import Bot, make_bots, next_op


class RemoteBot:
    def __init__(self, bot: Bot, base_url: str, session_id: int, code: str):
        self.bot, self.base_url, self.session_id, self.code = bot, base_url, session_id, code
        self.client = socketio_client.Client(reconnection=True)
        self.acks = 0
        self.refusals = 0

    def join(self) -> None:
        answer = requests.post(
            f"{self.base_url}/api/join", json={"code": self.code, "display_name": self.bot.name}, timeout=15
        )
        body = answer.json()
        if not body.get("ok"):
            raise RuntimeError(f"join refused: {body.get('error', {}).get('message')}")
        self.bot.participant_id, self.bot.token = body["participant_id"], body["token"]
        self.connect()

    def connect(self) -> None:
        self.client.connect(
            self.base_url,
            auth={"session_id": self.session_id, "role": "participant", "token": self.bot.token},
            transports=["websocket"],
            wait_timeout=15,
        )

    def send(self, op: dict) -> None:
        def acked(answer):
            if isinstance(answer, dict) and answer.get("ok"):
                self.acks += 1
            else:
                self.refusals += 1

        self.client.emit("op", {**op, "op_id": f"sim{self.bot.number:04d}{time.monotonic_ns():x}"[:64]}, callback=acked)

    def snapshot(self) -> dict | None:
        answer = self.client.call("sync", {}, timeout=15)
        return answer.get("snapshot") if isinstance(answer, dict) and answer.get("ok") else None

    def close(self) -> None:
        try:
            self.client.disconnect()
        except Exception:  # already gone
            pass


def run_remote(
    base_url: str,
    session_id: int,
    code: str,
    count: int,
    temper: str,
    pace: float,
    echo=print,
    stop: threading.Event | None = None,
    mark_simulated=None,
) -> dict:
    """Run until the session ends or stop is set; returns what the bots sent and got."""
    stop = stop or threading.Event()
    bots = [RemoteBot(bot, base_url, session_id, code) for bot in make_bots(count, temper)]
    tick = 0
    try:
        while not stop.is_set():
            for remote in bots:
                if remote.bot.participant_id is None and tick >= remote.bot.join_at_tick:
                    remote.join()
                    if mark_simulated:
                        mark_simulated(remote.bot.participant_id)
            joined = [r for r in bots if r.bot.participant_id is not None]
            view = joined[0].snapshot() if joined else None
            if view is not None:
                if view["session"]["status"] == "ended":
                    echo("The session has ended; the simulated participants leave.")
                    break
                for remote in joined:
                    was_offline = tick < remote.bot.offline_until_tick
                    op = next_op(remote.bot, view, tick)
                    if tick < remote.bot.offline_until_tick and not was_offline:
                        remote.close()  # a dropped connection, for real
                    elif was_offline and tick >= remote.bot.offline_until_tick:
                        remote.connect()
                    if op is not None and remote.client.connected:
                        remote.send(op)
            tick += 1
            stop.wait(pace)
    finally:
        for remote in bots:
            remote.close()
    return {
        "joined": sum(1 for r in bots if r.bot.participant_id is not None),
        "acknowledged": sum(r.acks for r in bots),
        "refused": sum(r.refusals for r in bots),
    }
