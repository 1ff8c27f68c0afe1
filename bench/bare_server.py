"""The floor: a bare Flask-SocketIO server that only re-broadcasts a message to a room.

python bench/bare_server.py PORT [eventlet|gevent]
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

app = Flask(__name__)
socketio = SocketIO(app, async_mode=MODE)


@socketio.on("connect")
def connect(auth=None):
    join_room("room")


@socketio.on("ping_room")
def ping_room(data):
    socketio.emit("event", data, to="room")
    return {"ok": True, "seq": data["seq"]}


if __name__ == "__main__":
    socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_output=False, allow_unsafe_werkzeug=True)
