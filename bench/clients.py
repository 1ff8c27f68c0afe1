"""A worker process holding many phones (websocket) on one event loop.

(The threaded socketio.Client starts a thread per incoming message: at a few hundred clients a
broadcast starts hundreds of threads at once, which measured the load generator, not the server.)

Two kinds of phone: python-socketio's AsyncClient (the default), and with conf["lean"] a
`LeanPhone` that speaks the few packets a phone needs (Engine.IO 4 / Socket.IO 5 over a bare
aiohttp websocket, as docs/realtime.md describes). The AsyncClient costs ~0.4 ms of CPU per
message it sends or receives: in the vote storm the 500 phones used more CPU (1.05 cores) than
the server they measured (0.65), on a machine of 2 cores. The lean phone needs a fraction of it.
conf["lean"] == "seqs" also records every event's seq (fan-out and gap checks); True ignores
events and only waits for its acks (the vote storm).

It joins/connects its clients, reports how long each took, then obeys commands from the
driver: "vote" (every client sends votes and reports ack latencies) and "stop" (report the
arrival time of every event, then disconnect).
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import random
import time

import aiohttp
import socketio

CONNECT_CONCURRENCY = 16


class Holder:
    def __init__(self, conf: dict, counter, min_seq):
        self.conf, self.counter, self.min_seq = conf, counter, min_seq
        self.arrivals: list[tuple[int, float]] = []
        self.own_sessions: list[aiohttp.ClientSession] = []  # per-address sessions, closed at the end
        self.join_errors: list[int] = []  # HTTP status of join requests that failed (then retried)
        self.per_client: list[tuple[list[int | None], list[int]]] = []  # (snapshot seq, seqs received)

    def _on_event(self, event, seqs: list[int]):
        self.arrivals.append((event["seq"], time.time()))
        seqs.append(event["seq"])
        if event["seq"] >= self.min_seq.value:
            with self.counter.get_lock():
                self.counter.value += 1

    async def make_client(self, http, gate, delay: float = 0.0, source: str | None = None):
        """A phone that fails to get in (a refused connection, no snapshot within 60 s) is
        reported as (None, seconds) instead of ending the worker: the driver counts it."""
        started = time.perf_counter()
        try:
            return await self._make_client(http, gate, delay, source)
        except (TimeoutError, aiohttp.ClientError, socketio.exceptions.ConnectionError):
            return None, time.perf_counter() - started

    async def _make_client(
        self, http: aiohttp.ClientSession, gate: asyncio.Semaphore, delay: float = 0.0, source: str | None = None
    ):
        """Join (HTTP) + connect + first snapshot, after `delay` s; returns (client, seconds).
        source: the local address to connect from (a phone of its own, for nginx's ip_hash)."""
        if delay > 0:
            await asyncio.sleep(delay)
        options = {}
        if source:
            http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(source, 0), limit=0))
            options["http_session"] = http
            self.own_sessions.append(http)
        async with gate:
            url, started = self.conf["url"], time.perf_counter()
            auth = None
            if self.conf["kind"] == "workshop":
                auth = await self._join(http)
                if auth is None:
                    return None, time.perf_counter() - started  # this phone never got in
            if self.conf.get("lean"):
                return await self._make_lean(http, auth, started)
            sio = socketio.AsyncClient(reconnection=False, **options)
            snapshot = asyncio.Event()
            snapshot_seq: list[int | None] = [None]
            seqs: list[int] = []

            async def on_snapshot(s):
                snapshot_seq[0] = s["seq"]
                snapshot.set()

            async def on_event(event):
                self._on_event(event, seqs)

            async def on_events(events):  # a batch: events that came within the broadcast window
                for event in events:
                    self._on_event(event, seqs)

            sio.on("snapshot", on_snapshot)
            sio.on("event", on_event)
            sio.on("events", on_events)
            await sio.connect(url, auth=auth, transports=["websocket"], wait_timeout=60)
            if self.conf["kind"] == "workshop":
                await asyncio.wait_for(snapshot.wait(), 60)
            self.per_client.append((snapshot_seq, seqs))  # only phones that got in are checked
            return sio, time.perf_counter() - started

    async def _join(self, http: aiohttp.ClientSession) -> dict | None:
        """POST /api/join as the phone page does (an error: a second, once more); the socket's auth."""
        for _attempt in range(6):
            async with http.post(f"{self.conf['url']}/api/join", json={"code": self.conf["code"]}) as response:
                if response.status == 200:
                    joined = await response.json()
                    return {"session_id": self.conf["session_id"], "role": "participant", "token": joined["token"]}
                self.join_errors.append(response.status)
            await asyncio.sleep(1)
        return None

    async def _make_lean(self, http: aiohttp.ClientSession, auth: dict | None, started: float):
        seqs: list[int] = []
        phone = LeanPhone(lambda event: self._on_event(event, seqs) if self.conf["lean"] == "seqs" else None)
        snapshot_seq = await phone.connect(http, self.conf["url"], auth, wants_snapshot=self.conf["kind"] == "workshop")
        self.per_client.append(([snapshot_seq], seqs))
        return phone, time.perf_counter() - started

    def gaps(self) -> list[tuple[int, int, int, int]]:
        """Per client: (snapshot seq, last seq received, seqs missing in between, duplicates),
        counting only what came after its snapshot (earlier events are in the snapshot)."""
        out = []
        for (snap,), seqs in self.per_client:
            base = snap or 0
            after = [seq for seq in seqs if seq > base]
            got = set(after)
            top = max(got, default=base)
            out.append((base, top, top - base - len(got), len(after) - len(got)))
        return out


