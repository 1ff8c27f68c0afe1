"""Engine.IO websockets with one greenlet each instead of three (eventlet): memory per phone.

python-engineio keeps three greenlets for every websocket for its whole life: the connection's
own (reading), a writer waiting on the socket's queue, and a pinger sleeping between pings. A
suspended greenlet costs ~7.5 KB (its saved stack); with 1,000 phones the writer and the pinger
were ~15 of the ~63 KB each phone cost the server (bench/run.py, memory). Here:

- the ping is a timer of the event loop; a greenlet lives only for the moment it sends the ping;
- the writer exists only while there is something to write: a packet put on the socket's queue
  starts it, and it ends when the queue is empty. Packets still leave in queue order, one writer
  at a time, and a slow phone still blocks only its own writer, never the one who broadcasts.

Everything else (the queue, the packets, receiving, closing, long-polling and its upgrade to a
websocket) is python-engineio's own; `install()` puts this class where engineio.server makes
its sockets. For `workshop serve` under eventlet only: gevent keeps engineio's socket as it is.
"""

from __future__ import annotations

import logging
import time
import weakref

import eventlet
from engineio import exceptions, packet
from engineio import socket as engineio_socket
from eventlet.greenio import GreenSocket
from eventlet.hubs import get_hub
from eventlet.queue import Empty, Queue

log = logging.getLogger("workshop.live")


class _WakingQueue(Queue):
    """The socket's queue: a put starts the socket's writer if it has none (websocket only)."""

    def __init__(self, owner: LeanSocket):
        super().__init__()
        self.owner = weakref.ref(owner)  # no cycle: a closed socket goes with its last reference

    def put(self, item, block=True, timeout=None):
        super().put(item, block, timeout)
        owner = self.owner()
        if owner is not None:
            owner.start_writer()


