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


def _frames(data: bytes, with_opcodes: bool = False) -> tuple[list, bytes]:
    """The complete unmasked frames at the start of data (a server's), and what is left: their
    texts, or (opcode, payload) pairs."""
    texts: list = []
    while len(data) >= 2:
        opcode = data[0] & 0x0F
        length, at = data[1] & 0x7F, 2
        if length == 126:
            length, at = int.from_bytes(data[2:4], "big"), 4
        elif length == 127:
            length, at = int.from_bytes(data[2:10], "big"), 10
        if len(data) < at + length:
            break
        payload = data[at : at + length]
        texts.append((opcode, payload) if with_opcodes else payload.decode())
        data = data[at + length :]
    return texts, data


def _socket_on_a_real_connection():
    """A LeanSocket whose websocket writes to one end of a real socket pair with a small send buffer."""
    import socket as stdlib_socket

    from eventlet.greenio import GreenSocket
    from eventlet.websocket import RFC6455WebSocket

    server_end, phone_end = stdlib_socket.socketpair()
    server_end.setsockopt(stdlib_socket.SOL_SOCKET, stdlib_socket.SO_SNDBUF, 4096)
    websocket = RFC6455WebSocket(GreenSocket(server_end), {}, version=13)
    socket = LeanSocket(engineio.Server(async_mode="eventlet"), "sid-2")
    socket.websocket, socket.connected, socket.upgraded = websocket, True, True
    phone_end.setblocking(False)
    return socket, phone_end


def _read_all(phone_end, texts: list[str], rest: bytes = b"") -> bytes:
    while True:
        try:
            chunk = phone_end.recv(1 << 16)
        except BlockingIOError:
            return rest
        got, rest = _frames(rest + chunk)
        texts += got


def test_a_message_to_a_phone_with_room_goes_out_without_a_writer_greenlet():
    """The putter writes the frame itself: it is on the wire before anything else gets to run."""
    socket, phone_end = _socket_on_a_real_connection()
    socket.send(packet.Packet(packet.MESSAGE, data="sofort"))
    assert not socket.writing  # no writer was needed
    texts: list[str] = []
    _read_all(phone_end, texts)  # no eventlet.sleep: nothing else ran in between
    assert texts == ["4sofort"]


def test_messages_that_do_not_fit_the_socket_arrive_whole_and_in_order():
    """A full send buffer mid-frame: the writer greenlet sends the rest of that frame first, then
    the queue, while later puts only queue (tens of frames larger than the socket's buffer)."""
    socket, phone_end = _socket_on_a_real_connection()
    messages = [f"{i:03d}" + "x" * (3000 + 97 * i) for i in range(60)]
    for text in messages:  # one greenlet, no switch: the buffer fills at once
        socket.send(packet.Packet(packet.MESSAGE, data=text))
    assert socket.writing  # the rest is the writer's
    texts: list[str] = []
    rest = b""
    with eventlet.Timeout(10):
        while len(texts) < len(messages):
            rest = _read_all(phone_end, texts, rest)
            eventlet.sleep(0.001)  # the writer's turn (a test of the socket, not of an event)
    assert texts == ["4" + text for text in messages] and rest == b""
    assert not socket.writing and socket.queue.unfinished_tasks == 0


def test_a_pong_does_not_land_inside_a_half_sent_frame():
    """The reading greenlet answers a phone's ping through the websocket's send lock. Before, a
    frame left half-sent by the putter held no lock: the pong went out inside it and the phone
    read a broken frame."""
    from eventlet.greenio import GreenSocket

    socket, phone_end = _socket_on_a_real_connection()

    def phone_reads_two_frames():
        phone, data, frames = GreenSocket(phone_end), b"", []
        while len(frames) < 2:
            data += phone.recv(1 << 16)  # waits for the server's bytes, letting the others run
            got, data = _frames(data, with_opcodes=True)
            frames += got
        return frames, data

    phone = eventlet.spawn(phone_reads_two_frames)
    big = "x" * 200_000
    socket.send(packet.Packet(packet.MESSAGE, data=big))  # far more than the buffer: half-sent
    assert socket.writing
    with eventlet.Timeout(10):
        socket.websocket.send(b"p", control_code=0xA)  # as the reading greenlet answers a ping
        frames, rest = phone.wait()
    assert frames == [(0x1, ("4" + big).encode()), (0xA, b"p")] and rest == b""
