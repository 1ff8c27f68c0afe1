"""Engine.IO websockets with one greenlet each (workshop/live/transport/lean_sockets.py): the ping
is a timer and the writer runs only while there is something to write. What a phone must still see:
pings at the interval, a connection that answers them kept, one that does not dropped, everything
queued before the websocket took over (the handshake) delivered, and the long-polling start of the
official client upgraded. A server with a one-second ping, on SQLite."""

from __future__ import annotations

import json
import time

import pytest
import requests
import websocket

from tests.conftest import running_server

PING = 1  # seconds (WORKSHOP_PING_SECONDS)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lean")
    with running_server(f"sqlite:///{tmp / 'workshop.db'}", tmp, {"WORKSHOP_PING_SECONDS": str(PING)}) as running:
        yield running


def _websocket(server) -> websocket.WebSocket:
    url = server.base_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    ws = websocket.create_connection(url, timeout=10 * PING)
    opened = ws.recv()
    assert opened.startswith("0"), opened  # the open packet, queued before the websocket took over
    assert json.loads(opened[1:])["pingInterval"] == PING * 1000
    return ws


def test_a_phone_that_answers_pings_is_pinged_at_the_interval_and_kept(server):
    ws = _websocket(server)
    try:
        started, pings = time.monotonic(), []
        while len(pings) < 3:
            message = ws.recv()  # waits for the server's next frame (bounded by the timeout)
            if message == "2":
                pings.append(time.monotonic() - started)
                ws.send("3")
        # Three pings, each about one interval after the answer to the one before: not all at once,
        # and the connection outlived three times ping interval + timeout would allow a silent one.
        assert pings[2] >= 2.5 * PING, pings
        ws.send('40{"session_id": 0}')  # still open: the Socket.IO layer answers (with a refusal)
        assert ws.recv().startswith("44"), "the connection should still be there"
    finally:
        ws.close()


def test_a_phone_that_stops_answering_is_dropped(server):
    ws = _websocket(server)
    try:
        assert ws.recv() == "2"  # the first ping, unanswered
        started = time.monotonic()
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            while True:  # the server closes the socket (interval + timeout); recv fails then
                if ws.recv() in ("", None):
                    raise websocket.WebSocketConnectionClosedException("closed")
        assert time.monotonic() - started < 6 * PING
    finally:
        ws.close()


def test_a_long_polling_start_upgrades_to_the_websocket_and_loses_nothing(server):
    """The official client starts with long-polling and then upgrades (probe, upgrade packet).
    A packet queued while the upgrade is under way reaches the phone over the websocket."""
    base = f"{server.base_url}/socket.io/?EIO=4"
    http = requests.Session()
    opened = http.get(f"{base}&transport=polling", timeout=10).text
    sid = json.loads(opened[1:])["sid"]
    polled = f"{base}&transport=polling&sid={sid}"
    ws = websocket.create_connection(
        f"{base.replace('http://', 'ws://')}&transport=websocket&sid={sid}", timeout=10 * PING
    )
    try:
        ws.send("2probe")
        assert ws.recv() == "3probe"
        assert http.get(polled, timeout=10).text == "6"  # the pending poll ends with a noop
        # Socket.IO connect sent by long-polling, its answer queued: it must arrive by websocket.
        assert http.post(polled, data='40{"session_id": 0}', timeout=10).status_code == 200
        ws.send("5")  # upgrade
        answer = ws.recv()
        while answer in ("2", "6"):  # a ping may come first, and the noop meant for a poll
            if answer == "2":
                ws.send("3")
            answer = ws.recv()
        assert answer.startswith("44"), answer
    finally:
        ws.close()
