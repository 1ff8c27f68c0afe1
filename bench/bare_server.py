"""The floor: a bare Flask-SocketIO server that only re-broadcasts a message to a room.

python bench/bare_server.py PORT [eventlet|gevent]

For the vote storm (bench/vote_storm.py) it also takes `op` {type: vote.add}: a vote counted in
memory (budget 5 per phone), its event broadcast the way the workshop batches them, then
acknowledged. No database, no checks: what the same traffic costs the stack alone.

It listens the way `workshop serve` does (Nagle off, a deep backlog, no per-message deflate, small HTTP buffers), so that the comparison
measures the app's work and not a socket setting: with Flask-SocketIO's own runner (Nagle on)
each ack waited ~40 ms for the client's delayed ACK, on the bare server and the app alike.
"""

import sys

MODE = sys.argv[2] if len(sys.argv) > 2 else "eventlet"
if MODE == "eventlet":
    import eventlet

    eventlet.monkey_patch()
else:
    from gevent import monkey

    monkey.patch_all()

import collections  # noqa: E402
import time  # noqa: E402

from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

from workshop.guards import WithoutWebsocketExtensions, lean_http_protocol, without_nagle  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode=MODE)
app.wsgi_app = WithoutWebsocketExtensions(app.wsgi_app)  # no per-message deflate, as workshop serve


@socketio.on("connect")
def connect(auth=None):
    join_room("room")


@socketio.on("ping_room")
def ping_room(data):
    socketio.emit("event", data, to="room")
    return {"ok": True, "seq": data["seq"]}


# --- the vote storm's floor ------------------------------------------------------------------
BUDGET = 5
# workshop.config's defaults: WORKSHOP_BROADCAST_WINDOW_MS, WORKSHOP_BROADCAST_WINDOW_PER_PHONE_US
WINDOW_S, PER_PHONE_S = 0.050, 0.000_200
spent: collections.Counter[str] = collections.Counter()
totals: collections.Counter[int] = collections.Counter()


class Batches:
    """workshop/live/transport/broadcast.py's rule, for one room: an event after a quiet moment
    goes out at once; those that follow within the window wait for its end and go out as one
    `events` message; during a burst the window grows with the room; an ack waits for its event."""

    def __init__(self):
        self.pending: list[dict] = []
        self.flushed = None
        self.last_sent = float("-inf")
        self.last_size = 0
        self.seq = 0

    def send(self, event: dict):
        self.pending.append(event)
        if self.flushed is not None:
            return self.flushed
        window = WINDOW_S
        if self.last_size > 1:
            window = max(WINDOW_S, len(socketio.server.manager.rooms["/"].get("room", ())) * PER_PHONE_S)
        wait = self.last_sent + window - time.monotonic()
        if wait > 0:
            self.flushed = socketio.server.eio.create_event()
            socketio.start_background_task(self._later, wait)
            return self.flushed
        self._emit()
        return None

    def _later(self, wait: float) -> None:
        socketio.sleep(wait)
        flushed, self.flushed = self.flushed, None
        self._emit()
        flushed.set()

    def _emit(self) -> None:
        events, self.pending = self.pending, []
        self.last_size, self.last_sent = len(events), time.monotonic()
        socketio.emit("event" if len(events) == 1 else "events", events[0] if len(events) == 1 else events, to="room")


batches = Batches()


@socketio.on("op")
def op(data):
    voter, card = request.sid, data["payload"]["card_id"]
    if spent[voter] >= BUDGET:
        return {"ok": False, "error": {"code": "budget_exhausted", "message": f"All {BUDGET} of your votes are used."}}
    spent[voter] += 1
    totals[card] += 1
    batches.seq += 1
    payload = {"step_key": "vote", "card_id": card, "target_id": card, "total": totals[card]}
    event = {"seq": batches.seq, "type": "vote.changed", "payload": payload, "at": "2026-12-04T00:00:00+00:00"}
    flushed = batches.send(event)
    if flushed is not None:
        flushed.wait()
    result = {"card_id": card, "mine": 1, "remaining": BUDGET - spent[voter]}
    return {"ok": True, "seq": event["seq"], "result": {**payload, **result}}


def serve(port: int) -> None:
    address = ("127.0.0.1", port)
    if MODE == "eventlet":
        import eventlet.wsgi

        listener = without_nagle(eventlet.listen(address, backlog=1024))
        eventlet.wsgi.server(listener, app, log_output=False, max_size=10_000, protocol=lean_http_protocol())
    else:
        from gevent import pywsgi

        server = pywsgi.WSGIServer(address, app, log=None, backlog=1024)
        server.init_socket()
        without_nagle(server.socket)
        server.serve_forever()


if __name__ == "__main__":
    serve(int(sys.argv[1]))
