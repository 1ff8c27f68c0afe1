"""The server's listener: connections it accepts send small frames at once (Nagle off).

With Nagle on, an ack written right after a broadcast waited for the phone's delayed ACK
(about 40 ms on Linux): the co-drafting ack p50 was 45 ms for that alone (BENCHMARKS.md).
`workshop serve` wraps its listener in `without_nagle` (eventlet and gevent alike); the option
must reach every accepted socket, which is what a phone's connection is.
"""

from __future__ import annotations

import socket

from workshop.guards import without_nagle


def test_accepted_connections_have_nagle_off():
    listener = without_nagle(socket.create_server(("127.0.0.1", 0)))
    with listener, socket.create_connection(listener.getsockname()):
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0


def test_unix_listeners_are_left_as_they_are(tmp_path):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with listener:
        listener.bind(str(tmp_path / "s"))
        assert without_nagle(listener) is listener
