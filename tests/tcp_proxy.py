"""A small TCP proxy for tests that can be paused: while paused it keeps every connection open
and accepts new ones, but passes no byte either way — a dependency that hangs (not one that is
down, which fails fast and is the easy case)."""

from __future__ import annotations

import select
import socket
import threading


class PausableProxy:
    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(128)
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self.closed = threading.Event()
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def pause(self) -> None:
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    def close(self) -> None:
        self.closed.set()
        self.flowing.set()
        for sock in [self.listener, *self._sockets]:
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        self.flowing.wait()  # a connection made while paused hangs before it reaches the target
        try:
            upstream = socket.create_connection(self.target)
        except OSError:
            client.close()
            return
        self._sockets += [client, upstream]
        peers = {client: upstream, upstream: client}
        try:
            while not self.closed.is_set():
                self.flowing.wait()
                readable, _, _ = select.select(list(peers), [], [], 0.1)
                for sock in readable:
                    self.flowing.wait()  # paused between select and send: hold the bytes
                    data = sock.recv(65536)
                    if not data:
                        return
                    peers[sock].sendall(data)
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()