class LeanSocket(engineio_socket.Socket):
    def __init__(self, server, sid):
        super().__init__(server, sid)
        self.queue = _WakingQueue(self)
        self.websocket = None  # set once the websocket carries the packets (not while polling)
        self.writing = False  # whether a greenlet is writing the queue out (only while it has something)

    # --- the ping: a timer, not a sleeping greenlet ----------------------------------------------
    def schedule_ping(self):
        if self.last_ping:  # only after the previous ping was answered, as engineio does
            self.last_ping = None
            get_hub().schedule_call_global(self.server.ping_interval, eventlet.spawn_n, self._ping)

    def _ping(self):
        if not self.closing and not self.closed:
            self.last_ping = time.time()
            self.send(packet.Packet(packet.PING))

    # --- the writer: started by a put, ends when the queue is empty ------------------------------
    def start_writer(self):
        if self.websocket is not None:
            if not self.writing:
                unsent = self._write_now(self.websocket)
                if unsent is None:
                    return
                self.writing = True
                eventlet.spawn_n(self._write_queue, self.websocket, unsent)  # spawn_n: no GreenThread, no Event
        elif self.upgraded:  # the websocket is closed: nothing will send this, so a close(wait=True) must not wait
            self._discard_queue()

    def _write_now(self, websocket) -> bytes | None:
        """Write what is queued straight to the socket while it takes it without waiting, in the
        putter's greenlet: no writer greenlet and no switch per message (a broadcast to 500 phones
        is 500 of them). Returns None if all went out, else what a writer must send first (b"" for
        nothing: the close marker, a socket that would wait or failed, a socket this cannot write).

        The websocket's send lock is respected: the reading greenlet answers a phone's ping or
        close frame through it. A frame left half-sent keeps the lock until the writer has sent
        its rest, so no control frame lands inside it."""
        raw = getattr(websocket, "socket", None)
        if raw is None or type(raw) is not GreenSocket:  # TLS or anything else: the writer greenlet's way
            return b""
        if websocket._sendlock.locked():  # a control frame is being written: the writer waits its turn
            return b""
        queue = self.queue
        while queue.qsize():
            if queue.queue[0] is None:  # the close marker: the writer closes, as before
                return b""
            frame = websocket._pack_message(queue.get(block=False).encode())
            queue.task_done()
            try:
                sent = raw.fd.send(frame)  # the socket is non-blocking: a full buffer raises, never waits
            except OSError:  # would block, or the phone is gone: the writer sends it (or finds out)
                sent = 0
            if sent < len(frame):
                websocket._sendlock.acquire(blocking=False)  # free (checked above; nothing switched since)
                return frame[sent:]
        return None

    def _write_queue(self, websocket, unsent: bytes = b""):
        queue = self.queue
        try:
            if unsent:  # the rest of a frame _write_now began, under the lock it took: before anything else
                try:
                    websocket.socket.sendall(unsent)
                finally:
                    websocket._sendlock.release()
            while queue.qsize():  # nothing switches between the last check and `writing = False`
                pkt = queue.get(block=False)
                queue.task_done()
                if pkt is None:  # closing: what comes after is not sent (engineio does the same)
                    self._stop_writing(websocket)
                    return
                websocket.send(pkt.encode())
        except Exception:  # the phone is gone: what is left is not sent (engineio does the same)
            self._stop_writing(websocket)
        finally:
            self.writing = False

    def _stop_writing(self, websocket):
        self.websocket = None  # first: a put from here on is discarded, not waited for
        self._discard_queue()
        try:
            websocket.close()  # may switch to other greenlets
        except Exception:  # already gone
            pass

    def _discard_queue(self):
        while True:
            try:
                self.queue.get(block=False)
            except Empty:
                return
            self.queue.task_done()

    # --- the websocket: engineio's handshake and reading, without a writer of its own -------------
    def _websocket_handler(self, ws):
        def wait():
            data = ws.wait()
            if data and len(data) > self.server.max_http_buffer_size:
                raise ValueError("packet is too large")
            return data

        raw = getattr(ws, "_sock", None) or getattr(ws, "socket", None)
        if raw is not None and hasattr(raw, "settimeout"):  # a peer gone silent ends the read
            raw.settimeout(self.server.ping_interval + self.server.ping_timeout)

        if self.connected:  # came in by long-polling: the upgrade (probe, then upgrade packet)
            self.upgrading = True
            probe = packet.Packet(encoded_packet=wait())
            if probe.packet_type != packet.PING or probe.data != "probe":
                self.upgrading = False
                return []
            ws.send(packet.Packet(packet.PONG, data="probe").encode())
            self.queue.put(packet.Packet(packet.NOOP))  # ends the poll that is waiting
            if packet.Packet(encoded_packet=wait()).packet_type != packet.UPGRADE:
                self.upgrading = self.upgraded = False
                return []
            self.upgrading = False
        self.connected = self.upgraded = True
        self.websocket = ws
        self.start_writer()  # what was queued before the websocket took over
        try:
            while True:
                try:
                    data = wait()
                except Exception as error:
                    if not self.closed:
                        log.info("%s: websocket read failed (%s), closing", self.sid, error)
                    break
                if data is None:  # closed by the phone
                    break
                try:
                    self.receive(packet.Packet(encoded_packet=data))
                except exceptions.UnknownPacketError:
                    pass
                except exceptions.SocketIsClosedError:
                    break
                except Exception:
                    log.exception("%s: receiving a packet failed, closing", self.sid)
                    break
        finally:
            self.queue.put(None)  # the writer sends what is queued, then closes the websocket
            while self.writing:  # wait for it (a disconnect, not a hot path: a short poll will do)
                eventlet.sleep(0.005)
            if self.websocket is not None:  # no writer ran: close here
                self._stop_writing(self.websocket)
            self.close(wait=False, abort=True, reason=self.server.reason.TRANSPORT_CLOSE)
        return []


def install() -> None:
    """Make engineio.server create LeanSockets (it looks the class up on the module at each connect)."""
    engineio_socket.Socket = LeanSocket
