"""The request context of a Socket.IO event: its URL adapter and route match are made at the
connection's first event and serve the later ones (socket_session.WorkshopFlask): the same
results, without binding the URL map and matching the path again for every vote."""

from __future__ import annotations

from flask import request, url_for
from werkzeug.routing import Map, MapAdapter
from werkzeug.test import EnvironBuilder

from workshop.app import create_app


def _counting(monkeypatch) -> dict[str, int]:
    calls = {"bind": 0, "match": 0}
    bind, match = Map.bind_to_environ, MapAdapter.match

    def counted_bind(self, *args, **kwargs):
        calls["bind"] += 1
        return bind(self, *args, **kwargs)

    def counted_match(self, *args, **kwargs):
        calls["match"] += 1
        return match(self, *args, **kwargs)

    monkeypatch.setattr(Map, "bind_to_environ", counted_bind)
    monkeypatch.setattr(MapAdapter, "match", counted_match)
    return calls


def test_a_connections_events_share_one_url_adapter_and_match(database_url, monkeypatch):
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "test", "SOCKETIO_ASYNC_MODE": "threading"})
    calls = _counting(monkeypatch)
    connection = EnvironBuilder(path="/socket.io/", query_string="EIO=4&transport=websocket").get_environ()
    seen = []
    for _event in range(3):  # what Flask-SocketIO does for each event of one websocket
        with app.request_context(connection):
            seen.append((request.url_rule, type(request.routing_exception), url_for("static", filename="a.css")))
    assert calls == {"bind": 1, "match": 1}  # before: 3 and 3
    assert seen[0] == seen[1] == seen[2] and seen[0][2] == "/static/a.css"
    # What the connection keeps for its whole life holds no frames: the NotFound's traceback and
    # the exception it was raised during cost 9 KB per phone (bench/run.py memory: 47 -> 56 KB).
    with app.request_context(connection):
        kept = request.routing_exception
    assert kept is not None and (kept.__traceback__, kept.__context__, kept.__cause__) == (None, None, None)

    for path in ("/", "/login"):  # HTTP requests: a fresh environ each, matched each
        with app.request_context(EnvironBuilder(path=path).get_environ()):
            assert request.path == path
    assert calls == {"bind": 3, "match": 3}
