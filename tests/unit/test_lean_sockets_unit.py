"""lean_sockets in-process, with a stand-in websocket: the ends of a connection that a real phone
can hit only by bad timing (a close while the writer is busy with a slow phone)."""

from __future__ import annotations

import engineio
import eventlet
from engineio import packet

from workshop.live.transport.lean_sockets import LeanSocket


class SlowPhone:
    """A websocket whose sends wait until released; what the phone sends comes from `incoming`."""

    def __init__(self):
        self.incoming = eventlet.queue.Queue()
        self.release = eventlet.event.Event()
        self.sent: list[str] = []
        self.closed = False

    def wait(self):
        return self.incoming.get()

    def send(self, data):
        self.release.wait()
        self.sent.append(data)

    def close(self):
        self.closed = True


def test_a_close_while_the_writer_waits_on_a_slow_phone_ends_the_connection():
    """Before: the handler waited for the queue to be done (queue.join), the writer stopped at the
    first close marker, and a second one (from close() and from the handler's own end) was never
    done: the connection's greenlet, its socket and its session stayed for ever."""
    server = engineio.Server(async_mode="eventlet")
    socket = LeanSocket(server, "sid-1")
    phone = SlowPhone()
    handler = eventlet.spawn(socket._websocket_handler, phone)
    eventlet.sleep(0)  # the handler takes over the websocket
    socket.send(packet.Packet(packet.MESSAGE, data="vor dem Schließen"))  # the writer now waits on the phone
    eventlet.sleep(0)
    socket.close(wait=False, abort=True)  # e.g. a ping timeout: the first close marker
    phone.incoming.put(None)  # the phone hangs up: the handler ends and queues the second
    eventlet.sleep(0)
    phone.release.send()
    with eventlet.Timeout(5):
        handler.wait()
    assert phone.closed and phone.sent == ["4vor dem Schließen"]
    assert socket.queue.unfinished_tasks == 0
