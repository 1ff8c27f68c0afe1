"""What keeps one address (or one bad client) from taking the process down.

- the file limit is raised to what the system allows before the server listens (every phone
  holds a socket for the whole session; the usual soft limit of 1,024 is a room and a half);
- the listener backs off on EMFILE/ENFILE instead of letting eventlet's accept loop raise, which
  ends the process ("Too many open files");
- the server accepts at most as many connections as it has file descriptors to spare, so the
  cap is reached (and new connections queue in the kernel) before the file limit is;
- each client address may hold at most WORKSHOP_MAX_CONNECTIONS_PER_ADDRESS requests/sockets at once;
- Nagle's algorithm is off on every connection: a websocket frame (an ack, a broadcast) is sent
  at once instead of waiting for the client's delayed ACK of the previous one (~40 ms each);
- websockets are accepted without extensions: permessage-deflate (which every browser offers)
  gave each phone's socket a zlib compressor of 100-260 KB for its lifetime;
- Socket.IO binary packets are refused: nothing in this app sends binary, and a packet
  announcing n attachments makes python-socketio collect n frames in memory.
"""

from __future__ import annotations

import errno
import logging
import re
import threading
import time

log = logging.getLogger("workshop.guards")

# File descriptors kept back for the database pool, Redis, log files and templates.
RESERVED_FDS = 64


# --- file limit ------------------------------------------------------------------------------------


