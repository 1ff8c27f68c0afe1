"""A small TCP proxy in front of PostgreSQL that a test can pause: the database is "away" for the
server (every open connection is cut, new ones are closed at once) while the test's own direct
connection still works."""

from __future__ import annotations

import socket
import threading


class PausableProxy:
    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.paused = threading.Event()
        self.open: set[socket.socket] = set()
        self.guard = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _addr = self.listener.accept()
            except OSError:
                return
            if self.paused.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target)
            except OSError:
                client.close()
                continue
            with self.guard:
                self.open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            with self.guard:
                self.open.discard(source)
                self.open.discard(sink)

    def pause(self) -> None:
        """The database goes away: refuse new connections and cut every open one."""
        self.paused.set()
        with self.guard:
            victims = list(self.open)
        for s in victims:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def resume(self) -> None:
        self.paused.clear()

    def close(self) -> None:
        self.closed = True
        self.pause()
        self.listener.close()