class LeanPhone:
    """A phone on a bare websocket: `call` and `disconnect` as python-socketio's client has them.

    Engine.IO 4 over websocket carries one packet per frame: "0{...}" opens, "2" is the server's
    ping (answered "3"); a Socket.IO packet follows an Engine.IO "4": "40" connects the namespace
    (with the auth object), "42[name, data]" is an event, "42<id>[...]" one that wants an ack,
    "43<id>[data]" the answer, "44{...}" a refused connection.
    """

    def __init__(self, on_event):
        self.on_event = on_event  # called with each event dict (None: events are not looked at)
        self.ids = itertools.count(1)
        self.waiting: dict[int, asyncio.Future] = {}
        self.snapshot: asyncio.Future | None = None

    async def connect(self, http: aiohttp.ClientSession, url: str, auth: dict | None, wants_snapshot: bool):
        """Open the socket and the namespace; returns the snapshot's seq (when wants_snapshot)."""
        ws_url = url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        # compress=15: offer per-message deflate as browsers do (the server declines it)
        self.ws = await http.ws_connect(
            ws_url, autoping=False, compress=15, max_msg_size=0, timeout=aiohttp.ClientWSTimeout(ws_close=5)
        )
        opened = await asyncio.wait_for(self.ws.receive_str(), 60)
        if not opened.startswith("0"):
            raise aiohttp.ClientError(f"unexpected open packet {opened[:40]!r}")
        await self.ws.send_str("40" + (json.dumps(auth) if auth else ""))
        loop = asyncio.get_running_loop()
        connected = loop.create_future()
        self.snapshot = loop.create_future() if wants_snapshot else None
        self.reader = asyncio.create_task(self._read(connected))
        await asyncio.wait_for(connected, 60)
        if self.snapshot is None:
            return None
        return (await asyncio.wait_for(self.snapshot, 60)).get("seq")

    async def _read(self, connected: asyncio.Future) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            data = message.data
            if data == "2":
                await self.ws.send_str("3")
            elif data.startswith("43"):  # an ack: "43<id>[answer]"
                bracket = data.index("[")
                future = self.waiting.pop(int(data[2:bracket]), None)
                if future is not None and not future.done():
                    future.set_result(json.loads(data[bracket:])[0])
            elif data.startswith("42"):
                self._event(data)
            elif data.startswith("40") and not connected.done():
                connected.set_result(True)
            elif data.startswith("44") and not connected.done():
                connected.set_exception(aiohttp.ClientError(f"connection refused: {data[2:120]}"))
        for future in [connected, self.snapshot, *self.waiting.values()]:
            if future is not None and not future.done():
                future.set_exception(aiohttp.ClientError("socket closed"))

    def _event(self, data: str) -> None:
        if self.snapshot is not None and not self.snapshot.done() and data.startswith('42["snapshot"'):
            self.snapshot.set_result(json.loads(data[2:])[1])
        elif self.on_event is not None:
            name, *args = json.loads(data[2:])
            if name == "event":
                self.on_event(args[0])
            elif name == "events":  # a batch: events that came within the broadcast window
                for event in args[0]:
                    self.on_event(event)

    async def call(self, event: str, data, timeout: float = 60):
        ack_id = next(self.ids)
        future = asyncio.get_running_loop().create_future()
        self.waiting[ack_id] = future
        await self.ws.send_str(f"42{ack_id}" + json.dumps([event, data]))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            self.waiting.pop(ack_id, None)
            raise socketio.exceptions.TimeoutError() from None

    async def disconnect(self) -> None:
        if not self.ws.closed:
            await self.ws.send_str("41")
            await self.ws.close()
        self.reader.cancel()


