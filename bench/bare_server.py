"""The floor: a bare Flask-SocketIO server that only re-broadcasts a message to a room.

python bench/bare_server.py PORT [eventlet|gevent]

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

from flask import Flask  # noqa: E402
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
