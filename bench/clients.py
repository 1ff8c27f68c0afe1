"""A worker process holding many python-socketio clients (one thread each, websocket transport).

It joins/connects its clients, reports how long each took, then obeys commands from the
driver: "vote" (every client sends votes and reports ack latencies) and "stop" (report the
arrival time of every event, then disconnect).
"""
from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
import socketio

CONNECT_THREADS = 16


class Holder:
    def __init__(self, conf: dict, counter, min_seq):
        self.conf, self.counter, self.min_seq = conf, counter, min_seq
        self.arrivals: list[tuple[int, float]] = []
        self.lock = threading.Lock()

    def _on_event(self, event):
        now = time.time()
        with self.lock:
            self.arrivals.append((event["seq"], now))
        if event["seq"] >= self.min_seq.value:
            with self.counter.get_lock():
                self.counter.value += 1

    def make_client(self, _i=None):
        """Join (HTTP) + connect + first snapshot; returns (client, seconds)."""
        url, started = self.conf["url"], time.perf_counter()
        auth = None
        if self.conf["kind"] == "workshop":
            joined = requests.post(f"{url}/api/join", json={"code": self.conf["code"]}, timeout=60).json()
            auth = {"session_id": self.conf["session_id"], "role": "participant", "token": joined["token"]}
        sio = socketio.Client(reconnection=False)
        snapshot = threading.Event()
        sio.on("snapshot", lambda _s: snapshot.set())
        sio.on("event", self._on_event)
        sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=60)
        if self.conf["kind"] == "workshop" and not snapshot.wait(60):
            raise RuntimeError("no snapshot")
        return sio, time.perf_counter() - started


def vote(sio, card_ids: list[int], k: int, offset: int) -> list[tuple[bool, float, str]]:
    out = []
    for j in range(k):
        started = time.perf_counter()
        ack = sio.call("op", {"type": "vote.add", "payload": {"card_id": card_ids[(offset + j) % len(card_ids)]}},
                       timeout=120)
        out.append((ack["ok"], time.perf_counter() - started, "" if ack["ok"] else ack["error"]["code"]))
    return out


def worker(conf: dict, n: int, commands, results, counter, min_seq) -> None:
    holder = Holder(conf, counter, min_seq)
    with ThreadPoolExecutor(CONNECT_THREADS) as pool:
        made = list(pool.map(holder.make_client, range(n)))
    clients = [sio for sio, _t in made]
    results.put(("joined", [t for _sio, t in made]))
    while True:
        command = commands.get()
        if command[0] == "vote":
            _, card_ids, k = command
            with ThreadPoolExecutor(len(clients)) as pool:
                votes = list(pool.map(lambda ic: vote(ic[1], card_ids, k, ic[0]), enumerate(clients)))
            results.put(("votes", [v for per_client in votes for v in per_client]))
        elif command[0] == "stop":
            with holder.lock:
                results.put(("arrivals", list(holder.arrivals)))
            for sio in clients:
                sio.disconnect()
            return