async def vote(
    sio, card_ids: list[int], k: int, offset: int, spread: float, start: float
) -> list[tuple[bool, float, str, float]]:
    """k taps, at `start` or at random moments within `spread` s of it, each after the last ack:
    (ok, ack latency, error code, seconds from start to this ack)."""
    taps = sorted(random.uniform(0, spread) for _ in range(k))
    out = []
    for j, at in enumerate(taps):
        if (wait := start + at - time.time()) > 0:
            await asyncio.sleep(wait)
        started = time.perf_counter()
        try:
            ack = await sio.call(
                "op", {"type": "vote.add", "payload": {"card_id": card_ids[(offset + j) % len(card_ids)]}}, timeout=120
            )
        except socketio.exceptions.TimeoutError:  # counted as a tap without an answer, not a crash
            ack = {"ok": False, "error": {"code": "no_answer_in_120_s"}}
        out.append(
            (ack["ok"], time.perf_counter() - started, "" if ack["ok"] else ack["error"]["code"], time.time() - start)
        )
    return out


async def run(conf: dict, n: int, commands, results, counter, min_seq) -> None:
    holder = Holder(conf, counter, min_seq)
    loop = asyncio.get_running_loop()
    delays = [0.0] * n
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    if conf.get("join_spread"):  # a paced join storm: each phone at a random moment of the spread
        gate = asyncio.Semaphore(n)  # no client-side queue: what is measured is the server's
        delays = [conf["join_start"] - time.time() + random.uniform(0, conf["join_spread"]) for _ in range(n)]
    connector = aiohttp.TCPConnector(limit=0)  # the join requests of a paced storm all at once
    # open until "stop": lean phones' websockets are connections of this session
    http = aiohttp.ClientSession(connector=connector)
    holder.own_sessions.append(http)
    sources = [None] * n
    if conf.get("first_client") is not None:  # one loopback address per phone, a /24 each
        sources = [_address(conf["first_client"] + i) for i in range(n)]
    made = await asyncio.gather(
        *(holder.make_client(http, gate, delay, source) for delay, source in zip(delays, sources, strict=True))
    )
    clients = [sio for sio, _t in made if sio is not None]
    holder.join_errors += [0] * (n - len(clients))  # 0: a phone that gave up (counted by the driver)
    # The clients live until the end: keep them out of the collector's full passes, whose
    # pauses would otherwise show up as the server's latency (for the bare server as well).
    gc.collect()
    gc.freeze()
    results.put(("joined", [t for sio, t in made if sio is not None], holder.join_errors))
    while True:
        command = await loop.run_in_executor(None, commands.get)
        if command[0] == "vote":
            _, card_ids, k, spread, start, *rest = command
            every = rest[0] if rest else 1  # only every n-th client votes (a storm of a share of the room)
            votes = await asyncio.gather(
                *(vote(sio, card_ids, k, i, spread, start) for i, sio in enumerate(clients) if i % every == 0)
            )
            results.put(("votes", [v for per_client in votes for v in per_client]))
        elif command[0] == "stop":
            results.put(("arrivals", list(holder.arrivals), holder.gaps()))
            await asyncio.gather(*(sio.disconnect() for sio in clients))
            await asyncio.gather(*(session.close() for session in holder.own_sessions))
            return


def _address(i: int) -> str:
    """A loopback address of its own for client i, in a /24 of its own: nginx's ip_hash looks at
    the first three octets only."""
    return f"127.{1 + i // 250}.{i % 250}.1"


def worker(conf: dict, n: int, commands, results, counter, min_seq) -> None:
    asyncio.run(run(conf, n, commands, results, counter, min_seq))