def raise_file_limit(wanted: int | None = None) -> int:
    """Raise RLIMIT_NOFILE's soft limit to the hard limit (or to `wanted`, which may also lower it,
    for tests); returns the soft limit in force."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if wanted is None else wanted
    if hard != resource.RLIM_INFINITY:
        target = min(target, hard)
    if target != soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError) as error:
            log.warning("could not set the file limit to %s: %s", target, error)
    return soft


def connection_cap(configured: int, file_limit: int) -> int:
    """Never accept more connections than there are descriptors for (minus a reserve)."""
    return max(1, min(configured, file_limit - RESERVED_FDS))


# --- Nagle ---------------------------------------------------------------------------------------------


def without_nagle(listener):
    """Set TCP_NODELAY on a listening socket; Linux copies it to every accepted socket.

    eventlet's and gevent's WSGI servers leave Nagle on. A Socket.IO ack is a small frame written
    right after another small frame (the broadcast, or the previous ack): with Nagle on it waits
    for the peer's delayed ACK, about 40 ms on Linux — the co-drafting ack p50 was 45 ms for that
    alone. Unix sockets (tests) have no such option and are returned as they are.
    """
    import socket

    if listener.family in (socket.AF_INET, socket.AF_INET6):
        listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return listener


# --- Per-connection buffers ---------------------------------------------------------------------------


def lean_http_protocol():
    """eventlet's HTTP handler with small read and write buffers (eventlet: 8 KiB and 16 KiB).

    Each connection keeps both for its whole life, and a websocket lives for hours and never uses
    them after the upgrade (frames go over the raw socket). Set per connection, they were ~7 KB of
    every phone's ~64 KB on the bare server (bench/run.py, memory). A request's headers take a
    read or two more; a response bigger than the write buffer is written straight through.
    """
    import eventlet.wsgi

    class LeanHttpProtocol(eventlet.wsgi.HttpProtocol):
        rbufsize = HTTP_READ_BUFFER
        wbufsize = HTTP_WRITE_BUFFER

    return LeanHttpProtocol


HTTP_READ_BUFFER = 1024
HTTP_WRITE_BUFFER = 1024


# --- EMFILE on accept --------------------------------------------------------------------------------

BACKOFF_ERRNOS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}


class PatientListener:
    """A listening socket whose accept() waits and retries when the process (or system) is out
    of file descriptors, instead of raising into the server's accept loop; and which closes a
    new connection at once when its address holds `per_address` open ones already (None: no
    cap, e.g. behind nginx, where every connection comes from the proxy's address)."""

    def __init__(self, sock, sleep, backoff: float = 0.1, per_address: int | None = None):
        self._sock, self._sleep, self._backoff = sock, sleep, backoff
        self._per_address = per_address
        self._open: dict[str, list] = {}
        self._last_warning = 0.0

    def accept(self):
        while True:
            try:
                client, address = self._sock.accept()
            except OSError as error:
                if error.errno not in BACKOFF_ERRNOS:
                    raise
                self._warn(f"out of file descriptors ({error.strerror}); not accepting for a moment")
                self._sleep(self._backoff)
                continue
            if self._admit(client, address):
                return client, address

    def _admit(self, client, address) -> bool:
        if self._per_address is None:
            return True
        host = address[0] if isinstance(address, tuple) else str(address)
        held = [sock for sock in self._open.get(host, []) if sock.fileno() != -1]  # still open
        if len(held) >= self._per_address:
            self._open[host] = held
            self._warn(f"{host} holds {len(held)} connections (the cap); closing new ones")
            client.close()
            return False
        held.append(client)
        self._open[host] = held
        return True

    def _warn(self, message: str) -> None:
        now = time.monotonic()
        if now - self._last_warning > 10:  # one line per 10 s, however many connections
            self._last_warning = now
            log.warning(message)

    def __getattr__(self, name):
        return getattr(self._sock, name)


# --- per-address cap ---------------------------------------------------------------------------------


class AddressCap:
    """WSGI middleware: at most `limit` requests at once per client address. A websocket (or a
    long poll) is one request for as long as it is open, so this caps sockets per address.
    Sits inside ProxyFix, so behind nginx the address is the phone's."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit
        self.open: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        address = environ.get("REMOTE_ADDR") or "?"
        with self._lock:
            count = self.open.get(address, 0)
            if count >= self.limit:
                refused = True
            else:
                refused = False
                self.open[address] = count + 1
        if refused:
            body = (
                f"Too many open connections from your address (limit {self.limit}).\n"
                "Zu viele offene Verbindungen von Ihrer Adresse.\n"
            ).encode()
            start_response(
                "429 Too Many Requests",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("Retry-After", "5"),
                ],
            )
            return [body]
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._release(address)
            raise
        return _ClosingIterator(result, lambda: self._release(address))

    def _release(self, address: str) -> None:
        with self._lock:
            count = self.open.get(address, 1) - 1
            if count <= 0:
                self.open.pop(address, None)
            else:
                self.open[address] = count


class _ClosingIterator:
    def __init__(self, result, on_close):
        self._result, self._on_close, self._closed = result, on_close, False

    def __iter__(self):
        return iter(self._result)

    def close(self):
        if self._closed:
            return
        self._closed = True
        try:
            if hasattr(self._result, "close"):
                self._result.close()
        finally:
            self._on_close()


# --- websocket extensions ----------------------------------------------------------------------------


class WithoutWebsocketExtensions:
    """WSGI middleware (outermost): hide the client's Sec-WebSocket-Extensions offer, so the
    websocket servers (eventlet's, simple-websocket under gevent) accept without per-message
    deflate.

    Why: a compressor per socket (zlib, window 15, memLevel 8) holds ~100 KB after the first
    message and up to ~260 KB; 1,000 phones are 100-260 MB of compressors for messages of a few
    hundred bytes. Socket.IO's own server turned per-message deflate off by default for the same
    reason. Snapshots travel uncompressed (tens of KB for a session of hundreds of cards).
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
        return self.app(environ, start_response)


# --- Socket.IO binary packets ------------------------------------------------------------------------

BINARY_PACKET_TYPES = ("5", "6")  # BINARY_EVENT, BINARY_ACK


def refuse_binary_packets(server, max_message: int) -> None:
    """Wrap python-socketio's Engine.IO message handler: a binary packet (or a stray attachment)
    ends that client's connection; a message over max_message characters is answered
    `too_large` without being decoded; everything else goes on as before."""
    handle = server.eio.handlers["message"]

    def guarded(eio_sid, data):
        if isinstance(data, (bytes, bytearray)) or (isinstance(data, str) and data[:1] in BINARY_PACKET_TYPES):
            log.warning("binary Socket.IO packet from %s refused; connection closed", eio_sid)
            server.eio.disconnect(eio_sid)
            return None
        if len(data) > max_message:
            _answer(
                server,
                eio_sid,
                data,
                "too_large",
                f"The message has {len(data)} characters; at most {max_message} are taken. Nothing was changed.",
            )
            return None
        try:
            return handle(eio_sid, data)
        except ValueError:  # undecodable, e.g. python-engineio's JSON refuses integers of 100+ digits
            _answer(
                server,
                eio_sid,
                data,
                "invalid",
                "The message could not be read: a number in it has 100 digits or more.",
            )
            return None

    server.eio.handlers["message"] = guarded


_EVENT_HEAD = re.compile(r"^2(/[^,\[]*,)?(\d{1,15})?\[")


def _answer(server, eio_sid, data, code: str, message: str) -> None:
    """An event that is not decoded still gets its ack, when it asked for one."""
    from socketio import packet

    match = _EVENT_HEAD.match(data) if isinstance(data, str) else None
    if match is None or match.group(2) is None:
        return  # no ack was asked for (or not an event): nothing to answer
    namespace = (match.group(1) or "/,")[:-1]
    ack = {"ok": False, "error": {"code": code, "message": message}}
    server._send_packet(
        eio_sid, server.packet_class(packet.ACK, namespace=namespace, data=[ack], id=int(match.group(2)))
    )


# --- log volume per client ---------------------------------------------------------------------------


class BoundedLog(logging.Filter):
    """At most `burst` records per minute for one (client address, logger, message template);
    each message cut to `max_chars`; tracebacks only for the first record of a kind per minute.
    Without it, anything a client can make the server log (a refused packet, a failed handler)
    lets each byte it sends write a hundred to the log."""

    def __init__(self, burst: int = 5, window: float = 60.0, max_chars: int = 500):
        super().__init__()
        self.burst, self.window, self.max_chars = burst, window, max_chars
        self._counts: dict[tuple, list] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        key = (_client_address(), record.name, str(record.msg)[:200])
        now = time.monotonic()
        with self._lock:
            if len(self._counts) > 10_000:  # many clients: forget the old windows
                self._counts = {k: v for k, v in self._counts.items() if now - v[0] < self.window}
            started, count = self._counts.get(key, (now, 0))
            if now - started >= self.window:
                started, count = now, 0
            self._counts[key] = [started, count + 1]
        if count >= self.burst:
            return False
        if count >= 1:
            record.exc_info, record.exc_text = None, None
        message = record.getMessage()
        if len(message) > self.max_chars:
            record.msg, record.args = message[: self.max_chars] + " …(cut)", None
        if count == self.burst - 1:
            record.msg, record.args = f"{record.getMessage()} (more like this suppressed for a minute)", None
        return True


def _client_address() -> str:
    try:
        from flask import has_request_context, request

        return request.remote_addr or "" if has_request_context() else ""
    except Exception:  # noqa: BLE001 - logging must never fail
        return ""


def bound_logging() -> None:
    """The app's log: one stderr handler for workshop.*, with BoundedLog (idempotent)."""
    logger = logging.getLogger("workshop")
    if any(isinstance(f, BoundedLog) for h in logger.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(BoundedLog())
    logger.addHandler(handler)
    logger.propagate = False
